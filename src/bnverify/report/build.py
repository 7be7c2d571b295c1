"""Building the report folder: campaigns → figures → markdown, written beside ``out`` and swapped
in atomically, so an interrupted run leaves the previous report intact.

Nothing but a report is ever replaced: ``out`` must be new, empty, or a previous report (it holds
the marker file :data:`MARKER` and only the entries a report writes, besides the ``deep/`` folder of
``make deep``, which is kept across the swap); anything else is refused
(:class:`UnsafeOutput`) before any work. Temporary folders ``.<out>.tmp-PID`` / ``.<out>.old-PID``
left by a killed run are removed by the next run when their PID is dead (an ``.old`` one is put
back when ``out`` itself is missing), and named when their run is still alive."""
from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from bnverify.numerics.backends import get_backend
from bnverify.verify.registry import load, select
from bnverify.report import figures as F
from bnverify.report.coverage_fig import coverage_figure
from bnverify.report import markdown as M
from bnverify.report import tables as T
from bnverify.report.run import Job, RunSettings, environment, error_log_text, json_safe, run_jobs, summarise

MARKER = ".bnverify-report"  # written into every report folder; only such folders are replaced
REPORT_ENTRIES = frozenset({"REPORT.md", "statements", "figures", "results.json", "errors.log", MARKER})
# entries of a report folder that another command writes (``make deep``: its resumable store and
# summary); a report keeps them, moving them into the new report folder when it is swapped in
KEPT_ENTRIES = frozenset({"deep"})


class UnsafeOutput(ValueError):
    """``--out`` names a folder that is not a bnverify report: refused, nothing touched."""


def check_out_dir(out: Path) -> None:
    """Refuse (:class:`UnsafeOutput`) an ``out`` that is not new, empty, or a previous report."""
    out = Path(out)
    if not out.exists():
        if out.is_symlink():
            raise UnsafeOutput(f"--out: {out} is a dangling symbolic link")
        return
    if not out.is_dir():
        raise UnsafeOutput(f"--out: not a directory: {out}")
    entries = sorted(p.name for p in out.iterdir() if p.name not in KEPT_ENTRIES)
    if not entries:
        return
    if MARKER not in entries and not _legacy_report(out, entries):
        shown = ", ".join(entries[:3]) + (", …" if len(entries) > 3 else "")
        raise UnsafeOutput(f"--out: {out} is not a bnverify report folder (no {MARKER}; holds {shown}); "
                           "refusing to replace it — give a new folder")
    foreign = [e for e in entries if e not in REPORT_ENTRIES]
    if foreign:
        raise UnsafeOutput(f"--out: {out} holds files a report does not write ({', '.join(foreign[:3])}"
                           f"{', …' if len(foreign) > 3 else ''}); refusing to replace it — move them first")


def _legacy_report(out: Path, entries: list[str]) -> bool:
    """A report written before the marker existed: only report entries, and a results.json
    with the report's own top-level fields."""
    if not {"REPORT.md", "results.json"} <= set(entries) or not set(entries) <= REPORT_ENTRIES:
        return False
    try:
        with open(out / "results.json", encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, ValueError):
        return False
    return isinstance(d, dict) and {"settings", "environment", "statements", "mutants"} <= set(d)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(out: Path) -> list[str]:
    """Deal with ``.<out>.tmp-PID`` / ``.<out>.old-PID`` beside ``out`` left by killed runs: a
    dead run's folder is removed (its ``.old`` copy of the previous report is moved back when
    ``out`` is missing); a live run's is left and named. Returns one message per folder found."""
    out = Path(out)
    msgs = []
    if not out.parent.is_dir():
        return msgs
    for kind in ("old", "tmp"):  # .old first: it may be the only copy of the previous report
        for p in sorted(out.parent.glob(f".{out.name}.{kind}-*")):
            pid_s = p.name.rsplit("-", 1)[-1]
            if not pid_s.isdigit() or not p.is_dir():
                continue
            pid = int(pid_s)
            if pid != os.getpid() and _pid_alive(pid):
                msgs.append(f"{p} belongs to a running process (pid {pid}); left alone")
                continue
            if kind == "old" and not out.exists() and (p / MARKER).exists():
                os.replace(p, out)
                msgs.append(f"{p}: the previous report of a killed run, moved back to {out}")
            else:
                for name in sorted(KEPT_ENTRIES):  # killed between the swap and moving these across
                    if kind == "old" and (p / name).exists() and out.is_dir() and not (out / name).exists():
                        os.replace(p / name, out / name)
                        msgs.append(f"{p / name}: moved back to {out / name}")
                shutil.rmtree(p, ignore_errors=True)
                msgs.append(f"{p}: left by a killed run (pid {pid}), removed")
    return msgs

# figure options for quick runs (tests): horizons and grids
FAST_FIGURES = dict(section6_horizon=150, sharpness_every=25, phase_grid=(12, 10), phase_horizon=400, shift_horizon=200)


def _log(msg: str, quiet: bool):
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def _mut(settings) -> str:
    if settings.mutant_f64 is None:
        return "the same"
    return f"{settings.mutant_f64} / {settings.mutant_mp}"


def report_budget(stmt, n: int, precision: str, *, mutant: bool) -> dict:
    """Examples per searcher of one report campaign from its example count ``n``: float64
    statements split ``n`` over Hypothesis (¼), the Sobol sweep (½) and the CMA-ES hunt (¼), scaled
    by the statement's ``search_scale`` (< 1 where one example costs seconds); mpmath-primary
    campaigns sweep only; mutants give every searcher ``n`` and each stops at its first confirmed
    violation (examples-to-detection per searcher); a needle mutant's float64 campaign sweeps and
    hunts at least its ``ci_budget``."""
    from dataclasses import asdict

    from bnverify.verify.search import Budget

    if n <= 0:
        return asdict(Budget())
    if mutant:
        # a needle (false on ~1 % of the space) gets at least the budget its own test needs for the
        # searchers it names (sweep, then hunt from the sweep's tightest points)
        # (float64 primary: an mpmath-primary campaign of a needle would cost ~100 × its draws)
        needle = getattr(stmt, "needle_share", None) and precision == "float64"
        m = max(n, int(getattr(stmt, "ci_budget", 0) or 0)) if needle else n
        return asdict(Budget(hypothesis=n, sweep=m, hunt=m, chunk=max(8, n if m == n else m // 2)))
    if precision != "float64":
        k = max(1, int(round(n * float(getattr(stmt, "search_scale", 1.0)))))
        return asdict(Budget(sweep=k, chunk=max(1, k)))
    k = max(1, int(round(n * float(getattr(stmt, "search_scale", 1.0)))))
    sweep = max(1, k // 2)
    hyp = k // 4 if k >= 4 else 0
    focus = k // 8 if stmt.space().focus_regions else 0
    return asdict(Budget(hypothesis=hyp, sweep=sweep - focus, hunt=k - hyp - sweep, focus=focus, chunk=max(16, k // 8)))


def selected(settings: RunSettings) -> tuple[list, list]:
    """The statements and mutants ``settings`` asks for (all of them without ``ids``)."""
    stmts = load(settings.theorems)
    muts = load(settings.theorems, mutants=True)
    if settings.ids:
        mut_keys = {k for m in muts for k in (m.key, m.short_key)}
        wanted = [i for i in settings.ids if i not in mut_keys]
        stmts = select(stmts, wanted) if wanted else []
        keys = {s.key for s in stmts}
        muts = [m for m in muts if m.mutant_of in keys or m.key in settings.ids or m.short_key in settings.ids]
    return stmts, muts


def collect(settings: RunSettings, *, progress=None, quiet=False) -> tuple[list[dict], list[dict]]:
    """Campaigns of every statement and every mutant, in every precision of ``settings``."""
    stmts, muts = selected(settings)
    jobs = []
    for group, pool in ((False, stmts), (True, muts)):
        for s in pool:
            for p in settings.precisions:
                if group and settings.mutant_f64 is not None:
                    n = settings.mutant_f64 if p == "float64" else settings.mutant_mp
                else:
                    n = settings.examples_f64 if p == "float64" else settings.examples_mp
                jobs.append(Job(s.key, group, p, n, settings.seed, tuple(settings.theorems),
                                budget=report_budget(s, n, p, mutant=group)))
    _log(f"bnverify: {len(stmts)} statements, {len(muts)} mutants, {len(jobs)} campaigns "
         f"({settings.examples_f64} float64 / {settings.examples_mp} mpmath examples per statement, "
         f"{_mut(settings)} per mutant, "
         f"{settings.workers} worker(s))", quiet)
    res = run_on_engine(stmts + muts, jobs, settings, quiet=quiet)
    return [r for r in res if not r["mutant"]], [r for r in res if r["mutant"]]


def run_on_engine(statements, jobs, settings: RunSettings, *, quiet=False) -> list[dict]:
    """Every job's campaign on the engine (an embedded Dask LocalCluster, ``settings.scheduler``
    or ``BNVERIFY_SCHEDULER`` for a running cluster, or in-process with one worker): the units
    of all campaigns batched, phase 1 (pinned, Hypothesis, sweep) then the hunts, so one heavy
    statement spreads over every worker. Returns the campaigns as report dicts, in job order."""
    from bnverify.verify.engine import Engine, progress_printer, run_campaigns
    from bnverify.verify.search import Budget
    from bnverify.report.run import plain, result_dict

    by_key = {s.key: s for s in statements}
    budgets = {(j.key, get_backend(j.precision).name): Budget(**j.budget) for j in jobs}
    backends = tuple(dict.fromkeys(get_backend(j.precision).name for j in jobs))
    out = {}
    per_backend = {b: [by_key[j.key] for j in jobs if get_backend(j.precision).name == b] for b in backends}
    # every precision of the same statements: one batch (its two phase barriers are shared, so the
    # mpmath units fill the float64 batch's tail); otherwise one batch per precision
    if all([s.key for s in v] == [s.key for s in per_backend[backends[0]]] for v in per_backend.values()):
        batches = [(per_backend[backends[0]], backends)]
    else:
        batches = [(v, (b,)) for b, v in per_backend.items()]
    with Engine(scheduler=getattr(settings, "scheduler", None), workers=settings.workers) as eng:
        for stmts, bks in batches:
            results = run_campaigns(stmts, lambda s, bk: budgets[(s.key, get_backend(bk).name)], seed=settings.seed,
                                    backends=bks, engine=eng, progress=None if quiet else progress_printer())
            for (stmt, b), res in zip(((s, b) for s in stmts for b in bks), results):
                d = result_dict(res, mutant=stmt.is_mutant, statement=stmt)
                d["points"] = plain([{"values": r["values"], "slack": r["slack"], "outcome": r["outcome"],
                                      "searcher": r["searcher"]} for r in res.records if r.get("values") is not None])
                out[(stmt.key, b)] = d
    return [out[(j.key, get_backend(j.precision).name)] for j in jobs]


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


def measure_premises(settings: RunSettings, keys: set, *, fast: bool = False, quiet=False) -> list[dict]:
    """:mod:`bnverify.report.premises` for the reported statements that have a measure (a failure
    is recorded in its row, it does not sink the report)."""
    from bnverify.report import premises as P

    t0 = time.perf_counter()
    rows = []
    for stmt in load(settings.theorems):
        if stmt.key not in keys or stmt.id not in P.MEASURES:
            continue
        try:
            rows.append(P.MEASURES[stmt.id](stmt, **({"n": 8} if fast else {})))
        except Exception as e:  # noqa: BLE001
            rows.append({"statement": stmt.key, "measure": "failed", "points": 0, "skipped": 0,
                         "quantiles": {"n": 0}, "error": f"{type(e).__name__}: {e}"})
    _log(f"bnverify: premise margins: {time.perf_counter() - t0:.1f} s", quiet)
    return rows


def figures_and_premises(fig_dir: Path, settings: RunSettings, keys: set, fast: bool,
                         quiet: bool) -> tuple[dict, list[dict]]:
    """The report's figures and the premise margins of the statements ``keys`` (their own work: no
    campaign result is read)."""
    return (make_figures(fig_dir, fast=fast, quiet=quiet),
            measure_premises(settings, keys, fast=fast, quiet=quiet))


@contextlib.contextmanager
def beside_campaigns(settings: RunSettings, fig_dir: Path, fast: bool, quiet: bool):
    """A function returning ``(figures, premise rows)``. While the campaigns run on the engine's
    workers, compute the figures and premise margins in
    one more process (spawned: this one holds the Dask client's threads), so they fill the cores the
    campaigns leave idle (the tail of each batch) instead of running after them on one core. With
    an in-process engine (``workers=1`` or ``inline``) they run after the campaigns, in this
    process, as before. A side process that fails is not fatal: its work is redone here."""
    from bnverify.verify.engine import INLINE, SCHEDULER_ENV

    scheduler = getattr(settings, "scheduler", None) or os.environ.get(SCHEDULER_ENV)
    args = (fig_dir, settings, {s.key for s in selected(settings)[0]}, fast, quiet)
    if scheduler == INLINE or (scheduler is None and settings.workers == 1):
        yield lambda: figures_and_premises(*args)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from bnverify.report.run import die_with_parent

    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=die_with_parent,
                               initargs=(os.getpid(),))
    fut = pool.submit(figures_and_premises, *args)

    def result():
        try:
            return fut.result()
        except Exception as e:  # noqa: BLE001  (a broken side process: do its work here)
            _log(f"bnverify: figures process failed ({type(e).__name__}: {e}); redoing them here", quiet)
            return figures_and_premises(*args)

    try:
        yield result
    except BaseException:  # interrupted or failed: the side process must not outlive the run
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def write_report(out: Path, settings: RunSettings, *, progress=None, fast_figures=False, quiet=False) -> dict:
    """Run everything and write the report folder ``out`` (atomically replaced). Returns a
    summary dict (wall time, counts, paths)."""
    out = Path(out).resolve()
    check_out_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for m in clean_leftovers(out):
        _log(f"bnverify: {m}", quiet)
    check_out_dir(out)  # a restored previous report is still a report
    t0 = time.perf_counter()
    settings.started = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        (tmp / "statements" / "img").mkdir(parents=True)
        (tmp / "figures").mkdir()
        (tmp / MARKER).write_text("a bnverify report folder: `bnverify report --out` may replace it\n",
                                  encoding="utf-8")
        with beside_campaigns(settings, tmp / "figures", fast_figures, quiet) as side:
            results, mutant_results = collect(settings, progress=progress, quiet=quiet)
            t_campaigns = time.perf_counter() - t0
            figs, premise_rows = side()
        env = environment()
        pages: dict[str, str] = {}
        by_key: dict[str, list[dict]] = {}
        for r in results + mutant_results:
            by_key.setdefault(r["key"], []).append(r)
        for key, rs in by_key.items():
            name = T.sanitise(key)
            fig = F.slack_histogram(rs, tmp / "statements" / "img" / f"{name}-slack.png", f"{key}: final slack per example")
            try:
                cov = coverage_figure(rs, rs[0].get("covered_params") or [], tmp / "statements" / "img" / f"{name}-coverage.png",
                                      f"{key}: float64 draws over the two most influential parameters")
            except Exception as e:  # noqa: BLE001  (a figure must not sink the verification report)
                figs["_errors"][f"coverage {key}"] = f"{type(e).__name__}: {e}"
                cov = None
            page = M.statement_page(key, rs, final_dir=out, figure=f"img/{fig.name}",
                                    coverage_figure=f"img/{cov.name}" if cov is not None else None)
            (tmp / "statements" / f"{name}.md").write_text(page, encoding="utf-8")
            pages[key] = f"statements/{name}.md"
        wall = time.perf_counter() - t0
        text = M.report_page(settings=settings.to_dict(), env=env, wall=wall, results=results,
                             mutant_results=mutant_results, pages=pages, figs=figs, errors=[],
                             premises=premise_rows)
        (tmp / "REPORT.md").write_text(text, encoding="utf-8")
        payload = dict(settings=settings.to_dict(), environment=env, wall_seconds=wall,
                       campaign_seconds=t_campaigns, statements=results, mutants=mutant_results,
                       figures={k: v for k, v in figs.items() if k != "_errors"}, figure_errors=figs["_errors"],
                       premises=premise_rows)
        (tmp / "results.json").write_text(json.dumps(json_safe(payload), indent=1, sort_keys=True), encoding="utf-8")
        summary = summarise(results + mutant_results)
        if summary["errors"]:
            (tmp / "errors.log").write_text(error_log_text(summary["errors"]), encoding="utf-8")
        # swap in: move the old report aside, the new one in, then delete the old one (signals
        # are held for the two renames, so a report folder is always there)
        check_out_dir(out)  # nothing foreign appeared while the campaigns ran
        hold = getattr(signal, "pthread_sigmask", None)
        blocked = {signal.SIGINT, signal.SIGTERM}
        if hold is not None:
            hold(signal.SIG_BLOCK, blocked)
        try:
            if out.exists():
                os.replace(out, old)
            os.replace(tmp, out)
            for name in sorted(KEPT_ENTRIES):  # the deep run's store and summary stay
                if (old / name).exists():
                    os.replace(old / name, out / name)
        finally:
            if hold is not None:
                hold(signal.SIG_UNBLOCK, blocked)
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists():
            if out.exists():  # interrupted after the swap: the new report is in place
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(old, out)
        raise
    return dict(out=str(out), wall=time.perf_counter() - t0, campaigns_seconds=t_campaigns,
                statements=len({r["key"] for r in results}), mutants=len({r["key"] for r in mutant_results}),
                violated=len(summary["violated"]), violated_keys=summary["violated"],
                mutants_missed=summary["mutants_missed"], undecided=summary["undecided"],
                figure_errors=figs["_errors"],
                errors=[f"{e['key']} [{e['backend']}]: {e['message']}" for e in summary["errors"]],
                error_log=str(out / "errors.log") if summary["errors"] else None, summary=summary)
