"""Closed forms of the whitened square-loss regime (THEORY.md §4), over a backend.

* threshold ``τ(ρ) = 2√(1+ρ²)/(1−ρ²)`` for ``0 ≤ ρ < 1`` and ``+∞`` for ``ρ ≥ 1`` (Lemma 7 (d):
  ``ρ_{t+1} > ρ_t ⟺ η_eff,t > τ(ρ_t)``); ``τ(0) = 2``, increasing;
* inverse ``τ⁻¹(H) = √((H² + 2 − 2√(2H² + 1))/H²)`` for ``H ≥ 2``;
* headroom ``H_0 = η a²/‖w_0‖²`` and effective learning rate ``η_eff = η γ a/‖w‖²``.
"""
from __future__ import annotations

import numpy as np

from .backends import FLOAT64, Backend


def _inf(bk: Backend):
    return np.inf if bk is FLOAT64 or bk.dtype is np.float64 else bk.ctx.inf


def tau(rho, bk: Backend = FLOAT64):
    """Rising-edge threshold τ(ρ) (scalar or array)."""
    if isinstance(rho, np.ndarray):
        if rho.dtype == object:
            return np.array([tau(r, bk) for r in rho.flat], dtype=object).reshape(rho.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = 2 * np.sqrt(1 + rho * rho) / (1 - rho * rho)
        return np.where((rho >= 1) | ~np.isfinite(rho), np.inf, out)
    if not rho < 1:
        return _inf(bk)
    return 2 * bk.sqrt(1 + rho * rho) / (1 - rho * rho)


def tau_inv(H, bk: Backend = FLOAT64):
    """The ρ with τ(ρ) = H, for H ≥ 2."""
    if H < 2:
        raise ValueError(f"H: tau_inv is defined for H >= 2, got {float(H)}")
    return bk.sqrt((H * H + 2 - 2 * bk.sqrt(2 * H * H + 1)) / (H * H))
