"""Lemma 7 (a)-(d): one-step identities along whitened full GD — both precisions, and mutants."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEY = "lemma7.dynamics@exact-v1"


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_statement(backend):
    check_statement(KEY, backend)


@pytest.mark.parametrize("mutation", ["every update moved by 1e-11 of its scale",
                                      "rho update (d) alone moved by 1e-11 of its scale"])
def test_mutant_perturbed_1e11(mutation):
    check_mutant_caught(KEY + "+mutant:" + mutation, max_examples=5)
