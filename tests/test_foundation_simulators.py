"""Foundation: the simulators (simulate.py) and the trajectory record (trajectory.py).

* Full d-dimensional GD and the reduced 3-variable recurrence of Lemma 7 (e) agree at 50 digits
  to ≤ 1e-35 relative over 500 steps (every recorded column, every step) on runs whose ρ stays
  far above the 50-digit rounding floor — including runs with long rising edges.
* The floor law, documented and asserted: full GD computes β = ‖w − αe‖ with an absolute error
  ~eps·‖w‖, and β is then carried multiplicatively (a rising edge amplifies β and its error
  alike), so the relative disagreement at step t is ≤ C·eps / min_{s≤t} ρ_s. With eps = 1e-49
  (50 digits) agreement to 1e-35 needs ρ ≳ 1e-14 along the way, and agreement to ~10 digits
  needs ρ ≳ 1e-(dps−10). On the THEORY.md §9 run (ρ falls to 2e-38) 50-digit full GD agrees with
  the exact recurrence only to ~2e-13 at step 500, 60 digits to ~4e-24; in float64 the two
  agree to 1e-6 until ρ ≈ 5e-11 (step 22) and are unrelated (relative error > 1e-2) from
  ρ ≈ 3e-16 (step 26) on.
* simulate_reduced_batch (float64, vectorised) reproduces simulate_reduced bit for bit (onset,
  peak time, peak ρ, rising-step count, first fall after onset, final state).
* Divergence is a recorded status (``diverged`` with ``stopped_at``), never an exception — not
  even a RuntimeWarning escalated by ``-W error``.
"""
import pickle
import warnings

import numpy as np
import pytest

from bnverify import (Hyper, active_margin_logistic, get_backend, separable_logistic, simulate,
                      simulate_reduced, simulate_reduced_batch, whitened_regression)
from bnverify.numerics.trajectory import COLUMNS

SECTION9 = Hyper(H0=2.3, eta_gamma=0.02, gamma0_over_a=0.05, w0_norm=1.0, rho0=0.01)

# runs whose ρ stays ≥ 5e-8 over 500 steps (min ρ of the exact run in the comment)
ABOVE_FLOOR = {
    # onset 123, min 7e-6
    "H2.2-delayed-spike": Hyper(H0=2.2, eta_gamma=0.01, gamma0_over_a=0.9, w0_norm=1.0, rho0=0.05),
    # onset 17, 204 rising steps, min 5e-8
    "H2.05-long-rise": Hyper(H0=2.05, eta_gamma=0.2, gamma0_over_a=0.05, w0_norm=1.0, rho0=0.05),
    "H2.05-no-rise": Hyper(H0=2.05, eta_gamma=0.05, gamma0_over_a=0.9, w0_norm=1.0, rho0=0.05),  # η_eff → 2, min 8e-6
    "H0.01-slow-fall": Hyper(H0=0.01, eta_gamma=0.05, gamma0_over_a=0.3, w0_norm=1.0, rho0=0.3),  # min 2e-3
}
AGREE_COLS = ("loss", "excess", "alpha", "beta", "rho", "cos", "gamma", "wnorm", "eta_eff", "grad_w_norm")


def _inst(bk="float64"):
    return whitened_regression(12, 3, seed=1, backend=bk)


def _rel(x, y):
    """Elementwise |x − y|/|y| (0 where both are 0)."""
    return np.array([abs(a - b) / abs(b) if b != 0 else abs(a) for a, b in zip(x, y)], dtype=object)


# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("run", ABOVE_FLOOR)
def test_full_gd_matches_reduced_recurrence_at_50_digits(run):
    inst = _inst(get_backend("mpmath"))
    hyper = ABOVE_FLOOR[run]
    full = simulate(inst, hyper, horizon=500)
    red = simulate_reduced(inst, hyper, horizon=500)
    assert full.status == red.status == "finished" and len(full) == len(red) == 501
    assert min(red["rho"]) > 1e-8  # the premise: far above the floor all along
    for col in AGREE_COLS:
        worst = max(_rel(full[col], red[col]))
        assert worst <= 1e-35, (run, col, float(worst))
    assert np.array_equal(full["edge"], red["edge"])
    # ∂L/∂γ crosses 0: compare against the scale |γ| + a instead
    gg = max(abs(x - y) / (abs(g) + inst.a) for x, y, g in zip(full["grad_gamma"], red["grad_gamma"], red["gamma"]))
    assert gg <= 1e-35, (run, float(gg))
    if run != "H0.01-slow-fall":
        assert full.first_onset() is not None or run == "H2.05-no-rise"


def test_section9_run_floor_law_at_50_and_60_digits():
    """Full GD at 50 and 60 digits against the exact recurrence (100 digits) on the §9 run:
    disagreement ≤ eps/min_{s≤t} ρ_s at every step (C = 1; observed ≤ 0.05), and it really does
    reach the floor: ≥ 1e-20 at step 500 for 50 digits, ~10 digits better at 60 digits."""
    inst = _inst()
    exact = simulate_reduced(inst, SECTION9, horizon=500, backend=100)
    rmin = np.minimum.accumulate(exact.floats("rho"))
    assert rmin[-1] < 1e-37  # the premise: ρ falls to ~2e-38
    finals = {}
    for dps in (50, 60):
        bk = get_backend(dps)
        full = simulate(inst, SECTION9, horizon=500, backend=bk)
        up = get_backend(100).asarray(full["rho"])
        rel = np.array([float(v) for v in _rel(up, exact["rho"])])
        assert np.all(rel <= bk.eps / rmin), (dps, float(np.max(rel * rmin / bk.eps)))
        # agreement to 1e-35 as long as ρ has stayed above ~1e-14
        ok = rmin >= 1e-14 * 10 ** (dps - 50)
        assert ok[:10].all() and np.all(rel[ok] <= 1e-35 * 10 ** (50 - dps))
        # the onset and the peak time are still right: the floor perturbs ρ, not the dynamics
        assert full.first_onset() == exact.first_onset() == 99
        assert int(np.argmax(full.floats("rho"))) == int(np.argmax(exact.floats("rho"))) == 470
        finals[dps] = rel[-1]
    assert finals[50] >= 1e-20, "50-digit full GD should show its floor on this run"
    assert finals[60] <= finals[50] * 1e-8


def test_float64_full_gd_agrees_until_the_float64_floor():
    inst = _inst()
    exact = simulate_reduced(inst, SECTION9, horizon=500, backend=100)
    rho_x = exact.floats("rho")
    rmin = np.minimum.accumulate(rho_x)
    full = simulate(inst, SECTION9, horizon=500)
    rel = np.abs(full.floats("rho") - rho_x) / rho_x
    eps = full.backend.eps
    resolved = 64 * eps / rmin < 1  # the law below is only meaningful while the error is < 1
    assert np.all(rel[resolved] <= 64 * eps / rmin[resolved])
    first_bad = int(np.flatnonzero(rel > 1e-6)[0])
    assert rmin[first_bad] < 1e-9 and rmin[first_bad - 1] > 1e-11  # ~1e-10 at step 22
    lost = int(np.flatnonzero(rel > 1e-2)[0])
    assert 1e-17 < rmin[lost] < 1e-15  # unrelated from ρ ≈ 1e-16 on (step 26)
    assert rel[lost:300].min() > 1e-2
    # the float64 reduced recurrence has no such floor: it tracks the exact one throughout
    red64 = simulate_reduced(inst, SECTION9, horizon=500)
    assert np.max(np.abs(red64.floats("rho") - rho_x) / rho_x) < 1e-9


# ------------------------------------------------------------------------------------------------
BATCH_SETTINGS = [
    ("whitened12", Hyper(H0=2.3, eta_gamma=0.02, gamma0_over_a=0.05, w0_norm=1.0, rho0=0.01)),
    ("whitened12", Hyper(H0=3.0, eta_gamma=0.5, gamma0_over_a=0.9, w0_norm=1.0, rho0=0.05)),
    ("whitened12", Hyper(H0=1.5, eta_gamma=0.5, gamma0_over_a=0.5, w0_norm=2.0, rho0=0.1)),
    ("whitened12", Hyper(H0=8.0, eta_gamma=1.0, gamma0_over_a=1.0, w0_norm=0.3, rho0=0.5)),
    ("whitened30", Hyper(H0=2.05, eta_gamma=0.2, gamma0_over_a=0.05, w0_norm=1.0, rho0=0.05)),
    ("whitened30", Hyper(H0=2.2, eta_gamma=0.01, gamma0_over_a=0.9, w0_norm=3.0, rho0=0.05)),
    ("whitened30", Hyper(H0=5.0, eta_gamma=0.0, gamma0_over_a=0.7, w0_norm=1.0, rho0=0.2)),
]


def test_batch_reduced_matches_scalar_reduced():
    insts = {"whitened12": _inst(), "whitened30": whitened_regression(30, 6, a=2.0, seed=2)}
    horizon = 600
    scal, init = [], []
    for key, hyper in BATCH_SETTINGS:
        inst = insts[key]
        tr = simulate_reduced(inst, hyper, horizon=horizon)
        hp = hyper.resolve(inst)
        al = hp.w0 @ inst.e
        perp = hp.w0 - al * inst.e
        init.append((inst.a, al, np.sqrt(perp @ perp), hp.gamma0, hp.eta, hp.eta_gamma))
        scal.append(tr)
    cols = [np.array(c) for c in zip(*init)]
    summ = simulate_reduced_batch(*cols, horizon=horizon)
    onsets = []
    for i, tr in enumerate(scal):
        rho = tr["rho"]
        onset = tr.first_onset()
        assert summ.onset[i] == (-1 if onset is None else onset), i
        assert summ.peak_t[i] == int(np.argmax(rho)), i
        assert summ.peak_rho[i] == rho.max(), i  # bit for bit: one implementation of the step
        assert summ.rising_steps[i] == len(tr.rising_steps()), i
        if onset is not None:
            falls = [t for t in range(onset + 1, tr.T) if tr["edge"][t] != 1]
            assert summ.first_fall_after_onset[i] == (falls[0] if falls else -1), i
        # the record recomputes η_eff from ‖w‖ = sqrt(N²): equal up to a few ulps
        assert abs(summ.max_eta_eff[i] - tr["eta_eff"][:-1].max()) <= 4 * 2.0 ** -53 * summ.max_eta_eff[i], i
        assert summ.alpha[i] == tr["alpha"][-1] and abs(summ.beta[i]) == tr["beta"][-1]
        assert summ.gamma[i] == tr["gamma"][-1] and not summ.diverged[i]
        onsets.append(onset)
    assert sum(o is not None for o in onsets) >= 4 and any(o is None for o in onsets)
    df = summ.to_pandas()
    assert len(df) == len(BATCH_SETTINGS)


def test_batch_reduced_matches_scalar_on_random_settings():
    """40 random settings, ρ_0 up to 2 (α_0 > 0 always), η_γ up to 1.5, H_0 up to 6."""
    inst = _inst()
    rng = np.random.default_rng(7)
    trs, init = [], []
    for _ in range(40):
        hyper = Hyper(H0=float(rng.uniform(0.5, 6)), eta_gamma=float(rng.uniform(0, 1.5)),
                      gamma0_over_a=float(rng.uniform(0.02, 1.2)), w0_norm=float(rng.uniform(0.2, 3)),
                      rho0=float(rng.uniform(0, 2)), init_seed=int(rng.integers(100)))
        tr = simulate_reduced(inst, hyper, horizon=300)
        if tr.status != "finished":
            continue
        hp = hyper.resolve(inst)
        al = hp.w0 @ inst.e
        perp = hp.w0 - al * inst.e
        init.append((inst.a, al, np.sqrt(perp @ perp), hp.gamma0, hp.eta, hp.eta_gamma))
        trs.append(tr)
    assert len(trs) >= 30
    summ = simulate_reduced_batch(*(np.array(c) for c in zip(*init)), horizon=300)
    for i, tr in enumerate(trs):
        onset = tr.first_onset()
        assert summ.onset[i] == (-1 if onset is None else onset), i
        assert summ.peak_t[i] == int(np.argmax(tr["rho"])) and summ.peak_rho[i] == tr["rho"].max(), i
        assert summ.rising_steps[i] == len(tr.rising_steps()), i
        if onset is not None:
            falls = [t for t in range(onset + 1, tr.T) if tr["edge"][t] != 1]
            assert summ.first_fall_after_onset[i] == (falls[0] if falls else -1), i
        else:
            assert summ.first_fall_after_onset[i] == -1


def test_batch_broadcasts_and_flags_divergence():
    s = simulate_reduced_batch(1.0, 0.99, 0.1, [0.5, 0.5], [1.0, 1.0], [0.5, 1e3], horizon=200)
    assert s.onset.shape == (2,)
    assert not s.diverged[0] and s.diverged[1]


# ------------------------------------------------------------------------------------------------
DIVERGING = {
    # |1 − η_γ| = 999: γ grows ×999 per step and passes 1e300 at step 51
    "square/eta_gamma": (lambda bk: _inst(bk),
                         Hyper(H0=1.0, eta_gamma=1e3, gamma0_over_a=0.5, w0_norm=1.0, rho0=0.1), 51),
    # η‖∇_w L‖ ~ 1e200 · 1e100: ‖w_1‖² overflows at once
    "square/huge-eta-tiny-w0": (lambda bk: _inst(bk),
                                Hyper(eta=1e200, eta_gamma=0.1, gamma0_over_a=0.5, w0_norm=1e-100, rho0=0.1), 1),
    "logistic/huge-eta-tiny-w0": (lambda bk: active_margin_logistic(6, 10, seed=0, backend=bk),
                                  Hyper(eta=1e200, eta_gamma=0.1, gamma0=1.0, w0_norm=1e-100, rho0=0.3), 1),
    "logistic/eta_gamma": (lambda bk: separable_logistic(20, 5, seed=4, backend=bk),
                           Hyper(eta=1.0, eta_gamma=1e305, gamma0=1.0, w0_norm=1.0, rho0=0.3), 1),
}


@pytest.mark.parametrize("spec", ["float64", "mpmath"])
@pytest.mark.parametrize("case", DIVERGING)
def test_divergence_is_a_status_not_an_exception(case, spec):
    build, hyper, step = DIVERGING[case]
    inst = build(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even a RuntimeWarning may escape
        tr = simulate(inst, hyper, horizon=300)
    assert tr.status == "diverged" and tr.diverged
    assert tr.stopped_at == step and len(tr) == step  # rows before the bad step are kept
    assert "non-finite" in tr.reason
    bk = tr.backend
    for col in ("loss", "gamma", "wnorm"):
        assert bk.isfinite(tr[col]) and all(abs(v) <= 1e300 for v in tr[col])
    if inst.whitened:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            red = simulate_reduced(inst, hyper, horizon=300)
        assert red.status == "diverged" and red.stopped_at == step


def test_large_but_finite_run_is_not_divergence():
    # ‖w‖ grows to ~5e58 and γ stays bounded: large numbers are not divergence
    tr = simulate(_inst(), Hyper(eta=1e30, eta_gamma=0.1, gamma0_over_a=0.5, w0_norm=1e-30, rho0=0.1), horizon=300)
    assert tr.status == "finished" and tr.stopped_at is None and tr.T == 300
    assert tr.floats("wnorm")[-1] > 1e50


# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", ["float64", "mpmath"])
def test_trajectory_record(spec):
    inst = _inst(spec)
    tr = simulate(inst, SECTION9, horizon=40)
    assert tr.status == "finished" and tr.T == 40 and tr.horizon == 40 and tr.source == "full"
    assert set(COLUMNS) <= set(tr.columns)
    assert list(tr["t"]) == list(range(41))
    assert tr["edge"][-1] == 0  # the last row has no successor
    r = tr["rho"]
    for t in range(40):
        assert tr["edge"][t] == (1 if r[t + 1] > r[t] else -1 if r[t + 1] < r[t] else 0)
    # derived columns are computed on first access but behave as plain columns
    assert "tau" in tr.columns and "nope" not in tr.columns and tr.columns.get("nope") is None
    assert len(tr.columns) == len(set(tr.columns)) >= len(COLUMNS)
    if spec == "float64":  # (mpf numbers of a private mpmath context do not pickle at all)
        clone = pickle.loads(pickle.dumps(tr.columns))
        assert set(clone) == set(tr.columns) and all(np.array_equal(clone[k], tr[k]) for k in COLUMNS)
    df = tr.to_pandas()
    assert len(df) == 41 and df.attrs["status"] == "finished" and df["rho"].dtype == np.float64
    assert tr.rho_floor == 64 * 3 * tr.backend.eps
    # reduced recurrence: float64 leaves only the subnormal range of β unresolved; mpmath has no floor
    assert simulate_reduced(inst, SECTION9, horizon=5).rho_floor == (1e-290 if spec == 'float64' else 0.0)
    # horizon 0: just the initial state; ρ_0 as asked
    tr0 = simulate(inst, SECTION9, horizon=0)
    assert len(tr0) == 1 and abs(tr0["rho"][0] - tr.backend.scalar(0.01)) <= 64 * tr.backend.eps


def test_stop_rule_and_eta_gamma_zero():
    inst = _inst()
    tr = simulate(inst, SECTION9, horizon=100, stop=lambda t, row: t == 7)
    assert tr.status == "stopped" and tr.stopped_at == 7 and len(tr) == 8
    frozen = simulate(inst, Hyper(H0=1.0, eta_gamma=0.0, gamma0_over_a=0.4, w0_norm=1.0, rho0=0.2), horizon=50)
    assert frozen.status == "finished" and np.all(frozen["gamma"] == frozen["gamma"][0])


def test_reduced_needs_whitened_square_loss():
    with pytest.raises(ValueError, match="instance"):
        simulate_reduced(active_margin_logistic(6, 10, seed=0), SECTION9, horizon=5)


@pytest.mark.parametrize("spec", ["float64", "mpmath"])
def test_is_bad_rule(spec):
    """Divergence rule: non-finite or |v| > 1e300, for scalars and arrays, in every backend."""
    from bnverify.numerics.trajectory import is_bad
    bk = get_backend(spec)
    inf, nan = bk.inf, bk.nan
    s = bk.scalar
    good = [s(0), s(-1.5), s(1e300), s(-1e300), s("1e-300")]
    bad = [inf, -inf, nan, s("1.0000001e300"), s("-2e300")]
    for v in good:
        assert not is_bad(bk, v), v
    for v in bad:
        assert is_bad(bk, v) and is_bad(bk, s(1), v), v
    arr = bk.asarray(np.array([1.0, -2.0, 1e300]))
    assert not is_bad(bk, arr, s(3))
    for v in bad:
        a2 = arr.copy()
        a2[1] = v
        assert is_bad(bk, a2), v
