"""The dual-precision adjudicator (DESIGN.md): float64 first, doubtful verdicts re-decided in
mpmath. Regression around THEORY.md §9: float64 full GD shows false rising edges at the rounding
floor; they must come out as *float64 artefacts*, never as passes or violations."""
from bnverify.verify import adjudicate
from bnverify.verify.adjudicate import decide, ladder_for
from bnverify.verify.example import Example
from bnverify.numerics.hyper import Hyper
from bnverify.verify.statement import Statement
from bnverify.verify.records import decided_record, pinned_head
from bnverify.verify.summary import campaign_result
from bnverify.verify.testing import find

NO_RISE = "thm2.no_rising_edge@reconstructed-v1"
# H0 = 1.5 ≤ 2: ρ falls geometrically and reaches the float64 floor (~1e-16) within the horizon.
FLOOR_EXAMPLE = Example.make("whitened_regression",
                             Hyper(H0=1.5, eta_gamma=0.5, gamma0_over_a=0.5, w0_norm=1.0, rho0=0.1),
                             n=12, d=3, a=1.0, labels="real", residual=0.1, seed=1)


def campaign_of(stmt, *decided):
    """The campaign result of ``(example, decision)`` pairs, through the one path from records to a
    CampaignResult (each decision recorded as a pinned example's: no point of the space)."""
    records = [decided_record(stmt, d, pinned_head(i, ex), 0.0, drawn=False) for i, (ex, d) in enumerate(decided)]
    return campaign_result(stmt, records)


def test_float64_floor_rise_is_an_artefact(monkeypatch):
    # the mpmath ladder alone (the ball rungs certify this example: tests/test_arb_ladder.py)
    monkeypatch.setattr(adjudicate, "ARB_BITS", ())
    d = decide(find(NO_RISE), FLOOR_EXAMPLE, primary="float64")
    v64 = d.verdicts["float64"]
    assert v64.status == "violated" and not v64.resolved, v64
    assert d.outcome == "artefact", d.to_dict()
    assert d.final.status == "holds" and d.final.resolved
    assert any(k.endswith("/reduced") for k in d.verdicts), "the floor-free referee was not consulted"


def test_artefacts_are_neither_passes_nor_violations():
    stmt = find(NO_RISE)
    res = campaign_of(stmt, (FLOOR_EXAMPLE, decide(stmt, FLOOR_EXAMPLE)))
    assert res.counts["artefact"] == 1 and res.counts["holds"] == 0 and res.counts["violated"] == 0
    assert not res.counterexamples and len(res.artefacts) == 1


def test_genuine_violation_survives_every_rung():
    mutant = find(NO_RISE + "+mutant:threshold H0 <= 2 raised to H0 <= 3", mutants=True)
    ex = Example.make("whitened_regression",
                      Hyper(H0=2.9, eta_gamma=0.5, gamma0_over_a=0.9, w0_norm=1.0, rho0=0.05),
                      n=12, d=3, a=1.0, labels="real", residual=0.1, seed=1)
    d = decide(mutant, ex, primary="float64")
    assert d.outcome == "violated", d.to_dict()
    assert all(v.status == "violated" for v in d.verdicts.values())
    assert len(d.verdicts) >= 3  # float64 + two agreeing high-precision rungs


def test_vacuous_is_not_a_pass():
    ex = Example.make("whitened_regression",
                      Hyper(H0=2.5, eta_gamma=0.5, gamma0_over_a=0.5, w0_norm=1.0, rho0=0.1),
                      n=12, d=3, seed=1)
    d = decide(find(NO_RISE), ex)
    assert d.outcome == "vacuous" and d.final.unmet and "H0" in d.final.unmet[0]
    res = campaign_of(find(NO_RISE), (ex, d))
    assert res.vacuous and res.met == 0 and res.counts["holds"] == 0


class _Scripted(Statement):
    """A statement whose verdict depends only on the precision (to drive the ladder)."""

    id, version, kind, provenance = "test.scripted", "v1", "upper bound", "exact"

    def __init__(self, script):
        self.script = script

    def horizon(self, inst, hyper, c):
        return 1

    def check(self, traj, c):
        status, slack = self.script(traj.backend.name, traj.source)
        return self._v(traj, status, observed=1 - slack, bound=1.0, slack=slack)


EX = Example.make("whitened_regression", Hyper(H0=1.0, eta_gamma=0.5, gamma0_over_a=0.5, rho0=0.1), n=5, d=2)


def test_thin_slack_is_re_decided_and_can_flip_to_violated():
    s = _Scripted(lambda b, src: ("holds", 1e-12) if b == "float64" else ("violated", -1e-12))
    d = decide(s, EX)
    assert d.outcome == "violated" and "mpmath50" in d.verdicts


def test_comfortable_holds_is_not_re_decided():
    d = decide(_Scripted(lambda b, src: ("holds", 0.5)), EX)
    # no mpmath rung; the balls certify it (every decided example goes to arb for the certified share)
    assert d.outcome == "holds" and not any(k.startswith("mpmath") for k in d.verdicts)
    assert d.certified and list(d.verdicts) == ["float64", "arb128"]


def test_unstable_ladder_is_undecided():
    flip = {"mpmath50": "holds", "mpmath100": "violated", "mpmath200": "holds"}
    s = _Scripted(lambda b, src: ("violated", -1.0) if b == "float64" else
                  ((flip[b], 0.1 if flip[b] == "holds" else -0.1) if src == "full" else
                   ("violated" if b == "mpmath100" else "holds", 0.1)))
    d = decide(s, EX)
    assert d.outcome == "undecided", d.to_dict()


def test_ladder_ends_with_the_reduced_recurrence_for_whitened_full_gd():
    rungs = ladder_for(find(NO_RISE), FLOOR_EXAMPLE, "float64", reads={"rho", "edge"})
    assert rungs[:3] == [("full", 50), ("full", 100), ("full", 200)]
    assert rungs[-2:] == [("reduced", 100), ("reduced", 200)]
    # a check that read the loss (derived there by Lemma 1, which Theorem 2 (1) does not trust), or
    # whose reads are unknown, is never decided on the reduced recurrence
    for reads in ({"rho", "excess"}, None):
        assert all(sim == "full" for sim, _ in ladder_for(find(NO_RISE), FLOOR_EXAMPLE, "float64", reads=reads))
