"""Hypothesis profiles: ``ci`` (default: derandomised, no database), ``dev``, ``deep``
(``make deep``). The profiles are registered in :mod:`bnverify.campaign`; HYPOTHESIS_PROFILE picks
one. At the end of the session a table of every campaign run is printed (also under xdist: the
workers hand their rows to the controller)."""
import os

from hypothesis import settings

import bnverify.campaign  # noqa: F401  (registers the profiles)
from bnverify import testing

settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
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
