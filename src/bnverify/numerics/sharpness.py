"""Sharpness: the top *algebraic* eigenvalue of the Hessian of L in (w, γ).

The BN Hessian is indefinite (scale invariance makes ``w`` a zero-curvature-or-worse direction
and the γ-coupling gives negative eigenvalues), so 'largest magnitude' is the wrong question:
dense ``eigvalsh`` for small ``d``, ``scipy.sparse.linalg.eigsh(which='LA')`` on a
Hessian-vector-product operator for large ``d``. Computed in float64 (from any backend's state).
"""
from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

from bnverify.numerics.backends import FLOAT64
from bnverify.numerics.model import hessian, hvp

DENSE_MAX = 400


def sharpness(X, y, w, gamma, loss) -> float:
    """λ_max(∇²L(w, γ)) (algebraically largest)."""
    Xf, yf = FLOAT64.to_float(X), FLOAT64.to_float(y)
    wf, gf = FLOAT64.to_float(w), float(gamma)
    d = Xf.shape[1]
    if d + 1 <= DENSE_MAX:
        return float(np.linalg.eigvalsh(hessian(Xf, yf, wf, gf, loss, FLOAT64))[-1])
    op = LinearOperator((d + 1, d + 1), matvec=lambda v: hvp(Xf, yf, wf, gf, loss, FLOAT64, np.ravel(v)),
                        dtype=float)
    return float(eigsh(op, k=1, which="LA", return_eigenvectors=False)[0])


def sharpness_along(traj, every: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Sharpness at steps ``0, every, 2·every, …`` of a trajectory recorded with ``record_w``."""
    if "w" not in traj.columns:
        raise ValueError("traj: sharpness_along needs a trajectory simulated with record_w=True")
    inst = traj.instance
    ts = np.arange(0, len(traj), every)
    vals = np.array([sharpness(inst.X, inst.y, traj["w"][t], traj["gamma"][t], inst.loss) for t in ts])
    return ts, vals
