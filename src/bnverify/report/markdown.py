"""Markdown pages of the report: ``REPORT.md`` and one page per statement."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from ..testing import reproduce_command
from . import tables as T

HOW_TO_READ = """\
Every lemma and theorem of the paper is an executable predicate over simulated gradient-descent
trajectories. For each statement, Hypothesis draws examples (datasets, initialisations, step sizes)
built to meet the statement's hypotheses; each example is simulated and checked in the *primary*
precision of its row (float64, or mpmath at 50 digits), and every doubtful verdict (a violation,
or a pass with a slack thinner than rounding) is re-decided at 50 → 100 → 200 digits. Outcomes:

* **holds** — the claim was true on the example (checked up to the statement's horizon);
* **violated** — confirmed at high precision: a counterexample (listed on the statement's page
  with a `bnverify reproduce` command);
* **artefact** — the primary precision said "violated" and higher precision refutes it (for
  float64 mostly the rounding floor of ρ, THEORY.md §9; at 50 digits full GD has a floor too,
  which the exact reduced recurrence removes); counted apart, never as a pass or a violation;
* **undecided** — the run ended before the claim could be decided, or the precisions disagreed;
* **vacuous** — the example did not meet the hypotheses (never counted as a pass).

*Slack* is signed and relative: (bound − observed)/|bound| for an upper bound, (observed −
bound)/|bound| for a lower bound; < 0 means violated. *Tightness* is observed ÷ bound over the
decided examples (close to 1: the bound is nearly attained; for lower bounds, ≥ 1 holds).
"""


def _rel(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


def derivation_path(r: dict) -> Path | None:
    deriv = r["describe"].get("derivation")
    if not deriv or not r.get("source_file"):
        return None
    return Path(r["source_file"]).resolve().parent / deriv


def statement_page(key: str, results: list[dict], *, final_dir: Path, figure: str, max_listed: int = 10) -> str:
    """The page of one statement (``results``: its campaigns, one per precision)."""
    r0 = results[0]
    d = r0["describe"]
    out = [f"# {key}", "", f"**{d.get('summary', '')}**", ""]
    facts = pd.DataFrame([{"id": d["id"], "version": d["version"], "reference": r0.get("reference", d.get("reference")),
                           "provenance": d["provenance"], "kind": d.get("kind"), "loss": d.get("loss"),
                           "simulator": d.get("simulator")}])
    out += [T.md(facts), ""]
    if r0.get("known_false"):
        out += [f"> **Recorded as refuted** (`known_false`): {r0['known_false']}", ""]
    if d.get("mutant_of"):
        out += [f"> Deliberately false variant of `{d['mutant_of']}`: {d.get('mutation')}", ""]
    dp = derivation_path(r0)
    if dp is not None:
        exists = "" if dp.exists() else " _(file not found)_"
        out += [f"Derivation: [{dp.name}]({_rel(dp, final_dir / 'statements')}){exists}", ""]
    else:
        out += ["Derivation: _none recorded_", ""]
    for r in results:
        if r.get("error"):
            out += [f"> **ERROR** — the {r['backend']} campaign raised:", "", "```text", r["error"], "```", ""]
    doc = r0.get("module_doc") or r0.get("doc") or ""
    if doc:
        out += ["## Statement and hypotheses", "", "```text", doc, "```", ""]
    out += ["## Verdicts per precision", "", T.md(T.summary(results).drop(columns=["statement", "version", "provenance", "kind"])), ""]
    out += [f"![slack histogram]({figure})", ""]
    for r in results:
        b = r["backend"]
        ces = r.get("counterexamples", [])
        out += [f"## Counterexamples ({b} primary): {len(ces)}", ""]
        if not ces:
            out += ["_none found_", ""]
        for i, ce in enumerate(ces[:max_listed], 1):
            out += [f"### Counterexample {i} ({b})", "", T.md(T.parameters_of(ce["example"])), "",
                    T.md(T.verdicts_of(ce)), "", "```sh", reproduce_command(key, ce["example"]), "```", ""]
        if len(ces) > max_listed:
            out += [f"… and {len(ces) - max_listed} more (all in `results.json`).", ""]
        tight = r.get("tightest")
        if tight:
            out += [f"## Tightest example that holds ({b} primary): slack {T.fmt(tight['slack'])}", "",
                    f"`{json.dumps(tight['example'], sort_keys=True)}`", "", T.md(T.verdicts_of(tight)), ""]
        reasons = r.get("unmet_reasons") or []
        if reasons:
            out += [f"## Why examples were vacuous ({b} primary)", "",
                    T.md(pd.DataFrame([{"unmet hypothesis (numbers shown as #)": k.replace("|", "\\|"),
                                        "examples": v} for k, v in reasons])), ""]
        arts = r.get("artefacts", [])
        out += [f"## Artefacts ({b} primary): {len(arts)}", ""]
        if arts:
            out += [f"The {b} run said *violated*; higher precision refutes it (THEORY.md §9).", ""]
        for i, ce in enumerate(arts[:3], 1):
            out += [f"Artefact {i}: `{json.dumps(ce['example'], sort_keys=True)}`", "", T.md(T.verdicts_of(ce)), ""]
        if len(arts) > 3:
            out += [f"… and {len(arts) - 3} more (all in `results.json`).", ""]
    out += ["[← back to the report](../REPORT.md)", ""]
    return "\n".join(out)


def _kv(d: dict) -> str:
    return T.md(pd.DataFrame([{"setting": k, "value": T.fmt(v, 8) if not isinstance(v, (list, tuple, dict)) else
                               json.dumps(v, default=str)} for k, v in d.items()]))


def report_page(*, settings: dict, env: dict, wall: float, results: list[dict], mutant_results: list[dict],
                pages: dict[str, str], figs: dict, errors: list[str]) -> str:
    out = ["# bnverify report", "",
           f"Generated {settings.get('started', '')} in **{wall:.1f} s** wall time "
           f"({settings.get('workers', 1)} worker process(es)).", "", HOW_TO_READ, "## Run settings", "",
           _kv({"examples per statement, float64 primary": settings["examples_f64"],
                "examples per statement, mpmath primary (50 digits)": settings["examples_mp"],
                "examples per mutant, float64 / mpmath": (f"{settings['mutant_f64']} / {settings['mutant_mp']}"
                                                          if settings.get("mutant_f64") is not None else "as statements"),
                "seed (Hypothesis)": settings["seed"] if settings["seed"] is not None else "derandomised (profile ci)",
                "Hypothesis profile": settings.get("profile"), "precisions": ", ".join(settings["precisions"]),
                "extra theorem folders": ", ".join(settings["theorems"]) or "–",
                "statements": ", ".join(settings.get("ids") or ()) or "all",
                "command": settings.get("extra", {}).get("command", "")}), "",
           "## Environment", "", _kv(env), ""]
    errors = list(errors) + [f"`{r['key']}` [{r['backend']}]: {r['error'].splitlines()[0][:300]}"
                             for r in results + mutant_results if r.get("error")]
    if errors:
        out += ["## Errors", "", "These campaigns raised instead of deciding (a bug in a statement or in the "
                "suite); they count as neither holds nor violated.", "", *[f"* {e}" for e in errors], ""]
    n_viol = sum(1 for r in results if r["counts"]["violated"] and not r.get("known_false"))
    n_vac = sum(1 for r in results if r["met"] == 0)
    n_stmt = len({r["key"] for r in results})
    out += ["## Summary", "",
            f"{n_stmt} statement(s), {sum(r['examples'] for r in results)} examples; {n_viol} campaign(s) with a "
            f"confirmed violation (not counting statements recorded as refuted); {n_vac} vacuous campaign(s); "
            f"{sum(r['counts']['artefact'] for r in results)} precision artefacts and "
            f"{sum(r['counts']['undecided'] for r in results)} undecided examples in all. "
            "Each statement links to its page (statement, hypotheses, derivation, counterexamples).", "",
            T.md(T.summary(results, link=lambda r: f"[{r['describe']['id']}]({pages[r['key']]})")), ""]
    if mutant_results:
        caught = len({r["key"] for r in mutant_results if r["counts"]["violated"]})
        total = len({r["key"] for r in mutant_results})
        out += ["## Mutants (deliberately false variants)", "",
                f"A mutant must be caught (refuted) by the same strategies: {caught} of {total} caught. "
                "*Detection rate* = violated ÷ examples meeting the hypotheses.", "",
                T.md(T.mutants(mutant_results, link=lambda r: pages[r["key"]])), ""]
    out += _figures_section(figs)
    out += ["## Files", "", "* `results.json` — every campaign as machine-readable data (counts, slacks, "
            "every counterexample and artefact with its example);",
            "* `statements/` — one page per statement; `figures/` — the figures above.", ""]
    return "\n".join(out)


def _figures_section(figs: dict) -> list[str]:
    out = ["## Figures", ""]
    s6 = [figs[k] for k in ("section6_square", "section6_logistic") if k in figs]
    if s6:
        out += ["### Section 6 illustration (Figure 3 style)", "",
                "The paper's Section 6 instance: a Hilbert-matrix slice with random rotations and Gaussian "
                "noise (ill-conditioned, small margin, d > n, labels ±1), trained by float64 full-batch GD "
                "on the BN linear model. ρ = β/α is measured against the instance's reference direction "
                "(least squares for square loss, hard-margin SVM for logistic loss); η_eff = ηγa/‖w‖², with "
                "τ(ρ) (the whitened rising-edge threshold, infinite for ρ ≥ 1) overlaid; sharpness is the "
                "top algebraic eigenvalue of the Hessian in (w, γ). The paper publishes no settings: these "
                "are this project's. This is an illustration, not theorem-level evidence.", ""]
        rows = []
        for f in s6:
            rows.append({"loss": f["loss"], **{f"instance.{k}": v for k, v in f["instance"].items()},
                         **{f"hyper.{k}": v for k, v in f["hyper"].items()}, "steps": f["steps"],
                         "sharpness every": f["sharpness_every"], "a = ‖w_ref‖": T.fmt(f["a"]),
                         "loss first / min / last": f"{f['loss_first']:.3g} / {f['loss_min']:.3g} / {f['loss_last']:.3g}",
                         "largest rise over running min": f"×{f['largest_rise_factor']:.3g} at t = {f['largest_rise_t']}"})
        out += [T.md(pd.DataFrame(rows).set_index("loss").T.reset_index().rename(columns={"index": "setting"})), ""]
        for f in s6:
            out += [f"![Section 6, {f['loss']} loss]({f['rel']})", ""]
    if "phase" in figs:
        p = figs["phase"]
        out += ["### Phase diagram of the first onset (Theorem 2)", "",
                f"Whitened square loss, float64 reduced recurrence (no rounding floor on ρ), {p['grid'][0]}×{p['grid'][1]} "
                f"grid over (H₀, ρ₀), horizon {p['horizon']} steps; settings {json.dumps(p['settings'])}. "
                "Theorem 2 (1): left of H₀ = 2 no rising edge ever starts. Theorem 2 (2): where T₁ is finite "
                f"(which needs H₀c₀ > τ(ρ₀)), a rising edge starts by T₁, i.e. onset ÷ T₁ ≤ 1 (white where T₁ is infinite "
                f"or the extra hypotheses of (2) fail: there the theorem claims nothing). T₁ from: {p['t1_source']}.", "",
                T.md(pd.DataFrame([{"grid points": p["points"], "with an onset": p["with_onset"],
                                    "onsets left of H₀ = 2": f"{p['onset_left_of_H2']} of {p['points_left_of_H2']}",
                                    "finite T₁": p["finite_T1"], "onset ÷ T₁ median": T.fmt(p["ratio_median"]),
                                    "onset ÷ T₁ max": T.fmt(p["ratio_max"]), "points with onset ÷ T₁ > 1": p["ratio_above_1"],
                                    "finite T₁ but no onset": p["t1_finite_no_onset"]}])), "",
                *([T.md(pd.DataFrame([{"finite closed-form T₁ᶜᶠ": p["finite_T1_cf"],
                                       "onset ÷ T₁ᶜᶠ median": T.fmt(p["ratio_cf_median"]),
                                       "onset ÷ T₁ᶜᶠ max": T.fmt(p["ratio_cf_max"]),
                                       "points with onset ÷ T₁ᶜᶠ > 1": p["ratio_cf_above_1"]}])), ""]
                  if "finite_T1_cf" in p else []),
                f"![phase diagram]({p['rel']})", ""]
    if "shift" in figs:
        s = figs["shift"]
        rows = [{"run": k, "first onset t": v["first_onset"], "spike peak of ρ (after the onset) at t": v["peak_t"], "peak ρ": T.fmt(v["peak_rho"]),
                 "smallest ρ": T.fmt(v["min_rho"]), "rounding floor of ρ": T.fmt(v["rho_floor"])} for k, v in s["runs"].items()]
        out += ["### Float64 versus exact arithmetic: spike timing (THEORY.md §9)", "",
                f"One whitened example ({json.dumps(s['instance'])}, {json.dumps(s['hyper'])}) run by full GD in float64 and "
                f"in mpmath at {s['digits']} digits. Float64 cannot resolve ρ below its rounding floor: its first "
                "'rising edge' is rounding noise, and its spike grows from the floor instead of the true, far smaller ρ, "
                "so it comes early. This is why every float64 violation is re-decided at high precision.", "",
                T.md(pd.DataFrame(rows)), "", f"![float64 vs mpmath]({s['rel']})", ""]
    for k, e in figs.get("_errors", {}).items():
        out += [f"* figure `{k}` failed: `{e}`", ""]
    return out
