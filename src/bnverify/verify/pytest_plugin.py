"""pytest plugin (entry point ``bnverify``, active wherever bnverify and pytest are installed):
falsify a researcher's own statements with pytest, no test module to write::

    pytest --theorems mydir              # repeatable; or BNVERIFY_THEOREMS=mydir pytest
    pytest --theorems mydir -n 2         # with pytest-xdist

With a theorem folder the run is that folder's statements and mutants only, wherever pytest is
started (the repository root included): no test file is collected. Items carry their statement
objects; the plugin reads ``BNVERIFY_THEOREMS`` and never writes the environment.

Every statement of every ``*.py`` in the given folders becomes one test item per precision
(``bnverify::<key>[float64]``, ``bnverify::<key>[mpmath]``), failing on a confirmed violation, on
vacuity or on a low hypotheses-met rate (:func:`bnverify.verify.testing.check_statement`); every mutant
becomes one item (float64) failing when it is *not* caught
(:func:`bnverify.verify.testing.check_mutant_caught`). The failure messages are those of
:mod:`bnverify.verify.testing`: the statement, each counterexample's parameters, every precision's
verdict and a ``bnverify reproduce`` line.

Examples per campaign: the Hypothesis profile's (``HYPOTHESIS_PROFILE``: ci 25/4, dev, deep) times
the statement's ``search_scale`` (at least 4 float64 / 3 mpmath), Hypothesis alone; a mutant's
``ci_budget`` with its own searcher; or ``--bnverify-examples N`` (mpmath: a tenth, at least 1).
Items are collected by one :class:`TheoremFolders` collector added to the session's collection, so
pytest counts and lists them as tests. Write ``--theorems=DIR`` for a folder outside the current
one: pytest reads its command line before its plugins load and takes the DIR of ``--theorems DIR``
for a test path, from which it chooses the rootdir (the header says so when that happened).

A statement's *pinned* examples (recorded regressions) run first and are counted too: each item
reports ``examples = pinned + generated``.

With neither ``--theorems`` nor ``BNVERIFY_THEOREMS`` the plugin collects nothing (the project's
shipped statements are covered by its own tests). Only statements defined in the given folders
are collected, not the shipped ones they may import. The summary shows, per campaign, the examples,
the distinct decided cases and the coverage of the declared space, as ``bnverify check`` counts them.
"""
from __future__ import annotations

from pathlib import Path

import pytest


def pytest_addoption(parser):
    g = parser.getgroup("bnverify", "bnverify statements as test items")
    g.addoption("--theorems", action="append", default=[], metavar="DIR",
                help="folder of bnverify statement files: every statement (both precisions) and every "
                     "mutant becomes a test item (repeatable; also BNVERIFY_THEOREMS, os.pathsep-separated)")
    g.addoption("--bnverify-examples", type=int, default=None, metavar="N",
                help="float64 examples per statement campaign (default: the Hypothesis profile's; "
                     "mpmath: N/10, at least 1)")


def _folders(config) -> list[Path]:
    from bnverify.verify.registry import env_dirs

    given = env_dirs() + list(config.getoption("theorems") or [])
    out: list[Path] = []
    for d in given:
        if not str(d).strip():  # Path("") is the current folder: every *.py in it would be executed
            raise pytest.UsageError("--theorems: empty folder name (an unset shell variable?)")
        p = Path(d).expanduser().resolve()
        if not p.is_dir():
            raise pytest.UsageError(f"--theorems: not a directory: {d}")
        if p not in out:
            out.append(p)
    return out


def pytest_configure(config):
    config._bnverify_folders = _folders(config)
    n = config.getoption("bnverify_examples")
    if n is not None and n < 0:
        raise pytest.UsageError(f"--bnverify-examples: expected an integer >= 0, got {n}")


def pytest_ignore_collect(collection_path, config):
    """With a theorem folder, the run is its statements only: no test file is collected."""
    return True if getattr(config, "_bnverify_folders", None) else None


class CampaignItem(pytest.Item):
    """One campaign of one statement (or mutant) at one precision."""

    def __init__(self, *, stmt, mutant: bool, backend: str, **kw):
        super().__init__(**kw)
        self.stmt, self.key, self.mutant, self.backend = stmt, stmt.key, mutant, backend
        self.pinned = len(getattr(stmt, "pinned", ()) or ())
        self.source = getattr(stmt, "source_file", "")
        self.result = None

    def _examples(self):
        n = self.config.getoption("bnverify_examples")
        if n is None:
            return None
        return n if self.backend == "float64" else (max(1, n // 10) if n else 0)

    def runtest(self):
        from bnverify.verify.testing import RESULTS, check_mutant_caught, check_statement

        check = check_mutant_caught if self.mutant else check_statement
        before = len(RESULTS)
        try:
            check(self.key, self.backend, max_examples=self._examples(), stmt=self.stmt)
        finally:  # the campaign is recorded before the checks that may fail
            if len(RESULTS) > before:
                self.result = RESULTS[-1]
                self.user_properties.append(("bnverify", self.counts_line(self.result)))

    def counts_line(self, res) -> str:
        generated = res.examples - self.pinned
        return (f"{self.key} [{res.backend}]: {res.examples} examples = {self.pinned} pinned + {generated} "
                f"generated; met {res.met}; {res.distinct} distinct, {res.duplicates} duplicates; coverage "
                f"{coverage_text(res.coverage)}; " + ", ".join(f"{k} {v}" for k, v in res.counts.items() if v))

    def repr_failure(self, excinfo):
        if excinfo.errisinstance(AssertionError):
            note = (f"\n(examples include the statement's {self.pinned} pinned example(s), run before the "
                    "generated ones)") if self.pinned else ""
            return f"{excinfo.value}{note}\nstatement file: {self.source}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.source, None, f"bnverify {'mutant' if self.mutant else 'statement'} {self.key} [{self.backend}]"


def coverage_text(c: dict | None) -> str:
    """``1-D 40% / 2-D 12%`` of the declared space's marginal cells (``–`` when nothing is covered)."""
    if not c or c.get("1d") is None:
        return "–"
    return f"1-D {c['1d']:.0%}" + (f" / 2-D {c['2d']:.0%}" if c.get("2d") is not None else "")


class TheoremFolders(pytest.Collector):
    """The statements and mutants of the ``--theorems`` folders, as one collector beside the session's
    own (which collects nothing then): pytest counts, lists and reports its items like any test's
    ("collected 10 items"; ``--collect-only`` lists them). Its node id is empty, so item ids are
    ``::bnverify::<key>[precision]`` whatever the folders' paths."""

    def __init__(self, *, stmts, muts, **kw):
        super().__init__(**kw)
        self._stmts, self._muts = stmts, muts

    def collect(self):
        items = []
        for group, mutant, backends in ((self._stmts, False, ("float64", "mpmath")), (self._muts, True, ("float64",))):
            for s in group:
                for b in backends:
                    items.append(CampaignItem.from_parent(self, name=f"bnverify::{s.key}[{b}]", stmt=s,
                                                          mutant=mutant, backend=b))
        return items


def _load(folders):
    from bnverify.verify.registry import load

    def inside(s) -> bool:
        f = Path(getattr(s, "source_file", "") or "").resolve()
        return any(f.parent == d or d in f.parents for d in folders)

    try:
        stmts = [s for s in load(folders, mutants=False, environment=False) if inside(s)]
        muts = [m for m in load(folders, mutants=True, environment=False) if inside(m)]
    except Exception as e:  # noqa: BLE001  (a broken statement file: one clear collection error)
        raise pytest.UsageError(f"bnverify: cannot load the statements of {', '.join(map(str, folders))}: "
                                f"{type(e).__name__}: {e}") from None
    return stmts, muts


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    """The session's collection gets the theorem folders' collector (its items are then counted)."""
    rep = yield
    folders = getattr(collector.config, "_bnverify_folders", None)
    if folders and isinstance(collector, pytest.Session) and rep.passed:
        stmts, muts = _load(folders)
        rep.result.append(TheoremFolders.from_parent(collector, name="bnverify", nodeid="", stmts=stmts, muts=muts))
    return rep


def pytest_report_header(config):
    """Say so when pytest took the value of ``--theorems DIR`` for a path: it reads the command line
    before plugins are loaded, so the folder chose the rootdir (and where ``.pytest_cache`` goes)."""
    if not getattr(config, "_bnverify_folders", None):
        return None
    args = list(config.invocation_params.args)
    spaced = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--theorems"]
    inv = Path(config.invocation_params.dir).resolve()
    root = Path(config.rootpath).resolve()
    outside = [d for d in config._bnverify_folders if d != inv and inv not in d.parents]
    if spaced and outside and root != inv:
        return (f"bnverify: rootdir {root} was chosen from '--theorems {spaced[0]}' (pytest reads the command line "
                f"before its plugins); write --theorems={spaced[0]} or BNVERIFY_THEOREMS={spaced[0]} to keep the "
                "rootdir (and .pytest_cache) where pytest was started")
    return None


def pytest_terminal_summary(terminalreporter, config):
    lines = [v for rep in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
             for k, v in getattr(rep, "user_properties", []) if k == "bnverify"]
    if lines:
        terminalreporter.section("bnverify campaigns (examples = pinned + generated; distinct decided cases; "
                                 "coverage of the declared space)")
        for ln in sorted(lines):
            terminalreporter.write_line(ln)
