"""lemma8.logit_perturbation@reconstructed-v1 — falsification in both precisions, and its mutant (logistic line, issue 4)."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEY = "lemma8.logit_perturbation@reconstructed-v1"


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_statement(backend):
    check_statement(KEY, backend)


def test_mutant():
    check_mutant_caught(KEY + "+mutant:Sigma-norm window collapsed to alpha*m")
