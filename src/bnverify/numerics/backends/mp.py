"""``Mpmath(dps)``: numpy ``object`` arrays of ``mpf`` numbers from a *private* mpmath context
(``mpmath.MPContext``) at ``dps`` significant digits, so two backends at different precisions never
share global state (mpmath's own ``fp``/``mp``/``iv`` contexts are the model). Mpmath runs on the
gmpy2 integer backend when it is installed (:func:`mpmath_uses_gmpy`)."""
from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
import numpy as np

from .base import ObjectBackend, domain_error

MAX_DPS = 10**4  # documented upper limit of the mpmath backend's digits (more would hang)


def mpmath_uses_gmpy() -> bool:
    """True when mpmath's integer arithmetic runs on gmpy2 (required for speed)."""
    return mpmath.libmp.BACKEND == "gmpy"


@dataclass(frozen=True, repr=False)
class Mpmath(ObjectBackend):
    """mpmath at ``dps`` significant digits, in a private context."""

    dps: int = 50
    name: str = field(init=False)
    dtype: object = field(default=object, init=False)
    _mp: mpmath.MPContext = field(init=False, compare=False)

    def __post_init__(self):
        dps = self.dps
        if not isinstance(dps, (int, np.integer)) or isinstance(dps, (bool, np.bool_)):
            raise ValueError(f"dps: must be an integer, got {dps!r}")
        if not 16 <= dps <= MAX_DPS:
            raise ValueError(f"dps: must be in [16, {MAX_DPS}] for the mpmath backend, got {dps}")
        object.__setattr__(self, "dps", int(dps))
        mp = mpmath.MPContext()
        mp.dps = int(self.dps)
        object.__setattr__(self, "_mp", mp)
        object.__setattr__(self, "name", f"mpmath{self.dps}")
        object.__setattr__(self, "overflow_limit", mp.mpf(1e300))  # trajectory.OVERFLOW, pre-converted
        # the scalar functions and their vectorised forms over object arrays
        for f in ("sqrt", "exp", "log1p"):
            object.__setattr__(self, f"_{f}", getattr(self, f"_checked_{f}", getattr(mp, f)))
            object.__setattr__(self, f"_v{f}", np.frompyfunc(getattr(self, f"_{f}"), 1, 1))
        object.__setattr__(self, "_vmpf", np.frompyfunc(mp.mpf, 1, 1))
        object.__setattr__(self, "_vfloat", np.frompyfunc(float, 1, 1))

    # --- the domain rule (see base): mpmath itself answers -inf or a complex number ---------------
    def _checked_sqrt(self, x):
        if x < 0:
            raise domain_error("sqrt", x)
        return self._mp.sqrt(x)

    def _checked_log1p(self, x):
        if x <= -1:
            raise domain_error("log1p", x)
        return self._mp.log1p(x)

    def scalar(self, x):
        return self._mp.mpf(x)

    def log(self, x):
        if not x > 0 and not self._mp.isnan(x):
            raise domain_error("log", x)
        return self._mp.log(x)

    def expm1(self, x):
        return self._mp.expm1(x)

    def lambertw(self, x, branch: int = 0):
        w = self._mp.lambertw(x, branch)
        if w.imag != 0:
            raise domain_error("lambertw", x)
        return w.real

    @property
    def inf(self):
        return self._mp.inf

    @property
    def nan(self):
        return self._mp.nan

    def asarray(self, x):
        """Convert to ``mpf`` at this precision. float64 inputs are taken exactly (binary)."""
        if isinstance(x, np.ndarray) and x.dtype == object:
            return self._vmpf(x).astype(object) if x.ndim else self._mp.mpf(x[()])
        a = np.asarray(x)
        if a.ndim == 0:
            return self._mp.mpf(a.item() if a.dtype != object else a[()])
        if a.dtype.kind == "f":
            a = a.astype(np.float64)
        return self._vmpf(a).astype(object)

    def isfinite(self, x):
        if isinstance(x, np.ndarray):
            return all(self._mp.isfinite(v) for v in x.flat)
        return bool(self._mp.isfinite(x))

    # --- dense linear algebra: mpmath's own qr, lu_solve, eigsy at this precision ----------------
    def _matrix(self, A):
        return self._mp.matrix(A.tolist())

    def orthonormal_columns(self, A):
        Q, R = self._mp.qr(self._matrix(A), mode="skinny")
        Q = np.array(Q.tolist(), dtype=object)
        sgn = np.array([1 if R[i, i] >= 0 else -1 for i in range(Q.shape[1])], dtype=object)
        return Q * sgn

    def solve(self, A, b):
        x = self._mp.lu_solve(self._matrix(A), self._mp.matrix(list(b)))
        return np.array([x[i] for i in range(len(b))], dtype=object)

    def eigvalsh(self, A):
        E = self._mp.eigsy(self._matrix(A), eigvals_only=True)
        return np.array(sorted(E[i] for i in range(A.shape[0])), dtype=object)
