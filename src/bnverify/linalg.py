"""Small dense linear algebra over a backend: float64 through numpy/scipy, mpmath through
mpmath's own ``qr``, ``lu_solve`` and ``eigsy`` at the backend's precision."""
from __future__ import annotations

import numpy as np

from .backends import Backend, Float64


def _to_mp(M, bk):
    return bk.ctx.matrix(M.tolist())


def _from_mp(M) -> np.ndarray:
    return np.array(M.tolist(), dtype=object)


def orthonormal_columns(A, bk: Backend) -> np.ndarray:
    """Q with orthonormal columns spanning ``range(A)`` (thin QR; A must have full column rank).
    Signs are fixed so that ``diag(R) > 0`` (deterministic)."""
    if isinstance(bk, Float64):
        Q, R = np.linalg.qr(np.asarray(A, dtype=float))
        sgn = np.sign(np.diag(R))
        sgn[sgn == 0] = 1
        return Q * sgn
    Q, R = bk.ctx.qr(_to_mp(A, bk), mode="skinny")
    Q = _from_mp(Q)
    sgn = np.array([1 if R[i, i] >= 0 else -1 for i in range(Q.shape[1])], dtype=object)
    return Q * sgn


def solve(A, b, bk: Backend) -> np.ndarray:
    """Solve the square system ``A x = b``."""
    if isinstance(bk, Float64):
        return np.linalg.solve(np.asarray(A, float), np.asarray(b, float))
    x = bk.ctx.lu_solve(_to_mp(A, bk), bk.ctx.matrix(list(b)))
    return np.array([x[i] for i in range(len(b))], dtype=object)


def eigvalsh(A, bk: Backend) -> np.ndarray:
    """Eigenvalues of a symmetric matrix, ascending."""
    if isinstance(bk, Float64):
        return np.linalg.eigvalsh(np.asarray(A, float))
    E = bk.ctx.eigsy(_to_mp(A, bk), eigvals_only=True)
    return np.array(sorted(E[i] for i in range(A.shape[0])), dtype=object)
