"""Small dense linear algebra over a backend (:meth:`Backend.orthonormal_columns`, ``solve``,
``eigvalsh``: float64 through numpy, mpmath through its own ``qr``, ``lu_solve`` and ``eigsy``, in
their backends), and the ball algorithms (:class:`Arb`), whose every step is a ball operation, so
the results enclose the exact ones:
Gram–Schmidt for the thin QR factor, arb's certified ``arb_mat.solve``, and eigenvalue enclosures
from an approximate eigenbasis with Weyl's and Ostrowski's inequalities."""
from __future__ import annotations

import numpy as np

import flint
import mpmath

from bnverify.numerics.backends import Arb, Backend, Uncertain, flint_precision


def orthonormal_columns(A, bk: Backend) -> np.ndarray:
    """Q with orthonormal columns spanning ``range(A)`` (thin QR; A must have full column rank).
    Signs are fixed so that ``diag(R) > 0`` (deterministic). Each backend's own algorithm
    (:meth:`Backend.orthonormal_columns`)."""
    return bk.orthonormal_columns(A)


def solve(A, b, bk: Backend) -> np.ndarray:
    """Solve the square system ``A x = b`` (:meth:`Backend.solve`)."""
    return bk.solve(A, b)


def eigvalsh(A, bk: Backend) -> np.ndarray:
    """Eigenvalues of a symmetric matrix, ascending (:meth:`Backend.eigvalsh`)."""
    return bk.eigvalsh(A)


# --- balls ---------------------------------------------------------------------------------------

def gram_schmidt(A, bk: Arb) -> np.ndarray:
    """Modified Gram–Schmidt on balls. In exact arithmetic it yields the unique thin QR factor with
    ``diag(R) > 0`` (the one the other backends return after their sign fix), so the balls enclose
    it. A column whose remaining norm is not certified > 0 raises (rank deficient) or
    :class:`Uncertain` (not decided at this precision)."""
    A = bk.asarray(A)
    n, k = A.shape
    Q = np.empty((n, k), dtype=object)
    for j in range(k):
        v = A[:, j].copy()
        for i in range(j):
            v = v - (Q[:, i] @ v) * Q[:, i]
        r = bk.norm(v)
        if not r > 0:  # raises Uncertain when the balls cannot tell
            raise ValueError("A: must have full column rank")
        Q[:, j] = v / r
    return Q


def _arb_matrix(A, bk: Arb):
    A = bk.asarray(A)
    return flint.arb_mat([[x.v for x in row] for row in A])


def arb_solve(A, b, bk: Arb) -> np.ndarray:
    """``A x = b`` by arb's certified solver: the balls hold the exact solution of every system
    with data in the balls (Uncertain when the ball matrix is not certified invertible)."""
    with flint_precision(bk.bits):
        M = _arb_matrix(A, bk)
        rhs = flint.arb_mat([[x.v] for x in bk.asarray(b)])
        try:
            x = M.solve(rhs)
        except ZeroDivisionError as exc:
            raise Uncertain(f"solve: the matrix is not certified invertible at {bk.bits} bits") from exc
    return np.array([bk.ball(x[i, 0]) for i in range(x.nrows())], dtype=object)


def arb_eigvalsh(A, bk: Arb) -> np.ndarray:
    """Enclosures of the eigenvalues of a symmetric ball matrix, ascending.

    With an approximate orthonormal eigenbasis ``V`` (exact binary numbers, from mpmath at the
    midpoints), ``B = VᵀAV`` and ``E = VᵀV − I`` in balls: Weyl's inequality puts the i-th
    eigenvalue of B within ``‖B − diag(B)‖_F`` of the i-th smallest diagonal entry, and
    Ostrowski's theorem gives ``λ_i(B) = θ_i λ_i(A)`` with ``θ_i ∈ [1 − ‖E‖_F, 1 + ‖E‖_F]``."""
    A = bk.asarray(A)
    d = A.shape[0]
    mp = mpmath.MPContext()
    mp.prec = bk.bits + 20
    _, V = mp.eigsy(mp.matrix([[_mid_mpf(x, mp) for x in row] for row in A]))
    V = bk.asarray(np.array([[V[i, j] for j in range(d)] for i in range(d)], dtype=object))
    B = V.T @ A @ V
    E = V.T @ V - np.eye(d)
    off = _frobenius_upper([B[i, j] for i in range(d) for j in range(d) if i != j], bk)
    e = _frobenius_upper(list(E.flat), bk)
    if not e < 1:
        raise Uncertain("eigvalsh: the approximate eigenbasis is not certified nonsingular")
    lowers = sorted(B[i, i].v.lower() for i in range(d))
    uppers = sorted(B[i, i].v.upper() for i in range(d))
    theta_inv = bk.hull(1 / (1 + e), 1 / (1 - e))
    out = [bk.hull(bk.ball(lo) - off, bk.ball(hi) + off) * theta_inv for lo, hi in zip(lowers, uppers)]
    return np.array(out, dtype=object)


def _mid_mpf(x, mp):
    """The midpoint of a ball as an mpf, exactly."""
    man, exp = x.v.mid().man_exp()
    return mp.ldexp(mp.mpf(int(man)), int(exp))


def _frobenius_upper(values, bk: Arb):
    """An exact upper bound (as a ball of radius 0) of ``√(Σ x²)`` over the balls ``values``."""
    s = bk.scalar(0)
    for x in values:
        u = bk.ball(abs(x).v.upper())
        s = s + u * u
    return bk.ball(bk.sqrt(s).v.upper())
