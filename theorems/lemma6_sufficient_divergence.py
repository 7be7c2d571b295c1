"""Lemma 6 — a sufficient condition for directional divergence (ρ rises), for any
scale-invariant loss (paper Lemma 6, divergence part; THEORY.md §3 [open → reconstructed]).
Derivation: theorems/lemma6_sufficient_divergence.md (and lemma6_sufficient_convergence.md).

Setting
    BN linear model, a scale-invariant loss, full-batch GD eq. (1). Version reconstructed-v1:
    whitened square-loss regression, e = w*/‖w*‖; version reconstructed-v1-logistic: active-margin
    logistic regression, e = the hard-margin SVM direction.
Hypotheses
    α_0 > 0 (whitened: also 0 < η_γ ≤ 1, 0 < γ_0 ≤ a, 0 < ρ_0 < 1; logistic: Assumptions 1–3 and
    the Assumption 2 initialisation). At step t: α_t > 0 and the condition
    (D)  P_t < x_t/(2 + x_t),  x_t = η‖∇_w L‖/‖w_t‖,  P_t = p_t tan θ_t,
    p_t = −⟨∇_w L, v_t⟩/‖∇_w L‖ (v_t the unit vector ⊥ w_t in the plane of w_t and e);
    equivalently −⟨∇_w L, e⟩‖w_t‖²(2 + x_t) < ηα_t‖∇_w L‖² (so ∇_w L ≠ 0). The example-level
    hypotheses count as met only if (D) holds at some step of the horizon (else vacuous).
Statement
    At every step t where (D) holds: ρ_{t+1} > ρ_t. (Special case: ⟨∇_w L, e⟩ ≥ 0 and ∇_w L ≠ 0.)
Bound kind
    implication, at every step t < T (T = 60). A failure is a violation
    only beyond rounding reach (condition and ρ comparison beyond their rounding errors, see
    bnverify.verify.identities); otherwise unresolved and re-decided at high precision.
    Slack: the smallest relative margin of (D) over the steps where it holds.
Reference
    Paper Lemma 6 (sufficient divergence condition; exact form lost, reconstructed here).
    Provenance: reconstructed.
"""
from __future__ import annotations

import numpy as np

from bnverify.author import Hyper, Param, mutant, pointwise_logistic_space, whitened_full_space
from bnverify.verify.identities import SufficientStep, alpha0_hypotheses
from bnverify.numerics.model import evaluate
from bnverify.verify.kinds import logistic_hypotheses
from bnverify.verify.step_claims import lemma6_claims


class SufficientDivergence(SufficientStep):
    """If −⟨∇L, e⟩‖w‖²(2 + x) < ηα‖∇L‖² (P < x/(2+x)) then ρ_{t+1} > ρ_t (Lemma 6, divergence)."""

    id = "lemma6.sufficient_divergence"
    version = "reconstructed-v1"
    reference = "Lemma 6 (divergence condition), §4"
    derivation = "lemma6_sufficient_divergence.md"
    loss = "square"
    # 45 of 64 draws are floor artefacts certified by balls (~50 ms each) and 17 vacuous: 512 report draws
    report_scale = 0.125
    deep_scale = 0.25  # make deep: 2,500 draws (~49 ms each, most floor artefacts re-decided: ~120 s)
    direction = "divergence"
    steps = 60
    premise_note = "condition triggered"  # the message counts the steps where the condition held

    def hypotheses(self, inst, hyper):
        return alpha0_hypotheses(inst, hyper)

    def space(self):
        return whitened_full_space(focus={"divergence early (former strategy)": {
            "H0": (2.5, 8.0), "rho0": (1e-3, 0.3), "eta_gamma": (0.05, 1.0), "gamma0_over_a": (0.6, 1.0)}})

    def region_claims(self):
        """Lemma 6 (D) at one whitened step, over (rho, eta_eff) (bnverify prove)."""
        return lemma6_claims(self)


class SufficientDivergenceLogistic(SufficientDivergence):
    """Lemma 6 divergence condition along logistic GD (e = SVM direction)."""

    version = "reconstructed-v1-logistic"
    loss = "logistic"
    report_scale = 0.25  # as the other logistic step criteria: 1,024 report draws
    deep_scale = 1.0  # make deep: 10,000 draws (~18 ms each)
    steps = 60

    def hypotheses(self, inst, hyper):
        return logistic_hypotheses(inst, hyper, rho0_free=True)

    def space(self):
        """Reparametrised: ∇_w L(w_0, γ_0) does not depend on η, so η is set from the drawn factor
        ``D ∈ [1e-2, 100]`` by ``x_0 = D·2P_0/(1 − P_0)`` — (D) holds at t = 0 exactly when D > 1;
        both sides of the condition are searched."""
        return pointwise_logistic_space(rho0_free=True, x=Param.log("D_factor", 1e-2, 1e2), hyper_of=_eta_from_D,
                                        region_extra="; eta from D: x0 = D 2P0/(1 - P0)")

    def region_claims(self):
        return []  # no closed-form state box for logistic GD


def _eta_from_D(v, inst, geo, h):
    hp = Hyper(**{**h, "eta": 1.0}).resolve(inst)
    g = evaluate(inst.X, inst.y, hp.w0, hp.gamma0, inst.loss, inst.backend).grad_w
    wn, gn = float(np.linalg.norm(hp.w0)), float(np.linalg.norm(g))
    if not gn > 0:
        return h
    P0 = -float(g @ inst.e) * wn / (float(hp.alpha0) * gn)
    P0 = min(max(P0, 1e-3), 0.99)
    h["eta"] = v["D_factor"] * 2 * P0 / (1 - P0) * wn / gn
    return h


STATEMENTS = [SufficientDivergence(), SufficientDivergenceLogistic()]
MUTANTS = [mutant(s, "condition widened: P < x/(1 + x)", name="widened-x-over-1-plus-x", k=1) for s in STATEMENTS]
