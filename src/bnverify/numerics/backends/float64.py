"""``FLOAT64``: IEEE double precision through numpy arrays; rounding unit 2**-53."""
from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import numpy as np

from .base import Backend, domain_error

_LAMBERTW = mpmath.MPContext()  # Lambert W of a float, in 80 bits (rounded to float64 by the caller)
_LAMBERTW.prec = 80


def _any(x, test) -> bool:
    """``test`` holds for the float ``x`` or for some entry of the array ``x`` (never for nan)."""
    if isinstance(x, float):  # float and numpy float64 scalars: no array round trip
        return bool(test(x))
    return bool(test(np.asarray(x)).any())


def _negative(v):
    return v < 0


def _at_most_minus_one(v):
    return v <= -1


@dataclass(frozen=True, repr=False)
class Float64(Backend):
    """IEEE double precision through numpy."""

    name: str = "float64"
    dps: int = 16
    dtype: object = np.float64
    bounded_exponent = True
    inf = math.inf
    nan = math.nan

    def asarray(self, x):
        return np.asarray(x, dtype=np.float64)

    def scalar(self, x):
        return float(x)

    @staticmethod
    def exp(x):
        with np.errstate(over="ignore"):  # beyond the float64 range: inf (the domain rule)
            return np.exp(x)

    @staticmethod
    def sqrt(x):
        if _any(x, _negative):
            raise domain_error("sqrt", x)
        return np.sqrt(x)

    @staticmethod
    def log1p(x):
        if _any(x, _at_most_minus_one):
            raise domain_error("log1p", x)
        return np.log1p(x)

    @staticmethod
    def log(x):
        if not float(x) > 0 and not math.isnan(float(x)):
            raise domain_error("log", x)
        return math.log(float(x))

    @staticmethod
    def expm1(x):
        try:
            return math.expm1(float(x))
        except OverflowError:  # beyond the float64 range, like exp
            return math.inf

    @staticmethod
    def lambertw(x, branch: int = 0):
        w = _LAMBERTW.lambertw(_LAMBERTW.mpf(float(x)), branch)
        if w.imag != 0:
            raise domain_error("lambertw", x)
        return float(w.real)

    def isfinite(self, x):
        return bool(np.all(np.isfinite(x)))

    @property
    def eps(self):
        return float(np.finfo(np.float64).eps) / 2

    def orthonormal_columns(self, A):
        Q, R = np.linalg.qr(np.asarray(A, dtype=float))
        sgn = np.sign(np.diag(R))
        sgn[sgn == 0] = 1
        return Q * sgn

    def solve(self, A, b):
        return np.linalg.solve(np.asarray(A, float), np.asarray(b, float))

    def eigvalsh(self, A):
        return np.linalg.eigvalsh(np.asarray(A, float))


FLOAT64 = Float64()
