"""Numeric backends: the arithmetic every formula in bnverify is written against.

The mathematics (model, gradients, GD, reduced recurrence) is written once, in numpy array
expressions plus the handful of scalar functions a backend provides. Two backends run it:

* ``FLOAT64`` — numpy ``float64`` arrays; rounding unit 2**-53.
* ``Mpmath(dps)`` — numpy ``object`` arrays of ``mpf`` numbers from a *private* mpmath context
  (``mpmath.MPContext``) at ``dps`` significant digits, so two backends at different precisions
  never share global state (mpmath's own ``fp``/``mp``/``iv`` contexts are the model).

Mpmath runs on the gmpy2 integer backend when it is installed; :func:`mpmath_uses_gmpy` says so.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import mpmath
import numpy as np

__all__ = ["Backend", "Float64", "Mpmath", "FLOAT64", "get_backend", "mpmath_uses_gmpy"]


def mpmath_uses_gmpy() -> bool:
    """True when mpmath's integer arithmetic runs on gmpy2 (required for speed)."""
    return mpmath.libmp.BACKEND == "gmpy"


class Backend:
    """Interface of an arithmetic. Array arguments are numpy arrays of the backend's dtype."""

    name: str
    dps: int  # decimal digits carried
    dtype: object

    # --- conversion -------------------------------------------------------------------------
    def asarray(self, x) -> np.ndarray:
        raise NotImplementedError

    def scalar(self, x):
        raise NotImplementedError

    def to_float(self, x) -> np.ndarray | float:
        """Round to float64 (scalars stay scalars)."""
        if isinstance(x, np.ndarray):
            return x.astype(float)
        return float(x)

    # --- elementwise functions (scalars or arrays) ----------------------------------------
    def sqrt(self, x):
        raise NotImplementedError

    def exp(self, x):
        raise NotImplementedError

    def log1p(self, x):
        raise NotImplementedError

    def isfinite(self, x) -> bool:
        """True when every entry of ``x`` is finite."""
        raise NotImplementedError

    @property
    def eps(self) -> float:
        """Unit roundoff (relative spacing of representable numbers), as a float."""
        return 10.0 ** (1 - self.dps)

    # --- derived helpers written once over the primitives ---------------------------------
    def norm(self, v):
        return self.sqrt(v @ v)

    def log1pexp(self, x):
        """``log(1 + exp(x))`` evaluated without overflow: ``max(x,0) + log1p(exp(-|x|))``."""
        x = np.asarray(x, dtype=self.dtype)
        pos = np.where(x > 0, x, self.scalar(0))
        return pos + self.log1p(self.exp(-np.abs(x)))

    def sigmoid(self, x):
        """Stable logistic function ``1/(1+exp(-x))``."""
        x = np.asarray(x, dtype=self.dtype)
        e = self.exp(-np.abs(x))
        one = self.scalar(1)
        return np.where(x >= 0, one / (one + e), e / (one + e))

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True, repr=False)
class Float64(Backend):
    """IEEE double precision through numpy."""

    name: str = "float64"
    dps: int = 16
    dtype: object = np.float64

    def asarray(self, x):
        return np.asarray(x, dtype=np.float64)

    def scalar(self, x):
        return float(x)

    sqrt = staticmethod(np.sqrt)
    exp = staticmethod(np.exp)
    log1p = staticmethod(np.log1p)

    def isfinite(self, x):
        return bool(np.all(np.isfinite(x)))

    @property
    def eps(self):
        return float(np.finfo(np.float64).eps) / 2


@dataclass(frozen=True, repr=False)
class Mpmath(Backend):
    """mpmath at ``dps`` significant digits, in a private context."""

    dps: int = 50
    name: str = field(init=False)
    dtype: object = field(default=object, init=False)
    ctx: mpmath.MPContext = field(init=False, compare=False)

    def __post_init__(self):
        if int(self.dps) < 16:
            raise ValueError(f"dps must be >= 16 for the mpmath backend, got {self.dps}")
        ctx = mpmath.MPContext()
        ctx.dps = int(self.dps)
        object.__setattr__(self, "ctx", ctx)
        object.__setattr__(self, "name", f"mpmath{self.dps}")
        object.__setattr__(self, "overflow_limit", ctx.mpf(1e300))  # trajectory.OVERFLOW, pre-converted
        mpf = ctx.mpf
        # vectorised elementwise functions over object arrays
        object.__setattr__(self, "_vmpf", np.frompyfunc(mpf, 1, 1))
        object.__setattr__(self, "_vsqrt", np.frompyfunc(ctx.sqrt, 1, 1))
        object.__setattr__(self, "_vexp", np.frompyfunc(ctx.exp, 1, 1))
        object.__setattr__(self, "_vlog1p", np.frompyfunc(ctx.log1p, 1, 1))
        object.__setattr__(self, "_vfloat", np.frompyfunc(float, 1, 1))

    def asarray(self, x):
        """Convert to ``mpf`` at this precision. float64 inputs are taken exactly (binary)."""
        if isinstance(x, np.ndarray) and x.dtype == object:
            return self._vmpf(x).astype(object) if x.ndim else self.ctx.mpf(x[()])
        a = np.asarray(x)
        if a.ndim == 0:
            return self.ctx.mpf(a.item() if a.dtype != object else a[()])
        if a.dtype.kind == "f":
            a = a.astype(np.float64)
        return self._vmpf(a).astype(object)

    def scalar(self, x):
        return self.ctx.mpf(x)

    def _apply(self, vf, f, x):
        if isinstance(x, np.ndarray):
            return vf(x).astype(object) if x.ndim else f(x[()])
        return f(x)

    def sqrt(self, x):
        return self._apply(self._vsqrt, self.ctx.sqrt, x)

    def exp(self, x):
        return self._apply(self._vexp, self.ctx.exp, x)

    def log1p(self, x):
        return self._apply(self._vlog1p, self.ctx.log1p, x)

    def isfinite(self, x):
        if isinstance(x, np.ndarray):
            return all(self.ctx.isfinite(v) for v in x.flat)
        return bool(self.ctx.isfinite(x))

    def to_float(self, x):
        if isinstance(x, np.ndarray):
            return self._vfloat(x).astype(float) if x.size else x.astype(float)
        return float(x)


FLOAT64 = Float64()


@lru_cache(maxsize=None)
def _mpmath(dps: int) -> Mpmath:
    return Mpmath(dps)


def get_backend(spec) -> Backend:
    """``'float64'``, ``'mpmath'`` (50 digits), ``'mpmath100'``, an int (digits) or a Backend."""
    if isinstance(spec, Backend):
        return spec
    if isinstance(spec, int) and not isinstance(spec, bool):
        return _mpmath(spec)
    if isinstance(spec, str):
        s = spec.strip().lower()
        if s in ("float64", "f64", "double"):
            return FLOAT64
        if s.startswith("mpmath") or s.startswith("mp"):
            digits = s.removeprefix("mpmath").removeprefix("mp").lstrip(":@") or "50"
            if digits.isdigit():
                return _mpmath(int(digits))
    raise ValueError(
        f"backend: unknown spec {spec!r}; use 'float64', 'mpmath', 'mpmath<digits>' or an int"
    )


def digits_of(backend: Backend) -> float:
    """Decimal digits resolved by ``backend`` (for reports)."""
    return -math.log10(backend.eps)
