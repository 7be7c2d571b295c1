"""Certify where the verdict rests (issue 19, decision 1): comfortable float64 holds are *screened*;
every doubtful verdict, the k tightest screened holds and a seeded sample go up the ladder; the
campaign reports the certified share of the sample with a one-sided 95 % Clopper–Pearson bound.
``certify="all"`` keeps every verdict on the ladder."""
import pytest

from bnverify.verify.adjudicate import decide
from bnverify.verify.orchestrate import run_campaign
from bnverify.verify.planning import Budget
from bnverify.verify.registry import load_statement
from bnverify.verify.summary import clopper_pearson_lower

LEMMA4 = "lemma4.logistic_loss_upper@reconstructed-v1"
PEAK = "thm3.peak_bound@reconstructed-v1"


@pytest.mark.parametrize("key", [LEMMA4, PEAK])
def test_screened_campaign_certifies_tightest_and_a_sample(key):
    stmt = load_statement(key)
    b = Budget(sweep=48, chunk=24, certify_tightest=4, certify_sample=6)
    res = run_campaign(stmt, b, seed=3)
    c = res.certification
    assert c["policy"] == "doubtful"
    assert c["tightest"]["n"] == 4 and c["sample"]["n"] == 6
    assert c["overturned"] == []  # the screen and the ladder agree
    roles = [r.get("certify_role") for r in res.records if r.get("certify_role")]
    assert roles.count("tightest") == 4 and roles.count("sample") == 6
    # the k tightest are the draws of smallest slack among the screened ones
    tight = sorted(r["slack"] for r in res.records if r.get("certify_role") == "tightest")
    others = [r["slack"] for r in res.records if r.get("screened") and r["slack"] is not None]
    assert not others or max(tight) <= min(others)
    assert c["screened"] == len([r for r in res.records if r.get("screened")])
    assert 0.0 <= c["sample"]["lower95"] <= (c["sample"]["share"] or 0.0)


def test_certify_all_sends_every_decided_verdict_up_and_plans_no_phase_3():
    stmt = load_statement(LEMMA4)
    res = run_campaign(stmt, Budget(sweep=8, chunk=8, certify="all"), seed=3)
    assert res.certification["screened"] == 0 and res.certification["sample"]["n"] == 0
    assert not any(r.get("screened") for r in res.records)


def test_screened_and_certified_outcomes_agree_on_the_same_points():
    stmt = load_statement(LEMMA4)
    sp = stmt.space()
    from scipy.stats import qmc

    for u in qmc.Sobol(sp.dim, seed=5).random(8):
        ex = sp.build(dict(sp.values(u)))
        a, b = decide(stmt, ex, certify="doubtful"), decide(stmt, ex, certify="all")
        assert a.outcome == b.outcome
        assert not (a.screened and a.certified)


def test_clopper_pearson():
    assert clopper_pearson_lower(0, 10) == 0.0
    assert clopper_pearson_lower(32, 32) == pytest.approx(0.05 ** (1 / 32))
    assert 0.8 < clopper_pearson_lower(95, 100) < 0.95
