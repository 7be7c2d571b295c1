"""<Lemma/Theorem N (item)> — <one-line name> (paper §<x>; THEORY.md §<y>).

Copy this file to ``theorems/<id>.py`` (or into your own folder passed with ``--theorems DIR``),
write ``theorems/<id>.md`` with the derivation, and list the statement in ``STATEMENTS``.
A revised bound is a *new version* (new class or new ``version``) next to the old one: both are
checked and both appear in reports. Ship at least one deliberately false variant in ``MUTANTS``.

Setting
    <data, loss, model, dynamics>.
Hypotheses
    <the "if" of the statement, each a checkable condition>.
Statement
    <the claim, with its explicit constants>.
Bound kind
    <identity | upper bound | lower bound | existence | implication>; checked up to horizon <…>.
Reference
    <paper lemma/theorem number, section>. Provenance: <exact | reconstructed>.
"""
from __future__ import annotations

from bnverify.statement import Statement, mutant, scaled
from bnverify.strategies import bounded, log_uniform, whitened_example
from bnverify.theory import initial_state, whitened_hypotheses


class MyBound(Statement):
    """<One-line summary shown in `bnverify list`>."""

    id = "lemmaX.my_bound"
    version = "reconstructed-v1"
    reference = "Lemma X, §Y"
    provenance = "reconstructed"
    kind = "upper bound"
    derivation = "lemmaX_my_bound.md"
    simulator = "full"  # or "reduced" (whitened square loss only)

    def hypotheses(self, inst, hyper):
        unmet = whitened_hypotheses(inst, hyper)
        # add the statement's own conditions here, as human-readable strings
        return unmet

    def constants(self, inst, hyper):
        s = initial_state(inst, hyper)
        return {"bound": s["H0"] - 1}  # the explicit quantities of the statement

    def horizon(self, inst, hyper, c):
        return 1000  # derive it from the constants when the statement is about all t

    def check(self, traj, c):
        if traj.status == "diverged":
            return self.undecided(traj, f"diverged at step {traj.stopped_at}")
        observed = max(float(x) for x in traj["rho"])
        return self.upper_bound(traj, observed, c["bound"], witness=int(traj.floats("rho").argmax()))

    def strategy(self):
        # constructive: draw parameters inside the hypotheses (>= 90% met)
        return whitened_example(H0=bounded(2.1, 6.0), rho0=log_uniform(1e-6, 0.5))


STATEMENTS = [MyBound()]
MUTANTS = [mutant(STATEMENTS[0], "bound halved", constants=scaled("bound", 0.5))]
