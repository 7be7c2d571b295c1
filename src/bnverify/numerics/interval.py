"""Endpoint interval arithmetic for region claims (``bnverify prove``): a real variable known to lie
in ``[lo, hi]``, the endpoints float64 numbers rounded outward.

Every operation computes its result's endpoints from the operands' endpoints in python-flint
``arb`` at 53 bits and takes arb's rigorous lower bound of the lower endpoint and upper bound of
the upper endpoint, rounded down/up to a float64 (``arb.lower()``/``upper()`` round outward at the
context precision; a guard steps once more outward if the float conversion was not exact). So the
result encloses every value of the operation on points of the operands — the guarantee of
:class:`bnverify.numerics.backends.Ball`, in the other representation: **endpoints instead of
midpoint–radius**. On the wide boxes a branch and bound starts from, endpoints keep monotone
expressions exact at their corners (``1 − [0, x]·c`` has upper end exactly 1) where a ball's radius
inflates both sides; ``benchmarks/interval.py`` measures the difference.

Comparisons are three-valued like :class:`Ball`'s: ``x < y`` is True when it holds for every pair
of points, False when it fails for every pair, and raises :class:`Uncertain` otherwise. The
backend :data:`INTERVAL` gives ``sqrt``, ``exp``, ``log``, ``inf`` and ``scalar``, so the closed
forms written over a backend (``tau``, ``tau_inv`` of ``bnverify.numerics.model``) evaluate on
intervals unchanged.

Centred forms: :func:`centred` encloses ``f`` over a box as the intersection of the naive form, the
mean-value form ``f(m) + Σ ∂_i f(box)·(x_i − m_i)`` (derivatives by forward mode, :class:`Dual`) and
the monotone form, for expressions whose variables appear several times (the dependency problem
widens a naive evaluation by the box's width, the mean-value form by its square).
"""
from __future__ import annotations

import math

import flint

from bnverify.numerics.backends import Backend, Uncertain

__all__ = ["Interval", "IntervalBackend", "INTERVAL", "iv", "hull", "Dual", "DUAL", "centred"]

_ARB = flint.arb
_CTX = flint.ctx
_PREC = 53
_INF = math.inf


_SAFE_LO, _SAFE_HI = 2.0 ** -1000, 2.0 ** 1000


def _down(x) -> float:
    """A float64 ≤ every point of the arb ``x`` (−inf if x is unbounded below): arb's lower bound
    rounded down at 53 bits is a float64 exactly in the normal range; a guard steps outward elsewhere."""
    f = float(x.lower())
    if f == 0.0 or _SAFE_LO < abs(f) < _SAFE_HI:
        return f
    if f != f:
        return -_INF
    if not math.isinf(f) and _ARB(f) > x.lower():
        f = math.nextafter(f, -_INF)
    return f


def _up(x) -> float:
    """A float64 ≥ every point of the arb ``x`` (+inf if unbounded above)."""
    f = float(x.upper())
    if f == 0.0 or _SAFE_LO < abs(f) < _SAFE_HI:
        return f
    if f != f:
        return _INF
    if not math.isinf(f) and _ARB(f) < x.upper():
        f = math.nextafter(f, _INF)
    return f


def _prec():
    if _CTX.prec != _PREC:
        _CTX.prec = _PREC


def _arb(x: float):
    return _ARB(x)


class Interval:
    """``[lo, hi]`` with float64 endpoints (``lo ≤ hi``; ±inf allowed as endpoints)."""

    __slots__ = ("lo", "hi")

    def __init__(self, lo, hi=None):
        if hi is None:
            hi = lo
        if isinstance(lo, Interval):
            lo, hi = lo.lo, lo.hi
        lo, hi = float(lo), float(hi)
        if not lo <= hi:  # also rejects nan
            raise ValueError(f"Interval: need lo <= hi, got [{lo!r}, {hi!r}]")
        self.lo, self.hi = lo, hi

    @staticmethod
    def _raw(lo, hi):
        x = object.__new__(Interval)
        x.lo, x.hi = lo, hi
        return x

    # --- inspection ---------------------------------------------------------------------------
    @property
    def width(self) -> float:
        return self.hi - self.lo

    @property
    def mid(self) -> float:
        if math.isinf(self.lo) or math.isinf(self.hi):
            return 0.0 if self.lo < 0 < self.hi else (self.hi if math.isinf(self.lo) else self.lo)
        return self.lo + (self.hi - self.lo) / 2

    def contains(self, x) -> bool:
        return self.lo <= x <= self.hi

    def __repr__(self):
        return f"[{self.lo!r}, {self.hi!r}]"

    def __float__(self):
        """The midpoint, for display only."""
        return self.mid

    # --- arithmetic ---------------------------------------------------------------------------
    def __add__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        _prec()
        return Interval._raw(_down(_arb(self.lo) + _arb(o.lo)) if self.lo > -_INF and o.lo > -_INF else -_INF,
                             _up(_arb(self.hi) + _arb(o.hi)) if self.hi < _INF and o.hi < _INF else _INF)

    __radd__ = __add__

    def __neg__(self):
        return Interval._raw(-self.hi, -self.lo)

    def __pos__(self):
        return self

    def __sub__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        return self + (-o)

    def __rsub__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        return o + (-self)

    def __mul__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        a0, a1, b0, b1 = self.lo, self.hi, o.lo, o.hi
        if _INF not in (abs(a0), abs(a1), abs(b0), abs(b1)):
            _prec()
            # sign cases: two endpoint products instead of four where the signs decide
            if a0 >= 0 and b0 >= 0:
                pl, ph = (a0, b0), (a1, b1)
            elif a1 <= 0 and b1 <= 0:
                pl, ph = (a1, b1), (a0, b0)
            elif a0 >= 0 and b1 <= 0:
                pl, ph = (a1, b0), (a0, b1)
            elif a1 <= 0 and b0 >= 0:
                pl, ph = (a0, b1), (a1, b0)
            elif a0 >= 0:  # b straddles 0
                pl, ph = (a1, b0), (a1, b1)
            elif b0 >= 0:  # a straddles 0
                pl, ph = (a0, b1), (a1, b1)
            elif a1 <= 0:
                pl, ph = (a0, b1), (a0, b0)
            elif b1 <= 0:
                pl, ph = (a1, b0), (a0, b0)
            else:
                pl = ph = None
            if pl is not None:
                return Interval._raw(_down(_ARB(pl[0]) * _ARB(pl[1])), _up(_ARB(ph[0]) * _ARB(ph[1])))
        los, his = [], []
        for a in (a0, a1):
            for b in (b0, b1):
                if (a == 0 and math.isinf(b)) or (b == 0 and math.isinf(a)):
                    los.append(0.0)
                    his.append(0.0)
                    continue
                if math.isinf(a) or math.isinf(b):
                    v = a * b
                    los.append(v)
                    his.append(v)
                    continue
                _prec()
                p = _ARB(a) * _ARB(b)
                los.append(_down(p))
                his.append(_up(p))
        return Interval._raw(min(los), max(his))

    __rmul__ = __mul__

    def _recip(self):
        if self.lo > 0 or self.hi < 0:
            _prec()
            lo = 0.0 if math.isinf(self.hi) else _down(1 / _arb(self.hi))
            hi = 0.0 if math.isinf(self.lo) else _up(1 / _arb(self.lo))
            return Interval._raw(lo, hi)
        if self.lo == 0 and self.hi > 0:  # [0, h]: 1/x ∈ [1/h, +∞) on (0, h] (the point 0 excluded)
            _prec()
            return Interval._raw(0.0 if math.isinf(self.hi) else _down(1 / _arb(self.hi)), _INF)
        raise Uncertain(f"division by an interval containing 0: {self!r}")

    def __truediv__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        if o.lo == o.hi and o.lo != 0 and not math.isinf(o.lo):  # exact division by a point
            _prec()
            b = _arb(o.lo)
            ends = [(_arb(a) / b) for a in (self.lo, self.hi) if not math.isinf(a)]
            lo = min([_down(e) for e in ends] + ([-_INF if o.lo > 0 else _INF] if math.isinf(self.lo) else []))
            hi = max([_up(e) for e in ends] + ([_INF if o.lo > 0 else -_INF] if math.isinf(self.hi) else []))
            if math.isinf(self.lo) or math.isinf(self.hi):
                lo, hi = min(lo, hi), max(lo, hi)
            return Interval._raw(lo, hi)
        return self * o._recip()

    def __rtruediv__(self, o):
        o = _operand(o)
        if o is None:
            return NotImplemented
        return o / self

    def __pow__(self, k):
        if not (isinstance(k, int) and k >= 0):
            return NotImplemented
        if k == 0:
            return Interval._raw(1.0, 1.0)
        if k % 2 == 0:
            a = abs(self)
            r = Interval._raw(1.0, 1.0)
            for _ in range(k):
                r = r * a
            return r
        r = self
        for _ in range(k - 1):
            r = r * self
        return r

    def __abs__(self):
        if self.lo >= 0:
            return self
        if self.hi <= 0:
            return -self
        return Interval._raw(0.0, max(-self.lo, self.hi))

    # --- comparisons (three-valued) ------------------------------------------------------------
    def __lt__(self, o):
        o = _operand(o)
        if self.hi < o.lo:
            return True
        if self.lo >= o.hi:
            return False
        raise Uncertain(f"{self!r} < {o!r}")

    def __le__(self, o):
        o = _operand(o)
        if self.hi <= o.lo:
            return True
        if self.lo > o.hi:
            return False
        raise Uncertain(f"{self!r} <= {o!r}")

    def __gt__(self, o):
        return _operand(o).__lt__(self)

    def __ge__(self, o):
        return _operand(o).__le__(self)

    def __bool__(self):
        if self.lo > 0 or self.hi < 0:
            return True
        if self.lo == self.hi == 0:
            return False
        raise Uncertain(f"truth value of {self!r}")

    # --- functions ----------------------------------------------------------------------------
    def sqrt(self):
        if self.lo < 0:
            raise Uncertain(f"sqrt of {self!r}")
        _prec()
        return Interval._raw(_down(_arb(self.lo).sqrt()),
                             _INF if math.isinf(self.hi) else _up(_arb(self.hi).sqrt()))

    def exp(self):
        _prec()
        return Interval._raw(0.0 if self.lo == -_INF else _down(_arb(self.lo).exp()),
                             _INF if self.hi == _INF else _up(_arb(self.hi).exp()))

    def log(self):
        if self.lo < 0:
            raise Uncertain(f"log of {self!r}")
        _prec()
        return Interval._raw(-_INF if self.lo == 0 else _down(_arb(self.lo).log()),
                             _INF if math.isinf(self.hi) else _up(_arb(self.hi).log()))


def _operand(o):
    if isinstance(o, Interval):
        return o
    if isinstance(o, (int, float)) and not isinstance(o, bool):
        f = float(o)
        if isinstance(o, int) and float(f) != o:
            return Interval._raw(math.nextafter(f, -_INF), math.nextafter(f, _INF))
        return Interval._raw(f, f)
    return None


def iv(lo, hi=None) -> Interval:
    """``Interval(lo, hi)`` (a point when ``hi`` is omitted)."""
    return Interval(lo, hi)


def hull(*xs: Interval) -> Interval:
    return Interval._raw(min(x.lo for x in xs), max(x.hi for x in xs))


class IntervalBackend(Backend):
    """The arithmetic vocabulary of :mod:`bnverify.numerics.backends` for intervals: enough for the
    scalar closed forms (``tau``, ``tau_inv``, ``reduced_step``'s ``sqrt``) to run on them."""

    name = "interval53"
    dps = 15
    dtype = object
    encloses = True

    def scalar(self, x):
        return x if isinstance(x, Interval) else _operand(x)

    def sqrt(self, x):
        return _operand(x).sqrt()

    def exp(self, x):
        return _operand(x).exp()

    def log(self, x):
        return _operand(x).log()

    @property
    def inf(self):
        return Interval._raw(_INF, _INF)

    @property
    def eps(self) -> float:
        return 2.0 ** -53

    @property
    def reach_eps(self) -> float:
        return 0.0  # the endpoints carry the rounding (as a ball's radius does)

    def __repr__(self):
        return self.name


INTERVAL = IntervalBackend()


class Dual:
    """Forward-mode derivative over intervals: ``val`` an enclosure of ``f`` over the box, ``d`` a
    tuple of enclosures of its partial derivatives over the box (Clarke's generalised gradient for
    ``abs`` at a sign change: the hull of ``±d``, for which Lebourg's mean value theorem holds). Used by
    :func:`centred` for the mean-value form."""

    __slots__ = ("val", "d")

    def __init__(self, val, d):
        self.val, self.d = val, d

    @staticmethod
    def _c(o, n):
        if isinstance(o, Dual):
            return o
        o = _operand(o)
        if o is None:
            return None
        z = Interval._raw(0.0, 0.0)
        return Dual(o, (z,) * n)

    def __add__(self, o):
        o = Dual._c(o, len(self.d))
        if o is None:
            return NotImplemented
        return Dual(self.val + o.val, tuple(a + b for a, b in zip(self.d, o.d)))

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.val, tuple(-a for a in self.d))

    def __sub__(self, o):
        o = Dual._c(o, len(self.d))
        if o is None:
            return NotImplemented
        return self + (-o)

    def __rsub__(self, o):
        o = Dual._c(o, len(self.d))
        if o is None:
            return NotImplemented
        return o + (-self)

    def __mul__(self, o):
        o = Dual._c(o, len(self.d))
        if o is None:
            return NotImplemented
        return Dual(self.val * o.val, tuple(a * o.val + self.val * b for a, b in zip(self.d, o.d)))

    __rmul__ = __mul__

    def __truediv__(self, o):
        o = Dual._c(o, len(self.d))
        if o is None:
            return NotImplemented
        q = self.val / o.val
        return Dual(q, tuple((a - q * b) / o.val for a, b in zip(self.d, o.d)))

    def __rtruediv__(self, o):
        o = Dual._c(o, len(self.d))
        if o is None:
            return NotImplemented
        return o / self

    def __abs__(self):
        v = self.val
        if v.lo >= 0:
            return self
        if v.hi <= 0:
            return -self
        return Dual(abs(v), tuple(hull(a, -a) for a in self.d))

    def sqrt(self):
        r = self.val.sqrt()
        return Dual(r, tuple(a / (2 * r) for a in self.d))

    # comparisons decide on the value's enclosure (a closed form may branch on its argument)
    def __lt__(self, o):
        return self.val < (o.val if isinstance(o, Dual) else o)

    def __le__(self, o):
        return self.val <= (o.val if isinstance(o, Dual) else o)

    def __gt__(self, o):
        return self.val > (o.val if isinstance(o, Dual) else o)

    def __ge__(self, o):
        return self.val >= (o.val if isinstance(o, Dual) else o)


class DualBackend(IntervalBackend):
    name = "interval53-dual"

    def scalar(self, x):
        return x

    def sqrt(self, x):
        return x.sqrt() if isinstance(x, (Dual, Interval)) else _operand(x).sqrt()


DUAL = DualBackend()


def centred(f, box: dict) -> Interval:
    """An enclosure of ``f`` (a function of a dict name → number, written over :data:`DUAL` /
    :data:`INTERVAL` arithmetic) over ``box``: the intersection of

    * the naive enclosure (``f`` evaluated on the box);
    * the mean-value form ``f(m) + Σ_i ∂_i f(box)·(x_i − m_i)`` (derivatives by :class:`Dual`);
    * the monotone form: where ``∂_i f`` has one sign over the box, the lower (upper) bound is
      taken with ``x_i`` at the end where ``f`` is smallest (largest).

    Falls back to the naive enclosure where a derivative is not enclosed (a division by an interval
    containing 0)."""
    names = list(box)
    n = len(names)
    z = Interval._raw(0.0, 0.0)
    one = Interval._raw(1.0, 1.0)
    duals = {k: Dual(box[k], tuple(one if j == i else z for j in range(n))) for i, k in enumerate(names)}
    try:
        fd = f(duals)
    except Uncertain:
        return f(box)
    naive = fd.val
    m = {k: Interval(box[k].mid) for k in names}
    mv = f(m)
    for i, k in enumerate(names):
        mv = mv + fd.d[i] * (box[k] - m[k])
    lo, hi = max(naive.lo, mv.lo), min(naive.hi, mv.hi)
    signs = [1 if d.lo >= 0 else (-1 if d.hi <= 0 else 0) for d in fd.d]
    if any(signs):
        b_lo = {k: (Interval(box[k].lo) if s > 0 else Interval(box[k].hi) if s < 0 else box[k])
                for k, s in zip(names, signs)}
        b_hi = {k: (Interval(box[k].hi) if s > 0 else Interval(box[k].lo) if s < 0 else box[k])
                for k, s in zip(names, signs)}
        try:
            lo = max(lo, f(b_lo).lo)
            hi = min(hi, f(b_hi).hi)
        except Uncertain:
            pass
    if lo > hi:  # every form encloses f(box): they cannot be disjoint
        raise AssertionError(f"centred: enclosures of f over {box!r} are disjoint")
    return Interval._raw(lo, hi)
