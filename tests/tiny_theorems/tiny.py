"""Tiny statements for the CLI and report tests (shape of theorems/TEMPLATE.py).

Setting
    Whitened square-loss regression, full GD, 3 steps.
Hypotheses
    none beyond the whitened ones (tiny.picky: never met).
Statement
    tiny.true: 0 <= 1 (always holds); tiny.false: 2 <= 1 (always violated).
Bound kind
    upper bound.
Reference
    none. Provenance: exact.
"""
from bnverify.author import Example, Hyper, Param, Space, Statement, mutant, whitened_hypotheses


def _tiny_example(v):
    return Example.make("whitened_regression", Hyper(H0=v["H0"], rho0=v["rho0"], eta_gamma=0.5, gamma0_over_a=0.5),
                        n=5, d=2, seed=0)


class TinyTrue(Statement):
    """Always true: 0 <= 1."""

    id = "tiny.true"
    version = "v1"
    reference = "none"
    provenance = "exact"
    kind = "upper bound"
    derivation = "tiny.md"
    observed = 0.0

    def hypotheses(self, inst, hyper):
        return whitened_hypotheses(inst, hyper)

    def constants(self, inst, hyper):
        return {"bound": 1.0}

    def horizon(self, inst, hyper, c):
        return 3

    def check(self, traj, c):
        return self.upper_bound(traj, self.observed, c["bound"], witness=1)

    def space(self):
        return Space((Param.linear("H0", 0.5, 1.5), Param.linear("rho0", 0.01, 0.5)), _tiny_example,
                     region="H0 in [0.5, 1.5], rho0 in [0.01, 0.5] on one whitened instance")


class TinyFalse(TinyTrue):
    """Always false: 2 <= 1."""

    id = "tiny.false"
    observed = 2.0


class TinyPicky(TinyTrue):
    """Never applicable: its hypothesis always fails."""

    id = "tiny.picky"

    def hypotheses(self, inst, hyper):
        return [f"H0 = {hyper.H0:.6g} is not > 1000"]


class TinyBroken(TinyTrue):
    """A statement with a bug: its check raises."""

    id = "tiny.broken"

    def check(self, traj, c):
        raise ZeroDivisionError("bug in tiny.broken")


STATEMENTS = [TinyTrue(), TinyFalse(), TinyPicky(), TinyBroken()]
MUTANTS = [mutant(STATEMENTS[0], "bound set to -1", constants=lambda c: {**c, "bound": -1.0}),
           mutant(STATEMENTS[0], "bound doubled (still true)", constants=lambda c: {**c, "bound": 2.0})]
