"""Hypothesis profiles: ``ci`` (default: derandomised, no database), ``dev``, ``deep``
(``make deep``). The profiles are registered in :mod:`bnverify.campaign`; HYPOTHESIS_PROFILE picks
one. At the end of the session a table of every campaign run is printed."""
import os

from hypothesis import settings

import bnverify.campaign  # noqa: F401  (registers the profiles)
from bnverify import testing

settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_terminal_summary(terminalreporter):
    if not testing.RESULTS:
        return
    tr = terminalreporter
    tr.section("bnverify campaigns")
    tr.write_line(f"{'statement':<58} {'backend':<9} {'ex':>4} {'met':>4} {'hold':>4} {'viol':>4} "
                  f"{'artf':>4} {'und':>4} {'vac':>4} {'min slack':>11} {'1st viol':>8}")
    for r in testing.RESULTS:
        c = r.counts
        ms = r.min_slack
        tr.write_line(f"{r.statement[:58]:<58} {r.backend:<9} {r.examples:>4} {r.met:>4} {c['holds']:>4} "
                      f"{c['violated']:>4} {c['artefact']:>4} {c['undecided']:>4} {c['vacuous']:>4} "
                      f"{(f'{ms:.3g}' if ms is not None else '-'):>11} {str(r.first_violation_at or '-'):>8}")
