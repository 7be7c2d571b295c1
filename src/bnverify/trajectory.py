"""The record of a GD run: one row per step ``t = 0 … T`` plus the run's status.

Columns (backend numbers; :meth:`Trajectory.to_pandas` rounds to float64):
``t, loss, excess (= L − L*), alpha, beta, rho, cos, gamma, wnorm, eta_eff, tau, edge,
grad_w_norm, grad_gamma`` and optionally ``w`` (the iterates). ``edge[t]`` compares
``ρ_{t+1}`` with ``ρ_t``: +1 rising, −1 falling, 0 flat; the last row has no successor (0,
``edge_known`` False). ``ρ = β/α`` is ``+∞`` where ``α ≤ 0``.

Status: ``finished`` (reached the horizon), ``diverged`` (a non-finite value or a magnitude above
1e300 at step ``stopped_at``; the rows before it are valid) or ``stopped`` (a stop rule fired).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .backends import Backend
from .whitened import tau

COLUMNS = ("t", "loss", "excess", "alpha", "beta", "rho", "cos", "gamma", "wnorm", "eta_eff", "tau",
           "edge", "grad_w_norm", "grad_gamma")
OVERFLOW = 1e300


@dataclass
class Trajectory:
    backend: Backend
    columns: dict[str, np.ndarray]
    status: str  # finished | diverged | stopped
    horizon: int
    stopped_at: int | None = None  # step where divergence / the stop rule happened
    reason: str = ""
    source: str = "full"  # full | reduced
    instance: object = None
    hyper: object = None
    params: dict = field(default_factory=dict)  # resolved η, η_γ, a, … as floats

    def __len__(self) -> int:
        return len(self.columns["t"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    @property
    def T(self) -> int:
        """Index of the last recorded state."""
        return len(self) - 1

    @property
    def diverged(self) -> bool:
        return self.status == "diverged"

    @property
    def rho_floor(self) -> float:
        """Smallest ρ this run resolves. Full GD computes β = ‖w − αe‖ with absolute error
        ~ d·eps·‖w‖, so ρ below ``64·d·eps`` is rounding noise (THEORY.md §9); the reduced
        recurrence carries β itself and has no such floor (0)."""
        if self.source == "reduced":
            return 0.0
        d = self.instance.d if self.instance is not None else 1
        return 64.0 * d * self.backend.eps

    def floats(self, name: str) -> np.ndarray:
        return self.backend.to_float(self.columns[name])

    def to_pandas(self):
        import pandas as pd

        data = {k: (self.floats(k) if k not in ("t", "edge") else self.columns[k])
                for k in COLUMNS if k in self.columns}
        df = pd.DataFrame(data)
        df["edge"] = pd.Categorical.from_codes(np.asarray(self.columns["edge"]) + 1,
                                               ["falling", "flat", "rising"])
        df.attrs.update(status=self.status, stopped_at=self.stopped_at, reason=self.reason,
                        backend=self.backend.name, source=self.source, **self.params)
        return df

    def rising_steps(self) -> np.ndarray:
        """Steps t (with a successor) where ρ_{t+1} > ρ_t."""
        return np.flatnonzero(self.columns["edge"][:-1] == 1)

    def first_onset(self) -> int | None:
        r = self.rising_steps()
        return int(r[0]) if len(r) else None


def finish_columns(raw: dict[str, list], bk: Backend, a, L_star) -> dict[str, np.ndarray]:
    """Derived columns computed once, vectorised, from the per-step raw record
    (``loss, alpha, beta, gamma, wnorm2, grad_w_norm2, grad_gamma``)."""
    dt = bk.dtype
    col = {k: np.array(v, dtype=dt) for k, v in raw.items()}
    T1 = len(col["alpha"])
    alpha, beta, gamma = col["alpha"], col["beta"], col["gamma"]
    wnorm = bk.sqrt(col.pop("wnorm2"))
    inf = np.inf if dt is np.float64 else bk.ctx.inf
    if dt is np.float64:
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = np.where(alpha > 0, np.abs(beta) / alpha, inf)
    else:
        rho = np.array([abs(b) / al if al > 0 else inf for al, b in zip(alpha, beta)], dtype=object)
    eta = col.pop("_eta")[0] if "_eta" in col else None
    out = {
        "t": np.arange(T1),
        "loss": col["loss"],
        "excess": col["loss"] - L_star if L_star is not None else col["loss"],
        "alpha": alpha,
        "beta": np.abs(beta),
        "rho": rho,
        "cos": alpha / wnorm,
        "gamma": gamma,
        "wnorm": wnorm,
        "eta_eff": eta * gamma * a / (wnorm * wnorm),
        "tau": tau(rho, bk),
        "grad_w_norm": bk.sqrt(col["grad_w_norm2"]),
        "grad_gamma": col["grad_gamma"],
    }
    edge = np.zeros(T1, dtype=np.int8)
    if T1 > 1:
        nxt, cur = rho[1:], rho[:-1]
        edge[:-1] = np.where(nxt > cur, 1, np.where(nxt < cur, -1, 0)).astype(np.int8)
    out["edge"] = edge
    if "w" in col:
        out["w"] = col["w"]
    return out


def is_bad(bk: Backend, *values) -> bool:
    """Non-finite or beyond ``OVERFLOW`` in magnitude (same rule in every precision)."""
    for v in values:
        if not bk.isfinite(v):
            return True
        if isinstance(v, np.ndarray):
            if v.size and max(abs(x) for x in (v.flat if v.dtype == object else [np.max(np.abs(v))])) > OVERFLOW:
                return True
        elif abs(v) > OVERFLOW:
            return True
    return False
