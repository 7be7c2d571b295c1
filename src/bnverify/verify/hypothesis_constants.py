"""Hypothesis's "local constants", made independent of the import history.

Hypothesis mixes literals found in the process's local modules into its draws
(``hypothesis.internal.conjecture.providers._get_local_constants``). Which modules are imported
differs between the driver and a Dask worker, and on a worker with the units it has run (each
statement's module loads when its unit arrives), so the same seed drew different examples from
run to run. While a Hypothesis unit runs, the constants are those of bnverify's library modules,
every one imported: the same in every process, editable or normal install."""
from __future__ import annotations

import contextlib
import sys

_LIBRARY: list[str] | None = None  # the library modules this process imported, by name
_STATEMENT_PACKAGE = "bnverify.theorems"


def _library_module(name: str) -> bool:
    """A module of bnverify's own code (the shipped statements excluded: they are the user's)."""
    return (name == "bnverify" or name.startswith("bnverify.")) and not (
        name == _STATEMENT_PACKAGE or name.startswith(_STATEMENT_PACKAGE + "."))


def import_library() -> list[str]:
    """Import every bnverify library module once per process (not the statements: they load
    when a unit needs them); their names, sorted."""
    global _LIBRARY
    if _LIBRARY is not None:
        return _LIBRARY
    import importlib
    import pkgutil

    import bnverify

    names = ["bnverify"]
    for m in pkgutil.walk_packages(bnverify.__path__, "bnverify.", onerror=lambda name: None):
        if m.name != "bnverify.__main__" and _library_module(m.name):
            try:
                importlib.import_module(m.name)
            except Exception:  # noqa: BLE001  (an optional module that cannot load here: not a unit's business)
                continue
            names.append(m.name)
    _LIBRARY = sorted(names)
    return _LIBRARY


_LIBRARY_CONSTANTS = None  # per process: the Hypothesis constants of bnverify's library modules


@contextlib.contextmanager
def library_hypothesis_constants():
    """While a unit runs: Hypothesis draws its "local constants" (literals it mixes into draws,
    ``hypothesis.internal.conjecture.providers._get_local_constants``) from bnverify's library
    modules only — not from whatever else the process happened to import (statement modules, which
    a worker imports as units arrive; a user's folder; test modules; ``__main__``) — so a Hypothesis
    unit draws the same examples in the driver, on any worker, after any import history and from an
    editable or a normal install. (Private Hypothesis API: if it moves, draws fall back to
    Hypothesis's default, reproducible only for equal import histories.)"""
    global _LIBRARY_CONSTANTS
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants, constants_from_module

        original = providers._get_local_constants
        cache = providers.CONSTANTS_CACHE
    except (ImportError, AttributeError):  # pragma: no cover (another Hypothesis version)
        yield
        return
    if _LIBRARY_CONSTANTS is None:
        consts = Constants()
        for name in import_library():  # a fixed list, not whatever else sys.modules holds
            mod = sys.modules.get(name)
            if mod is not None and getattr(mod, "__file__", None):
                consts |= constants_from_module(mod)
        _LIBRARY_CONSTANTS = consts
    providers._get_local_constants = lambda: _LIBRARY_CONSTANTS
    cache.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.cache.clear()


