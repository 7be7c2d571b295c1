"""Lemma 7 (d) — the rising-edge criterion ρ_{t+1} > ρ_t ⟺ η_eff,t > τ(ρ_t) (paper Lemma 7;
THEORY.md §4). Derivation: theorems/lemma7_rising_criterion.md.

Setting
    Whitened square-loss regression (Σ = I), BN linear model, full-batch GD eq. (1).
Hypotheses
    0 < η_γ ≤ 1, 0 < γ_0 ≤ a, α_0 > 0, 0 < ρ_0 < 1 (then α_t > 0 for every t). Drawn with
    Searched over the whole region (H_0 ∈ [1e-2, 100]); the former strategy (H_0 in (2.2, 8),
    γ_0/a in (0.5, 1): both rising and falling steps early) is a focus region.
Statement
    For every t with ρ_t > 0: [ρ_{t+1} > ρ_t] ⟺ [η_eff,t > τ(ρ_t)], with η_eff,t = ηγ_t a/‖w_t‖²,
    τ(ρ) = 2√(1+ρ²)/(1−ρ²) for ρ < 1 and +∞ for ρ ≥ 1.
Bound kind
    implication (both directions), at every step t < T = 200. A disagreement is a violation only
    when both sides are beyond rounding reach: |ρ_{t+1} − ρ_t| > δρ_t + δρ_{t+1} (δρ = 256·eps·
    (1+ρ)‖w‖/α on full GD, 256·eps·ρ on the reduced recurrence), ρ_t above the trajectory's rounding
    floor, and |η_eff − τ(ρ_t)| > 256·eps·τ + τ'(ρ_t)δρ_t; otherwise it is marked unresolved and
    re-decided at 50/100 digits and on the floor-free reduced recurrence (THEORY.md §9).
    Slack: the smallest relative distance |η_eff − τ|/τ over the resolved steps.
Reference
    Paper Lemma 7 (d), §4.1. Provenance: exact.
"""
from __future__ import annotations

from bnverify.author import mutant, whitened_full_space, whitened_hypotheses
from bnverify.verify.identities import K_ULPS, StepCriterion, rho_comparison_resolved, rho_error
from bnverify.verify.step_claims import lemma7_claims


class RisingCriterion(StepCriterion):
    """ρ_{t+1} > ρ_t ⟺ η_eff,t > τ(ρ_t) at every step of whitened GD (Lemma 7 (d))."""

    id = "lemma7.rising_criterion"
    version = "exact-v1"
    reference = "Lemma 7 (d), §4.1"
    derivation = "lemma7_rising_criterion.md"
    need_premise = False
    count_edges = True
    steps = 200
    tau_factor = 2  # τ(ρ) = tau_factor·√(1+ρ²)/(1−ρ²); mutants lower it

    def hypotheses(self, inst, hyper):
        return whitened_hypotheses(inst, hyper)

    def tau(self, bk, r):
        if not r < 1:
            return None
        return self.tau_factor * bk.sqrt(1 + r * r) / (1 - r * r)

    def steps_of(self, traj, c):
        bk = traj.backend
        eps = bk.scalar(K_ULPS * bk.reach_eps)  # 0 on balls: their radius carries the rounding
        rho, ee, al = traj["rho"], traj["eta_eff"], traj["alpha"]
        for t in range(traj.T):
            r = rho[t]
            if not (al[t] > 0 and r > 0):
                continue
            rising = rho[t + 1] > r
            tau = self.tau(bk, r)
            if tau is None:
                yield t, True, not rising, rho_comparison_resolved(traj, t), 1.0
                continue
            pred = ee[t] > tau
            gap = abs(ee[t] - tau)
            dtau = 2 * r * (3 + r * r) / (bk.sqrt(1 + r * r) * (1 - r * r) ** 2)
            resolved = gap > eps * tau + dtau * rho_error(traj, t) and rho_comparison_resolved(traj, t)
            yield t, True, pred == rising, resolved, gap / tau

    def space(self):
        return whitened_full_space(focus={"both edges early (former strategy)": {
            "H0": (2.2, 8.0), "rho0": (1e-3, 0.3), "eta_gamma": (0.01, 1.0), "gamma0_over_a": (0.5, 1.0)}})

    def region_claims(self):
        """Lemma 7 (d) at one whitened step, over (rho, eta_eff), off an eps-band of the curve and
        without it (bnverify prove)."""
        return lemma7_claims(self)


STATEMENTS = [RisingCriterion()]
MUTANTS = [mutant(STATEMENTS[0], "threshold tau(0) = 2 lowered to 1.9", name="threshold-1.9", tau_factor=1.9)]
