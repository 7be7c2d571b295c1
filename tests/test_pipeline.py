"""One example pipeline (issue 21 item 2): the ladder's rungs (``run_once``), the ball rungs (``certify``)
and the batch path (``decide_many``'s lanes) all run ``verify.pipeline``, so what a statement returns
is checked the same way at every precision — at the ball rung too, which before took any
``hypotheses()`` return through ``list()`` (a string became one unmet condition per character, a
*certified* vacuous verdict) and never looked for NaN or column provenance."""
import pytest

from bnverify import Hyper
from bnverify.verify.adjudicate import decide, run_once
from bnverify.verify.batch import _prefill, decide_many
from bnverify.verify.certify import certify
from bnverify.verify.example import Example
from bnverify.verify.pipeline import StatementError, prepare, run_example
from bnverify.verify.statement import REDUCTION, Statement

EX = Example.make("whitened_regression", Hyper(H0=2.3, eta_gamma=0.02, gamma0_over_a=0.05, w0_norm=1.0, rho0=0.01),
                  n=12, d=3, a=1.0, seed=1)
PRECISIONS = ("float64", "mpmath30", "arb128")


class RhoBelowOne(Statement):
    """ρ_3 ≤ 1 on five steps of the reduced recurrence (true on EX, certified at 128 bits)."""

    id, version, simulator, trusts = "test.rho_below_one", "v1", "reduced", (REDUCTION,)

    def horizon(self, inst, hyper, c):
        return 5

    def check(self, traj, c):
        return self.upper_bound(traj, traj["rho"][3], c.get("bound", 1.0), witness=3)


class UnmetAsString(RhoBelowOne):
    id = "test.unmet_as_string"

    def hypotheses(self, inst, hyper):
        return "H0 <= 2"  # an author's slip: the unmet condition, not a list of them


class NoneForMet(RhoBelowOne):
    id = "test.none_for_met"

    def hypotheses(self, inst, hyper):
        return None


class NanBound(RhoBelowOne):
    id = "test.nan_bound"

    def constants(self, inst, hyper):
        return {"bound": float("nan")}


class ExcessUntrusted(RhoBelowOne):
    """Reads the reduced recurrence's excess (Lemma 1's right-hand side) without trusting Lemma 1."""

    id = "test.excess_untrusted"

    def check(self, traj, c):
        return self.lower_bound(traj, traj["excess"][3], 0.0, witness=3)


@pytest.mark.parametrize("stmt", [UnmetAsString(), NoneForMet()], ids=lambda s: s.id)
def test_hypotheses_of_the_wrong_type_raise_at_every_precision_the_ball_rung_too(stmt):
    for precision in PRECISIONS:
        with pytest.raises(StatementError, match=r"hypotheses\(\) must return a list of strings"):
            run_once(stmt, EX, precision)
    with pytest.raises(StatementError, match=r"hypotheses\(\) must return a list of strings"):
        certify(stmt, EX, bits=(128,))
    d = decide(stmt, EX)
    assert d.outcome == "error" and "list of strings" in d.error


@pytest.mark.parametrize("stmt, says", [(NanBound(), "bound = nan"), (ExcessUntrusted(), "trusts")],
                         ids=["nan", "provenance"])
def test_the_ball_rung_guards_nan_and_column_provenance_as_every_rung_does(stmt, says):
    for precision in PRECISIONS:
        with pytest.raises(StatementError, match=says):
            run_once(stmt, EX, precision)
    with pytest.raises(StatementError, match=says):
        certify(stmt, EX, bits=(128,))


def test_a_vacuous_verdict_is_certified_on_the_ball_rung_only():
    vacuous = Example.make("whitened_regression", Hyper(H0=2.5, eta_gamma=0.1, gamma0_over_a=0.2, w0_norm=1.0,
                                                        rho0=0.05), n=12, d=3, a=1.0, seed=1)

    class Unmet(RhoBelowOne):
        id = "test.unmet"

        def hypotheses(self, inst, hyper):
            return ["rho0 >= 0.01"] if hyper.rho0 >= 0.01 else []

    c = certify(Unmet(), vacuous, bits=(128,))
    assert c.status == "vacuous" and c.certified and c.verdict.certified and c.verdict.unmet == ["rho0 >= 0.01"]
    v, traj, sites = run_example(Unmet(), vacuous, "arb128")
    assert v.status == "vacuous" and not v.certified and traj is None and sites == {}


def test_a_holds_verdict_is_the_same_through_run_once_and_certify():
    v, traj, sites = run_example(RhoBelowOne(), EX, "arb128", audit=True)
    assert v.status == "holds" and v.horizon == 5 and traj.reads == {"rho"} and sites == {}
    c = certify(RhoBelowOne(), EX, bits=(128,))
    assert c.status == "holds" and c.verdict.to_dict() == v.to_dict()
    assert run_once(RhoBelowOne(), EX, "arb128")[0].to_dict() == v.to_dict()


def test_prepare_stops_after_the_hypotheses_when_asked():
    class ConstantsRaise(RhoBelowOne):
        id = "test.constants_raise"

        def constants(self, inst, hyper):
            raise RuntimeError("constants asked for")

    p = prepare(ConstantsRaise(), EX, "float64", horizon=False)
    assert p.unmet == [] and p.constants is None and p.horizon is None and p.instance is EX.instance("float64")
    with pytest.raises(RuntimeError, match="constants asked for"):
        prepare(ConstantsRaise(), EX, "float64")
    p = prepare(RhoBelowOne(), EX, "float64")
    assert p.constants == {} and p.horizon == 5


def test_the_batch_path_skips_a_bad_statement_and_records_the_error():
    assert _prefill(UnmetAsString(), [EX]) == []
    (d,) = decide_many(UnmetAsString(), [EX])
    assert d.outcome == "error" and "list of strings" in d.error
    (d,) = decide_many(RhoBelowOne(), [EX])
    assert d.outcome == "holds"
