"""Lemma 7 (d): rho rises iff eta_eff > tau(rho), along whitened full GD — both precisions, and its mutant."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEY = "lemma7.rising_criterion@exact-v1"


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_statement(backend):
    check_statement(KEY, backend)


def test_mutant_threshold_lowered():
    check_mutant_caught(KEY + "+mutant:threshold tau(0) = 2 lowered to 1.9", max_examples=10)
