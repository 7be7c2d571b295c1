"""Event margins (``Verdict.event_margin``): a claim between integers fixed by real-valued comparisons
(Theorem 2 (2): first onset ≤ T_1, resp. T_1^cf) whose integers are equal has slack 0, which is no
rounding doubt when the comparisons that fix the integers are far from rounding.

* the event margin of a known example (the README's: onset 99, T_1 = 129), and float64 against 50 digits;
* a slack-0 holds with a large event margin is not doubtful (``adjudicate._doubtful``), without one it is;
* a slack-0 holds with a tiny event margin (found by bisection where T_1 and T_1^cf jump) is doubtful,
  the screen does not clear it, and the ladder decides it;
* the screen clears slack-0 draws by their event margin and ``check()`` agrees (slack and event margin)
  on every one of them in 256 draws per version.
"""
import math

import numpy as np
import pytest
from scipy.stats import qmc

from bnverify.numerics.backends import FLOAT64, get_backend
from bnverify.numerics.hyper import Hyper
from bnverify.regimes.edges import relative_rise, rise_margin
from bnverify.verify import batch, screen
from bnverify.verify.adjudicate import _doubtful, decide, event_reach, run_once
from bnverify.verify.example import Example
from bnverify.verify.registry import load_statement
from bnverify.verify.searchers import _build_point
from bnverify.verify.statement import Verdict

V1 = "thm2.delayed_onset@reconstructed-v1"
CF = "thm2.delayed_onset@closed-form-v1"
README = Example.make("whitened_regression",
                      Hyper(H0=2.3, eta_gamma=0.02, gamma0_over_a=0.05, w0_norm=1.0, rho0=0.01),
                      n=12, d=3, a=1.0, seed=1)
# found by bisecting gamma_frac (u = [0.3, 0.6, 0.3, u_3, 0.5 …] of the closed form's space) to where T_1^cf
# jumps: T_1 = T_1^cf = first onset = 135, slack 0, and T_1 sits at its own jump (margin above ~1e-14)
TINY_CF = Example.from_dict({"instance": {"builder": "whitened_regression", "a": 0.1, "d": 4, "labels": "pm1",
                                          "n": 11, "seed": 1073741824},
                             "hyper": {"H0": 2.0632455532034086, "eta_gamma": 0.025118864315095798,
                                       "gamma0_over_a": 0.049386293619185506, "w0_norm": 1.0,
                                       "rho0": 9.996998949404596e-08, "init_seed": 32768}})


def _examples(stmt, n, seed):
    space = stmt.space()
    return [_build_point(space, u)[1] for u in qmc.Sobol(d=space.dim, scramble=True, seed=seed).random(n)]


@pytest.mark.parametrize("key, want", [(V1, 9.507234879345701e-05), (CF, 4.083601808615381e-04)])
def test_event_margin_of_a_known_example(key, want):
    stmt = load_statement(key)
    v, traj = run_once(stmt, README, FLOAT64)
    assert v.status == "holds" and (v.observed, v.bound) == (99.0, 129.0)
    c = stmt.all_constants(README.instance(FLOAT64), README.hyper)
    rise = rise_margin(traj, 99)
    assert rise == pytest.approx(1 - traj["rho"][99] / traj["rho"][100], rel=1e-12) and rise > 0
    parts = [rise, c["T1_margin_below"]] if key == V1 else [rise, c["T1_cf_margin_below"], c["T1_margin_above"]]
    assert v.event_margin == min(parts)
    assert v.event_margin == pytest.approx(want, rel=1e-9)
    # the margin in float64 against 50 digits: within 64·T·eps (the reach adjudicate.event_reach demands)
    w, _ = run_once(stmt, README, get_backend(50))
    assert w.observed == v.observed and w.bound == v.bound
    assert abs(w.event_margin - v.event_margin) <= 64 * v.horizon * 2.0 ** -52


def test_relative_rise_floats_and_arrays_agree():
    r1, k1, r0, k0 = 0.75, -600, 1.5 * 2.0 ** -601, 0
    x = math.ldexp(r1, -600)
    assert relative_rise(r1, k1, r0, k0) == (x - r0) / x
    arr = relative_rise(np.array([r1, 2.0, 1.0, 0.0]), np.array([k1, 0, 0, 0]), np.array([r0, 1.0, 0.0, 1.0]),
                        np.array([k0, 0, 0, 0]))
    assert arr[0] == relative_rise(r1, k1, r0, k0) and arr[1] == 0.5 and arr[2] == 1.0 and arr[3] == -math.inf
    assert relative_rise(1.0, 0, 0.0, 0) == 1.0 and relative_rise(0.0, 0, 1.0, 0) == -math.inf


def _v(slack=0.0, em=None, horizon=200, backend="float64"):
    return Verdict("holds", witness=5, observed=5.0, bound=5.0, slack=slack, backend=backend, horizon=horizon,
                   event_margin=em)


def test_slack_zero_with_a_large_event_margin_is_not_doubtful():
    stmt = load_statement(V1)
    assert _doubtful(stmt, _v())  # no event margin: today's behaviour
    assert not _doubtful(stmt, _v(em=1e-3))
    assert not _doubtful(stmt, _v(em=math.inf))
    assert event_reach(stmt, _v(em=1e-3)) == stmt.rounding_reach
    # a real draw: slack 0, event margin beyond reach
    for ex in _examples(stmt, 64, seed=11):
        if ex is None:
            continue
        v, _ = run_once(stmt, ex, FLOAT64)
        if v.status == "holds" and v.slack == 0 and v.event_margin >= 1e-6:
            break
    else:
        pytest.fail("no slack-0 draw with an event margin >= 1e-6 in 64 draws")
    assert not _doubtful(stmt, v)
    v.event_margin = None
    assert _doubtful(stmt, v)


def test_slack_zero_with_a_tiny_event_margin_is_doubtful():
    stmt = load_statement(V1)
    assert _doubtful(stmt, _v(em=1e-12))
    assert _doubtful(stmt, _v(em=float("nan")))
    assert _doubtful(stmt, _v(em=-1e-3))
    # a long run: the reach grows like 64·T·eps past the rounding reach
    assert _doubtful(stmt, _v(em=2e-8, horizon=10**7)) and not _doubtful(stmt, _v(em=2e-8, horizon=10**4))
    # a real one: the closed form at the jump of T_1 and T_1^cf
    cf = load_statement(CF)
    v, _ = run_once(cf, TINY_CF, FLOAT64)
    assert v.status == "holds" and v.slack == 0 and v.observed == 135
    assert 0 < v.event_margin < 1e-12
    assert _doubtful(cf, v)
    assert not screen.screen_examples(cf, [TINY_CF]).cleared
    d = decide(cf, TINY_CF, certify="doubtful")
    assert len(d.verdicts) > 1 and not d.screened and d.outcome == "holds", d.to_dict()


@pytest.mark.parametrize("key", [V1, CF])
def test_screen_clears_by_event_margin_and_check_agrees_on_256_draws(key):
    """Every example the screen clears with slack 0 (by its event margin), and the first 32 others, are
    decided by check() too: holds, the same slack and the same event margin (the audit's ``agree``)."""
    stmt = load_statement(key)
    exs = _examples(stmt, 256, seed=3)
    sr = screen.screen_examples(stmt, exs)
    by_event = sorted(j for j, v in sr.cleared.items() if v.slack == 0)
    others = sorted(j for j, v in sr.cleared.items() if v.slack != 0)[:32]
    assert len(by_event) >= 100, len(by_event)
    pick = by_event + others
    ds = batch._decide_recorded(stmt, [exs[j] for j in pick], FLOAT64, False, "doubtful")
    bad = []
    for j, d in zip(pick, ds):
        cv = d.verdicts.get("float64/reduced")
        ok, why = screen.agree(sr.cleared[j], cv)
        if not ok:
            bad.append((exs[j].short(), why))
        elif j in by_event:
            assert cv.event_margin == sr.cleared[j].event_margin and not _doubtful(stmt, cv)
    assert not bad, bad[:5]


def test_verdict_records_the_event_margin_only_where_computed():
    assert "event_margin" not in _v().to_dict()
    v = _v(em=np.float64(2.5e-3))
    d = v.to_dict()
    assert d["event_margin"] == 2.5e-3 and type(d["event_margin"]) is float
    assert Verdict.from_dict(d).event_margin == 2.5e-3


def test_an_event_margin_disagreement_is_a_disagreement():
    ok, why = screen.agree(_v(em=1e-3), _v(em=2e-3))
    assert not ok and "event margin" in why
    assert screen.agree(_v(em=1e-3), _v(em=1e-3))[0]
    assert not screen.agree(_v(em=1e-3), _v())[0]


def _t1_scan_loop(s, bk):
    """``edges.t1_scan``'s loop (the generic path), for float64 states."""
    from bnverify.regimes.whitened import tau

    H0, c0, s0, q = s["H0"], s["c0"], s["s0"], s["q"]
    g0 = s["gamma0"] / s["a"]
    tau0 = tau(s["rho0"], bk)
    lin = tau0 * H0 * H0 * s0 * s0
    qt = q ** 0
    for t in range(10**7 + 1):
        if H0 * (c0 - qt * (c0 - g0)) - tau0 - t * lin > 0:
            return t
        if H0 * qt * (1 - q) * (c0 - g0) - lin <= 0:
            return None
        qt = qt * q


def test_the_vectorised_float64_t1_scan_is_the_loop():
    """The float64 fast path of t1_scan stops where the loop stops, on 512 draws of the space (T_1 finite
    and infinite, up to tens of thousands of steps)."""
    from bnverify.regimes.edges import t1_scan
    from bnverify.regimes.whitened import initial_state

    stmt = load_statement(V1)
    seen = set()
    for ex in _examples(stmt, 512, seed=5):
        if ex is None:
            continue
        s = initial_state(ex.instance(FLOAT64), ex.hyper)
        if not (s["gamma0"] / s["a"] <= s["c0"]):
            continue
        want = _t1_scan_loop(s, FLOAT64)
        assert t1_scan(s, FLOAT64) == want
        seen.add(want is None or want > 256)
    assert seen == {True, False}
