"""``Arb(bits)``: ball arithmetic (python-flint ``arb``) — object arrays of :class:`~.ball.Ball`,
each a rigorous enclosure of the exact real value; comparisons the balls cannot settle raise
:class:`~.ball.Uncertain` instead of deciding (``bnverify.verify.certify`` turns runs into proofs
per example). ``to_float`` gives midpoints, for display only."""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field

import numpy as np

from .ball import _ARB, _FLINT, Ball, Uncertain, _ball_class, _to_arb
from .base import ObjectBackend, domain_error


@dataclass(frozen=True, repr=False)
class Arb(ObjectBackend):
    """Ball arithmetic (python-flint ``arb``) at ``bits`` bits of working precision.

    Numbers are :class:`Ball` objects (numpy ``object`` arrays); every result encloses the exact
    real result, and comparisons that the balls cannot settle raise :class:`Uncertain`. So a
    simulation either encloses the exact trajectory and decides every comparison rigorously, or
    stops with :class:`Uncertain`. ``ball`` is the Ball type of this precision."""

    bits: int = 128
    name: str = field(init=False)
    dps: int = field(init=False)
    dtype: object = field(default=object, init=False)
    encloses = True

    def __post_init__(self):
        if isinstance(self.bits, bool) or not isinstance(self.bits, (int, np.integer)) or int(self.bits) < 53:
            raise ValueError(f"bits: must be an integer >= 53 for the arb backend, got {self.bits!r}")
        bits = int(self.bits)
        object.__setattr__(self, "bits", bits)
        cls = _ball_class(bits)
        object.__setattr__(self, "ball", cls)
        object.__setattr__(self, "name", f"arb{bits}")
        object.__setattr__(self, "dps", int(bits * math.log10(2)))
        object.__setattr__(self, "_inf", cls(_ARB.pos_inf()))
        object.__setattr__(self, "_nan", cls(_ARB.nan()))
        object.__setattr__(self, "overflow_limit", cls(_ARB(1e300)))  # trajectory.OVERFLOW
        object.__setattr__(self, "_vball", np.frompyfunc(self.scalar, 1, 1))
        object.__setattr__(self, "_vfloat", np.frompyfunc(float, 1, 1))
        object.__setattr__(self, "_vwrap", np.frompyfunc(cls, 1, 1))
        for f in ("sqrt", "exp", "log1p"):
            object.__setattr__(self, f"_{f}", getattr(self, f"_ball_{f}"))
            object.__setattr__(self, f"_v{f}", np.frompyfunc(getattr(self, f"_{f}"), 1, 1))

    # --- scalars ---------------------------------------------------------------------------------
    def scalar(self, x):
        return x if type(x) is self.ball else self.ball(_to_arb(x))

    def _f(self, name, x, *args):
        b = self.scalar(x)
        b._prec()
        return b._new(getattr(b.v, name)(*args))

    def _ball_sqrt(self, x):
        """√ of the ball's nonnegative part: every square root in bnverify is of an exact
        argument ≥ 0 (squared norms, 1 + ρ², …), so this encloses it even when rounding has
        widened the ball across 0 (arb's own sqrt would return nan there). A ball below 0 raises."""
        b = self.scalar(x)
        if b.v < 0:
            raise domain_error("sqrt", b)
        b._prec()
        return b._new(b.v.nonnegative_part().sqrt())

    def _ball_exp(self, x):
        return self._f("exp", x)

    def _ball_log1p(self, x):
        b = self.scalar(x)
        if b.v <= -1:
            raise domain_error("log1p", b)
        return self._f("log1p", b)

    def log(self, x):
        b = self.scalar(x)
        if b.v <= 0:
            raise domain_error("log", b)
        return self._f("log", b)

    def expm1(self, x):
        return self._f("expm1", x)

    def lambertw(self, x, branch: int = 0):
        """Real branches ``0`` and ``−1`` of Lambert W."""
        if branch not in (0, -1):
            raise ValueError(f"lambertw: only the real branches 0 and -1 exist on balls, got {branch}")
        b = self.scalar(x)
        if b.v < -(_ARB(-1).exp()) or (branch == -1 and b.v >= 0):
            raise domain_error("lambertw", b)
        return self._f("lambertw", b, int(branch))

    @property
    def inf(self):
        return self._inf

    @property
    def nan(self):
        return self._nan

    def isfinite(self, x):
        """True when every point of every entry is finite, False for an exact ±∞; otherwise
        :class:`Uncertain` (a ball of infinite radius or a nan ball says nothing about the exact value)."""
        if isinstance(x, np.ndarray):
            return all(self.isfinite(v) for v in x.flat)
        v = self.scalar(x).v
        if v.is_finite():
            return True
        if v.is_exact() and not v.is_nan():
            return False
        raise Uncertain(f"finiteness of {self.scalar(x)!r} is not decided")

    @property
    def eps(self):
        return 2.0 ** -self.bits

    @property
    def reach_eps(self) -> float:
        return 0.0

    def lower_end(self, x):
        return self.scalar(x).lower()

    def upper_end(self, x):
        return self.scalar(x).upper()

    def asarray(self, x):
        """Balls at this precision; float64 inputs are taken exactly (binary), balls as they are."""
        a = x if isinstance(x, np.ndarray) else np.asarray(x, dtype=object if _is_ball_like(x) else None)
        if a.ndim == 0:
            return self.scalar(a[()])
        if a.dtype.kind == "f":
            a = a.astype(np.float64)
        return self._vball(a).astype(object) if a.size else a.astype(object)

    def matmul(self, a, b):
        """``a @ b`` of ball arrays: numpy's object matmul run on the balls' arbs, so each product and
        each sum is the arb operation :class:`Ball`'s operators run, in the same order (numpy's: the
        first product, then each further product added in turn), at this precision — the same balls,
        without a Python call per operation. Arrays holding anything but balls of this precision go
        through the balls' own operators."""
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.size and b.size
                and _all_of(a, self.ball) and _all_of(b, self.ball)):
            return a @ b
        if _FLINT.prec != self.bits:
            _FLINT.prec = self.bits
        out = np.matmul(_vraw(a), _vraw(b))
        return self._vwrap(out).astype(object) if isinstance(out, np.ndarray) else self.ball(out)

    # --- dense linear algebra: certified algorithms in bnverify.numerics.linalg -------------------
    def orthonormal_columns(self, A):
        from bnverify.numerics import linalg

        return linalg.gram_schmidt(np.asarray(A, dtype=object), self)

    def solve(self, A, b):
        from bnverify.numerics import linalg

        return linalg.arb_solve(A, b, self)

    def eigvalsh(self, A):
        from bnverify.numerics import linalg

        return linalg.arb_eigvalsh(A, self)

    # branch-free forms (a branch on the sign of x would raise Uncertain at x ≈ 0, where both
    # branches agree; arb's exponent range is unbounded, so exp cannot overflow)
    def log1pexp(self, x):
        """``log(1 + exp(x)) = max(x, 0) + log1p(exp(−|x|))`` with the max taken on balls."""
        x = np.asarray(x, dtype=object)
        pos = np.frompyfunc(lambda v: v._new(v.v.max(_ARB(0))) if isinstance(v, Ball) else self.scalar(max(v, 0)),
                            1, 1)(x)
        return pos + self.log1p(self.exp(-np.abs(x)))

    def sigmoid(self, x):
        """``1/(1 + exp(−x))``."""
        x = np.asarray(x, dtype=object)
        return 1 / (1 + self.exp(-x))

    def hull(self, lo, hi):
        """The smallest ball holding ``[lower(lo), upper(hi)]``."""
        lo, hi = self.scalar(lo), self.scalar(hi)
        lo._prec()
        l, u = lo.v.lower(), hi.v.upper()
        return lo._new(_ARB((l + u) / 2, (u - l) / 2))

    def max(self, values):
        """Ball enclosing the maximum of the values (no comparison: arb's max of balls)."""
        vals = [self.scalar(v) for v in (values.flat if isinstance(values, np.ndarray) else values)]
        if not vals:
            raise ValueError("max: no values")
        m = vals[0].v
        for v in vals[1:]:
            m = m.max(v.v)
        return vals[0]._new(m)


_vraw = np.frompyfunc(operator.attrgetter("v"), 1, 1)
_vtype = np.frompyfunc(type, 1, 1)


def _all_of(a, cls) -> bool:
    """Every entry of the object array ``a`` is exactly of type ``cls``."""
    return bool((_vtype(a) == cls).all())


def _is_ball_like(x) -> bool:
    try:
        return any(isinstance(v, Ball) for v in np.asarray(x, dtype=object).flat)
    except Exception:  # noqa: BLE001
        return False
