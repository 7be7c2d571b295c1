"""Building the report folder: campaigns → figures → markdown, written beside ``out`` and swapped
in atomically, so an interrupted run leaves the previous report intact."""
from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import sys
import time
from pathlib import Path

from ..registry import load, select
from . import figures as F
from . import markdown as M
from . import tables as T
from .run import Job, RunSettings, environment, json_safe, run_jobs

# figure options for quick runs (tests): horizons and grids
FAST_FIGURES = dict(section6_horizon=150, sharpness_every=25, phase_grid=(12, 10), phase_horizon=400, shift_horizon=200)


def _log(msg: str, quiet: bool):
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def _mut(settings) -> str:
    if settings.mutant_f64 is None:
        return "the same"
    return f"{settings.mutant_f64} / {settings.mutant_mp}"


def collect(settings: RunSettings, *, progress=None, quiet=False) -> tuple[list[dict], list[dict]]:
    """Campaigns of every statement and every mutant, in every precision of ``settings``."""
    stmts = load(settings.theorems)
    muts = load(settings.theorems, mutants=True)
    if settings.ids:
        mut_keys = {m.key for m in muts}
        wanted = [i for i in settings.ids if i not in mut_keys]
        stmts = select(stmts, wanted) if wanted else []
        keys = {s.key for s in stmts}
        muts = [m for m in muts if m.mutant_of in keys or m.key in settings.ids]
    jobs = []
    for group, pool in ((False, stmts), (True, muts)):
        for s in pool:
            for p in settings.precisions:
                if group and settings.mutant_f64 is not None:
                    n = settings.mutant_f64 if p == "float64" else settings.mutant_mp
                else:
                    n = settings.examples_f64 if p == "float64" else settings.examples_mp
                jobs.append(Job(s.key, group, p, n, settings.seed, tuple(settings.theorems)))
    _log(f"bnverify: {len(stmts)} statements, {len(muts)} mutants, {len(jobs)} campaigns "
         f"({settings.examples_f64} float64 / {settings.examples_mp} mpmath examples per statement, "
         f"{_mut(settings)} per mutant, "
         f"{settings.workers} worker(s))", quiet)
    res = run_jobs(jobs, workers=settings.workers, progress=progress)
    return [r for r in res if not r["mutant"]], [r for r in res if r["mutant"]]


def make_figures(fig_dir: Path, *, fast: bool = False, quiet=False) -> dict:
    o = FAST_FIGURES if fast else {}
    figs: dict = {"_errors": {}}
    tasks = {
        "section6_square": lambda: F.section6("square", fig_dir / "section6_square.png",
                                              horizon=o.get("section6_horizon"), sharpness_every=o.get("sharpness_every")),
        "section6_logistic": lambda: F.section6("logistic", fig_dir / "section6_logistic.png",
                                                horizon=o.get("section6_horizon"), sharpness_every=o.get("sharpness_every")),
        "phase": lambda: F.phase_diagram(fig_dir / "phase_diagram.png", grid=o.get("phase_grid"),
                                         horizon=o.get("phase_horizon")),
        "shift": lambda: F.precision_shift(fig_dir / "float64_vs_mpmath.png", horizon=o.get("shift_horizon")),
    }
    for name, f in tasks.items():
        t0 = time.perf_counter()
        try:
            figs[name] = f()
            figs[name]["rel"] = "figures/" + Path(figs[name]["path"]).name
        except Exception as e:  # noqa: BLE001  (a figure must not sink the verification report)
            figs["_errors"][name] = f"{type(e).__name__}: {e}"
        _log(f"bnverify: figure {name}: {time.perf_counter() - t0:.1f} s", quiet)
    return figs


def write_report(out: Path, settings: RunSettings, *, progress=None, fast_figures=False, quiet=False) -> dict:
    """Run everything and write the report folder ``out`` (atomically replaced). Returns a
    summary dict (wall time, counts, paths)."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    settings.started = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        (tmp / "statements" / "img").mkdir(parents=True)
        (tmp / "figures").mkdir()
        results, mutant_results = collect(settings, progress=progress, quiet=quiet)
        t_campaigns = time.perf_counter() - t0
        figs = make_figures(tmp / "figures", fast=fast_figures, quiet=quiet)
        env = environment()
        pages: dict[str, str] = {}
        by_key: dict[str, list[dict]] = {}
        for r in results + mutant_results:
            by_key.setdefault(r["key"], []).append(r)
        for key, rs in by_key.items():
            name = T.sanitise(key)
            fig = F.slack_histogram(rs, tmp / "statements" / "img" / f"{name}-slack.png", f"{key}: final slack per example")
            page = M.statement_page(key, rs, final_dir=out, figure=f"img/{fig.name}")
            (tmp / "statements" / f"{name}.md").write_text(page, encoding="utf-8")
            pages[key] = f"statements/{name}.md"
        wall = time.perf_counter() - t0
        text = M.report_page(settings=settings.to_dict(), env=env, wall=wall, results=results,
                             mutant_results=mutant_results, pages=pages, figs=figs, errors=[])
        (tmp / "REPORT.md").write_text(text, encoding="utf-8")
        payload = dict(settings=settings.to_dict(), environment=env, wall_seconds=wall,
                       campaign_seconds=t_campaigns, statements=results, mutants=mutant_results,
                       figures={k: v for k, v in figs.items() if k != "_errors"}, figure_errors=figs["_errors"])
        (tmp / "results.json").write_text(json.dumps(json_safe(payload), indent=1, sort_keys=True), encoding="utf-8")
        # swap in: move the old report aside, the new one in, then delete the old one
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dict(out=str(out), wall=time.perf_counter() - t0, campaigns_seconds=t_campaigns,
                statements=len({r["key"] for r in results}), mutants=len({r["key"] for r in mutant_results}),
                violated=sum(1 for r in results if r["counts"]["violated"] and not r.get("known_false")),
                mutants_missed=sorted({r["key"] for r in mutant_results} -
                                      {r["key"] for r in mutant_results if r["counts"]["violated"]}),
                figure_errors=figs["_errors"],
                errors=[f"{r['key']} [{r['backend']}]: {r['error'].splitlines()[0][:200]}"
                        for r in results + mutant_results if r.get("error")])
