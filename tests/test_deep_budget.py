"""make deep's budgets (planning.deep_budget): issue 19's depth targets, 10⁴ float64 draws per statement and
10⁵ per screened reduced-recurrence statement, each times its deep_scale; mutants as the report's."""
from bnverify.verify.planning import SCREEN_CHUNK, Budget, campaign_budget, deep_budget
from bnverify.verify.registry import load


def _by_key():
    return {s.key: s for s in load(())}


def test_depth_targets():
    stmts = _by_key()
    logistic = stmts["lemma4.logistic_loss_upper@reconstructed-v1"]
    b = deep_budget(logistic, 10_000, 100_000, "float64")
    assert b.total() == 10_000 and (b.hypothesis, b.hunt) == (2_500, 2_500)
    peak = stmts["thm3.peak_bound@reconstructed-v1"]
    b = deep_budget(peak, 10_000, 100_000, "float64")
    assert b.total() == 100_000 and b.chunk == SCREEN_CHUNK
    report_like = Budget.split(round(10_000 * peak.report_scale / 4), focus=True)  # a quarter of the report's
    assert (b.hypothesis, b.hunt) == (report_like.hypothesis, report_like.hunt)
    comparison = stmts["thm3.duration@comparison-v2"]  # reduced, no screen, seconds per example
    assert comparison.deep_scale < 1
    assert deep_budget(comparison, 10_000, 100_000, "float64").total() == round(10_000 * comparison.deep_scale)


def test_mutants_and_mpmath_as_the_report():
    m = next(s for s in load((), mutants=True) if s.is_mutant)
    assert deep_budget(m, 64, 640, "float64") == campaign_budget(m, 64, "float64")
    s = _by_key()["lemma4.logistic_loss_upper@reconstructed-v1"]
    assert deep_budget(s, 64, 640, "mpmath") == campaign_budget(s, 64, "mpmath")


def test_premises_at_depth(monkeypatch):
    """make deep measures the report's premise margins at a multiple of each measure's own points."""
    from bnverify.report import premises as P

    seen = {}

    def fake(stmt, n: int = 1024, seed: int = 11):
        seen[stmt.id] = n
        return {"statement": stmt.key}

    monkeypatch.setitem(P.MEASURES, "lemma4.logistic_loss_upper", fake)
    s = _by_key()["lemma4.logistic_loss_upper@reconstructed-v1"]
    assert P.measure_all([s], factor=16) == [{"statement": s.key}] and seen == {s.id: 16 * 1024}
