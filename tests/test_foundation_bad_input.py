"""Foundation: bad input is refused with a ValueError that names the offending parameter.

Data (from_arrays, builders), hyperparameters (Hyper and its resolution), losses, backends,
simulators and the vectorised batch simulator. Valid edge cases are accepted (η_γ = 0 freezes
the scale; ρ_0 = 0 starts on the reference direction).
"""
import math

import numpy as np
import pytest

from bnverify import (Hyper, active_margin_logistic, build, from_arrays, get_backend, get_loss,
                      hilbert_section6, simulate, simulate_reduced, simulate_reduced_batch, whitened_regression)
from bnverify.numerics.geometry import rho
from bnverify.numerics.reference import hard_margin_svm
from bnverify.regimes.whitened import tau_inv

RNG = np.random.default_rng(0)
X = RNG.standard_normal((8, 3))
Y = RNG.standard_normal(8)
GOOD = dict(H0=1.0, eta_gamma=0.1, gamma0=1.0, w0_norm=1.0, rho0=0.1)


def _with(**kw):
    d = dict(GOOD)
    d.update(kw)
    return {k: v for k, v in d.items() if v is not ...}


# --- data -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("Xb,yb,param", [
    (np.where(np.arange(24).reshape(8, 3) == 5, np.nan, X), Y, "X"),
    (np.where(np.arange(24).reshape(8, 3) == 7, np.inf, X), Y, "X"),
    (X, np.where(np.arange(8) == 2, -np.inf, Y), "y"),
    (X, np.where(np.arange(8) == 0, np.nan, Y), "y"),
    (X[:, 0], Y, "X"),  # 1-D X
    (X[None], Y, "X"),  # 3-D X
    (np.empty((0, 3)), np.empty(0), "X"),
    (X, Y[:-1], "y"),  # length mismatch
    (X, Y[:, None], "y"),  # 2-D y
])
def test_from_arrays_rejects(Xb, yb, param):
    with pytest.raises(ValueError, match=param):
        from_arrays(Xb, yb)


def test_from_arrays_rejects_bad_labels_and_loss():
    with pytest.raises(ValueError, match="y"):
        from_arrays(X, Y, loss="logistic")  # labels not in {-1, +1}
    with pytest.raises(ValueError, match="loss"):
        from_arrays(X, Y, loss="hinge")
    with pytest.raises(ValueError, match="y"):
        hard_margin_svm(X, Y)


@pytest.mark.parametrize("kw,param", [
    (dict(n=3, d=3), "n"), (dict(n=2, d=5), "n"), (dict(n=5, d=0), "d"),
    (dict(n=10, d=3, a=-1.0), "a"), (dict(n=10, d=3, a=0.0), "a"), (dict(n=10, d=3, a=math.inf), "a"),
    (dict(n=10, d=3, labels="binary"), "labels"), (dict(n=10, d=3, residual=-0.1), "residual"),
    (dict(n=10, d=3, residual=math.nan), "residual"), (dict(n=4, d=3, residual=0.1), "n"),
    (dict(n=10, d=3, a=50.0, labels="pm1"), "a"),
])
def test_whitened_rejects(kw, param):
    with pytest.raises(ValueError, match=param):
        whitened_regression(**kw)


def test_other_builders_reject():
    with pytest.raises(ValueError, match="d"):
        active_margin_logistic(6, 6)
    with pytest.raises(ValueError, match="margin"):
        active_margin_logistic(4, 8, margin=0.0)
    with pytest.raises(ValueError, match="d"):
        hilbert_section6(n=8, d=8)
    with pytest.raises(ValueError, match="noise"):
        hilbert_section6(noise=-1.0)
    with pytest.raises(ValueError, match="spec"):
        build(("no_such_builder", {}))


# --- hyperparameters ------------------------------------------------------------------------------
@pytest.mark.parametrize("kw,param", [
    (_with(w0=(0.0, 0.0, 0.0), w0_norm=..., rho0=...), "w0"),
    (_with(w0=(1.0, math.nan, 0.0), w0_norm=..., rho0=...), "w0"),
    (_with(w0_norm=0.0), "w0_norm"), (_with(w0_norm=-1.0), "w0_norm"), (_with(w0_norm=math.inf), "w0_norm"),
    (_with(H0=..., eta=0.0), "eta"), (_with(H0=..., eta=-0.5), "eta"), (_with(H0=..., eta=math.nan), "eta"),
    (_with(H0=0.0), "H0"), (_with(H0=-2.0), "H0"), (_with(H0=math.inf), "H0"),
    (_with(eta=1.0), "eta"),  # both eta and H0
    (_with(H0=...), "eta"),  # neither
    (_with(eta_gamma=-0.1), "eta_gamma"), (_with(eta_gamma=math.nan), "eta_gamma"),
    (_with(rho0=-0.1), "rho0"), (_with(rho0=...), "rho0"), (_with(rho0=math.nan), "rho0"),
    (_with(gamma0_over_a=0.5), "gamma0"),  # both gamma0 and gamma0_over_a
    (_with(gamma0=...), "gamma0"),  # neither
    (_with(gamma0="1"), "gamma0"),
])
def test_hyper_rejects(kw, param):
    with pytest.raises(ValueError, match=param):
        Hyper(**kw)


def test_hyper_accepts_valid_edges_and_round_trips():
    inst = whitened_regression(12, 3, seed=1)
    frozen = Hyper(**_with(eta_gamma=0.0))  # η_γ = 0 is allowed: it freezes the scale
    assert simulate(inst, frozen, horizon=3).status == "finished"
    on_axis = Hyper(**_with(rho0=0.0))
    tr = simulate(inst, on_axis, horizon=3)
    assert float(tr["rho"][0]) <= tr.rho_floor  # 0 up to the rounding of β = ‖w − αe‖
    h = Hyper(**GOOD)
    assert Hyper.from_dict(h.to_dict()) == h
    hw = Hyper(eta=0.5, eta_gamma=0.1, gamma0=1.0, w0=[1.0, 2.0, 0.0])
    assert Hyper.from_dict(hw.to_dict()) == hw


def test_hyper_resolve_rejects_wrong_w0_length():
    inst = whitened_regression(12, 3, seed=1)
    with pytest.raises(ValueError, match="w0"):
        simulate(inst, Hyper(eta=0.5, eta_gamma=0.1, gamma0=1.0, w0=(1.0, 2.0)), horizon=3)


def test_rho0_needs_an_orthogonal_direction():
    inst = whitened_regression(5, 1, seed=0)  # d = 1: nothing is orthogonal to e
    with pytest.raises(ValueError, match="rho0"):
        simulate(inst, Hyper(**GOOD), horizon=3)
    assert simulate(inst, Hyper(**_with(rho0=0.0)), horizon=3).status == "finished"


# --- losses, backends, simulators -------------------------------------------------------------------
def test_unknown_loss_and_backend():
    with pytest.raises(ValueError, match="loss"):
        get_loss("hinge")
    assert get_loss("Square").name == "square" and get_loss("LOGISTIC").name == "logistic"
    with pytest.raises(ValueError, match="backend"):
        get_backend("quad")
    with pytest.raises(ValueError, match="backend"):
        simulate(whitened_regression(12, 3, seed=1), Hyper(**GOOD), horizon=3, backend="float128")


@pytest.mark.parametrize("horizon", [-1, 2.5, "10", None])
def test_horizon_rejected(horizon):
    inst = whitened_regression(12, 3, seed=1)
    for sim in (simulate, simulate_reduced):
        with pytest.raises(ValueError, match="horizon"):
            sim(inst, Hyper(**GOOD), horizon=horizon)
    with pytest.raises(ValueError, match="horizon"):
        simulate_reduced_batch(1.0, 1.0, 0.1, 0.5, 1.0, 0.1, horizon=horizon)


@pytest.mark.parametrize("args,param", [
    ((1.0, 1.0, 0.1, 0.5, 0.0, 0.1), "eta"), ((1.0, 1.0, 0.1, 0.5, -1.0, 0.1), "eta"),
    ((1.0, 1.0, 0.1, 0.5, 1.0, -0.1), "eta_gamma"), ((1.0, 0.0, 0.0, 0.5, 1.0, 0.1), "alpha0"),
    ((1.0, np.nan, 0.1, 0.5, 1.0, 0.1), "alpha0"), ((1.0, 1.0, np.inf, 0.5, 1.0, 0.1), "beta0"),
    ((np.nan, 1.0, 0.1, 0.5, 1.0, 0.1), "a"), ((1.0, 1.0, 0.1, np.nan, 1.0, 0.1), "gamma0"),
])
def test_batch_rejects(args, param):
    with pytest.raises(ValueError, match=param):
        simulate_reduced_batch(*args, horizon=5)


def test_geometry_and_tau_inv_reject():
    e = np.array([1.0, 0.0])
    with pytest.raises(ValueError, match="alpha"):
        rho(np.array([-1.0, 0.5]), e)
    with pytest.raises(ValueError, match="w"):
        rho(np.zeros(2), e)
    with pytest.raises(ValueError, match="H"):
        tau_inv(1.5)
