"""The Backend interface: the arithmetic every formula in bnverify is written against.

The mathematics (model, gradients, GD, reduced recurrence) is written once, in numpy array
expressions plus the scalar functions a backend provides; a backend is one arithmetic (float64,
mpmath at some digits, balls at some bits), in the shape of mpmath's contexts (``fp``, ``mp``,
``iv``): every number a formula meets is made, combined and tested through its backend.

Outside the domain (one rule for every arithmetic): ``x/0`` and ``0/0`` of backend scalars raise
``ZeroDivisionError``; ``log`` of 0 or of a negative number, ``sqrt`` of a negative number (and the
other functions outside their domain) raise :class:`DomainError`; ``exp`` of a finite argument
never raises — beyond float64's range (``bounded_exponent``) it is ``inf``, mpmath and balls have
unbounded exponents. Both errors are ``ArithmeticError`` subclasses. On balls the rule applies to
balls wholly outside the domain (an exact zero divisor, a ball below 0); a ball that merely reaches
outside gives a ball that decides nothing (``Uncertain`` when compared). numpy's own float64 arithmetic
on array entries (a check dividing trajectory columns) follows the rule while a check runs:
``Statement.decide_check`` raises numpy's ``FloatingPointError`` (an ``ArithmeticError``) on a division
by zero or an invalid operation.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np


class DomainError(ArithmeticError, ValueError):
    """A backend function was asked for a value outside its domain (``log(0)``, ``sqrt(-1)``)."""


def domain_error(f: str, x) -> DomainError:
    return DomainError(f"{f}({x}): outside the domain of {f}")


class Backend:
    """Interface of an arithmetic. Array arguments are numpy arrays of the backend's dtype."""

    name: str
    dps: int  # decimal digits carried
    dtype: object
    # capabilities the algorithms above the backends read (instead of asking which backend this is)
    bounded_exponent = False  # True: numbers underflow (float64: below ~1e-308 they flush to 0)
    encloses = False  # True: every result encloses the exact one, comparisons are certain (balls)

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

    def log(self, x):
        """Natural logarithm of a scalar."""
        raise NotImplementedError

    def expm1(self, x):
        """``e^x − 1`` of a scalar, without cancellation for small x."""
        raise NotImplementedError

    def lambertw(self, x, branch: int = 0):
        """The real branch ``branch`` (0 or −1) of Lambert W at a scalar."""
        raise NotImplementedError

    @property
    def inf(self):
        """+∞ as a number of this backend."""
        raise NotImplementedError

    @property
    def nan(self):
        """Not-a-number as a number of this backend."""
        raise NotImplementedError

    @staticmethod
    def ceil_int(x) -> int:
        """⌈x⌉ as a Python int, for a finite float, mpf or ball (on a ball: the ceiling every
        point of it shares, else ``Uncertain``). An mpf is rounded by mpmath (``math.ceil``
        of an mpf beyond the float range would overflow)."""
        if hasattr(x, "_mpf_"):
            return int(mpmath.ceil(x))
        return int(math.ceil(x))

    def isfinite(self, x) -> bool:
        """True when every entry of ``x`` is finite."""
        raise NotImplementedError

    @property
    def eps(self) -> float:
        """Unit roundoff (relative spacing of representable numbers), as a float."""
        return 10.0 ** (1 - self.dps)

    @property
    def reach_eps(self) -> float:
        """The rounding unit a *rounding-reach* test adds to a comparison (``|a − b| > K·reach_eps·size``
        says the sign of ``a − b`` is beyond rounding): :attr:`eps` for point arithmetic; 0 on balls,
        whose radius already carries every rounding error (a decided ball comparison is resolved)."""
        return self.eps

    def lower_end(self, x):
        """``x`` itself for point arithmetic; on balls the exact lower end of the ball. For a
        rounding allowance on a fact that is exact by construction (a residual that is 0, a margin
        that is 1): ``lower_end(res) < K·eps`` asks whether the exact value may be the exact fact
        (a ball consistent with it), decided for every ball."""
        return x

    def upper_end(self, x):
        """``x`` for point arithmetic; on balls the exact upper end (see :meth:`lower_end`)."""
        return x

    def max(self, values):
        """The largest of ``values`` (on balls: a ball enclosing the maximum, no comparison)."""
        return max(values.flat if isinstance(values, np.ndarray) else values)

    def min(self, values):
        """The smallest of ``values`` (on balls: a ball enclosing the minimum, no comparison)."""
        return -self.max([-v for v in (values.flat if isinstance(values, np.ndarray) else values)])

    # --- derived helpers written once over the primitives ---------------------------------
    def matmul(self, a, b):
        """``a @ b`` (a backend may compute the same numbers faster: :meth:`Arb.matmul`)."""
        return a @ b

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

    # --- small dense linear algebra (the ball algorithms: bnverify.numerics.linalg) -----------
    def orthonormal_columns(self, A) -> np.ndarray:
        """Thin QR factor of ``A`` (full column rank) with ``diag(R) > 0``."""
        raise NotImplementedError

    def solve(self, A, b) -> np.ndarray:
        """``x`` with ``A x = b`` (A square)."""
        raise NotImplementedError

    def eigvalsh(self, A) -> np.ndarray:
        """Eigenvalues of a symmetric matrix, ascending."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.name


class ObjectBackend(Backend):
    """Numbers as Python objects in numpy ``object`` arrays (mpf, balls): each elementwise function
    applies the backend's scalar function (``_sqrt``, ``_exp``, ``_log1p``) entry by entry, through
    its vectorised form (``_vsqrt``, ``_vexp``, ``_vlog1p``); each subclass sets both."""

    def _apply(self, vf, f, x):
        if isinstance(x, np.ndarray):
            return vf(x).astype(object) if x.ndim else f(x[()])
        return f(x)

    def sqrt(self, x):
        return self._apply(self._vsqrt, self._sqrt, x)

    def exp(self, x):
        return self._apply(self._vexp, self._exp, x)

    def log1p(self, x):
        return self._apply(self._vlog1p, self._log1p, x)

    def to_float(self, x):
        if isinstance(x, np.ndarray):
            return self._vfloat(x).astype(float) if x.size else x.astype(float)
        return float(x)
