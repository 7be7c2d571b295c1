"""``bnverify deep`` (``make deep``): every statement with a declared space (and, with ``mutants``, every
mutant) through :func:`bnverify.verify.orchestrate.run_campaigns` into a resumable store, and the
markdown summary of what the store holds (:func:`summary_markdown`). Run again to resume; with
``from_store`` nothing is decided, the summary is written from the store (an interrupted run)."""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bnverify.verify.planning import Budget
from bnverify.verify.provenance import git_commit


@dataclass
class DeepSettings:
    """A deep run: where its store and summary go, what it runs, on which runner."""

    store: str = "reports/deep/store"
    summary: str = "reports/deep/SUMMARY.md"
    budget: Budget = field(default_factory=lambda: Budget(hypothesis=1000, sweep=8192, hunt=1024, hunt_restarts=8))
    # or the depth targets (planning.deep_budget): N float64 draws per statement and M per screened
    # reduced-recurrence statement, each times its deep_scale (mutants: needles at 3/p); the budget above
    # then gives only hunt_restarts and certify
    examples: int | None = None
    reduced_examples: int | None = None

    def budget_of(self, stmt, backend: str) -> Budget:
        """The campaign budget of ``stmt`` at ``backend``."""
        if self.examples is None:
            return self.budget
        from bnverify.verify.planning import deep_budget

        m = self.reduced_examples if self.reduced_examples is not None else 10 * self.examples
        b = deep_budget(stmt, self.examples, m, backend, certify=self.budget.certify)
        b.hunt_restarts = self.budget.hunt_restarts
        return b
    seed: int = 0
    backends: tuple = ("float64",)
    statements: tuple = ()  # ids or keys (default all)
    theorems: tuple = ()
    mutants: bool = False
    scheduler: str | None = None
    workers: int | None = None
    from_store: bool = False
    # the report's premise margins (bnverify.report.premises) at this many times its points, in a side
    # process while the campaigns run (0: none); kept in the store folder as premises.json
    premises_factor: int = 16


def _short(commit: str) -> str:
    """A commit as the summary shows it: 12 hex digits, and whether the tree was modified."""
    sha, _, rest = commit.partition(" ")
    return sha[:12] + (" (modified tree)" if "modified" in rest else "")


def summary_markdown(results, *, wall: float, engine_text: str, skipped: dict, budget: Budget, seed,
                     examples: tuple[int, int] | None = None, premises: list[dict] | None = None,
                     runs: list[dict] | None = None, partial: str = "") -> str:
    """A short markdown summary of a run: one row per campaign (draws, distinct decided examples,
    coverage of the declared space, outcomes, tightness sup and where), then every violation found.
    ``runs``: the invocations (legs) that filled the store, from ``runs.json`` (wall time each; the
    first line gives their total); ``wall``: the total when there are none; ``partial``: why the table is not
    the whole budget (a summary written from an interrupted run's store)."""
    import datetime

    legs = [run["wall"] for run in runs or []] or [wall]
    in_legs = f" in {len(legs)} legs" if len(legs) > 1 else ""
    lines = [f"# Deep run: {sum(legs) / 60:.1f} min wall time{in_legs}", ""]
    if partial:
        lines += [f"**Partial:** {partial}", ""]
    per = (f"{examples[0]} float64 draws per statement, {examples[1]} per screened reduced-recurrence statement "
           "(planning.deep_budget; times each statement's deep_scale; each row's draws below)"
           if examples is not None else
           f"Hypothesis {budget.hypothesis}, sweep {budget.sweep} (chunks of {budget.chunk}), hunt {budget.hunt}")
    lines += [f"- engine: {engine_text}; seed {seed}; budget per statement: {per} ({budget.hunt_restarts} restarts)",
              f"- wall time: {sum(legs) / 60:.1f} min{in_legs}{' (each below)' if in_legs else ''}; "
              "decision time (summed over workers): "
              f"{sum(r.seconds for r in results) / 60:.1f} min; "
              f"{sum(r.distinct for r in results)} distinct decided examples in "
              f"{sum(r.examples for r in results)} draws"]
    for run in runs or []:
        when = datetime.datetime.fromtimestamp(run["started"], datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        lines.append(f"- run started {when}, code `{_short(run.get('commit', '?'))}`: {run['wall'] / 60:.1f} min, "
                     f"units stored {run['units_before']} → {run['units_after']}"
                     + ("" if run.get("completed") else " (interrupted)"))
    lines += ["", "| statement | backend | draws | distinct decided | coverage 1-D / 2-D | holds | violated | artefact "
              "| undecided | vacuous | error | tightness sup (searcher) | min slack |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    unreached = [r for r in results if not r.examples]
    for r in results:
        if not r.examples:
            continue
        c = r.counts
        ts = r.tightness_sup["value"] if r.tightness_sup else None
        by = f" ({r.tightness_sup['searcher']})" if r.tightness_sup else ""
        ms = r.min_slack
        cov = r.coverage or {}
        cv = f"{cov['1d']:.0%} / {cov['2d']:.0%}" if cov.get("1d") is not None else ""
        lines.append(f"| `{r.statement}` | {r.backend} | {r.examples} | {r.distinct} | {cv} | {c.get('holds', 0)} | "
                     f"{c.get('violated', 0)} | {c.get('artefact', 0)} | {c.get('undecided', 0)} | "
                     f"{c.get('vacuous', 0)} | {c.get('error', 0)} | {'' if ts is None else f'{ts:.6g}'}{by} | "
                     f"{'' if ms is None else f'{ms:.3g}'} |")
    if unreached:
        lines += ["", f"Not reached ({len(unreached)} campaigns, no unit finished): "
                  + ", ".join(f"`{r.statement}`" for r in unreached)]
    lines += sups_section(results)
    if premises:
        from bnverify.report.premises import markdown as premises_markdown

        lines += ["", premises_markdown(premises)]
    bad = [(r, cx) for r in results for cx in r.counterexamples]
    lines += ["", f"## Violations ({len(bad)})", ""]
    lines += [f"- `{r.statement}` ({cx.get('searcher')}): {cx.get('values')}" for r, cx in bad] or ["none"]
    if skipped:
        lines += ["", "## Not run", ""] + [f"- `{k}`: {why}" for k, why in skipped.items()]
    return "\n".join(lines) + "\n"


def sup_rows(results) -> list[dict]:
    """The run's quantitative claims with their evidence: per statement (mutants left out), the tightness
    sup, the draws and distinct decided examples it is the maximum over, the searcher that found it, its
    slack, whether its verdict is certified, and the attaining example (``sups.json``; the docs quote it)."""
    from bnverify.verify.campaign import record_certified

    rows = []
    for r in results:
        t = r.tightness_sup
        if not t or "+mutant:" in r.statement:
            continue
        best = next((x for x in r.records if x.get("example") == t.get("example")
                     and x.get("tightness") == t["value"]), None)
        ex = t.get("example") or {}
        rows.append(dict(statement=r.statement, backend=r.backend, sup=t["value"], draws=r.examples,
                         distinct=r.distinct, searcher=t["searcher"], slack=t.get("slack"),
                         certified=bool(best is not None and record_certified(best)),
                         screened=bool(best is not None and best.get("screened")),
                         values=t.get("values") or {**(ex.get("hyper") or {}), **(ex.get("instance") or {})},
                         example=ex))
    return rows


THEORY_BEGIN = "<!-- deep-run sups: generated from reports/deep/sups.json (bnverify.report.deep.theory_sups_table) -->"
THEORY_END = "<!-- end of the deep-run sups -->"


def theory_sups_table(sups: dict) -> str:
    """The table docs/THEORY.md quotes (between :data:`THEORY_BEGIN` and :data:`THEORY_END`) from a deep
    run's ``sups.json``: statement, sup, the draws it is the maximum over, the searcher, certified or not;
    ``tests/test_docs.py`` holds THEORY to it, so the quoted sups are the latest deep run's."""
    run = (sups.get("runs") or [{}])[-1]
    commit = str(run.get("commit", "?")).split(" ")[0][:12]
    lines = [THEORY_BEGIN, "",
             f"`make deep` at `{commit}` (reports/deep/SUMMARY.md, where each row's attaining example is spelled "
             "out; sups.json holds it whole):", "",
             "| statement | tightness sup | over draws (distinct decided) | found by | verdict |",
             "|---|---:|---:|---|---|"]
    for w in sups["rows"]:
        verdict = "certified" if w["certified"] else "screened (float64)" if w["screened"] else "float64"
        lines.append(f"| `{w['statement']}` | {w['sup']:.4g} | {w['draws']:,} ({w['distinct']:,}) | {w['searcher']} | "
                     f"{verdict} |")
    return "\n".join(lines + ["", THEORY_END])


def sups_section(results) -> list[str]:
    """:func:`sup_rows` as a markdown section of the summary."""
    rows = sup_rows(results)
    out = ["", f"## Tightness sups ({len(rows)})", "",
           "Each the maximum of observed/bound over the row's decided draws (the docs and derivations quote these; "
           "`sups.json` beside this file holds them with the whole attaining example).",
           "",
           "| statement | sup | over (draws / distinct decided) | searcher | slack | certified | attaining example |",
           "|---|---:|---:|---|---:|---|---|"]
    for w in rows:
        cert = "yes" if w["certified"] else "no (screened)" if w["screened"] else "no"
        vals = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(w["values"].items()))
        slack = "" if w["slack"] is None else f"{w['slack']:.3g}"
        out.append(f"| `{w['statement']}` | {w['sup']:.6g} | {w['draws']} / {w['distinct']} | {w['searcher']} | "
                   f"{slack} | {cert} | {vals} |")
    return out


def _premises_file(settings: DeepSettings) -> str:
    return os.path.join(settings.store, "premises.json")


def _measure_premises(theorems, keys, factor):
    from bnverify.report.premises import measure_all
    from bnverify.verify.registry import load

    return measure_all([s for s in load(theorems) if s.key in keys], factor=factor)


def start_premises(settings: DeepSettings, chosen, log):
    """The premise margins at ``premises_factor`` times the report's points, started in a side process
    (None when off, already stored, or no chosen statement has a measure)."""
    from concurrent.futures import ProcessPoolExecutor

    from bnverify.report.premises import MEASURES

    keys = {s.key for s in chosen if s.id in MEASURES and not s.is_mutant}
    if not settings.premises_factor or not keys or os.path.exists(_premises_file(settings)):
        return None
    log(f"[bnverify] premise margins of {len(keys)} statements at {settings.premises_factor}x the report's "
        "points, in a side process")
    pool = ProcessPoolExecutor(1)
    return pool, pool.submit(_measure_premises, tuple(settings.theorems), keys, settings.premises_factor)


def finish_premises(side, settings: DeepSettings, log) -> None:
    """Wait for the side process and store its rows (a failure is logged, the run goes on)."""
    if side is None:
        return
    try:
        rows = side[1].result()
    except Exception as e:  # noqa: BLE001
        log(f"[bnverify] premise margins failed: {type(e).__name__}: {e}")
        return
    with open(_premises_file(settings), "w") as f:
        json.dump(rows, f, indent=1, default=str)


def stored_premises(settings: DeepSettings) -> list[dict] | None:
    path = _premises_file(settings)
    return json.loads(Path(path).read_text()) if os.path.exists(path) else None


def chosen_statements(settings: DeepSettings) -> tuple[list, dict]:
    """The statements (and mutants) of the run with a declared space, and ``{key: why}`` of those without."""
    from bnverify.verify.registry import load, select

    stmts = select(load(settings.theorems), list(settings.statements))
    stmts += load(settings.theorems, mutants=True) if settings.mutants else []
    skipped, chosen = {}, []
    for s in stmts:
        try:
            s.space()
            chosen.append(s)
        except NotImplementedError as e:
            skipped[s.key] = str(e)
    return chosen, skipped


def stored_results(chosen, store, settings: DeepSettings) -> list:
    """The campaigns as the store holds them (the pinned unit has no seed, the others the run's)."""
    from bnverify.verify.summary import campaign_result

    def records(key, b):
        pinned = [] if settings.seed is None else [r for r in store.records(key, b, seed=None)
                                                   if r.get("searcher") == "pinned"]
        return pinned + store.records(key, b, seed=settings.seed)

    results = []
    for s in chosen:
        for b in settings.backends:
            res = campaign_result(s, records(s.key, b), backend=b, seed=settings.seed, budget=settings.budget_of(s, b))
            res.seconds = float(sum(x.get("seconds") or 0.0 for x in res.records))
            results.append(res)
    return results


def run_deep(settings: DeepSettings, *, log=None) -> float:
    """Run (or, ``from_store``, summarise) the deep run; write its summary (markdown and JSON).
    Returns this leg's wall time. An interrupt leaves every finished unit in the store."""
    from bnverify.verify.orchestrate import run_campaigns
    from bnverify.verify.runners import progress_printer, runner_for
    from bnverify.verify.store import Store

    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    chosen, skipped = chosen_statements(settings)
    store = Store(settings.store)
    runs_file = os.path.join(settings.store, "runs.json")
    runs = json.loads(Path(runs_file).read_text()) if os.path.exists(runs_file) else []
    partial = ""
    if settings.from_store:
        results = stored_results(chosen, store, settings)
        partial = ("" if any(r.get("completed") for r in runs) else
                   f"written from the store ({len(store)} units) of a run that did not finish; "
                   "every row counts only the units that finished")
        text, wall = "(from the store)", sum(r["wall"] for r in runs)
    else:
        t0 = time.perf_counter()
        run = dict(started=time.time(), units_before=len(store), commit=git_commit(), completed=False)
        side = start_premises(settings, chosen, log)
        try:
            with runner_for(settings.scheduler, settings.workers) as runner:
                text = runner.describe()
                log(f"[bnverify] {len(chosen)} statements on {text}; store {settings.store} "
                    f"({len(store)} units already done)")
                results = run_campaigns(chosen, settings.budget_of, runner, store, seed=settings.seed,
                                        backends=settings.backends, progress=progress_printer())
            run["completed"] = True
            finish_premises(side, settings, log)
        finally:
            if side is not None:
                side[0].shutdown(wait=False, cancel_futures=True)
            run.update(wall=time.perf_counter() - t0, units_after=len(store))
            with open(runs_file, "w") as f:
                json.dump(runs + [run], f, indent=1)
        runs.append(run)
        wall = run["wall"]
    out = os.path.abspath(settings.summary)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write(summary_markdown(results, wall=wall, engine_text=text, skipped=skipped, budget=settings.budget,
                                 premises=stored_premises(settings),
                                 examples=None if settings.examples is None else
                                 (settings.examples, settings.reduced_examples or 10 * settings.examples),
                                 seed=settings.seed, runs=runs, partial=partial))
    with open(os.path.splitext(out)[0] + ".json", "w") as f:
        json.dump([r.to_dict() for r in results], f, indent=1, default=str)
    with open(os.path.join(os.path.dirname(out), "sups.json"), "w") as f:
        json.dump(dict(runs=runs, rows=sup_rows(results)), f, indent=1, default=str)
    log(f"[bnverify] wrote {settings.summary} (this leg {wall / 60:.1f} min)")
    return wall
