"""Column provenance (issue 21 item 3): the ladder never decides a claim on a simulator whose columns
derive from that claim. The case that found it: a new author's corollary of Lemma 1,
``L − L* ≥ ½a² sin²θ``, had its float64 floor "violations" settled on the reduced recurrence, where
``excess`` *is* Lemma 1's right-hand side."""
import pytest

from bnverify.regimes.whitened import whitened_hypotheses
from bnverify.verify.adjudicate import decide, ladder_for, may_adjudicate
from bnverify.verify.example import Example
from bnverify.verify.spaces import whitened_full_space
from bnverify.verify.statement import DECOMPOSITION, REDUCTION, Statement

FLOOR = Example.from_dict({"hyper": {"H0": 4.0, "eta_gamma": 1.0, "gamma0_over_a": 1.0, "init_seed": 0, "rho0": 0.001,
                                     "w0_norm": 1.0},
                           "instance": {"a": 1.0, "builder": "whitened_regression", "d": 3, "n": 12, "seed": 1}})


class ExcessAboveSine(Statement):
    """L − L* ≥ ½a² sin²θ_t (a corollary of Lemma 1)."""

    id, version, reference, kind = "mine.excess_above_sine", "v1", "Lemma 1", "lower bound"

    def hypotheses(self, inst, hyper):
        return whitened_hypotheses(inst, hyper)

    def horizon(self, inst, hyper, c):
        return 300

    def check(self, traj, c):
        a = traj.instance.a
        ex, cos = traj["excess"], traj["cos"]
        worst, wt = None, 0
        for t in range(len(ex)):
            gap = ex[t] - a * a * (1 - cos[t] * cos[t]) / 2
            if worst is None or gap < worst:
                worst, wt = gap, t
        rhs = a * a * (1 - cos[wt] * cos[wt]) / 2
        return self.lower_bound(traj, ex[wt], rhs, witness=wt)

    def space(self):
        return whitened_full_space()


class ExcessAboveSineReduced(ExcessAboveSine):
    simulator = "reduced"
    trusts = (REDUCTION,)


def test_the_corollary_of_lemma1_is_never_decided_on_the_reduced_recurrence():
    stmt = ExcessAboveSine()
    d = decide(stmt, FLOOR)
    assert d.outcome != "violated", d.to_dict()
    assert not any(k.endswith("/reduced") for k in d.verdicts), list(d.verdicts)
    d = decide(stmt, FLOOR, certify="doubtful")
    assert not any(k.endswith("/reduced") for k in d.verdicts), list(d.verdicts)
    assert all(sim == "full" for sim, _ in ladder_for(stmt, FLOOR, "float64", reads={"excess", "cos"}))


def test_trusting_lemma7_is_not_trusting_lemma1():
    stmt = ExcessAboveSine()
    stmt.trusts = (REDUCTION,)
    ok, why = may_adjudicate(stmt, "reduced", {"excess", "cos"})
    assert not ok and "excess" in why and DECOMPOSITION in why
    assert may_adjudicate(stmt, "reduced", {"rho", "cos"}) == (True, "")
    assert may_adjudicate(stmt, "full", {"excess"}) == (True, "")


def test_a_claim_is_never_decided_on_columns_derived_from_itself_whatever_it_trusts():
    stmt = ExcessAboveSine()
    stmt.id, stmt.trusts = DECOMPOSITION, (REDUCTION, DECOMPOSITION)
    ok, why = may_adjudicate(stmt, "reduced", {"excess"})
    assert not ok and "the claim itself" in why


def test_a_reduced_statement_reading_an_untrusted_derived_column_is_an_error():
    d = decide(ExcessAboveSineReduced(), FLOOR)
    assert d.outcome == "error"
    assert "excess" in d.error and "trusts" in d.error


@pytest.mark.parametrize("key, expected", [("lemma1.decomposition@exact-v1", False),
                                           ("lemma7.dynamics@exact-v1", False),
                                           ("lemma7.rising_criterion@exact-v1", True),
                                           ("thm2.no_rising_edge@reconstructed-v1", True)])
def test_shipped_full_gd_statements(key, expected):
    from bnverify.verify.registry import load_statement

    stmt = load_statement(key)
    reads = {"excess", "loss", "grad_w_norm", "alpha", "beta", "gamma", "wnorm"} if "." in key and \
        key.startswith(("lemma1", "lemma7.dynamics")) else {"rho", "edge", "eta_eff", "tau"}
    assert may_adjudicate(stmt, "reduced", reads)[0] is expected


@pytest.mark.parametrize("simulator", ["full", "reduced"])
def test_reads_are_the_columns_the_check_asked_for_not_what_derived_them(simulator):
    """Issue 21: a check that read only ``excess`` and ``cos`` was told it read ``grad_gamma`` (the
    reduced recurrence derives ``excess`` from it), and the error listed a column it never read."""
    from bnverify.numerics.simulate import simulate, simulate_reduced
    from bnverify.numerics.backends import get_backend

    inst = FLOOR.instance(get_backend("float64"))
    run = simulate_reduced if simulator == "reduced" else simulate
    traj = run(inst, FLOOR.hyper, horizon=5)
    traj.forget_reads()
    traj["excess"], traj["cos"], traj["tau"]
    assert traj.reads == {"excess", "cos", "tau"}
    traj["loss"]
    assert traj.reads == {"excess", "cos", "tau", "loss"}


def test_the_provenance_error_names_only_the_columns_read():
    d = decide(ExcessAboveSineReduced(), FLOOR)
    assert d.outcome == "error" and "excess" in d.error
    assert "grad_gamma" not in d.error and "beta" not in d.error, d.error
