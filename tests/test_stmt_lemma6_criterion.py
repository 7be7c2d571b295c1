"""Lemma 6 criterion (exact): whitened square loss and logistic (SVM direction) — both precisions, and mutants."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEYS = ["lemma6.criterion@exact-v1", "lemma6.criterion@exact-v1-logistic"]


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
@pytest.mark.parametrize("key", KEYS)
def test_statement(key, backend):
    check_statement(key, backend)


@pytest.mark.parametrize("key", KEYS)
def test_mutant_norm_growth_ignored(key):
    check_mutant_caught(key + "+mutant:norm growth ignored: alpha_(t+1) >= alpha_t", max_examples=10)
