"""Hyperparameters of a GD run: ``η``, ``η_γ``, ``w_0``, ``γ_0``.

They may be given in the theorems' own coordinates — ``H0`` (headroom ``η a²/‖w_0‖²``) instead of
``η``, ``gamma0_over_a`` instead of ``γ_0``, and ``(w0_norm, rho0, init_seed)`` instead of an
explicit ``w_0`` — and are *resolved against an instance at its precision*, so the same Hyper
means the same mathematical run in float64 and in mpmath.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .backends import Backend


def _finite(name, v):
    if v is None:
        return
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
        raise ValueError(f"{name}: must be a finite number, got {v!r}")


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
            _finite(k, getattr(self, k))
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
        return cls(**{k: (tuple(v) if k == "w0" else v) for k, v in d.items()})

    def resolve(self, inst) -> "Resolved":
        """``(η, η_γ, w_0, γ_0)`` as numbers of ``inst.backend``."""
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
        return Resolved(eta, bk.scalar(self.eta_gamma), w0, gamma0)


@dataclass(frozen=True)
class Resolved:
    eta: object
    eta_gamma: object
    w0: np.ndarray
    gamma0: object


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
    f = f - (f @ e) * e
    f = f - (f @ e) * e  # re-orthogonalise (twice is enough)
    nf = bk.norm(f)
    if not nf > 1e3 * bk.eps * bk.norm(g):
        if rho > 0:
            raise ValueError("rho0: > 0 needs a direction orthogonal to e in span(X^T) (d >= 2 and rank >= 2)")
        nf = bk.scalar(1)
    f = f / nf
    rho = bk.scalar(rho)
    return bk.scalar(norm) * (e + rho * f) / bk.sqrt(1 + rho * rho)
