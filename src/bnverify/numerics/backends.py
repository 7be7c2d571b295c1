"""Numeric backends: the arithmetic every formula in bnverify is written against.

The mathematics (model, gradients, GD, reduced recurrence) is written once, in numpy array
expressions plus the handful of scalar functions a backend provides. Two backends run it:

* ``FLOAT64`` — numpy ``float64`` arrays; rounding unit 2**-53.
* ``Mpmath(dps)`` — numpy ``object`` arrays of ``mpf`` numbers from a *private* mpmath context
  (``mpmath.MPContext``) at ``dps`` significant digits, so two backends at different precisions
  never share global state (mpmath's own ``fp``/``mp``/``iv`` contexts are the model).
* ``Arb(bits)`` — ball arithmetic (python-flint ``arb``): object arrays of :class:`Ball`, each a
  rigorous enclosure of the exact real value; comparisons the balls cannot settle raise
  :class:`Uncertain` instead of deciding (``bnverify.verify.certify`` turns runs into proofs per example).

Mpmath runs on the gmpy2 integer backend when it is installed; :func:`mpmath_uses_gmpy` says so.
"""
from __future__ import annotations

import math
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

import flint
import mpmath
import numpy as np

__all__ = ["Backend", "Float64", "Mpmath", "FLOAT64", "get_backend", "mpmath_uses_gmpy",
           "Arb", "Ball", "Uncertain", "flint_precision", "midpoint", "argmax", "argmin"]


MAX_DPS = 10**4  # documented upper limit of the mpmath backend's digits (more would hang)


def mpmath_uses_gmpy() -> bool:
    """True when mpmath's integer arithmetic runs on gmpy2 (required for speed)."""
    return mpmath.libmp.BACKEND == "gmpy"


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

    @property
    def inf(self):
        """+∞ as a number of this backend."""
        raise NotImplementedError

    @staticmethod
    def ceil_int(x) -> int:
        """⌈x⌉ as a Python int, for a finite float, mpf or ball (on a ball: the ceiling every
        point of it shares, else :class:`Uncertain`). An mpf is rounded by mpmath (``math.ceil``
        of an mpf beyond the float range would overflow)."""
        if isinstance(x, (float, Ball)):
            return int(math.ceil(x))
        return int(mpmath.ceil(x))

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

    # --- small dense linear algebra (the algorithms: bnverify.numerics.linalg) ------------------------
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


@dataclass(frozen=True, repr=False)
class Float64(Backend):
    """IEEE double precision through numpy."""

    name: str = "float64"
    dps: int = 16
    dtype: object = np.float64
    bounded_exponent = True

    def asarray(self, x):
        return np.asarray(x, dtype=np.float64)

    def scalar(self, x):
        return float(x)

    sqrt = staticmethod(np.sqrt)
    exp = staticmethod(np.exp)
    log1p = staticmethod(np.log1p)
    inf = math.inf

    @staticmethod
    def log(x):
        return math.log(float(x))

    @staticmethod
    def expm1(x):
        return math.expm1(float(x))

    def isfinite(self, x):
        return bool(np.all(np.isfinite(x)))

    @property
    def eps(self):
        return float(np.finfo(np.float64).eps) / 2

    def orthonormal_columns(self, A):
        from bnverify.numerics import linalg

        return linalg.numpy_orthonormal_columns(A)

    def solve(self, A, b):
        from bnverify.numerics import linalg

        return linalg.numpy_solve(A, b)

    def eigvalsh(self, A):
        from bnverify.numerics import linalg

        return linalg.numpy_eigvalsh(A)


class _ObjectContext:
    """Elementwise functions of a multiprecision context (mpmath's ``mp``, or the ball context) on
    scalars and object arrays: one definition for :class:`Mpmath` and :class:`Arb` (``ctx``,
    ``_vsqrt``, ``_vexp``, ``_vlog1p`` are set by each)."""

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

    def log(self, x):
        return self.ctx.log(x)

    def expm1(self, x):
        return self.ctx.expm1(x)

    @property
    def inf(self):
        return self.ctx.inf


@dataclass(frozen=True, repr=False)
class Mpmath(_ObjectContext, Backend):
    """mpmath at ``dps`` significant digits, in a private context."""

    dps: int = 50
    name: str = field(init=False)
    dtype: object = field(default=object, init=False)
    ctx: mpmath.MPContext = field(init=False, compare=False)

    def __post_init__(self):
        dps = self.dps
        if not isinstance(dps, (int, np.integer)) or isinstance(dps, (bool, np.bool_)):
            raise ValueError(f"dps: must be an integer, got {dps!r}")
        if not 16 <= dps <= MAX_DPS:
            raise ValueError(f"dps: must be in [16, {MAX_DPS}] for the mpmath backend, got {dps}")
        object.__setattr__(self, "dps", int(dps))
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

    def isfinite(self, x):
        if isinstance(x, np.ndarray):
            return all(self.ctx.isfinite(v) for v in x.flat)
        return bool(self.ctx.isfinite(x))

    def to_float(self, x):
        if isinstance(x, np.ndarray):
            return self._vfloat(x).astype(float) if x.size else x.astype(float)
        return float(x)

    def orthonormal_columns(self, A):
        from bnverify.numerics import linalg

        return linalg.mp_orthonormal_columns(A, self)

    def solve(self, A, b):
        from bnverify.numerics import linalg

        return linalg.mp_solve(A, b, self)

    def eigvalsh(self, A):
        from bnverify.numerics import linalg

        return linalg.mp_eigvalsh(A, self)


FLOAT64 = Float64()


@lru_cache(maxsize=None)
def _mpmath(dps: int) -> Mpmath:
    return Mpmath(dps)


def get_backend(spec) -> Backend:
    """``'float64'``, ``'mpmath'`` (50 digits), ``'mpmath100'``, an int (digits), ``'arb'`` (balls,
    128 bits), ``'arb256'`` (bits) or a Backend."""
    if isinstance(spec, Backend):
        return spec
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, (bool, np.bool_)):
        if not 16 <= spec <= MAX_DPS:
            raise ValueError(f"backend: mpmath digits must be in [16, {MAX_DPS}], got {spec}")
        return _mpmath(int(spec))
    if isinstance(spec, str):
        s = spec.strip().lower()
        if s in ("float64", "f64", "double"):
            return FLOAT64
        if s.startswith("arb"):  # ball arithmetic: 'arb' (128 bits), 'arb256', 'arb:512'
            bits = s.removeprefix("arb").lstrip(":@") or "128"
            if bits.isdigit():
                return _arb(int(bits))
        if s.startswith("mpmath") or s.startswith("mp"):
            digits = s.removeprefix("mpmath").removeprefix("mp").lstrip(":@") or "50"
            if digits.isdigit() and digits.isascii():
                if not 16 <= int(digits) <= MAX_DPS:
                    raise ValueError(f"backend: mpmath digits must be in [16, {MAX_DPS}], got {spec!r}")
                return _mpmath(int(digits))
    raise ValueError(
        f"backend: unknown spec {spec!r}; use 'float64', 'mpmath', 'mpmath<digits>', 'arb<bits>' or an int"
    )


# ------------------------------------------------------------------------------------------------
# Ball arithmetic (python-flint's arb): rigorous enclosures, three-valued comparisons.
# ------------------------------------------------------------------------------------------------
_FLINT = flint.ctx
_ARB = flint.arb


class Uncertain(ArithmeticError):
    """A question about balls that the balls do not settle: a comparison of overlapping balls, the
    truth value, integer part or finiteness of a ball straddling the answer. Raised instead of
    deciding; at a higher precision the balls are narrower and the question may be settled."""


class Ball:
    """A real number known to lie in the ball ``[m ± r]`` (a ``flint.arb`` in :attr:`v`).

    Arithmetic and the functions of :class:`Arb` return balls that contain every result of the
    operation on points of the operands (arb's guarantee), so a computation encloses the exact
    real computation. Comparisons are three-valued: ``x < y`` is ``True`` when it holds for every
    pair of points, ``False`` when it fails for every pair, and raises :class:`Uncertain` otherwise
    (likewise ``<=, >, >=, ==, !=``). ``bool``, ``int``, ``math.ceil/floor`` and ``__index__`` decide
    only when the answer is the same for every point, else raise :class:`Uncertain`.

    ``float(x)`` is the midpoint — **for display only** (messages, :class:`Verdict` fields, reports);
    nothing in the backend decides through it. While :data:`float_sites` records (``certify`` does,
    around a statement's check), every ``float()`` of a non-exact ball that is not display — not an
    f-string replacement field, not a :class:`Verdict`'s float fields — records its ``file:line``:
    the checks that may decide through floats show up.

    Precision: each operation runs at the ball's own ``bits`` (a subclass per precision). arb reads
    its working precision from the process-wide ``flint.ctx.prec``; an operation sets it when it
    differs (reading it is cheap, a save-and-restore per operation would triple the cost) and
    :func:`flint_precision` restores it around a computation. The precision only changes how tight
    the balls are, never whether they enclose the exact value."""

    __slots__ = ("v",)
    bits = 0  # set on the per-precision subclass

    def __init__(self, v):
        self.v = v if type(v) is _ARB else _to_arb(v)

    # --- construction --------------------------------------------------------------------------
    def _new(self, v):
        b = object.__new__(type(self))
        b.v = v
        return b

    def _prec(self):
        if _FLINT.prec != self.bits:
            _FLINT.prec = self.bits

    # --- arithmetic ----------------------------------------------------------------------------
    def __add__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        self._prec()
        return self._new(self.v + o)

    def __radd__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        self._prec()
        return self._new(o + self.v)

    def __sub__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        self._prec()
        return self._new(self.v - o)

    def __rsub__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        self._prec()
        return self._new(o - self.v)

    def __mul__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        self._prec()
        return self._new(self.v * o)

    def __rmul__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        self._prec()
        return self._new(o * self.v)

    def __truediv__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        self._prec()
        return self._new(self.v / o)

    def __rtruediv__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        self._prec()
        return self._new(_ARB(o) / self.v if type(o) is not _ARB else o / self.v)

    def __pow__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        self._prec()
        if type(o) is int and 0 <= o <= 64:
            # integer powers by multiplication (arb's pow of a ball around 0 is nan): x^k with the
            # even part |x|^(2⌊k/2⌋) clipped to its nonnegative part
            even = _power_of_abs(abs(self.v), o - o % 2)
            return self._new(even if o % 2 == 0 else even * self.v)
        return self._new(self.v ** o)

    def __rpow__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        self._prec()
        return self._new(_ARB(o) ** self.v)

    def __neg__(self):
        return self._new(-self.v)

    def __pos__(self):
        return self

    def __abs__(self):
        return self._new(abs(self.v))

    # --- three-valued comparisons --------------------------------------------------------------
    def _cmp(self, o, op):
        ov = _operand(o)
        if ov is None:
            return NotImplemented
        v = self.v
        if op == "<":
            yes, no = v < ov, v >= ov
        elif op == "<=":
            yes, no = v <= ov, v > ov
        elif op == ">":
            yes, no = v > ov, v <= ov
        elif op == ">=":
            yes, no = v >= ov, v < ov
        elif op == "==":
            yes, no = v == ov, v != ov
        else:  # "!="
            yes, no = v != ov, v == ov
        if yes:
            return True
        if no:
            return False
        raise Uncertain(f"{self!r} {op} {_ARB(ov) if type(ov) is not _ARB else ov!r} is not decided by the balls")

    def __lt__(self, o):
        return self._cmp(o, "<")

    def __le__(self, o):
        return self._cmp(o, "<=")

    def __gt__(self, o):
        return self._cmp(o, ">")

    def __ge__(self, o):
        return self._cmp(o, ">=")

    def __eq__(self, o):
        return self._cmp(o, "==")

    def __ne__(self, o):
        return self._cmp(o, "!=")

    __hash__ = None  # equality is three-valued; balls are not dictionary keys

    def __bool__(self):
        if self.v.is_zero():
            return False
        if not self.v.contains(0):
            return True
        raise Uncertain(f"truth value of {self!r}: the ball contains 0 and other numbers")

    # --- conversions ---------------------------------------------------------------------------
    def __float__(self):
        """The midpoint, for display only (see the class docstring)."""
        if float_sites is not None and not self.v.is_exact():
            _record_float_site(sys._getframe(1))
        return float(self.v.mid())

    def _unique_int(self, x, what):
        if x.is_finite():
            k = x.unique_fmpz()
            if k is not None:
                return int(k)
        raise Uncertain(f"{what} of {self!r} is not the same integer for every point of the ball")

    def __floor__(self):
        self._prec()
        return self._unique_int(self.v.floor(), "floor")

    def __ceil__(self):
        self._prec()
        return self._unique_int(self.v.ceil(), "ceil")

    def __trunc__(self):
        v = self.v
        if v >= 0:
            return self.__floor__()
        if v <= 0:
            return self.__ceil__()
        if abs(v) < 1:
            return 0
        raise Uncertain(f"int() of {self!r}: the ball straddles 0")

    __int__ = __trunc__

    def __index__(self):
        if self.v.is_exact() and self.v.is_integer():
            return int(self.v.unique_fmpz())
        raise Uncertain(f"{self!r} is not known to be an integer")

    def __round__(self, ndigits=None):
        if ndigits is None:
            return self._unique_int((self.v + _ARB(0.5)).floor(), "round")
        return round(self.__float__(), ndigits)  # display only, like float()

    # --- the ball itself -----------------------------------------------------------------------
    @property
    def real(self):
        return self

    @property
    def imag(self):
        return self._new(_ARB(0))

    def mid(self) -> float:
        return float(self.v.mid())

    def rad(self) -> float:
        """Radius, rounded up to a float."""
        return float(self.v.rad().upper()) if self.v.rad().is_finite() else math.inf

    def lower(self):
        return self._new(self.v.lower())

    def upper(self):
        return self._new(self.v.upper())

    def contains(self, x) -> bool:
        """Every point of ``x`` (a number or ball) lies in this ball."""
        return bool(self.v.contains(_to_arb(x)))

    def is_finite(self) -> bool:
        return bool(self.v.is_finite())

    def __repr__(self):
        return f"Ball({self.v.str(radius=True)})" if self.v.is_finite() else f"Ball({self.v})"

    __str__ = __repr__

    def __reduce__(self):  # pickles exactly (midpoint and radius as binary strings)
        return (_ball_from_state, (self.bits, self.v.mid().man_exp(), self.v.rad().man_exp()
                                   if self.v.is_finite() else None, str(self.v)))


def midpoint(x) -> float:
    """``float(x)`` without recording a float site: the midpoint of a ball (``float`` of anything
    else). For messages, and for choosing which of several *decided* steps a verdict reports (its
    tightest margin) — never for a status."""
    return float(x.v.mid()) if isinstance(x, Ball) else float(x)


def argmax(values) -> tuple:
    """``(maximum, first index attaining it)`` of a sequence of backend numbers, three-valued-safe.
    Point arithmetic: decided by the backend's own comparisons (the first maximal entry). Balls: the
    maximum is a ball *enclosing* the exact maximum (arb's max, no comparison — equal entries, e.g. a
    ratio that has converged, would make every comparison uncertain), and the index is the entry of
    largest midpoint — which step is *reported*; decide on the returned maximum, never on the index.
    Raises ValueError on an empty sequence."""
    vals = list(values.flat if isinstance(values, np.ndarray) else values)
    if not vals:
        raise ValueError("argmax: no values")
    ball = next((v for v in vals if isinstance(v, Ball)), None)
    if ball is None:
        best, arg = vals[0], 0
        for i, v in enumerate(vals[1:], 1):
            if v > best:
                best, arg = v, i
        return best, arg
    balls = [v if isinstance(v, Ball) else ball._new(_to_arb(v)) for v in vals]
    m = balls[0].v
    for b in balls[1:]:
        m = m.max(b.v)
    mids = [float(b.v.mid()) for b in balls]
    return ball._new(m), max(range(len(mids)), key=mids.__getitem__)


def argmin(values) -> tuple:
    """``(minimum, index)``, like :func:`argmax` (on balls an enclosure of the exact minimum)."""
    vals = list(values.flat if isinstance(values, np.ndarray) else values)
    m, i = argmax([-v for v in vals])
    return -m, i


def _power_of_abs(a, k):
    r = _ARB(1)
    for _ in range(k):
        r = r * a
    return r.nonnegative_part()


def _ball_from_state(bits, mid_me, rad_me, text):
    cls = _ball_class(bits)
    if rad_me is None:
        return cls(_ARB(text))
    man = int(mid_me[0])
    with flint_precision(max(int(bits), man.bit_length() + 2)):  # the midpoint, without rounding
        return cls(_ARB(_ARB((man, int(mid_me[1]))), _ARB((int(rad_me[0]), int(rad_me[1])))))


float_sites: dict[str, int] | None = None  # "file:line (function)" -> count, while recording


def _record_float_site(frame) -> None:
    """Record where ``float(ball)`` was called, unless the call is display: an argument of an
    f-string replacement field (a message), or the float fields / relative slack of a Verdict."""
    code = frame.f_code
    fn = code.co_filename
    if fn.endswith(os.path.join("bnverify", "verify", "statement.py")) and code.co_name in ("__post_init__", "_rel"):
        return
    try:
        pos = list(code.co_positions())[frame.f_lasti // 2]
    except (AttributeError, IndexError):
        pos = (frame.f_lineno, None, None, None)
    if pos[0] is not None and pos[2] is not None and _inside_fstring(fn, pos):
        return
    key = f"{os.path.basename(fn)}:{frame.f_lineno} ({code.co_name})"
    if float_sites is not None:
        float_sites[key] = float_sites.get(key, 0) + 1


@lru_cache(maxsize=256)
def _fstring_spans(filename: str) -> tuple:
    """Source spans ``(line, col, end_line, end_col)`` of the f-string replacement fields in a file."""
    import ast

    try:
        with open(filename, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, ValueError):
        return ()
    return tuple((n.lineno, n.col_offset, n.end_lineno, n.end_col_offset)
                 for n in ast.walk(tree) if isinstance(n, ast.FormattedValue))


def _inside_fstring(filename: str, pos) -> bool:
    line, end_line, col, end_col = pos
    for l0, c0, l1, c1 in _fstring_spans(filename):
        if (l0, c0) <= (line, col) and (end_line or line, end_col or col) <= (l1, c1):
            return True
    return False


def _operand(o):
    """``o`` as something arb combines with exactly (an arb, int or float), or None."""
    t = type(o)
    if t is float or t is int:
        return o
    if isinstance(o, Ball):
        return o.v
    if t is _ARB:
        return o
    if isinstance(o, (bool, np.bool_)):
        return int(o)
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    return None


def _to_arb(x):
    """A number as an arb, exactly: float64 values and ints are taken as the binary numbers they
    are; strings are parsed by arb (as an enclosure)."""
    if isinstance(x, Ball):
        return x.v
    if isinstance(x, str):
        return _ARB(x)
    o = _operand(x)
    if o is None:
        if hasattr(x, "_mpf_"):  # an mpmath mpf: sign, mantissa, exponent — exact
            sign, man, exp, _ = x._mpf_
            if man == 0 and exp == 0:
                return _ARB(0)
            if man == 0:
                raise ValueError(f"cannot take the non-finite mpf {x} as a ball")
            return _ARB((int(-man if sign else man), int(exp)))
        raise TypeError(f"cannot take {type(x).__name__} {x!r} as a ball")
    return _ARB(o)


@lru_cache(maxsize=None)
def _ball_class(bits: int) -> type:
    return type(f"Ball{bits}", (Ball,), {"__slots__": (), "bits": int(bits)})


@contextmanager
def flint_precision(bits: int | None = None):
    """Restore ``flint.ctx.prec`` on exit (optionally set it to ``bits`` inside): ball operations
    set the process-wide precision to their own, this keeps it from leaking out of a computation."""
    old = _FLINT.prec
    try:
        if bits is not None:
            _FLINT.prec = int(bits)
        yield
    finally:
        _FLINT.prec = old


class _BallMath:
    """The scalar functions the code reaches through ``bk.ctx`` (the mpmath-context vocabulary:
    ``inf, mpf, sqrt, exp, expm1, log, log1p, lambertw, ceil, floor, isfinite``), on balls."""

    def __init__(self, cls):
        self._cls = cls
        self.inf = cls(_ARB.pos_inf())
        self.ninf = cls(_ARB.neg_inf())

    def mpf(self, x):
        return x if type(x) is self._cls else self._cls(_to_arb(x))

    convert = mpf

    def _f(self, name, x, *args):
        b = self.mpf(x)
        b._prec()
        return b._new(getattr(b.v, name)(*args))

    def sqrt(self, x):
        """√ of the ball's nonnegative part: every square root in bnverify is of an exact
        argument ≥ 0 (squared norms, 1 + ρ², …), so this encloses it even when rounding has
        widened the ball across 0 (arb's own sqrt would return nan there)."""
        b = self.mpf(x)
        b._prec()
        return b._new(b.v.nonnegative_part().sqrt())

    def exp(self, x):
        return self._f("exp", x)

    def expm1(self, x):
        return self._f("expm1", x)

    def log(self, x):
        return self._f("log", x)

    def log1p(self, x):
        return self._f("log1p", x)

    def lambertw(self, x, k=0):
        """Real branches ``k = 0`` and ``k = −1`` of Lambert W (``.real`` is the ball itself)."""
        if k not in (0, -1):
            raise ValueError(f"lambertw: only the real branches 0 and -1 exist on balls, got {k}")
        return self._f("lambertw", x, int(k))

    def ceil(self, x):
        return self._cls(math.ceil(self.mpf(x)))

    def floor(self, x):
        return self._cls(math.floor(self.mpf(x)))

    def isfinite(self, x) -> bool:
        """True when every point is finite, False for an exact ±∞; otherwise :class:`Uncertain`
        (a ball of infinite radius or a nan ball says nothing about the exact value)."""
        v = self.mpf(x).v
        if v.is_finite():
            return True
        if v.is_exact() and not v.is_nan():
            return False
        raise Uncertain(f"finiteness of {self.mpf(x)!r} is not decided")


@dataclass(frozen=True, repr=False)
class Arb(_ObjectContext, Backend):
    """Ball arithmetic (python-flint ``arb``) at ``bits`` bits of working precision.

    Numbers are :class:`Ball` objects (numpy ``object`` arrays); every result encloses the exact
    real result, and comparisons that the balls cannot settle raise :class:`Uncertain`. So a
    simulation either encloses the exact trajectory and decides every comparison rigorously, or
    stops with :class:`Uncertain`."""

    bits: int = 128
    name: str = field(init=False)
    dps: int = field(init=False)
    dtype: object = field(default=object, init=False)
    ctx: _BallMath = field(init=False, compare=False)
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
        object.__setattr__(self, "ctx", _BallMath(cls))
        object.__setattr__(self, "overflow_limit", cls(_ARB(1e300)))  # trajectory.OVERFLOW
        object.__setattr__(self, "_vball", np.frompyfunc(self.ctx.mpf, 1, 1))
        object.__setattr__(self, "_vfloat", np.frompyfunc(float, 1, 1))
        for f in ("sqrt", "exp", "log1p"):
            object.__setattr__(self, f"_v{f}", np.frompyfunc(getattr(self.ctx, f), 1, 1))

    @property
    def eps(self):
        return 2.0 ** -self.bits

    @property
    def reach_eps(self) -> float:
        return 0.0

    def lower_end(self, x):
        return self.ctx.mpf(x).lower()

    def upper_end(self, x):
        return self.ctx.mpf(x).upper()

    def asarray(self, x):
        """Balls at this precision; float64 inputs are taken exactly (binary), balls as they are."""
        a = x if isinstance(x, np.ndarray) else np.asarray(x, dtype=object if _is_ball_like(x) else None)
        if a.ndim == 0:
            return self.ctx.mpf(a[()])
        if a.dtype.kind == "f":
            a = a.astype(np.float64)
        return self._vball(a).astype(object) if a.size else a.astype(object)

    def isfinite(self, x):
        """Three-valued like :meth:`_BallMath.isfinite` (all entries of an array)."""
        if isinstance(x, np.ndarray):
            return all(self.ctx.isfinite(v) for v in x.flat)
        return self.ctx.isfinite(x)

    def to_float(self, x):
        """Midpoints as float64 (display only)."""
        if isinstance(x, np.ndarray):
            return self._vfloat(x).astype(float) if x.size else x.astype(float)
        return float(x)

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
        lo, hi = self.ctx.mpf(lo), self.ctx.mpf(hi)
        lo._prec()
        l, u = lo.v.lower(), hi.v.upper()
        return lo._new(_ARB((l + u) / 2, (u - l) / 2))

    def max(self, values):
        """Ball enclosing the maximum of the values (no comparison: arb's max of balls)."""
        vals = [self.ctx.mpf(v) for v in (values.flat if isinstance(values, np.ndarray) else values)]
        if not vals:
            raise ValueError("max: no values")
        m = vals[0].v
        for v in vals[1:]:
            m = m.max(v.v)
        return vals[0]._new(m)


def _is_ball_like(x) -> bool:
    try:
        return any(isinstance(v, Ball) for v in np.asarray(x, dtype=object).flat)
    except Exception:  # noqa: BLE001
        return False


@lru_cache(maxsize=None)
def _arb(bits: int) -> Arb:
    return Arb(bits)
