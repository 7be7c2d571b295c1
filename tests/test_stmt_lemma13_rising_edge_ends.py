"""Lemma 13: every rising edge ends (within its T_2) — falsification in both precisions (plus two
pinned long-edge examples), and its mutant (every edge ends within 25 rising steps)."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEY = "lemma13.rising_edge_ends@reconstructed-v1"


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_statement(backend):
    check_statement(KEY, backend)


def test_mutant_25_steps():
    check_mutant_caught(KEY + "+mutant:every edge ends within 25 rising steps")
