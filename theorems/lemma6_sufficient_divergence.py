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
    bnverify.identities); otherwise unresolved and re-decided at high precision.
    Slack: the smallest relative margin of (D) over the steps where it holds.
Reference
    Paper Lemma 6 (sufficient divergence condition; exact form lost, reconstructed here).
    Provenance: reconstructed.
"""
from __future__ import annotations

import numpy as np

from bnverify.hyper import Hyper
from bnverify.identities import SufficientStep, alpha0_hypotheses
from bnverify.model import evaluate
from bnverify.logistic import PointwiseLogistic, logistic_example, logistic_instance
from bnverify.statement import mutant
from bnverify.strategies import bounded, log_uniform, whitened_example


class SufficientDivergence(SufficientStep):
    """If −⟨∇L, e⟩‖w‖²(2 + x) < ηα‖∇L‖² (P < x/(2+x)) then ρ_{t+1} > ρ_t (Lemma 6, divergence)."""

    id = "lemma6.sufficient_divergence"
    version = "reconstructed-v1"
    reference = "Lemma 6 (divergence condition), §4"
    derivation = "lemma6_sufficient_divergence.md"
    loss = "square"
    direction = "divergence"
    steps = 60

    def hypotheses(self, inst, hyper):
        return alpha0_hypotheses(inst, hyper)

    def strategy(self):
        # η_eff,0 = H_0 γ_0/a ≥ 1.5 and γ relaxes to a·cos θ: η_eff·cos θ exceeds 2 early
        return whitened_example(H0=bounded(2.5, 8.0), rho0=log_uniform(1e-3, 0.3),
                                eta_gamma=bounded(0.05, 1.0), gamma0_over_a=bounded(0.6, 1.0))


class SufficientDivergenceLogistic(SufficientDivergence):
    """Lemma 6 divergence condition along logistic GD (e = SVM direction)."""

    version = "reconstructed-v1-logistic"
    loss = "logistic"
    rho0_free = True
    need_kappa = False
    steps = 60

    def hypotheses(self, inst, hyper):
        return PointwiseLogistic.hypotheses(self, inst, hyper)

    def strategy(self):
        """Constructive: ∇_w L(w_0, γ_0) does not depend on η, so draw everything else, compute
        P_0 at t = 0 and set η so that x_0 = f·2P_0/(1 − P_0) with f drawn in [1.5, 20] (the
        ``eta_eff`` draw is reused as f): (D) holds at t = 0 by a factor f."""

        def fix(inst, geo, drawn):
            hyper = Hyper(eta=1.0, **{k: v for k, v in drawn.items() if k != "eta"})
            hp = hyper.resolve(inst)
            g = evaluate(inst.X, inst.y, hp.w0, hp.gamma0, inst.loss, inst.backend).grad_w
            wn, gn = float(np.linalg.norm(hp.w0)), float(np.linalg.norm(g))
            P0 = -float(g @ inst.e) * wn / (float(hp.w0 @ inst.e) * gn)
            P0 = min(P0, 0.99)  # P_0 ≤ tan θ_0 = ρ_0 < 1 here; a guard only
            f = drawn["eta"] / drawn["w0_norm"] ** 2
            x0 = f * 2 * max(P0, 1e-3) / (1 - P0)
            drawn["eta"] = x0 * wn / gn
            return drawn

        return logistic_example(rho_frac=(1e-3, 0.9), eta_eff=(1.5, 20.0), gamma0=(0.5, 5.0),
                                instance=logistic_instance(n=(3, 6)), check=fix)


STATEMENTS = [SufficientDivergence(), SufficientDivergenceLogistic()]
MUTANTS = [mutant(s, "condition widened: P < x/(1 + x)", k=1) for s in STATEMENTS]
