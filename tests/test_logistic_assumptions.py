"""Assumption checkers of the logistic line (bnverify.regimes.logistic): each passes on data that meets it
and reports the unmet condition, with numbers, on data that violates it — in float64 and mpmath."""
import numpy as np
import pytest

from bnverify.numerics.hyper import Hyper
from bnverify.numerics.instances import active_margin_logistic, from_arrays, hilbert_section6, separable_logistic
from bnverify.regimes.logistic import (assumption1, assumption2, assumption3, assumption4, geometry, kappa_closed_form,
                               kappa_lp, section6_logistic_run, svm_duals)

BACKENDS = ["float64", "mpmath"]


@pytest.fixture(params=BACKENDS)
def good(request):
    return active_margin_logistic(4, 8, margin=0.3, seed=1, backend=request.param)


def test_all_met_on_active_margin(good):
    h = Hyper(eta=0.1, gamma0=1.0, w0_norm=0.3, rho0=0.5 * float(geometry(good).rho_branch))
    assert assumption1(good) == []
    assert assumption2(good, h) == []
    assert assumption3(good) == []
    assert assumption4(good) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_a1_fails_when_d_le_n_or_rank_deficient(backend):
    inst = separable_logistic(6, 4, seed=0, backend=backend)
    assert any("d = 4 <= n = 6" in u for u in assumption1(inst))
    # a rank-deficient X: a hand-built separable set (x_3 = x_1 + x_2, all labels +1)
    X = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [1.0, 1.0, 0, 0]])
    inst3 = from_arrays(X, [1.0, 1.0, 1.0], loss="logistic", backend=backend)
    assert any("rank X = 2 != n = 3" in u for u in assumption1(inst3))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a2_fails_off_span_misaligned_or_wide_init(backend):
    inst = active_margin_logistic(3, 6, margin=0.5, seed=2, backend=backend)
    e = inst.backend.to_float(inst.e)
    # w_0 with a component orthogonal to span(X^T)
    P = np.linalg.qr(inst.backend.to_float(inst.X).T, mode="complete")[0][:, 3:]
    w_off = e + 0.3 * P[:, 0]
    assert any("not in span" in u for u in assumption2(inst, Hyper(eta=0.1, gamma0=1.0, w0=tuple(w_off))))
    assert any("alpha_0" in u and "<= 0" in u for u in assumption2(inst, Hyper(eta=0.1, gamma0=1.0, w0=tuple(-e))))
    assert any("gamma_0" in u for u in assumption2(inst, Hyper(eta=0.1, gamma0=-1.0, w0=tuple(e))))
    rb = float(geometry(inst).rho_branch)
    assert any("rho_0" in u for u in assumption2(inst, Hyper(eta=0.1, gamma0=1.0, w0_norm=1.0, rho0=2 * rb)))
    assert assumption2(inst, Hyper(eta=0.1, gamma0=1.0, w0_norm=1.0, rho0=0.5 * rb)) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_a2_fails_on_non_separable_reference(backend):
    # a reference that does not separate: labels flipped relative to the SVM
    inst = active_margin_logistic(3, 6, margin=0.5, seed=2, backend=backend)
    inst.w_ref = -inst.w_ref
    assert any("not separable" in u for u in assumption2(inst))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a3_fails_with_an_inactive_constraint(backend):
    # x_3 far beyond the margin: its constraint is slack, the all-active dual goes negative
    X = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [3.0, 3.0, 0.1, 0.0]])
    inst = from_arrays(X, [1.0, 1.0, 1.0], loss="logistic", backend=backend)
    unmet = assumption3(inst)
    assert any("negative SVM duals" in u for u in unmet), unmet
    assert assumption4(inst) and assumption4(inst)[0].startswith("A4 needs A3")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a4_fails_with_a_zero_dual(backend):
    # x_3 exactly on the margin but with zero dual (degenerate support vector):
    # w_svm = (1, 1)/... from x_1, x_2; x_3 = (x_1 + x_2)/2 + orthogonal part keeps margin 1, μ_3 = 0
    X = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.5, 0.5, 0.0, 1.0]])
    inst = from_arrays(X, [1.0, 1.0, 1.0], loss="logistic", backend=backend)
    mu = svm_duals(inst)
    assert abs(float(mu[2])) < 1e-12
    assert assumption3(inst) == []
    assert any("not strictly positive" in u for u in assumption4(inst))


def test_kappa_lp_matches_closed_form():
    rng = np.random.default_rng(0)
    for _ in range(20):
        mu = rng.uniform(0.05, 3.0, rng.integers(2, 7))
        assert kappa_lp(mu) == pytest.approx(float(kappa_closed_form(mu)), rel=1e-8, abs=1e-10)


@pytest.mark.parametrize("backend", BACKENDS)
def test_kappa_is_a_valid_nondegeneracy_constant(backend):
    # every v ⊥ e in span(X^T) has a sample with y_i<v,x_i> <= -kappa * max_j |y_j<v,x_j>|
    inst = active_margin_logistic(5, 9, margin=0.4, seed=5, backend=backend)
    geo = geometry(inst, with_kappa=True)
    Xf, yf, e = (inst.backend.to_float(a) for a in (inst.X, inst.y, inst.e))
    rng = np.random.default_rng(1)
    for _ in range(200):
        v = Xf.T @ rng.standard_normal(5)
        v -= (v @ e) * e
        s = yf * (Xf @ v)
        assert s.min() <= -float(geo.kappa) * np.abs(s).max() * (1 - 1e-9)


def test_section6_logistic_fixture():
    tr = section6_logistic_run(horizon=50)
    from bnverify.regimes.logistic import SECTION6_LOGISTIC

    inst = hilbert_section6(loss="logistic", **SECTION6_LOGISTIC["instance"])  # the published settings
    assert tr.instance.loss.name == "logistic"
    assert np.allclose(tr.instance.backend.to_float(tr.instance.e), inst.backend.to_float(inst.e))
    assert tr.status == "finished" and len(tr) == 51
    assert np.all(np.isfinite(tr.floats("rho")))


# --- helpers of Lemma 11 / Theorem 5 (2), (3) --------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_exit_threshold_is_the_lemma9_10_ratio(backend):
    """τ_5 (closed form, ρ² cancelled) equals 2·G_9/(‖w‖·G_10(ii)²) at a branch state."""
    from bnverify import simulate
    from bnverify.theorems.lemma9_alignment_gradient import alignment_bound
    from bnverify.theorems.lemma10_gradient_bounds import second_bound
    from bnverify.theorems.thm5_exit_threshold import exit_threshold

    inst = active_margin_logistic(3, 6, margin=0.5, spread=1.0, seed=3, backend=backend)
    geo = geometry(inst)
    tr = simulate(inst, Hyper(eta=0.01, gamma0=0.7, w0_norm=0.8, rho0=0.3 * float(geo.rho_branch)), horizon=5)
    for t in range(5):
        a, r, g, wn = tr["alpha"][t], tr["rho"][t], tr["gamma"][t], tr["wnorm"][t]
        tau = exit_threshold(geo, g, a, r, wn)
        ref = 2 * alignment_bound(geo, g, r, wn) / (wn * second_bound(geo, g, a, r, wn) ** 2)
        assert abs(tau - ref) <= 1e3 * inst.backend.eps * abs(ref)


@pytest.mark.parametrize("backend", BACKENDS)
def test_rising_threshold_decides_the_next_step(backend):
    """Lemma 6 solved for η: a step rises exactly when η/‖w‖² exceeds rising_threshold; and the
    conservative τ_5 lies below it."""
    from bnverify import simulate
    from bnverify.regimes.logistic import Geometry
    from bnverify.numerics.model import evaluate
    from bnverify.theorems.thm5_exit_threshold import exit_threshold

    inst = active_margin_logistic(2, 5, margin=1.0, spread=1.5, seed=4, backend=backend)
    geo = geometry(inst)
    hp = Hyper(eta=1.0, gamma0=0.8, w0_norm=1.0, rho0=0.5 * float(geo.rho_branch))
    w0 = hp.resolve(inst).w0
    ev = evaluate(inst.X, inst.y, w0, inst.backend.scalar(0.8), inst.loss, inst.backend)
    A, G = -(ev.grad_w @ inst.e), inst.backend.sqrt(ev.grad_w @ ev.grad_w)
    a0, wn = w0 @ inst.e, inst.backend.sqrt(w0 @ w0)
    Es = Geometry.rising_threshold(a0, wn, A, G)
    assert exit_threshold(geo, inst.backend.scalar(0.8), a0, inst.backend.scalar(hp.rho0), wn) < Es
    for fac, rises in ((0.9, False), (1.1, True)):
        eta = float(fac * Es * wn * wn)
        tr = simulate(inst, Hyper(eta=eta, gamma0=0.8, w0_norm=1.0, rho0=hp.rho0), horizon=1)
        assert (tr["rho"][1] > tr["rho"][0]) == rises


def test_entry_rate_monotone_in_f_and_zero_at_f_one():
    from bnverify.theorems.lemma11_small_ratio_entry import entry_rate
    from bnverify.theorems.thm5_monotone_decrease import phi_min

    inst = active_margin_logistic(2, 4, margin=1.0, spread=1.0, seed=5)
    geo = geometry(inst)
    rho0 = 0.1 * float(geo.rho_branch)
    H5 = float(phi_min(geo, 0.5, 0.5 + 0.01 * 300, rho0))
    eps = [float(entry_rate(geo, f * H5, 0.5, 0.01, rho0, 300)["eps"]) for f in (0.25, 0.5, 1.0)]
    assert eps[0] > 0 and eps[1] > 0 and abs(eps[2]) < 1e-12
    c = entry_rate(geo, 0.5 * H5, 0.5, 0.01, rho0, 300, f_cap=0.5)
    assert float(c["eps"]) == pytest.approx(eps[1], rel=1e-12)


def test_phi_piece_at_large_gamma_is_the_high_precision_value_not_nan():
    """Φ's numerator and B² both fall like e^{−2γ}: float64 underflows (0/0) past γ ≈ 350; the piece is
    then evaluated at 30 digits and rounded down (or overflows to +inf when Φ exceeds float64)."""
    import math
    import warnings

    from bnverify import get_backend
    from bnverify.numerics.instances import active_margin_logistic
    from bnverify.regimes.logistic import geometry
    from bnverify.theorems.thm5_monotone_decrease import phi_piece

    geo = geometry(active_margin_logistic(n=8, d=12, seed=0))
    rho0 = 0.01 * float(geo.rho_branch)
    mp = get_backend(30)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for g in (10.0, 300.0, 400.0, 600.0):
            exact = phi_piece(geo.at(mp), mp.scalar(g), mp.scalar(1.01 * g), mp.scalar(rho0))
            got = phi_piece(geo, g, 1.01 * g, rho0)
            assert not math.isnan(got)
            assert math.isinf(got) or abs(got / float(exact) - 1) < 1e-12  # float64 rounding of e^{−γ} terms
