"""Lemma 14 — lower bound of the logistic loss under Assumption 4 (paper App. C; THEORY.md §7).
Derivation: theorems/lemma14_logistic_loss_lower.md.

Setting
    Logistic loss, BN linear model, full-batch GD eq. (1), active-margin data.
Hypotheses
    Assumptions 1–3; Assumption 4 (all SVM duals μ_i > 0; κ = min_j μ_j/(Σμ − μ_j) > 0, the
    optimum of the max–min LP of bnverify.regimes.logistic.kappa_lp); w_0 ∈ span(Xᵀ), α_0 > 0, γ_0 > 0
    (ρ_0 unrestricted: the bound matters for large directional error).
Statement
    At every step with α_t > 0, γ_t ≥ 0:
    ``L_t ≥ (1/n)·log(1 + exp(−γ_t g(ρ_t)))``, ``N = m − ρκ√λ_min``,
    ``g = N/(√λ_min √(1+ρ²))`` if N ≥ 0, else ``N/(√λ_max √(1+ρ²))``.
Bound kind
    lower bound, pointwise; 60 steps.
Reference
    Paper Lemma 14 and Assumption 4 (structure); κ and the constants the project's own.
    Provenance: reconstructed.
"""
from __future__ import annotations

from bnverify.author import mutant, tightened
from bnverify.regimes.logistic import softplus
from bnverify.verify.kinds import PointwiseLogistic


def loss_bound(geo, gamma, rho):
    """Lemma 14 (needs κ): ``L ≥ (1/n) log(1 + exp(−γ g(ρ)))`` with ``N = m − ρκ√λmin`` and
    ``g = N/(√λmin √(1+ρ²))`` if N ≥ 0 else ``N/(√λmax √(1+ρ²))``."""
    bk = geo.bk
    N = geo.m - rho * geo.kappa * geo.smin
    r = bk.sqrt(1 + rho * rho)
    g = N / (geo.smin * r) if N >= 0 else N / (geo.smax * r)
    return softplus(bk, -gamma * g) / geo.n


def _without_1_over_n(geo, gamma, rho):
    return loss_bound(geo, gamma, rho) * geo.n


def no_1_over_n(c: dict) -> dict:
    """Constants transform of the mutant: the ``1/n`` dropped (``L ≥ log(1 + exp(−γg))``)."""
    return {**c, "loss_bound": _without_1_over_n}


class LogisticLossLower(PointwiseLogistic):
    """L ≥ (1/n) log(1 + exp(−γ g(ρ))) under Assumption 4 (Lemma 14)."""

    id = "lemma14.logistic_loss_lower"
    version = "reconstructed-v1"
    reference = "Lemma 14 / Assumption 4, App. C"
    kind = "lower bound"
    derivation = "lemma14_logistic_loss_lower.md"
    rho0_free = True
    need_kappa = True
    floor_factor = 0.0

    def constants(self, inst, hyper):
        return {**super().constants(inst, hyper), "loss_bound": loss_bound}

    def pairs(self, traj, c, T, floor):
        geo = c["geo"]
        for t in range(T + 1):
            a, r, g = traj["alpha"][t], traj["rho"][t], traj["gamma"][t]
            if not (a > 0 and g >= 0):
                continue
            b = c["loss_bound"](geo, g, r)
            yield t, traj["loss"][t], b, "lower"

STATEMENTS = [LogisticLossLower()]
MUTANTS = [mutant(STATEMENTS[0], "1/n factor dropped", name="no-1-over-n", constants=no_1_over_n),
           mutant(STATEMENTS[0], "needle: bound tightened to tightness <= 0.6042706313 (2,048-draw sweep sup 0.838)",
                  name="needle", check=tightened(0.6042706313209745),
                  needle_share=("~1.5% (30 of the 2,048 Sobol draws of make report's sweep, seed 0, exceed it; "
                                "q99 of a 512-point sweep, seed 7)"),
                  searcher="sweep+hunt", ci_budget=128, pinned=[])]
