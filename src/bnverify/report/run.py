"""Running campaigns for the command line and the report, and describing the run.

A *job* is one (statement or mutant, precision) campaign: :func:`bnverify.verify.campaign.falsify` with
``n`` examples and a seed. Jobs are independent, so :func:`run_jobs` can farm them out to worker
processes; a worker re-loads its statement by key from the theorem folders (statements hold
lambdas and are not picklable) and returns the :class:`~bnverify.verify.campaign.CampaignResult` as
*plain data* (:func:`plain`): mpmath numbers of private contexts cannot be pickled.
"""
from __future__ import annotations

import math
import os
import platform
import re
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from importlib import metadata

import numpy as np

from bnverify.numerics.backends import get_backend
from bnverify.verify.provenance import git_commit, lock_file

# default examples per statement and precision of `bnverify report` / `bnverify check`
# (sized so that `make report` fits in 10 minutes on 2 cores with 26 statements + 35 mutants: with
# comfortable holds screened (certify="doubtful") 96/8 took 280-374 s on 2026-12-07, 192/8 about 8 min;
# override with --examples / --mp-examples or BNVERIFY_EXAMPLES="f64,mp")
DEFAULT_F64, DEFAULT_MP = 192, 8
# mutants need only be caught: half the examples (detection rate and examples-to-detection are
# still measured); override with --mutant-examples
DEFAULT_MUTANT_F64, DEFAULT_MUTANT_MP = 16, 2
PRECISIONS = ("float64", "mpmath")
# examples per statement and precision at most (--examples, --mp-examples, --mutant-examples,
# BNVERIFY_EXAMPLES): every decided example is kept in memory with its verdicts (~10 kB), and one
# float64 example costs ~0.1-1 s, so 100,000 is hours per statement on 2 cores
MAX_EXAMPLES = 100_000


def default_examples() -> tuple[int, int]:
    """``(float64, mpmath)`` examples per statement: ``BNVERIFY_EXAMPLES='N'`` or ``'N,M'``
    (integers in [0, MAX_EXAMPLES], validated like ``--examples``; M defaults to N/10, at least 1
    when N > 0), else the defaults."""
    env = os.environ.get("BNVERIFY_EXAMPLES", "").strip()
    if not env:
        return DEFAULT_F64, DEFAULT_MP
    parts = [p.strip() for p in env.split(",")]
    if len(parts) > 2 or not all(p.isdigit() and p.isascii() and int(p) <= MAX_EXAMPLES for p in parts):
        raise ValueError(f"BNVERIFY_EXAMPLES: expected 'N' or 'N,M' with integers >= 0 and <= {MAX_EXAMPLES}, "
                         f"got {env!r}")
    n = int(parts[0])
    return n, int(parts[1]) if len(parts) > 1 else (max(1, n // 10) if n else 0)


def examples_for(precision: str, n_f64: int, n_mp: int | None) -> int:
    """Examples of a campaign at ``precision``: ``n_f64`` in float64; ``n_mp`` in mpmath
    (default: a tenth of ``n_f64``, at least 1)."""
    if get_backend(precision).name == "float64":
        return n_f64
    return n_mp if n_mp is not None else max(1, n_f64 // 10)


# --- plain data --------------------------------------------------------------------------------
def plain(x):
    """JSON-able, picklable copy: numpy scalars → Python numbers, mpf → float, non-finite floats
    kept as float (json writes them as NaN/Infinity; :func:`json_safe` maps them to strings)."""
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, (str, bool)) or x is None:
        return x
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x)
    if isinstance(x, np.ndarray):
        return [plain(v) for v in x.tolist()]
    try:
        return float(x)  # mpf and friends
    except (TypeError, ValueError):
        return str(x)


def json_safe(x):
    """:func:`plain`, with non-finite floats as the strings 'inf', '-inf', 'nan' (strict JSON)."""
    x = plain(x)
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, list):
        return [json_safe(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


@dataclass
class Job:
    key: str
    mutant: bool
    precision: str
    examples: int
    seed: int | None
    theorems: tuple = ()
    searcher: str = "hypothesis"  # or sweep / hunt / all; ignored when budget is given
    budget: dict | None = None  # bnverify.verify.search.Budget fields: examples per searcher
    certify: str = "doubtful"  # adjudicate.decide's policy (a budget carries its own)


def result_dict(res, *, mutant: bool, statement=None) -> dict:
    """A CampaignResult as plain data, with the fields the report needs."""
    d = plain(res.to_dict())
    d.update(key=res.statement, mutant=mutant, met=res.met, met_rate=res.met_rate,
             min_slack=plain(res.min_slack), counts=plain(res.counts))
    if statement is not None:
        d["doc"] = (type(statement).__doc__ or "").strip()
        d["module_doc"] = _module_doc(statement)
        d["source_file"] = getattr(statement, "source_file", "")
        d["known_false"] = getattr(statement, "known_false", None) or None
        d["reference"] = statement.reference
        d["kind"] = statement.kind
        d["pinned"] = len(getattr(statement, "pinned", ()) or ())  # run before the generated examples
        d["bound_source"] = getattr(statement, "bound_source", None)
        d["ball_note"] = getattr(statement, "ball_note", "") if not getattr(statement, "ball_certifiable", True) else ""
        d["needle_share"] = getattr(statement, "needle_share", None)
    return d


def _module_doc(stmt) -> str:
    mod = sys.modules.get(type(stmt).__module__)
    if mod is None or getattr(mod, "__doc__", None) is None:
        return ""
    return mod.__doc__.strip()


def find_statement(key: str, theorems=(), *, mutant: bool | None = None):
    """The statement (or mutant) with ``key`` (``id@version``) or ``id``; None if unknown."""
    from bnverify.verify.registry import load
    from bnverify.verify.search import load_statement

    try:
        return load_statement(key, theorems, mutant=mutant)
    except LookupError:
        pass
    pools = [False, True] if mutant is None else [mutant]
    for m in pools:
        hits = [s for s in load(theorems, mutants=m) if s.id == key]
        if hits:
            return hits[0]
    return None


_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def run_job(job: Job) -> dict:
    """One campaign; returns plain data (safe to send back from a worker process). A campaign
    that raises (a bug in a statement under construction) becomes a result with ``error`` set
    and no examples, so that the other campaigns and the report still come through."""
    t0 = time.perf_counter()
    try:
        return _run_job(job)
    except Exception as e:  # noqa: BLE001
        return error_result(job, e, time.perf_counter() - t0)


def error_result(job: Job, e: BaseException, seconds: float = 0.0) -> dict:
    from bnverify.verify.adjudicate import OUTCOMES

    try:
        stmt = find_statement(job.key, job.theorems, mutant=job.mutant)
        describe = stmt.describe() if stmt is not None else None
    except Exception:  # noqa: BLE001
        stmt, describe = None, None
    if describe is None:
        sid, _, ver = job.key.partition("@")
        describe = dict(id=sid, version=ver, reference="", provenance="", kind="", loss="", simulator="",
                        derivation=None, mutant_of=None, mutation="", summary="")
    msg = f"{type(e).__name__}: {e}".strip()
    tb = "".join(traceback.format_exception(type(e), e, e.__traceback__))
    return plain(dict(statement=job.key, key=job.key, mutant=job.mutant, backend=get_backend(job.precision).name,
                      describe=describe, examples=0, met=0, met_rate=0.0, counts={k: 0 for k in OUTCOMES},
                      min_slack=None, slacks=[], tightness=[], counterexamples=[], artefacts=[],
                      first_violation_at=None, seconds=seconds, seed=job.seed, profile="", error=msg[:2000],
                      unmet_reasons=[], tightest=None, doc=(type(stmt).__doc__ or "").strip() if stmt else "",
                      module_doc=_module_doc(stmt) if stmt else "",
                      source_file=getattr(stmt, "source_file", ""), known_false=None,
                      reference=describe.get("reference", ""), kind=describe.get("kind", ""),
                      error_traceback=tb[-20000:]))


def _run_job(job: Job) -> dict:
    from bnverify.verify.campaign import falsify
    from bnverify.verify.search import Budget, run_campaign

    stmt = find_statement(job.key, job.theorems, mutant=job.mutant)
    if stmt is None:
        raise LookupError(f"statement {job.key!r} not found")
    if job.budget is not None:
        res = run_campaign(stmt, Budget(**job.budget), seed=job.seed, backend=job.precision)
        from bnverify.verify.campaign import profile_name

        res.profile = profile_name()
    else:
        res = falsify(stmt, backend=job.precision, max_examples=job.examples, seed=job.seed, searcher=job.searcher,
                      certify=job.certify)
    out = result_dict(res, mutant=job.mutant, statement=stmt)
    out["points"] = draw_points(res)
    return out


def draw_points(res) -> list[dict]:
    """A campaign's draws over its space (values, slack, tightness, outcome, searcher): the page's coverage map."""
    return plain([{"values": r["values"], "slack": r["slack"], "tightness": r.get("tightness"), "outcome": r["outcome"],
                   "searcher": r["searcher"]} for r in res.records if r.get("values") is not None])


def _run_job_in_worker(job: Job) -> dict:
    import bnverify.verify.campaign  # noqa: F401  (registers the Hypothesis profiles in the worker)

    return run_job(job)


_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """A worker never outlives the command that started it: SIGINT is left to the parent (which
    stops the pool), the kernel sends SIGKILL when the parent dies (Linux ``PR_SET_PDEATHSIG``),
    and a watchdog thread exits when the parent is gone (any POSIX system)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:  # the parent died before this worker was set up
        os._exit(1)

    def watchdog():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watchdog, name="bnverify-parent-watchdog", daemon=True).start()


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Kill the workers now (a campaign cannot be interrupted politely) and drop queued jobs."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for p in procs:
        try:
            p.kill()
        except (OSError, ValueError, AttributeError):
            pass
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        try:
            p.join(timeout=5)
        except (OSError, ValueError, AssertionError, AttributeError):
            pass


class Terminated(KeyboardInterrupt):
    """SIGTERM received: handled like Ctrl-C (campaigns stopped, temporary files removed)."""


def _raise_terminated(signum, frame):
    raise Terminated(f"signal {signum}")


class sigterm_as_interrupt:
    """Context manager: in the main thread, SIGTERM raises :class:`Terminated` (a
    KeyboardInterrupt), so ``finally`` clauses clean up as they do for Ctrl-C."""

    def __enter__(self):
        self._old = None
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGTERM, _raise_terminated)
        return self

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)
        return False


def run_jobs(jobs: list[Job], *, workers: int = 1, progress: bool | None = None, desc: str = "campaigns") -> list[dict]:
    """Run every job (in ``workers`` processes when > 1); results in job order.
    ``progress``: a tqdm bar on stderr (default: only when stderr is a terminal)."""
    if progress is None:
        progress = sys.stderr.isatty()
    bar = None
    if progress and jobs:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), desc=desc, unit="campaign", file=sys.stderr, leave=False)
    out: list[dict | None] = [None] * len(jobs)
    try:
        if workers <= 1 or len(jobs) <= 1:
            for i, job in enumerate(jobs):
                if bar is not None:
                    bar.set_postfix_str(f"{job.key[:40]} [{job.precision}]")
                out[i] = run_job(job)
                if bar is not None:
                    bar.update(1)
        else:
            # likely heaviest first, for better packing on few cores: measured, the float64-primary
            # campaigns of statements cost most (40 examples, doubtful ones re-decided in mpmath),
            # then those of mutants (20), then the mpmath-primary ones (4 or 2)
            order = sorted(range(len(jobs)), key=lambda i: (jobs[i].precision != "float64", jobs[i].mutant,
                                                            -jobs[i].examples))
            pool = ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent, initargs=(os.getpid(),))
            try:
                futs = {pool.submit(_run_job_in_worker, jobs[i]): i for i in order}
                for f in as_completed(futs):
                    out[futs[f]] = f.result()
                    if bar is not None:
                        bar.update(1)
            except BaseException:  # Ctrl-C, SIGTERM, a broken pool: stop every worker at once
                _stop_pool(pool)
                raise
            pool.shutdown(wait=True)
    finally:
        if bar is not None:
            bar.close()
    return out  # type: ignore[return-value]


# --- the run's description -----------------------------------------------------------------------
def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def environment() -> dict:
    """Versions of Python and the numeric stack (torch only when installed), platform, commit, and
    the lock file the dependencies came from."""
    from bnverify.numerics.backends import mpmath_uses_gmpy

    env = {"python": platform.python_version(), "platform": platform.platform(),
           "cpus": os.cpu_count()}
    for dist in ("bnverify", "numpy", "mpmath", "gmpy2", "hypothesis", "scipy", "pandas", "matplotlib", "torch"):
        v = _version(dist)
        if v is not None or dist != "torch":
            env[dist] = v or "not installed"
    env["mpmath backend"] = "gmpy" if mpmath_uses_gmpy() else "python (slow)"
    env["git commit"] = git_commit()
    env["lock file"] = lock_file()
    return env


@dataclass
class RunSettings:
    examples_f64: int
    examples_mp: int
    seed: int | None
    mutant_f64: int | None = None  # None: as examples_f64 / examples_mp
    mutant_mp: int | None = None
    precisions: tuple = PRECISIONS
    theorems: tuple = ()
    ids: tuple = ()  # restrict to these statements (and their mutants); () = all
    workers: int = 1
    scheduler: str | None = None  # a Dask scheduler address (None: BNVERIFY_SCHEDULER or an embedded cluster)
    certify: str = "doubtful"  # what goes up the precision ladder (bnverify.verify.search.Budget.certify)
    profile: str = "ci"
    started: str = ""
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return plain(asdict(self))


def timed(f, *a, **kw):
    t0 = time.perf_counter()
    out = f(*a, **kw)
    return out, time.perf_counter() - t0


# --- what a set of campaign results means: the exit status of `check`, `report` and `reproduce` ---------
EXIT_OK, EXIT_VIOLATED, EXIT_USAGE, EXIT_ERROR, EXIT_NOTHING = 0, 1, 2, 3, 4
def certified_artefacts(r: dict) -> int:
    """Artefacts of a campaign result whose refutation is a ball certificate (campaign.certified_artefacts)."""
    from bnverify.verify.campaign import certified_artefacts as count

    return count(r.get("artefacts"))


def decided_examples(r: dict) -> int:
    """Examples of a campaign result that decide its statement (:func:`bnverify.verify.campaign.decisive`)."""
    from bnverify.verify.campaign import decisive

    return decisive(r["counts"], r.get("artefacts"))


def campaign_errors(r: dict) -> list[dict]:
    """Every error of a campaign as ``{key, backend, example, traceback, reproduce}``: the whole
    campaign raised (``error``) and/or single examples raised (``errors``)."""
    out = []
    if r.get("error"):
        out.append(dict(key=r["key"], backend=r.get("backend", ""), example=None,
                        message=r["error"].splitlines()[0][:300],
                        traceback=r.get("error_traceback") or r["error"], reproduce=None))
    for e in r.get("errors") or []:
        tb = e.get("traceback") or ""
        last = [ln for ln in tb.strip().splitlines() if ln.strip()]
        out.append(dict(key=r["key"], backend=r.get("backend", ""), example=e.get("example"),
                        message=(e.get("message") or (last[-1] if last else "raised"))[:300],
                        traceback=tb, reproduce=e.get("reproduce")))
    return out


def summarise(results: list[dict]) -> dict:
    """The verdict of a run over campaign results (statements and mutants, every precision):

    * ``violated``: statements with a confirmed counterexample (not those recorded as refuted,
      ``known_false``, which are expected to stay refuted);
    * ``mutants_missed``: mutants no campaign caught;
    * ``errors``: every raised campaign or example (:func:`campaign_errors`);
    * ``undecided``: statements with no decided example in any precision (none run, every
      example vacuous, undecided, an artefact or raising) — nothing was checked for them."""
    stmts = [r for r in results if not r.get("mutant")]
    muts = [r for r in results if r.get("mutant")]
    violated = sorted({r["key"] for r in stmts if r["counts"].get("violated", 0) and not r.get("known_false")})
    caught = {r["key"] for r in muts if r["counts"].get("violated", 0)}
    decided: dict[str, int] = {}
    for r in stmts:
        decided[r["key"]] = decided.get(r["key"], 0) + decided_examples(r)
    return dict(violated=violated, mutants_missed=sorted({r["key"] for r in muts} - caught),
                errors=[e for r in results for e in campaign_errors(r)],
                undecided=sorted(k for k, n in decided.items() if n == 0),
                statements=len(decided), mutants=len({r["key"] for r in muts}))


def exit_status(summary: dict, *, mutants_count: bool) -> int:
    """The exit status of a run from its :func:`summarise` (``bnverify.cli``'s table): 1 a
    statement violated (or, with ``mutants_count``, a mutant not caught), else 3 an error, else 4
    nothing checked, else 0."""
    if summary["violated"] or (mutants_count and summary["mutants_missed"]):
        return EXIT_VIOLATED
    if summary["errors"]:
        return EXIT_ERROR
    if summary["undecided"] or not summary["statements"] and not summary["mutants"]:
        return EXIT_NOTHING
    return EXIT_OK


def error_log_text(errors: list[dict]) -> str:
    """The error log: per error the statement key, precision, example parameters, the command
    that reproduces it, and the traceback."""
    import json

    parts = []
    for i, e in enumerate(errors, 1):
        parts.append("\n".join([
            f"=== error {i}/{len(errors)}: {e['key']} [{e['backend']} primary]",
            f"example: {json.dumps(e['example'], sort_keys=True) if e['example'] is not None else '(the whole campaign raised)'}",
            *([f"reproduce: {e['reproduce']}"] if e.get("reproduce") else []),
            "traceback:", (e["traceback"] or "").rstrip(), ""]))
    return "\n".join(parts)
