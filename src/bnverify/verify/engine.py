"""Running units of work (:class:`bnverify.verify.search.Unit`) on Dask distributed, or in-process.

A campaign is a pure function of (statement, budget, seed, backend), split into units — one chunk
of examples of one statement from one searcher — so one heavy statement spreads over every
worker. :class:`Engine` holds a Dask client:

* default: an embedded ``LocalCluster`` (worker processes, one thread each, one worker per core,
  no dashboard), started by the engine and stopped when it closes;
* ``scheduler=ADDRESS`` (or the environment variable ``BNVERIFY_SCHEDULER``): a running cluster
  (its workers need bnverify installed, same version);
* ``workers=1`` or ``scheduler="inline"``: no Dask at all, units run one after the other in this
  process — identical records (the ``seconds`` fields aside).

Statements travel to the workers with the units (``statements=``: cloudpickled once per statement;
the modules of a user theorem folder, ``bnverify_theorems_<hash>_<stem>``, which a worker cannot
import by name, are pickled by value). A unit without a statement is loaded on the worker by key
(shipped statements). Tasks are pure and submitted with ``retries``: a worker that dies mid-unit
(killed, out of memory) has its units run again elsewhere, so no example is lost; a unit that
raises is retried, then the error is raised here.

With a :class:`bnverify.verify.store.Store`, finished units are written as they finish and units already
stored are not run again (resumable runs). :func:`run_campaigns` runs phase 1 (Hypothesis,
sweep chunks, pinned examples) of *all* campaigns as one batch, then every hunt, then summarises
each campaign — so the cluster stays busy across statements.

Ctrl-C (and SIGTERM, turned into ``KeyboardInterrupt`` while an engine runs in the main thread)
closes the client and the embedded cluster, whose worker processes end with it.
"""
from __future__ import annotations

import hashlib
import inspect
import logging
import os
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bnverify.verify.provenance import git_commit
from bnverify.verify.search import (Budget, Unit, pinned_records, plan_certify, plan_first, plan_hunt, run_unit,
                                    summarise)

SCHEDULER_ENV = "BNVERIFY_SCHEDULER"
INLINE = "inline"
RETRIES = 3
USER_MODULE_PREFIX = "bnverify_theorems_"
SCHEDULER_SCHEMES = ("tcp", "tls")


def check_scheduler(address: str, *, source: str = "--scheduler", timeout: float = 5.0) -> str:
    """``address`` as given, once it is ``inline`` or ``[tcp://|tls://]host:port`` with a scheduler
    listening there; otherwise ValueError, one line naming ``source`` (the flag or the variable).
    Called before any work: a closed port is refused in seconds, not after the run."""
    import socket

    if address == INLINE:
        return address
    scheme, sep, rest = address.strip().rpartition("://")
    host, colon, port = rest.rpartition(":")
    host = host.strip("[]")
    if (sep and scheme not in SCHEDULER_SCHEMES) or not colon or not host or "/" in rest \
            or not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"{source}: expected '{INLINE}' or a Dask scheduler address "
                         f"[{'|'.join(s + '://' for s in SCHEDULER_SCHEMES)}]HOST:PORT, got {address!r}")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as e:
        raise ValueError(f"{source}: no Dask scheduler answers at {address} "
                         f"({e.strerror or type(e).__name__})") from None
    return address


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover (not Linux)
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class PinnedUnit:
    """The pinned examples of one campaign (known hard cases), decided as one unit of work."""

    key: str
    backend: str = "float64"
    mutant: bool = False
    theorems: tuple = ()
    searcher: str = "pinned"
    seed: int | None = None

    @property
    def id(self) -> str:
        return f"{self.key}|{self.backend}|pinned"

    def to_dict(self) -> dict:
        return asdict(self)


# --- shipping statements ------------------------------------------------------------------------
def _register_user_modules() -> None:
    """Pickle the modules of user theorem folders by value (a worker cannot import them by name)."""
    import cloudpickle

    for name, mod in list(sys.modules.items()):
        if name.startswith(USER_MODULE_PREFIX) and mod is not None and name not in _BY_VALUE:
            cloudpickle.register_pickle_by_value(mod)
            _BY_VALUE.add(name)


_BY_VALUE: set[str] = set()


def pickle_statement(stmt) -> bytes:
    """``stmt`` as bytes a worker can load without the user's theorem folder."""
    import cloudpickle

    _register_user_modules()
    return cloudpickle.dumps(stmt)


_LOADED: dict[str, object] = {}  # per process: digest of a pickled statement -> the statement


def _statement(blob: bytes | None, unit):
    if blob is None:
        from bnverify.verify.search import load_statement

        return load_statement(unit.key, unit.theorems, mutant=unit.mutant)
    digest = hashlib.sha1(blob).hexdigest()
    if digest not in _LOADED:
        import cloudpickle

        _LOADED[digest] = cloudpickle.loads(blob)
    return _LOADED[digest]


def execute(unit, blob: bytes | None = None) -> list[dict]:
    """Run one unit (a search :class:`~bnverify.verify.search.Unit` or a :class:`PinnedUnit`) and return its
    records: the task every worker runs (pure: same unit, same records, in any process)."""
    stmt = _statement(blob, unit)
    if isinstance(unit, PinnedUnit):
        return pinned_records(stmt, unit.backend)
    return run_unit(unit, stmt)


# --- the engine -------------------------------------------------------------------------------------
_QUIET_EXIT = []


def _register_quiet_exit() -> None:
    """At exit, close any cluster left half-built by an interrupt quietly, before distributed's own
    atexit hook (registered earlier, so run later) would print a traceback for it."""
    if _QUIET_EXIT:
        return
    import atexit

    from distributed.deploy.spec import SpecCluster

    def quiet():
        for c in list(SpecCluster._instances):
            try:
                c.close(timeout=2)
            except BaseException:  # noqa: BLE001
                pass
            SpecCluster._instances.discard(c)

    atexit.register(quiet)
    _QUIET_EXIT.append(quiet)


class Engine:
    """A Dask client for running units (see the module docstring). Use as a context manager, or
    call :meth:`close`; reusable across many :meth:`run_units` calls."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None, *, retries: int = RETRIES,
                 silence_logs: int = logging.CRITICAL):
        if workers is not None and (not isinstance(workers, int) or workers < 1):
            raise ValueError(f"workers: expected a positive integer, got {workers!r}")
        if retries < 0:
            raise ValueError(f"retries: expected >= 0, got {retries}")
        scheduler = scheduler if scheduler is not None else (os.environ.get(SCHEDULER_ENV) or None)
        self.inline = scheduler == INLINE or (scheduler is None and workers == 1)
        self.scheduler = scheduler
        self.workers = workers or default_workers()
        self.retries = retries
        self.silence_logs = silence_logs
        self.client = None
        self.cluster = None
        self._old_sigterm = None

    # --- lifecycle ---
    def start(self) -> "Engine":
        if self.inline or self.client is not None:
            return self
        from distributed import Client, LocalCluster

        self._catch_sigterm()
        try:
            if self.scheduler:
                self.client = Client(self.scheduler, timeout="30s")
            else:
                _register_quiet_exit()
                self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=self.silence_logs)
                self.client = Client(self.cluster)
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                # interrupted while the nannies start: their start-up tasks fail on the cluster's
                # event loop, and asyncio would log each ("Task exception was never retrieved", a
                # traceback) when it is collected, after the command has said it was interrupted
                logging.getLogger("asyncio").disabled = True
            self.close()
            raise
        return self

    def close(self) -> None:
        client, cluster, self.client, self.cluster = self.client, self.cluster, None, None
        try:
            if client is not None:
                client.close(timeout=5)
        except Exception:  # noqa: BLE001  (closing: the cluster goes next whatever happened)
            pass
        finally:
            if cluster is not None:
                try:
                    cluster.close(timeout=10)
                except BaseException:  # noqa: BLE001  (interrupted mid-close: the nannies die with us anyway)
                    pass
                finally:  # never leave it to distributed's atexit hook (it prints a traceback)
                    from distributed.deploy.spec import SpecCluster

                    SpecCluster._instances.discard(cluster)
            self._restore_sigterm()

    def __enter__(self) -> "Engine":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def _catch_sigterm(self):
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return  # someone else handles SIGTERM

        def on_sigterm(signum, frame):
            raise KeyboardInterrupt("SIGTERM")

        self._old_sigterm = signal.signal(signal.SIGTERM, on_sigterm)

    def _restore_sigterm(self):
        if self._old_sigterm is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._old_sigterm)
        self._old_sigterm = None

    def describe(self) -> str:
        if self.inline:
            return "in-process (inline)"
        if self.scheduler:
            return f"Dask cluster at {self.scheduler}"
        return f"embedded Dask LocalCluster, {self.workers} worker process(es)"

    # --- work ---
    def run_units(self, units, *, statements=None, store=None, progress=None) -> list[list[dict]]:
        """The records of every unit, in unit order. ``statements``: Statement objects (list or
        ``{key: stmt}``) to ship with the units of their key; ``store``: skip units it holds, write
        each unit as it finishes; ``progress(done, total, unit, records)`` after each unit."""
        units = list(units)
        blobs = _blobs(statements)
        out: list[list[dict] | None] = [None] * len(units)
        todo = []
        for i, u in enumerate(units):
            got = store.get(u.id) if store is not None else None
            if got is not None:
                out[i] = got
            else:
                todo.append(i)
        done = len(units) - len(todo)
        if progress is not None and done:
            progress(done, len(units), None, None)

        def finish(i, records):
            nonlocal done
            out[i] = records
            if store is not None:
                store.put(units[i], records)
            done += 1
            if progress is not None:
                progress(done, len(units), units[i], records)

        if self.inline or not todo:
            for i in todo:
                finish(i, execute(units[i], blobs.get(units[i].key)))
            return out
        self.start()
        from distributed import as_completed

        futures = {}
        by_key = {}
        for i in todo:
            u = units[i]
            blob = blobs.get(u.key)
            key = "bnverify-" + hashlib.sha1(repr((u, hashlib.sha1(blob).hexdigest() if blob else None)).encode()).hexdigest()
            if key not in by_key:
                by_key[key] = self.client.submit(execute, u, blob, key=key, pure=True, retries=self.retries)
            futures.setdefault(by_key[key], []).append(i)
        try:
            for fut in as_completed(list(futures)):
                records = fut.result()
                for i in futures[fut]:
                    finish(i, records)
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
        return out


def _blobs(statements) -> dict[str, bytes]:
    if not statements:
        return {}
    items = statements.values() if isinstance(statements, dict) else statements
    return {s.key: pickle_statement(s) for s in items}


def run_units(units, *, scheduler=None, workers=None, store=None, progress=None, statements=None,
              engine: Engine | None = None) -> list[list[dict]]:
    """The records of every unit, in unit order, on ``engine`` (or on an engine started and stopped
    by this call from ``scheduler``/``workers``). See :meth:`Engine.run_units`."""
    if engine is not None:
        return engine.run_units(units, statements=statements, store=store, progress=progress)
    with Engine(scheduler, workers) as eng:
        return eng.run_units(units, statements=statements, store=store, progress=progress)


# --- many campaigns as one batch ---------------------------------------------------------------------
def _budget(budget_for, stmt, backend) -> Budget:
    if isinstance(budget_for, Budget):
        return budget_for
    n = len(inspect.signature(budget_for).parameters)
    b = budget_for(stmt, backend) if n >= 2 else budget_for(stmt)
    if not isinstance(b, Budget):
        raise TypeError(f"budget_for({stmt.key}): expected a search.Budget, got {type(b).__name__}")
    return b


def run_campaigns(statements, budget_for, *, seed=0, backends=("float64",), engine: Engine | None = None,
                  scheduler=None, workers=None, store=None, progress=None, stop_at_first=None, pinned: bool = True):
    """Campaigns of every statement × backend, as :func:`bnverify.verify.search.run_campaign` runs them
    (pinned examples, Hypothesis and sweep, then hunts from the tightest phase-1 examples; mutants
    stop at their first confirmed violation unless ``stop_at_first`` says otherwise), with the
    units of all campaigns batched: phase 1 of every campaign, then phase 2 of every campaign.
    ``budget_for(stmt)`` or ``budget_for(stmt, backend)`` (or one Budget) gives each budget.
    Returns the :class:`~bnverify.verify.campaign.CampaignResult` s in (statement, backend) order; a
    result's ``seconds`` is the sum of its records' decision times (work, not wall time)."""
    from bnverify.numerics.backends import get_backend

    own = engine is None
    eng = engine or Engine(scheduler, workers)
    try:
        camps = []
        for stmt in statements:
            for b in backends:
                backend = get_backend(b).name
                stop = stmt.is_mutant if stop_at_first is None else stop_at_first
                camps.append(dict(stmt=stmt, backend=backend, budget=_budget(budget_for, stmt, backend), stop=stop))
        ships = {s.key: s for s in statements}
        first, owner = [], []
        for ci, c in enumerate(camps):
            s = c["stmt"]
            units = ([PinnedUnit(s.key, c["backend"], s.is_mutant)] if pinned and getattr(s, "pinned", None) else [])
            units += plan_first(s.key, c["budget"], seed=seed, backend=c["backend"], mutant=s.is_mutant,
                                focus_names=tuple(s.space().focus_regions),
                                stop_at_first=c["stop"])
            first += units
            owner += [ci] * len(units)
        recs = eng.run_units(first, statements=ships, store=store, progress=progress)
        for c in camps:
            c["pinned"], c["p1"], c["p2"] = [], [], []
        for u, ci, rs in zip(first, owner, recs):
            camps[ci]["pinned" if isinstance(u, PinnedUnit) else "p1"].extend(rs)
        second, owner = [], []
        for ci, c in enumerate(camps):
            if c["stop"] and any(r["outcome"] == "violated" for r in c["p1"]):
                continue
            s = c["stmt"]
            units = plan_hunt(s.key, c["budget"], c["p1"], seed=seed, backend=c["backend"], mutant=s.is_mutant,
                              stop_at_first=c["stop"])
            second += units
            owner += [ci] * len(units)
        for ci, rs in zip(owner, eng.run_units(second, statements=ships, store=store, progress=progress)):
            camps[ci]["p2"].extend(rs)
        third, owner = [], []  # the tightest and a seeded sample of the screened draws, up the ladder
        for ci, c in enumerate(camps):
            c["p3"] = []
            if c["stop"] and any(r["outcome"] == "violated" for r in c["p1"] + c["p2"]):
                continue
            s = c["stmt"]
            units = plan_certify(s.key, c["budget"], c["p1"] + c["p2"], seed=seed, backend=c["backend"],
                                 mutant=s.is_mutant, certifiable=getattr(s, "ball_certifiable", True))
            third += units
            owner += [ci] * len(units)
        for ci, rs in zip(owner, eng.run_units(third, statements=ships, store=store, progress=progress)):
            camps[ci]["p3"].extend(rs)
        results = []
        for c in camps:
            records = c["pinned"] + c["p1"] + c["p2"] + c["p3"]
            res = summarise(c["stmt"], records, backend=c["backend"], seed=seed, budget=c["budget"])
            res.seconds = float(sum(r.get("seconds") or 0.0 for r in records))
            results.append(res)
        return results
    finally:
        if own:
            eng.close()


def progress_printer(stream=None, every: float = 5.0):
    """A ``progress`` callback printing ``units done/total`` at most every ``every`` seconds."""
    stream = stream or sys.stderr
    last = [0.0]

    def show(done, total, unit, records):
        now = time.monotonic()
        if done == total or now - last[0] >= every:
            last[0] = now
            what = f" ({unit.key} {unit.searcher})" if unit is not None else " (from the store)"
            print(f"[engine] {done}/{total} units{what}", file=stream, flush=True)

    return show


# --- a stored deep run: python -m bnverify.verify.engine ------------------------------------------------------
def _short(commit: str) -> str:
    """A commit as the summary shows it: 12 hex digits, and whether the tree was modified."""
    sha, _, rest = commit.partition(" ")
    return sha[:12] + (" (modified tree)" if "modified" in rest else "")


def summary_markdown(results, *, wall: float, engine_text: str, skipped: dict, budget: Budget, seed,
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
    lines += [f"- engine: {engine_text}; seed {seed}; budget per statement: Hypothesis {budget.hypothesis}, "
              f"sweep {budget.sweep} (chunks of {budget.chunk}), hunt {budget.hunt} ({budget.hunt_restarts} restarts)",
              f"- wall time: {sum(legs) / 60:.1f} min{in_legs}{' (each below)' if in_legs else ''}; "
              "decision time (summed over workers): "
              f"{sum(r.seconds for r in results) / 60:.1f} min; "
              f"{sum(r.distinct for r in results)} distinct decided examples in {sum(r.examples for r in results)} draws"]
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
                     f"{c.get('violated', 0)} | {c.get('artefact', 0)} | {c.get('undecided', 0)} | {c.get('vacuous', 0)} | "
                     f"{c.get('error', 0)} | {'' if ts is None else f'{ts:.6g}'}{by} | {'' if ms is None else f'{ms:.3g}'} |")
    if unreached:
        lines += ["", f"Not reached ({len(unreached)} campaigns, no unit finished): "
                  + ", ".join(f"`{r.statement}`" for r in unreached)]
    bad = [(r, cx) for r in results for cx in r.counterexamples]
    lines += ["", f"## Violations ({len(bad)})", ""]
    lines += [f"- `{r.statement}` ({cx.get('searcher')}): {cx.get('values')}" for r, cx in bad] or ["none"]
    if skipped:
        lines += ["", "## Not run", ""] + [f"- `{k}`: {why}" for k, why in skipped.items()]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    """Every statement with a declared space (and, with ``--mutants``, every mutant), through the
    engine into a resumable store; writes a markdown summary. Run again to resume."""
    import argparse
    import json

    from bnverify.verify.registry import load, select
    from bnverify.verify.store import Store

    ap = argparse.ArgumentParser(prog="python -m bnverify.verify.engine", description=main.__doc__)
    ap.add_argument("--store", default="reports/deep/store", help="results store folder (resumable)")
    ap.add_argument("--summary", default="reports/deep/SUMMARY.md")
    ap.add_argument("--hypothesis", type=int, default=1000)
    ap.add_argument("--sweep", type=int, default=8192)
    ap.add_argument("--hunt", type=int, default=1024)
    ap.add_argument("--hunt-restarts", type=int, default=8)
    ap.add_argument("--chunk", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--certify", choices=("doubtful", "all"), default="doubtful",
                    help="what goes up the precision ladder: doubtful verdicts + 8 tightest + a sample of 32 "
                         "screened holds per campaign (default), or every decided verdict")
    ap.add_argument("--backend", action="append", default=None, help="primary precision (repeatable; default float64)")
    ap.add_argument("--statement", action="append", default=[], help="statement id or key (repeatable; default all)")
    ap.add_argument("--theorems", action="append", default=[], help="extra theorem folder")
    ap.add_argument("--mutants", action="store_true", help="also every mutant (stops at its first violation)")
    ap.add_argument("--scheduler", default=None, help=f"Dask scheduler address, or 'inline' (env {SCHEDULER_ENV})")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--from-store", action="store_true",
                    help="decide nothing: write the summary from what the store holds (an interrupted run)")
    a = ap.parse_args(argv)
    for address, source in ((a.scheduler, "--scheduler"), (os.environ.get(SCHEDULER_ENV), SCHEDULER_ENV)):
        if address and not a.from_store:
            try:
                check_scheduler(address, source=source)
            except ValueError as e:
                ap.error(str(e))
            break
    budget = Budget(hypothesis=a.hypothesis, sweep=a.sweep, hunt=a.hunt, hunt_restarts=a.hunt_restarts, chunk=a.chunk,
                    certify=a.certify)
    stmts = select(load(a.theorems), a.statement) + (load(a.theorems, mutants=True) if a.mutants else [])
    skipped, chosen = {}, []
    for s in stmts:
        try:
            s.space()
            chosen.append(s)
        except NotImplementedError as e:
            skipped[s.key] = str(e)
    store = Store(a.store)
    runs_file = os.path.join(a.store, "runs.json")
    runs = json.loads(Path(runs_file).read_text()) if os.path.exists(runs_file) else []
    backends = tuple(a.backend or ("float64",))
    partial = ""
    if a.from_store:
        from bnverify.verify.search import summarise

        def stored(key, b):  # as run_campaigns orders them: the pinned unit (seed None), then the seed's units
            pinned = [] if a.seed is None else [r for r in store.records(key, b, seed=None) if r.get("searcher") == "pinned"]
            return pinned + store.records(key, b, seed=a.seed)

        results = [summarise(s, stored(s.key, b), backend=b, seed=a.seed, budget=budget)
                   for s in chosen for b in backends]
        for r in results:
            r.seconds = float(sum(x.get("seconds") or 0.0 for x in r.records))
        done = [r for r in runs if r.get("completed")]
        partial = ("" if done else f"written from the store ({len(store)} units) of a run that did not finish; "
                   "every row counts only the units that finished")
        text, wall = "(from the store)", sum(r["wall"] for r in runs)
    else:
        t0, t_wall = time.perf_counter(), time.time()
        run = dict(started=t_wall, units_before=len(store), commit=git_commit(), completed=False)
        try:
            with Engine(a.scheduler, a.workers) as eng:
                print(f"[engine] {len(chosen)} statements on {eng.describe()}; store {a.store} ({len(store)} units already done)",
                      file=sys.stderr, flush=True)
                results = run_campaigns(chosen, budget, seed=a.seed, backends=backends, engine=eng,
                                        store=store, progress=progress_printer())
                text = eng.describe()
            run["completed"] = True
        finally:
            run.update(wall=time.perf_counter() - t0, units_after=len(store))
            with open(runs_file, "w") as f:
                json.dump(runs + [run], f, indent=1)
        runs.append(run)
        wall = run["wall"]
    out = os.path.abspath(a.summary)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write(summary_markdown(results, wall=wall, engine_text=text, skipped=skipped, budget=budget, seed=a.seed,
                                 runs=runs, partial=partial))
    with open(os.path.splitext(out)[0] + ".json", "w") as f:
        json.dump([r.to_dict() for r in results], f, indent=1, default=str)
    print(f"[engine] wrote {a.summary} (this leg {wall / 60:.1f} min)", file=sys.stderr)
    return 0


def cli(argv=None) -> int:
    """:func:`main` as a command: an interrupt (Ctrl-C, SIGTERM) ends it with one line and exit
    130, the store keeping every unit that finished (run again to resume)."""
    try:
        return main(argv)
    except KeyboardInterrupt:
        print("[engine] interrupted: finished units are in the store; run again to resume "
              "(or --from-store for the summary of what it holds)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(cli())
