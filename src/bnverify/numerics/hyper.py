"""Hyperparameters of a GD run: ``η``, ``η_γ``, ``w_0``, ``γ_0``.

They may be given in the theorems' own coordinates — ``H0`` (headroom ``η a²/‖w_0‖²``) instead of
``η``, ``gamma0_over_a`` instead of ``γ_0``, and ``(w0_norm, rho0, init_seed)`` instead of an
explicit ``w_0`` — and are *resolved against an instance at its precision*, so the same Hyper
means the same mathematical run in float64 and in mpmath.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from functools import cached_property

import numpy as np

from bnverify.numerics.backends import MAX_DPS as _MAX_DPS, Backend


# --- argument validation shared by the public builders, simulators and Hyper ----------------------
# Documented limits (a larger request would hang or overflow float64 instead of failing clearly):
MAX_SIZE = 10**5  # n and d, each
MAX_ENTRIES = 10**7  # n·d, the entries of X
MAX_MAGNITUDE = 1e150  # |a|, noise, residual, margin, spread: their squares stay finite in float64
MAX_HORIZON = 10**7  # GD steps of one trajectory
MAX_DPS = _MAX_DPS  # decimal digits of the mpmath backend (defined in backends/mp.py)


def is_integer(v) -> bool:
    """A Python or numpy integer, not a bool (``True`` is not the size 1)."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def is_real(v) -> bool:
    """A Python or numpy real number (int or float), not a bool and not a string."""
    return (isinstance(v, (int, float, np.integer, np.floating))
            and not isinstance(v, (bool, np.bool_)))


def check_integer(name: str, v, lo: int | None = None, hi: int | None = None) -> int:
    """``v`` as a Python int with ``lo <= v <= hi``; else ``ValueError`` naming ``name``
    (10.5 is not truncated, ``True`` is not 1, nan is refused)."""
    if not is_integer(v):
        raise ValueError(f"{name}: must be an integer, got {v!r} ({type(v).__name__})")
    v = int(v)
    if lo is not None and v < lo:
        raise ValueError(f"{name}: must be >= {lo}, got {v}")
    if hi is not None and v > hi:
        raise ValueError(f"{name}: must be <= {hi} (documented limit), got {v}")
    return v


def check_real(name: str, v, *, lo: float | None = None, lo_open: bool = False,
               hi: float | None = MAX_MAGNITUDE) -> float:
    """``v`` as a finite Python float in ``[lo, hi]`` (``(lo, hi]`` when ``lo_open``); else
    ``ValueError`` naming ``name``. numpy scalars are accepted; bools and strings are not."""
    if not is_real(v):
        raise ValueError(f"{name}: must be a finite number, got {v!r} ({type(v).__name__})")
    try:
        f = float(v)
    except OverflowError:  # a huge Python int
        raise ValueError(f"{name}: must be a finite number <= {hi:g}, got {v!r}") from None
    if not math.isfinite(f):
        raise ValueError(f"{name}: must be a finite number, got {v!r}")
    if lo is not None and (f <= lo if lo_open else f < lo):
        raise ValueError(f"{name}: must be {'>' if lo_open else '>='} {lo:g}, got {v!r}")
    if hi is not None and abs(f) > hi:
        raise ValueError(f"{name}: must be at most {hi:g} in magnitude (documented limit), got {v!r}")
    return f


def check_size(n: int, d: int) -> None:
    """The size limits of an instance: ``n, d <= MAX_SIZE`` and ``n·d <= MAX_ENTRIES``."""
    if n * d > MAX_ENTRIES:
        raise ValueError(f"n: n*d must be <= {MAX_ENTRIES} (documented limit), got n={n}, d={d}")


def _finite(name, v):
    """``v`` (None allowed) as a finite Python float; numpy scalars accepted."""
    if v is None:
        return None
    if not is_real(v):
        raise ValueError(f"{name}: must be a finite number, got {v!r}")
    try:
        f = float(v)
    except OverflowError:
        raise ValueError(f"{name}: must be a finite number, got {v!r}") from None
    if not math.isfinite(f):
        raise ValueError(f"{name}: must be a finite number, got {v!r}")
    return f


@dataclass(frozen=True)
class Hyper:
    eta: float | None = None
    H0: float | None = None
    eta_gamma: float = 0.0
    gamma0: float | None = None
    gamma0_over_a: float | None = None
    w0: tuple | None = None
    w0_norm: float = 1.0
    rho0: float | None = None
    init_seed: int = 0

    def __post_init__(self):
        for k in ("eta", "H0", "eta_gamma", "gamma0", "gamma0_over_a", "w0_norm", "rho0"):
            object.__setattr__(self, k, _finite(k, getattr(self, k)))
        object.__setattr__(self, "init_seed", check_integer("init_seed", self.init_seed, 0))
        if (self.eta is None) == (self.H0 is None):
            raise ValueError("eta: give exactly one of eta and H0")
        if self.eta is not None and not self.eta > 0:
            raise ValueError(f"eta: must be > 0, got {self.eta}")
        if self.H0 is not None and not self.H0 > 0:
            raise ValueError(f"H0: must be > 0, got {self.H0}")
        if not self.eta_gamma >= 0:
            raise ValueError(f"eta_gamma: must be >= 0 (0 freezes the scale), got {self.eta_gamma}")
        if (self.gamma0 is None) == (self.gamma0_over_a is None):
            raise ValueError("gamma0: give exactly one of gamma0 and gamma0_over_a")
        if self.w0 is None:
            if not self.w0_norm > 0:
                raise ValueError(f"w0_norm: must be > 0, got {self.w0_norm}")
            if self.rho0 is None or not self.rho0 >= 0:
                raise ValueError(f"rho0: must be >= 0 (it builds w0 with alpha0 > 0), got {self.rho0}")
        else:
            if isinstance(self.w0, (str, bytes)) or \
                    not all(is_real(x) for x in np.ravel(np.asarray(self.w0, dtype=object))):
                raise ValueError(f"w0: must be a vector of finite numbers, got {self.w0!r}")
            w = np.asarray(self.w0, dtype=float)
            if w.ndim != 1 or not np.all(np.isfinite(w)):
                raise ValueError("w0: must be a finite 1-D vector")
            if not np.any(w != 0):
                raise ValueError("w0: must be nonzero (||w0|| = 0 leaves the BN model undefined)")
            object.__setattr__(self, "w0", tuple(float(x) for x in w))

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, d: dict) -> "Hyper":
        """The inverse of :meth:`to_dict`; ``ValueError`` for anything but an object of known fields."""
        if not isinstance(d, dict):
            raise ValueError(f"hyper: expected an object of hyperparameters, got {d!r}")
        unknown = sorted(set(d) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"hyper: unknown field(s) {unknown}; known: {sorted(cls.__dataclass_fields__)}")
        w0 = d.get("w0")
        if w0 is not None and not isinstance(w0, (list, tuple, np.ndarray)):
            raise ValueError(f"w0: must be a vector of finite numbers, got {w0!r}")
        return cls(**{k: (tuple(v) if k == "w0" and v is not None else v) for k, v in d.items()})

    def resolve(self, inst) -> "Resolved":
        """The example set up at ``inst``'s precision: ``(η, η_γ, w_0, γ_0)`` as numbers of
        ``inst.backend`` and the initial state derived from them (:class:`Resolved`) — computed once
        per (instance object, hyper) and then shared by the hypotheses, the constants, the
        simulators and the check (:data:`SETUPS` counts the computations)."""
        key = (id(inst), self)
        hit = _RESOLVED.get(key)
        if hit is not None and hit[0] is inst:
            return hit[1]
        r = self._resolve(inst)
        if len(_RESOLVED) >= _RESOLVED_MAX:
            _RESOLVED.pop(next(iter(_RESOLVED)))
        _RESOLVED[key] = (inst, r)
        return r

    def _resolve(self, inst) -> "Resolved":
        SETUPS["resolve"] += 1
        bk: Backend = inst.backend
        a = inst.a
        if self.w0 is not None:
            w0 = bk.asarray(np.asarray(self.w0))
            if w0.shape != (inst.d,):
                raise ValueError(f"w0: expected length d={inst.d}, got {w0.shape[0]}")
        else:
            w0 = initialisation(inst, self.w0_norm, self.rho0, self.init_seed)
        norm2 = w0 @ w0
        eta = bk.scalar(self.eta) if self.eta is not None else bk.scalar(self.H0) * norm2 / (a * a)
        gamma0 = bk.scalar(self.gamma0) if self.gamma0 is not None else bk.scalar(self.gamma0_over_a) * a
        return Resolved(eta, bk.scalar(self.eta_gamma), w0, gamma0, norm2, inst)


SETUPS = {"resolve": 0, "initial_state": 0}  # computations so far (tests count them per example)


@dataclass(frozen=True)
class Resolved:
    """One example set up at one precision: the hyperparameters as backend numbers, and the initial
    state along the instance's direction ``e`` (THEORY.md §2), each computed on first use and kept:
    ``α_0 = ⟨w_0, e⟩``, ``β_0 = ‖w_0 − α_0 e‖``, ``‖w_0‖`` and ``‖w_0‖² = ⟨w_0, w_0⟩``."""

    eta: object
    eta_gamma: object
    w0: np.ndarray
    gamma0: object
    norm2: object = None  # ⟨w_0, w_0⟩
    inst: object = field(default=None, compare=False, repr=False)

    @cached_property
    def alpha0(self):
        SETUPS["initial_state"] += 1
        return self.w0 @ self.inst.e

    @cached_property
    def beta0(self):
        perp = self.w0 - self.inst.e * self.alpha0  # array first (mpf * ndarray converts the array through text)
        return self.inst.backend.sqrt(perp @ perp)

    @cached_property
    def w0_norm(self):
        return self.inst.backend.norm(self.w0)


def initialisation(inst, norm: float, rho: float, seed: int = 0) -> np.ndarray:
    """``w_0 = ‖w_0‖·(e + ρ_0 f)/√(1+ρ_0²)``: ``α_0 > 0``, ``ρ_0 = β_0/α_0`` as asked, with ``f`` a
    seeded unit vector orthogonal to ``e`` inside ``span(Xᵀ)`` (Assumption 2)."""
    if not norm > 0:
        raise ValueError(f"w0_norm: must be > 0, got {norm}")
    if not rho >= 0:
        raise ValueError(f"rho0: must be >= 0, got {rho}")
    bk = inst.backend
    e = inst.e
    g = bk.asarray(np.random.default_rng(seed).standard_normal(inst.n if inst.d > inst.n else inst.d))
    f = inst.X.T @ g if inst.d > inst.n else g  # lies in span(Xᵀ)
    f = f - e * (f @ e)
    f = f - e * (f @ e)  # re-orthogonalise (twice is enough); array first (mpf * ndarray is slow)
    nf = bk.norm(f)
    if not nf > 1e3 * bk.eps * bk.norm(g):
        if rho > 0:
            raise ValueError("rho0: > 0 needs a direction orthogonal to e in span(X^T) (d >= 2 and rank >= 2)")
        nf = bk.scalar(1)
    f = f / nf
    rho = bk.scalar(rho)
    return (e + f * rho) * bk.scalar(norm) / bk.sqrt(1 + rho * rho)  # array first (mpf * ndarray is slow)


_RESOLVED: dict = {}  # (id(instance), hyper) -> (instance, Resolved); a Resolved is a pure function of both
_RESOLVED_MAX = 4096  # a batch resolves each of its examples again when it decides them


def resolve(hyper: Hyper, inst) -> "Resolved":
    """``hyper.resolve(inst)`` (the example's set-up, computed once)."""
    return hyper.resolve(inst)
