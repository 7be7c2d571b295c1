"""Lemma 1: excess-risk decomposition along whitened square-loss GD — both precisions, and its mutant."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEY = "lemma1.decomposition@exact-v1"


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_statement(backend):
    check_statement(KEY, backend)


def test_mutant_perturbed_1e11():
    check_mutant_caught(KEY + "+mutant:right-hand side moved by 1e-11 of its scale", max_examples=5)
