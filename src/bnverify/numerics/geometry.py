"""Directional quantities relative to a reference direction ``e`` (THEORY.md §1):
``α = ⟨w, e⟩``, ``β = ‖w − αe‖``, ``ρ = β/α`` (defined for ``α > 0``), ``cos θ = α/‖w‖``."""
from __future__ import annotations

from bnverify.numerics.backends import FLOAT64, Backend


def directional(w, e, bk: Backend = FLOAT64) -> dict:
    """``alpha, beta, wnorm, cos, sin`` of ``w`` against the unit vector ``e``."""
    alpha = w @ e
    perp = w - e * alpha  # array first (mpf * ndarray converts the array through text)
    beta = bk.sqrt(perp @ perp)
    wnorm = bk.norm(w)
    if not wnorm > 0:
        raise ValueError("w: must be nonzero (||w|| = 0 leaves the direction undefined)")
    return dict(alpha=alpha, beta=beta, wnorm=wnorm, cos=alpha / wnorm, sin=beta / wnorm)


def rho(w, e, bk: Backend = FLOAT64):
    """``ρ = β/α``; raises ``ValueError`` when ``α ≤ 0`` (ρ is only defined on the aligned side)."""
    q = directional(w, e, bk)
    if not q["alpha"] > 0:
        raise ValueError(f"alpha: rho = beta/alpha needs alpha > 0, got alpha = {float(q['alpha']):.6g}")
    return q["beta"] / q["alpha"]
