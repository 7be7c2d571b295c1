"""Instances: seeded datasets with their reference direction and the facts the theorems use.

Every instance is *re-buildable at any precision* from its :attr:`Instance.spec` (builder name +
keyword arguments): random draws are made in float64 from the seed and taken exactly, and every
derived operation (whitening, SVM solve, reference) is redone at the working precision. That is
what lets a float64 verdict be re-decided in mpmath on the same mathematical instance.

Builders (all seedable):

* :func:`whitened_regression` — square loss, ``Σ = XᵀX/n = I`` exactly (to working precision),
  columns centred, ``n ≥ d + 1``, real or ±1 labels, prescribed ``a = ‖w*‖`` (THEORY.md §4).
* :func:`hilbert_section6` — the paper's Section 6 instance (Hilbert slice, random rotations,
  Gaussian noise, ``d > n``, ±1 labels), square or logistic loss.
* :func:`active_margin_logistic` — separable data with every sample on the margin
  (Assumption 3), certified by the KKT test of THEORY.md §7.
* :func:`separable_logistic` — generic separable data (some samples off the margin).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from bnverify.numerics.backends import FLOAT64, Backend, get_backend
from bnverify.numerics.hyper import MAX_SIZE, check_integer, check_real, check_size
from bnverify.numerics.linalg import eigvalsh, orthonormal_columns
from bnverify.numerics.model import Loss, get_loss
from bnverify.numerics.reference import active_margin_svm, hard_margin_svm, least_squares

__all__ = [
    "Instance", "from_arrays", "whitened_regression", "hilbert_section6", "active_margin_logistic",
    "separable_logistic", "build", "BUILDERS", "validate_data",
]


@dataclass
class Instance:
    """A dataset at one precision, with its reference direction and derived facts.

    ``w_ref``: least-squares solution (square loss) or hard-margin SVM (logistic loss);
    ``e = w_ref/‖w_ref‖``; ``a = ‖w_ref‖``; ``L_star`` the infimum of the risk when known
    (square loss: the least-squares residual; logistic separable data: 0, not attained);
    ``lam_min``/``lam_max``: extreme eigenvalues of ``Σ`` restricted to ``span(Xᵀ)``;
    ``margin``: ``1/‖w_svm‖`` (logistic only).
    """

    X: np.ndarray
    y: np.ndarray
    loss: Loss
    backend: Backend
    w_ref: np.ndarray
    spec: tuple[str, dict]  # (builder name, kwargs) — rebuilds this instance at any precision
    L_star: Any = None
    lam_min: Any = None
    lam_max: Any = None
    margin: Any = None
    facts: dict = field(default_factory=dict)  # extra certified facts (whitening error, KKT …)
    # derived values a check computes once per instance (regimes.logistic: rank, the Gram solve);
    # not part of the instance's identity
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def d(self) -> int:
        return self.X.shape[1]

    @property
    def a(self):
        return self.backend.norm(self.w_ref)

    @property
    def e(self):
        return self.w_ref / self.a

    @property
    def whitened(self) -> bool:
        return bool(self.facts.get("whitened", False))

    def at(self, backend) -> "Instance":
        """The same instance rebuilt at another precision (data re-derived, not cast)."""
        backend = get_backend(backend)
        if backend == self.backend:
            return self
        return build(self.spec, backend)

    def describe(self) -> dict:
        """JSON-friendly summary (floats) for reports and reproduction."""
        bk = self.backend
        f = lambda v: None if v is None else float(v)  # noqa: E731
        return {
            "builder": self.spec[0], **self.spec[1], "loss": self.loss.name, "n": self.n, "d": self.d,
            "a": f(self.a), "L_star": f(self.L_star), "lam_min": f(self.lam_min),
            "lam_max": f(self.lam_max), "margin": f(self.margin), "backend": bk.name,
        }


# ------------------------------------------------------------------------------------------------
def validate_data(X, y, *, loss: Loss | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Shape and finiteness checks shared by every builder; returns float64 copies."""
    Xa = np.asarray(X, dtype=float) if not (isinstance(X, np.ndarray) and X.dtype == object) else X
    ya = np.asarray(y, dtype=float) if not (isinstance(y, np.ndarray) and y.dtype == object) else y
    if Xa.ndim != 2 or Xa.shape[0] < 1 or Xa.shape[1] < 1:
        raise ValueError(f"X: expected a 2-D array (n, d) with n, d >= 1, got shape {Xa.shape}")
    if ya.ndim != 1 or ya.shape[0] != Xa.shape[0]:
        raise ValueError(f"y: expected shape ({Xa.shape[0]},) to match X, got {ya.shape}")
    if not np.all(np.isfinite(FLOAT64.to_float(Xa))):
        raise ValueError("X: contains non-finite entries (nan or inf)")
    if not np.all(np.isfinite(FLOAT64.to_float(ya))):
        raise ValueError("y: contains non-finite entries (nan or inf)")
    if loss is not None and loss.name == "logistic" and not np.all(np.isin(FLOAT64.to_float(ya), (-1.0, 1.0))):
        raise ValueError("y: logistic loss needs labels in {-1, +1}")
    return Xa, ya


def _spectrum_on_row_space(X, bk):
    """Nonzero eigenvalues of Σ restricted to span(Xᵀ) = eigenvalues of XXᵀ/n (d ≥ n) or
    of XᵀX/n (d < n); returns (λ_min, λ_max)."""
    n, d = X.shape
    M = (X @ X.T) / n if d >= n else (X.T @ X) / n
    ev = eigvalsh(M, bk)
    return ev[0], ev[-1]


def _facts_square(X, y, bk, w):
    n = X.shape[0]
    res = y - X @ w
    return (res @ res) / (2 * n)


def _rng(seed):
    return np.random.default_rng(seed)


def _check_nd(n, d) -> tuple[int, int]:
    """``n``, ``d`` as ints in ``[1, MAX_SIZE]`` with ``n·d <= MAX_ENTRIES`` (hyper.py)."""
    n, d = check_integer("n", n, 1, MAX_SIZE), check_integer("d", d, 1, MAX_SIZE)
    check_size(n, d)
    return n, d


def _check_seed(seed) -> int:
    return check_integer("seed", seed, 0, 2**63 - 1)


def _check_choice(name, v, choices):
    if not isinstance(v, str) or v not in choices:
        raise ValueError(f"{name}: expected one of {list(choices)}, got {v!r}")
    return v


# ------------------------------------------------------------------------------------------------
def from_arrays(X, y, loss="square", backend=FLOAT64, *, name: str = "user") -> Instance:
    """An instance from user data (taken at the working precision as given)."""
    bk = get_backend(backend)
    loss = get_loss(loss)
    if not isinstance(name, str):
        raise ValueError(f"name: must be a string, got {name!r}")
    Xa, ya = validate_data(X, y, loss=loss)
    _check_nd(*Xa.shape)
    return _finish(bk.asarray(Xa), bk.asarray(ya), loss, bk,
                   ("from_arrays", {"X": Xa.tolist(), "y": ya.tolist(), "loss": loss.name, "name": name}))


def _finish(X, y, loss: Loss, bk: Backend, spec, facts=None, w_ref=None) -> Instance:
    facts = dict(facts or {})
    lam_min, lam_max = _spectrum_on_row_space(X, bk)
    if loss.name == "square":
        if w_ref is None:
            w_ref = least_squares(X, y, bk)
        L_star = _facts_square(X, y, bk, w_ref)
        margin = None
    else:
        if w_ref is None:
            sol = hard_margin_svm(X, y, bk)
            w_ref = sol.w
            facts.update(svm_kkt_residual=sol.kkt_residual, support=sol.support.tolist(),
                         active_margin=sol.all_active)
        L_star = bk.scalar(0)
        margin = 1 / bk.norm(w_ref)
    return Instance(X, y, loss, bk, w_ref, spec, L_star, lam_min, lam_max, margin, facts)


def whitened_regression(n: int, d: int, a: float | None = 1.0, labels: str = "real", residual: float = 0.1,
                        seed: int = 0, backend=FLOAT64) -> Instance:
    """Whitened square-loss regression: centred columns, ``XᵀX/n = I`` at working precision,
    ``w* = Xᵀy/n`` with ``‖w*‖ = a``.

    ``labels='real'``: ``y = X w* + residual·ξ`` with ``w* = a·(seeded unit vector)`` and ``ξ`` a
    seeded vector orthogonal to ``1`` and to ``range(X)``, ``‖ξ‖² = n``, so ``L* = residual²/2``
    (``residual > 0`` needs ``n ≥ d + 2``; ``a=None`` means ``a = 1``).
    ``labels='pm1'``: ±1 labels; then ``a ≤ a_max = ‖y − ȳ1‖/√n`` and ``a < a_max`` needs
    ``n ≥ d + 2``; ``a=None`` takes the value the labels give.
    """
    bk = get_backend(backend)
    n, d = _check_nd(n, d)
    if n <= d:
        raise ValueError(f"n: a whitened instance with centred columns needs n >= d + 1, got n={n}, d={d}")
    if a is not None:
        a = check_real("a", a, lo=0.0, lo_open=True)
    _check_choice("labels", labels, ("real", "pm1"))
    residual = check_real("residual", residual, lo=0.0)
    seed = _check_seed(seed)
    spec = ("whitened_regression", dict(n=n, d=d, a=a, labels=labels, residual=residual, seed=seed))
    rng = _rng(seed)
    G = rng.standard_normal((n, d + 1))
    rot = rng.standard_normal((d, d))
    one = bk.asarray(np.ones(n))
    sqrt_n = bk.sqrt(bk.scalar(n))
    if labels == "real":
        if not (np.isfinite(residual) and residual >= 0):
            raise ValueError(f"residual: must be finite and >= 0, got {residual}")
        if residual > 0 and n < d + 2:
            raise ValueError(f"n: residual > 0 needs n >= d + 2, got n={n}, d={d}")
        a = 1.0 if a is None else a
        spec[1]["a"] = a
        Q = orthonormal_columns(np.column_stack([one, bk.asarray(G)] if n >= d + 2 else [one, bk.asarray(G[:, :d])]),
                                bk)
        X = sqrt_n * Q[:, 1:d + 1]
        direction = bk.asarray(rng.standard_normal(d))
        w_true = bk.scalar(a) * direction / bk.norm(direction)
        y = X @ w_true
        if residual > 0:
            y = y + bk.scalar(residual) * sqrt_n * Q[:, d + 1]
    else:
        yf = np.where(rng.random(n) < 0.5, -1.0, 1.0)
        if np.all(yf == yf[0]):
            yf[0] = -yf[0]
        y = bk.asarray(yf)
        yc = y - (y.sum() / n) * one
        a_max = bk.norm(yc) / sqrt_n
        if a is None:
            # a = a_max *at the working precision*: the spec keeps a=None, so that rebuilding at
            # another precision re-derives it (a float64-rounded a_max would make cos φ = a/a_max
            # fall just above 1 — an error — or just below — a different instance)
            cos_phi = bk.scalar(1)
        else:
            cos_phi = bk.scalar(a) / a_max
            if cos_phi > 1:
                raise ValueError(f"a: ±1 labels allow a <= {float(a_max):.6g} for this draw, got {a}")
        if cos_phi < 1 and n < d + 2:
            raise ValueError(f"n: ±1 labels with a < a_max need n >= d + 2, got n={n}, d={d}")
        cols = [one, yc] + ([bk.asarray(G[:, d])] if cos_phi < 1 else []) + [bk.asarray(G[:, j]) for j in range(d - 1)]
        Q = orthonormal_columns(np.column_stack(cols), bk)
        sin_phi = bk.sqrt(1 - cos_phi * cos_phi)
        first = cos_phi * Q[:, 1] + (sin_phi * Q[:, 2] if cos_phi < 1 else 0)
        rest = Q[:, 3:] if cos_phi < 1 else Q[:, 2:]
        X = sqrt_n * np.column_stack([first, rest])
    R = orthonormal_columns(bk.asarray(rot), bk)  # random rotation: w* off the axes
    X = X @ R
    w_star = X.T @ y / n  # exact least squares because Σ = I
    facts = dict(whitened=True, whitening_error=_true_residual((X.T @ X) / n, X.sum(axis=0) / n, bk))
    return _finish(X, y, get_loss("square"), bk, spec, facts, w_ref=w_star)


def _true_residual(S, colmean, bk):
    """max(|XᵀX/n − I|, |column means|) computed at the working precision, rounded to float."""
    d = S.shape[0]
    I = np.eye(d)
    if getattr(bk, "ball", None) is not None:  # arb: upper end of the max (max() compares balls)
        vals = [abs(S[i, j] - I[i, j]) for i in range(d) for j in range(d)] + [abs(c) for c in colmean]
        return float(bk.max(vals).v.upper())
    m1 = max(abs(S[i, j] - I[i, j]) for i in range(d) for j in range(d))
    m2 = max(abs(c) for c in colmean)
    return float(max(m1, m2))


def hilbert_section6(n: int = 8, d: int = 16, noise: float = 1e-3, loss: str = "square", seed: int = 0,
                     backend=FLOAT64) -> Instance:
    """The paper's Section 6 instance (defaults published by this project):
    ``X = U·H[:n,:d]·V + noise·N``, ``H_ij = 1/(i+j−1)``, ``U ∈ O(n)``, ``V ∈ O(d)`` Haar-random,
    ``N`` standard Gaussian, labels ±1 uniform (both classes present). Not column-centred: the
    model is BN without mean subtraction, and centring would drop the rank to n − 1."""
    bk = get_backend(backend)
    n, d = _check_nd(n, d)
    if d <= n:
        raise ValueError(f"d: the Section 6 instance has d > n, got n={n}, d={d}")
    noise = check_real("noise", noise, lo=0.0)
    if not isinstance(loss, str):
        raise ValueError(f"loss: expected 'square' or 'logistic', got {loss!r}")
    seed = _check_seed(seed)
    rng = _rng(seed)
    H = np.array([[1.0 / (i + j + 1) for j in range(d)] for i in range(n)])
    U = orthonormal_columns(rng.standard_normal((n, n)), FLOAT64)
    V = orthonormal_columns(rng.standard_normal((d, d)), FLOAT64)
    X = U @ H @ V + noise * rng.standard_normal((n, d))
    yf = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    if np.all(yf == yf[0]):
        yf[0] = -yf[0]
    spec = ("hilbert_section6", dict(n=n, d=d, noise=noise, loss=loss, seed=seed))
    return _finish(bk.asarray(X), bk.asarray(yf), get_loss(loss), bk, spec)


def active_margin_logistic(n: int, d: int, margin: float = 0.5, spread: float = 1.0, balanced: bool = True,
                           seed: int = 0, backend=FLOAT64) -> Instance:
    """Separable ±1 data, ``d > n``, every sample exactly on the margin (Assumption 3).

    Construction: unit ``e``; ``x_i = y_i·m·e + v_i`` with ``v_i ⊥ e`` (scale ``spread``) and
    random weights ``μ_i > 0``; shifting ``v_i ← v_i − y_i c``, ``c = Σ_j μ_j y_j v_j / Σ_j μ_j``
    makes ``Σ μ_i y_i v_i = 0``, so ``w = e/m = Σ μ'_i y_i x_i`` with ``μ' > 0`` and every
    constraint tight: the KKT conditions of the hard-margin SVM hold with the whole sample active.
    The KKT test ``y ⊙ (XXᵀ)⁻¹y ≥ 0`` is re-run at the working precision and recorded."""
    bk = get_backend(backend)
    n, d = _check_nd(n, d)
    if d <= n:
        raise ValueError(f"d: Assumption 1 needs d > n, got n={n}, d={d}")
    margin = check_real("margin", margin, lo=0.0, lo_open=True)
    spread = check_real("spread", spread, lo=0.0)
    if not isinstance(balanced, (bool, np.bool_)):
        raise ValueError(f"balanced: must be True or False, got {balanced!r}")
    balanced = bool(balanced)
    seed = _check_seed(seed)
    rng = _rng(seed)
    if balanced:
        yf = np.array([1.0 if i % 2 == 0 else -1.0 for i in range(n)])
        rng.shuffle(yf)
    else:
        yf = np.where(rng.random(n) < 0.7, 1.0, -1.0)
        if np.all(yf == yf[0]):
            yf[0] = -yf[0]
    E = orthonormal_columns(rng.standard_normal((d, d)), bk)
    e = E[:, 0]
    Vperp = E[:, 1:]
    coef = bk.asarray(spread * rng.standard_normal((n, d - 1)) / np.sqrt(d - 1))
    mu = bk.asarray(rng.uniform(0.5, 1.5, n))
    y = bk.asarray(yf)
    c = (coef * (mu * y)[:, None]).sum(axis=0) / mu.sum()
    coef = coef - y[:, None] * c[None, :]
    m = bk.scalar(margin)
    X = np.outer(y * m, e) + coef @ Vperp.T
    sol = active_margin_svm(X, y, bk)
    spec = ("active_margin_logistic", dict(n=n, d=d, margin=margin, spread=spread, balanced=balanced, seed=seed))
    facts = dict(active_margin=sol.kkt_residual == 0.0, min_dual=float(min(bk.to_float(sol.mu))),
                 svm_kkt_residual=sol.kkt_residual, support=list(range(n)))
    return _finish(X, y, get_loss("logistic"), bk, spec, facts, w_ref=sol.w)


def separable_logistic(n: int, d: int, seed: int = 0, backend=FLOAT64) -> Instance:
    """Generic separable ±1 data: Gaussian X; labels from a planted direction when ``d <= n``,
    uniform when ``d > n`` (rank n makes any labelling separable). Some constraints are inactive."""
    bk = get_backend(backend)
    n, d = _check_nd(n, d)
    seed = _check_seed(seed)
    rng = _rng(seed)
    Xf = rng.standard_normal((n, d))
    if d > n:
        yf = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    else:
        wp = rng.standard_normal(d)
        yf = np.sign(Xf @ wp)
        yf[yf == 0] = 1.0
    if np.all(yf == yf[0]):
        yf[0] = -yf[0]
    spec = ("separable_logistic", dict(n=n, d=d, seed=seed))
    return _finish(bk.asarray(Xf), bk.asarray(yf), get_loss("logistic"), bk, spec)


BUILDERS: dict[str, Callable[..., Instance]] = {
    "whitened_regression": whitened_regression,
    "hilbert_section6": hilbert_section6,
    "active_margin_logistic": active_margin_logistic,
    "separable_logistic": separable_logistic,
    "from_arrays": lambda X, y, loss="square", name="user", backend=FLOAT64: from_arrays(X, y, loss, backend,
                                                                                        name=name),
}


def build(spec, backend=FLOAT64) -> Instance:
    """Rebuild an instance from ``(builder name, kwargs)`` at ``backend``; ``ValueError`` for a
    malformed spec, an unknown builder or unknown/missing keyword arguments."""
    if not (isinstance(spec, (tuple, list)) and len(spec) == 2 and isinstance(spec[1], dict)):
        raise ValueError(f"spec: expected (builder name, kwargs dict), got {spec!r}")
    name, kwargs = spec
    if not isinstance(name, str) or name not in BUILDERS:
        raise ValueError(f"spec: unknown instance builder {name!r}; known: {sorted(BUILDERS)}")
    builder = BUILDERS[name]
    import inspect

    params = inspect.signature(builder).parameters
    unknown = sorted(k for k in kwargs if k not in params or k == "backend")
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown parameter of {name} (unknown: {unknown}; "
                         f"known: {[k for k in params if k != 'backend']})")
    missing = [k for k, p in params.items() if p.default is inspect.Parameter.empty and k not in kwargs]
    if missing:
        raise ValueError(f"{missing[0]}: missing parameter of {name}")
    return builder(**kwargs, backend=backend)
