"""The paper's numbered claims and the statement versions that encode them (pure data).

:data:`PAPER_CLAIMS` lists, in the paper's order (Lemma 1, Theorems 2–3, Lemma 4, Theorem 5,
Lemmas 6–11, Section 6, Lemmas 12–14), every numbered claim of the paper: those the suite encodes
with their statement keys (``id@version``, as printed by ``bnverify list``), and those it does not
with an empty tuple and the reason in ``note``. The mathematics of each claim, as reconstructed, is
in ``docs/THEORY.md`` (its statement index maps every key to its files).

:func:`claims_table` turns a map ``statement key → verdict word`` into rows for a report table.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    """One numbered claim of the paper: its reference (``"Lemma 7 (d)"``), the claim in one line of
    plain words, the statement keys that encode it (empty: not encoded) and a note (for an
    unencoded claim: why)."""

    ref: str
    claim: str
    statements: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self):
        if not isinstance(self.statements, tuple) or not all(isinstance(k, str) and "@" in k for k in self.statements):
            raise TypeError(f"{self.ref}: statements must be a tuple of 'id@version' keys, got {self.statements!r}")
        if not self.statements and not self.note:
            raise ValueError(f"{self.ref}: a claim the suite does not encode needs a note saying why")


PAPER_CLAIMS: list[Claim] = [
    Claim("Lemma 1", "Whitened square loss: the excess loss splits into a scale part and a direction part, "
          "L − L* = ½(γ − a cos θ)² + ½a² sin²θ.",
          ("lemma1.decomposition@exact-v1",)),
    Claim("Theorem 2 (1)", "If the headroom H_0 = ηa²/‖w_0‖² is at most 2, no rising edge ever occurs.",
          ("thm2.no_rising_edge@reconstructed-v1",)),
    Claim("Theorem 2 (2)", "Under the delayed-onset condition a rising edge starts within T_1 iterations.",
          ("thm2.delayed_onset@reconstructed-v1", "thm2.delayed_onset@closed-form-v1"),
          "reconstructed-v1 computes T_1 by a scan; closed-form-v1 is the project's Lambert-W closed form "
          "T_1^cf ≥ T_1."),
    Claim("Theorem 2 (waiting time)", "The waiting time grows as the start is better aligned (smaller ρ_0).",
          (),
          "Not encoded: the paper's expression is lost, and in the reconstructed argument T_1 does not grow "
          "as ρ_0 → 0 (it is non-increasing); what grows like log(1/ρ_0) is the delay from onset to the "
          "spike (docs/THEORY.md, errata 3)."),
    Claim("Theorem 3 (duration)", "Every rising edge ends within T_2 iterations and returns to a falling edge.",
          ("thm3.duration@reconstructed-v1", "thm3.duration@comparison-v2"),
          "reconstructed-v1: T_2 from the state at onset (valid, astronomically loose); comparison-v2: a "
          "comparison scan T_2' ≤ T_2, tight to within one step."),
    Claim("Theorem 3 (catch-up time)", "The time at which γ catches up with a cos θ splits the rising edge "
          "into two phases with explicit bounds.",
          (),
          "Not encoded: the paper's formulas for the catch-up time are lost; the comparison-v2 scan of "
          "Theorem 3 carries γ/a and cos θ through both phases instead."),
    Claim("Theorem 3 (peak)", "The peak of ρ stays below max(ρ_0, τ⁻¹(H_0)(H_0 − 1)), a constant-order bound.",
          ("thm3.peak_bound@reconstructed-v1",)),
    Claim("Lemma 4", "Logistic loss on the positive-alignment branch: better alignment gives smaller loss, "
          "L ≤ log(1 + exp(−γ(1 − δ(ρ)))).",
          ("lemma4.logistic_loss_upper@reconstructed-v1",)),
    Claim("Theorem 5 (1)", "Under an explicit step-size bound ρ keeps decreasing before the small-ratio regime.",
          ("thm5.monotone_decrease@reconstructed-v1",)),
    Claim("Theorem 5 (2)", "Under a two-sided step-size condition ρ enters the small-ratio regime within a "
          "finite horizon while ‖w‖ stays in a window.",
          ("thm5.small_ratio_entry@reconstructed-v1",),
          "The paper: item (2) is exactly the conclusion of Lemma 11 (see that claim)."),
    Claim("Theorem 5 (3)", "On a later positive-alignment rising branch, once the effective step is below an "
          "explicit threshold the next iterate leaves the rising edge.",
          ("thm5.exit_threshold@reconstructed-v1",)),
    Claim("Lemma 6 (convergence)", "For any scale-invariant objective, a sufficient condition for the direction "
          "to converge: ρ does not increase.",
          ("lemma6.sufficient_convergence@reconstructed-v1", "lemma6.sufficient_convergence@reconstructed-v1-logistic"),
          "The project's form −2⟨∇L, e⟩‖w‖² ≥ ηα‖∇L‖², on whitened square loss and on logistic regression."),
    Claim("Lemma 6 (divergence)", "For any scale-invariant objective, a sufficient condition for the direction "
          "to diverge: ρ increases.",
          ("lemma6.sufficient_divergence@reconstructed-v1", "lemma6.sufficient_divergence@reconstructed-v1-logistic"),
          "The project's form −⟨∇L, e⟩‖w‖²(2 + x) < ηα‖∇L‖², x = η‖∇L‖/‖w‖."),
    Claim("Lemma 6 (exact criterion)", "ρ does not increase exactly when the cosine to the reference direction "
          "does not decrease (norm growth from Lemma 12 included).",
          ("lemma6.criterion@exact-v1", "lemma6.criterion@exact-v1-logistic"),
          "The exact identity behind both conditions of Lemma 6 (the step of its proof)."),
    Claim("Lemma 7 (a)–(d)", "Whitened square loss: closed one-step updates of α, β, γ, ‖w‖² and ρ along GD.",
          ("lemma7.dynamics@exact-v1",)),
    Claim("Lemma 7 (d)", "ρ rises at a step exactly when the effective learning rate exceeds the threshold τ(ρ).",
          ("lemma7.rising_criterion@exact-v1",)),
    Claim("Lemma 8", "A small directional error only perturbs every logit around γ, and keeps ‖w‖_Σ within a "
          "window around αm.",
          ("lemma8.logit_perturbation@reconstructed-v1",)),
    Claim("Lemma 9", "On the branch the gradient pulls w towards the SVM direction, by an explicit O(ρ²) amount.",
          ("lemma9.alignment_gradient@reconstructed-v1",)),
    Claim("Lemma 10", "Two upper bounds on the weight gradient: one through the loss, one vanishing linearly in ρ.",
          ("lemma10.gradient_bounds@reconstructed-v1",)),
    Claim("Lemma 11", "Under explicit parameter conditions ρ enters the small-ratio window within a finite "
          "horizon while ‖w‖ stays within a constant-factor window.",
          ("lemma11.small_ratio_entry@reconstructed-v1",)),
    Claim("Section 6 (Figure 3)", "On an ill-conditioned Hilbert instance the square-loss run shows a delayed "
          "loss spike driven by ρ and η_eff; the logistic run a related directional transition.",
          (),
          "An illustration, not a theorem: reproduced by `bnverify figure section6` and the report's "
          "Section 6 figures with the project's published settings (docs/THEORY.md §8)."),
    Claim("Lemma 12", "Scale invariance: the weight gradient is orthogonal to w, so ‖w‖² grows by η²‖∇L‖² per step.",
          ("lemma12.scale_invariance@exact-v1",)),
    Claim("Lemma 13", "Every rising edge ends: after each onset some later step does not increase ρ.",
          ("lemma13.rising_edge_ends@reconstructed-v1",)),
    Claim("Assumption 4 (κ > 0)", "Under non-degenerate support vectors every direction orthogonal to w_svm "
          "gives some sample a negative signed margin, so κ is well defined and positive.",
          (),
          "A property of the data, not of GD: checked by bnverify.regimes.logistic.assumption4 (closed form "
          "against an LP in tests/test_logistic_assumptions.py) and used as a hypothesis of Lemma 14."),
    Claim("Lemma 14", "Under Assumption 4 misalignment costs loss: L ≥ (1/n) log(1 + exp(−γ g(ρ))).",
          ("lemma14.logistic_loss_lower@reconstructed-v1",)),
]


def claims_table(results_by_key: dict[str, str]) -> list[dict]:
    """One row per paper claim, in :data:`PAPER_CLAIMS` order: ``{"paper claim": "<ref>: <claim>",
    "statement versions": "key, key" (or "not encoded"), "verdicts": "verdict / verdict"}`` with the
    verdicts in the order of the versions (``"not run"`` for a key missing from ``results_by_key``;
    ``"— " + note`` for a claim the suite does not encode)."""
    if not isinstance(results_by_key, dict):
        raise TypeError("results_by_key: expected a dict statement key -> verdict word, "
                        f"got {type(results_by_key).__name__}")
    bad = [k for k, v in results_by_key.items() if not (isinstance(k, str) and isinstance(v, str))]
    if bad:
        raise TypeError(f"results_by_key: keys and verdicts must be strings, offending keys {bad!r}")
    rows = []
    for c in PAPER_CLAIMS:
        if c.statements:
            versions = ", ".join(c.statements)
            verdicts = " / ".join(results_by_key.get(k, "not run") for k in c.statements)
        else:
            versions = "not encoded"
            verdicts = "— " + c.note
        rows.append({"paper claim": f"{c.ref}: {c.claim}", "statement versions": versions, "verdicts": verdicts})
    return rows
