"""thm5.exit_threshold@reconstructed-v1 — falsification in both precisions, and its mutant."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEY = "thm5.exit_threshold@reconstructed-v1"


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_statement(backend):
    check_statement(KEY, backend)


def test_mutant():
    check_mutant_caught(KEY + "+mutant:threshold tau_5 multiplied by 1000")
