"""The CMA-ES hunt (issue 19, decision 4): restarts in distinct cells, the informative objective,
restarts cut at box corners, reproducible draws."""
from __future__ import annotations

import numpy as np
import pytest

from bnverify.verify import searchers
from bnverify.verify.planning import Budget, Unit, cell_of, hunt_axes, hunt_cells, informative, plan_hunt
from bnverify.verify.registry import load_statement
from bnverify.verify.space import Param, Space


@pytest.fixture(scope="module")
def peak():
    return load_statement("thm3.peak_bound@reconstructed-v1", mutant=False)


def _phase1(space, n=64, seed=0):
    """Synthetic phase-1 records: slack = u_1 (the second coordinate moves the slack), every fifth one
    uninformative (and tighter than all the others: it must never be a start)."""
    rng = np.random.default_rng(seed)
    recs = []
    for i in range(n):
        u = rng.random(space.dim)
        inf = i % 5 != 0
        recs.append(dict(searcher="sweep", index=i, u=list(u), key=[i], outcome="holds",
                         slack=float(u[1]) if inf else -1.0 + 0 * u[1], final=dict(informative=inf)))
    return recs


def _cells(space, phase1, units):
    decided = sorted((r for r in phase1 if informative(r)), key=lambda r: r["slack"])
    axes = hunt_axes(space, decided)
    _, bins = hunt_cells(axes, max(8, 2 * len(units)))
    starts = [u.x0 for u in units] + [x for u in units for x in u.restarts]
    return axes, [cell_of(x, axes, bins) for x in starts], starts, decided


@pytest.mark.parametrize("with_phase1", [True, False])
def test_restarts_are_in_distinct_cells(peak, with_phase1):
    space = peak.space()
    phase1 = _phase1(space) if with_phase1 else []
    units = plan_hunt(peak, Budget(hunt=96, hunt_restarts=3), phase1, seed=4)
    assert len(units) == 3 and all(u.restarts for u in units)
    axes, cells, starts, decided = _cells(space, phase1, units)
    assert len(set(cells)) == len(cells)  # no two starts share a cell
    if with_phase1:
        assert 1 in axes  # the coordinate that moves the slack is split
        assert units[0].x0 == tuple(decided[0]["u"])  # the tightest informative example is the first start
        informative_us = {tuple(r["u"]) for r in decided}
        uninformative_us = {tuple(r["u"]) for r in phase1 if not informative(r)}
        assert not uninformative_us & set(starts)
        assert sum(s in informative_us for s in starts) >= 3
    assert all(0 <= x <= 1 for s in starts for x in s)


def test_plan_is_seeded(peak):
    a = plan_hunt(peak, Budget(hunt=64), [], seed=1)
    assert a == plan_hunt(peak, Budget(hunt=64), [], seed=1)
    assert [u.x0 for u in a] != [u.x0 for u in plan_hunt(peak, Budget(hunt=64), [], seed=2)]


def test_objective_penalises_uninformative_verdicts():
    holds = dict(outcome="holds", slack=0.5, final=dict(informative=True))
    trivial = dict(outcome="holds", slack=1e-9, final=dict(informative=False))
    assert searchers._objective(holds) == pytest.approx(np.arcsinh(0.5))
    assert searchers._objective(dict(outcome="violated", slack=-2.0, final={})) < 0
    for rec in (trivial, dict(outcome="vacuous", slack=None), dict(outcome="undecided", slack=None),
                dict(outcome="artefact", slack=None), dict(outcome="error", slack=None)):
        assert searchers._objective(rec) >= searchers.PENALTY
    # farther from the informative points: a larger penalty (CMA-ES is pushed back toward them)
    assert searchers._objective(trivial, 0.5) > searchers._objective(trivial, 0.1) > searchers.PENALTY


# --- the hunt on a synthetic objective (decide_points replaced: no simulation) ---------------------
SPACE = Space((Param.linear("a", 0, 1), Param.linear("b", 0, 1), Param.linear("c", 0, 1)), build=lambda v: v)


class _Fake:
    key = "fake@v1"

    def space(self):
        return SPACE


def _fake_decide(slack_of, informative_at=lambda u: True):
    def decide_points(stmt, space, points, backend, searcher, indices, stop_at_first=False, certify="doubtful"):
        out = []
        for u, i in zip(points, indices):
            u = np.asarray(u, float)
            s, inf = float(slack_of(u)), bool(informative_at(u))
            out.append(dict(searcher=searcher, index=i, u=[float(x) for x in u],
                            outcome="holds" if s >= 0 else "violated", slack=s, final=dict(informative=inf)))
        return out
    return decide_points


def _hunt(monkeypatch, slack_of, informative_at=lambda u: True, n=240, x0=None, restarts=(), seed=0, informed=0):
    monkeypatch.setattr(searchers, "decide_points", _fake_decide(slack_of, informative_at))
    unit = Unit("fake@v1", "hunt", 0, n, seed, x0=x0, restarts=restarts, informed=informed)
    return searchers._hunt(_Fake(), SPACE, unit, lambda r: None)


def test_uninformative_region_is_left(monkeypatch):
    """Slack u_0 everywhere, but informative only where u_1 < 0.4: starting in the uninformative part,
    the hunt goes back to the informative one and spends most of its budget there."""
    recs = _hunt(monkeypatch, lambda u: 0.1 + u[0], lambda u: u[1] < 0.4, x0=(0.5, 0.7, 0.5))
    late = recs[len(recs) // 2:]
    assert sum(r["final"]["informative"] for r in late) > 0.7 * len(late)


def test_a_restart_at_a_corner_is_cut(monkeypatch):
    """A slack that tends to 0 only toward the corner u = 0 (never negative) must not absorb the whole
    budget: the hunt leaves it for its next starts (each a cell of its own; phase-1 examples: sigma0)."""
    restarts = ((0.9, 0.9, 0.1), (0.1, 0.9, 0.9), (0.9, 0.1, 0.9))
    recs = _hunt(monkeypatch, lambda u: 1e-3 * float(np.sum(u)), x0=(0.3, 0.3, 0.3), restarts=restarts, informed=4)
    assert len(recs) == 240
    U = np.array([r["u"] for r in recs])
    at = np.array([searchers.at_corner(u, 3) for u in U])
    assert at.mean() < 0.5
    # the budget went on to the next planned starts: points near them
    for s in restarts[:2]:
        assert np.min(np.linalg.norm(U - np.array(s), axis=1)) < 0.1


def test_the_hunt_finds_a_thin_band_beside_an_asymptotic_corner(monkeypatch):
    """Slack → 0⁺ toward the corner u_0 = u_1 = 0; a thin false band at u_0 ≈ 0.7 (width 0.04)."""
    def slack(u):
        band = abs(u[0] - 0.7) < 0.02 and u[1] > 0.5
        return -0.01 if band else 1e-4 + 0.1 * (u[0] + u[1]) ** 2

    found = 0
    for seed in range(4):
        units = plan_hunt(type("S", (), {"key": "fake@v1", "space": lambda self: SPACE})(), Budget(hunt=240), [],
                          seed=seed)
        recs = []
        for u in units:
            monkeypatch.setattr(searchers, "decide_points", _fake_decide(slack))
            recs += searchers._hunt(_Fake(), SPACE, u, lambda r: None)
        found += any(r["outcome"] == "violated" for r in recs)
    assert found >= 1


def test_same_seed_same_points(monkeypatch):
    slack = lambda u: float(np.sum((u - 0.3) ** 2))  # noqa: E731
    a = _hunt(monkeypatch, slack, n=60, seed=5)
    b = _hunt(monkeypatch, slack, n=60, seed=5)
    c = _hunt(monkeypatch, slack, n=60, seed=6)
    assert [r["u"] for r in a] == [r["u"] for r in b] and [r["index"] for r in a] == [r["index"] for r in b]
    assert [r["u"] for r in a] != [r["u"] for r in c]
    assert len({r["index"] for r in a}) == len(a)


def test_same_seed_same_points_on_a_statement(peak):
    units = plan_hunt(peak, Budget(hunt=24, hunt_restarts=2), [], seed=3)
    a = [r["u"] for u in units for r in searchers.run_unit(u, peak)]
    b = [r["u"] for u in units for r in searchers.run_unit(u, peak)]
    assert a == b and len(a) == 24


def test_a_space_of_few_cases_ends(monkeypatch):
    """Every point maps to one of two cases: the hunt decides both and ends (no endless restarts)."""
    space = Space((Param.integer("k", 0, 1), Param.integer("j", 0, 0)), build=lambda v: v)
    monkeypatch.setattr(searchers, "decide_points", _fake_decide(lambda u: 1.0))
    recs = searchers._hunt(_Fake(), space, Unit("fake@v1", "hunt", 0, 50, 0), lambda r: None)
    assert 1 <= len(recs) <= 2


def test_blind_starts_search_wider(peak, monkeypatch):
    """Starts that are phase-1 examples keep ``Unit.sigma0``; blind ones (a random point of an empty cell)
    get ``BLIND_SIGMA`` along the decisive continuous coordinates only (Theorem 3's duration needle at
    η_γ's face: 2/5 seeds found at budget 128 with every start at 0.15, 5/5 so)."""
    space = peak.space()
    phase1 = _phase1(space)
    informed = {tuple(r["u"]) for r in phase1 if informative(r)}
    for recs in (phase1, []):
        for u in plan_hunt(peak, Budget(hunt=96, hunt_restarts=3), recs, seed=4):
            starts = (u.x0,) + u.restarts
            assert u.informed == sum(s in informed for s in starts)
            assert all(s in informed for s in starts[:u.informed])
            if not recs:
                assert u.informed == 0
    wide = searchers._wide_coordinates(space)
    assert wide == [not p.inert and p.scale in ("linear", "log") for p in space.params] and any(wide)
    sigmas = []
    monkeypatch.setattr(searchers, "_hunt_restart",
                        lambda *a: sigmas.append(a[-1]) or a[5].append(dict(u=[0.5] * 3)) or False)
    unit = Unit("fake@v1", "hunt", 0, 3, 0, x0=(0.5,) * 3, restarts=((0.2,) * 3, (0.8,) * 3), informed=1)
    searchers._hunt(_Fake(), SPACE, unit, lambda r: None)
    assert sigmas == [unit.sigma0, searchers.BLIND_SIGMA, searchers.BLIND_SIGMA]
