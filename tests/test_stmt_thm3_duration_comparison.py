"""Theorem 3 (duration), comparison-v2: every rising edge has at most T_2' rising steps (comparison
system from the state at onset) — falsification in both precisions, and its mutant (T_2' halved).

T_2' is attained exactly on most edges (slack 0), so every example is re-decided at 50 and 100
digits with the O(edge length) scan in mpmath: fewer generated examples keep the module near 20 s
(plus the pinned 9357-step edge)."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEY = "thm3.duration@comparison-v2"


@pytest.mark.parametrize("backend,examples", [("float64", 8), ("mpmath", 2)])
def test_statement(backend, examples):
    check_statement(KEY, backend, max_examples=examples)


def test_mutant_halved():
    check_mutant_caught(KEY + "+mutant:T2' halved", max_examples=8)
