"""Figures of the report (matplotlib, Agg backend, PNG).

* :func:`slack_histogram` — distribution of the final slack of one statement's examples;
* :func:`section6` — the paper's Figure 3-style run on the Section 6 Hilbert instance (square or
  logistic loss): loss, ρ, η_eff with τ(ρ), γ, ‖w‖ and sharpness against t;
* :func:`phase_diagram` — first-onset time over (H_0, ρ_0) on a whitened instance (float64
  batch reduced recurrence) with Theorem 2's boundaries, and onset ÷ T_1;
* :func:`precision_shift` — the float64-versus-mpmath spike timing of THEORY.md §9.

Each function writes one PNG and returns a dict of the numbers the markdown quotes.
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from bnverify.numerics.hyper import Hyper  # noqa: E402

# --- published settings --------------------------------------------------------------------------
# Section 6, square loss: chosen by this project (the paper publishes none) with
# ``python -m bnverify.report.section6_search`` (see SECTION6_SEARCH); ``claims`` is what the
# report says of the run (tests/test_section6.py checks it): the criteria it fails.
SECTION6_SEARCH = "python -m bnverify.report.section6_search --count 300 --seed 2 --refine 300 --keep 8"
# its best run (no Hilbert candidate passes every criterion; seeds 0 and 1, 600 candidates each,
# found none either): stable start, ρ falls for 332 steps, the proxy η_eff crosses τ(ρ) at t = 199
# with ρ = 0.52 but ρ turns only at t = 332 (the proxy is not the threshold off whitened data); exactly
# (50 digits): a ×6.2 loss rise peaking at t = 490, recovery at t = 551, and the loss peak not within
# reach of ρ's (spike_with_rho fails). The float64 run agrees up to the onset; after it, it follows the
# BLAS kernel (the ×6.3 rise at 490 / recovery 493 quoted before was one kernel's rounding)
SECTION6_SQUARE = dict(builder="hilbert_section6", instance=dict(n=8, d=16, noise=0.00277, seed=2),
                       hyper=dict(eta=0.000278, eta_gamma=0.00481, gamma0=0.00143, w0_norm=0.0793, rho0=0.57,
                                  init_seed=0),
                       horizon=3000, mp_horizon=600,
                       # decided on the exact run (50 digits; 100 digits agree): float64 after the onset follows the
                       # BLAS kernel's rounding (Haswell: loss peak 490, recovery 493, only crossing_near_onset
                       # fails; SkylakeX: loss peak 748, recovery 749), the mathematics does not
                       claims=dict(fails=("crossing_near_onset", "spike_with_rho"), digits=50),
                       note="After the spike the loss does not settle: it oscillates (between about 0.1 and 0.3 "
                            "over the rest of the 3,000 steps); the recovery above is the criterion's (first return "
                            "below the geometric mean of minimum and peak), not a return to a quiet descent. The "
                            "50-digit run follows float64 through the descent and the onset and differs after it: "
                            "float64 after the onset follows the BLAS kernel's rounding, so the criteria are decided "
                            "on the 50-digit run (loss peak t = 490, recovery t = 551; the loss peak is not within "
                            "reach of ρ's peak).")
# the whitened companion (τ exact, Lemma 7): found by ``section6_search --instance whitened
# --count 200 --refine 100`` (seed 0); the only candidate passing every criterion with ρ resolved
# at 50 digits (smallest ρ ≥ 10·64·d·1e-50)
SECTION6_SQUARE_WHITENED = dict(builder="whitened_regression", instance=dict(n=12, d=3, a=1.0, seed=0),
                                hyper=dict(H0=2.1, eta_gamma=0.021, gamma0_over_a=0.019, w0_norm=1.0, rho0=0.42,
                                           init_seed=0),
                                horizon=2400, mp_horizon=2400, claims=dict(fails=()),
                                note="On whitened data τ(ρ) is the exact rising threshold (Lemma 7), so the crossing "
                                     "is the onset. Float64 full GD cannot follow ρ below its rounding floor "
                                     "(THEORY.md §9): its spike grows from the floor and comes early; the 50-digit "
                                     "run is the mathematical one.")
# THEORY.md §9 / tests/test_foundation_float64_shift.py
SHIFT_CASE = dict(instance=dict(n=12, d=3, seed=0),
                  hyper=dict(H0=2.3, eta_gamma=0.02, gamma0_over_a=0.05, w0_norm=1.0, rho0=0.01),
                  horizon=600, digits=50)
# phase diagram: whitened instance with a = 1, ‖w_0‖ = 1, γ_0 = 0.05 a, η_γ = 0.02
PHASE = dict(a=1.0, w0_norm=1.0, gamma0_over_a=0.05, eta_gamma=0.02, H0=(1.0, 6.0), rho0=(1e-4, 0.9),
             grid=(80, 60), horizon=3000)


def _save(fig, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


# --- slack histogram ----------------------------------------------------------------------------
def slack_histogram(results: list[dict], path: Path, title: str) -> Path:
    """Histogram of the final slacks, one series per precision (log-spaced bins when the slacks
    span decades; violated examples, slack < 0, in the leftmost bins)."""
    fig, ax = plt.subplots(figsize=(6, 3.2))
    series = [(r["backend"], np.array([s for s in r.get("slacks", []) if s is not None and math.isfinite(s)], float))
              for r in results]
    allv = np.concatenate([v for _, v in series if v.size] or [np.zeros(0)])
    if allv.size == 0:
        ax.text(0.5, 0.5, "no decided example with a finite slack", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    else:
        pos = allv[allv > 0]
        if allv.min() > 0 and pos.max() / pos.min() > 100:
            bins = np.logspace(np.log10(pos.min()), np.log10(pos.max()), 30)
            ax.set_xscale("log")
        else:
            bins = np.linspace(allv.min(), allv.max() if allv.max() > allv.min() else allv.min() + 1, 30)
        for name, v in series:
            if v.size:
                ax.hist(v, bins=bins, alpha=0.6, label=f"{name} ({v.size})")
        if allv.min() < 0:
            ax.axvline(0, color="red", lw=1, ls="--", label="slack 0 (bound)")
        ax.set_xlabel("relative slack (> 0: holds with room, < 0: violated)")
        ax.set_ylabel("examples")
        ax.legend(fontsize=8)
    ax.set_title(title, fontsize=9)
    return _save(fig, path)


# --- Section 6 ----------------------------------------------------------------------------------
def _instance(cfg: dict, loss: str, backend="float64"):
    from bnverify.numerics.instances import hilbert_section6, whitened_regression

    if cfg["builder"] == "hilbert_section6":
        return hilbert_section6(loss=loss, backend=backend, **cfg["instance"])
    if cfg["builder"] == "whitened_regression":
        return whitened_regression(backend=backend, **cfg["instance"])
    if cfg["builder"] == "active_margin_logistic":
        from bnverify.numerics.instances import active_margin_logistic

        return active_margin_logistic(backend=backend, **cfg["instance"])
    raise ValueError(f"builder: unknown Section 6 builder {cfg['builder']!r}")


def section6_cases(loss: str) -> list[tuple[str, dict]]:
    """The published Section 6 runs for ``loss``: the Hilbert instance first, then the companion
    instance on which the mechanism is exact or closer to it (see the settings' notes)."""
    if loss == "square":
        return [("Hilbert", SECTION6_SQUARE), ("whitened", SECTION6_SQUARE_WHITENED)]
    if loss == "logistic":
        from bnverify.regimes.logistic import SECTION6_LOGISTIC, SECTION6_LOGISTIC_COMPANION

        return [("Hilbert", SECTION6_LOGISTIC)] + ([("companion", SECTION6_LOGISTIC_COMPANION)]
                                                   if SECTION6_LOGISTIC_COMPANION else [])
    raise ValueError(f"loss: expected 'square' or 'logistic', got {loss!r}")


def section6_run(loss: str, horizon: int | None = None, *, case: int = 0, backend="float64", record_w: bool = True):
    """One published Section 6 trajectory (full GD, iterates recorded) and its settings:
    ``case`` indexes :func:`section6_cases` (0: the Hilbert instance)."""
    from bnverify.numerics.simulate import simulate

    name, cfg = section6_cases(loss)[case]
    h = cfg["horizon"] if horizon is None else int(horizon)
    inst = _instance(cfg, loss)
    return (simulate(inst, Hyper(**cfg["hyper"]), horizon=h, backend=backend, record_w=record_w),
            dict(cfg, horizon=h, name=name))


def _marks(ax, m: dict, ls: str):
    for key, color in (("onset_t", "C2"), ("loss_peak_t", "C3"), ("recovery_t", "C0")):
        if m.get(key) is not None:
            ax.axvline(m[key], color=color, lw=0.9, ls=ls, alpha=0.8)


def section6(loss: str, path: Path, *, horizon: int | None = None, sharpness_every: int | None = None,
             mp_horizon: int | None = None, digits: int = 50) -> dict:
    """Figure 3-style panels for the published Section 6 runs with ``loss`` (one column per run of
    :func:`section6_cases`), each run in float64 and in mpmath at ``digits`` digits (solid / dashed):
    excess loss, ρ, η_eff with τ(ρ_t) overlaid, γ and ‖w‖, and the float64 sharpness (top Hessian
    eigenvalue in (w, γ), :mod:`bnverify.numerics.sharpness`, every ``sharpness_every`` steps). Onset,
    loss peak and recovery (:func:`~bnverify.report.section6_search.mechanism_metrics`) are marked
    (green, red, blue). ``horizon`` caps the float64 runs, ``mp_horizon`` (default: the settings')
    the mpmath runs (never longer than the float64 ones)."""
    from bnverify.numerics.sharpness import sharpness_along
    from bnverify.report.section6_search import criteria, trajectory_metrics

    cases = section6_cases(loss)
    fig, axes = plt.subplots(5, len(cases), figsize=(6.2 * len(cases), 13), squeeze=False)
    out_runs = {}
    for j, (name, cfg) in enumerate(cases):
        h = cfg["horizon"] if horizon is None else int(horizon)
        hm = min(h, cfg["mp_horizon"] if mp_horizon is None else int(mp_horizon))
        f64, _ = section6_run(loss, h, case=j)
        if j == 0:
            tr0, cfg0 = f64, cfg
        mp, _ = section6_run(loss, hm, case=j, backend=digits, record_w=False)
        n = len(f64)
        every = sharpness_every or max(1, n // 200)
        ts_sh, sh = sharpness_along(f64, every)
        inst = f64.instance
        ax = axes[:, j]
        info = dict(builder=cfg["builder"], instance=dict(cfg["instance"]), hyper=dict(cfg["hyper"]), a=float(inst.a),
                    n=inst.n, d=inst.d, whitened=inst.whitened, note=cfg.get("note", ""), sharpness_every=every,
                    sharpness_max=float(np.max(sh)) if sh.size else float("nan"), precisions={})
        for tr, label, ls in ((f64, "float64", "-"), (mp, f"mpmath {digits} digits", "--")):
            t = np.arange(len(tr))
            col = {k: tr.floats(k) for k in ("excess", "rho", "eta_eff", "tau", "gamma", "wnorm")}
            m = trajectory_metrics(tr)
            c = criteria(m, rho_floor=tr.rho_floor, loss=loss)
            info["precisions"][label] = dict(status=tr.status, steps=len(tr) - 1, rho_floor=float(tr.rho_floor),
                                             metrics=m, criteria=c, shows_mechanism=all(c.values()))
            lw = 1.0 if ls == "-" else 1.3
            ax[0].plot(t, np.abs(col["excess"]), lw=lw, ls=ls, color="C0", label=label)
            ax[1].plot(t, col["rho"], lw=lw, ls=ls, color="C1", label=label)
            ax[2].plot(t, col["eta_eff"], lw=lw, ls=ls, color="C2", label=f"η_eff = ηγa/‖w‖² ({label})")
            ax[2].plot(t, np.where(np.isfinite(col["tau"]), col["tau"], np.nan), lw=lw, ls=ls, color="k",
                       label=f"τ(ρ_t) ({label}; ∞ for ρ ≥ 1)")
            ax[3].plot(t, col["gamma"], lw=lw, ls=ls, color="C3", label=f"γ ({label})")
            ax[3].plot(t, col["wnorm"], lw=lw, ls=ls, color="C4", label=f"‖w‖ ({label})")
            for a_ in ax:
                _marks(a_, m, ls)
        info["shows_mechanism"] = info["precisions"]["float64"]["shows_mechanism"]
        if np.nanmin(f64.floats("rho")) < 1e3 * f64.rho_floor:  # only where ρ comes near it
            ax[1].axhline(f64.rho_floor, color="grey", lw=0.8, ls=":", label=f"float64 floor of ρ {f64.rho_floor:.1e}")
        ax[4].plot(ts_sh, sh, lw=1, color="C5", marker=".", ms=2)
        ax[0].set_yscale("log")
        ax[0].set_ylabel("L − L*")
        ax[1].set_yscale("log")
        ax[1].set_ylabel("ρ = β/α")
        ax[2].set_yscale("log")
        ax[2].set_ylabel("η_eff and τ(ρ)" + ("" if inst.whitened else " (proxy: not exact off whitened data)"))
        ax[3].set_yscale("log")
        ax[3].set_ylabel("γ, ‖w‖")
        ax[4].set_yscale("symlog", linthresh=1e-3)
        ax[4].set_ylabel(f"sharpness λ_max(∇²L), float64 (every {every})")
        ax[4].set_xlabel("step t (green: onset, red: loss peak, blue: recovery; solid float64, dashed mpmath)")
        for a_ in ax[:4]:
            a_.legend(fontsize=6, loc="best")
        verdict = "shows the mechanism" if info["shows_mechanism"] else "does not show the mechanism"
        ax[0].set_title(f"{name}: {cfg['builder']} n={inst.n}, d={inst.d} — float64 run {verdict}", fontsize=9)
        out_runs[name] = info
    fig.suptitle(f"Section 6 construction, {loss} loss: full GD in float64 (solid) and mpmath {digits} digits (dashed)",
                 fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    # legacy keys: the Hilbert run in float64
    first = out_runs[cases[0][0]]
    L = tr0.floats("loss")
    runmin = np.minimum.accumulate(L)
    k = int(np.argmax(L / np.where(runmin > 0, runmin, np.inf)))
    return dict(loss=loss, path=str(path), status=tr0.status, steps=len(tr0) - 1, digits=digits,
                sharpness_every=first["sharpness_every"], instance=dict(cfg0["instance"]), hyper=dict(cfg0["hyper"]),
                a=first["a"], loss_first=float(L[0]), loss_min=float(L.min()), loss_last=float(L[-1]),
                largest_rise_t=k, largest_rise_factor=float(L[k] / runmin[k]) if runmin[k] > 0 else float("nan"),
                rho_first=float(tr0.floats("rho")[0]), rho_last=float(tr0.floats("rho")[-1]),
                sharpness_max=first["sharpness_max"], runs=out_runs,
                hilbert_shows_mechanism=first["shows_mechanism"])


# --- phase diagram ------------------------------------------------------------------------------
def t1_scan(H0, rho0, gamma0_over_a, eta_gamma, t_max: int) -> np.ndarray:
    """THEORY.md §5: ``T_1 = min{t ≥ 0 : H_0(c_0 − qᵗ(c_0 − γ_0/a)) > τ(ρ_0)(1 + t H_0² s_0²)}``
    by scanning t = 0 … t_max (``inf`` when not reached, ``nan`` where the extra hypotheses of
    Theorem 2 (2) — γ_0 ≤ a c_0 and H_0 γ_0/a < τ(ρ_0) — fail)."""
    from bnverify.regimes.whitened import tau

    H0, rho0 = np.broadcast_arrays(np.asarray(H0, float), np.asarray(rho0, float))
    c0 = 1 / np.sqrt(1 + rho0 ** 2)
    s0 = rho0 * c0
    q = 1 - eta_gamma
    tr = tau(rho0)
    ok = (gamma0_over_a <= c0) & (H0 * gamma0_over_a < tr)
    out = np.full(H0.shape, np.inf)
    found = np.zeros(H0.shape, bool)
    qt = 1.0
    for t in range(t_max + 1):
        cond = H0 * (c0 - qt * (c0 - gamma0_over_a)) > tr * (1 + t * H0 ** 2 * s0 ** 2)
        new = cond & ~found
        out[new] = t
        found |= cond
        qt *= q
    out[~ok] = np.nan
    return out


def _t1_from_statement(H0, rho0, cfg) -> dict | None:
    """``{'T1': …, 'T1_cf': …}`` over the grid from ``theorems/thm2_delayed_onset*.py`` (its
    constants(); nan where its hypotheses fail or the closed form does not exist), when that
    statement exists; None otherwise."""
    try:
        from bnverify.numerics.instances import whitened_regression
        from bnverify.verify.registry import load

        stmts = [s for s in load() if s.id.startswith("thm2.delayed_onset")]
        if not stmts:
            return None
        s = stmts[0]
        inst = whitened_regression(n=12, d=3, a=cfg["a"], seed=0)
        out = {"T1": np.full(np.shape(H0), np.nan), "T1_cf": np.full(np.shape(H0), np.nan)}
        for idx in np.ndindex(np.shape(H0)):
            hp = Hyper(H0=float(H0[idx]), eta_gamma=cfg["eta_gamma"], gamma0_over_a=cfg["gamma0_over_a"],
                       w0_norm=cfg["w0_norm"], rho0=float(rho0[idx]))
            if s.hypotheses(inst, hp):
                continue
            c = s.constants(inst, hp)
            if "T1" not in c:
                return None
            for k in out:
                if c.get(k) is not None:
                    out[k][idx] = float(c[k])
        if not np.isfinite(out["T1_cf"]).any():
            del out["T1_cf"]
        return out
    except Exception:  # noqa: BLE001  (a statement under construction must not break the report)
        return None


def _ratio(onset, T):
    r = np.where(np.isfinite(T) & (T > 0), onset / np.where(T > 0, T, 1), np.nan)
    return np.where(np.isfinite(T) & (T == 0), np.where(onset == 0, 1.0, np.inf), r)


RHO0_BANDS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)  # ρ_0 bands [lo, hi) of the phase-diagram statistics
QUANTILES = (0, 10, 25, 50, 75, 90, 100)


def ratio_distribution(ratio, onset, rho0, bands=RHO0_BANDS) -> dict:
    """The distribution of onset ÷ T over the grid points where both are finite: quantiles
    (``QUANTILES`` %), how many points are below, equal to and above 1, and the same counts (with
    min/median/max) per ρ_0 band ``[bands[i], bands[i+1])``. Equality is exact: the onset step
    equals T exactly."""
    ratio, onset, rho0 = (np.asarray(v, float) for v in (ratio, onset, rho0))
    ok = np.isfinite(ratio) & np.isfinite(onset)

    def split(mask):
        r = ratio[mask]
        out = dict(points=int(r.size), below_1=int((r < 1).sum()), equal_1=int((r == 1).sum()),
                   above_1=int((r > 1).sum()))
        if r.size:
            out.update(min=float(r.min()), median=float(np.median(r)), max=float(r.max()))
        return out

    dist = split(ok)
    dist["quantiles"] = {f"{q}%": float(np.percentile(ratio[ok], q)) for q in QUANTILES} if ok.any() else {}
    dist["by_rho0"] = [dict(rho0=[float(lo), float(hi)], **split(ok & (rho0 >= lo) & (rho0 < hi)))
                       for lo, hi in zip(bands[:-1], bands[1:])]
    return dist


def phase_diagram(path: Path, *, grid=None, horizon: int | None = None) -> dict:
    """First-onset time over (H_0, ρ_0) from :func:`~bnverify.numerics.simulate.simulate_reduced_batch`
    (float64 reduced recurrence: no rounding floor on ρ), Theorem 2's boundaries H_0 = 2 and
    H_0 c_0 = τ(ρ_0) overlaid, and onset ÷ T_1 (Theorem 2 (2): ≤ 1 where T_1 is finite).
    Returns, besides the counts, the whole distribution of onset ÷ T_1 (and ÷ T_1ᶜᶠ when the
    statement gives it) by :func:`ratio_distribution`: quantiles, below / equal / above 1, per ρ_0 band."""
    from bnverify.numerics.simulate import simulate_reduced_batch
    from bnverify.regimes.whitened import tau

    cfg = dict(PHASE)
    nH, nR = grid or cfg["grid"]
    horizon = int(horizon or cfg["horizon"])
    Hs = np.linspace(*cfg["H0"], nH)
    Rs = np.logspace(np.log10(cfg["rho0"][0]), np.log10(cfg["rho0"][1]), nR)
    H0, R0 = np.meshgrid(Hs, Rs, indexing="xy")  # shape [nR, nH]
    a, N = cfg["a"], cfg["w0_norm"]
    alpha0 = N / np.sqrt(1 + R0 ** 2)
    beta0 = R0 * alpha0
    eta = H0 * N ** 2 / a ** 2
    summ = simulate_reduced_batch(a, alpha0, beta0, cfg["gamma0_over_a"] * a, eta, cfg["eta_gamma"], horizon=horizon)
    onset = summ.onset.astype(float)
    onset[summ.onset < 0] = np.nan
    Ts = _t1_from_statement(H0, R0, cfg)
    t1_source = "theorems/thm2_delayed_onset (its constants())"
    if Ts is None:
        Ts = {"T1": t1_scan(H0, R0, cfg["gamma0_over_a"], cfg["eta_gamma"], t_max=max(horizon, 20000))}
        t1_source = "THEORY.md §5 definition, scanned over t"
    T1 = Ts["T1"]
    ratio = _ratio(onset, T1)
    ratios = {"T₁": ratio}
    if "T1_cf" in Ts:
        ratios["T₁ᶜᶠ (closed form)"] = _ratio(onset, Ts["T1_cf"])

    fig, axes = plt.subplots(1, 1 + len(ratios), figsize=(6 * (1 + len(ratios)), 4.6))
    rr = np.logspace(np.log10(cfg["rho0"][0]), np.log10(cfg["rho0"][1]), 400)
    H_tau = tau(rr) * np.sqrt(1 + rr ** 2)  # H_0 c_0 = τ(ρ_0)

    def boundaries(ax):
        ax.axvline(2.0, color="k", lw=1.2, label="H₀ = 2 (Thm 2 (1): no rising edge at or left of it)")
        ax.plot(H_tau, rr, color="w", lw=1.6, ls="--")
        ax.plot(H_tau, rr, color="k", lw=1.0, ls="--", label="H₀c₀ = τ(ρ₀) (T₁ < ∞ needs H₀c₀ > τ(ρ₀))")
        ax.set_xlim(Hs[0], Hs[-1])
        ax.set_yscale("log")
        ax.set_xlabel("headroom H₀ = ηa²/‖w₀‖²")
        ax.set_ylabel("initial misalignment ρ₀")

    from matplotlib.colors import LogNorm

    cmap = plt.get_cmap("viridis").with_extremes(bad="lightgrey")
    m = axes[0].pcolormesh(Hs, Rs, np.where(onset > 0, onset, np.nan), shading="nearest", cmap=cmap,
                           norm=LogNorm(vmin=1, vmax=max(2, np.nanmax(onset) if np.isfinite(onset).any() else 2)))
    at0 = np.where(onset == 0, 1.0, np.nan)
    axes[0].pcolormesh(Hs, Rs, at0, shading="nearest", cmap="Reds", vmin=0, vmax=1.5)
    fig.colorbar(m, ax=axes[0], label="first-onset step (first t with ρ_{t+1} > ρ_t)")
    boundaries(axes[0])
    axes[0].set_title(f"first onset (grey: none within {horizon} steps; red: rising at t = 0)", fontsize=9)
    axes[0].legend(fontsize=7, loc="lower right")
    cmap2 = plt.get_cmap("coolwarm").with_extremes(bad="white")
    for ax, (name, r) in zip(axes[1:], ratios.items()):
        m2 = ax.pcolormesh(Hs, Rs, np.where(np.isfinite(r), r, np.nan), shading="nearest", cmap=cmap2, vmin=0, vmax=2)
        fig.colorbar(m2, ax=ax, label=f"onset ÷ {name} (Theorem 2 (2) claims ≤ 1)")
        boundaries(ax)
        dist = ratio_distribution(r, onset, R0)
        ax.set_title(f"onset ÷ {name} (white: {name.split(' ')[0]} = ∞ or hypotheses of (2) unmet)\n"
                     f"{dist['points']} points: {dist['below_1']} below 1"
                     + (f" (min {dist['min']:.2g})" if dist["points"] else "")
                     + f", {dist['equal_1']} equal to 1, {dist['above_1']} above 1", fontsize=9)
    fig.suptitle(f"Whitened square loss, reduced recurrence (float64): a = {a}, ‖w₀‖ = {N}, "
                 f"γ₀ = {cfg['gamma0_over_a']}a, η_γ = {cfg['eta_gamma']}", fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    finite = np.isfinite(ratio) & np.isfinite(onset)
    left = H0 <= 2
    extra = {}
    if "T1_cf" in Ts:
        rc = ratios["T₁ᶜᶠ (closed form)"]
        fc = np.isfinite(rc) & np.isfinite(onset)
        extra = dict(finite_T1_cf=int(np.isfinite(Ts["T1_cf"]).sum()),
                     ratio_cf_distribution=ratio_distribution(rc, onset, R0),
                     ratio_cf_max=float(np.max(rc[fc])) if fc.any() else None,
                     ratio_cf_median=float(np.median(rc[fc])) if fc.any() else None,
                     ratio_cf_above_1=int((rc[fc] > 1).sum()) if fc.any() else 0)
    return dict(**extra, path=str(path), grid=[nH, nR], horizon=horizon, t1_source=t1_source,
                settings={k: v for k, v in cfg.items() if k not in ("grid", "horizon")},
                points=int(H0.size), with_onset=int(np.isfinite(onset).sum()),
                onset_left_of_H2=int(np.isfinite(onset[left]).sum()), points_left_of_H2=int(left.sum()),
                finite_T1=int(np.isfinite(T1).sum()), ratio_distribution=ratio_distribution(ratio, onset, R0),
                ratio_max=float(np.max(ratio[finite])) if finite.any() else None,
                ratio_median=float(np.median(ratio[finite])) if finite.any() else None,
                ratio_above_1=int((ratio[finite] > 1).sum()) if finite.any() else 0,
                t1_finite_no_onset=int((np.isfinite(T1) & ~np.isfinite(onset)).sum()))


# --- float64 versus mpmath ----------------------------------------------------------------------
def precision_shift(path: Path, *, horizon: int | None = None, digits: int | None = None) -> dict:
    """The same whitened example (THEORY.md §9) in float64 and in mpmath: ρ and L − L* on a log
    scale against t, with each run's first onset and peak of ρ marked."""
    from bnverify.numerics.instances import whitened_regression
    from bnverify.numerics.simulate import simulate

    cfg = SHIFT_CASE
    horizon = int(horizon or cfg["horizon"])
    digits = int(digits or cfg["digits"])
    inst = whitened_regression(**cfg["instance"])
    hyper = Hyper(**cfg["hyper"])
    runs = {"float64": simulate(inst, hyper, horizon=horizon),
            f"mpmath {digits} digits": simulate(inst, hyper, horizon=horizon, backend=digits)}
    fig, axes = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True)
    out = dict(path=str(path), horizon=horizon, digits=digits, instance=cfg["instance"], hyper=cfg["hyper"], runs={})
    for (name, tr), color in zip(runs.items(), ("C3", "C0")):
        rho = tr.floats("rho")
        exc = tr.floats("excess")
        t = np.arange(len(rho))
        on = tr.first_onset()
        # the spike's peak: largest ρ from the first onset on (ρ_0 itself is larger than the spike)
        start = on if on is not None else 0
        pk = start + int(np.nanargmax(np.where(np.isfinite(rho[start:]), rho[start:], np.nan)))
        axes[0].plot(t, rho, color=color, lw=1.1, label=name)
        axes[1].plot(t, np.abs(exc), color=color, lw=1.1, label=name)
        for ax, y in ((axes[0], rho), (axes[1], np.abs(exc))):
            if on is not None:
                ax.plot([on], [y[on]], marker="o", color=color, ms=6, mfc="none")
            ax.plot([pk], [y[pk]], marker="^", color=color, ms=7)
        out["runs"][name] = dict(first_onset=on, peak_t=pk, peak_rho=float(rho[pk]), min_rho=float(np.min(rho)),
                                 rho_floor=float(tr.rho_floor))
    floor = runs["float64"].rho_floor
    axes[0].axhline(floor, color="grey", ls=":", lw=1, label=f"float64 rounding floor 64·d·eps = {floor:.1e}")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("ρ = β/α")
    axes[0].legend(fontsize=8, title="○ first onset, ▲ peak of ρ after it", title_fontsize=8)
    axes[1].set_yscale("log")
    axes[1].set_ylabel("L − L*")
    axes[1].set_xlabel("step t")
    fig.suptitle("Float64 vs exact arithmetic on one whitened run (THEORY.md §9): "
                 f"n={cfg['instance']['n']}, d={cfg['instance']['d']}, H₀=2.3, γ₀=0.05a, η_γ=0.02, ρ₀=0.01",
                 fontsize=9)
    fig.tight_layout()
    _save(fig, path)
    return out
