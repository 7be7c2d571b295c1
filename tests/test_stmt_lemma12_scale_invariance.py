"""Lemma 12: scale invariance along GD (square and logistic) — both precisions, and its mutant."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEY = "lemma12.scale_invariance@exact-v1"


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_statement(backend):
    check_statement(KEY, backend)


def test_mutant_perturbed_1e11():
    check_mutant_caught(KEY + "+mutant:both sides perturbed by 1e-11 of their scale", max_examples=5)
