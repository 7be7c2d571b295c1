"""Findings of the searches, pinned: examples at which a reconstructed bound is attained.

Theorem 3's duration bound T_2(t_on) = ⌈log(H_on/τ(ρ_on)) / log(1 + 4ρ_on²/(1−ρ_on²)²)⌉ and Lemma 13's
t_on + T_2 are attained exactly (found by Lemma 13's hunt in the deep run of 2026-12-01): an edge
with 10 rising steps against T_2 = 10 — the bound cannot be lowered by one step there. Decided in
float64, certified in balls, and the same at 100 digits."""
from __future__ import annotations

from bnverify.verify.adjudicate import decide, run_once
from bnverify.verify.example import Example
from bnverify.verify.records import tightness_of
from bnverify.verify.registry import load_statement

ATTAINS_T2 = Example.from_dict({
    "instance": {"builder": "whitened_regression", "a": 1.0, "d": 2, "labels": "real", "n": 5, "residual": 0.5,
                 "seed": 357913941},
    "hyper": {"H0": 2.000120059969342, "eta_gamma": 0.9733261945427548, "gamma0_over_a": 0.0338824239010847,
              "w0_norm": 1.0, "rho0": 0.0012583616631667534, "init_seed": 10922}})


def test_theorem3_duration_bound_is_attained():
    stmt = load_statement("thm3.duration@reconstructed-v1")
    d = decide(stmt, ATTAINS_T2)
    assert d.outcome == "holds" and d.certified
    v = d.verdicts["float64/reduced"]
    assert (v.observed, v.bound, v.witness) == (10.0, 10.0, 3)  # 10 rising steps from t_on = 3, T_2 = 10
    assert tightness_of(stmt.kind, v) == 1.0
    hi, _ = run_once(stmt, ATTAINS_T2, "mpmath100")
    assert (hi.status, hi.observed, hi.bound) == ("holds", 10.0, 10.0)


def test_lemma13_bound_is_attained():
    stmt = load_statement("lemma13.rising_edge_ends@reconstructed-v1")
    d = decide(stmt, ATTAINS_T2)
    assert d.outcome == "holds" and d.certified
    v = d.verdicts["float64/reduced"]
    assert (v.observed, v.bound) == (13.0, 13.0)  # the edge ends at t = 13 = t_on + T_2
