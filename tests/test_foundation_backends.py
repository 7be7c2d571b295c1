"""Foundation: the numeric backends (the package bnverify.numerics.backends).

Checks: mpmath runs on gmpy2; backend specs resolve; mpmath contexts are private (two precisions
never share state); float64 inputs convert exactly; the stable elementwise helpers (softplus,
sigmoid) are correct far out in the tails in both precisions; unit roundoffs are what the rest of
the suite assumes.
"""
import mpmath
import numpy as np
import pytest

from bnverify import FLOAT64, get_backend, mpmath_uses_gmpy
from bnverify.numerics.backends import Mpmath


def test_mpmath_runs_on_gmpy2():
    assert mpmath_uses_gmpy(), "mpmath is not using the gmpy2 backend (slow big-integer arithmetic)"
    assert mpmath.libmp.BACKEND == "gmpy"


@pytest.mark.parametrize("spec,name,dps", [
    ("float64", "float64", 16), ("f64", "float64", 16), ("mpmath", "mpmath50", 50),
    ("mpmath100", "mpmath100", 100), ("mp60", "mpmath60", 60), (80, "mpmath80", 80),
])
def test_get_backend_specs(spec, name, dps):
    bk = get_backend(spec)
    assert bk.name == name and bk.dps == dps
    assert get_backend(bk) is bk


def test_get_backend_caches_and_rejects():
    assert get_backend("mpmath") is get_backend(50)
    for bad in ("float32", "mpmathxyz", 3.5, None, True):
        with pytest.raises(ValueError, match="backend"):
            get_backend(bad)
    with pytest.raises(ValueError, match="dps"):
        Mpmath(10)


def test_unit_roundoff():
    assert FLOAT64.eps == 2.0 ** -53
    assert get_backend("mpmath").eps == pytest.approx(1e-49, rel=1e-12)
    # 1 + eps rounds back to 1 in float64, 1 + 2 eps does not
    assert 1.0 + FLOAT64.eps == 1.0 and 1.0 + 2 * FLOAT64.eps > 1.0


def test_mpmath_contexts_are_private():
    b50, b100 = get_backend(50), get_backend(100)
    global_dps = mpmath.mp.dps
    third50 = b50.scalar(1) / 3
    third100 = b100.scalar(1) / 3
    assert mpmath.mp.dps == global_dps  # the global context is untouched
    # the 100-digit third is 1/3 to ~1e-100; the 50-digit one only to ~1e-50
    exact = mpmath.mpf(1) / 3
    with mpmath.workdps(150):
        exact = mpmath.mpf(1) / 3
        assert abs(third100 - exact) < mpmath.mpf(10) ** -99
        assert mpmath.mpf(10) ** -52 < abs(third50 - exact) < mpmath.mpf(10) ** -49


def test_float64_inputs_are_taken_exactly():
    bk = get_backend(100)
    x = np.array([0.1, 1 / 3, -2.5e-300, 1e300])
    X = bk.asarray(x)
    assert X.dtype == object
    for xf, xm in zip(x, X):
        # exact binary value: the mpf is the float itself, not its decimal rounding
        assert xm == mpmath.mpf(xf)
        with mpmath.workdps(100):
            assert xm - mpmath.mpf(xf) == 0
    assert bk.asarray(np.array(X)).dtype == object  # object arrays pass through
    assert np.array_equal(bk.to_float(X), x)


@pytest.mark.parametrize("spec", ["float64", "mpmath"])
def test_softplus_and_sigmoid_stable_in_tails(spec):
    bk = get_backend(spec)
    # ±700: e^-700 ≈ 1e-304 is still a normal float64 (e^-800 underflows to 0 by design)
    xs = [-700.0, -40.0, -1.0, 0.0, 1e-8, 1.0, 40.0, 700.0]
    x = bk.asarray(np.array(xs))
    sp = bk.log1pexp(x)
    sg = bk.sigmoid(x)
    assert bk.isfinite(sp) and bk.isfinite(sg)
    tol = 8 * bk.eps
    with mpmath.workdps(120):
        for xi, spi, sgi in zip(xs, sp, sg):
            ref_sp = mpmath.log1p(mpmath.exp(mpmath.mpf(xi)))
            ref_sg = 1 / (1 + mpmath.exp(-mpmath.mpf(xi)))
            assert abs(mpmath.mpf(spi) - ref_sp) <= tol * abs(ref_sp), (xi, spi)
            assert abs(mpmath.mpf(sgi) - ref_sg) <= tol * abs(ref_sg), (xi, sgi)


@pytest.mark.parametrize("spec", ["float64", "mpmath"])
def test_isfinite_and_norm(spec):
    bk = get_backend(spec)
    v = bk.asarray(np.array([3.0, 4.0]))
    assert bk.norm(v) == 5
    assert bk.isfinite(v)
    inf, nan = bk.inf, bk.nan
    assert not bk.isfinite(np.array([v[0], inf], dtype=bk.dtype))
    assert not bk.isfinite(np.array([nan, v[1]], dtype=bk.dtype))
    assert not bk.isfinite(inf)
