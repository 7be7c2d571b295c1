"""Search for the published Section 6 settings: runs that show the paper's delayed-spike mechanism.

The mechanism (paper §§4–5, whitened square loss, exact there by Lemma 7): the run starts stable
(``ρ_0 < 1`` and ``η_eff,0 < τ(ρ_0)``), ρ falls through a long descent while ``η_eff = ηγa/‖w‖²``
climbs (γ grows towards its target), ``η_eff`` crosses ``τ(ρ) = 2√(1+ρ²)/(1−ρ²)`` with ρ < 1,
ρ and the loss spike, the rising edge raises ‖w‖ so ``η_eff`` falls back below ``τ(ρ)`` and the
loss recovers (Theorem 3: self-stabilisation). On non-whitened data (the Hilbert instance, logistic
loss) ``η_eff`` and ``τ`` are proxies of that threshold, not exact.

:func:`mechanism_metrics` reads these events off a trajectory; :func:`score` ranks candidates by
explicit criteria; :func:`search` draws seeded candidates and runs float64 full GD on each.
``python -m bnverify.report.section6_search [--loss square|logistic] [--instance
hilbert|whitened|active_margin] [--count N] [--refine M] [--seed S]`` prints the ranking
(deterministic given the seed).
"""
from __future__ import annotations

import argparse
import math
import sys

import numpy as np

from bnverify.numerics.hyper import Hyper

__all__ = ["mechanism_metrics", "score", "candidates", "evaluate_candidate", "search", "main"]

# a loss rise counts as a spike when the excess loss climbs by this factor over its running minimum
SPIKE_FACTOR = 1.5
# descent: the fraction of steps before the onset on which ρ falls must be at least this
DESCENT_MONOTONE = 0.95


def _first(mask, start: int = 0) -> int | None:
    idx = np.flatnonzero(mask[start:])
    return int(start + idx[0]) if idx.size else None


def mechanism_metrics(rho, eta_eff, tau, excess) -> dict:
    """The mechanism's events on one trajectory (float arrays over t = 0 … T; ``excess = L − L*``).

    * ``crossing_t``: first t with ``η_eff,t > τ(ρ_t)`` (τ is finite only for ρ < 1, so ρ_t < 1 there);
    * ``onset_t``: first t ≥ 1 with ``ρ_{t+1} > ρ_t`` — the end of the descent; ``descent_steps =
      onset_t``; ``descent_monotone``: the fraction of falling steps before it;
    * ``loss_peak_t``/``spike_factor``: from the onset on, the step of largest ``L_t / min_{s≤t} L_s``
      (excess over its running minimum) and that ratio; ``loss_base`` the running minimum there;
    * ``peak_t``/``peak_rho``: the largest ρ from the onset until the recovery (or the end);
    * ``recovery_t``: first t after the loss peak with ``L_t ≤ √(loss_base · L_peak)`` (half the
      rise undone on a log scale), ``ρ_{t+1} ≤ ρ_t`` and ``η_eff,t < τ(ρ_t)``;
    * ``eta_eff_climb``: ``η_eff`` at the crossing ÷ ``η_eff,0``; ``min_rho``: smallest ρ of the run.
    Every ``*_t`` is None when the event does not happen within the run."""
    rho, eta_eff, tau, excess = (np.asarray(v, float) for v in (rho, eta_eff, tau, excess))
    T = len(rho) - 1
    m = dict(steps=T, rho0=float(rho[0]), eta_eff0=float(eta_eff[0]), tau0=float(tau[0]),
             stable_start=bool(rho[0] < 1 and eta_eff[0] < tau[0]), min_rho=float(np.min(rho)))
    rises = np.zeros(T + 1, bool)
    rises[:-1] = rho[1:] > rho[:-1]
    cross = _first(eta_eff > tau)
    onset = _first(rises, 1) if T >= 1 else None
    m.update(crossing_t=cross, rho_at_crossing=None if cross is None else float(rho[cross]),
             eta_eff_at_crossing=None if cross is None else float(eta_eff[cross]),
             tau_at_crossing=None if cross is None else float(tau[cross]),
             eta_eff_climb=None if cross is None else float(eta_eff[cross] / eta_eff[0]),
             rho_below_1_until_crossing=None if cross is None else bool(np.all(rho[:cross + 1] < 1)),
             onset_t=onset, descent_steps=onset,
             descent_monotone=float(np.mean(~rises[:onset])) if onset else None,
             rho_at_onset=None if onset is None else float(rho[onset]),
             eta_eff_at_onset=None if onset is None else float(eta_eff[onset]),
             tau_at_onset=None if onset is None else float(tau[onset]),
             peak_t=None, peak_rho=None, loss_peak_t=None, loss_peak=None, loss_base=None, spike_factor=None,
             rho_spike_factor=None, recovery_t=None, rho_at_recovery=None, eta_eff_at_recovery=None,
             tau_at_recovery=None, loss_at_recovery=None)
    if onset is None:
        return m
    runmin = np.minimum.accumulate(excess)
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where(runmin > 0, excess / runmin, np.where(excess > 0, np.inf, 1.0))
    lp = onset + int(np.argmax(rise[onset:]))
    base, peak = runmin[lp], excess[lp]
    level = math.sqrt(base * peak) if base > 0 else 0.0
    after = np.arange(T + 1) > lp
    rec = _first((excess <= level) & ~rises & (eta_eff < tau) & after, lp)
    end = T if rec is None else rec
    pk = onset + int(np.argmax(rho[onset:end + 1]))
    m.update(peak_t=pk, peak_rho=float(rho[pk]),
             rho_spike_factor=float(rho[pk] / rho[onset]) if rho[onset] > 0 else math.inf,
             loss_peak_t=lp, loss_peak=float(peak), loss_base=float(base), spike_factor=float(rise[lp]))
    if rec is not None:
        m.update(recovery_t=rec, rho_at_recovery=float(rho[rec]), eta_eff_at_recovery=float(eta_eff[rec]),
                 tau_at_recovery=float(tau[rec]), loss_at_recovery=float(excess[rec]))
    return m


# logistic loss: the paper proves only a directional precursor (the loss spike is not claimed), so
# there the spike criterion is on ρ: its peak after the onset at least this factor over ρ at the onset
RHO_SPIKE_FACTOR = 10.0


def criteria(m: dict, *, min_descent: int = 100, rho_floor: float = 0.0, loss: str = "square") -> dict:
    """The pass/fail criteria of the mechanism on :func:`mechanism_metrics` output; ``rho_floor``
    is the smallest ρ the precision of interest resolves (the run must stay 10× above it). Square
    loss: ``spike`` (loss rise ≥ SPIKE_FACTOR) and ``spike_with_rho`` (the loss peak within
    max(5, 5 %) steps of ρ's peak). Logistic loss: the spike criterion is directional
    (``rho_spike``: ρ peak ≥ RHO_SPIKE_FACTOR × ρ at the onset) instead of the loss rise."""
    if loss not in ("square", "logistic"):
        raise ValueError(f"loss: expected 'square' or 'logistic', got {loss!r}")
    if loss == "square":  # the loss rise, and it peaks with ρ (not a later, unrelated rise)
        spike = dict(spike=(m["spike_factor"] or 0) >= SPIKE_FACTOR,
                     spike_with_rho=m["peak_t"] is not None
                     and abs(m["loss_peak_t"] - m["peak_t"]) <= max(5, 0.05 * m["peak_t"]))
    else:
        spike = dict(rho_spike=(m["rho_spike_factor"] or 0) >= RHO_SPIKE_FACTOR)
    return dict(
        stable_start=m["stable_start"],
        long_descent=m["descent_steps"] is not None and m["descent_steps"] >= min_descent
        and (m["descent_monotone"] or 0) >= DESCENT_MONOTONE,
        eta_eff_climbs=(m["eta_eff_climb"] or 0) > 1,
        crossing_below_1=m["crossing_t"] is not None and bool(m["rho_below_1_until_crossing"]),
        crossing_near_onset=m["crossing_t"] is not None and m["onset_t"] is not None
        and abs(m["crossing_t"] - m["onset_t"]) <= max(5, 0.05 * m["onset_t"]),
        **spike,
        recovery=m["recovery_t"] is not None,
        resolved=m["min_rho"] >= 10 * rho_floor,
    )


def score(m: dict, *, min_descent: int = 100, rho_floor: float = 0.0, loss: str = "square") -> float:
    """Rank of a candidate: −(number of failed :func:`criteria`) plus, as a tie-break within the
    same count (< 1), ``(log10(descent_steps) + min(log10 spike_factor, 3)/3)/5`` (long descent
    first, then a visible spike). A candidate passing every criterion scores ≥ 0."""
    c = criteria(m, min_descent=min_descent, rho_floor=rho_floor, loss=loss)
    failed = sum(not v for v in c.values())
    tie = 0.0
    if m["descent_steps"]:
        tie += math.log10(m["descent_steps"])
    sf = m["spike_factor"] if loss == "square" else m["rho_spike_factor"]
    if sf and math.isfinite(sf):
        tie += min(math.log10(max(sf, 1.0)), 3) / 3
    return -failed + min(tie / 5, 0.999)


# ------------------------------------------------------------------------------------------------
def candidates(loss: str, instance: str, count: int, seed: int) -> list[dict]:
    """``count`` seeded candidates ``{instance: kwargs, hyper: kwargs}`` drawn log-uniformly.

    Hilbert instance: n = 8, d = 16 (the paper's shape), noise ∈ [1e-3, 1], instance seed 0–3,
    η ∈ [1e-4, 10] (square) or [1e-2, 100] (logistic), η_γ ∈ [1e-3, 0.2], γ_0 ∈ [1e-3, 1],
    ‖w_0‖ ∈ [1e-2, 10], ρ_0 ∈ [1e-3, 0.9].  Whitened instance (square loss only): n = 12, d = 3,
    a = 1, H_0 ∈ [2.05, 6], γ_0/a ∈ [1e-2, 0.3], η_γ ∈ [5e-3, 0.1], ρ_0 ∈ [1e-3, 0.5]."""
    rng = np.random.default_rng(seed)
    lu = lambda lo, hi: float(10 ** rng.uniform(math.log10(lo), math.log10(hi)))  # noqa: E731
    out = []
    for _ in range(int(count)):
        if instance == "hilbert":
            eta_lo, eta_hi = (1e-4, 10.0) if loss == "square" else (1e-2, 100.0)
            out.append(dict(instance=dict(n=8, d=16, noise=float(f"{lu(1e-3, 1.0):.2g}"), seed=int(rng.integers(4))),
                            hyper=dict(eta=float(f"{lu(eta_lo, eta_hi):.3g}"), eta_gamma=float(f"{lu(1e-3, 0.2):.2g}"),
                                       gamma0=float(f"{lu(1e-3, 1.0):.2g}"), w0_norm=float(f"{lu(1e-2, 10.0):.2g}"),
                                       rho0=float(f"{lu(1e-3, 0.9):.2g}"), init_seed=0)))
        elif instance == "whitened":
            if loss != "square":
                raise ValueError("instance: the whitened instance is square loss only")
            out.append(dict(instance=dict(n=12, d=3, a=1.0, seed=0),
                            hyper=dict(H0=float(f"{rng.uniform(2.05, 6.0):.3g}"),
                                       eta_gamma=float(f"{lu(5e-3, 0.1):.2g}"),
                                       gamma0_over_a=float(f"{lu(1e-2, 0.3):.2g}"), w0_norm=1.0,
                                       rho0=float(f"{lu(1e-3, 0.5):.2g}"), init_seed=0)))
        elif instance == "active_margin":
            if loss != "logistic":
                raise ValueError("instance: the active-margin instance is logistic loss only")
            out.append(dict(instance=dict(n=8, d=16, margin=float(f"{lu(0.05, 1.0):.2g}"), spread=1.0,
                                          seed=int(rng.integers(4))),
                            hyper=dict(eta=float(f"{lu(1e-2, 100.0):.3g}"), eta_gamma=float(f"{lu(1e-3, 0.2):.2g}"),
                                       gamma0=float(f"{lu(1e-3, 1.0):.2g}"), w0_norm=float(f"{lu(1e-2, 10.0):.2g}"),
                                       rho0=float(f"{lu(1e-3, 0.9):.2g}"), init_seed=0)))
        else:
            raise ValueError(f"instance: expected 'hilbert', 'whitened' or 'active_margin', got {instance!r}")
    return out


# continuous settings a refinement perturbs (log-normally), with their allowed ranges
_REFINED = dict(noise=(1e-4, 1.0), margin=(0.01, 1.0), eta=(1e-6, 1e3), H0=(2.0001, 20.0), eta_gamma=(1e-4, 0.5),
                gamma0=(1e-5, 10.0), gamma0_over_a=(1e-4, 1.0), w0_norm=(1e-3, 100.0), rho0=(1e-4, 0.95))


def refine(around: list[dict], count: int, seed: int, spread: float = 0.25) -> list[dict]:
    """``count`` seeded candidates near ``around`` (round robin): every continuous setting of
    ``_REFINED`` multiplied by ``10^N(0, spread²)`` and clipped to its range; the rest kept."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(int(count)):
        base = around[i % len(around)]
        cand = {}
        for part in ("instance", "hyper"):
            cand[part] = {}
            for k, v in base[part].items():
                if k in _REFINED and isinstance(v, float):
                    lo, hi = _REFINED[k]
                    v = float(f"{min(max(v * 10 ** rng.normal(0, spread), lo), hi):.3g}")
                cand[part][k] = v
        out.append(cand)
    return out


def build_instance(loss: str, instance: str, kwargs: dict, backend="float64"):
    from bnverify.numerics.instances import hilbert_section6, whitened_regression

    if instance == "hilbert":
        return hilbert_section6(loss=loss, backend=backend, **kwargs)
    if instance == "whitened":
        if loss != "square":
            raise ValueError("instance: the whitened instance is square loss only")
        return whitened_regression(backend=backend, **kwargs)
    if instance == "active_margin":
        from bnverify.numerics.instances import active_margin_logistic

        if loss != "logistic":
            raise ValueError("instance: the active-margin instance is logistic loss only")
        return active_margin_logistic(backend=backend, **kwargs)
    raise ValueError(f"instance: expected 'hilbert', 'whitened' or 'active_margin', got {instance!r}")


def trajectory_metrics(traj) -> dict:
    """:func:`mechanism_metrics` of a :class:`~bnverify.numerics.trajectory.Trajectory`."""
    return mechanism_metrics(*(traj.floats(k) for k in ("rho", "eta_eff", "tau", "excess")))


# smallest ρ resolved at the precision the figure uses: float64 full GD on the Hilbert instance
# (64·d·eps, d = 16), 50-digit full GD on the whitened one (64·d·10⁻⁵⁰, d = 3)
RHO_FLOOR = dict(hilbert=64 * 16 * 2.220446049250313e-16, active_margin=64 * 16 * 2.220446049250313e-16,
                 whitened=64 * 3 * 1e-50)


def evaluate_candidate(loss: str, instance: str, cand: dict, horizon: int, *, min_descent: int = 100) -> dict:
    """Run one candidate in float64 and return its metrics, criteria and score: full GD on the
    Hilbert instance; on the whitened instance the reduced recurrence (Lemma 7 (e), the same
    mathematical run without full GD's rounding floor on ρ, THEORY.md §9)."""
    from bnverify.numerics.simulate import simulate, simulate_reduced

    inst = build_instance(loss, instance, cand["instance"])
    run = simulate_reduced if instance == "whitened" else simulate
    traj = run(inst, Hyper(**cand["hyper"]), horizon=horizon)
    m = trajectory_metrics(traj)
    fl = RHO_FLOOR[instance]
    return dict(**cand, status=traj.status, metrics=m,
                criteria=criteria(m, min_descent=min_descent, rho_floor=fl, loss=loss),
                score=score(m, min_descent=min_descent, rho_floor=fl, loss=loss))


def search(loss: str = "square", instance: str = "hilbert", *, count: int = 300, seed: int = 0,
           horizon: int = 3000, min_descent: int = 100, refine_count: int = 0, keep: int = 5) -> list[dict]:
    """Evaluate ``count`` seeded random candidates, then ``refine_count`` candidates near the best
    ``keep`` (:func:`refine`, seed ``seed + 1``); returns all of them best first (stable sort)."""
    def run(cands):
        res = []
        for cand in cands:
            try:
                res.append(evaluate_candidate(loss, instance, cand, horizon, min_descent=min_descent))
            except ValueError as exc:  # e.g. an initialisation the instance cannot build
                res.append(dict(**cand, status=f"error: {exc}", metrics=None, criteria=None, score=-math.inf))
        return res

    res = sorted(run(candidates(loss, instance, count, seed)), key=lambda r: -r["score"])
    if refine_count:
        best = [dict(instance=r["instance"], hyper=r["hyper"]) for r in res[:keep] if r["metrics"] is not None]
        res = sorted(res + run(refine(best, refine_count, seed + 1)), key=lambda r: -r["score"])
    return res


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bnverify.report.section6_search", description=__doc__.split("\n")[0])
    p.add_argument("--loss", choices=("square", "logistic"), default="square")
    p.add_argument("--instance", choices=("hilbert", "whitened", "active_margin"), default="hilbert")
    p.add_argument("--count", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--horizon", type=int, default=3000)
    p.add_argument("--min-descent", type=int, default=100)
    p.add_argument("--refine", type=int, default=0, help="candidates drawn near the best --keep after the random stage")
    p.add_argument("--keep", type=int, default=5)
    p.add_argument("--top", type=int, default=5)
    a = p.parse_args(argv)
    res = search(a.loss, a.instance, count=a.count, seed=a.seed, horizon=a.horizon, min_descent=a.min_descent,
                 refine_count=a.refine, keep=a.keep)
    passing = sum(r["score"] >= 0 for r in res)
    print(f"{a.count} + {a.refine} refined candidates ({a.loss}, {a.instance}, seed {a.seed}, horizon {a.horizon}): "
          f"{passing} pass every criterion")
    for r in res[:a.top]:
        failed = [k for k, v in (r["criteria"] or {}).items() if not v]
        m = r["metrics"] or {}
        print(f"score {r['score']:.3f}  failed {failed}  instance={r['instance']} hyper={r['hyper']}")
        print("   ", {k: (round(v, 4) if isinstance(v, float) else v) for k, v in m.items()
                     if k in ("eta_eff0", "tau0", "rho0", "crossing_t", "rho_at_crossing", "onset_t", "peak_t",
                              "peak_rho", "rho_spike_factor", "loss_peak_t", "spike_factor", "recovery_t", "min_rho")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
