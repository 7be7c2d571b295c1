"""Lemma 1 — excess-risk decomposition of whitened square loss (paper Lemma 1; THEORY.md §4).
Derivation: theorems/lemma1_decomposition.md.

Setting
    Whitened square-loss regression (Σ = I), BN linear model, full-batch GD eq. (1).
Hypotheses
    The instance is whitened with square loss; w_0 ≠ 0 (α_0 > 0, 0 < ρ_0 < 1, 0 < γ_0 ≤ a,
    0 < η_γ ≤ 1 as drawn by the strategy; the identity itself needs none of them).
Statement
    For every recorded step t: L(w_t, γ_t) − L* = ½(γ_t − a cos θ_t)² + ½a² sin²θ_t,
    with L* = ½‖y‖²/n − ½a², cos θ = α/‖w‖, sin θ = β/‖w‖.
Bound kind
    identity: max_t |(L − L*) − RHS| ≤ 256·eps·(‖y‖²/n + γ_t² + a²) (the magnitudes both sides are
    assembled from: L, L* and RHS are differences of terms of that size). Horizon 200 steps.
Reference
    Paper Lemma 1 (§4.1). Provenance: exact.
"""
from __future__ import annotations

from bnverify.author import mutant, whitened_full_space, whitened_hypotheses
from bnverify.verify.identities import TrajectoryIdentity


class Decomposition(TrajectoryIdentity):
    """L − L* = ½(γ − a cos θ)² + ½a² sin²θ along GD (Lemma 1)."""

    id = "lemma1.decomposition"
    version = "exact-v1"
    reference = "Lemma 1, §4.1"
    derivation = "lemma1_decomposition.md"
    bound_source = "identity"
    record_w = False
    steps = 200

    def hypotheses(self, inst, hyper):
        return whitened_hypotheses(inst, hyper)

    def errors(self, traj, c):
        inst = traj.instance
        a = inst.a
        y = inst.y
        base = (y @ y) / inst.n + a * a
        g, wn = traj["gamma"], traj["wnorm"]
        cos, s = traj["cos"], traj["beta"] / wn
        rhs = (g - a * cos) ** 2 / 2 + a * a * s * s / 2
        scale = base + g * g
        err = abs(traj["excess"] - rhs - self.perturb * scale)
        yield "L - L* vs 1/2(gamma - a cos)^2 + 1/2 a^2 sin^2", err, scale

    def space(self):
        return whitened_full_space()


STATEMENTS = [Decomposition()]
MUTANTS = [mutant(STATEMENTS[0], "right-hand side moved by 1e-11 of its scale", name="rhs-moved-1e-11", perturb=1e-11)]
