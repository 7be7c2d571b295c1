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

import gc
from dataclasses import dataclass, field

import mpmath
import numpy as np

from bnverify.numerics.backends import Backend
from bnverify.numerics.model import tau

COLUMNS = ("t", "loss", "excess", "alpha", "beta", "rho", "cos", "gamma", "wnorm", "eta_eff", "tau",
           "edge", "grad_w_norm", "grad_gamma")
OVERFLOW = 1e300

# Column provenance. A simulator either simulates a column or computes it by a closed form that a
# paper statement asserts; ``DERIVED[source][column]`` names the statements (their ids) a derived
# column rests on. Full GD simulates everything. The reduced recurrence *is* Lemma 7's one-step
# updates (a)–(e) on the state (α, β, γ, ‖w‖²), and computes the loss, the excess and ‖∇_w L‖
# from that state by Lemma 1's decomposition. The precision ladder adjudicates a claim on a
# simulator only when every column the claim read there rests on statements the claim trusts and
# none rests on the claim itself (``bnverify.verify.adjudicate.may_adjudicate``): Lemma 1 is never
# settled by a column that *is* Lemma 1's right-hand side.
REDUCTION = "lemma7.dynamics"
DECOMPOSITION = "lemma1.decomposition"
DERIVED: dict[str, dict[str, tuple[str, ...]]] = {
    "full": {},
    "reduced": {**{c: (REDUCTION,) for c in ("alpha", "beta", "rho", "cos", "gamma", "wnorm", "eta_eff", "tau",
                                             "edge", "grad_gamma")},
                **{c: (REDUCTION, DECOMPOSITION) for c in ("loss", "excess", "grad_w_norm")}},
}
_MP = mpmath.MPContext()
_MP.prec = 80


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
    # float64 reduced runs carry β = m·2^k (simulate.renormalise): their rising/falling labels are
    # exact below the float64 range; beta_scale = (m, k) per step when some k < 0, else None
    floor_free: bool = False
    beta_scale: tuple | None = None

    def __len__(self) -> int:
        return len(self.columns["t"])

    @property
    def derived(self) -> dict[str, tuple[str, ...]]:
        """Column → the statements whose closed form computed it on this simulator (:data:`DERIVED`)."""
        return DERIVED.get(self.source, {})

    @property
    def reads(self) -> set[str]:
        """The columns read since the run was recorded (or since :meth:`forget_reads`)."""
        return getattr(self.columns, "reads", set(COLUMNS))

    def forget_reads(self) -> None:
        if hasattr(self.columns, "reads"):
            self.columns.reads = set()

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
        ~ d·eps·‖w‖, so ρ below ``64·d·eps`` is rounding noise (THEORY.md §9). The reduced
        recurrence carries β itself: in mpmath (unbounded exponent) it has no floor (0); in
        float64 β loses relative precision in the subnormal range and finally flushes to 0,
        hiding rising steps, so ρ below ``1e-290`` (≈ tiny/eps) is unresolved there."""
        if self.backend.encloses:
            return 0.0  # arb: balls carry their rounding error, a comparison at the floor raises Uncertain
        if self.source == "reduced":
            return 1e-290 if self.backend.bounded_exponent else 0.0
        d = self.instance.d if self.instance is not None else 1
        return 64.0 * d * self.backend.eps

    def rho_exact(self, t: int):
        """ρ_t without rounding to the float64 range: ``|m_t|/α_t · 2^{k_t}`` as an 80-bit mpf where
        β was carried scaled (``k_t < 0``), else the column value ``rho[t]``."""
        if self.beta_scale is None or self.beta_scale[1][t] == 0:
            return self.columns["rho"][t]
        m, k = self.beta_scale
        al = self.columns["alpha"][t]
        if not al > 0:
            return np.inf
        return _MP.ldexp(_MP.mpf(abs(float(m[t]))) / _MP.mpf(float(al)), int(k[t]))

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


class Columns(dict):
    """The columns of a trajectory: a dict whose *derived* columns (ρ, τ, edge, excess, …) are
    computed on first access, vectorised over the whole run. In mpmath the diagnostics cost
    more arithmetic than the recurrence itself, and most statements read only a few of them.
    Membership, iteration, ``keys``/``items``/``values``/``len`` and pickling see every column
    (iterating materialises the lazy ones)."""

    def __init__(self, eager: dict, lazy: dict):
        super().__init__(eager)
        self._lazy = dict(lazy)  # name -> fn(columns) -> array
        self.reads: set[str] = set()  # column provenance: which columns a check looked at

    def __getitem__(self, key):
        self.reads.add(key)
        return dict.__getitem__(self, key)  # a lazy column: __missing__

    def __missing__(self, key):
        fn = self._lazy.pop(key, None)
        if fn is None:
            raise KeyError(key)
        gc_was_enabled = gc.isenabled()  # mpf numbers are GC-tracked: no scans while deriving
        gc.disable()
        # column provenance: the columns a derivation reads are not the check's reads (reading
        # `excess` on the reduced recurrence must not mark `grad_gamma`, which it is computed from;
        # DERIVED names what a derived column rests on)
        reads = set(self.reads)
        try:
            val = fn(self)
        finally:
            self.reads.intersection_update(reads)
            if gc_was_enabled:
                gc.enable()
        dict.__setitem__(self, key, val)
        return val

    def __contains__(self, key):
        return dict.__contains__(self, key) or key in self._lazy

    def get(self, key, default=None):
        return self[key] if key in self else default

    def materialise(self) -> "Columns":
        for k in list(self._lazy):
            if k in self._lazy:
                self[k]
        return self

    def keys(self):
        return dict.keys(self.materialise())

    def values(self):
        return dict.values(self.materialise())

    def items(self):
        return dict.items(self.materialise())

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return dict.__len__(self) + len(self._lazy)

    def __eq__(self, other):
        return dict.__eq__(self.materialise(), other)

    __hash__ = None

    def copy(self):
        return dict(self.items())

    def __reduce__(self):
        return (dict, (dict(self.items()),))

    def __repr__(self):
        return f"Columns({sorted(dict.keys(self))} + lazy {sorted(self._lazy)})"


def finish_columns(raw: dict[str, list], bk: Backend, a, L_star, lazy: dict | None = None) -> Columns:
    """The trajectory columns from the per-step raw record (``alpha, beta`` (signed), ``gamma,
    wnorm2`` and, when the simulator has them, ``loss, grad_w_norm2, grad_gamma, eta_eff, cos``);
    every other column is derived on first access (:class:`Columns`). ``lazy`` adds or
    overrides derivations ``name -> fn(columns)`` (the reduced recurrence derives its loss and
    gradient columns from the state)."""
    dt = bk.dtype
    col = {k: _column(v, dt) for k, v in raw.items()}
    T1 = len(col["alpha"])
    alpha, beta_s, gamma = col["alpha"], col["beta"], col["gamma"]
    wnorm2 = col.pop("wnorm2")
    eta = col.pop("_eta")[0] if "_eta" in col else None
    inf = bk.inf

    def rho(c):
        if dt is np.float64:
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(alpha > 0, np.abs(beta_s) / alpha, inf)
        return np.array([abs(b) / al if al > 0 else inf for al, b in zip(alpha, beta_s)], dtype=object)

    def edge(c):
        e = np.zeros(T1, dtype=np.int8)
        if T1 > 1:
            r = c["rho"]
            nxt, cur = r[1:], r[:-1]
            e[:-1] = np.where(nxt > cur, 1, np.where(nxt < cur, -1, 0)).astype(np.int8)
        return e

    eager = {"t": np.arange(T1), "alpha": alpha, "gamma": gamma}
    derive = {
        "excess": lambda c: c["loss"] - L_star if L_star is not None else c["loss"],
        "beta": lambda c: np.abs(beta_s),
        "rho": rho,
        "wnorm": lambda c: bk.sqrt(wnorm2),
        "cos": lambda c: alpha / c["wnorm"],
        "eta_eff": lambda c: eta * gamma * a / wnorm2,
        "tau": lambda c: tau(c["rho"], bk),
        "edge": edge,
    }
    if "grad_w_norm2" in col:
        derive["grad_w_norm"] = lambda c: bk.sqrt(col["grad_w_norm2"])
    for k in ("loss", "grad_gamma", "eta_eff", "cos", "w"):
        if k in col:
            eager[k] = col[k]
            derive.pop(k, None)
    derive.update(lazy or {})
    return Columns(eager, derive)


def _column(v, dt) -> np.ndarray:
    """A raw field as a column: an array of the backend's dtype is taken as a read-only view (a
    registered run cut to a horizon is not copied again), anything else converted."""
    if isinstance(v, np.ndarray) and v.dtype == dt and dt is not object:
        v = v.view()
        v.flags.writeable = False
        return v
    return np.array(v, dtype=dt)


def is_bad(bk: Backend, *values) -> bool:
    """Non-finite or beyond ``OVERFLOW`` in magnitude (same rule in every precision).

    Scalars take one comparison: ``abs(v) <= OVERFLOW`` is false exactly for nan, ±inf and
    magnitudes above ``OVERFLOW`` (float, numpy and mpf alike) — this check runs every step."""
    lim = getattr(bk, "overflow_limit", OVERFLOW)  # OVERFLOW as a backend number (no conversion per call)
    for v in values:
        if isinstance(v, np.ndarray):
            if not bk.isfinite(v):
                return True
            if v.size and max(abs(x) for x in (v.flat if v.dtype == object else [np.max(np.abs(v))])) > OVERFLOW:
                return True
        elif not abs(v) <= lim:
            return True
    return False
