"""Foundation: the BN linear model (model.py) — loss, closed-form gradients, Hessian, HVP.

Every derivative is checked against central finite differences of the quantity below it:

* float64: step h = 1e-5 on O(1) coordinates; truncation ~h² and rounding ~eps/h give ~1e-10,
  the asserted bound is the issue's 1e-7 (norm-wise relative error).
* mpmath at 50 digits: the analytic value is computed at 50 digits; the finite difference is
  taken at 100 digits on the *same* (exactly up-converted) data with h = 1e-30, so its own error
  is ~h² ≈ 1e-60 + 1e-100/h ≈ 1e-70. The asserted bound, 1e-40, is tighter than the issue's
  1e-30; what remains is the 50-digit rounding of the analytic formula (~1e-48 observed).

Losses: square on whitened_regression and on the (non-whitened, d > n) Hilbert instance; logistic
on active_margin_logistic (d > n), separable_logistic (d > n and d < n), including a large scale γ
(margins ~ 30, where a naive softplus would lose everything).
"""
import mpmath
import numpy as np
import pytest

from bnverify import (active_margin_logistic, evaluate, get_backend, hessian, hilbert_section6, hvp,
                      separable_logistic, whitened_regression)

MP = get_backend("mpmath")  # 50 digits
MP100 = get_backend(100)

CASES = {
    "square/whitened": lambda bk: whitened_regression(12, 3, seed=1, backend=bk),
    "square/whitened-pm1": lambda bk: whitened_regression(15, 4, a=0.5, labels="pm1", seed=2, backend=bk),
    "square/hilbert": lambda bk: hilbert_section6(6, 9, seed=0, backend=bk),
    "logistic/active": lambda bk: active_margin_logistic(6, 10, seed=0, backend=bk),
    "logistic/separable-wide": lambda bk: separable_logistic(6, 10, seed=3, backend=bk),
    "logistic/separable-tall": lambda bk: separable_logistic(20, 5, seed=4, backend=bk),
}
GAMMAS = [0.7, 30.0]


def _point(inst, seed, gamma):
    rng = np.random.default_rng(seed)
    bk = inst.backend
    return bk.asarray(rng.standard_normal(inst.d)), bk.scalar(gamma)


def _relerr(a, b, bk):
    a, b = np.asarray(a, dtype=bk.dtype), np.asarray(b, dtype=bk.dtype)
    diff = (a - b).ravel()
    return bk.norm(diff) / bk.norm(b.ravel())


def _full_grad(inst, w, g):
    ev = evaluate(inst.X, inst.y, w, g, inst.loss, inst.backend)
    out = np.empty(inst.d + 1, dtype=inst.backend.dtype)
    out[:-1] = ev.grad_w
    out[-1] = ev.grad_gamma
    return out


def _loss(X, y, w, g, loss, bk):
    return evaluate(X, y, w, g, loss, bk, need_grad=False).loss


def _fd_grad(X, y, w, g, loss, bk, h):
    d = len(w)
    out = np.empty(d + 1, dtype=bk.dtype)
    h = bk.scalar(h)
    for j in range(d):
        wp, wm = w.copy(), w.copy()
        wp[j] = wp[j] + h
        wm[j] = wm[j] - h
        out[j] = (_loss(X, y, wp, g, loss, bk) - _loss(X, y, wm, g, loss, bk)) / (2 * h)
    out[d] = (_loss(X, y, w, g + h, loss, bk) - _loss(X, y, w, g - h, loss, bk)) / (2 * h)
    return out


def _fd_hess(X, y, w, g, loss, bk, h):
    d = len(w)
    H = np.empty((d + 1, d + 1), dtype=bk.dtype)
    h = bk.scalar(h)

    def grad(wv, gv):
        ev = evaluate(X, y, wv, gv, loss, bk)
        return np.concatenate([ev.grad_w, np.array([ev.grad_gamma], dtype=bk.dtype)])

    for j in range(d + 1):
        wp, wm, gp, gm = w.copy(), w.copy(), g, g
        if j < d:
            wp[j] = wp[j] + h
            wm[j] = wm[j] - h
        else:
            gp, gm = g + h, g - h
        H[:, j] = (grad(wp, gp) - grad(wm, gm)) / (2 * h)
    return H


def _up(inst, w, g):
    """The 50-digit data and point, converted exactly to 100 digits."""
    return (MP100.asarray(inst.X), MP100.asarray(inst.y), MP100.asarray(w), MP100.scalar(g))


# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("case", CASES)
def test_gradient_float64_vs_central_differences(case, gamma):
    inst = CASES[case]("float64")
    for seed in range(3):
        w, g = _point(inst, seed, gamma)
        an = _full_grad(inst, w, g)
        fd = _fd_grad(inst.X, inst.y, w, g, inst.loss, inst.backend, 1e-5)
        err = _relerr(an, fd, inst.backend)
        assert err <= 1e-7, (case, seed, float(err))


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("case", CASES)
def test_gradient_mpmath50_vs_central_differences_at_100_digits(case, gamma):
    inst = CASES[case](MP)
    w, g = _point(inst, 0, gamma)
    an = _full_grad(inst, w, g)
    X, y, w1, g1 = _up(inst, w, g)
    fd = _fd_grad(X, y, w1, g1, inst.loss, MP100, mpmath.mpf("1e-30"))
    err = _relerr(MP100.asarray(an), fd, MP100)
    assert err <= 1e-40, (case, float(err))


@pytest.mark.parametrize("case", CASES)
def test_hessian_and_hvp_float64(case):
    inst = CASES[case]("float64")
    bk = inst.backend
    for seed, gamma in ((0, 0.7), (1, 30.0)):
        w, g = _point(inst, seed, gamma)
        H = hessian(inst.X, inst.y, w, g, inst.loss, bk)
        # symmetric up to rounding: the two triangles come from different matmul orders, and
        # H_ww is a difference of terms of size ~γ²·‖H‖ (γ = 30 cancels ~900-fold)
        gs = max(1.0, float(g)) ** 2
        assert bk.norm((H - H.T).ravel()) <= 16 * bk.eps * gs * bk.norm(H.ravel())
        fd = _fd_hess(inst.X, inst.y, w, g, inst.loss, bk, 1e-5)
        assert _relerr(H, fd, bk) <= 1e-7, (case, seed)
        rng = np.random.default_rng(10 + seed)
        for _ in range(3):
            v = rng.standard_normal(inst.d + 1)
            Hv = hvp(inst.X, inst.y, w, g, inst.loss, bk, v)
            # relative to ‖H‖‖v‖ (Hv itself may be a cancellation of larger terms)
            assert bk.norm(Hv - H @ v) <= 1e-13 * bk.norm(H.ravel()) * bk.norm(v), (case, seed)


@pytest.mark.parametrize("case", CASES)
def test_hessian_and_hvp_mpmath50(case):
    inst = CASES[case](MP)
    w, g = _point(inst, 0, 0.7)
    H = hessian(inst.X, inst.y, w, g, inst.loss, MP)
    X, y, w1, g1 = _up(inst, w, g)
    fd = _fd_hess(X, y, w1, g1, inst.loss, MP100, mpmath.mpf("1e-30"))
    assert _relerr(MP100.asarray(H), fd, MP100) <= 1e-40, case
    v = MP.asarray(np.random.default_rng(5).standard_normal(inst.d + 1))
    Hv = hvp(inst.X, inst.y, w, g, inst.loss, MP, v)
    assert MP.norm(Hv - H @ v) <= 1e-45 * MP.norm(H.ravel()) * MP.norm(v), case


@pytest.mark.parametrize("case", CASES)
def test_loss_against_naive_formula_at_120_digits(case):
    """L from evaluate (stable softplus, vectorised) equals the textbook formula evaluated with
    120 digits of headroom: z = γ·Xw/sqrt(wᵀΣw)."""
    inst = CASES[case](MP)
    for gamma in GAMMAS:
        w, g = _point(inst, 1, gamma)
        L = evaluate(inst.X, inst.y, w, g, inst.loss, MP).loss
        with mpmath.workdps(120):
            n, d = inst.n, inst.d
            X = [[mpmath.mpf(inst.X[i, j]) for j in range(d)] for i in range(n)]
            Xw = [mpmath.fsum(X[i][j] * mpmath.mpf(w[j]) for j in range(d)) for i in range(n)]
            s = mpmath.sqrt(mpmath.fsum(v * v for v in Xw) / n)
            ref = 0
            for i in range(n):
                z = mpmath.mpf(g) * Xw[i] / s
                yi = mpmath.mpf(inst.y[i])
                ref += (yi - z) ** 2 / 2 if inst.loss.name == "square" else mpmath.log(1 + mpmath.exp(-yi * z))
            ref /= n
            assert abs(L - ref) <= 1e-46 * abs(ref), (case, gamma)


@pytest.mark.parametrize("spec", ["float64", "mpmath"])
@pytest.mark.parametrize("case", CASES)
def test_scale_invariance_pointwise(case, spec):
    """Lemma 12 at random points: ⟨∇_w L, w⟩ = 0; L(c·w) = L(w) and ∇_w L(c·w) = ∇_w L(w)/c.
    Tolerance: 64·(n+d) ulps of the magnitudes ‖∇_w L‖‖w‖ and |L|."""
    inst = CASES[case](spec)
    bk = inst.backend
    tol = 64 * (inst.n + inst.d) * bk.eps
    c = bk.scalar(8)  # a power of two: c·w is exact, so only the model's own rounding remains
    for seed in range(3):
        w, g = _point(inst, seed, 1.3)
        ev = evaluate(inst.X, inst.y, w, g, inst.loss, bk)
        ev2 = evaluate(inst.X, inst.y, c * w, g, inst.loss, bk)
        assert abs(ev.grad_w @ w) <= tol * bk.norm(ev.grad_w) * bk.norm(w)
        assert abs(ev2.loss - ev.loss) <= tol * abs(ev.loss)
        assert bk.norm(c * ev2.grad_w - ev.grad_w) <= tol * bk.norm(ev.grad_w)
        assert abs(ev2.grad_gamma - ev.grad_gamma) <= tol * (abs(ev.grad_gamma) + abs(ev.loss))


@pytest.mark.parametrize("spec", ["float64", "mpmath"])
def test_logistic_curvature_accurate_at_large_margins(spec):
    """ℓ'' = σ(m)σ(−m), m = yz, to a few ulps *relative* for |m| up to 700 (float64) — also for
    badly misclassified samples (m ≪ 0), where s(1 − s) with s = σ(−m) would cancel to 0."""
    from bnverify import LOGISTIC
    bk = get_backend(spec)
    ms = [-700.0, -60.0, -5.0, 0.0, 3.0, 60.0, 700.0]
    z = bk.asarray(np.array(ms))
    y = bk.asarray(np.ones(len(ms)))
    for yy in (y, -y):
        d2 = LOGISTIC.d2(z * yy, yy, bk)  # the same margins m with either label
        d1 = LOGISTIC.d1(z * yy, yy, bk)
        with mpmath.workdps(120):
            for m, v2, v1, lab in zip(ms, d2, d1, yy):
                mm = mpmath.mpf(m)
                ref2 = 1 / ((1 + mpmath.exp(mm)) * (1 + mpmath.exp(-mm)))
                ref1 = -mpmath.mpf(lab) / (1 + mpmath.exp(mm))
                assert abs(mpmath.mpf(v2) - ref2) <= 8 * bk.eps * ref2, (m, v2)
                assert abs(mpmath.mpf(v1) - ref1) <= 8 * bk.eps * abs(ref1), (m, v1)
