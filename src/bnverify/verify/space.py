"""The declared parameter space of a statement: one declaration, read by every searcher.

A :class:`Space` is a list of named :class:`Param` (range and scale: ``log``, ``linear``, ``int``,
``categorical``) and a ``build(values) -> Example`` function. Every searcher works in the unit cube
``[0, 1]^k``: a point ``u`` is mapped coordinate-wise to parameter values (:meth:`Space.values`) and
then to an :class:`~bnverify.verify.example.Example` (:meth:`Space.example`). Derived constraints of the
hypotheses are expressed by *reparametrisation* inside ``build`` wherever possible (e.g.
``γ_0 = f·a·c_0`` with ``f ∈ (0, 1]``), so that the cube maps onto the hypotheses region; what
remains is enforced by the statement's ``hypotheses()`` and counted as *rejected* (vacuous) draws.

Two flags say what a parameter means for the evidence:

* ``inert`` — provably does not change the decided quantity (for whitened reduced-recurrence
  statements: instance seed, n, d, a, ‖w_0‖, the initialisation seed; Lemma 7 (e) and scale
  invariance). Inert parameters are sampled sparsely (``levels`` values), never counted in the
  distinct-example key, never in coverage.
* ``covered`` — counted in coverage (False for seeds: a seed is decisive — it changes the data —
  but its "range" has no geometry to cover).

*Distinct examples* are counted by the tuple of decisive parameter values (rounded to 10
significant digits, :meth:`Space.key`); *coverage* (:func:`coverage`) is the share of cells of the
one- and two-dimensional marginals of the covered parameters that examples meeting the
hypotheses reach. A *focus region* (:meth:`Space.focus`) is a named sub-box of the space: a place
to look harder, never the space itself.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

SCALES = ("log", "linear", "int", "categorical")
KEY_DIGITS = 10


@dataclass(frozen=True)
class Param:
    """One coordinate of a space. ``lo``/``hi`` are inclusive bounds of the declared range (for
    ``categorical``: ``choices``). ``inert`` parameters take ``levels`` values only."""

    name: str
    lo: float = 0.0
    hi: float = 1.0
    scale: str = "linear"
    choices: tuple = ()
    inert: bool = False
    covered: bool = True
    levels: int = 3
    doc: str = ""

    def __post_init__(self):
        if self.scale not in SCALES:
            raise ValueError(f"{self.name}: scale must be one of {SCALES}, got {self.scale!r}")
        if self.scale == "categorical":
            if not self.choices:
                raise ValueError(f"{self.name}: a categorical parameter needs choices")
        elif not (math.isfinite(self.lo) and math.isfinite(self.hi) and self.lo <= self.hi):
            raise ValueError(f"{self.name}: need finite lo <= hi, got [{self.lo}, {self.hi}]")
        if self.scale == "log" and not self.lo > 0:
            raise ValueError(f"{self.name}: a log-scale parameter needs lo > 0, got {self.lo}")

    # --- constructors that read like the declaration --------------------------------------------
    @classmethod
    def log(cls, name, lo, hi, **kw) -> "Param":
        return cls(name, float(lo), float(hi), "log", **kw)

    @classmethod
    def linear(cls, name, lo, hi, **kw) -> "Param":
        return cls(name, float(lo), float(hi), "linear", **kw)

    @classmethod
    def integer(cls, name, lo, hi, **kw) -> "Param":
        return cls(name, float(int(lo)), float(int(hi)), "int", **kw)

    @classmethod
    def categorical(cls, name, choices, **kw) -> "Param":
        return cls(name, scale="categorical", choices=tuple(choices), **kw)

    # --- unit interval ↔ value -----------------------------------------------------------------
    def _quantise(self, u: float) -> float:
        if not self.inert:
            return u
        k = max(1, int(self.levels))
        return (min(int(u * k), k - 1) + 0.5) / k

    def value(self, u: float):
        """The parameter value at ``u ∈ [0, 1]`` (clipped)."""
        u = self._quantise(min(1.0, max(0.0, float(u))))
        if self.scale == "categorical":
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        if self.scale == "int":
            n = int(self.hi - self.lo) + 1
            return int(self.lo) + min(int(u * n), n - 1)
        if self.scale == "log":
            return float(self.lo * (self.hi / self.lo) ** u)
        return float(self.lo + u * (self.hi - self.lo))

    def unit(self, value) -> float:
        """Inverse of :meth:`value` (the cell centre for discrete scales)."""
        if self.scale == "categorical":
            return (self.choices.index(value) + 0.5) / len(self.choices)
        if self.scale == "int":
            n = int(self.hi - self.lo) + 1
            return (int(value) - int(self.lo) + 0.5) / n
        if self.hi == self.lo:
            return 0.5
        if self.scale == "log":
            return math.log(value / self.lo) / math.log(self.hi / self.lo)
        return (value - self.lo) / (self.hi - self.lo)

    def describe(self) -> str:
        rng = ("{" + ", ".join(map(str, self.choices)) + "}" if self.scale == "categorical"
               else f"[{self.lo:g}, {self.hi:g}]")
        tags = [t for t, on in (("inert", self.inert), ("not covered", not self.covered and not self.inert)) if on]
        return f"{self.name} ∈ {rng} ({self.scale}{', ' + ', '.join(tags) if tags else ''})"


def _round(v):
    if isinstance(v, float) and math.isfinite(v) and v != 0:
        return float(f"{v:.{KEY_DIGITS}g}")
    return v


@dataclass
class Space:
    """Named parameters and the map from their values to an Example (see the module docstring).

    ``build(values: dict) -> Example``; ``region`` says in words which region the cube maps onto
    (the hypotheses, and where the declared box truncates an unbounded range)."""

    params: tuple
    build: Callable[[dict], Any]
    region: str = ""
    focus_regions: dict = field(default_factory=dict)  # name -> {param: (lo, hi)}
    uses: Callable[[dict], set] | None = None  # which parameters an example actually reads (unions)

    def __post_init__(self):
        self.params = tuple(self.params)
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"space: duplicate parameter names in {names}")

    @property
    def dim(self) -> int:
        return len(self.params)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def decisive(self) -> list[Param]:
        return [p for p in self.params if not p.inert]

    def covered(self) -> list[Param]:
        return [p for p in self.params if not p.inert and p.covered]

    def values(self, u) -> dict:
        u = np.asarray(u, dtype=float).ravel()
        if u.size != self.dim:
            raise ValueError(f"space: expected a point of dimension {self.dim}, got {u.size}")
        return {p.name: p.value(x) for p, x in zip(self.params, u)}

    def example(self, u):
        """``(Example, values)`` at the unit-cube point ``u``."""
        v = self.values(u)
        return self.build(dict(v)), v

    def used(self, values: dict) -> set:
        """Names of the parameters the example at ``values`` reads (all, unless ``uses`` says less)."""
        return set(self.uses(values)) if self.uses is not None else set(self.names)

    def key(self, values: dict) -> tuple:
        """The distinct-example key: the decisive values the example reads, rounded to 10 significant
        digits (unread parameters are left out, so they cannot make two equal cases look distinct)."""
        used = self.used(values)
        return tuple(_round(values[p.name]) if p.name in used else None for p in self.decisive())

    def unit_point(self, values: dict) -> np.ndarray:
        return np.array([p.unit(values[p.name]) for p in self.params])

    def focus(self, name: str) -> "Space":
        """The focus region ``name``: the same space with some ranges narrowed."""
        box = self.focus_regions[name]
        params = tuple(replace(p, lo=float(box[p.name][0]), hi=float(box[p.name][1])) if p.name in box else p
                       for p in self.params)
        return Space(params, self.build, f"{self.region} — focus region '{name}'", {}, self.uses)

    def describe(self) -> list[str]:
        return [p.describe() for p in self.params]

    def walking_seed(self, feasible: Callable[[Any], bool], *, stride: int, tries: int, param: str = "seed") -> "Space":
        """The same space whose examples move along the data seed until ``feasible(example)``: for a
        hypothesis that holds on a thin part of the data (no reparametrisation reaches it), the example
        at ``values`` is the first of ``seed + stride·k`` (mod 2³¹, ``k < tries``) that is feasible, else
        the one at the drawn seed (its hypotheses then reject it: a counted vacuous draw)."""
        build = self.build

        def build_feasible(values: dict):
            for k in range(tries):
                ex = build({**values, param: (values[param] + stride * k) % 2**31})
                if feasible(ex):
                    return ex
            return build(values)

        return replace(self, build=build_feasible)


def _cooccur(space: Space, p: Param, q: Param) -> bool:
    """Whether some point of the space reads both parameters (probed at a few cube points)."""
    rng = np.random.default_rng(0)
    for _ in range(64):
        used = space.used(space.values(rng.random(space.dim)))
        if p.name in used and q.name in used:
            return True
    return False


# --- coverage -------------------------------------------------------------------------------------
BINS_1D = 10
BINS_2D = 5


def _cells(p: Param, bins: int) -> int:
    if p.scale == "categorical":
        return len(p.choices)
    if p.scale == "int":
        return min(bins, int(p.hi - p.lo) + 1)
    return bins


def _bin(p: Param, u: float, bins: int) -> int:
    k = _cells(p, bins)
    return min(int(min(max(u, 0.0), 1.0) * k), k - 1)


def coverage(space: Space, points: list[dict]) -> dict:
    """Share of the cells of the 1-D marginals (10 bins per covered parameter) and 2-D marginals
    (5×5 per pair) reached by ``points`` (parameter values of examples that met the hypotheses).
    Returns ``{'1d': share, '2d': share, 'cells_1d': (hit, total), 'cells_2d': (hit, total)}``;
    ``None`` shares when nothing is covered (no covered parameter)."""
    ps = space.covered()
    if not ps:
        return {"1d": None, "2d": None, "cells_1d": (0, 0), "cells_2d": (0, 0)}
    us = [{p.name: p.unit(v[p.name]) for p in ps if p.name in v} for v in points]
    hit1 = tot1 = 0
    for p in ps:
        k = _cells(p, BINS_1D)
        tot1 += k
        hit1 += len({_bin(p, u[p.name], BINS_1D) for u in us if p.name in u})
    hit2 = tot2 = 0
    for p, q in itertools.combinations(ps, 2):
        cells = {(_bin(p, u[p.name], BINS_2D), _bin(q, u[q.name], BINS_2D)) for u in us if p.name in u and q.name in u}
        if space.uses is not None and not any(p.name in u and q.name in u for u in us) and not _cooccur(space, p, q):
            continue  # a pair no example can read together (different members of a union)
        tot2 += _cells(p, BINS_2D) * _cells(q, BINS_2D)
        hit2 += len(cells)
    return {"1d": hit1 / tot1, "2d": (hit2 / tot2) if tot2 else None,
            "cells_1d": (hit1, tot1), "cells_2d": (hit2, tot2)}
