"""thm5.small_ratio_entry@reconstructed-v1 — falsification in both precisions, and its mutant
(the mutant on 5 examples: every caught example is re-decided at 50 and 100 digits over 1000 steps,
and it is caught at the first)."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEY = "thm5.small_ratio_entry@reconstructed-v1"


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_statement(backend):
    check_statement(KEY, backend)


def test_mutant():
    check_mutant_caught(KEY + "+mutant:entry claimed within T/100 = 10 steps", max_examples=5)
