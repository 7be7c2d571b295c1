"""The limit (issue 19): the pipeline's examples/s against a plain vectorised numpy implementation
of the same decision over the same points, one statement per family.

Families and statements:

* reduced recurrence — ``thm3.peak_bound@reconstructed-v1``;
* full-GD whitened — ``lemma7.rising_criterion@exact-v1``;
* logistic — ``lemma4.logistic_loss_upper@reconstructed-v1``.

Points: the first ``N`` points of ``scipy.stats.qmc.Sobol(d, scramble=True, seed=S)`` over
``stmt.space()``, mapped with ``space.values(u)`` (and, where the limit needs an instance,
``space.build(values)``) — exactly the points of the pipeline's sweep.

Pipeline: ``run_campaign(stmt, Budget(sweep=N, chunk=C), seed=S)`` — screening of comfortable holds
(``certify="doubtful"``), doubtful verdicts up the ladder, then phase 3 (8 tightest + a seeded
sample of 32 certified); and the same without phase 3 (``certify_tightest=0, certify_sample=0``).
The statement's pinned examples are switched off for the timing (an instance attribute
``stmt.pinned = ()``, nothing in the library changes): they are not points of the sweep.

Limit: the statement's float64 decision written once more here as array code over all N points
(lanes), never in ``src/`` (the product has one implementation of the math; this file only measures
how far the pipeline is from the arithmetic):

* ``thm3.peak_bound`` — hypotheses, the float64 reduced recurrence with β carried floor-free
  (m·2^k), the pilot's first onset, T_2 at the onset and the settle time streamed, the horizon
  min(30000, t_on + T_2 + 1, t_s + 50), the peak of ρ over the rising steps before it against
  P = max(ρ_0, τ⁻¹(H_0)(H_0 − 1)); a lane stops at its horizon (T_2's logarithms in float64,
  where the library takes them in 80-bit mpmath: κ(ρ) underflowing makes T_2 > cap on both sides).
  Scale-free initial state (a = 1,
  ‖w_0‖ = 1: the instance, a, ‖w_0‖ are inert by Lemma 7 (e)) — no instance builds.
* ``lemma7.rising_criterion`` — full GD (padded instances, ``einsum``) for 200 steps, the step
  criterion with its rounding-reach tests (``K·eps`` = 256·2⁻⁵³, ρ floor 64·d·eps); doubtful verdicts
  re-decided on the float64 reduced recurrence (as the pipeline's first rung, Lemma 7 (e)); what is
  still doubtful there is *deferred* (the pipeline sends it to balls/mpmath; the limit does not
  decide it). Includes the instance builds (library builders, cached as in the pipeline).
* ``lemma4.logistic_loss_upper`` — the hypotheses (Assumptions 1–3, rank, KKT duals, separability,
  the initialisation), full GD on padded instances for 60 steps, L_t ≤ log(1 + exp(−γ_t(1 − δ(ρ_t))))
  on the branch above the ρ floor, tightest relative slack; doubtful (|slack| < 1e-9 or violated)
  deferred. Includes the instance builds (library builders).

Both sides run alternately in one process (pipeline variants, limit, …) ``--repeats`` times after
the caches of instances / set-ups / known runs are cleared before every timed run; medians. The
limit's per-point outcome is compared with the pipeline's (sweep records of the default run).

    python benchmarks/limit.py [--families reduced,full,logistic] [--n-reduced 1024] [--n-full 256]
                               [--n-logistic 1024] [--repeats 3] [--seed 1]
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import warnings
from collections import Counter

import numpy as np

from bnverify.numerics.backends import FLOAT64
from bnverify.verify.orchestrate import run_campaign
from bnverify.verify.planning import Budget
from bnverify.verify.registry import load_statement

FAMILIES = {
    "reduced": "thm3.peak_bound@reconstructed-v1",
    "full": "lemma7.rising_criterion@exact-v1",
    "logistic": "lemma4.logistic_loss_upper@reconstructed-v1",
}
EPS = 2.0 ** -53  # float64 rounding unit (FLOAT64.eps)
K_ULPS = 256
OVERFLOW = 1e300


def sobol_points(dim: int, n: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return qmc.Sobol(d=dim, scramble=True, seed=seed).random(n)


def clear_caches():
    """Instances, set-ups and known float64 runs: every timed run starts cold."""
    import bnverify.numerics.hyper as H
    import bnverify.verify.example as E
    from bnverify.numerics.simulate import forget_known

    E._INSTANCES.clear()
    H._RESOLVED.clear()
    forget_known()


# --- reduced recurrence: thm3.peak_bound ---------------------------------------------------------------
TINY, SCALE, SBITS = 2.0 ** -600, 2.0 ** 600, 600


def tau_np(r):
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 2 * np.sqrt(1 + r * r) / (1 - r * r)
    return np.where((r >= 1) | ~np.isfinite(r), np.inf, out)


def _tau1(r):
    return 2 * math.sqrt(1 + r * r) / (1 - r * r) if r < 1 else math.inf


def _peak_lane(t, al, m, k, ga, eta, eg, onset, settle, hor, pk, rho_t, cap, margin):
    """One lane of :func:`limit_peak_bound` from step ``t`` on, in Python floats (the same
    operations in the same order): the tail of long runs. Returns ``(peak, finite)``."""
    sqrt, ldexp = math.sqrt, math.ldexp
    while t < hor:
        bb = 0.0 if k < 0 else m
        b2 = bb * bb
        N2 = al * al + b2
        Nn = sqrt(N2)
        c = al / Nn
        ee = eta * ga / N2
        a1 = al + ee * b2 / Nn
        m1 = m * (1 - ee * c)
        g1 = ga + eg * (c - ga)
        if settle < 0 and ee / ga <= 2:
            settle = t
            hor = min(hor, t + margin)
        k1 = k
        if k1 < 0 and abs(m1) >= 1:
            m1, k1 = m1 * TINY, k1 + SBITS
        while 0 < abs(m1) < TINY:
            m1, k1 = m1 * SCALE, k1 - SBITS
        rho_n = abs(m1) / a1
        if k or k1:
            x = rho_n if k1 == k else ldexp(rho_n, k1 - k)
            rising = x > rho_t
            rho_val, rho_t_val = ldexp(rho_n, k1), ldexp(rho_t, k)
        else:
            rising = rho_n > rho_t
            rho_val, rho_t_val = rho_n, rho_t
        if rising and onset < 0:
            onset = t
            Ht = ee / ga
            tr = _tau1(rho_t_val)
            if rho_t_val < 1 and Ht > tr:
                kap = 4 * rho_t_val * rho_t_val / ((1 - rho_t_val * rho_t_val) ** 2)
                lp = math.log1p(kap)
                if lp > 0:
                    T2 = max(1.0, math.ceil(math.log(Ht / tr) / lp))
                    hor = min(hor, int(t + min(T2, 1e15) + 1))
        if rising and t < hor and rho_val > pk:
            pk = rho_val
        al, m, ga, k, rho_t = a1, m1, g1, k1, rho_n
        t += 1
    return pk, math.isfinite(al) and math.isfinite(m) and math.isfinite(ga)


def limit_peak_bound(space, pts, cap=30000, margin=50, compact_every=64, tail=16):
    """Outcome per point ('holds' / 'violated' / 'vacuous' / 'deferred') and the tightness."""
    vals = [space.values(u) for u in pts]
    N = len(vals)
    H0 = 2.0 + np.array([v["H0_minus_2"] for v in vals])
    rho0 = np.array([v["rho0"] for v in vals])
    eg = np.array([v["eta_gamma"] for v in vals])
    g0 = np.array([v["gamma0_over_a"] for v in vals])
    # hypotheses: 0 < η_γ ≤ 1, 0 < γ_0 ≤ a, 0 < ρ_0 < 1, H_0 > 2 (a = 1, ‖w_0‖ = 1: scale-free)
    ok = (eg > 0) & (eg <= 1) & (g0 > 0) & (g0 <= 1) & (rho0 > 0) & (rho0 < 1) & (H0 > 2)
    alpha0 = 1.0 / np.sqrt(1 + rho0 * rho0)
    beta0 = rho0 * alpha0
    r0 = beta0 / alpha0
    Hm = H0
    tinv = np.sqrt((Hm - 2) * (Hm + 2) / (Hm * Hm + 2 + 2 * np.sqrt(2 * Hm * Hm + 1)))
    P = np.maximum(r0, tinv * (H0 - 1))
    # global results
    peak = np.full(N, -np.inf)
    informative = np.zeros(N, dtype=bool)
    finite = np.ones(N, dtype=bool)
    # lane state (compacted)
    idx = np.flatnonzero(ok)
    al, m, ga = alpha0[idx].copy(), beta0[idx].copy(), g0[idx].copy()
    k = np.zeros(idx.size, dtype=np.int64)
    eta, egl = H0[idx].copy(), eg[idx].copy()
    onset = np.full(idx.size, -1, dtype=np.int64)
    settle = np.full(idx.size, -1, dtype=np.int64)
    hor = np.full(idx.size, cap, dtype=np.int64)
    pk = np.full(idx.size, -np.inf)
    rho_t = m / al  # ρ_t = rho_t · 2^k
    t = 0
    with np.errstate(all="ignore"):
        while idx.size:
            scaled = (k < 0).any()
            bb = np.where(k < 0, 0.0, m) if scaled else m
            b2 = bb * bb
            N2 = al * al + b2
            Nn = np.sqrt(N2)
            c = al / Nn
            ee = eta * ga / N2
            a1 = al + ee * b2 / Nn
            m1 = m * (1 - ee * c)
            g1 = ga + egl * (c - ga)
            # settle: H_t = η_eff a/γ ≤ 2
            new_s = (settle < 0) & (ee / ga <= 2)
            if new_s.any():
                settle[new_s] = t
                hor = np.where(new_s, np.minimum(hor, t + margin), hor)
            # renormalise m1 (floor-free carry), then ρ_{t+1}
            k1 = k
            am = np.abs(m1)
            if scaled or am.min() < TINY:
                k1 = k.copy()
                up = (k1 < 0) & (am >= 1)
                m1 = np.where(up, m1 * TINY, m1)
                k1 = np.where(up, k1 + SBITS, k1)
                down = (np.abs(m1) < TINY) & (m1 != 0)
                while down.any():
                    m1 = np.where(down, m1 * SCALE, m1)
                    k1 = np.where(down, k1 - SBITS, k1)
                    down = (np.abs(m1) < TINY) & (m1 != 0)
            rho_n = np.abs(m1) / a1  # α_t > 0 grows (α⁺ = α + η_eff β²/N): never ≤ 0
            if scaled or (k1 < 0).any():
                x = np.where(k1 == k, rho_n, np.ldexp(rho_n, k1 - k))
                rising = x > rho_t
                rho_val = np.ldexp(rho_n, k1)  # the ρ column's value
                rho_t_val = np.ldexp(rho_t, k)
            else:
                rising = rho_n > rho_t
                rho_val, rho_t_val = rho_n, rho_t
            first = rising & (onset < 0)
            if first.any():  # T_2 from the state at the onset (t2_at): H_t, τ(ρ_t), κ(ρ_t)
                onset[first] = t
                Ht = ee / ga
                tr = tau_np(rho_t_val)
                kap = 4 * rho_t_val * rho_t_val / ((1 - rho_t_val * rho_t_val) ** 2)
                T2 = np.maximum(1.0, np.ceil(np.log(Ht / tr) / np.log1p(kap)))
                good = first & (rho_t_val < 1) & (Ht > tr) & np.isfinite(T2)
                lim = np.where(good, t + np.minimum(T2, 1e15) + 1, cap).astype(np.int64)
                hor = np.where(good, np.minimum(hor, lim), hor)
            inside = rising & (t < hor)
            if inside.any():
                np.maximum(pk, np.where(inside, rho_val, -np.inf), out=pk)
            al, m, ga, k, rho_t = a1, m1, g1, k1, rho_n
            t += 1
            if t % compact_every == 0:
                keep = t < hor
                fin = ~(np.isfinite(al) & np.isfinite(m) & np.isfinite(ga))
                if fin.any():  # diverged: the pipeline calls it undecided (then the ladder)
                    finite[idx[fin]] = False
                    keep &= ~fin
                gone = ~keep
                if gone.any():
                    peak[idx[gone]] = pk[gone]
                    if not keep.any():
                        break
                    idx, al, m, ga, k, eta, egl = idx[keep], al[keep], m[keep], ga[keep], k[keep], eta[keep], egl[keep]
                    onset, settle, hor, pk, rho_t = onset[keep], settle[keep], hor[keep], pk[keep], rho_t[keep]
                if idx.size <= tail:  # a few long lanes left: numpy's per-call cost would dominate
                    for j in range(idx.size):
                        pj, fj = _peak_lane(t, float(al[j]), float(m[j]), int(k[j]), float(ga[j]), float(eta[j]),
                                            float(egl[j]), int(onset[j]), int(settle[j]), int(hor[j]), float(pk[j]),
                                            float(rho_t[j]), cap, margin)
                        peak[idx[j]] = pj
                        finite[idx[j]] &= fj
                    break
    informative = peak > -np.inf
    obs = np.where(informative, peak, r0)
    slack = (P - obs) / np.abs(P)
    out = np.where(~ok, "vacuous", np.where(obs <= P, "holds", "violated")).astype(object)
    doubtful = ok & ((out == "violated") | (informative & (np.abs(slack) < 1e-8)) | ~finite)
    out[doubtful] = "deferred"
    tight = np.where(informative & ok, obs / P, np.nan)
    return list(out), tight


# --- full GD on padded instances (whitened square loss, logistic) ---------------------------------------
def _pad(insts):
    B = len(insts)
    nmax = max(i.n for i in insts)
    dmax = max(i.d for i in insts)
    X = np.zeros((B, nmax, dmax))
    y = np.zeros((B, nmax))
    e = np.zeros((B, dmax))
    mask = np.zeros((B, nmax))
    for b, i in enumerate(insts):
        X[b, :i.n, :i.d] = i.X
        y[b, :i.n] = i.y
        e[b, :i.d] = i.e
        mask[b, :i.n] = 1.0
    n = np.array([i.n for i in insts], dtype=float)
    return X, y, e, mask, n


def _hyper_arrays(insts, hps, dmax):
    """The examples' set-ups as arrays: ``w0`` padded to ``dmax``, η, η_γ, γ_0."""
    w0 = np.zeros((len(hps), dmax))
    for b, hp in enumerate(hps):
        w0[b, :insts[b].d] = hp.w0
    return (w0, *(np.array([float(getattr(h, k)) for h in hps]) for k in ("eta", "eta_gamma", "gamma0")))


def full_gd(X, y, e, mask, n, w0, eta, eg, gamma0, steps, loss):
    """Full-batch GD on padded instances; columns [steps + 1, B]; ``stop``: first bad step (is_bad)
    per lane (steps + 1 if none). Rows from ``stop`` on are not part of the trajectory."""
    B = X.shape[0]
    w, ga = w0.copy(), gamma0.copy()
    cols = {k: np.empty((steps + 1, B)) for k in ("loss", "alpha", "beta", "gamma", "wnorm2")}
    stop = np.full(B, steps + 1, dtype=np.int64)
    alive = np.ones(B, dtype=bool)
    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            v = np.einsum("bij,bj->bi", X, w)
            s = np.sqrt(np.einsum("bi,bi->b", v, v) / n)
            u = v / s[:, None]
            z = u * ga[:, None]
            if loss == "square":
                res = y - z
                L = np.einsum("bi,bi->b", res, res) / 2 / n
                r = (z - y) / n[:, None]
            else:
                mz = -(y * z)
                lv = np.where(mz > 0, mz, 0.0) + np.log1p(np.exp(-np.abs(mz)))
                L = np.einsum("bi,bi->b", lv, mask) / n
                ex_ = np.exp(-np.abs(mz))
                sg = np.where(mz >= 0, 1 / (1 + ex_), ex_ / (1 + ex_))  # σ(−y z)
                r = -y * sg / n[:, None]
            gg = np.einsum("bi,bi->b", u, r)
            XTr = np.einsum("bij,bi->bj", X, r)
            XTu = np.einsum("bij,bi->bj", X, u)
            gw = (XTr - (XTu / n[:, None]) * gg[:, None]) * (ga / s)[:, None]
            al = np.einsum("bj,bj->b", w, e)
            perp = w - e * al[:, None]
            be = np.sqrt(np.einsum("bj,bj->b", perp, perp))
            n2 = np.einsum("bj,bj->b", w, w)
            gn2 = np.einsum("bj,bj->b", gw, gw)
            bad = ~((np.abs(L) <= OVERFLOW) & (np.abs(n2) <= OVERFLOW) & (np.abs(ga) <= OVERFLOW)
                    & (np.abs(gn2) <= OVERFLOW) & (np.abs(gg) <= OVERFLOW)) & alive
            if bad.any():
                stop[bad] = t
                alive &= ~bad
            for k_, val in (("loss", L), ("alpha", al), ("beta", be), ("gamma", ga), ("wnorm2", n2)):
                cols[k_][t] = val
            if t == steps:
                break
            w = w - gw * eta[:, None]
            ga = ga - eg * gg
    return cols, stop


def reduced_run(a, alpha0, beta0, gamma0, eta, eg, steps):
    """The float64 reduced recurrence (plain β, see the docstring of limit_rising_criterion)."""
    B = a.size
    al, be, ga = alpha0.copy(), beta0.copy(), gamma0.copy()
    cols = {k: np.empty((steps + 1, B)) for k in ("alpha", "beta", "gamma", "eta_eff")}
    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            b2 = be * be
            N2 = al * al + b2
            Nn = np.sqrt(N2)
            c = al / Nn
            ee = eta * ga * a / N2
            cols["alpha"][t], cols["beta"][t], cols["gamma"][t], cols["eta_eff"][t] = al, be, ga, ee
            al, be, ga = al + ee * b2 / Nn, be * (1 - ee * c), ga + eg * (a * c - ga)
    return cols


def criterion_verdicts(rho, ee, alpha, err, floor, nsteps):
    """Lemma 7 (d)'s step criterion on columns [T + 1, B] (``err``: the rounding error of ρ_t per
    row, ``floor``: per lane, ``nsteps``: steps per lane, T = nsteps). Returns (status, resolved,
    slack) per lane: status 'holds' / 'violated', resolved False for an unresolved failure."""
    eps = K_ULPS * EPS
    T = rho.shape[0] - 1
    r0, r1 = rho[:-1], rho[1:]
    t_idx = np.arange(T)[:, None]
    with np.errstate(all="ignore"):
        valid = (alpha[:-1] > 0) & (r0 > 0) & (t_idx < nsteps[None, :])
        rising = r1 > r0
        rcr = (r0 >= floor[None, :]) & (~(alpha[1:] > 0) | (np.abs(r1 - r0) > err[:-1] + err[1:]))
        below = r0 < 1
        tau = 2 * np.sqrt(1 + r0 * r0) / (1 - r0 * r0)
        pred = ee[:-1] > tau
        gap = np.abs(ee[:-1] - tau)
        dtau = 2 * r0 * (3 + r0 * r0) / (np.sqrt(1 + r0 * r0) * (1 - r0 * r0) ** 2)
        res_b = (gap > eps * tau + dtau * err[:-1]) & rcr
        concl = np.where(below, pred == rising, ~rising)
        resolved = np.where(below, res_b, rcr)
        margin = np.where(below, gap / tau, 1.0)
    fail = valid & ~concl
    bad = (fail & resolved).any(axis=0)
    unres = (fail & ~resolved).any(axis=0)
    good = valid & concl & resolved
    best = np.where(good, margin, np.inf).min(axis=0)
    slack = np.where(np.isfinite(best), best, np.nan)
    status = np.where(bad | unres, "violated", "holds")
    return status, ~(unres & ~bad), slack


def limit_rising_criterion(stmt, space, pts, steps=200, reach=1e-8):
    """Lemma 7 (d) on full GD, doubtful verdicts re-decided on the float64 reduced recurrence
    (β carried plainly: below 2^-593 it differs from the floor-free carry only where ρ < 1e-290,
    which both mark unresolved)."""
    from bnverify.numerics.hyper import resolve

    vals = [space.values(u) for u in pts]
    exs = [space.build(dict(v)) for v in vals]  # instance builds: the library's builders
    insts = [ex.instance(FLOAT64) for ex in exs]
    hps = [resolve(ex.hyper, i) for ex, i in zip(exs, insts)]
    N = len(exs)
    X, y, e, mask, n = _pad(insts)
    w0, eta, eg, g0 = _hyper_arrays(insts, hps, X.shape[2])
    a = np.array([float(i.a) for i in insts])
    d = np.array([i.d for i in insts], dtype=float)
    al0 = np.einsum("bj,bj->b", w0, e)
    be0 = np.sqrt(np.einsum("bj,bj->b", w0 - e * al0[:, None], w0 - e * al0[:, None]))
    with np.errstate(all="ignore"):
        rho0 = np.where(al0 > 0, be0 / al0, np.inf)
    ok = (eg > 0) & (eg <= 1) & (g0 > 0) & (g0 <= a) & (al0 > 0) & (rho0 > 0) & (rho0 < 1)
    cols, stop = full_gd(X, y, e, mask, n, w0, eta, eg, g0, steps, "square")
    al, be, wn2 = cols["alpha"], cols["beta"], cols["wnorm2"]
    with np.errstate(all="ignore"):
        rho = np.where(al > 0, be / al, np.inf)
        ee = eta * cols["gamma"] * a / wn2
        err = K_ULPS * EPS * (1 + rho) * np.sqrt(wn2) / al
    nsteps = np.minimum(stop - 1, steps)  # T = last recorded row
    status, resolved, slack = criterion_verdicts(rho, ee, al, err, 64.0 * d * EPS, nsteps)
    doubtful = (status == "violated") | ~resolved | (np.nan_to_num(slack, nan=1.0) < reach)
    out = np.where(status == "holds", "holds", "violated").astype(object)
    out[nsteps < 1] = "deferred"  # undecided: fewer than two states
    # the pipeline's first rung for doubtful whitened full-GD verdicts: the float64 reduced recurrence
    redo = np.flatnonzero(ok & doubtful & (nsteps >= 1))
    if redo.size:
        rc = reduced_run(a[redo], al0[redo], be0[redo], g0[redo], eta[redo], eg[redo], steps)
        with np.errstate(all="ignore"):
            rr = np.where(rc["alpha"] > 0, np.abs(rc["beta"]) / rc["alpha"], np.inf)
        st2, res2, sl2 = criterion_verdicts(rr, rc["eta_eff"], rc["alpha"], K_ULPS * EPS * rr,
                                            np.full(redo.size, 1e-290), np.full(redo.size, steps))
        settled = (st2 == "holds") & res2 & ~(np.nan_to_num(sl2, nan=1.0) < reach)
        for j, b in enumerate(redo):
            if settled[j]:
                out[b] = "artefact" if out[b] == "violated" else "holds"
            else:
                out[b] = "deferred"
    out[~ok] = "vacuous"
    tight = np.full(N, np.nan)  # an implication: no tightness
    return list(out), tight


def limit_logistic_upper(stmt, space, pts, steps=60, reach=1e-9):
    """Lemma 4 along logistic full GD (see the module docstring)."""
    from bnverify.numerics.hyper import resolve

    vals = [space.values(u) for u in pts]
    exs = [space.build(dict(v)) for v in vals]  # instance builds: the library's builders
    insts = [ex.instance(FLOAT64) for ex in exs]
    hps = [resolve(ex.hyper, i) for ex, i in zip(exs, insts)]
    N = len(exs)
    # hypotheses, per instance (numpy): A1 d > n, rank n, λ_min > 0; A3 duals ≥ 0 and the reference;
    # A2 separable by the reference, w_0 in span(Xᵀ), α_0 > 0, γ_0 > 0, ρ_0 < ρ_branch
    ok = np.ones(N, dtype=bool)
    m_ = np.empty(N)
    lmax = np.empty(N)
    rb = np.empty(N)
    for b, (i, hp) in enumerate(zip(insts, hps)):
        X, yy = i.X, i.y
        G = X @ X.T
        nu = np.linalg.solve(G, yy)
        w = X.T @ nu
        marg = yy * (X @ i.w_ref)
        w0 = hp.w0
        proj = X.T @ np.linalg.solve(G, X @ w0)
        al0 = w0 @ i.e
        be0 = np.linalg.norm(w0 - i.e * al0)
        m_[b], lmax[b] = i.margin, i.lam_max
        K = math.sqrt(i.n * i.lam_max)
        rb[b] = i.margin / (K + 2 * math.sqrt(i.lam_max))
        good = (i.d > i.n and np.linalg.matrix_rank(X) == i.n and i.lam_min > 0 and np.all(yy * nu >= 0)
                and np.linalg.norm(w - i.w_ref) / np.linalg.norm(w) < 1e3 * EPS
                and marg.min() >= 1 - 1e3 * EPS * max(1.0, np.abs(marg).max())
                and np.linalg.norm(w0 - proj) / np.linalg.norm(w0) < 1e4 * EPS
                and al0 > 0 and hp.gamma0 > 0 and be0 / al0 < rb[b])
        ok[b] = good
    X, y, e, mask, n = _pad(insts)
    w0, eta, eg, g0 = _hyper_arrays(insts, hps, X.shape[2])
    d = np.array([i.d for i in insts], dtype=float)
    cols, stop = full_gd(X, y, e, mask, n, w0, eta, eg, g0, steps, "logistic")
    al, be, ga, L = cols["alpha"], cols["beta"], cols["gamma"], cols["loss"]
    smax = np.sqrt(lmax)
    K = np.sqrt(n * lmax)
    floor = 1e4 * 64.0 * d * EPS
    rows = np.arange(steps + 1)[:, None] < np.minimum(stop, steps + 1)[None, :]  # t ≤ T
    with np.errstate(all="ignore"):
        rho = np.where(al > 0, be / al, np.inf)
        onb = rows & (al > 0) & (ga >= 0) & (rho < rb[None, :]) & (rho >= floor[None, :])
        den = m_[None, :] - rho * smax[None, :]
        delta = np.where(den > 0, rho * (K + smax)[None, :] / den, np.inf)
        x = -ga * (1 - delta)
        bnd = np.where(x > 0, x, 0.0) + np.log1p(np.exp(-np.abs(x)))
        ref = np.where(bnd != 0, np.abs(bnd), 1.0)
        rel = np.where(onb, (bnd - L) / ref, np.inf)
    i_min = np.argmin(rel, axis=0)
    slack = rel[i_min, np.arange(N)]
    obs, bound = L[i_min, np.arange(N)], bnd[i_min, np.arange(N)]
    has = onb.any(axis=0)
    out = np.where(~has, "vacuous", np.where(obs <= bound, "holds", "violated")).astype(object)
    doubtful = has & ((out == "violated") | (np.abs(slack) < reach))
    out[doubtful] = "deferred"
    out[~ok] = "vacuous"
    with np.errstate(all="ignore"):
        tight = np.where(has & ok & (bound > 0), obs / bound, np.nan)
    return list(out), tight


LIMITS = {"reduced": lambda stmt, space, pts: limit_peak_bound(space, pts),
          "full": limit_rising_criterion, "logistic": limit_logistic_upper}


# --- the run ------------------------------------------------------------------------------------------
def pipeline(stmt, n, chunk, seed, phase3: bool, screen: bool = True):
    """``run_campaign`` on the sweep; ``screen=False`` switches the statement's screen off (an instance
    attribute ``stmt.screen = None``: the batch path records and checks every example, as before
    issue 19's decision 3)."""
    b = Budget(sweep=n, chunk=chunk) if phase3 else Budget(sweep=n, chunk=chunk, certify_tightest=0, certify_sample=0)
    clear_caches()
    if not screen:
        stmt.screen = None
    t0 = time.perf_counter()
    try:
        res = run_campaign(stmt, b, seed=seed)
    finally:
        if not screen:
            del stmt.screen
    dt = time.perf_counter() - t0
    sweep = sorted((r for r in res.records if r["searcher"] == "sweep"), key=lambda r: r["index"])
    return dt, res, sweep


def run_family(fam, n, seed, repeats, chunks, phase3s=(True, False), screens=(True,)):
    key = FAMILIES[fam]
    stmt = load_statement(key)
    stmt.pinned = ()  # not points of the sweep (see the module docstring)
    space = stmt.space()
    pts = sobol_points(space.dim, n, seed)
    variants = [(c, p3, sc) for c in chunks for p3 in phase3s for sc in screens]
    times = {v: [] for v in variants}
    tl = []
    ref = None
    lim_out = lim_tight = None
    certif = None
    for rep in range(repeats):
        for v in variants:
            dt, res, sweep = pipeline(stmt, n, v[0], seed, v[1], v[2])
            times[v].append(dt)
            outs = [r["outcome"] for r in sweep]
            secs = Counter()
            for r in res.records:
                secs[r["searcher"]] += r.get("seconds") or 0.0
            print(f"  {fam} pipeline C={v[0]} phase3={'on' if v[1] else 'off'} screen={'on' if v[2] else 'off'}: "
                  f"{dt:7.2f} s  {n / dt:8.1f} ex/s  "
                  f"{dict(Counter(outs))}  record seconds by searcher "
                  f"{ {k: round(x, 1) for k, x in secs.items()} }", flush=True)
            if ref is None:
                ref = sweep
                certif = res.certification
            elif (outs != [r["outcome"] for r in ref]
                  or [r.get("slack") for r in sweep] != [r.get("slack") for r in ref]):
                print(f"  !! outcomes or slacks differ between pipeline runs ({v})", flush=True)
        clear_caches()
        t0 = time.perf_counter()
        lim_out, lim_tight = LIMITS[fam](stmt, space, pts)
        tl.append(time.perf_counter() - t0)
        print(f"  {fam} limit: {tl[-1]:7.2f} s  {n / tl[-1]:8.1f} ex/s  {dict(Counter(lim_out))}", flush=True)
    # agreement, point by point
    pipe = [r["outcome"] for r in ref]
    assert len(pipe) == n, (len(pipe), n)
    decided = [i for i in range(n) if lim_out[i] != "deferred"]
    agree = sum(lim_out[i] == pipe[i] for i in decided)
    disagree = [(i, lim_out[i], pipe[i]) for i in decided if lim_out[i] != pipe[i]]
    deferred = Counter(pipe[i] for i in range(n) if lim_out[i] == "deferred")
    tdiff = []
    for i in decided:
        tp = ref[i].get("tightness")
        tq = lim_tight[i]
        if tp is not None and np.isfinite(tq):
            tdiff.append(abs(tp - tq) / max(abs(tp), 1e-300))
    med = {v: statistics.median(times[v]) for v in variants}
    row = dict(family=fam, key=key, n=n, limit=n / statistics.median(tl), limit_s=tl,
               pipe={v: n / med[v] for v in variants}, pipe_s={v: times[v] for v in variants},
               agree=agree, decided=len(decided), disagree=disagree, deferred=dict(deferred),
               tight_maxrel=max(tdiff) if tdiff else None, tight_n=len(tdiff),
               pipe_outcomes=dict(Counter(pipe)), limit_outcomes=dict(Counter(lim_out)), certification=certif)
    print(f"  {fam}: agreement {agree}/{len(decided)} decided by the limit; deferred {sum(deferred.values())} "
          f"(pipeline: {dict(deferred)}); tightness max rel. diff {row['tight_maxrel']} over {len(tdiff)}", flush=True)
    for i, lo, po in disagree[:10]:
        dec = ref[i].get("decision", {}).get("verdicts", {})
        rungs = "; ".join(f"{k}: {v.get('status')} (resolved {v.get('resolved')}, slack {v.get('slack')})"
                          for k, v in dec.items()) or f"{ref[i]['final'].get('status')}, slack {ref[i].get('slack')}"
        print(f"    disagreement at sweep index {i}: limit {lo}, pipeline {po} [{rungs}]; values {ref[i]['values']}",
              flush=True)
    return row


def table(rows) -> str:
    out = ["| family (statement) | N | chunk C | screen | pipeline ex/s, phase 3 on | pipeline ex/s, phase 3 off | "
           "limit ex/s | ratio on / off | limit decided / agree / deferred |",
           "|---|---:|---:|---|---:|---:|---:|---:|---|"]
    for r in rows:
        for c, sc in sorted({(v[0], v[2]) for v in r["pipe"]}):
            on, off = r["pipe"].get((c, True, sc)), r["pipe"].get((c, False, sc))
            dd = ", ".join(f"{k} {v}" for k, v in sorted(r["deferred"].items())) or "—"
            fmt = lambda x: f"{x:,.1f}" if x is not None else "—"  # noqa: E731
            rat = lambda x: f"{x / r['limit']:.3f}" if x is not None else "—"  # noqa: E731
            out.append(f"| {r['family']} (`{r['key']}`) | {r['n']:,} | {c:,} | {'on' if sc else 'off'} | {fmt(on)} | "
                       f"{fmt(off)} | {r['limit']:,.0f} | {rat(on)} / {rat(off)} | {r['decided']} / {r['agree']} / "
                       f"{sum(r['deferred'].values())} (pipeline: {dd}) |")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--families", default="reduced,full,logistic")
    ap.add_argument("--n-reduced", type=int, default=1024)
    ap.add_argument("--n-full", type=int, default=256)
    ap.add_argument("--n-logistic", type=int, default=1024)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--repeats-reduced", type=int, default=2, help="the reduced family's pipeline runs take minutes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunks-reduced", default="", help="comma-separated unit sizes (default: 64 and N)")
    ap.add_argument("--phase3", default="on,off", help="phase 3 variants: on,off | on | off")
    ap.add_argument("--screen", default="on", help="reduced family: screen variants, on,off (before/after) | on | off")
    args = ap.parse_args(argv)
    phase3s = tuple(x == "on" for x in args.phase3.split(","))
    ns = {"reduced": args.n_reduced, "full": args.n_full, "logistic": args.n_logistic}
    rows = []
    for fam in args.families.split(","):
        n = ns[fam]
        chunks = (64, n) if fam == "reduced" else (64,)
        if fam == "reduced" and args.chunks_reduced:
            chunks = tuple(int(x) for x in args.chunks_reduced.split(","))
        screens = tuple(x == "on" for x in args.screen.split(",")) if fam == "reduced" else (True,)
        print(f"{fam}: {FAMILIES[fam]}, N = {n}, seed {args.seed}", flush=True)
        reps = args.repeats_reduced if fam == "reduced" else args.repeats
        rows.append(run_family(fam, n, args.seed, reps, chunks, phase3s, screens))
    print()
    print(table(rows))
    bad = sum(len(r["disagree"]) for r in rows)
    print(f"\ndisagreements: {bad}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
