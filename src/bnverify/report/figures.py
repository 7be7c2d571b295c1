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

from ..hyper import Hyper  # noqa: E402

# --- published settings --------------------------------------------------------------------------
# Section 6, square loss: chosen by this project (the paper publishes none). The instance is the
# default Hilbert slice (n = 8, d = 16, noise 1e-3, seed 0).
SECTION6_SQUARE = dict(instance=dict(n=8, d=16, noise=1e-3, seed=0),
                       hyper=dict(eta=0.003, eta_gamma=0.02, gamma0=1.0, w0_norm=0.1, rho0=0.1, init_seed=0),
                       horizon=3000)
# (found by a scan over η, γ_0, η_γ, ‖w_0‖, ρ_0: a long plateau with progressive sharpening, then
# one delayed loss spike near t ≈ 1490 after which ‖w‖ grows and η_eff falls)
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
def section6_run(loss: str, horizon: int | None = None):
    """The Section 6 trajectory (float64 full GD, iterates recorded) and its settings."""
    from ..instances import hilbert_section6
    from ..simulate import simulate

    if loss == "logistic":
        from ..logistic import SECTION6_LOGISTIC, section6_logistic_run

        cfg = SECTION6_LOGISTIC
        h = cfg["horizon"] if horizon is None else int(horizon)
        return section6_logistic_run(horizon=h, record_w=True), dict(cfg, horizon=h)
    if loss != "square":
        raise ValueError(f"loss: expected 'square' or 'logistic', got {loss!r}")
    cfg = SECTION6_SQUARE
    h = cfg["horizon"] if horizon is None else int(horizon)
    inst = hilbert_section6(loss="square", **cfg["instance"])
    return simulate(inst, Hyper(**cfg["hyper"]), horizon=h, record_w=True), dict(cfg, horizon=h)


def section6(loss: str, path: Path, *, horizon: int | None = None, sharpness_every: int | None = None) -> dict:
    """Figure 3-style panels for the Section 6 run with ``loss``; sharpness (top Hessian
    eigenvalue in (w, γ), :mod:`bnverify.sharpness`) every ``sharpness_every`` steps."""
    from ..sharpness import sharpness_along

    traj, cfg = section6_run(loss, horizon)
    n = len(traj)
    every = sharpness_every or max(1, n // 200)
    ts_sh, sh = sharpness_along(traj, every)
    t = np.arange(n)
    col = {k: traj.floats(k) for k in ("loss", "rho", "eta_eff", "tau", "gamma", "wnorm")}
    fig, axes = plt.subplots(3, 2, figsize=(10, 8.5), sharex=True)
    ax = axes.ravel()
    ax[0].plot(t, col["loss"], lw=1)
    ax[0].set_yscale("log")
    ax[0].set_ylabel("loss L")
    ax[1].plot(t, col["rho"], lw=1, color="C1")
    ax[1].set_yscale("log")
    ax[1].set_ylabel("ρ = β/α")
    ax[2].plot(t, col["eta_eff"], lw=1, color="C2", label="η_eff = ηγa/‖w‖²")
    tau = np.where(np.isfinite(col["tau"]), col["tau"], np.nan)
    ax[2].plot(t, tau, lw=1, ls="--", color="k", label="τ(ρ) (whitened rising-edge threshold; finite only for ρ < 1)")
    ax[2].set_yscale("symlog", linthresh=1e-2)
    ax[2].set_ylabel("η_eff")
    ax[2].legend(fontsize=7)
    ax[3].plot(t, col["gamma"], lw=1, color="C3")
    ax[3].set_ylabel("γ")
    ax[4].plot(t, col["wnorm"], lw=1, color="C4")
    ax[4].set_ylabel("‖w‖")
    ax[5].plot(ts_sh, sh, lw=1, color="C5", marker=".", ms=2)
    ax[5].set_ylabel(f"sharpness λ_max(∇²L) (every {every} steps)")
    ax[5].set_yscale("symlog", linthresh=1e-3)
    L = col["loss"]
    runmin = np.minimum.accumulate(L)
    k = int(np.argmax(L / np.where(runmin > 0, runmin, np.inf)))
    for a in ax:
        a.axvline(k, color="grey", lw=0.8, ls=":")
    for a in ax[4:]:
        a.set_xlabel(f"step t (dotted: largest loss rise, t = {k})")
    inst = traj.instance
    fig.suptitle(f"Section 6 Hilbert instance, {loss} loss (n={inst.n}, d={inst.d}); float64 full GD, "
                 f"status {traj.status}", fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return dict(loss=loss, path=str(path), status=traj.status, steps=n - 1, sharpness_every=every,
                instance=dict(cfg["instance"]), hyper=dict(cfg["hyper"]), a=float(inst.a),
                loss_first=float(L[0]), loss_min=float(L.min()), loss_last=float(L[-1]),
                largest_rise_t=k, largest_rise_factor=float(L[k] / runmin[k]) if runmin[k] > 0 else float("nan"),
                rho_first=float(col["rho"][0]), rho_last=float(col["rho"][-1]),
                sharpness_max=float(np.max(sh)) if sh.size else float("nan"))


# --- phase diagram ------------------------------------------------------------------------------
def t1_scan(H0, rho0, gamma0_over_a, eta_gamma, t_max: int) -> np.ndarray:
    """THEORY.md §5: ``T_1 = min{t ≥ 0 : H_0(c_0 − qᵗ(c_0 − γ_0/a)) > τ(ρ_0)(1 + t H_0² s_0²)}``
    by scanning t = 0 … t_max (``inf`` when not reached, ``nan`` where the extra hypotheses of
    Theorem 2 (2) — γ_0 ≤ a c_0 and H_0 γ_0/a < τ(ρ_0) — fail)."""
    from ..whitened import tau

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
        from ..instances import whitened_regression
        from ..registry import load

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


def phase_diagram(path: Path, *, grid=None, horizon: int | None = None) -> dict:
    """First-onset time over (H_0, ρ_0) from :func:`~bnverify.simulate.simulate_reduced_batch`
    (float64 reduced recurrence: no rounding floor on ρ), Theorem 2's boundaries H_0 = 2 and
    H_0 c_0 = τ(ρ_0) overlaid, and onset ÷ T_1 (Theorem 2 (2): ≤ 1 where T_1 is finite)."""
    from ..simulate import simulate_reduced_batch
    from ..whitened import tau

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
        ax.set_title(f"onset ÷ {name} (white: {name.split(' ')[0]} = ∞ or hypotheses of (2) unmet)", fontsize=9)
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
                     ratio_cf_max=float(np.max(rc[fc])) if fc.any() else None,
                     ratio_cf_median=float(np.median(rc[fc])) if fc.any() else None,
                     ratio_cf_above_1=int((rc[fc] > 1).sum()) if fc.any() else 0)
    return dict(**extra, path=str(path), grid=[nH, nR], horizon=horizon, t1_source=t1_source,
                settings={k: v for k, v in cfg.items() if k not in ("grid", "horizon")},
                points=int(H0.size), with_onset=int(np.isfinite(onset).sum()),
                onset_left_of_H2=int(np.isfinite(onset[left]).sum()), points_left_of_H2=int(left.sum()),
                finite_T1=int(np.isfinite(T1).sum()),
                ratio_max=float(np.max(ratio[finite])) if finite.any() else None,
                ratio_median=float(np.median(ratio[finite])) if finite.any() else None,
                ratio_above_1=int((ratio[finite] > 1).sum()) if finite.any() else 0,
                t1_finite_no_onset=int((np.isfinite(T1) & ~np.isfinite(onset)).sum()))


# --- float64 versus mpmath ----------------------------------------------------------------------
def precision_shift(path: Path, *, horizon: int | None = None, digits: int | None = None) -> dict:
    """The same whitened example (THEORY.md §9) in float64 and in mpmath: ρ and L − L* on a log
    scale against t, with each run's first onset and peak of ρ marked."""
    from ..instances import whitened_regression
    from ..simulate import simulate

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
