"""Discovery of statements: every module of the shipped package ``bnverify.theorems`` (the
project's ``theorems/`` folder, installed with the package) and every ``*.py`` in any folder
given by the user (``--theorems DIR`` or ``BNVERIFY_THEOREMS``, ``os.pathsep``-separated; the
environment is read, never written). :func:`shipped` reads the shipped package alone.
A module contributes its module-level ``STATEMENTS`` and ``MUTANTS`` lists. Files whose names
start with ``_`` and ``TEMPLATE.py`` are skipped.

Finding no statement at all is an error (:class:`NoStatementsFound`), never an empty success; a
file that raises — or calls ``sys.exit`` — while being imported is reported as
:class:`TheoremImportError` naming the file, with the traceback."""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import traceback
from pathlib import Path

from bnverify.verify.statement import Statement

SHIPPED_PACKAGE = "bnverify.theorems"


class NoStatementsFound(LookupError):
    """No theorem folder holds a statement: nothing can be checked."""


class TheoremImportError(Exception):
    """A theorem file raised (or called ``sys.exit``) while being imported."""

    def __init__(self, path: Path, exc: BaseException):
        self.path = Path(path)
        self.traceback = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        what = (f"called sys.exit({exc.code!r})" if isinstance(exc, SystemExit)
                else f"raised {type(exc).__name__}: {exc}")
        super().__init__(f"{self.path}: {what} while being imported")


def _shipped_dir() -> Path:
    import importlib

    return Path(importlib.import_module(SHIPPED_PACKAGE).__file__).resolve().parent


DEFAULT_DIR = _shipped_dir()


ENV = "BNVERIFY_THEOREMS"


def env_dirs() -> list[str]:
    """The folders named by ``BNVERIFY_THEOREMS`` (``os.pathsep``-separated)."""
    return [p for p in os.environ.get(ENV, "").split(os.pathsep) if p]


def theorem_dirs(extra=(), *, environment: bool = True) -> list[Path]:
    """The shipped folder, the ``BNVERIFY_THEOREMS`` folders (unless ``environment=False``) and ``extra``."""
    dirs = [DEFAULT_DIR] if DEFAULT_DIR.is_dir() else []
    for d in [*(env_dirs() if environment else ()), *extra]:
        if not str(d).strip():  # Path("") is the current folder: every *.py in it would be executed
            raise ValueError("theorems: empty folder name (an unset shell variable?)")
        p = Path(d).resolve()
        if not p.is_dir():
            raise ValueError(f"theorems: not a directory: {d}")
        if p not in dirs:
            dirs.append(p)
    return dirs


def _import(path: Path):
    """The module of one theorem file; :class:`TheoremImportError` if importing it raises
    anything but ``KeyboardInterrupt`` (``SystemExit`` included)."""
    try:
        return _import_unchecked(path)
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: BLE001  (user code: SyntaxError, SystemExit, …)
        raise TheoremImportError(path, e) from None


def _import_unchecked(path: Path):
    if path.parent == DEFAULT_DIR:  # shipped: a real package module, importable (and picklable) by name
        return importlib.import_module(f"{SHIPPED_PACKAGE}.{path.stem}")
    name = "bnverify_theorems_" + hashlib.sha1(str(path).encode()).hexdigest()[:10] + "_" + path.stem
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(name, None)  # a half-imported module must not be found next time
        raise
    return mod


def load(extra_dirs=(), *, mutants: bool = False, environment: bool = True) -> list[Statement]:
    """Statements (or mutants) from every theorem folder (:func:`theorem_dirs`), in file order; keys
    must be unique. No statement at all (``mutants=False``) raises :class:`NoStatementsFound`."""
    out: list[Statement] = []
    seen: dict[str, Path] = {}
    dirs = theorem_dirs(extra_dirs, environment=environment)
    for d in dirs:
        for path in sorted(d.glob("*.py")):
            if path.name.startswith("_") or path.name == "TEMPLATE.py":
                continue
            mod = _import(path)
            pool = getattr(mod, "MUTANTS" if mutants else "STATEMENTS", [])
            if not isinstance(pool, (list, tuple)):
                raise TypeError(f"{path}: {'MUTANTS' if mutants else 'STATEMENTS'} must be a list of "
                                f"Statement objects, got {type(pool).__name__}")
            for s in pool:
                if not isinstance(s, Statement):
                    raise TypeError(f"{path}: {s!r} is not a Statement")
                for k in {s.key, s.short_key}:
                    if k in seen:
                        raise ValueError(f"{path}: statement {k} already defined in {seen[k]}")
                    seen[k] = path
                s.source_file = str(path)
                out.append(s)
    if not out and not mutants:
        where = ", ".join(map(str, dirs)) if dirs else "no theorem folder"
        shipped = "" if DEFAULT_DIR.is_dir() else f" (the shipped package {SHIPPED_PACKAGE} is missing: {DEFAULT_DIR})"
        raise NoStatementsFound(f"theorems: no statements found in {where}{shipped}")
    return out


def shipped(*, mutants: bool = False) -> list[Statement]:
    """The shipped statements (or mutants) alone: no ``BNVERIFY_THEOREMS``, no user folder."""
    return load(mutants=mutants, environment=False)


def select(statements: list[Statement], ids) -> list[Statement]:
    """Statements whose ``id`` or ``id@version`` is in ``ids`` (prefix match on id allowed)."""
    if not ids:
        return statements
    chosen = [s for s in statements if any(s.key == i or s.id == i or s.id.startswith(i + ".") for i in ids)]
    unknown = [i for i in ids if not any(s.key == i or s.id == i or s.id.startswith(i + ".") for s in statements)]
    if unknown:
        raise ValueError(f"statement: unknown id(s) {unknown}; see `bnverify list`")
    return chosen


def load_statement(key: str, theorems=(), *, mutant: bool | None = None) -> Statement:
    """The statement or mutant with this key (``id@version``, a mutant's ``id@version+name``) or, failing
    that, this ``id``; ``mutant``: look among statements only (False), mutants only (True) or both
    (None, statements first). ``LookupError`` when none answers."""
    pools = [load(theorems, mutants=m) for m in ([False, True] if mutant is None else [mutant])]
    for match in (lambda s: s.answers_to(key), lambda s: s.id == key):
        for pool in pools:
            hits = [s for s in pool if match(s)]
            if hits:
                return hits[0]
    raise LookupError(f"statement {key!r} not found")
