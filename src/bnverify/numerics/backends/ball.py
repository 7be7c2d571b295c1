"""``Ball``: a real number known to lie in a ball (python-flint's ``arb``), with three-valued
comparisons that raise :class:`Uncertain` instead of deciding what the balls do not settle."""
from __future__ import annotations

import math
import sys
from contextlib import contextmanager
from functools import lru_cache

import flint
import numpy as np

from . import audit

_FLINT = flint.ctx
_object_new = object.__new__
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
    nothing in the backend decides through it. Inside :func:`~.audit.float_audit` (``certify`` audits
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
    # The hot path of every ball simulation: each operation inlines what ``_operand``, ``_prec`` and
    # ``_new`` do (the operand's arb, the working precision, a new ball of this class) — the same arb
    # operation at the same precision as through the helpers, without three Python calls per operation.
    def __add__(self, o):
        t = type(o)
        ov = o if (t is float or t is int or t is _ARB) else (o.v if isinstance(o, Ball) else _operand(o))
        if ov is None:
            return NotImplemented
        if _FLINT.prec != self.bits:
            _FLINT.prec = self.bits
        b = _object_new(self.__class__)
        b.v = self.v + ov
        return b

    def __radd__(self, o):
        t = type(o)
        ov = o if (t is float or t is int or t is _ARB) else (o.v if isinstance(o, Ball) else _operand(o))
        if ov is None:
            return NotImplemented
        if _FLINT.prec != self.bits:
            _FLINT.prec = self.bits
        b = _object_new(self.__class__)
        b.v = ov + self.v
        return b

    def __sub__(self, o):
        t = type(o)
        ov = o if (t is float or t is int or t is _ARB) else (o.v if isinstance(o, Ball) else _operand(o))
        if ov is None:
            return NotImplemented
        if _FLINT.prec != self.bits:
            _FLINT.prec = self.bits
        b = _object_new(self.__class__)
        b.v = self.v - ov
        return b

    def __rsub__(self, o):
        t = type(o)
        ov = o if (t is float or t is int or t is _ARB) else (o.v if isinstance(o, Ball) else _operand(o))
        if ov is None:
            return NotImplemented
        if _FLINT.prec != self.bits:
            _FLINT.prec = self.bits
        b = _object_new(self.__class__)
        b.v = ov - self.v
        return b

    def __mul__(self, o):
        t = type(o)
        ov = o if (t is float or t is int or t is _ARB) else (o.v if isinstance(o, Ball) else _operand(o))
        if ov is None:
            return NotImplemented
        if _FLINT.prec != self.bits:
            _FLINT.prec = self.bits
        b = _object_new(self.__class__)
        b.v = self.v * ov
        return b

    def __rmul__(self, o):
        t = type(o)
        ov = o if (t is float or t is int or t is _ARB) else (o.v if isinstance(o, Ball) else _operand(o))
        if ov is None:
            return NotImplemented
        if _FLINT.prec != self.bits:
            _FLINT.prec = self.bits
        b = _object_new(self.__class__)
        b.v = ov * self.v
        return b

    def __truediv__(self, o):
        t = type(o)
        ov = o if (t is float or t is int or t is _ARB) else (o.v if isinstance(o, Ball) else _operand(o))
        if ov is None:
            return NotImplemented
        # an exact zero divisor (a ball merely containing 0 gives a ball that decides nothing)
        if (ov.is_zero() if type(ov) is _ARB else ov == 0):
            raise ZeroDivisionError(f"{self!r} / 0")
        if _FLINT.prec != self.bits:
            _FLINT.prec = self.bits
        b = _object_new(self.__class__)
        b.v = self.v / ov
        return b

    def __rtruediv__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        if self.v.is_zero():
            raise ZeroDivisionError(f"{o!r} / {self!r}")
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
        b = _object_new(self.__class__)
        b.v = -self.v
        return b

    def __pos__(self):
        return self

    def __abs__(self):
        b = _object_new(self.__class__)
        b.v = abs(self.v)
        return b

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
        if audit.recording() and not self.v.is_exact():
            audit.record(sys._getframe(1))
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


