"""γ_t ≤ a along whitened GD (Lemma 7 (b): γ_{t+1} is a convex combination of γ_t and a·cos θ_t).

Setting: whitened square loss, full GD. Hypotheses: 0 < η_γ ≤ 1, 0 < γ_0 ≤ a, α_0 > 0, 0 < ρ_0 < 1.
Statement: γ_t ≤ a for every t ≤ 300. Bound kind: upper bound. Reference: Lemma 7 (b). Provenance: exact.
"""
from bnverify.author import REDUCTION, Statement, argmax, mutant, scaled, whitened_full_space, whitened_hypotheses


class GammaBelowA(Statement):
    """γ_t ≤ a at every step of whitened GD."""

    id, version, reference = "mine.gamma_below_a", "v1", "Lemma 7 (b)"
    provenance, kind, bound_source = "exact", "upper bound", "initial state"
    trusts = (REDUCTION,)  # floor artefacts may be re-decided on Lemma 7's recurrence (§3)

    def hypotheses(self, inst, hyper):
        return whitened_hypotheses(inst, hyper)

    def constants(self, inst, hyper):
        return {"bound": inst.a}  # the mutant scales it: γ_t ≤ 0.9 a

    def horizon(self, inst, hyper, c):
        return 300

    def check(self, traj, c):
        g, t = argmax(traj["gamma"])  # backend numbers (on balls an enclosure of the max), never float()
        return self.upper_bound(traj, g, c["bound"], witness=t)

    def space(self):
        return whitened_full_space()


STATEMENTS = [GammaBelowA()]
MUTANTS = [mutant(STATEMENTS[0], "gamma_t <= 0.9 a", constants=scaled("bound", 0.9))]
