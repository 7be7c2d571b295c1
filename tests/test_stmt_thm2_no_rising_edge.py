"""Theorem 2 (1): no rising edge when H_0 ≤ 2 — falsification in both precisions, and its mutant."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEY = "thm2.no_rising_edge@reconstructed-v1"


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_statement(backend):
    check_statement(KEY, backend)


def test_mutant_threshold_3():
    check_mutant_caught(KEY + "+mutant:threshold H0 <= 2 raised to H0 <= 3")
