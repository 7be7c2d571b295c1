"""Theorem 3 (peak): sup_t ρ_t ≤ max(ρ_0, τ⁻¹(H_0)(H_0 − 1)) — falsification in both precisions,
and its mutant."""
import pytest

from bnverify.testing import check_mutant_caught, check_statement

KEY = "thm3.peak_bound@reconstructed-v1"


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_statement(backend):
    check_statement(KEY, backend)


def test_mutant_edge_part_times_0_2():
    check_mutant_caught(KEY + "+mutant:rising-edge part of the bound times 0.2")
