"""Helpers the statement files share: the whitened initial state and hypotheses, and reductions
of trajectory columns (largest step ratio, first onset …) that work in every backend."""
from __future__ import annotations

from bnverify.numerics.backends import argmax
from bnverify.regimes.whitened import initial_state, tau, tau_inv, whitened_hypotheses  # noqa: F401


def ratio_max(col, T: int) -> tuple[object, int | None]:
    """``max_t col[t+1]/col[t]`` over ``t < T`` (``+∞`` if ``col[t] = 0 < col[t+1]``; pairs with
    ``col[t] = col[t+1] = 0`` count as 1) and its first argmax. Returns (1.0, None) if T = 0. The
    maximum is the backend's number (a ball stays a ball, decided by the caller's comparison)."""
    if T <= 0:
        return 1.0, None
    ratios = []
    for t in range(T):
        x0, x1 = col[t], col[t + 1]
        if x0 > 0:
            ratios.append(x1 / x0)
        elif x1 > 0:
            ratios.append(float("inf"))
        else:
            ratios.append(1)
    return argmax(ratios)  # on balls: an enclosure of the maximum (no comparison of equal ratios)
