"""Theorem 2 (2) — delayed onset of the rising edge, with T_1 by scan and in closed form (paper
§4.1, App. B; THEORY.md §5). Derivations: thm2_delayed_onset.md (scan) and
thm2_delayed_onset_closed_form.md (closed form).

Setting
    Whitened square-loss regression (Σ = I), BN linear model, full-batch GD eq. (1), simulated by
    the exact reduced recurrence of Lemma 7 (e) (no rounding floor on ρ; float64 runs whose β
    reaches the subnormal range are marked unresolved and re-decided in mpmath).
Hypotheses
    0 < η_γ ≤ 1, 0 < γ_0 ≤ a c_0, α_0 > 0, 0 < ρ_0 < 1, ηγ_0 a/‖w_0‖² < τ(ρ_0) (ρ falls at t = 0),
    and T_1 < ∞ where, with H_0 = ηa²/‖w_0‖², q = 1 − η_γ, g_0 = γ_0/a,
    T_1 = min{t ≥ 0 : H_0(c_0 − qᵗ(c_0 − g_0)) > τ(ρ_0)(1 + t H_0² s_0²)} (computed by scanning t).
    closed-form-v1 also needs the closed form to exist: L = λM − λ − log(λMK) ≥ 1 and θ* < 1
    (δ = H_0c_0 − τ(ρ_0), K = H_0(c_0 − g_0)/δ, M = δ/(τ(ρ_0)H_0²s_0²), λ = log(1/q)).
Statement
    reconstructed-v1: a rising edge (ρ_{t+1} > ρ_t) starts at some t ≤ T_1.
    closed-form-v1: T_1 ≤ T_1^cf = ⌈log(K/θ*)/λ⌉ with θ* = −W_{−1}(−e^{−L})/(λM) (Lambert W; T_1^cf = 1
    when η_γ = 1), and a rising edge starts at some t ≤ T_1^cf.
Bound kind
    existence: observed = first onset, bound = T_1 (resp. T_1^cf); simulated to T_1 + 1 (resp.
    T_1^cf + 1), the horizon the constant gives.
Reference
    Paper Theorem 2 (2), §4.1 and App. B. Provenance: reconstructed (THEORY.md §5; the closed form
    is the project's own, in the paper's style of minimising over the split).
"""
from __future__ import annotations

import numpy as np

from bnverify.author import (
    REDUCTION, Param, Statement, initial_state, mutant, scaled, tau, undecided_if_diverged, whitened_hypotheses,
    whitened_space)
from bnverify.regimes.edges import (
    labels_unresolved, rise_margin, t1_closed_form, t1_closed_form_half, t1_closed_form_margin, t1_margins, t1_scan)


def delayed_onset_hyper(v: dict) -> dict:
    """``(ρ_0, η_γ, m, f) ↦ (H_0, γ_0/a)``: ``H_0 = τ(ρ_0)(1 + m)/c_0``, ``γ_0/a = f·min(c_0, τ(ρ_0)/H_0)``."""
    rho0 = v["rho0"]
    c0 = 1.0 / (1.0 + rho0 * rho0) ** 0.5
    t0 = float(tau(rho0))
    H0 = t0 * (1.0 + v["margin"]) / c0
    return dict(H0=H0, rho0=rho0, eta_gamma=v["eta_gamma"], gamma0_over_a=v["gamma_frac"] * min(c0, t0 / H0))


def delayed_onset_hypotheses(inst, hyper) -> list[str]:
    unmet = whitened_hypotheses(inst, hyper)
    if unmet:
        return unmet
    s = initial_state(inst, hyper)
    bk = inst.backend
    g0 = s["gamma0"] / s["a"]
    tau0 = tau(s["rho0"], bk)
    if not g0 <= s["c0"]:
        unmet.append(f"gamma0/a = {float(g0):.6g} > c0 = {float(s['c0']):.6g}")
    if not s["H0"] * g0 < tau0:
        unmet.append(f"eta_eff,0 = {float(s['H0'] * g0):.6g} >= tau(rho0) = {float(tau0):.6g} (not falling at t = 0)")
    if not unmet and t1_scan(s, bk) is None:
        unmet.append(f"T1 = inf (H0 c0 - tau(rho0) = {float(s['H0'] * s['c0'] - tau0):.3g})")
    return unmet


class DelayedOnset(Statement):
    """A rising edge starts at some t ≤ T_1 (Theorem 2 (2), T_1 by scan)."""

    id = "thm2.delayed_onset"
    version = "reconstructed-v1"
    reference = "Theorem 2 (2), §4.1"
    provenance = "reconstructed"
    kind = "existence"
    simulator = "reduced"
    trusts = (REDUCTION,)  # column provenance: ρ and η_eff are the recurrence of Lemma 7
    derivation = "thm2_delayed_onset.md"
    bound_source = "initial state"
    search_scale = 0.5
    # T_1 is attained exactly on 89 % of draws (slack 0); their event margin settles them in float64 (no ladder):
    # ~2.6 ms per swept draw (3.2 closed form; 2,048 in-process), so the sweep is the report's 4,096, screened
    # (sweep_scale). Hypothesis and the hunt favour the corners (η_γ = 1e-4, m = 1e-3: 10⁴–10⁵ steps, rise
    # margins below 1e-8 that still go up the ladder, seconds each) and keep 64 + 64 (report_scale 1.0 cost
    # 279 s for v1). `check --examples 4096`, 2 workers: 4,204 draws in 107 s (v1), 4,224 in 44 s (closed
    # form), 90 s wall — was 236 draws in 109 s and 256 in 57 s, 107 s wall
    report_scale = 0.0625
    sweep_scale = 1.0
    bound_key = "T1"

    def hypotheses(self, inst, hyper):
        return delayed_onset_hypotheses(inst, hyper)

    def constants(self, inst, hyper):
        s = initial_state(inst, hyper)
        bk = inst.backend
        cf = t1_closed_form(s, bk)
        T1 = t1_scan(s, bk)
        c = {"T1": T1, "T1_cf": cf["T1_cf"], "theta": cf["theta"],
             "T1_cf_half": t1_closed_form_half(s, bk), "H0": s["H0"], "rho0": s["rho0"]}
        if not bk.encloses:  # event margins (derivations, "Event margin"): for the float64 primary's doubt;
            # not computed on balls, which decide every comparison themselves
            m = t1_margins(s, bk, T1)
            c.update(T1_margin_below=m["below"], T1_margin_above=m["above"],
                     T1_cf_margin_below=t1_closed_form_margin(cf))
        return c

    def event_margin(self, rise, c):
        """The event margin of a holds ``first onset ≤ T_1``: the smallest of the rise margin at the
        first onset (``(ρ_{on+1} − ρ_on)/ρ_{on+1}``, the rise that fixes it) and T_1's margin below (that
        T_1 − 1 does not meet the scan's condition). None where a margin is missing (balls)."""
        parts = (rise, c.get("T1_margin_below"))
        return None if any(p is None for p in parts) else min(parts)

    def horizon(self, inst, hyper, c):
        return int(c[self.bound_key]) + 1

    @undecided_if_diverged
    def check(self, traj, c):
        bound = c[self.bound_key]
        on = traj.first_onset()
        upto = on + 1 if on is not None else None
        resolved = not labels_unresolved(traj, upto)  # the check reads the labels only
        note = "" if resolved else " (beta in the float64 subnormal range: unresolved)"
        # float() only inside the message's f-string: the float audit counts it as text, not as a decision
        extra = (f"T1 = {c['T1']}, T1_cf = {c['T1_cf']} "
                 f"(theta* = {float(c['theta']) if c['theta'] is not None else None}), "
                 f"T1_cf(theta=1/2) = {c['T1_cf_half']}")
        if on is None:
            return self.upper_bound(traj, float("inf"), bound, witness=None, resolved=resolved,
                                    message=f"no rising step in 0..{traj.T - 1}; {extra}{note}")
        em = None if traj.backend.encloses else self.event_margin(rise_margin(traj, on), c)
        return self.upper_bound(traj, on, bound, witness=on, resolved=resolved, event_margin=em,
                                message=f"first onset {on} <= {self.bound_key} = {bound}; {extra}{note}")

    def screen(self, S, C):
        """check()'s comparison on streamed summaries (bnverify.verify.screen): observed = the first onset
        (first t < T = bound + 1 with ρ_{t+1} > ρ_t), bound = T_1 (``bound_key``); no onset within the
        horizon is a violation, never cleared."""
        on = S.onset
        return dict(eligible=on >= 0, observed=on.astype(np.float64), bound=C[self.bound_key], witness=on,
                    event_margin=self.screen_event_margin(S, C))

    def screen_event_margin(self, S, C):
        """check()'s event margin on the summaries: the rise margin at the first onset (streamed,
        ``S.onset_rise``, the bits check() computes) and T_1's margin below (nan where none)."""
        return np.minimum(S.onset_rise, C["T1_margin_below"])

    def space(self):
        """Reparametrised onto the hypotheses: ``H_0 = τ(ρ_0)(1 + m)/c_0`` with ``m > 0`` (``H_0 c_0 > τ(ρ_0)``
        is necessary for T_1 < ∞) and ``γ_0/a = f·min(c_0, τ(ρ_0)/H_0)`` with ``f ∈ (0, 1)`` (so
        ``γ_0 ≤ a c_0`` and ρ falls at t = 0); ``T_1 < ∞`` itself is left to the hypotheses (rejected
        draws are counted). Boxes: m ∈ [1e-3, 100], f ∈ [1e-6, 1 − 1e-9], ρ_0 ∈ [1e-10, 0.999],
        η_γ ∈ [1e-4, 1]."""
        return whitened_space(Param.log("rho0", 1e-10, 0.999), Param.log("eta_gamma", 1e-4, 1.0),
                              Param.log("margin", 1e-3, 1e2), Param.linear("gamma_frac", 1e-6, 1 - 1e-9),
                              hyper_of=delayed_onset_hyper,
                              region="0 < eta_gamma <= 1, 0 < gamma0 <= a c0, rho falls at t = 0, 0 < rho0 < 1, "
                                     "T1 < inf (by rejection)",
                              focus={"former strategy": {"rho0": (1e-6, 0.02), "eta_gamma": (0.005, 1.0)}})


class DelayedOnsetClosedForm(DelayedOnset):
    """T_1 ≤ T_1^cf (Lambert-W split) and a rising edge starts at some t ≤ T_1^cf."""

    version = "closed-form-v1"
    derivation = "thm2_delayed_onset_closed_form.md"
    bound_key = "T1_cf"

    def hypotheses(self, inst, hyper):
        unmet = delayed_onset_hypotheses(inst, hyper)
        if not unmet:
            cf = t1_closed_form(initial_state(inst, hyper), inst.backend)
            if cf["T1_cf"] is None:
                unmet.append(f"closed form does not exist (L = {cf['L']}, theta* = {cf['theta']})")
        return unmet

    def check(self, traj, c):
        if c["T1"] is None or c["T1"] > c["T1_cf"]:
            return self.upper_bound(traj, float("inf") if c["T1"] is None else c["T1"], c["T1_cf"],
                                    message=f"scan T1 = {c['T1']} exceeds the closed form T1_cf = {c['T1_cf']}")
        return super().check(traj, c)

    def event_margin(self, rise, c):
        """As v1's, with the closed form's integers: the rise margin at the first onset, T_1^cf's
        ceiling margin below (T_1^cf cannot be smaller) and T_1's margin above (T_1 cannot be larger:
        the claim T_1 ≤ T_1^cf)."""
        parts = (rise, c.get("T1_cf_margin_below"), c.get("T1_margin_above"))
        return None if any(p is None for p in parts) else min(parts)

    def screen_event_margin(self, S, C):
        return np.minimum(np.minimum(S.onset_rise, C["T1_cf_margin_below"]), C["T1_margin_above"])

    def screen(self, S, C):
        """As v1 against T_1^cf, and only where the scan's T_1 ≤ T_1^cf (else check() reports the closed form
        violated)."""
        out = super().screen(S, C)
        out["eligible"] = out["eligible"] & (C["T1"] <= C["T1_cf"])
        return out


STATEMENTS = [DelayedOnset(), DelayedOnsetClosedForm()]
MUTANTS = [
    mutant(STATEMENTS[0], "T1 halved", name="t1-halved", constants=scaled("T1", 0.5, integer=True)),
    mutant(STATEMENTS[1], "T1_cf halved", name="t1cf-halved", constants=scaled("T1_cf", 0.5, integer=True)),
]
