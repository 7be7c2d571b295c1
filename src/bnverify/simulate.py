"""Simulators: full-batch GD on the BN linear model, and the reduced whitened recurrence.

* :func:`simulate` — GD eq. (1): ``w⁺ = w − η∇_w L``, ``γ⁺ = γ − η_γ ∂L/∂γ`` on any instance, in
  any backend. Divergence (non-finite or > 1e300) is recorded as the run's status, never raised.
* :func:`simulate_reduced` — Lemma 7 (e): for whitened square loss the iterate stays in the plane
  of ``e`` and ``w_0 − α_0 e``, so ``(α, β, γ)`` follow the closed recurrence (β signed: it flips
  side when ``η_eff·c > 1``)::

      N² = α² + β²,  c = α/N,  η_eff = η γ a/N²
      α⁺ = α + η_eff β²/N,   β⁺ = β (1 − η_eff c),   γ⁺ = (1 − η_γ) γ + η_γ a c

  with ``L − L* = ½(γ − a c)² + ½ a² s²`` (Lemma 1). It keeps β itself, so it has no
  rounding floor on ρ (THEORY.md §9).
* :func:`simulate_reduced_batch` — the same step (:func:`reduced_step`, one implementation)
  vectorised in float64 over arrays of settings, recording streaming summaries.
"""
from __future__ import annotations

import functools
import gc
import sys
from dataclasses import dataclass

import numpy as np

from .backends import FLOAT64, Backend, Ball, get_backend
from .hyper import Hyper
from .model import evaluate
from .trajectory import OVERFLOW, Trajectory, finish_columns, is_bad

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
    from .hyper import MAX_HORIZON, check_integer

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
    hp = hyper.resolve(inst)
    X, y, loss, e = inst.X, inst.y, inst.loss, inst.e
    eta, eta_g = hp.eta, hp.eta_gamma
    w, gamma = hp.w0.copy(), hp.gamma0
    raw = {k: [] for k in ("loss", "alpha", "beta", "gamma", "wnorm2", "grad_w_norm2", "grad_gamma")}
    r_loss, r_alpha, r_beta, r_gamma, r_n2, r_gn2, r_gg = raw.values()
    ws = [] if record_w else None
    status, stopped_at, reason = "finished", None, ""
    sqrt = bk.sqrt
    bar = _progress(horizon, progress)
    for t in range(horizon + 1):
        ev = evaluate(X, y, w, gamma, loss, bk)
        g_w, g_g, L = ev.grad_w, ev.grad_gamma, ev.loss
        alpha = w @ e
        perp = w - e * alpha
        beta, wnorm2, gn2 = sqrt(perp @ perp), w @ w, g_w @ g_w
        if is_bad(bk, L, wnorm2, gamma, gn2, g_g):
            status, stopped_at, reason = "diverged", t, "non-finite or overflowing value"
            break
        r_loss.append(L)
        r_alpha.append(alpha)
        r_beta.append(beta)
        r_gamma.append(gamma)
        r_n2.append(wnorm2)
        r_gn2.append(gn2)
        r_gg.append(g_g)
        if record_w:
            ws.append(w.copy())
        if stop is not None and stop(t, dict(loss=L, alpha=alpha, beta=beta, gamma=gamma, wnorm2=wnorm2,
                                             grad_w_norm2=gn2, grad_gamma=g_g)):
            status, stopped_at, reason = "stopped", t, "stop rule"
            break
        if t == horizon:
            break
        w = w - g_w * eta
        gamma = gamma - eta_g * g_g
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    raw["_eta"] = [eta]
    cols = finish_columns(raw, bk, inst.a, inst.L_star)
    if record_w:
        cols["w"] = np.array(ws, dtype=bk.dtype).reshape(len(ws), inst.d)
    return Trajectory(bk, cols, status, horizon, stopped_at, reason, "full", inst, hyper,
                      _params(inst, hp))


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


@_fp_quiet
def simulate_reduced(instance, hyper: Hyper, *, horizon: int, backend=None, stop=None,
                     progress=None) -> Trajectory:
    """The reduced whitened recurrence (Lemma 7 (e)) from the same initial state as
    :func:`simulate`; the instance must be whitened with square loss."""
    horizon = _check_horizon(horizon)
    inst = instance if backend is None else instance.at(get_backend(backend))
    if not inst.whitened or inst.loss.name != "square":
        raise ValueError("instance: the reduced recurrence needs a whitened square-loss instance")
    bk = inst.backend
    hp = hyper.resolve(inst)
    a, e = inst.a, inst.e
    alpha = hp.w0 @ e
    perp = hp.w0 - alpha * e
    beta = bk.sqrt(perp @ perp)
    gamma, eta, eta_g = hp.gamma0, hp.eta, hp.eta_gamma
    raw = {k: [] for k in ("alpha", "beta", "gamma", "wnorm2", "eta_eff", "cos", "grad_gamma")}
    r_alpha, r_beta, r_gamma, r_n2, r_eff, r_cos, r_dg = raw.values()
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

    def excess(dg, beta, N2):  # L − L* by Lemma 1
        return (dg * dg + a2 * (beta * beta) / N2) / 2

    # per step: the recurrence and ∂L/∂γ = γ − a c (Lemma 7), which settles divergence in one
    # comparison; every other column is derived from (α, β, γ, N², c, ∂L/∂γ) on first access
    for t in range(horizon + 1):
        a1, b1, g1, eta_eff, c, N2 = reduced_step(alpha, beta, gamma, eta, eta_g, a, sqrt)
        dg = gamma - a * c
        # a comparison is false for nan and ±inf; |γ| > 1e300 forces |dg| > lim_dg
        if not (N2 <= lim and abs(dg) <= lim_dg) and not (N2 <= lim and excess(dg, beta, N2) * 2 <= lim_x):
            status, stopped_at, reason = "diverged", t, "non-finite or overflowing value"
            break
        r_alpha.append(alpha)
        r_beta.append(beta)
        r_gamma.append(gamma)
        r_n2.append(N2)
        r_eff.append(eta_eff)
        r_cos.append(c)
        r_dg.append(dg)
        if stop is not None and stop(t, dict(loss=L_star + excess(dg, beta, N2), alpha=alpha, beta=beta,
                                             gamma=gamma, wnorm2=N2)):
            status, stopped_at, reason = "stopped", t, "stop rule"
            break
        if t == horizon:
            break
        alpha, beta, gamma = a1, b1, g1
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    raw["_eta"] = [eta]
    # Lemma 1: L − L* = ½(γ − a c)² + ½ a² β²/N²;  Lemma 7: ‖∇_w L‖ = |γ| a s/‖w‖ = |γ| a |β|/N²
    dt = bk.dtype
    lazy = {"excess": lambda col: excess(col["grad_gamma"], np.array(r_beta, dtype=dt), np.array(r_n2, dtype=dt)),
            "loss": lambda col: L_star + col["excess"],
            "grad_w_norm": lambda col: np.abs(col["gamma"]) * a * col["beta"] / np.array(r_n2, dtype=dt)}
    cols = finish_columns(raw, bk, a, L_star, lazy)
    return Trajectory(bk, cols, status, horizon, stopped_at, reason, "reduced", inst, hyper, _params(inst, hp))


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
    for name, v in (("a", a), ("alpha0", alpha), ("beta0", beta), ("gamma0", gamma), ("eta", eta), ("eta_gamma", eta_g)):
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

