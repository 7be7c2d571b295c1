"""Theorem 2 (1) — condition of no rising edge (paper §4.1; THEORY.md §5).

Setting
    Whitened square-loss regression (Σ = I), BN linear model, full-batch GD eq. (1).
Hypotheses
    0 < η_γ ≤ 1, 0 < γ_0 ≤ a, α_0 > 0, 0 < ρ_0 < 1, and H_0 = η a²/‖w_0‖² ≤ 2.
Statement
    ρ_{t+1} ≤ ρ_t for every t ≥ 0 (no rising edge ever starts).
    Proof: γ_t ≤ a by convex combination (Lemma 7 (b)), ‖w_t‖ ≥ ‖w_0‖ (Lemma 12), so
    η_eff,t = ηγ_t a/‖w_t‖² ≤ H_0 ≤ 2 ≤ τ(ρ_t) and Lemma 7 (d) gives ρ_{t+1} ≤ ρ_t.
Bound kind
    upper bound: max_t ρ_{t+1}/ρ_t ≤ 1, checked up to the horizon max(200, ⌈5/η_γ⌉) (capped at
    2000): five relaxation times of γ, after which γ_t is within e⁻⁵ of its limit.
Reference
    Paper Theorem 2 (1); Lemma 7; Lemma 12. Provenance: reconstructed (THEORY.md §5).
"""
from __future__ import annotations

import math

from bnverify.author import (
    REDUCTION, Param, Statement, initial_state, mutant, ratio_max, standing_whitened, undecided_if_diverged,
    whitened_hypotheses, whitened_space)
from bnverify.verify.step_claims import thm2_claims


class NoRisingEdge(Statement):
    """If H_0 ≤ 2 then ρ never rises (Theorem 2 (1))."""

    id = "thm2.no_rising_edge"
    version = "reconstructed-v1"
    reference = "Theorem 2 (1), §4.1"
    provenance = "reconstructed"
    kind = "upper bound"
    derivation = "thm2_no_rising_edge.md"
    # A needle of the form "bound tightened" does not exist here: the bound is the exact ratio 1 and
    # ρ_{t+1}/ρ_t → 1 wherever ρ moves slowly (a large part of the region), so "ratio ≤ f < 1" is
    # false there, not on a small part; tightness is not reported (informative=False).
    needle_exempt = "bound is the exact ratio 1 (attained wherever rho moves slowly): no small false region"
    bound_source = "initial state"
    trusts = (REDUCTION,)  # float64 floor rises are re-decided on Lemma 7's reduced recurrence
    # found 2026-12-07 when a CI pass began to need a decided example: the 3 mpmath-primary draws of
    # the CI budget are all rounding artefacts at ρ's floor, refuted in mpmath but not certified (balls
    # lose the full-GD horizon), so they decide nothing; 7 of 128 float64 draws hold, so a decided
    # mpmath draw needs ~60 draws at ~2 s each
    ci_mpmath_skip = ("the 3 mpmath-primary draws of a CI run are all uncertified precision artefacts: "
                      "nothing decided (the float64 campaign decides)")
    search_scale = 0.25  # float64 full GD reaches its rounding floor: most examples are re-decided in mpmath
    deep_scale = 0.25  # make deep: 2,500 draws (~44 ms each, 78 % floor artefacts re-decided: ~110 s)
    H0_max = 2.0

    def hypotheses(self, inst, hyper):
        unmet = whitened_hypotheses(inst, hyper)
        if not unmet and not initial_state(inst, hyper)["H0"] <= self.H0_max:
            unmet.append(f"H0 = {float(initial_state(inst, hyper)['H0']):.6g} > {self.H0_max}")
        return unmet

    def constants(self, inst, hyper):
        return {"H0_max": self.H0_max, "ratio_bound": 1.0}

    def horizon(self, inst, hyper, c):
        return min(2000, max(200, math.ceil(5 / hyper.eta_gamma)))

    @undecided_if_diverged
    def check(self, traj, c):
        if traj.beta_scale is not None:
            # a floor-free float64 reduced run whose β left the float64 range: ρ_t exactly (80 bits) where
            # the column is rounded (below 2^-600 β is carried as m·2^k), the column itself elsewhere
            rho = [traj.rho_exact(t) for t in range(traj.T + 1)]
            ratio, t = ratio_max(rho, traj.T)
            resolved = t is None or bool(rho[t] > 0)
        else:
            ratio, t = ratio_max(traj["rho"], traj.T)
            resolved = t is None or bool(traj["rho"][t] >= traj.rho_floor)
        return self.upper_bound(traj, ratio, c["ratio_bound"], witness=t, resolved=resolved, informative=False,
                                message=f"max rho_(t+1)/rho_t = {float(ratio):.17g} at t = {t}"
                                + ("" if resolved else f" (rho_t below the rounding floor {traj.rho_floor:.3g})"))

    def space(self):
        """H_0 ∈ [1e-3, H0_max] (linear: the boundary H_0 = 2 is where it matters) and the standing
        ranges of ρ_0, η_γ, γ_0/a."""
        return whitened_space(*standing_whitened(Param.linear("H0", 1e-3, self.H0_max)),
                              region=f"standing hypotheses and H0 <= {self.H0_max:g} "
                                     f"(box: H0 in [1e-3, {self.H0_max:g}], "
                                     "rho0 in [1e-10, 0.999], eta_gamma in [1e-4, 1], gamma0/a in [1e-3, 1])")

    def region_claims(self):
        """Theorem 2 (1) for every horizon: the invariant's three one-step lemmas, and direct
        propagation for small T (bnverify prove; bnverify.verify.step_claims.thm2_claims)."""
        return thm2_claims(self)


STATEMENTS = [NoRisingEdge()]
MUTANTS = [mutant(STATEMENTS[0], "threshold H0 <= 2 raised to H0 <= 3", name="threshold-h0-3", H0_max=3.0)]
