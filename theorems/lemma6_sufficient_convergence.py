"""Lemma 6 — a sufficient condition for directional convergence (ρ does not rise), for any
scale-invariant loss (paper Lemma 6, convergence part; THEORY.md §3 [open → reconstructed]).
Derivation: theorems/lemma6_sufficient_convergence.md.

Setting
    BN linear model, a scale-invariant loss, full-batch GD eq. (1). Version reconstructed-v1:
    whitened square-loss regression, e = w*/‖w*‖; version reconstructed-v1-logistic: active-margin
    logistic regression, e = the hard-margin SVM direction.
Hypotheses
    α_0 > 0 (whitened: also 0 < η_γ ≤ 1, 0 < γ_0 ≤ a, 0 < ρ_0 < 1; logistic: Assumptions 1–3 and
    the Assumption 2 initialisation). At step t: α_t > 0 and the condition
    (C)  P_t ≥ x_t/2,  x_t = η‖∇_w L‖/‖w_t‖,  P_t = p_t tan θ_t,  p_t = −⟨∇_w L, v_t⟩/‖∇_w L‖,
    with v_t the unit vector ⊥ w_t in the plane of w_t and e (e = cos θ u + sin θ v); equivalently
    −2⟨∇_w L, e⟩‖w_t‖² ≥ ηα_t‖∇_w L‖². The example-level hypotheses count as met only if (C)
    holds at some step of the horizon (else the verdict is vacuous).
Statement
    At every step t where (C) holds: ρ_{t+1} ≤ ρ_t.
Bound kind
    implication, at every step t < T (T = 60). A failure is a violation
    only beyond rounding reach (condition and ρ comparison beyond their rounding errors, see
    bnverify.verify.identities); otherwise unresolved and re-decided at high precision.
    Slack: the smallest relative margin of (C) over the steps where it holds.
Reference
    Paper Lemma 6 (sufficient convergence condition; exact form lost, reconstructed here).
    Provenance: reconstructed.
"""
from __future__ import annotations

from bnverify.author import mutant, pointwise_logistic_space, whitened_full_space
from bnverify.verify.identities import SufficientStep, alpha0_hypotheses
from bnverify.verify.kinds import logistic_hypotheses
from bnverify.verify.step_claims import lemma6_claims


class SufficientConvergence(SufficientStep):
    """If −2⟨∇L, e⟩‖w‖² ≥ ηα‖∇L‖² (P ≥ x/2) then ρ_{t+1} ≤ ρ_t (Lemma 6, convergence)."""

    id = "lemma6.sufficient_convergence"
    version = "reconstructed-v1"
    reference = "Lemma 6 (convergence condition), §4"
    derivation = "lemma6_sufficient_convergence.md"
    loss = "square"
    direction = "convergence"
    steps = 60
    premise_note = "condition triggered"  # the message counts the steps where the condition held

    def hypotheses(self, inst, hyper):
        return alpha0_hypotheses(inst, hyper)

    def space(self):
        return whitened_full_space()

    def region_claims(self):
        """Lemma 6 (C) at one whitened step, over (rho, eta_eff) (bnverify prove)."""
        return lemma6_claims(self)


class SufficientConvergenceLogistic(SufficientConvergence):
    """Lemma 6 convergence condition along logistic GD (e = SVM direction)."""

    version = "reconstructed-v1-logistic"
    loss = "logistic"
    steps = 60

    def hypotheses(self, inst, hyper):
        return logistic_hypotheses(inst, hyper, rho0_free=True)

    def space(self):
        return pointwise_logistic_space(rho0_free=True)

    def region_claims(self):
        return []  # no closed-form state box for logistic GD


STATEMENTS = [SufficientConvergence(), SufficientConvergenceLogistic()]
MUTANTS = [mutant(s, "condition widened: P >= x/4", name="widened-x-over-4", k=4) for s in STATEMENTS]
