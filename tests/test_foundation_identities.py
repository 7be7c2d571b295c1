"""Foundation: the [exact] identities of THEORY.md §2 and §4 along real GD trajectories.

* Lemma 12 (scale invariance): ⟨∇_w L, w_t⟩ = 0 and ‖w_{t+1}‖² = ‖w_t‖² + η²‖∇_w L(w_t)‖², for
  square and logistic loss, whitened and non-whitened data, float64 and mpmath (50 digits).
* Lemma 1: L − L* = ½(γ − a cos θ)² + ½a² sin²θ = ½‖γ w/‖w‖ − w*‖² (whitened square loss).
* Lemma 7 (a)–(d) between consecutive states of full d-dimensional GD on whitened instances,
  and the rising-edge criterion ρ_{t+1} > ρ_t ⟺ η_eff,t > τ(ρ_t) at 50 digits.

Tolerances are K = 256 units of roundoff (bk.eps: 2⁻⁵³ in float64; 10^(1−dps) = 1e-49 at 50
digits, which is ~37 times mpmath's own 2⁻¹⁶⁸ ≈ 2.7e-51, so K·eps ≤ 2.6e-47 there) *of the
magnitudes involved*, never of the possibly tiny difference itself:
‖w_{t+1}‖ for α and β (β = ‖w − αe‖ carries an absolute error ~eps·‖w‖, the rounding floor of
THEORY.md §9), ‖w‖/α for ρ, ‖w‖² for the norm identity, |L| + |L*| for Lemma 1 (L* may dominate
L − L*), |γ| + a for γ. Observed maxima: ≤ 50 ulps in float64, ≤ 0.4 ulps at 50 digits.
Lemma 12's inner product is held to 64·(n+d) ulps of (|γ|/‖w‖_Σ)‖X‖_F(‖r‖ + |uᵀr|‖u‖/n)·‖w‖:
the gradient is built from products of X with vectors of that size, which cancel more and more as
GD converges (relative to ‖∇_w L‖‖w‖ itself the inner product reaches ~1e-11 in float64 once
‖∇_w L‖ ~ 1e-7).
"""
import numpy as np
import pytest

from bnverify import (Hyper, active_margin_logistic, evaluate, hilbert_section6, separable_logistic,
                      simulate, tau, whitened_regression)

K = 256

WHITENED_RUNS = {
    # the THEORY.md §9 run: long falling edge, delayed spike
    "H2.3-delayed": Hyper(H0=2.3, eta_gamma=0.02, gamma0_over_a=0.05, w0_norm=1.0, rho0=0.01),
    "H3-fast": Hyper(H0=3.0, eta_gamma=0.5, gamma0_over_a=0.9, w0_norm=1.0, rho0=0.05),
    "H1.5-falling": Hyper(H0=1.5, eta_gamma=0.5, gamma0_over_a=0.5, w0_norm=2.0, rho0=0.1),
    "H8-flip": Hyper(H0=8.0, eta_gamma=1.0, gamma0_over_a=1.0, w0_norm=0.3, rho0=0.5),
}
BACKENDS = ["float64", "mpmath"]
HORIZON = {"float64": 400, "mpmath": 250}


def _whitened(bk, big=False):
    return whitened_regression(30, 6, seed=2, backend=bk) if big else whitened_regression(12, 3, seed=1, backend=bk)


def _max_ratio(err, scale, bk):
    """max over t of err/(eps·scale), as a float (for messages)."""
    r = np.asarray(err, dtype=bk.dtype) / (bk.eps * np.asarray(scale, dtype=bk.dtype))
    return float(max(bk.to_float(r)))


# ------------------------------------------------------------------------------------------------
LEMMA12_CASES = {
    "square/whitened": (lambda bk: _whitened(bk), WHITENED_RUNS["H3-fast"]),
    "square/hilbert": (lambda bk: hilbert_section6(6, 9, seed=0, backend=bk),
                       Hyper(eta=0.5, eta_gamma=0.3, gamma0=0.5, w0_norm=1.0, rho0=0.5)),
    "logistic/active": (lambda bk: active_margin_logistic(6, 10, seed=0, backend=bk),
                        Hyper(eta=4.0, eta_gamma=0.2, gamma0=1.0, w0_norm=1.0, rho0=0.3)),
    "logistic/separable": (lambda bk: separable_logistic(20, 5, seed=4, backend=bk),
                           Hyper(eta=2.0, eta_gamma=0.5, gamma0=2.0, w0_norm=0.5, rho0=0.8)),
}


@pytest.mark.parametrize("spec", BACKENDS)
@pytest.mark.parametrize("case", LEMMA12_CASES)
def test_lemma12_along_trajectories(case, spec):
    build, hyper = LEMMA12_CASES[case]
    inst = build(spec)
    bk = inst.backend
    horizon = 150 if spec == "float64" else 60
    tr = simulate(inst, hyper, horizon=horizon, record_w=True)
    assert tr.status == "finished" and tr.T == horizon
    eta = hyper.resolve(inst).eta  # the resolved step (exact in the backend), not the float
    W = tr["w"]
    assert W.shape == (horizon + 1, inst.d)
    wn2 = [W[t] @ W[t] for t in range(horizon + 1)]
    # the recorded norm column is the norm of the recorded iterate
    assert all(abs(tr["wnorm"][t] ** 2 - wn2[t]) <= K * bk.eps * wn2[t] for t in range(horizon + 1))
    growth = 0
    XF = bk.norm(inst.X.ravel())
    for t in range(horizon):
        ev = evaluate(inst.X, inst.y, W[t], tr["gamma"][t], inst.loss, bk)
        g = ev.grad_w
        gn2 = g @ g
        # ∇_w L = (γ/s)(Xᵀr − (uᵀr)Xᵀu/n) is made of products X·(vector) that cancel ever more
        # as GD converges (‖∇_w L‖ → 0; for square loss r is then nearly ⊥ range(X)); the
        # rounding scale is the size of the factors, not ‖∇_w L‖
        terms = abs(tr["gamma"][t]) / ev.norm_sigma * XF * (bk.norm(ev.r) + abs(ev.u @ ev.r) * bk.norm(ev.u) / inst.n)
        assert abs(g @ W[t]) <= 64 * (inst.n + inst.d) * bk.eps * terms * bk.sqrt(wn2[t]), (case, t)
        lhs, rhs = wn2[t + 1], wn2[t] + eta * eta * gn2
        assert abs(lhs - rhs) <= K * bk.eps * lhs, (case, t, _max_ratio(abs(lhs - rhs), lhs, bk))
        assert wn2[t + 1] >= wn2[t] * (1 - K * bk.eps)  # the norm never decreases
        growth += float(eta * eta * gn2 / wn2[t])
    assert growth > 1e-6, "degenerate run: the norm identity was never exercised"


# ------------------------------------------------------------------------------------------------
def _whitened_run(spec, run, big=False):
    inst = _whitened(spec, big)
    tr = simulate(inst, WHITENED_RUNS[run], horizon=HORIZON[spec], record_w=big)
    assert tr.status == "finished"
    return inst, tr


@pytest.mark.parametrize("spec", BACKENDS)
@pytest.mark.parametrize("run", WHITENED_RUNS)
def test_lemma1_along_trajectories(run, spec):
    inst, tr = _whitened_run(spec, run)
    bk = inst.backend
    a, Ls = inst.a, inst.L_star
    assert abs(inst.L_star - bk.scalar(0.1) ** 2 / 2) <= K * bk.eps  # residual = 0.1 by construction
    c = tr["cos"]
    s = tr["beta"] / tr["wnorm"]
    rhs = (tr["gamma"] - a * c) ** 2 / 2 + a * a * s * s / 2
    err = np.abs(tr["excess"] - rhs)
    scale = np.abs(tr["loss"]) + abs(Ls)
    assert all(err <= K * bk.eps * scale), _max_ratio(err, scale, bk)
    assert np.all(tr["excess"] >= -K * bk.eps * scale)


@pytest.mark.parametrize("spec", BACKENDS)
def test_lemma1_vector_form(spec):
    """L − L* = ½‖γ w/‖w‖ − w*‖² on the iterates themselves (d = 6)."""
    inst, tr = _whitened_run(spec, "H2.3-delayed", big=True)
    bk = inst.backend
    for t in range(0, tr.T + 1, 7):
        w = tr["w"][t]
        v = tr["gamma"][t] * w / bk.norm(w) - inst.w_ref
        err = abs(tr["excess"][t] - (v @ v) / 2)
        assert err <= K * bk.eps * (abs(tr["loss"][t]) + abs(inst.L_star)), t


def _lemma7(inst, tr, hyper):
    bk = inst.backend
    eg = hyper.resolve(inst).eta_gamma
    al, be, ga, wn, ee, c, rho = (tr[k] for k in ("alpha", "beta", "gamma", "wnorm", "eta_eff", "cos", "rho"))
    s = be / wn
    cur, nxt = slice(0, -1), slice(1, None)
    return bk, dict(
        a=(np.abs(al[nxt] - (al[cur] + ee[cur] * s[cur] * be[cur])), wn[nxt]),
        b=(np.abs(be[nxt] - be[cur] * np.abs(1 - ee[cur] * c[cur])), wn[nxt]),
        gamma=(np.abs(ga[nxt] - ((1 - eg) * ga[cur] + eg * inst.a * c[cur])), np.abs(ga[nxt]) + inst.a),
        c=(np.abs(wn[nxt] ** 2 - wn[cur] ** 2 * (1 + ee[cur] ** 2 * s[cur] ** 2)), wn[nxt] ** 2),
        d=(np.abs(rho[nxt] - rho[cur] * c[cur] * np.abs(1 - ee[cur] * c[cur]) / (c[cur] + ee[cur] * s[cur] ** 2)),
           (1 + rho[nxt]) * wn[nxt] / al[nxt]),
    )


@pytest.mark.parametrize("spec", BACKENDS)
@pytest.mark.parametrize("run", WHITENED_RUNS)
def test_lemma7_abcd_along_full_gd(run, spec):
    inst, tr = _whitened_run(spec, run)
    assert np.all(tr["alpha"] > 0)  # ρ is defined along the whole run
    bk, checks = _lemma7(inst, tr, WHITENED_RUNS[run])
    for name, (err, scale) in checks.items():
        assert all(err <= K * bk.eps * scale), (run, name, _max_ratio(err, scale, bk))


def test_lemma7_on_a_larger_instance_mpmath():
    inst, tr = _whitened_run("mpmath", "H2.3-delayed", big=True)
    bk, checks = _lemma7(inst, tr, WHITENED_RUNS["H2.3-delayed"])
    for name, (err, scale) in checks.items():
        assert all(err <= K * bk.eps * scale), (name, _max_ratio(err, scale, bk))


def test_lemma7_flip_is_exercised():
    """(a) uses |1 − η_eff c|: the run H8-flip has η_eff·c > 1 (β changes side) — make sure the
    identities above were checked across a flip, not only on the monotone branch."""
    inst, tr = _whitened_run("float64", "H8-flip")
    assert np.any(tr["eta_eff"][:-1] * tr["cos"][:-1] > 1.01)


@pytest.mark.parametrize("run", WHITENED_RUNS)
def test_rising_criterion_lemma7d_mpmath(run):
    """ρ_{t+1} > ρ_t ⟺ η_eff,t > τ(ρ_t), wherever ρ_t is far above the 50-digit floor and η_eff
    is not within 1e-30 of τ (there the comparison would be decided by rounding)."""
    inst, tr = _whitened_run("mpmath", run)
    bk = inst.backend
    checked = 0
    for t in range(tr.T):
        r, ee = tr["rho"][t], tr["eta_eff"][t]
        if r < 1e-30 or abs(ee - tau(r, bk)) < 1e-30:
            continue
        assert (tr["rho"][t + 1] > r) == (ee > tau(r, bk)), (run, t)
        checked += 1
    assert checked >= 50


@pytest.mark.parametrize("spec", BACKENDS)
def test_tau_and_its_inverse(spec):
    """THEORY.md §4: τ(0) = 2, τ increasing on [0, 1), +∞ from 1 on, τ⁻¹(τ(ρ)) = ρ."""
    from bnverify import get_backend, tau_inv
    bk = get_backend(spec)
    assert tau(bk.scalar(0), bk) == 2
    rhos = [bk.scalar(r) for r in (1e-8, 0.01, 0.1, 0.3, 0.5, 0.9, 0.999)]
    taus = [tau(r, bk) for r in rhos]
    assert all(t1 < t2 for t1, t2 in zip(taus, taus[1:]))
    for r, t in zip(rhos, taus):
        # round trip, up to the conditioning of the inverse problem: dρ/dH = 1/τ'(ρ) ≈ 1/(6ρ)
        # near 0, so rounding H = τ(ρ) alone moves ρ by ~eps·H/ρ
        assert abs(tau_inv(t, bk) - r) <= 16 * bk.eps * (r + t / r), (spec, float(r))
    assert not tau(bk.scalar(1), bk) < 1e300 and not tau(bk.scalar(2), bk) < 1e300
    arr = np.array(rhos + [bk.scalar(1.5)], dtype=bk.dtype)
    ta = tau(arr, bk)
    assert all(ta[i] == taus[i] for i in range(len(rhos))) and not ta[-1] < 1e300


@pytest.mark.parametrize("spec", BACKENDS)
def test_tau_inv_is_accurate_near_2(spec):
    """τ⁻¹ at a given H against 100-digit arithmetic: a few ulps relative for every H ≥ 2.
    Regression: the textbook form √((H² + 2 − 2√(2H²+1))/H²) cancels near H = 2 (it was wrong
    by ~60 % at H = 2 + 2⁻⁵¹ in float64); bnverify uses the conjugate form."""
    import mpmath
    from bnverify import get_backend, tau_inv
    bk = get_backend(spec)
    mp = get_backend(100)
    Hs = [2 + 2.0 ** -51, 2 + 2.0 ** -40, 2 + 1e-12, 2 + 1e-6, 2.001, 2.3, 3.0, 10.0, 1e3]
    assert tau_inv(bk.scalar(2), bk) == 0
    for H in Hs:
        got = tau_inv(bk.scalar(H), bk)
        ref = tau_inv(mp.scalar(H), mp)
        with mpmath.workdps(250):  # the textbook form, with digits to spare for its cancellation
            exact = mpmath.sqrt((mpmath.mpf(H) ** 2 + 2 - 2 * mpmath.sqrt(2 * mpmath.mpf(H) ** 2 + 1))
                                / mpmath.mpf(H) ** 2)
            assert abs(ref - exact) <= 1e-98 * exact  # the two forms agree given enough digits
            assert abs(mpmath.mpf(got) - exact) <= 8 * bk.eps * exact, (spec, H, float(got), float(exact))
