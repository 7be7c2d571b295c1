"""Simulators: full-batch GD on the BN linear model, and the reduced whitened recurrence.

* :func:`simulate` — GD eq. (1): ``w⁺ = w − η∇_w L``, ``γ⁺ = γ − η_γ ∂L/∂γ`` on any instance, in
  any backend. Divergence (non-finite or > 1e300) is recorded as the run's status, never raised.
* :func:`simulate_reduced` — Lemma 7 (e): for whitened square loss the iterate stays in the plane
  of ``e`` and ``w_0 − α_0 e``, so ``(α, β, γ)`` follow the closed recurrence (β signed: it flips
  side when ``η_eff·c > 1``)::

      N² = α² + β²,  c = α/N,  η_eff = η γ a/N²
      α⁺ = α + η_eff β²/N,   β⁺ = β (1 − η_eff c),   γ⁺ = (1 − η_γ) γ + η_γ a c

  with ``L − L* = ½(γ − a c)² + ½ a² s²`` (Lemma 1). It keeps β itself, so it has no
  rounding floor on ρ (THEORY.md §9): in float64 β is carried as ``m·2^k`` (:func:`renormalise`),
  so even its subnormal range does not round the rising/falling labels.
* :func:`simulate_reduced_batch` — the same step (:func:`reduced_step`, one implementation)
  vectorised in float64 over arrays of settings, recording streaming summaries.
"""
from __future__ import annotations

import functools
import gc
import math
import operator
import sys
from dataclasses import dataclass

import numpy as np

from bnverify.numerics.backends import Backend, Ball, Float64, Uncertain, get_backend
from bnverify.numerics.hyper import Hyper, resolve
from bnverify.numerics.model import F64_LOSSES, evaluate, evaluate_float64, remember_run, run_key
from bnverify.numerics.trajectory import OVERFLOW, Trajectory, finish_columns, is_bad

__all__ = ["simulate", "simulate_reduced", "simulate_reduced_batch", "reduced_step", "BatchSummary"]


def _progress(total: int, enabled):
    if enabled is None:
        enabled = total >= 20000 and sys.stderr.isatty()
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="step", leave=False)


def _check_horizon(horizon):
    """``0 <= horizon <= MAX_HORIZON`` (10^7 steps), an integer (not a bool, not 2.5)."""
    from bnverify.numerics.hyper import MAX_HORIZON, check_integer

    return check_integer("horizon", horizon, 0, MAX_HORIZON)


def _fp_quiet(f):
    """Run ``f`` with numpy's floating-point warnings off: an overflow on the way to divergence is
    recorded as the run's status (:func:`is_bad`), and must not surface as a RuntimeWarning (an
    exception under ``-W error``). The cyclic garbage collector is paused meanwhile: mpmath's
    ``mpf`` numbers are GC-tracked objects, a long run keeps hundreds of thousands of them alive
    and the collector's repeated scans of them cost up to half the run time; a simulation
    creates no reference cycles, so nothing is lost (the previous GC state is restored)."""
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                return f(*args, **kwargs)
        finally:
            if gc_was_enabled:
                gc.enable()
    return wrapper


@_fp_quiet
def simulate(instance, hyper: Hyper, *, horizon: int, backend=None, record_w: bool = False,
             stop=None, progress=None) -> Trajectory:
    """Full-batch GD for ``horizon`` steps (states ``t = 0 … horizon``).

    ``backend`` (default: the instance's) rebuilds the instance at that precision first.
    ``stop(t, row) -> bool`` may end the run early (status ``stopped``); ``row`` holds the raw
    step values (``alpha, beta, gamma, wnorm2, loss``)."""
    horizon = _check_horizon(horizon)
    inst = instance if backend is None else instance.at(get_backend(backend))
    bk: Backend = inst.backend
    hp = resolve(hyper, inst)
    X, y, loss, e = inst.X, inst.y, inst.loss, inst.e
    eta, eta_g = hp.eta, hp.eta_gamma
    w, gamma = hp.w0.copy(), hp.gamma0
    raw = {k: [] for k in ("loss", "alpha", "beta", "gamma", "wnorm2", "grad_w_norm2", "grad_gamma")}
    ws = [] if record_w else None
    bar = _progress(horizon, progress)
    at = [0]  # the step being run
    try:
        status, stopped_at, reason = _full_loop(X, y, loss, e, bk, w, gamma, eta, eta_g, horizon, raw, ws, stop, bar,
                                                at)
    except Uncertain as exc:  # balls too wide to decide a comparison: say at which step
        exc.step, exc.horizon = at[0], horizon
        raise
    if bar is not None:
        bar.close()
    raw["_eta"] = [eta]
    cols = finish_columns(raw, bk, inst.a, inst.L_star)
    if record_w:
        cols["w"] = np.array(ws, dtype=bk.dtype).reshape(len(ws), inst.d)
    return Trajectory(bk, cols, status, horizon, stopped_at, reason, "full", inst, hyper,
                      _params(inst, hp))


def _full_loop(X, y, loss, e, bk, w, gamma, eta, eta_g, horizon, raw, ws, stop, bar, at):
    """The GD steps of :func:`simulate` in any backend; appends to ``raw`` (and ``ws``), keeps the
    current step in ``at[0]``, returns ``(status, stopped_at, reason)``. In float64 (the losses of
    :data:`~bnverify.numerics.model.F64_LOSSES`) the same operations in the same order (the same bits)
    skip the backend's dispatch: :func:`~bnverify.numerics.model.evaluate_float64`, ``np.sqrt`` of a sum
    of squares (Float64.sqrt's domain rule cannot fire) and :func:`is_bad`'s scalar rule; a recorded-w run
    keeps its evaluations for a check that re-evaluates at w_t (:func:`~bnverify.numerics.model.run_key`)."""
    r_loss, r_alpha, r_beta, r_gamma, r_n2, r_gn2, r_gg = raw.values()
    known = None
    mm = bk.matmul  # ``@`` (on balls the same arb operations without a Python call each)
    if type(bk) is Float64 and loss.name in F64_LOSSES:
        mm = operator.matmul
        name, sqrt = loss.name, np.sqrt
        known = remember_run(X, y) if ws is not None else None

        def evaluate_at(w, gamma):
            return evaluate_float64(X, y, w, gamma, name)

        def bad(L, wnorm2, gamma, gn2, g_g):  # |v| <= 1e300 is false exactly for nan, ±inf and larger
            return not (abs(L) <= OVERFLOW and abs(wnorm2) <= OVERFLOW and abs(gamma) <= OVERFLOW
                        and abs(gn2) <= OVERFLOW and abs(g_g) <= OVERFLOW)
    else:
        sqrt = bk.sqrt

        def evaluate_at(w, gamma):
            return evaluate(X, y, w, gamma, loss, bk)

        def bad(*values):
            return is_bad(bk, *values)
    for t in range(horizon + 1):
        at[0] = t
        ev = evaluate_at(w, gamma)
        if known is not None:
            known[run_key(X, y, w, gamma, name)] = (X, y, ev)
        g_w, g_g, L = ev.grad_w, ev.grad_gamma, ev.loss
        alpha = mm(w, e)
        perp = w - e * alpha
        beta, wnorm2, gn2 = sqrt(mm(perp, perp)), mm(w, w), mm(g_w, g_w)
        if bad(L, wnorm2, gamma, gn2, g_g):
            return "diverged", t, "non-finite or overflowing value"
        r_loss.append(L)
        r_alpha.append(alpha)
        r_beta.append(beta)
        r_gamma.append(gamma)
        r_n2.append(wnorm2)
        r_gn2.append(gn2)
        r_gg.append(g_g)
        if ws is not None:
            ws.append(w.copy())
        if stop is not None and stop(t, dict(loss=L, alpha=alpha, beta=beta, gamma=gamma, wnorm2=wnorm2,
                                             grad_w_norm2=gn2, grad_gamma=g_g)):
            return "stopped", t, "stop rule"
        if t == horizon:
            break
        w = w - g_w * eta
        gamma = gamma - eta_g * g_g
        if bar is not None:
            bar.update(1)
    return "finished", None, ""


def _params(inst, hp) -> dict:
    bk = inst.backend
    return dict(eta=float(hp.eta), eta_gamma=float(hp.eta_gamma), gamma0=float(hp.gamma0),
                a=float(inst.a), w0_norm=float(bk.norm(hp.w0)))


def reduced_step(alpha, beta, gamma, eta, eta_gamma, a, sqrt):
    """One step of Lemma 7 (a)–(b); works on scalars of any backend and on numpy arrays.
    Returns ``(α⁺, β⁺, γ⁺, η_eff, c, N²)`` (the last three at the current state).
    (γ⁺ = (1 − η_γ)γ + η_γ a c is evaluated as γ + η_γ(a c − γ): one operation fewer.)"""
    b2 = beta * beta
    N2 = alpha * alpha + b2
    N = sqrt(N2)
    c = alpha / N
    eta_eff = eta * gamma * a / N2
    if isinstance(gamma, Ball):
        # arb: the convex combination, whose ball radius contracts by (1 − η_γ); γ appears twice in
        # γ + η_γ(a c − γ), so its radius would grow by (1 + η_γ) per step (benchmarks/arb.py)
        return (alpha + eta_eff * b2 / N, beta * (1 - eta_eff * c), (1 - eta_gamma) * gamma + eta_gamma * (a * c),
                eta_eff, c, N2)
    return (alpha + eta_eff * b2 / N, beta * (1 - eta_eff * c), gamma + eta_gamma * (a * c - gamma),
            eta_eff, c, N2)


# --- float64 without the β floor ---------------------------------------------------------------
# In float64 the reduced recurrence carries β as a mantissa and a binary scale, β = m·2^k with k ∈
# {0, −600, −1200, …}: while |β| ≥ 2^−600 (k = 0) m is β itself, bit for bit; below, m is rescaled by
# 2^600 (exact: a power of two) so β never enters the subnormal range. β appears in the other
# updates only through β² (N² = α² + β², α⁺ = α + η_eff β²/N), and for |β| < 2^−593 the float64
# value of β² is 0 — so there (α, γ, N², c, η_eff, ∂L/∂γ) are computed with β² = 0, exactly the
# numbers an unscaled float64 run produces, while β⁺ = m(1 − η_eff c)·2^k keeps its full 53 bits.
# Hence ρ = |m|/α·2^k and the rising/falling labels ρ_{t+1} ≷ ρ_t are exact at every scale; only
# the *column* values of β and ρ below 2.2e-308 are rounded to the float64 range.
SCALE_BITS = 600
_TINY = 2.0 ** -SCALE_BITS
_SCALE = 2.0 ** SCALE_BITS


def renormalise(m, k: int):
    """``(m, k)`` with the same value ``m·2^k`` and the invariant of the floor-free carry: ``k = 0``
    and ``|m| ≥ 2^−600``, or ``k < 0`` and ``2^−600 ≤ |m| < 1`` (0, inf and nan are left alone)."""
    if k < 0 and abs(m) >= 1:
        m, k = m * _TINY, k + SCALE_BITS  # back towards the normal range (exact)
    while 0 < abs(m) < _TINY:
        m, k = m * _SCALE, k - SCALE_BITS
    return m, k


def renormalise_array(m: np.ndarray, k: np.ndarray) -> None:
    """:func:`renormalise` in place on arrays (lanes of a batch)."""
    am = np.abs(m)
    if not ((am < _TINY).any() or (am >= 1).any()):
        return
    up = (k < 0) & (am >= 1)
    if up.any():
        m[up] *= _TINY
        k[up] += SCALE_BITS
        am = np.abs(m)
    down = (am < _TINY) & (am > 0)
    while down.any():
        m[down] *= _SCALE
        k[down] -= SCALE_BITS
        am = np.abs(m)
        down = (am < _TINY) & (am > 0)


def rho_scaled(alpha, m, k):
    """``(r, k)`` with ``ρ = r·2^k``, ``r = |m|/α`` (+∞ where ``α ≤ 0``), float64 arrays."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(alpha > 0, np.abs(m) / alpha, np.inf), k


def rises(r1, k1, r0, k0):
    """``ρ_{t+1} > ρ_t`` (and ``<``) for ``ρ = r·2^k``: the comparison of the exact values, by
    scaling ``r_{t+1}`` with the difference of the exponents (a power of two: exact whenever the
    result is a normal number; when it leaves the range the order is decided by the exponent)."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        x = np.where(k1 == k0, r1, np.ldexp(r1, k1 - k0))
    return x > r0, x < r0


def _reduced_columns(raw: dict, k: np.ndarray | None, bk, a, L_star, eta):
    """Trajectory columns of a reduced run from its raw record (one implementation for the scalar
    and the batch simulators). ``k``: the binary scales of β (float64), or None."""
    dt = bk.dtype
    raw = dict(raw)
    m = np.asarray(raw["beta"], dtype=dt) if k is not None else None
    if k is not None:
        raw["beta"] = np.ldexp(m, k) if k.any() else m
    raw["_eta"] = [eta]
    n2 = np.asarray(raw["wnorm2"], dtype=dt)
    a2 = a * a

    def excess(col):  # L − L* = ½(γ − a c)² + ½ a² β²/N² (Lemma 1)
        dg, beta = col["grad_gamma"], np.asarray(raw["beta"], dtype=dt)
        return (dg * dg + a2 * (beta * beta) / n2) / 2

    # Lemma 7: ‖∇_w L‖ = |γ| a s/‖w‖ = |γ| a |β|/N²
    lazy = {"excess": excess,
            "loss": lambda col: L_star + col["excess"],
            "grad_w_norm": lambda col: np.abs(col["gamma"]) * a * col["beta"] / n2}
    if k is not None and k.any():
        alpha = np.asarray(raw["alpha"], dtype=dt)

        def rho(col):
            r, kk = rho_scaled(alpha, m, k)
            with np.errstate(under="ignore"):
                return np.ldexp(r, kk)

        def edge(col):
            e = np.zeros(len(alpha), dtype=np.int8)
            if len(alpha) > 1:
                r, kk = rho_scaled(alpha, m, k)
                up, down = rises(r[1:], kk[1:], r[:-1], kk[:-1])
                e[:-1] = np.where(up, 1, np.where(down, -1, 0)).astype(np.int8)
            return e

        lazy.update(rho=rho, edge=edge)
    return finish_columns(raw, bk, a, L_star, lazy), m


def reduced_trajectory(raw: dict, k, inst, hyper, hp, status, horizon, stopped_at, reason) -> Trajectory:
    """The :class:`Trajectory` of a reduced run (used by :func:`simulate_reduced` and the batch
    decisions: the same columns either way)."""
    bk = inst.backend
    cols, m = _reduced_columns(raw, k, bk, inst.a, inst.L_star, hp.eta)
    traj = Trajectory(bk, cols, status, horizon, stopped_at, reason, "reduced", inst, hyper, _params(inst, hp))
    if k is not None:
        traj.floor_free = True
        if k.any():
            traj.beta_scale = (m, k)
    return traj


# float64 reduced runs already simulated (batch decisions, pilot runs): (spec, hyper) -> the raw
# record of a run; a later call for the same run with a horizon it covers is cut from it
_KNOWN: dict = {}
_PINNED: dict = {}
KNOWN_ROWS = 10**6  # rows kept in all (≈ 64 MB); the oldest runs are dropped first


@dataclass
class RawRun:
    """The raw record of a float64 reduced run (arrays per step) and how it ended."""

    raw: dict
    k: np.ndarray
    hp: object
    status: str  # finished | diverged | stopped (stopped: a batch lane ended early, not a stop rule)
    stopped_at: int | None

    def __len__(self):
        return len(self.k)

    def cut(self, inst, hyper, horizon: int) -> Trajectory | None:
        """The trajectory :func:`simulate_reduced` returns for ``horizon`` (rows 0 … horizon, or up
        to the divergence), or None if this record does not reach that far."""
        n = len(self)
        if self.status == "diverged" and self.stopped_at <= horizon:
            rows, status, stopped, reason = (self.stopped_at, "diverged", self.stopped_at,
                                             "non-finite or overflowing value")
        elif n >= horizon + 1:
            rows, status, stopped, reason = horizon + 1, "finished", None, ""
        else:
            return None
        raw = {name: v[:rows] for name, v in self.raw.items()}
        return reduced_trajectory(raw, self.k[:rows], inst, hyper, self.hp, status, horizon, stopped, reason)


def _known_key(inst, hyper):
    try:
        name, kw = inst.spec
        key = (name, tuple(sorted(kw.items())), hyper)
        hash(key)
        return key
    except TypeError:
        return None


def known_prefix(inst, hyper, horizon: int) -> Trajectory | None:
    """The float64 reduced run of ``(inst, hyper)`` cut to ``horizon`` if it was registered
    (:func:`register_known`) and reaches that far; else None."""
    if not (_KNOWN or _PINNED) or inst.backend.dtype is not np.float64:
        return None
    key = _known_key(inst, hyper)
    run = _lookup(key)
    return run.cut(inst, hyper, horizon) if run is not None else None


def _lookup(key):
    if key is None:
        return None
    run = _PINNED.get(key)
    return run if run is not None else _KNOWN.get(key)


def known_pilot(inst, hyper, horizon: int) -> Trajectory | None:
    """A registered pilot run (status stopped, reason "pilot") of ``(inst, hyper)`` reaching at most
    ``horizon``, as :func:`simulate_reduced` with ``pilot_margin`` returns it; else None."""
    run = _lookup(_known_key(inst, hyper))
    if run is None or run.status != "stopped" or run.stopped_at >= horizon:
        return None
    n = run.stopped_at + 1
    return reduced_trajectory({k: v[:n] for k, v in run.raw.items()}, run.k[:n], inst, hyper, run.hp,
                              "stopped", horizon, run.stopped_at, "pilot")


def register_known(inst, hyper, run: RawRun, *, pin: bool = False) -> None:
    """Keep ``run`` (the float64 reduced run of ``(inst, hyper)``) for :func:`known_prefix`;
    ``pin``: kept until :func:`forget_known` (a batch's runs), else among the latest
    :data:`KNOWN_ROWS` rows."""
    key = _known_key(inst, hyper)
    if key is None:
        return
    if pin:
        _PINNED[key] = run
        return
    _KNOWN.pop(key, None)
    _KNOWN[key] = run
    rows = sum(len(r) for r in _KNOWN.values())
    while rows > KNOWN_ROWS and len(_KNOWN) > 1:
        rows -= len(_KNOWN.pop(next(iter(_KNOWN))))


def forget_known(inst=None, hyper=None) -> None:
    """Drop one registered run (or all of them)."""
    if inst is None:
        _KNOWN.clear()
        _PINNED.clear()
    else:
        _KNOWN.pop(_known_key(inst, hyper), None)
        _PINNED.pop(_known_key(inst, hyper), None)


@_fp_quiet
def simulate_reduced(instance, hyper: Hyper, *, horizon: int, backend=None, stop=None,
                     progress=None, pilot_margin: int | None = None) -> Trajectory:
    """The reduced whitened recurrence (Lemma 7 (e)) from the same initial state as
    :func:`simulate`; the instance must be whitened with square loss. In float64 β is carried
    floor-free (β = m·2^k, :func:`renormalise`), and the run is kept for a later call with a
    horizon it covers (:func:`known_prefix`).

    ``pilot_margin`` (float64 only): stop (status ``stopped``, reason "pilot") at the first t with a
    rising step ``s < t`` seen, a settle step ``t_s ≤ t`` seen (``H = η_eff a/γ ≤ 2``) and
    ``t ≥ t_s + pilot_margin``: the first onset and settle time are then final."""
    horizon = _check_horizon(horizon)
    inst = instance if backend is None else instance.at(get_backend(backend))
    if not inst.whitened or inst.loss.name != "square":
        raise ValueError("instance: the reduced recurrence needs a whitened square-loss instance")
    bk = inst.backend
    ff = bk.bounded_exponent  # float64: floor-free carry of β
    if pilot_margin is not None and not ff:
        raise ValueError("pilot_margin: float64 runs only")
    if ff and stop is None:
        known = known_prefix(inst, hyper, horizon)
        if known is None and pilot_margin is not None:
            known = known_pilot(inst, hyper, horizon)
        if known is not None:
            return known
    hp = resolve(hyper, inst)
    a = inst.a
    alpha, beta = hp.alpha0, hp.beta0  # the example's set-up (computed once)
    k = 0
    if ff:
        beta, k = renormalise(beta, k)
    gamma, eta, eta_g = hp.gamma0, hp.eta, hp.eta_gamma
    raw = {k_: [] for k_ in ("alpha", "beta", "gamma", "wnorm2", "eta_eff", "cos", "grad_gamma")}
    r_alpha, r_beta, r_gamma, r_n2, r_eff, r_cos, r_dg = raw.values()
    r_k = [] if ff else None
    status, stopped_at, reason = "finished", None, ""
    sqrt = bk.sqrt
    L_star = inst.L_star
    a2 = a * a
    lim = getattr(bk, "overflow_limit", OVERFLOW)
    # divergence rule of is_bad on (N², γ, L): with x = 2(L − L*) = (γ − a c)² + a² s² (Lemma 1),
    # L <= OVERFLOW  <=>  x <= lim_x; and |γ − a c| <= lim_dg already implies it (a² s² <= a²)
    lim_x = 2 * (lim - L_star)
    lim_dg = sqrt(lim_x - a2) if lim_x > a2 else lim_x * 0
    bar = _progress(horizon, progress)
    pilot = pilot_margin is not None
    seen_on, settle, r_prev, k_prev = False, None, None, 0

    def excess(dg, beta, N2):  # L − L* by Lemma 1
        return (dg * dg + a2 * (beta * beta) / N2) / 2

    # per step: the recurrence and ∂L/∂γ = γ − a c (Lemma 7), which settles divergence in one
    # comparison; every other column is derived from (α, β, γ, N², c, ∂L/∂γ) on first access
    t = 0
    try:
        for t in range(horizon + 1):
            if k:  # β = m·2^k below 2^-593: its float64 square is 0 (see renormalise)
                a1, _, g1, eta_eff, c, N2 = reduced_step(alpha, 0.0, gamma, eta, eta_g, a, sqrt)
                b1 = beta * (1 - eta_eff * c)
                bv = 0.0
            else:
                a1, b1, g1, eta_eff, c, N2 = reduced_step(alpha, beta, gamma, eta, eta_g, a, sqrt)
                bv = beta
            dg = gamma - a * c
            # a comparison is false for nan and ±inf; |γ| > 1e300 forces |dg| > lim_dg
            if not (N2 <= lim and abs(dg) <= lim_dg) and not (N2 <= lim and excess(dg, bv, N2) * 2 <= lim_x):
                status, stopped_at, reason = "diverged", t, "non-finite or overflowing value"
                break
            r_alpha.append(alpha)
            r_beta.append(beta)
            r_gamma.append(gamma)
            r_n2.append(N2)
            r_eff.append(eta_eff)
            r_cos.append(c)
            r_dg.append(dg)
            if ff:
                r_k.append(k)
            if pilot:
                if not seen_on:  # ρ_t vs ρ_{t-1}: the label of step t − 1, as the edge column computes it
                    r_t = abs(beta) / alpha if alpha > 0 else math.inf
                    if r_prev is not None and bool(rises(r_t, k, r_prev, k_prev)[0]):
                        seen_on = True
                    r_prev, k_prev = r_t, k
                if settle is None and eta_eff * a / gamma <= 2:  # headroom H_t (edges.headroom)
                    settle = t
                if seen_on and settle is not None and t >= settle + pilot_margin and t < horizon:
                    status, stopped_at, reason = "stopped", t, "pilot"
                    break
            if stop is not None:
                bf = math.ldexp(beta, k) if k else beta
                if stop(t, dict(loss=L_star + excess(dg, bv, N2), alpha=alpha, beta=bf, gamma=gamma, wnorm2=N2)):
                    status, stopped_at, reason = "stopped", t, "stop rule"
                    break
            if t == horizon:
                break
            alpha, beta, gamma = a1, b1, g1
            if ff:
                beta, k = renormalise(beta, k)
            if bar is not None:
                bar.update(1)
    except Uncertain as exc:  # balls too wide to decide a comparison: say at which step
        exc.step, exc.horizon = t, horizon
        raise
    if bar is not None:
        bar.close()
    if not ff:
        return reduced_trajectory(raw, None, inst, hyper, hp, status, horizon, stopped_at, reason)
    run = RawRun({n: np.array(v, dtype=np.float64) for n, v in raw.items()}, np.array(r_k, dtype=np.int64), hp,
                 status, stopped_at)
    if stop is None:
        register_known(inst, hyper, run)  # a later run of the same example to a horizon it covers is cut from it
    return reduced_trajectory(run.raw, run.k, inst, hyper, hp, status, horizon, stopped_at, reason)


@dataclass
class BatchSummary:
    """Streaming diagnostics of a batch of reduced runs (arrays of shape [batch]).

    ``onset``: first t with ρ_{t+1} > ρ_t (−1 if none); ``peak_rho``/``peak_t``: max of ρ over
    ``t ≤ horizon`` and where; ``rising_steps``: count of rising steps; ``first_fall_after_onset``:
    first t > onset with ρ_{t+1} ≤ ρ_t (−1 if none); ``max_eta_eff``; final ``alpha, beta, gamma``;
    ``diverged``: a non-finite value appeared."""

    onset: np.ndarray
    peak_rho: np.ndarray
    peak_t: np.ndarray
    rising_steps: np.ndarray
    first_fall_after_onset: np.ndarray
    max_eta_eff: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray
    diverged: np.ndarray
    horizon: int

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame({k: v for k, v in self.__dict__.items() if isinstance(v, np.ndarray)})


def simulate_reduced_batch(a, alpha0, beta0, gamma0, eta, eta_gamma, *, horizon: int,
                           progress=None) -> BatchSummary:
    """Vectorised float64 reduced recurrence over settings (each argument broadcastable to
    [batch]); the step is :func:`reduced_step`."""
    horizon = _check_horizon(horizon)
    arrs = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, alpha0, beta0, gamma0, eta, eta_gamma)))
    a, alpha, beta, gamma, eta, eta_g = (np.array(v, dtype=float) for v in arrs)
    for name, v in (("a", a), ("alpha0", alpha), ("beta0", beta), ("gamma0", gamma), ("eta", eta),
                    ("eta_gamma", eta_g)):
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name}: contains non-finite entries")
    if np.any(eta <= 0):
        raise ValueError("eta: must be > 0")
    if np.any(eta_g < 0):
        raise ValueError("eta_gamma: must be >= 0")
    if np.any(alpha * alpha + beta * beta == 0):
        raise ValueError("alpha0, beta0: ||w0|| = 0 is not allowed")
    shape = a.shape
    flat = [v.ravel() for v in (a, alpha, beta, gamma, eta, eta_g)]
    size = flat[0].size
    # settings are independent: run them in chunks whose work arrays stay in cache (~1.6x faster
    # than one pass over 10^5 settings at a time)
    starts = list(range(0, size, BATCH_CHUNK)) or [0]
    bar = _progress(horizon * len(starts), progress)
    parts = [_batch_chunk(*(v[i:i + BATCH_CHUNK] for v in flat), horizon, bar) for i in starts]
    if bar is not None:
        bar.close()
    fields = [np.concatenate([p[k] for p in parts]).reshape(shape) for k in range(len(parts[0]))]
    return BatchSummary(*fields, horizon)


BATCH_CHUNK = 16384


def _batch_chunk(a, alpha, beta, gamma, eta, eta_g, horizon, bar):
    """The batch recurrence and its streaming summaries on one chunk of 1-D settings."""
    B = a.shape
    rho = np.where(alpha > 0, np.abs(beta) / np.where(alpha > 0, alpha, 1), np.inf)
    onset = np.full(B, -1, dtype=np.int64)
    fall = np.full(B, -1, dtype=np.int64)
    peak_rho, peak_t = rho.copy(), np.zeros(B, dtype=np.int64)
    rising = np.zeros(B, dtype=np.int64)
    max_eff = np.full(B, -np.inf)
    diverged = np.zeros(B, dtype=bool)
    # preallocated work arrays, in-place ufuncs: the summaries cost a few passes per step
    rho_next = np.empty(B)
    up, mask, has_on, has_fall = (np.zeros(B, dtype=bool) for _ in range(4))
    with np.errstate(all="ignore"):
        for t in range(horizon):
            alpha, beta, gamma, eta_eff, _, _ = reduced_step(alpha, beta, gamma, eta, eta_g, a, np.sqrt)
            np.maximum(max_eff, eta_eff, out=max_eff)
            np.abs(beta, out=rho_next)
            np.divide(rho_next, alpha, out=rho_next)
            np.less_equal(alpha, 0, out=mask)
            np.copyto(rho_next, np.inf, where=mask)
            np.greater(rho_next, rho, out=up)
            rising += up
            np.greater(up, has_on, out=mask)  # rising now, no onset yet
            if mask.any():
                onset[mask] = t
                has_on |= mask
            np.less(up, has_on, out=mask)  # not rising, after an onset …
            np.greater(mask, has_fall, out=mask)  # … and no fall recorded yet
            if mask.any():
                fall[mask] = t
                has_fall |= mask
            np.greater(rho_next, peak_rho, out=mask)
            np.copyto(peak_rho, rho_next, where=mask)
            np.copyto(peak_t, t + 1, where=mask)
            rho, rho_next = rho_next, rho
            if bar is not None:
                bar.update(1)
        diverged |= ~(np.isfinite(alpha) & np.isfinite(beta) & np.isfinite(gamma))
    return onset, peak_rho, peak_t, rising, fall, max_eff, alpha, beta, gamma, diverged

