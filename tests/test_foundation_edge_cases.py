"""Foundation: outside a function's domain every arithmetic answers the same way (the rule in
``bnverify.numerics.backends.base``): one expression set, run through float64, mpmath and balls."""
import math

import numpy as np
import pytest

from bnverify.author import Example, Hyper, Statement
from bnverify.numerics.backends import DomainError, get_backend
from bnverify.numerics.simulate import simulate

SPECS = ["float64", "mpmath30", "arb256"]

RAISES = {  # expression -> the error every arithmetic raises
    "1/0": (lambda bk: bk.scalar(1) / bk.scalar(0), ZeroDivisionError),
    "-1/0": (lambda bk: bk.scalar(-1) / bk.scalar(0), ZeroDivisionError),
    "0/0": (lambda bk: bk.scalar(0) / bk.scalar(0), ZeroDivisionError),
    "1/0 (int numerator)": (lambda bk: 1 / bk.scalar(0), ZeroDivisionError),
    "log(0)": (lambda bk: bk.log(bk.scalar(0)), DomainError),
    "log(-1)": (lambda bk: bk.log(bk.scalar(-1)), DomainError),
    "sqrt(-1)": (lambda bk: bk.sqrt(bk.scalar(-1)), DomainError),
    "sqrt([4, -1])": (lambda bk: bk.sqrt(bk.asarray(np.array([4.0, -1.0]))), DomainError),
    "log1p(-1)": (lambda bk: bk.log1p(bk.scalar(-1)), DomainError),
    "log1p([0, -2])": (lambda bk: bk.log1p(bk.asarray(np.array([0.0, -2.0]))), DomainError),
    "lambertw(-1)": (lambda bk: bk.lambertw(bk.scalar(-1)), DomainError),
}


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("expr", sorted(RAISES))
def test_outside_the_domain_every_arithmetic_raises_the_same_error(spec, expr):
    f, error = RAISES[expr]
    with pytest.raises(error):
        f(get_backend(spec))
    assert issubclass(error, ArithmeticError)


@pytest.mark.parametrize("spec", SPECS)
def test_exp_never_raises_and_overflows_only_with_a_bounded_exponent(spec):
    bk = get_backend(spec)
    big = bk.exp(bk.scalar(1000))
    assert big > 1e300
    assert bk.isfinite(big) is (not bk.bounded_exponent)
    assert bk.expm1(bk.scalar(1000)) > 1e300
    assert bk.exp(bk.scalar(-1e6)) >= 0


@pytest.mark.parametrize("spec", SPECS)
def test_the_domain_edges_themselves_are_inside(spec):
    bk = get_backend(spec)
    assert bk.sqrt(bk.scalar(0)) == 0 and bk.log1p(bk.scalar(0)) == 0 and bk.log(bk.scalar(1)) == 0
    w = bk.lambertw(bk.scalar(-0.25), -1)  # the lower real branch on (-1/e, 0)
    assert abs(bk.to_float(w) - (-2.1532923641103496)) < 1e-12
    assert bk.isfinite(bk.inf) is False and bk.inf > 1e300
    assert math.ceil(bk.to_float(bk.scalar(2.5))) == bk.ceil_int(bk.scalar(2.5)) == 3


class _DividesByZero(Statement):
    """A check that divides a trajectory entry by zero."""

    id, version, reference = "probe.divides_by_zero", "v1", "none"
    provenance, kind = "exact", "upper bound"

    def check(self, traj, c):
        g = traj["gamma"][0]
        return self.upper_bound(traj, g / (g * 0), 1.0)


@pytest.mark.parametrize("spec", SPECS)
def test_a_check_dividing_trajectory_entries_by_zero_raises_in_every_arithmetic(spec):
    ex = Example.make("whitened_regression", Hyper(H0=1.0, rho0=0.1, eta_gamma=0.5, gamma0_over_a=0.5),
                      n=5, d=2, seed=0)
    traj = simulate(ex.instance(spec), ex.hyper, horizon=2)
    with pytest.raises(ArithmeticError):
        _DividesByZero().decide_check(traj, {})
