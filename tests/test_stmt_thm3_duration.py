"""Theorem 3 (duration): every rising edge has at most T_2(t_on) rising steps — falsification in
both precisions, and its mutant (κ at the edge's peak instead of its onset)."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEY = "thm3.duration@reconstructed-v1"


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_statement(backend):
    check_statement(KEY, backend)


def test_mutant_kappa_at_peak():
    check_mutant_caught(KEY + "+mutant:kappa at the edge's peak rho instead of at onset")

