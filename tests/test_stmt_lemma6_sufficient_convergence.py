"""Lemma 6 sufficient convergence condition (reconstructed): whitened square loss and logistic — both precisions, and mutants."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEYS = ["lemma6.sufficient_convergence@reconstructed-v1", "lemma6.sufficient_convergence@reconstructed-v1-logistic"]


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
@pytest.mark.parametrize("key", KEYS)
def test_statement(key, backend):
    check_statement(key, backend)


@pytest.mark.parametrize("key", KEYS)
def test_mutant_condition_widened(key):
    check_mutant_caught(key + "+mutant:condition widened: P >= x/4", max_examples=10)
