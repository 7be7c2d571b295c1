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

from bnverify.author import mutant, tightened
from bnverify.regimes.logistic import on_branch
from bnverify.verify.kinds import PointwiseLogistic


class GradientBounds(PointwiseLogistic):
    """‖∇_w L‖ ≤ first bound (always) and ≤ second bound, O(ρ), on the branch (Lemma 10)."""

    id = "lemma10.gradient_bounds"
    version = "reconstructed-v1"
    reference = "Lemma 10, §5.3 / App. C"
    kind = "upper bound"
    derivation = "lemma10_gradient_bounds.md"
    rho_power = 1

    def pairs(self, traj, c, T, floor):
        geo = c["geo"]
        for t in range(T + 1):
            a, r, g = traj["alpha"][t], traj["rho"][t], traj["gamma"][t]
            L, wn, gn = traj["loss"][t], traj["wnorm"][t], traj["grad_w_norm"][t]
            yield t, gn, geo.grad_upper1(g, L, wn), "upper"
            if on_branch(geo, a, g, r) and r >= floor:
                rr = r ** self.rho_power if self.rho_power != 1 else r
                yield t, gn, geo.grad_upper2(g, a, r, wn) * (rr / r), "upper"


STATEMENTS = [GradientBounds()]
MUTANTS = [mutant(STATEMENTS[0], "second bound claimed O(rho^2) (bound times rho)", name="rho-squared", rho_power=2),
           mutant(STATEMENTS[0], "needle: bound tightened to tightness <= 0.9596771431 (sweep sup 0.980705)", name="needle", check=tightened(0.9596771431207064), needle_share="~1% (q99 of the tightness over a 512-point Sobol sweep of the space, seed 7)", searcher="sweep+hunt", ci_budget=128, pinned=[])]
