"""Markdown pages of the report: ``REPORT.md`` and one page per statement."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from ..testing import reproduce_command
from . import tables as T
from .figures_md import figures_section

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
    out += figures_section(figs)
    out += ["## Files", "", "* `results.json` — every campaign as machine-readable data (counts, slacks, "
            "every counterexample and artefact with its example);",
            "* `statements/` — one page per statement; `figures/` — the figures above.", ""]
    return "\n".join(out)
