"""Hypothesis profiles: ``ci`` (default: derandomised, no database), ``dev``, ``deep``
(``make deep``). The profiles are registered in :mod:`bnverify.verify.campaign`; HYPOTHESIS_PROFILE picks
one. At the end of the session a table of every campaign run is printed (also under xdist: the
workers hand their rows to the controller).

Reproducible draws: Hypothesis mixes literals found in every already-imported *local* module
into its draws (``hypothesis.internal.conjecture.providers._get_local_constants``), so even
derandomised examples depend on what was imported before — e.g. whether the CLI tests (which
import the report package and a tiny theorem folder) ran earlier in the same xdist worker
(observed: the same campaign drew different examples from its 9th on). Every local module a
test can import is therefore imported here, up front, in every worker."""
import importlib
import os
import pkgutil
from pathlib import Path

from hypothesis import settings

import bnverify
import bnverify.verify.campaign  # noqa: F401  (registers the profiles)
from bnverify.verify import registry
from bnverify.verify import testing

settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _import_every_local_module():
    for m in pkgutil.walk_packages(bnverify.__path__, "bnverify."):
        if m.name != "bnverify.__main__":
            importlib.import_module(m.name)
    tiny = Path(__file__).parent / "tiny_theorems"
    for mutants in (False, True):
        registry.load([tiny], mutants=mutants)


_import_every_local_module()
_ROWS: list[dict] = []


def _row(r) -> dict:
    return dict(statement=r.statement, backend=r.backend, examples=r.examples, met=r.met, **r.counts,
                min_slack=r.min_slack, first=r.first_violation_at)


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # xdist worker
        workeroutput["bnverify_rows"] = [_row(r) for r in testing.RESULTS]


def pytest_testnodedown(node, error):
    _ROWS.extend(getattr(node, "workeroutput", {}).get("bnverify_rows", []))


def pytest_terminal_summary(terminalreporter):
    if getattr(terminalreporter.config, "_bnverify_folders", None):
        return  # `pytest --theorems DIR` from the repository root: the plugin's own summary, not the suite's
    rows = _ROWS + [_row(r) for r in testing.RESULTS]
    if not rows:
        return
    tr = terminalreporter
    tr.section("bnverify campaigns (artf = float64/precision artefacts; 1st = examples to first violation)")
    tr.write_line(f"{'statement':<62} {'backend':<9} {'ex':>4} {'met':>4} {'hold':>4} {'viol':>4} "
                  f"{'artf':>4} {'und':>4} {'vac':>4} {'min slack':>10} {'1st':>4}")
    for r in sorted(rows, key=lambda r: (r["statement"], r["backend"])):
        ms = r["min_slack"]
        tr.write_line(f"{r['statement'][:62]:<62} {r['backend']:<9} {r['examples']:>4} {r['met']:>4} "
                      f"{r['holds']:>4} {r['violated']:>4} {r['artefact']:>4} {r['undecided']:>4} "
                      f"{r['vacuous']:>4} {(f'{ms:.3g}' if ms is not None else '-'):>10} {str(r['first'] or '-'):>4}")
