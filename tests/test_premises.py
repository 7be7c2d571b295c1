"""The report's premise margins (Theorem 5 (1)/(3), Lemma 4) measure what they say."""
from bnverify.verify import registry
from bnverify.report import premises as P

S = {s.id: s for s in registry.shipped()}


def test_every_measured_statement_is_shipped():
    assert set(P.MEASURES) <= set(S)


def test_h5_sits_below_the_step_at_which_rho_rises():
    r = P.thm5_monotone(S["thm5.monotone_decrease"], n=4)
    q = r["quantiles"]
    assert r["points"] + r["skipped"] == 4 and q["n"] + r["not_within_1e12"] == r["points"]
    assert q["n"] == 0 or q["min"] >= 0  # Theorem 5 (1) holds: ρ cannot rise at or below H_5


def test_rising_steps_exceed_tau5_and_lemma4_uses_at_most_its_delta():
    exit_ = P.thm5_exit(S["thm5.exit_threshold"], n=16)
    assert exit_["quantiles"]["n"] == 0 or exit_["quantiles"]["min"] >= 0  # Theorem 5 (3): rising ⇒ E > τ_5
    share = P.lemma4_delta_share(S["lemma4.logistic_loss_upper"], n=8)
    assert share["quantiles"]["n"] == 8 and share["quantiles"]["max"] <= 1


def test_markdown_lists_one_row_per_measure():
    rows = [{"statement": "x@v", "measure": "m", "points": 2, "skipped": 1, "quantiles": {"n": 0}},
            {"statement": "y@v", "measure": "failed", "points": 0, "skipped": 0, "quantiles": {"n": 0},
             "error": "E: boom"}]
    text = P.markdown(rows)
    assert "| x@v | m | 0 |" in text and "measure raised E: boom" in text


def test_tightness_reads_the_direction_of_the_reported_inequality():
    """An "upper bound" statement whose tightest pair is a lower bound (Lemma 11's norm window):
    observed 1.0156·bound with slack +0.0156 holds, tightness 1/1.0156 (the report showed 1.02)."""
    from bnverify.verify.records import tightness_of
    from bnverify.verify.statement import Verdict

    lower_pair = Verdict("holds", observed=1.0156, bound=1.0, slack=0.0156)
    upper_pair = Verdict("holds", observed=0.9, bound=1.0, slack=0.1)
    assert abs(tightness_of("upper bound", lower_pair) - 1 / 1.0156) < 1e-12
    assert abs(tightness_of("upper bound", upper_pair) - 0.9) < 1e-12
    assert abs(tightness_of("lower bound", lower_pair) - 1 / 1.0156) < 1e-12
