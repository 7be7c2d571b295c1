"""Theorem 2 (2): delayed onset within T_1 (scan) and within the closed form T_1^cf (which must
dominate the scan) — falsification in both precisions, and the mutants."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEY = "thm2.delayed_onset@reconstructed-v1"
KEY_CF = "thm2.delayed_onset@closed-form-v1"


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_statement(backend):
    check_statement(KEY, backend)


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_closed_form(backend):
    check_statement(KEY_CF, backend)


def test_mutant_T1_halved():
    check_mutant_caught(KEY + "+mutant:T1 halved")


def test_mutant_T1_cf_halved():
    check_mutant_caught(KEY_CF + "+mutant:T1_cf halved")
