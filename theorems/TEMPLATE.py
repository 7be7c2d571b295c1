"""<Lemma/Theorem N (item)> — <one-line name> (paper §<x>; THEORY.md §<y>).

The whole contract is in docs/AUTHORING.md (trajectory columns, spaces, verdict helpers, rounding).
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

from bnverify.author import (
    Param, Statement, argmax, initial_state, mutant, scaled, standing_whitened, undecided_if_diverged,
    whitened_hypotheses, whitened_space)


class MyBound(Statement):
    """<One-line summary shown in `bnverify list`>."""

    id = "lemmaX.my_bound"
    version = "reconstructed-v1"
    reference = "Lemma X, §Y"
    provenance = "reconstructed"
    kind = "upper bound"
    derivation = "lemmaX_my_bound.md"
    simulator = "full"  # or "reduced" (whitened square loss only)
    bound_source = "initial state"  # or "step-t quantities", "event (onset state)", "propagated enclosure"

    def hypotheses(self, inst, hyper):
        unmet = whitened_hypotheses(inst, hyper)
        # add the statement's own conditions here, as human-readable strings
        return unmet

    def constants(self, inst, hyper):
        s = initial_state(inst, hyper)
        return {"bound": s["H0"] - 1}  # the explicit quantities of the statement

    def horizon(self, inst, hyper, c):
        return 1000  # derive it from the constants when the statement is about all t

    @undecided_if_diverged  # the claim says nothing about a run that diverged
    def check(self, traj, c):
        # backend numbers: compare them at the working precision, never via float(); argmax gives the
        # maximum (on balls an enclosure, so the check stays three-valued) and its step
        rho_max, t = argmax(traj["rho"])
        return self.upper_bound(traj, rho_max, c["bound"], witness=t)

    def space(self):
        # the WHOLE hypotheses region (here H0 > 2 up to 100); reparametrise derived constraints
        return whitened_space(*standing_whitened(Param.log("H0", 2.0, 100.0)),
                              region="standing hypotheses, H0 in [2, 100]")


STATEMENTS = [MyBound()]
MUTANTS = [mutant(STATEMENTS[0], "bound halved", name="bound-halved", constants=scaled("bound", 0.5))]
