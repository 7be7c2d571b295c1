"""Foundation: instance contracts (instances.py, reference.py, hyper.initialisation).

Everything is re-verified here from the arrays, not only read from ``instance.facts``:

* whitened_regression: XᵀX/n = I and centred columns to ≤ 1e-13 (float64) / ≤ 1e-40 (50 digits),
  w* = Xᵀy/n is the least-squares solution with ‖w*‖ = a, L* = residual²/2, ±1 labels when asked;
  the 50-digit instance is the float64 one re-derived (they agree to float64 accuracy).
* active_margin_logistic: the KKT test y ⊙ (XXᵀ)⁻¹y ≥ 0 holds, every margin equals 1 at w_svm,
  and the generic solver hard_margin_svm finds the same w_svm.
* separable_logistic: hard_margin_svm's answer satisfies the KKT conditions (checked here
  independently: μ ≥ 0, w = Σ μ_i y_i x_i, margins = 1 on the support and ≥ 1 off it), which
  certify optimality of this convex problem; cross-checked against scipy's SLSQP on the primal.
* hilbert_section6: d > n, rank n, ill-conditioned (cond(X) ≈ 1.5e3 and λ_max/λ_min ≈ 2.3e6 at
  the defaults n=8, d=16, noise=1e-3; cond(X) ≈ 6.5e8 without noise), ±1 labels.
* initialisation: ‖w_0‖ and ρ_0 as asked, α_0 > 0, w_0 ∈ span(Xᵀ).
"""
import numpy as np
import pytest
from scipy.optimize import minimize

from bnverify import (Hyper, active_margin_logistic, build, from_arrays, hilbert_section6,
                      separable_logistic, whitened_regression)
from bnverify.numerics.linalg import solve
from bnverify.numerics.reference import active_margin_svm, hard_margin_svm, least_squares

BACKENDS = ["float64", "mpmath"]
WHITEN_TOL = {"float64": 1e-13, "mpmath": 1e-40}


def _maxabs(M, bk):
    return max(abs(v) for v in np.asarray(M, dtype=bk.dtype).ravel())


WHITENED = [
    dict(n=12, d=3, seed=1), dict(n=30, d=6, a=2.5, seed=2), dict(n=5, d=4, residual=0.0, seed=3),
    dict(n=15, d=4, a=0.5, labels="pm1", seed=2), dict(n=9, d=8, a=None, labels="pm1", seed=4),
]


@pytest.mark.parametrize("spec", BACKENDS)
@pytest.mark.parametrize("kw", WHITENED, ids=lambda kw: "-".join(f"{k}{v}" for k, v in kw.items()))
def test_whitened_contract(kw, spec):
    inst = whitened_regression(**kw, backend=spec)
    bk = inst.backend
    X, y, n, d = inst.X, inst.y, inst.n, inst.d
    tol = WHITEN_TOL[spec]
    assert inst.whitened and inst.loss.name == "square" and X.shape == (kw["n"], kw["d"])
    assert inst.facts["whitening_error"] <= tol
    assert _maxabs((X.T @ X) / n - np.eye(d), bk) <= tol  # Σ = I
    assert _maxabs(X.sum(axis=0) / n, bk) <= tol  # centred columns
    w_star = X.T @ y / n
    assert _maxabs(w_star - inst.w_ref, bk) <= tol
    assert _maxabs(least_squares(X, y, bk) - inst.w_ref, bk) <= 10 * tol  # it is the LS solution
    a_expected = kw.get("a", 1.0)
    if a_expected is None:  # pm1 with a = a_max: the labels' own projection
        yc = y - y.sum() / n
        a_expected = bk.norm(yc) / bk.sqrt(bk.scalar(n))
    assert abs(bk.norm(w_star) - a_expected) <= tol * max(1, abs(a_expected))
    assert abs(inst.a - bk.norm(w_star)) <= tol
    res = y - X @ inst.w_ref
    assert abs(inst.L_star - (res @ res) / (2 * n)) <= tol
    if kw.get("labels") == "pm1":
        assert set(bk.to_float(y).tolist()) == {-1.0, 1.0}
    else:
        r = kw.get("residual", 0.1)
        assert abs(inst.L_star - bk.scalar(r) ** 2 / 2) <= tol
        assert _maxabs(X.T @ res, bk) <= tol * n  # the residual is ⊥ range(X)
    assert abs(inst.lam_min - 1) <= tol and abs(inst.lam_max - 1) <= tol


def test_whitened_rebuilds_at_any_precision():
    f = whitened_regression(12, 3, seed=1)
    m = f.at("mpmath")
    assert m.backend.dps == 50 and m.at("mpmath") is m and f.at("float64") is f
    assert np.max(np.abs(m.backend.to_float(m.X) - f.X)) <= 1e-14
    assert np.max(np.abs(m.backend.to_float(m.w_ref) - f.w_ref)) <= 1e-14
    assert build(f.spec, "mpmath100").facts["whitening_error"] <= 1e-90
    desc = f.describe()
    assert desc["builder"] == "whitened_regression" and desc["n"] == 12 and desc["a"] == pytest.approx(1.0)


def _kkt_check(X, y, w, mu, bk, tol):
    """Independent KKT certificate of the hard-margin SVM (no bias)."""
    muf = bk.to_float(mu)
    assert np.all(muf >= 0)
    assert _maxabs(w - X.T @ (mu * y), bk) <= tol * bk.norm(w)  # stationarity
    m = y * (X @ w)
    S = muf > 0
    assert _maxabs(m[S] - 1, bk) <= tol  # tight on the support
    assert np.all(bk.to_float(m[~S]) >= 1 - tol)  # feasible off it


@pytest.mark.parametrize("spec", BACKENDS)
@pytest.mark.parametrize("n,d,seed", [(6, 10, 0), (8, 14, 3), (5, 40, 1)])
def test_active_margin_contract(n, d, seed, spec):
    inst = active_margin_logistic(n, d, seed=seed, backend=spec)
    bk = inst.backend
    X, y = inst.X, inst.y
    tol = 1e-12 if spec == "float64" else 1e-45
    assert inst.loss.name == "logistic" and X.shape == (n, d) and d > n
    assert set(bk.to_float(y).tolist()) == {-1.0, 1.0}
    # KKT test of Assumption 3: μ = y ⊙ (XXᵀ)⁻¹y ≥ 0 (strictly, with room)
    mu = y * solve(X @ X.T, y, bk)
    assert min(bk.to_float(mu)) > 0.01
    assert inst.facts["active_margin"] and inst.facts["min_dual"] > 0 and inst.facts["svm_kkt_residual"] == 0.0
    # every margin equals 1 at w_svm, and the margin is the asked one
    assert _maxabs(y * (X @ inst.w_ref) - 1, bk) <= tol
    assert abs(inst.margin - bk.scalar(0.5)) <= tol
    _kkt_check(X, y, inst.w_ref, mu, bk, tol)
    # the generic solver agrees with the closed form on active data
    sol = hard_margin_svm(X, y, bk)
    assert sol.all_active and sol.kkt_residual == 0.0
    assert bk.norm(sol.w - inst.w_ref) <= tol * bk.norm(inst.w_ref)
    closed = active_margin_svm(X, y, bk)
    assert bk.norm(closed.w - inst.w_ref) <= tol * bk.norm(inst.w_ref)
    # λ's are the nonzero eigenvalues of XXᵀ/n
    ev = np.linalg.eigvalsh(bk.to_float((X @ X.T) / n))
    assert (float(inst.lam_min) == pytest.approx(ev[0], rel=1e-10)
            and float(inst.lam_max) == pytest.approx(ev[-1], rel=1e-10))


@pytest.mark.parametrize("spec", BACKENDS)
@pytest.mark.parametrize("n,d,seed", [(10, 20, 1), (6, 10, 3), (40, 5, 1), (20, 5, 4)])
def test_separable_svm_is_kkt_certified(n, d, seed, spec):
    inst = separable_logistic(n, d, seed=seed, backend=spec)
    bk = inst.backend
    X, y = inst.X, inst.y
    tol = 1e-10 if spec == "float64" else 1e-40
    sol = hard_margin_svm(X, y, bk)
    assert sol.kkt_residual <= tol and inst.facts["svm_kkt_residual"] <= tol
    _kkt_check(X, y, sol.w, sol.mu, bk, tol)
    assert bk.norm(sol.w - inst.w_ref) <= tol * bk.norm(sol.w)
    assert list(sol.support) == inst.facts["support"]
    if spec == "float64":
        # an outside opinion: scipy SLSQP on the primal min ½‖w‖² s.t. y_i⟨w, x_i⟩ ≥ 1
        Xf, yf = X, y
        res = minimize(lambda w: 0.5 * w @ w, bk.to_float(sol.w) * 1.5, jac=lambda w: w, method="SLSQP",
                       constraints=[{"type": "ineq", "fun": lambda w: yf * (Xf @ w) - 1,
                                     "jac": lambda w: yf[:, None] * Xf}],
                       options={"ftol": 1e-12, "maxiter": 500})
        assert res.success
        assert np.linalg.norm(res.x - sol.w) <= 1e-6 * np.linalg.norm(sol.w)


def test_separable_has_inactive_constraints_somewhere():
    """The 'generic' builder really is generic: some constraints are off the margin."""
    assert any(not separable_logistic(n, d, seed=s).facts["active_margin"]
               for n, d, s in [(10, 20, 1), (40, 5, 1), (20, 5, 4)])


@pytest.mark.parametrize("spec", BACKENDS)
def test_hilbert_section6(spec):
    inst = hilbert_section6(backend=spec)
    bk = inst.backend
    Xf = bk.to_float(inst.X)
    assert inst.n == 8 and inst.d == 16 and inst.d > inst.n
    assert np.linalg.matrix_rank(Xf) == inst.n
    cond = np.linalg.cond(Xf)
    assert 1e3 < cond < 1e4  # ≈ 1.5e3 (noise 1e-3 lifts the Hilbert slice's ~6.5e8)
    assert 1e6 < float(inst.lam_max / inst.lam_min) < 1e7  # ≈ 2.3e6
    assert set(bk.to_float(inst.y).tolist()) == {-1.0, 1.0}
    assert not inst.whitened
    # square loss: w_ref is the minimum-norm interpolant (d > n)
    assert _maxabs(inst.X @ inst.w_ref - inst.y, bk) <= (1e-9 if spec == "float64" else 1e-40)
    assert abs(inst.L_star) <= (1e-18 if spec == "float64" else 1e-80)
    noiseless = np.linalg.cond(hilbert_section6(noise=0.0).X)
    assert noiseless > 1e8


def test_hilbert_logistic_is_separable():
    inst = hilbert_section6(loss="logistic")
    assert inst.loss.name == "logistic" and inst.facts["svm_kkt_residual"] <= 1e-10
    assert float(inst.margin) > 0


@pytest.mark.parametrize("spec", BACKENDS)
@pytest.mark.parametrize("builder", ["whitened", "active", "separable-wide"])
def test_initialisation(builder, spec):
    inst = {"whitened": lambda: whitened_regression(12, 3, seed=1, backend=spec),
            "active": lambda: active_margin_logistic(6, 10, seed=0, backend=spec),
            "separable-wide": lambda: separable_logistic(6, 10, seed=3, backend=spec)}[builder]()
    bk = inst.backend
    tol = 64 * bk.eps
    for norm, rho0 in ((1.0, 0.01), (2.5, 0.7), (0.3, 0.0)):
        w0 = Hyper(H0=1.0, eta_gamma=0.1, gamma0=1.0, w0_norm=norm, rho0=rho0).resolve(inst).w0
        alpha = w0 @ inst.e
        beta = bk.norm(w0 - alpha * inst.e)
        assert alpha > 0
        assert abs(bk.norm(w0) - norm) <= tol * norm
        assert abs(beta / alpha - rho0) <= tol
        if inst.d > inst.n:  # Assumption 2: w0 ∈ span(Xᵀ)
            coef = solve(inst.X @ inst.X.T, inst.X @ w0, bk)
            assert bk.norm(inst.X.T @ coef - w0) <= tol * 100 * bk.norm(w0)
    # H0 is honoured: η a²/‖w0‖² = H0
    hp = Hyper(H0=2.3, eta_gamma=0.1, gamma0_over_a=0.5, w0_norm=1.7, rho0=0.1).resolve(inst)
    assert abs(hp.eta * inst.a ** 2 / (hp.w0 @ hp.w0) - bk.scalar(2.3)) <= tol * 4
    assert abs(hp.gamma0 - bk.scalar(0.5) * inst.a) <= tol


def test_from_arrays():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((9, 3)), rng.standard_normal(9)
    inst = from_arrays(X, y)
    assert np.allclose(inst.w_ref, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-12, atol=1e-14)
    m = inst.at("mpmath")
    assert m.backend.dps == 50 and np.array_equal(m.backend.to_float(m.X), X)  # taken exactly
    lab = from_arrays(X, np.sign(X @ np.array([1.0, -2.0, 0.5])), loss="logistic")
    assert lab.loss.name == "logistic" and lab.facts["svm_kkt_residual"] <= 1e-10


REBUILD = {
    "whitened-real": lambda: whitened_regression(12, 3, seed=1),
    "whitened-pm1-a": lambda: whitened_regression(15, 4, a=0.5, labels="pm1", seed=2),
    # a=None: a = a_max, which must be re-derived at each precision (regression: the spec used to
    # store float64's a_max, and rebuilding at 50 digits raised or built a different instance)
    **{f"whitened-pm1-amax-{n}-{d}-s{s}":
       (lambda n=n, d=d, s=s: whitened_regression(n, d, a=None, labels="pm1", seed=s))
       for n, d in ((9, 8), (15, 4)) for s in range(4)},
    "active": lambda: active_margin_logistic(6, 10, seed=0),
    "separable": lambda: separable_logistic(20, 5, seed=4),
    "hilbert": lambda: hilbert_section6(),
}


@pytest.mark.parametrize("name", REBUILD)
def test_rebuild_at_50_digits_is_the_same_instance(name):
    f = REBUILD[name]()
    m = f.at("mpmath")
    bk = m.backend
    scale = max(1.0, float(np.max(np.abs(f.X))))
    assert np.max(np.abs(bk.to_float(m.X) - f.X)) <= 1e-13 * scale
    assert np.array_equal(bk.to_float(m.y), f.y) or np.max(np.abs(bk.to_float(m.y) - f.y)) <= 1e-13
    # float64's least-squares solve on the Hilbert instance (κ(XXᵀ) ≈ 2.3e6) is good to ~κ·eps
    assert float(m.a) == pytest.approx(float(f.a), rel=1e-9 if name == "hilbert" else 1e-12)
    assert m.spec == f.spec
