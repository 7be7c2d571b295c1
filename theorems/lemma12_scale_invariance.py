"""Lemma 12 — scale invariance: ⟨∇_w L, w⟩ = 0 and the norm-growth identity (paper Lemma 12;
THEORY.md §2). Derivation: theorems/lemma12_scale_invariance.md.

Setting
    BN linear model z = γXw/‖w‖_Σ, square or logistic loss, any data (whitened square-loss
    regression and active-margin logistic instances are drawn), full-batch GD eq. (1).
Hypotheses
    None beyond w_0 ≠ 0 (the identity holds for every loss, data set and step size).
Statement
    For every recorded step t: (i) ⟨∇_w L(w_t, γ_t), w_t⟩ = 0 and
    (ii) ‖w_{t+1}‖² = ‖w_t‖² + η²‖∇_w L(w_t, γ_t)‖².
Bound kind
    identity: max_t relative error ≤ 256·eps of the backend, relative to the rounding scale of the
    terms: (i) S_t‖w_t‖ with S_t = (|γ|/‖w‖_Σ)‖|X|ᵀ|r| + |uᵀr||X|ᵀ|u|/n‖ (the gradient's factors
    before they cancel), (ii) ‖w_{t+1}‖² + 2ηS_t‖w_t‖. Horizon 150 steps.
Reference
    Paper Lemma 12 (scale invariance of BN). Provenance: exact.
"""
from __future__ import annotations

from bnverify.author import Param, mutant, pointwise_logistic_space, union_space, whitened_space
from bnverify.verify.identities import TrajectoryIdentity, gradients


class ScaleInvariance(TrajectoryIdentity):
    """⟨∇_w L, w⟩ = 0 and ‖w_{t+1}‖² = ‖w_t‖² + η²‖∇_w L‖² along GD (Lemma 12)."""

    id = "lemma12.scale_invariance"
    version = "exact-v1"
    reference = "Lemma 12, §3 (scale invariance)"
    loss = "any"
    derivation = "lemma12_scale_invariance.md"
    bound_source = "identity"
    steps = 150

    def hypotheses(self, inst, hyper):
        return []

    def errors(self, traj, c):
        inst = traj.instance
        eta = traj.hyper.resolve(inst).eta
        W = traj["w"]
        T = traj.T
        gs = gradients(traj)
        inner_err, inner_sc, norm_err, norm_sc = [], [], [], []
        n2 = [W[t] @ W[t] for t in range(T + 1)]
        bk = traj.backend
        for t, (g, S, _) in enumerate(gs):
            wn = bk.sqrt(n2[t])
            inner_err.append(abs(g @ W[t] - self.perturb * S * wn))
            inner_sc.append(S * wn)
            if t < T:
                sc = n2[t + 1] + 2 * eta * S * wn
                rhs = n2[t] + eta * eta * (g @ g) + self.perturb * sc
                norm_err.append(abs(n2[t + 1] - rhs))
                norm_sc.append(sc)
        yield "(i) <grad_w L, w>", inner_err, inner_sc
        yield "(ii) norm growth", norm_err, norm_sc

    def space(self):
        """Any loss, any data, any step: whitened square loss (ρ_0 ∈ [1e-10, 1000], γ_0/a up to 10,
        H_0 ∈ [1e-2, 100]) and active-margin logistic data (ρ_0 up to 100, x = η/‖w_0‖² ∈ [1e-3, 1e3])."""
        whitened = whitened_space(Param.log("H0", 1e-2, 1e2), Param.log("rho0", 1e-10, 1e3),
                                  Param.log("eta_gamma", 1e-4, 1.0), Param.log("gamma0_over_a", 1e-3, 10.0))
        return union_space({"whitened": whitened, "logistic": pointwise_logistic_space(rho0_free=True)},
                           region="no hypotheses: whitened square loss and active-margin logistic data, any step sizes")


STATEMENTS = [ScaleInvariance()]
MUTANTS = [mutant(STATEMENTS[0], "both sides perturbed by 1e-11 of their scale", name="perturbed-1e-11", perturb=1e-11)]
