"""Every shipped statement falsified over its declared space in both precisions (all three
searchers at the CI profile's budget), and every mutant
caught (needles by the searcher that catches them, at a CI budget): one parametrised module
instead of one copy per statement. Mutants are addressed by their short ``name``."""
import os

import pytest

from bnverify.verify import registry
from bnverify.verify.testing import check_mutant_caught, check_statement

STATEMENTS = registry.shipped()
MUTANTS = registry.shipped(mutants=True)


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
@pytest.mark.parametrize("stmt", STATEMENTS, ids=lambda s: s.key)
def test_statement(stmt, backend):
    reason = getattr(stmt, "ci_mpmath_skip", None)
    if backend == "mpmath" and reason and os.environ.get("HYPOTHESIS_PROFILE", "ci") != "deep":
        pytest.skip(f"{reason} (run with HYPOTHESIS_PROFILE=deep)")
    check_statement(stmt.key, backend, stmt=stmt, searcher="all")  # Hypothesis, sweep and hunt share the budget


@pytest.mark.parametrize("mut", MUTANTS, ids=lambda m: m.key)
def test_mutant_is_caught(mut):
    reason = getattr(mut, "ci_skip", None)
    if reason and os.environ.get("HYPOTHESIS_PROFILE", "ci") != "deep":
        pytest.skip(f"{reason} (run with HYPOTHESIS_PROFILE=deep)")
    check_mutant_caught(mut.key, stmt=mut)
