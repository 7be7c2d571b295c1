"""Markdown pages of the report: ``REPORT.md`` and one page per statement."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from bnverify.verify.testing import reproduce_command
from bnverify.report import tables as T
from bnverify.report.figures_md import figures_section

HOW_TO_READ = """\
Every lemma and theorem of the paper is an executable predicate over simulated gradient-descent
trajectories. For each statement, Hypothesis draws examples (datasets, initialisations, step sizes)
built to meet the statement's hypotheses; each example is simulated and checked in the *primary*
precision of its row (float64, or mpmath at 50 digits), and every doubtful verdict (a violation,
or a pass with a slack thinner than rounding) is re-decided at 50 → 100 → 200 digits. Every
decided example first goes to **ball arithmetic** (arb, 128 → 1024 bits): a ball verdict decided
without an uncertain comparison is a proof for that example (*certified*); a certified violation is
reported only when mpmath confirms it too. Outcomes:

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


def statement_page(key: str, results: list[dict], *, final_dir: Path, figure: str, coverage_figure: str | None = None,
                   coverage_caption: str | None = None, max_listed: int = 10) -> str:
    """The page of one statement (``results``: its campaigns, one per primary precision): the
    statement, its space, the evidence per precision and searcher, the coverage map (with its
    caption), counterexamples, the tightest example, why draws were rejected, artefacts and errors."""
    r0 = results[0]
    d = r0["describe"]
    out = [f"# {key}", "", f"**{d.get('summary', '')}**", ""]
    facts = pd.DataFrame([{"id": d["id"], "version": d["version"], "reference": r0.get("reference", d.get("reference")),
                           "provenance": d["provenance"], "kind": d.get("kind"),
                           "bound from": r0.get("bound_source") or "–",
                           "loss": d.get("loss"), "simulator": d.get("simulator"),
                           "verdict": T.statement_verdict(results)}])
    out += [T.md(facts), ""]
    if r0.get("known_false"):
        out += [f"> **Recorded as refuted** (`known_false`): {r0['known_false']}", ""]
    if d.get("mutant_of"):
        out += [f"> Deliberately false variant of `{d['mutant_of']}`: {d.get('mutation')}", ""]
        if r0.get("needle_share") is not None:
            out += [f"> A *needle*: false on {r0['needle_share']} of the declared space (measured by a sweep).", ""]
    if r0.get("bound_source") == "propagated enclosure":
        out += ["> The bound is a **propagated enclosure** (the dynamics re-simulated from the onset state), not a "
                "theorem-level bound: its tightness and its mutant are left out of the bound tallies.", ""]
    dp = derivation_path(r0)
    if dp is not None:
        exists = "" if dp.exists() else " _(file not found)_"
        out += [f"Derivation: [{dp.name}]({_rel(dp, final_dir / 'statements')}){exists}", ""]
    else:
        out += ["Derivation: _none recorded_", ""]
    for r in results:
        if r.get("error"):
            out += [f"> **ERROR** — the {r['backend']} campaign raised:", "", "```text", str(r["error"]), "```", ""]
    doc = r0.get("module_doc") or r0.get("doc") or ""
    if doc:
        out += ["## Statement and hypotheses", "", "```text", doc, "```", ""]
    if r0.get("space"):
        out += ["## Declared space (every searcher draws from it)", "", f"Region: {r0.get('region') or '–'}", "",
                *[f"* {str(p)}" for p in r0["space"]], "",
                "*Inert* parameters provably do not change the decided quantity: sampled sparsely, never counted "
                "as distinct cases or coverage.", ""]
    out += ["## Evidence per precision", ""]
    rows = []
    for r in results:
        rows.append({"primary": r["backend"], "draws": r["examples"], "distinct decided": r.get("distinct", 0),
                     "duplicates": r.get("duplicates", 0), "pinned": r.get("pinned", 0),
                     **{k: r["counts"].get(k, 0) for k in T.OUTCOME_COLUMNS}, "raised": r["counts"].get("error", 0),
                     "certified": T.certified_text(r),
                     "coverage 1-D / 2-D": T.cov_text(r), "tightness sup": T.sup_text(r),
                     "seconds": T.fmt(r.get("seconds"), 3)})
    out += [T.md(pd.DataFrame(rows)), "",
            "*Certified*: decided examples (holds, violated, artefact) whose outcome rests on ball arithmetic "
            "(arb) — every comparison of the check decided for the exact numbers; the rest were decided by "
            "float64 / mpmath alone (the balls were too wide, typically long full-GD horizons).", ""]
    for r in results:
        out += [f"### Searchers ({r['backend']} primary)", "", T.md(T.searcher_rows(r)), ""]
    if coverage_figure:
        out += [f"![coverage map]({coverage_figure})", ""] + ([f"*{coverage_caption}*", ""] if coverage_caption else [])
    out += [f"![slack histogram]({figure})", ""]
    for r in results:
        b = r["backend"]
        ces = r.get("counterexamples", [])
        out += [f"## Counterexamples ({b} primary): {len(ces)}", ""]
        if not ces:
            out += ["_none found_", ""]
        for i, ce in enumerate(ces[:max_listed], 1):
            cert = ("**certified** by ball arithmetic and confirmed by mpmath" if ce.get("certified") else
                    f"not certified ({ce.get('arb') or 'balls not run'}); confirmed by the mpmath ladder")
            out += [f"### Counterexample {i} ({b}, found by {ce.get('searcher', '?')})", "", cert, "",
                    T.md(T.parameters_of(ce["example"])), "",
                    T.md(T.verdicts_of(ce)), "", "```sh", reproduce_command(key, ce["example"], r.get("source_file")),
                    "```", ""]
        if len(ces) > max_listed:
            out += [f"… and {len(ces) - max_listed} more (all in `results.json`).", ""]
        tight = r.get("tightest")
        if tight:
            out += [f"## Tightest example that holds ({b} primary, {tight.get('searcher')}): "
                    f"slack {T.fmt(tight['slack'])}", "",
                    f"`{json.dumps(tight['example'], sort_keys=True)}`", "", T.md(T.verdicts_of(tight)), ""]
        reasons = r.get("unmet_reasons") or []
        if reasons:
            out += [f"## Why draws were rejected ({b} primary)", "",
                    T.md(pd.DataFrame([{"unmet hypothesis (numbers shown as #)": str(k).replace("|", "\\|"),
                                        "draws": v} for k, v in reasons])), ""]
        errs = r.get("errors") or []
        if errs:
            out += [f"## Examples that raised ({b} primary): {len(errs)}", ""]
            for e in errs[:3]:
                out += [f"`{json.dumps(e['example'], sort_keys=True)}`", "",
                        "```text", str(e.get("traceback", ""))[-2000:], "```", ""]
        arts = r.get("artefacts", [])
        out += [f"## Artefacts ({b} primary): {len(arts)}", ""]
        if arts:
            out += [f"The {b} run said *violated*; higher precision refutes it, or the excess shrinks with the "
                    "precision like its rounding unit (THEORY.md §9).", ""]
        for i, ce in enumerate(arts[:3], 1):
            out += [f"Artefact {i}"
                    f"{' (**certified**: ball arithmetic proves the claim holds here)' if ce.get('certified') else ''}"
                    ": "
                    f"`{json.dumps(ce['example'], sort_keys=True)}`", "", T.md(T.verdicts_of(ce)), ""]
        if len(arts) > 3:
            out += [f"… and {len(arts) - 3} more (all in `results.json`).", ""]
    out += ["[← back to the report](../REPORT.md)", ""]
    return "\n".join(str(x) for x in out)


def _kv(d: dict) -> str:
    return T.md(pd.DataFrame([{"setting": k, "value": T.fmt(v, 8) if not isinstance(v, (list, tuple, dict)) else
                               json.dumps(v, default=str)} for k, v in d.items()]))


def report_page(*, settings: dict, env: dict, wall: float, results: list[dict], mutant_results: list[dict],
                pages: dict[str, str], figs: dict, errors: list[str], premises: list[dict] = (),
                proofs: dict | None = None) -> str:
    out = ["# bnverify report", "",
           f"Generated {settings.get('started', '')} in **{wall:.1f} s** wall time "
           f"({settings.get('workers', 1)} worker process(es)).", "", HOW_TO_READ, "## Run settings", "",
           _kv({"examples per statement, float64 primary": settings["examples_f64"],
                "examples per statement, mpmath primary (50 digits)": settings["examples_mp"],
                "examples per mutant, float64 / mpmath": (f"{settings['mutant_f64']} / {settings['mutant_mp']}"
                                                          if settings.get("mutant_f64") is not None
                                                          else "as statements"),
                "seed (Hypothesis)": settings["seed"] if settings["seed"] is not None else "derandomised (profile ci)",
                "certification": ("every decided verdict up the ladder (--certify all)"
                                  if settings.get("certify") == "all" else
                                  "doubtful verdicts, the 8 tightest and a seeded sample of 32 screened holds per "
                                  "campaign up the ladder; other comfortable holds screened in float64"),
                "Hypothesis profile": settings.get("profile"), "precisions": ", ".join(settings["precisions"]),
                "extra theorem folders": ", ".join(settings["theorems"]) or "–",
                "statements": ", ".join(settings.get("ids") or ()) or "all",
                "command": settings.get("extra", {}).get("command", "")}), "",
           "## Environment", "", _kv(env), ""]
    from bnverify.report.run import one_line

    errors = list(errors) + [f"`{r['key']}` [{r['backend']}]: {one_line(r['error'])}"
                             for r in results + mutant_results if r.get("error")]
    errors += [f"`{r['key']}` [{r['backend']}]: {len(r['errors'])} example(s) raised, first: "
               f"{one_line((str(r['errors'][0].get('traceback', '')).strip().splitlines() or [''])[-1])}"
               for r in results + mutant_results if r.get("errors")]
    if errors:
        out += ["## Errors", "", "These campaigns raised instead of deciding (a bug in a statement or in the "
                "suite); they count as neither holds nor violated.", "", *[f"* {e}" for e in errors], ""]
    by_key: dict[str, list[dict]] = {}
    for r in results:
        by_key.setdefault(r["key"], []).append(r)
    mut_by: dict[str, list[dict]] = {}
    for r in mutant_results:
        mut_by.setdefault(r["key"], []).append(r)
    verdicts = {k: T.statement_verdict(rs) for k, rs in by_key.items()}
    n_viol = sum(1 for v in verdicts.values() if "VIOLATED" in v)
    n_vac = sum(1 for v in verdicts.values() if v.startswith("VACUOUS"))
    enclosures = [k for k, rs in by_key.items() if rs[0].get("bound_source") == "propagated enclosure"]
    theorem_bounds = [k for k, rs in by_key.items() if rs[0].get("kind") in ("upper bound", "lower bound", "existence")
                      and k not in enclosures]
    distinct = sum(r.get("distinct", 0) for r in results)
    draws = sum(r["examples"] for r in results)
    link = (lambda k, r: f"[{k}]({pages[k]})")
    out[2:2] = [f"Code: commit `{env.get('git commit', 'unknown')}`; dependencies: {env.get('lock file', 'unknown')}; "
                f"generated {settings.get('started', '')}; "
                f"wall time {wall:.0f} s. Settings, environment and how to read below.", "", "## Verdicts", "",
                f"{len(by_key)} statement versions: **{sum(1 for v in verdicts.values() if v == 'holds')} hold**, "
                f"{n_viol} violated, "
                f"{sum(1 for v in verdicts.values() if v.startswith('refuted'))} refuted and revised, "
                f"{n_vac} vacuous, {sum(1 for v in verdicts.values() if v.startswith('ERROR'))} raised. "
                f"{distinct} distinct decided examples in {draws} draws "
                "(duplicates and rejected draws are not evidence). "
                f"{len(theorem_bounds)} theorem-level bounds; {len(enclosures)} propagated enclosure(s) "
                f"({', '.join(enclosures) or 'none'}) reported apart. "
                f"Mutants: {sum(1 for rs in mut_by.values() if any(r['counts'].get('violated') for r in rs))} of "
                f"{len(mut_by)} caught.", "",
                T.md(T.verdict_rows(by_key, link)), "",
                "*distinct / draws*: distinct decided cases (by the parameters the decision depends on) over all draws "
                "of all searchers and precisions; *coverage*: share of the cells of the 1-D (10 bins) and 2-D (5×5) "
                "marginals of the decisive parameters reached by examples meeting the hypotheses (float64 campaign); "
                "*tightness*: observed ÷ bound (bound ÷ observed for lower bounds), ≤ 1 when the claim holds, only "
                "where it means something; *bound from*: where the bound is computed from.", ""]
    from bnverify.report.claims import claims_table

    from bnverify.report.premises import markdown as premises_markdown

    out += ["## Paper claims at a glance", "", T.md(pd.DataFrame(claims_table(verdicts))), ""]
    if premises:
        out += [premises_markdown(list(premises))]
    if proofs:
        from bnverify.report.proofs import proofs_markdown

        out += [proofs_markdown(proofs), ""]
    else:
        out += ["## Proved over whole boxes (`bnverify prove`)", "",
                "No certificates in this report folder: `make proofs` proves the shipped region claims into "
                "`certificates/` (kept across report runs).", ""]
    if mut_by:
        out += ["## Mutants (deliberately false variants)", "",
                "Every mutant must be caught by the same search of the same space. *Needles* are false only on a "
                "small part of the region (share measured by a sweep): only a real search finds them. Each searcher "
                "stops at its first confirmed violation; *first detection* counts its draws.", "",
                T.md(T.mutant_rows(mut_by, lambda k, r: f"[{r['describe'].get('mutation') or k}]({pages[k]})")), ""]
    out += figures_section(figs)
    out += ["## Files", "", "* `results.json` — every campaign as machine-readable data (counts, slacks, "
            "every counterexample and artefact with its example);",
            "* `statements/` — one page per statement; `figures/` — the figures above.", ""]
    return "\n".join(out)
