"""Lemma 10 — upper bounds on the weight gradient (paper §5.3, App. C; THEORY.md §7).
Derivation: theorems/lemma10_gradient_bounds.md.

Setting
    Logistic loss, BN linear model, full-batch GD eq. (1), active-margin data.
Hypotheses
    Assumptions 1–3; Assumption 2 initialisation (w_0 ∈ span(Xᵀ), α_0 > 0, γ_0 > 0,
    ρ_0 < ρ_branch).
Statement
    (i) every step: ``‖∇_w L‖ ≤ |γ| sqrt(nλ_max/λ_min) · min(L, n^{-1/2}) / ‖w‖``;
    (ii) every step on the branch (α > 0, γ ≥ 0, ρ < ρ_branch):
    ``‖∇_w L‖ ≤ (γK/(nD))·[σ(−γ)ρK/m + √n γ δ(ρ) min(1/4, σ(−γ(1−δ(ρ))))]`` with
    ``D = max(√λ_min‖w‖, α(m − ρ√λ_max))``, K = sqrt(nλ_max) — it vanishes linearly as ρ → 0.
Bound kind
    upper bound, pointwise; 60 steps; (ii) skips steps with ρ below 1e4 × the ρ floor.
Reference
    Paper Lemma 10 (first and second upper bounds; structure); constants the project's own.
    Provenance: reconstructed.
"""
from __future__ import annotations

import functools

from bnverify.author import mutant, tightened
from bnverify.regimes.logistic import on_branch, sig
from bnverify.verify.kinds import PointwiseLogistic


def first_bound(geo, gamma, loss, wnorm):
    """Lemma 10 (i): ``‖∇_w L‖ ≤ |γ| sqrt(n λmax/λmin) min(L, n^{-1/2})/‖w‖``."""
    bk = geo.bk
    r = loss if loss < 1 / bk.sqrt(bk.scalar(geo.n)) else 1 / bk.sqrt(bk.scalar(geo.n))
    return abs(gamma) * bk.sqrt(geo.n * geo.lam_max / geo.lam_min) * r / wnorm


def second_bound(geo, gamma, alpha, rho, wnorm):
    """Lemma 10 (ii), vanishing at ρ = 0: ``‖∇_w L‖ ≤ (γK/(n D))·[σ(−γ)ρK/m +
    √n γ δ(ρ) min(1/4, σ(−γ(1−δ(ρ))))]``, ``D = max(√λmin‖w‖, α(m − ρ√λmax))``."""
    bk = geo.bk
    d = geo.delta(rho)
    K = geo.K
    q = sig(bk, -gamma * (1 - d))
    qq = q if q < bk.scalar(0.25) else bk.scalar(0.25)
    D = geo.snorm_lower(alpha, rho, wnorm)
    return gamma * K / (geo.n * D) * (sig(bk, -gamma) * rho * K / geo.m
                                     + bk.sqrt(bk.scalar(geo.n)) * gamma * d * qq)


class GradientBounds(PointwiseLogistic):
    """‖∇_w L‖ ≤ first bound (always) and ≤ second bound, O(ρ), on the branch (Lemma 10)."""

    id = "lemma10.gradient_bounds"
    version = "reconstructed-v1"
    reference = "Lemma 10, §5.3 / App. C"
    kind = "upper bound"
    derivation = "lemma10_gradient_bounds.md"

    def constants(self, inst, hyper):
        """The geometry, and the second bound as a constant of the statement (a mutant replaces it)."""
        return {**super().constants(inst, hyper), "second_bound": second_bound}

    def pairs(self, traj, c, T, floor):
        geo = c["geo"]
        for t in range(T + 1):
            a, r, g = traj["alpha"][t], traj["rho"][t], traj["gamma"][t]
            L, wn, gn = traj["loss"][t], traj["wnorm"][t], traj["grad_w_norm"][t]
            yield t, gn, first_bound(geo, g, L, wn), "upper"
            if on_branch(geo, a, g, r) and r >= floor:
                yield t, gn, c["second_bound"](geo, g, a, r, wn), "upper"


def _times_rho(bound, geo, gamma, alpha, rho, wnorm):
    return bound(geo, gamma, alpha, rho, wnorm) * (rho ** 2 / rho)  # ρ as ρ²/ρ: the mutant's arithmetic unchanged


def rho_squared(c: dict) -> dict:
    """Constants transform of the mutant: the second bound claimed ``O(ρ²)`` (times ρ)."""
    return {**c, "second_bound": functools.partial(_times_rho, c["second_bound"])}


STATEMENTS = [GradientBounds()]
MUTANTS = [mutant(STATEMENTS[0], "second bound claimed O(rho^2) (bound times rho)", name="rho-squared",
                  constants=rho_squared),
           mutant(STATEMENTS[0], "needle: bound tightened to tightness <= 0.9596771431 (2,048-draw sweep sup 0.991)",
                  name="needle", check=tightened(0.9596771431207064),
                  needle_share=("~2% (40 of the 2,048 Sobol draws of make report's sweep, seed 0, exceed it; "
                                "q99 of a 512-point sweep, seed 7)"),
                  searcher="sweep+hunt", ci_budget=128, pinned=[])]
