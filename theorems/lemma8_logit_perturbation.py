"""Lemma 8 — logit perturbation under a small directional error (paper §5.3, App. C; THEORY.md §7).
Derivation: theorems/lemma8_logit_perturbation.md.

Setting
    Logistic loss, BN linear model, full-batch GD eq. (1), active-margin data.
Hypotheses
    Assumptions 1–3; Assumption 2 initialisation (w_0 ∈ span(Xᵀ), α_0 > 0, γ_0 > 0,
    ρ_0 < ρ_branch).
Statement
    At every step with α_t > 0, γ_t ≥ 0 and ρ_t√λ_max < m:
    (1) ``max_i |y_i z_i − γ_t| ≤ γ_t δ(ρ_t)``, ``δ(ρ) = ρ(K + √λ_max)/(m − ρ√λ_max)``, K = sqrt(nλ_max);
    (2) ``α_t(m − ρ_t√λ_max) ≤ ‖w_t‖_Σ ≤ α_t(m + ρ_t√λ_max)``.
Bound kind
    upper bound (both parts folded into one worst relative slack), pointwise; 60 steps; steps with
    ρ_t below 1e4 × the precision's ρ floor skipped.
Reference
    Paper Lemma 8 (structure); constants the project's own. Provenance: reconstructed.
"""
from __future__ import annotations

from bnverify.author import mutant, tightened
from bnverify.regimes.logistic import margins
from bnverify.verify.kinds import PointwiseLogistic


def window(geo, alpha, rho):
    """Lemma 8 (2) as ``|‖w‖_Σ − αm| ≤ αρ√λ_max``: the half-width of the Σ-norm window."""
    return alpha * rho * geo.smax


def _no_window(geo, alpha, rho):
    return 0.0 * alpha * rho * geo.smax


def window_collapsed(c: dict) -> dict:
    """Constants transform of the mutant: ``‖w‖_Σ = αm`` exactly (the window collapsed)."""
    return {**c, "window": _no_window}


class LogitPerturbation(PointwiseLogistic):
    """|y_i z_i − γ| ≤ γδ(ρ) and ‖w‖_Σ ∈ α(m ± ρ√λ_max) (Lemma 8)."""

    id = "lemma8.logit_perturbation"
    version = "reconstructed-v1"
    reference = "Lemma 8, §5.3 / App. C"
    kind = "upper bound"
    derivation = "lemma8_logit_perturbation.md"
    record_w = True

    def constants(self, inst, hyper):
        return {**super().constants(inst, hyper), "window": window}

    def pairs(self, traj, c, T, floor):
        geo = c["geo"]
        inst = traj.instance
        for t in range(T + 1):
            a, r, g = traj["alpha"][t], traj["rho"][t], traj["gamma"][t]
            if not (a > 0 and g >= 0 and r * geo.smax < geo.m) or r < floor:
                continue
            M, s = margins(inst, traj["w"][t], g)
            yield t, max(abs(v - g) for v in M), g * geo.delta(r), "upper"
            # part (2) as |‖w‖_Σ − αm| ≤ αρ√λ_max
            yield t, abs(s - a * geo.m), c["window"](geo, a, r), "upper"


STATEMENTS = [LogitPerturbation()]
MUTANTS = [mutant(STATEMENTS[0], "Sigma-norm window collapsed to alpha*m", name="window-collapsed",
                  constants=window_collapsed),
           mutant(STATEMENTS[0], "needle: bound tightened to tightness <= 0.5698222846 (2,048-draw sweep sup 0.666)",
                  name="needle", check=tightened(0.569822284596157),
                  needle_share=("~1.9% (39 of the 2,048 Sobol draws of make report's sweep, seed 0, exceed it; "
                                "q99 of a 512-point sweep, seed 7)"),
                  searcher="sweep+hunt", ci_budget=128, pinned=[])]
