"""Streamed summaries and screens (bnverify.verify.screen; issue 19, decision 3).

* a lane's summaries are the recorded trajectory's (the statement's own horizon, first onset, peak over
  rising steps, edges with T_2), through refills, compaction and the scalar tail;
* **agreement**: on 1,024 Sobol draws per screened statement every example the screen clears that
  ``check()`` also decides gets holds from ``check()`` with the same slack (to ``SLACK_TOL``). CI
  checks every 8th cleared example and the 8 tightest (≈ 130 per statement); the deep version
  (``BNVERIFY_DEEP_TESTS=1``, marker ``slow``) checks all of them;
* a disagreement is an error decision naming the example; mutants screen against their own claim.
"""
import os

import numpy as np
import pytest
from scipy.stats import qmc

from bnverify.numerics.backends import FLOAT64
from bnverify.regimes.edges import rise_margin, rising_edges, settle_time, t2_at
from bnverify.verify import batch, screen
from bnverify.verify.adjudicate import run_once
from bnverify.verify import registry
from bnverify.verify.registry import load_statement
from bnverify.verify.searchers import _build_point

SCREENED = ["thm3.peak_bound@reconstructed-v1", "thm2.delayed_onset@reconstructed-v1",
            "thm2.delayed_onset@closed-form-v1", "lemma13.rising_edge_ends@reconstructed-v1",
            "thm3.duration@reconstructed-v1"]
DEEP = os.environ.get("BNVERIFY_DEEP_TESTS") == "1"


def _examples(stmt, n, seed=0):
    space = stmt.space()
    pts = qmc.Sobol(d=space.dim, scramble=True, seed=seed).random(n)
    return [_build_point(space, u)[1] for u in pts]


@pytest.mark.parametrize("key", ["thm3.peak_bound@reconstructed-v1", "thm2.delayed_onset@reconstructed-v1",
                                 "thm3.duration@reconstructed-v1"])
def test_summaries_are_the_recorded_runs(key):
    """Lanes (5 of them: refills, compaction, the scalar tail) against the scalar run cut to the
    statement's own horizon, quantity by quantity (exactly)."""
    stmt = load_statement(key)
    exs = [ex for ex in _examples(stmt, 32, seed=5) if ex is not None]
    pilot = hasattr(stmt, "bound_constants")
    rows = []
    for ex in exs:
        inst = ex.instance(FLOAT64)
        if stmt.hypotheses(inst, ex.hyper):
            continue
        hp = ex.hyper.resolve(inst)
        h = stmt.cap if pilot else stmt.horizon(inst, ex.hyper, stmt.all_constants(inst, ex.hyper))
        rows.append((ex, inst, hp, h))
    assert len(rows) >= 10
    S = screen.stream_lanes([r[1].a for r in rows], [r[1].L_star for r in rows], [r[2].alpha0 for r in rows],
                            [r[2].beta0 for r in rows], [r[2].gamma0 for r in rows], [r[2].eta for r in rows],
                            [r[2].eta_gamma for r in rows], [r[3] for r in rows],
                            pilot_margin=50 if pilot else None, edges=True, lanes=5, tail=2)
    for i, (ex, inst, hp, h) in enumerate(rows):
        _, traj = run_once(stmt, ex, FLOAT64)
        assert bool(S.finished[i]) == (traj.status == "finished")
        assert int(S.T[i]) == (traj.T if traj.status == "finished" else traj.stopped_at)
        rise = traj.rising_steps()
        assert int(S.rising[i]) == len(rise)
        assert int(S.onset[i]) == (int(rise[0]) if len(rise) else -1)
        rho = traj["rho"]
        assert S.rho_row0[i] == rho[0]
        if len(rise):
            t = int((rise + 1)[int(np.argmax(rho[rise + 1]))])
            assert S.peak_rise[i] == rho[t] and int(S.peak_rise_t[i]) == t
            assert S.onset_T2[i] == t2_at(traj, int(rise[0]))[0]
            assert S.onset_rise[i] == rise_margin(traj, int(rise[0]))  # the event margin of the first onset
        else:
            assert np.isnan(S.onset_rise[i])
        if pilot:
            st = settle_time(traj)
            assert int(S.settle[i]) == (st if st is not None else -1)
        want = [(e.onset, e.length, e.ended, t2_at(traj, e.onset)[0]) for e in rising_edges(traj)]
        assert S.edges[i] == want


@pytest.mark.parametrize("key", ["thm3.duration@reconstructed-v1", "thm2.delayed_onset@reconstructed-v1"])
def test_scalar_loop_equals_the_lanes(key):
    """All lanes vectorised (tail=0) and all in the scalar loop (tail ≥ runs): the same summaries."""
    stmt = load_statement(key)
    pilot = hasattr(stmt, "bound_constants")
    rows = []
    for ex in _examples(stmt, 64, seed=9):
        inst = ex.instance(FLOAT64) if ex is not None else None
        if inst is None or stmt.hypotheses(inst, ex.hyper):
            continue
        hp = ex.hyper.resolve(inst)
        rows.append((inst, hp, stmt.cap if pilot else stmt.horizon(inst, ex.hyper, stmt.all_constants(inst, ex.hyper))))
    args = ([r[0].a for r in rows], [r[0].L_star for r in rows], [r[1].alpha0 for r in rows],
            [r[1].beta0 for r in rows], [r[1].gamma0 for r in rows], [r[1].eta for r in rows],
            [r[1].eta_gamma for r in rows], [r[2] for r in rows])
    kw = dict(pilot_margin=50 if pilot else None, edges=True)
    vec, sca = screen.stream_lanes(*args, tail=0, **kw), screen.stream_lanes(*args, tail=len(rows), **kw)
    for name in ("finished", "T", "onset", "settle", "peak_rise", "peak_rise_t", "rho_row0", "rising",
                 "edges_overflow"):
        assert np.array_equal(getattr(vec, name), getattr(sca, name)), name
    assert np.array_equal(vec.onset_rise, sca.onset_rise, equal_nan=True)
    assert vec.onset_T2 == sca.onset_T2 and vec.edges == sca.edges


def _agreement(key, n, every, tightest=8):
    """Screen ``n`` draws, then check() (the recorded path) on every ``every``-th cleared example and the
    ``tightest`` of smallest slack; returns (cleared, checked, disagreements)."""
    stmt = load_statement(key)
    exs = _examples(stmt, n, seed=11)
    sr = screen.screen_examples(stmt, exs)
    js = sorted(sr.cleared)
    pick = set(js[::every]) | set(sorted((j for j in js if sr.cleared[j].informative),
                                         key=lambda j: sr.cleared[j].slack)[:tightest])
    pick = sorted(pick)
    ds = batch._decide_recorded(stmt, [exs[j] for j in pick], FLOAT64, False, "doubtful")
    bad = []
    for j, d in zip(pick, ds):
        ok, why = screen.agree(sr.cleared[j], d.verdicts.get("float64/reduced"))
        if not ok:
            bad.append((exs[j].short(), why))
    return len(js), len(pick), bad


@pytest.mark.parametrize("key", SCREENED)
def test_screen_agrees_with_check_on_1024_draws(key):
    cleared, checked, bad = _agreement(key, 1024, 8)
    print(f"{key}: {cleared} of 1024 cleared, {checked} checked, {len(bad)} disagreements")
    assert not bad
    assert cleared >= 64  # thm2: the first onset is exactly T_1 on ~89 % of draws (slack 0: check() and the ladder)


@pytest.mark.slow
@pytest.mark.skipif(not DEEP, reason="BNVERIFY_DEEP_TESTS=1: check() on every cleared example of 1,024")
@pytest.mark.parametrize("key", SCREENED)
def test_screen_agrees_with_check_on_every_cleared_example(key):
    cleared, checked, bad = _agreement(key, 1024, 1)
    print(f"{key}: {cleared} of 1024 cleared, all {checked} checked, {len(bad)} disagreements")
    assert checked == cleared and not bad


def test_a_disagreement_is_an_error_naming_the_example(monkeypatch):
    """A screen that clears what check() calls violated (a deliberately wrong screen) gives error
    decisions for the audited examples, naming them."""
    stmt = load_statement("thm3.peak_bound@reconstructed-v1")
    exs = [ex for ex in _examples(stmt, 8, seed=2) if ex is not None]

    def wrong(S, C):  # claims a bound of 10·observed: clears everything, with a slack check() never gives
        obs = np.where(S.rising > 0, S.peak_rise, S.rho_row0)
        return dict(eligible=np.ones(len(S), dtype=bool), observed=obs, bound=10 * obs, informative=S.rising > 0)

    monkeypatch.setattr(stmt, "screen", wrong, raising=False)
    ds = batch.decide_many(stmt, exs, audit_every=1)
    errs = [d for d in ds if d.outcome == "error"]
    assert errs and all("screen/check disagreement" in d.error for d in errs)
    assert all(d.example.short() in d.error for d in errs)


def test_mutants_screen_against_their_own_claim():
    """Every shipped mutant of a screened statement: its screen (if one applies: a tightened needle, a factor
    or ``max_rising`` attribute, ``divisor``) clears only what its own check() calls holds, with the same
    slack (that each mutant is still caught with screens on: tests/test_statements.py)."""
    mutants = [m for m in registry.shipped(mutants=True) if m.mutant_of in SCREENED]
    assert len(mutants) >= 5
    for m in mutants:
        if not screen.has_screen(m):
            continue
        exs = [ex for ex in _examples(m, 32, seed=3) if ex is not None]
        sr = screen.screen_examples(m, exs)
        js = sorted(sr.cleared)
        ds = batch._decide_recorded(m, [exs[j] for j in js], FLOAT64, False, "doubtful")
        for j, d in zip(js, ds):
            ok, why = screen.agree(sr.cleared[j], d.verdicts.get("float64/reduced"))
            assert ok, (m.short_key, exs[j].short(), why)


def test_a_screened_holds_that_phase_3_overturns_is_an_error():
    """The screen clears only holds check() agrees with; phase 3 re-deciding a cleared draw otherwise
    is a screen/check() disagreement: an error (it fails the campaign), not an 'overturned' holds."""
    from bnverify.verify.planning import Budget
    from bnverify.verify.summary import apply_certificates

    draw = dict(searcher="sweep", index=3, outcome="holds", slack=0.5, tightness=0.5, example={"x": 1},
                screened=True, by_screen=True, final={})
    plain = dict(draw, index=4, by_screen=False)
    cert = lambda i: dict(searcher="certify", of=("sweep", i), role="sample", certified=True,  # noqa: E731
                          outcome="violated", slack=-0.1, tightness=1.1, final={})
    draws, summary = apply_certificates([draw, plain, cert(3), cert(4)], Budget(sweep=2))
    assert [r["outcome"] for r in draws] == ["error", "violated"]
    assert "screen/check disagreement" in draws[0]["decision"]["error"]
    assert len(summary["overturned"]) == 2
