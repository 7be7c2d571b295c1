"""Building the report folder: campaigns → figures → markdown, written beside ``out`` and swapped
in atomically, so an interrupted run leaves the previous report intact.

Nothing but a report is ever replaced: ``out`` must be new, empty, or a previous report — its
marker file :data:`MARKER` lists every file the report wrote with its sha256, and the folder holds
exactly those, unchanged, at any depth (besides the ``deep/`` folder of ``make deep`` and the
``certificates/`` folder of ``make proofs``, which are kept across the swap); anything else is
refused, naming the file (:class:`UnsafeOutput`), before
any work. A run whose exit status is not 0 never replaces a previous report: its report goes to
``<out>.failed``. Temporary folders ``.<out>.tmp-PID`` / ``.<out>.old-PID``
left by a killed run are removed by the next run when their PID is dead (an ``.old`` one is put
back when ``out`` itself is missing), and named when their run is still alive."""
from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from bnverify.verify.registry import load, select
from bnverify.report import figures as F
from bnverify.report.coverage_fig import coverage_figure
from bnverify.report import markdown as M
from bnverify.report import tables as T
from bnverify.report.run import (RunSettings, campaign_dict, environment, error_log_text, exit_status, json_safe,
                                 run_outcome)

MARKER = ".bnverify-report"  # written into every report folder, with the manifest of what the report wrote
MARKER_NOTE = "a bnverify report folder: `bnverify report --out` may replace it (files: what it wrote, sha256)"
REPORT_ENTRIES = frozenset({"REPORT.md", "statements", "figures", "results.json", "errors.log", MARKER})
REPORT_DIRS = frozenset({"statements", "statements/img", "figures"})  # created by every report, even if empty
# entries of a report folder that another command writes (``make deep``: its resumable store and
# summary; ``make proofs``: the region claims' certificates and their summary); a report keeps them,
# moving them into the new report folder when it is swapped in
KEPT_ENTRIES = frozenset({"deep", "certificates"})


class UnsafeOutput(ValueError):
    """``--out`` names a folder that is not a bnverify report: refused, nothing touched."""


def failed_dir(out: Path) -> Path:
    """Where a run that exits non-zero writes its report when ``out`` holds a previous one
    (``<out>.failed``): a failed run never replaces a report."""
    out = Path(out)
    return out.parent / f"{out.name}.failed"


def check_out_dir(out: Path) -> None:
    """Refuse (:class:`UnsafeOutput`) an ``out`` that is not new, empty, or a previous report
    holding only what that report wrote (its manifest), at any depth and unchanged."""
    out = Path(out)
    if out.is_symlink() and not out.exists():
        raise UnsafeOutput(f"--out: {out} is a dangling symbolic link")
    if not out.exists():
        return
    if not out.is_dir():
        raise UnsafeOutput(f"--out: not a directory: {out}")
    entries = sorted(p.name for p in out.iterdir() if p.name not in KEPT_ENTRIES)
    if not entries:
        return
    written = report_manifest(out)
    if written is None:
        shown = ", ".join(entries[:3]) + (", …" if len(entries) > 3 else "")
        raise UnsafeOutput(f"--out: {out} is not a bnverify report folder (no {MARKER}; holds {shown}); "
                           "refusing to replace it — give a new folder")
    foreign = foreign_files(out, written)
    if foreign:
        raise UnsafeOutput(f"--out: {out} holds {foreign[0]}, which the report did not write"
                           f"{f' (and {len(foreign) - 1} more)' if len(foreign) > 1 else ''}; "
                           "refusing to replace it — move it first")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _entries(folder: Path) -> list[tuple[str, Path]]:
    """Every file, folder and link under ``folder`` as ``(relative path, path)``, sorted; links are
    not followed, the marker and the kept entries (and what they hold) are left out."""
    found = []
    for root, dirs, files in os.walk(folder):
        if Path(root) == Path(folder):
            dirs[:] = [d for d in dirs if d not in KEPT_ENTRIES]
        for name in dirs + files:
            p = Path(root) / name
            rel = p.relative_to(folder).as_posix()
            if rel != MARKER and rel not in KEPT_ENTRIES:
                found.append((rel, p))
    return sorted(found)


def written_files(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (the marker and the kept entries excepted), relative path →
    sha256: the manifest a report records of what it wrote."""
    return {rel: _sha256(p) for rel, p in _entries(folder) if p.is_file() and not p.is_symlink()}


def report_manifest(out: Path) -> dict[str, str | None] | None:
    """What the report in ``out`` wrote (relative path → sha256, or None where a report written
    before manifests existed cannot say), or None when ``out`` is not a report."""
    try:
        d = json.loads((out / MARKER).read_text(encoding="utf-8"))
        if isinstance(d, dict) and isinstance(d.get("files"), dict):
            return d["files"]
    except (OSError, ValueError):
        pass
    return _legacy_manifest(out)


def _legacy_manifest(out: Path) -> dict[str, None] | None:
    """A report written before the manifest: the file names its results.json implies (content
    unchecked), or only ``REPORT.md`` when it has none; None when ``out`` is no report at all."""
    entries = {p.name for p in out.iterdir() if p.name not in KEPT_ENTRIES}
    if not entries <= REPORT_ENTRIES or not ((MARKER in entries and "REPORT.md" in entries)
                                            or {"REPORT.md", "results.json"} <= entries):
        return None
    names = {"REPORT.md", "errors.log"}
    try:
        with open(out / "results.json", encoding="utf-8") as f:
            d = json.load(f)
    except FileNotFoundError:
        d = None
    except (OSError, ValueError):
        return None
    if d is not None:
        if not (isinstance(d, dict) and {"settings", "environment", "statements", "mutants"} <= set(d)):
            return None
        names.add("results.json")
        for r in d["statements"] + d["mutants"]:
            name = T.sanitise(r["key"])
            names |= {f"statements/{name}.md", f"statements/img/{name}-slack.png",
                      f"statements/img/{name}-coverage.png"}
        names |= {f["rel"] for f in d.get("figures", {}).values() if isinstance(f, dict) and f.get("rel")}
    elif MARKER not in entries:
        return None
    return dict.fromkeys(names)


def foreign_files(out: Path, written: dict[str, str | None]) -> list[str]:
    """Paths under ``out`` (relative, sorted) that the report did not write or that changed since:
    files outside ``written``, symbolic links, folders holding none of its files."""
    dirs = set(REPORT_DIRS) | {"/".join(k.split("/")[:i]) for k in written for i in range(1, k.count("/") + 1)}
    foreign = []
    for rel, p in _entries(out):
        if p.is_symlink():
            foreign.append(f"{rel} (a symbolic link)")
        elif p.is_dir():
            if rel not in dirs:
                foreign.append(rel + "/")
        elif rel not in written:
            foreign.append(rel)
        elif written[rel] is not None and _sha256(p) != written[rel]:
            foreign.append(f"{rel} (changed since the report wrote it)")
    return foreign


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


def campaign_examples(settings: RunSettings, stmt, precision: str) -> int:
    """Examples of one report campaign: the statement's or, when ``settings`` gives them, the mutant's."""
    if stmt.is_mutant and settings.mutant_f64 is not None:
        return settings.mutant_f64 if precision == "float64" else settings.mutant_mp
    return settings.examples_f64 if precision == "float64" else settings.examples_mp


def collect(settings: RunSettings, *, progress=None, quiet=False) -> tuple[list[dict], list[dict]]:
    """Campaigns of every statement and every mutant, in every precision of ``settings``, through
    :func:`bnverify.verify.orchestrate.run_campaigns` on the runner of ``settings`` (an embedded Dask
    LocalCluster, ``settings.scheduler`` or ``BNVERIFY_SCHEDULER`` for a running cluster, or
    in-process with one worker). Returns the statements' and the mutants' campaigns as report dicts."""
    from bnverify.verify.orchestrate import run_campaigns
    from bnverify.verify.planning import campaign_budget
    from bnverify.verify.runners import progress_printer, runner_for

    stmts, muts = selected(settings)
    campaigns = (len(stmts) + len(muts)) * len(settings.precisions)
    _log(f"bnverify: {len(stmts)} statements, {len(muts)} mutants, {campaigns} "
         f"campaigns ({settings.examples_f64} float64 / {settings.examples_mp} mpmath examples per statement, "
         f"{_mut(settings)} per mutant, "
         f"{settings.workers} worker(s))", quiet)

    def budget(stmt, precision):
        return campaign_budget(stmt, campaign_examples(settings, stmt, precision), precision, certify=settings.certify)

    with runner_for(settings.scheduler, settings.workers) as runner:
        results = run_campaigns(stmts + muts, budget, runner, seed=settings.seed, backends=settings.precisions,
                                progress=progress or (None if quiet else progress_printer()))
    dicts = [campaign_dict(res, s) for res, s in zip(results, (s for s in stmts + muts for _ in settings.precisions))]
    return [d for d in dicts if not d["mutant"]], [d for d in dicts if d["mutant"]]


def make_figures(fig_dir: Path, *, fast: bool = False, quiet=False) -> dict:
    o = FAST_FIGURES if fast else {}
    figs: dict = {"_errors": {}}
    tasks = {
        "section6_square": lambda: F.section6("square", fig_dir / "section6_square.png",
                                              horizon=o.get("section6_horizon"),
                                              sharpness_every=o.get("sharpness_every")),
        "section6_logistic": lambda: F.section6("logistic", fig_dir / "section6_logistic.png",
                                                horizon=o.get("section6_horizon"),
                                                sharpness_every=o.get("sharpness_every")),
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
    from bnverify.verify.runners import INLINE, SCHEDULER_ENV

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


def prepare_out(out: Path | str, quiet: bool = True) -> None:
    """Before any work: ``out`` and ``<out>.failed`` must be new, empty or previous reports
    (:func:`check_out_dir`), beside a folder this process can write, and ``out`` no mount point (it
    is swapped by renaming); leftovers of killed runs are dealt with (:func:`clean_leftovers`)."""
    if not str(out).strip():  # Path("") is the current folder
        raise UnsafeOutput("--out: empty folder name (an unset shell variable?)")
    out = Path(out)
    check_out_dir(out)
    out = out.resolve()
    if out.is_dir() and os.path.ismount(out):
        raise UnsafeOutput(f"--out: {out} is a mount point; the report is swapped in by renaming — "
                           "give a folder inside it")
    parent = next((p for p in [out.parent, *out.parent.parents] if p.exists()), None)
    if parent is None or not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(13, "Permission denied", str(parent or out.parent))
    out.parent.mkdir(parents=True, exist_ok=True)
    for folder in (out, failed_dir(out)):
        for m in clean_leftovers(folder):
            _log(f"bnverify: {m}", quiet)
        check_out_dir(folder)  # a restored previous report is still a report


def _swap_in(tmp: Path, dest: Path) -> None:
    """Move the finished folder ``tmp`` in as ``dest``: the previous one aside, the new one in
    (signals held for the two renames, so a report folder is always there), the kept entries
    across, then the previous one deleted."""
    old = dest.parent / f".{dest.name}.old-{os.getpid()}"
    hold = getattr(signal, "pthread_sigmask", None)
    blocked = {signal.SIGINT, signal.SIGTERM}
    if hold is not None:
        hold(signal.SIG_BLOCK, blocked)
    try:
        if dest.exists():
            os.replace(dest, old)
        os.replace(tmp, dest)
        for name in sorted(KEPT_ENTRIES):  # the deep run's store and summary stay
            if (old / name).exists():
                os.replace(old / name, dest / name)
    except BaseException:
        if old.exists() and not dest.exists():
            os.replace(old, dest)
        raise
    finally:
        if hold is not None:
            hold(signal.SIG_UNBLOCK, blocked)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def proofs_summary(out: Path) -> dict | None:
    """The summary ``make proofs`` wrote into the report folder's kept ``certificates/`` (None if
    there is none, or it cannot be read)."""
    try:
        return json.loads((Path(out) / "certificates" / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_report(out: Path, settings: RunSettings, *, progress=None, fast_figures=False, quiet=False) -> dict:
    """Run everything and write the report folder ``out`` (atomically replaced). A run whose exit
    status is not 0 never replaces a previous report: it goes to :func:`failed_dir` instead.
    Returns a summary dict (wall time, counts, paths, ``status``, ``replaced``)."""
    prepare_out(out, quiet)
    out = Path(out).resolve()
    t0 = time.perf_counter()
    settings.started = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        (tmp / "statements" / "img").mkdir(parents=True)
        (tmp / "figures").mkdir()
        with beside_campaigns(settings, tmp / "figures", fast_figures, quiet) as side:
            results, mutant_results = collect(settings, progress=progress, quiet=quiet)
            t_campaigns = time.perf_counter() - t0
            figs, premise_rows = side()
        summary = run_outcome(results + mutant_results)
        status = exit_status(summary, mutants_count=False)
        previous = out.is_dir() and report_manifest(out) is not None
        dest = failed_dir(out) if status != 0 and previous else out
        env = environment()
        pages: dict[str, str] = {}
        by_key: dict[str, list[dict]] = {}
        for r in results + mutant_results:
            by_key.setdefault(r["key"], []).append(r)
        for key, rs in by_key.items():
            name = T.sanitise(key)
            fig = F.slack_histogram(rs, tmp / "statements" / "img" / f"{name}-slack.png",
                                    f"{key}: final slack per example")
            try:
                cov = coverage_figure(rs, rs[0].get("covered_params") or [],
                                      tmp / "statements" / "img" / f"{name}-coverage.png", f"{key}: coverage map")
            except Exception as e:  # noqa: BLE001  (a figure must not sink the verification report)
                figs["_errors"][f"coverage {key}"] = f"{type(e).__name__}: {e}"
                cov = None
            page = M.statement_page(key, rs, final_dir=dest, figure=f"img/{fig.name}",
                                    coverage_figure=f"img/{cov['path'].name}" if cov is not None else None,
                                    coverage_caption=cov["caption"] if cov is not None else None)
            (tmp / "statements" / f"{name}.md").write_text(page, encoding="utf-8")
            pages[key] = f"statements/{name}.md"
        wall = time.perf_counter() - t0
        text = M.report_page(settings=settings.to_dict(), env=env, wall=wall, results=results,
                             mutant_results=mutant_results, pages=pages, figs=figs, errors=[],
                             premises=premise_rows, proofs=proofs_summary(dest))
        (tmp / "REPORT.md").write_text(text, encoding="utf-8")
        payload = dict(settings=settings.to_dict(), environment=env, wall_seconds=wall,
                       campaign_seconds=t_campaigns, statements=results, mutants=mutant_results,
                       figures={k: v for k, v in figs.items() if k != "_errors"}, figure_errors=figs["_errors"],
                       premises=premise_rows)
        (tmp / "results.json").write_text(json.dumps(json_safe(payload), indent=1, sort_keys=True), encoding="utf-8")
        if summary["errors"]:
            (tmp / "errors.log").write_text(error_log_text(summary["errors"]), encoding="utf-8")
        (tmp / MARKER).write_text(json.dumps({"note": MARKER_NOTE, "files": written_files(tmp)}, indent=1,
                                             sort_keys=True), encoding="utf-8")
        check_out_dir(dest)  # nothing foreign appeared while the campaigns ran
        _swap_in(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dict(out=str(dest), replaced=dest == out, status=status, wall=time.perf_counter() - t0,
                campaigns_seconds=t_campaigns,
                statements=len({r["key"] for r in results}), mutants=len({r["key"] for r in mutant_results}),
                violated=len(summary["violated"]), violated_keys=summary["violated"],
                mutants_missed=summary["mutants_missed"], undecided=summary["undecided"],
                figure_errors=figs["_errors"],
                errors=[f"{e['key']} [{e['backend']}]: {e['message']}" for e in summary["errors"]],
                error_log=str(dest / "errors.log") if summary["errors"] else None, summary=summary)
