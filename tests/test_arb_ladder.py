"""The adjudication ladder with ball arithmetic on top (issue 11): float64 → arb 128 … 1024 bits →
mpmath when the balls cannot decide. Three-valued verdict helpers on balls, certified verdicts, a
certified violation reported only when mpmath confirms it, and the Verdict / Decision round trip."""
import json

import pytest

from bnverify.verify import adjudicate
from bnverify.verify.adjudicate import decide
from bnverify.numerics.backends import Arb, Uncertain, get_backend
from bnverify.verify.example import Example
from bnverify.numerics.hyper import Hyper
from bnverify.verify.statement import Statement, Verdict
from bnverify.verify.records import decided_record, pinned_head
from bnverify.verify.summary import campaign_result
from bnverify.verify.testing import find

NO_RISE = "thm2.no_rising_edge@reconstructed-v1"
# H0 = 1.5 ≤ 2: ρ falls geometrically and reaches the float64 floor: a false rising edge in float64
FLOOR_EXAMPLE = Example.make("whitened_regression",
                             Hyper(H0=1.5, eta_gamma=0.5, gamma0_over_a=0.5, w0_norm=1.0, rho0=0.1),
                             n=12, d=3, a=1.0, labels="real", residual=0.1, seed=1)
NEEDLE = ("lemma10.gradient_bounds@reconstructed-v1+mutant:needle: bound tightened to tightness <= 0.9596771431 "
          "(2,048-draw sweep sup 0.991)")
# a point of the needle's region (Sobol seed 7, draw 65 of its space)
NEEDLE_EXAMPLE = Example.from_dict(json.loads(
    '{"hyper": {"eta": 0.0024745288494627104, "eta_gamma": 0.6908950824290514, "gamma0": 0.03507654505650741, '
    '"init_seed": 32946, "rho0": 0.0015362436746911225, "w0_norm": 0.3872983346207417}, "instance": {"balanced": true, '
    '"builder": "active_margin_logistic", "d": 5, "margin": 0.7840991871010465, "n": 2, "seed": 1987625266, '
    '"spread": 1.93755793814032}}'))
EX = Example.make("whitened_regression", Hyper(H0=1.0, eta_gamma=0.5, gamma0_over_a=0.5, rho0=0.1), n=5, d=2)


def campaign_of(stmt, *decided):
    """The campaign result of ``(example, decision)`` pairs, through the one path from records to a
    CampaignResult (each decision recorded as a pinned example's: no point of the space)."""
    records = [decided_record(stmt, d, pinned_head(i, ex), 0.0, drawn=False) for i, (ex, d) in enumerate(decided)]
    return campaign_result(stmt, records)


def test_float64_false_alarm_is_refuted_by_a_certified_holds():
    d = decide(find(NO_RISE), FLOOR_EXAMPLE, primary="float64")
    assert d.verdicts["float64"].status == "violated"
    assert d.outcome == "artefact" and d.certified, d.to_dict()
    arb = [v for k, v in d.verdicts.items() if k.startswith("arb")]
    assert len(arb) == 1 and arb[0].status == "holds" and arb[0].certified
    assert not any(k.startswith("mpmath") for k in d.verdicts)  # the proof settles it: no mpmath needed
    assert d.to_dict()["certified"] is True and "certified holds" in d.arb


def test_needle_counterexample_is_certified_and_confirmed_by_mpmath():
    d = decide(find(NEEDLE, mutants=True), NEEDLE_EXAMPLE, primary="float64")
    assert d.outcome == "violated" and d.certified, d.to_dict()
    arb = [v for k, v in d.verdicts.items() if k.startswith("arb")]
    assert arb and arb[0].status == "violated" and arb[0].certified
    mp = [v for k, v in d.verdicts.items() if k.startswith("mpmath")]
    assert len(mp) >= 2 and all(v.status == "violated" for v in mp)  # the second, independent arithmetic


class _Scripted(Statement):
    """Verdict by precision; on balls ``arb(bits)`` gives the status, or None: raise Uncertain."""

    id, version, kind, provenance = "test.scripted_arb", "v1", "upper bound", "exact"

    def __init__(self, f64, mp, arb):
        self.f64, self.mp, self.arb = f64, mp, arb

    def horizon(self, inst, hyper, c):
        return 1

    def check(self, traj, c):
        bk = traj.backend
        if isinstance(bk, Arb):
            st = self.arb(bk.bits)
            if st is None:
                raise Uncertain("scripted: the balls are too wide")
            return self._v(traj, st, observed=1.0, bound=1.0 if st == "holds" else 0.5,
                           slack=0.0 if st == "holds" else -1.0)
        st = self.f64 if bk.name == "float64" else self.mp
        return self._v(traj, st, observed=1.0, bound=1.0 if st == "holds" else 0.5,
                       slack=0.0 if st == "holds" else -1.0)


def test_balls_that_cannot_decide_fall_back_to_the_mpmath_ladder():
    d = decide(_Scripted("violated", "holds", lambda b: None), EX)
    assert d.outcome == "artefact" and not d.certified, d.to_dict()
    assert not any(k.startswith("arb") for k in d.verdicts)
    assert [k for k in d.verdicts if k.startswith("mpmath")] == ["mpmath50", "mpmath100"]
    assert "Uncertain at 1024 bits" in d.arb


def test_balls_climb_until_they_decide():
    d = decide(_Scripted("violated", "violated", lambda b: None if b < 512 else "holds"), EX)
    assert d.outcome == "artefact" and d.certified and "arb512" in d.verdicts, d.to_dict()


def test_real_full_gd_beyond_the_ball_horizon_falls_back_to_mpmath():
    """Full GD in balls loses ≈ 4.5 bits per step on whitened square loss at H0 = 1.5: 500 steps are
    beyond the 1024-bit rung (≈ 225 steps). The 128-bit run loses its state by step ≈ 40, so the
    rungs above it are skipped (≈ 1,300 bits needed, more than 1024); mpmath decides."""
    stmt = find(NO_RISE)
    for eta_gamma, note in ((0.01, "higher rungs skipped"),):
        ex = Example.make("whitened_regression", Hyper(H0=1.5, eta_gamma=eta_gamma, gamma0_over_a=0.5, w0_norm=1.0,
                                                       rho0=0.1), n=12, d=3, a=1.0, labels="real", residual=0.1, seed=1)
        d = decide(stmt, ex, primary="float64")
        assert not d.certified and note in d.arb, d.to_dict()
        assert d.outcome in ("holds", "artefact")  # a true statement is never reported violated
        assert not any(k.startswith("arb") for k in d.verdicts)
        if d.verdicts["float64"].status == "violated":
            assert any(k.startswith("mpmath") for k in d.verdicts)


def test_identities_skip_the_balls():
    d = decide(find("lemma1.decomposition@exact-v1"), Example.make(
        "whitened_regression", Hyper(H0=2.3, eta_gamma=0.02, gamma0_over_a=0.05, w0_norm=1.0, rho0=0.01),
        n=12, d=3, a=1.0, seed=1))
    assert d.outcome == "holds" and not d.certified and d.arb.startswith("balls not run: identity")


def test_a_certified_violation_mpmath_does_not_confirm_is_undecided():
    d = decide(_Scripted("violated", "holds", lambda b: "violated"), EX)
    assert d.outcome == "undecided" and not d.certified and "disagree" in d.arb, d.to_dict()


def test_switching_the_balls_off_restores_the_mpmath_ladder(monkeypatch):
    monkeypatch.setattr(adjudicate, "ARB_BITS", ())
    d = decide(_Scripted("violated", "holds", lambda b: "holds"), EX)
    assert d.outcome == "artefact" and not d.certified and not d.arb


def test_bound_helpers_are_three_valued_on_balls():
    stmt = find(NO_RISE)
    bk = get_backend("arb128")

    class T:  # the trajectory fields the helpers read
        backend, horizon, source = bk, 3, "full"

    one = bk.scalar(1)
    wide = bk.hull(bk.scalar(0.5), bk.scalar(1.5))
    assert stmt.upper_bound(T, one / 3, one).status == "holds" and stmt.upper_bound(T, one / 3, one).certified
    v = stmt.upper_bound(T, wide, one)
    assert v.status == "undecided" and not v.certified and v.retry and "balls" in v.message
    assert stmt.lower_bound(T, one / 3, one).status == "violated" and stmt.lower_bound(T, one / 3, one).certified
    f = stmt.upper_bound(type("F", (), dict(backend=get_backend("float64"), horizon=3, source="full")), 0.5, 1.0)
    assert f.status == "holds" and not f.certified


def test_verdict_and_decision_round_trip():
    v = Verdict("violated", witness=3, observed=2.0, bound=1.0, slack=-1.0, backend="arb256", horizon=9,
                message="m", certified=True)
    w = Verdict.from_dict(json.loads(json.dumps(v.to_dict())))
    assert w == v and w.certified
    old = {k: x for k, x in v.to_dict().items() if k != "certified"}  # a record written before the field
    assert Verdict.from_dict(old).certified is False
    d = decide(find(NO_RISE), FLOOR_EXAMPLE)
    dd = json.loads(json.dumps(d.to_dict()))
    assert dd["certified"] is True and dd["arb"]
    assert {k: Verdict.from_dict(x) for k, x in dd["verdicts"].items()} == d.verdicts


def test_campaign_counts_the_certified_share():
    stmt = find(NO_RISE)
    res = campaign_of(stmt, (FLOOR_EXAMPLE, decide(stmt, FLOOR_EXAMPLE)),
                      (EX, decide(_Scripted("violated", "holds", lambda b: None), EX)))
    assert res.decided == 2 and res.certified == 1 and res.certified_share == pytest.approx(0.5)
    row = res.row()
    assert row["certified"] == 1 and row["decided"] == 2


def test_a_certified_violation_needs_two_agreeing_mpmath_rungs_not_three():
    d = decide(_Scripted("violated", "violated", lambda b: "violated"), EX)
    assert d.outcome == "violated" and d.certified, d.to_dict()
    assert [k for k in d.verdicts if k.startswith("mpmath")] == ["mpmath50", "mpmath100"]


class _HorizonLimited(_Scripted):
    """Float64: undecided and unresolved (a rounding floor); exact arithmetic: undecided because
    nothing happens within the horizon (resolved, retry=False)."""

    def check(self, traj, c):
        if traj.backend.name == "float64":
            return self.undecided(traj, "floor", resolved=False, retry=True)
        if self.arb is None and isinstance(traj.backend, Arb):
            raise Uncertain("scripted")
        return self.undecided(traj, "no edge within the horizon", resolved=True, retry=False)


def test_the_horizon_not_the_precision_settles_undecided_in_one_rung():
    d = decide(_HorizonLimited(None, None, True), EX)  # the balls complete: no mpmath at all
    assert d.outcome == "undecided" and list(d.verdicts) == ["float64", "arb128"], d.to_dict()
    assert "horizon" in d.arb
    d = decide(_HorizonLimited(None, None, None), EX)  # the balls raise: one mpmath rung says it
    assert d.outcome == "undecided" and [k for k in d.verdicts if k.startswith("mpmath")] == ["mpmath50"]


def test_ball_rungs_are_skipped_when_the_state_is_lost_early():
    """Full GD at H0 = 0.3, η_γ = 0.5 (400 steps, the no-rising-edge horizon): the 128-bit state is
    lost early; the measured loss rate skips 256 and goes to the rung that certifies (512)."""
    from bnverify.verify.certify import certify

    ex = Example.make("whitened_regression", Hyper(H0=0.3, eta_gamma=0.5, gamma0_over_a=0.5, w0_norm=1.0, rho0=0.1),
                      n=12, d=3, a=1.0, labels="real", residual=0.1, seed=1)
    c = certify(find(NO_RISE), ex)
    assert c.status == "holds" and c.bits == 512, c
    assert c.rungs[256].startswith("skipped")
