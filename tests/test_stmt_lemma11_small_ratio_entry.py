"""lemma11.small_ratio_entry@reconstructed-v1 — falsification in both precisions, and its mutant."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEY = "lemma11.small_ratio_entry@reconstructed-v1"


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_statement(backend):
    check_statement(KEY, backend)


def test_mutant():
    check_mutant_caught(KEY + "+mutant:contraction rate eps multiplied by 10")
