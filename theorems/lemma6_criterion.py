"""Lemma 6 — the exact directional criterion: ρ falls iff the alignment α/‖w‖ does not decrease,
with α_{t+1} and ‖w_{t+1}‖ predicted from step t (paper Lemma 6; THEORY.md §3).
Derivation: theorems/lemma6_criterion.md.

Setting
    BN linear model, a scale-invariant loss, full-batch GD eq. (1). Version exact-v1: whitened
    square-loss regression, e = w*/‖w*‖; version exact-v1-logistic: active-margin logistic
    regression, e = the hard-margin SVM direction.
Hypotheses
    α_0 = ⟨w_0, e⟩ > 0 (whitened: also 0 < η_γ ≤ 1, 0 < γ_0 ≤ a, 0 < ρ_0 < 1; logistic:
    Assumptions 1–3 and the Assumption 2 initialisation). The claim is about every t with α_t > 0.
Statement
    ρ_{t+1} ≤ ρ_t ⟺ α_{t+1} > 0 and α_{t+1}/‖w_{t+1}‖ ≥ α_t/‖w_t‖, where α_{t+1} = α_t − η⟨∇_w L, e⟩
    and ‖w_{t+1}‖² = ‖w_t‖² + η²‖∇_w L‖² (Lemma 12); i.e. with g = ∇_w L(w_t, γ_t):
    ρ_{t+1} ≤ ρ_t ⟺ α_t − η⟨g, e⟩ > 0 and −2α_t⟨g, e⟩‖w_t‖² + η⟨g, e⟩²‖w_t‖² ≥ ηα_t²‖g‖².
    The left side is read off the simulated trajectory, the right side from step t alone.
Bound kind
    implication (both directions) at every step t < T = 60 with α_t > 0. A disagreement is a
    violation only beyond rounding reach: |ρ_{t+1} − ρ_t| > δρ_t + δρ_{t+1} (δρ = 256·eps·(1+ρ)‖w‖/α
    on full GD, 256·eps·ρ on the reduced recurrence; ρ_t above the floor 64·d·eps), and the right
    side's comparisons beyond their first-order rounding error (256·eps on every input; ⟨g, e⟩ and
    ‖g‖ with absolute error 256·eps·S_t, S_t the gradient's rounding scale). Otherwise unresolved:
    re-decided at 50/100/200 digits and, for whitened instances, on the reduced recurrence.
    Slack: the smallest relative margin |lhs − rhs|/(|lhs| + |rhs|) of the right side.
Reference
    Paper Lemma 6 (directional convergence/divergence criterion), §4. Provenance: exact.
"""
from __future__ import annotations

from bnverify.author import mutant, pointwise_logistic_space, whitened_full_space
from bnverify.verify.identities import StepCriterion, alpha0_hypotheses, directional_steps, rho_comparison_resolved
from bnverify.verify.kinds import logistic_hypotheses


class Criterion(StepCriterion):
    """ρ_{t+1} ≤ ρ_t ⟺ α_{t+1} > 0 and α_{t+1}/‖w_{t+1}‖ ≥ α_t/‖w_t‖ (Lemma 6), whitened square loss."""

    id = "lemma6.criterion"
    version = "exact-v1"
    reference = "Lemma 6, §4 (criterion)"
    derivation = "lemma6_criterion.md"
    loss = "square"
    record_w = True
    need_premise = False
    count_edges = True
    steps = 60
    use_norm = True  # mutant: α_{t+1} ≥ α_t instead (the norm growth ignored)

    def hypotheses(self, inst, hyper):
        return alpha0_hypotheses(inst, hyper)

    def steps_of(self, traj, c):
        rho = traj["rho"]
        for t, z in directional_steps(traj):
            falls = not rho[t + 1] > rho[t]
            a1 = z.al - z.eta * z.ge
            a1_pos, a1_res, _ = z.compare(z.al, z.dal, z.eta * z.ge, z.eta * z.dge + z.eps * abs(z.eta * z.ge))
            if self.use_norm:
                w2 = z.wn * z.wn
                lhs = -2 * z.al * z.ge * w2 + z.eta * z.ge * z.ge * w2
                rhs = z.eta * z.al * z.al * z.gn * z.gn
                dl = (abs(-2 * z.al * w2 + 2 * z.eta * z.ge * w2) * z.dge
                      + abs(2 * z.ge * w2) * z.dal
                      + z.eps * 3 * (abs(2 * z.al * z.ge * w2) + abs(z.eta * z.ge * z.ge * w2)))
                dr = z.eta * (2 * z.al * z.al * z.gn * z.dgn + 2 * z.al * z.gn * z.gn * z.dal) + 3 * z.eps * rhs
                ok, res, margin = z.compare(lhs, dl, rhs, dr)
            else:
                ok, res, margin = z.compare(-z.ge, z.dge, 0 * z.ge, 0 * z.ge)
            pred = a1_pos and a1 > 0 and ok
            resolved = a1_res and (res or not a1_pos) and rho_comparison_resolved(traj, t)
            yield t, True, pred == falls, resolved, margin

    def space(self):
        return whitened_full_space()


class CriterionLogistic(Criterion):
    """Lemma 6 criterion along logistic GD (e = SVM direction)."""

    version = "exact-v1-logistic"
    loss = "logistic"

    def hypotheses(self, inst, hyper):
        return logistic_hypotheses(inst, hyper, rho0_free=True)

    steps = 60  # ρ converges geometrically here: keep it above the 100-digit floor

    def space(self):
        return pointwise_logistic_space(rho0_free=True)


STATEMENTS = [Criterion(), CriterionLogistic()]
MUTANTS = [mutant(s, "norm growth ignored: alpha_(t+1) >= alpha_t", name="norm-growth-ignored",
                  use_norm=False) for s in STATEMENTS]
