"""Reference directions: least squares (square loss) and the hard-margin SVM (logistic loss).

* ``least_squares``: ``w* = argmin ‖Xw − y‖²``, the minimum-norm one when ``d > n``
  (``w* = Xᵀ(XXᵀ)⁻¹y``); for whitened data ``w* = Xᵀy/n`` exactly.
* ``hard_margin_svm``: ``w_svm = argmin ‖w‖ s.t. y_i⟨w, x_i⟩ ≥ 1`` (no bias). The dual
  ``max_{μ≥0} 1ᵀμ − ½‖Σ μ_i y_i x_i‖²`` is solved in float64 by L-BFGS-B (scipy), then an
  active-set loop fixes the support S and solves ``X_S X_Sᵀ ν = y_S`` at the working precision;
  the answer is accepted only when the KKT conditions hold (``μ_S ≥ 0``, margins ≥ 1 off S).
* ``active_margin_svm``: under Assumption 3, ``w_svm = Xᵀ(XXᵀ)⁻¹y`` with dual
  ``μ = y ⊙ (XXᵀ)⁻¹y``; Assumption 3 holds iff ``μ ≥ 0`` (THEORY.md §7).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from bnverify.numerics.backends import FLOAT64, Backend
from bnverify.numerics.linalg import solve


def least_squares(X, y, bk: Backend = FLOAT64) -> np.ndarray:
    n, d = X.shape
    if d > n:
        return X.T @ solve(X @ X.T, y, bk)
    return solve(X.T @ X, X.T @ y, bk)


@dataclass
class SVMSolution:
    w: np.ndarray  # w_svm
    mu: np.ndarray  # dual variables (≥ 0), w = Σ μ_i y_i x_i
    support: np.ndarray  # indices with μ_i > 0 (the active set)
    margins: np.ndarray  # y_i⟨w_svm, x_i⟩ (≥ 1, = 1 on the support)
    kkt_residual: float  # max violation of primal/dual feasibility and complementarity

    @property
    def margin(self):
        """Geometric margin 1/‖w_svm‖."""
        return 1 / np.sqrt(self.w @ self.w) if self.w.dtype != object else 1 / (self.w @ self.w) ** 0.5

    @property
    def all_active(self) -> bool:
        return len(self.support) == len(self.mu)


def _kkt(X, y, S, bk):
    XS = X[S]
    nu = solve(XS @ XS.T, y[S], bk)  # ν = y ⊙ μ on S
    w = XS.T @ nu
    mu = bk.asarray(np.zeros(len(y)))
    mu[S] = y[S] * nu
    margins = y * (X @ w)
    return w, mu, margins


def active_margin_svm(X, y, bk: Backend = FLOAT64) -> SVMSolution:
    """Closed form under Assumption 3 (every sample a support vector); check ``.kkt_residual``."""
    S = np.arange(len(y))
    w, mu, margins = _kkt(X, y, S, bk)
    viol = max(0.0, -float(min(bk.to_float(mu))))
    return SVMSolution(w, mu, S, margins, viol)


def hard_margin_svm(X, y, bk: Backend = FLOAT64, *, tol: float = 1e-9, max_iter: int = 100) -> SVMSolution:
    """Hard-margin SVM without bias, KKT-certified at the backend's precision."""
    Xf, yf = FLOAT64.to_float(X), FLOAT64.to_float(y)
    if not np.all(np.isin(yf, (-1.0, 1.0))):
        raise ValueError("y: hard-margin SVM needs labels in {-1, +1}")
    A = (Xf * yf[:, None]).T  # d × n, columns y_i x_i
    Q = A.T @ A
    n = len(yf)

    def f(mu):
        Qm = Q @ mu
        return 0.5 * mu @ Qm - mu.sum(), Qm - 1.0

    res = minimize(f, np.full(n, 1.0 / max(np.trace(Q) / n, 1e-300)), jac=True, method="L-BFGS-B",
                   bounds=[(0, None)] * n, options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10000})
    mu0 = res.x
    S = set(np.flatnonzero(mu0 > 1e-6 * max(mu0.max(), 1e-300)).tolist()) or {int(np.argmax(mu0))}
    for _ in range(max_iter):
        Sa = np.array(sorted(S))
        w, mu, margins = _kkt(X, y, Sa, bk)
        muf, mf = bk.to_float(mu), bk.to_float(margins)
        neg = [i for i in Sa if muf[i] < 0]
        out = [i for i in range(n) if i not in S and mf[i] < 1 - tol]
        if not neg and not out:
            viol = max(0.0, *(1 - mf[i] for i in range(n) if i not in S), 0.0)
            return SVMSolution(w, mu, Sa, margins, float(viol))
        if neg:  # drop the most negative multiplier
            S.discard(min(neg, key=lambda i: muf[i]))
        if out:  # add the most violated constraint
            S.add(min(out, key=lambda i: mf[i]))
    raise RuntimeError("hard_margin_svm: active-set loop did not converge (is the data separable?)")
