"""The settings and description of a run (``check``, ``report``), its campaigns as plain data for
tables and ``results.json`` (:func:`campaign_dict`), and what a set of campaign results means: the
outcome of the run (:func:`run_outcome`) and its exit status (:func:`exit_status`)."""
from __future__ import annotations

import math
import os
import platform
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata

import numpy as np

from bnverify.numerics.backends import get_backend
from bnverify.verify.provenance import git_commit, lock_file

# default examples per statement and precision of `bnverify report` / `bnverify check` (issue 19: 4,096
# float64 draws per reduced-recurrence and logistic statement, each statement's share its report_scale —
# 1,024 for full-GD square-loss ones; a screened sweep of 4,096 for the rising-regime statements); sized so
# that `make report` fits in 10 minutes on 2 cores; override with --examples / --mp-examples or
# BNVERIFY_EXAMPLES="f64,mp"
DEFAULT_F64, DEFAULT_MP = 4096, 8
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


def result_dict(res, *, mutant: bool, statement=None) -> dict:
    """A CampaignResult as plain data, with the fields the report needs (a campaign that raised:
    ``error`` and ``error_traceback`` set, no examples)."""
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


def campaign_dict(res, statement) -> dict:
    """A campaign of ``statement`` as the tables, ``check --json`` and ``results.json`` read it: its
    :func:`result_dict` and its draws over the space (:func:`draw_points`)."""
    d = result_dict(res, mutant=statement.is_mutant, statement=statement)
    d["points"] = draw_points(res)
    d["informative_min_slack"], d["trivial_holds"] = informative_slack(res.records)
    return d


def informative_slack(records) -> tuple[float | None, int]:
    """The smallest finite slack over the decided verdicts that say something — violations, and holds
    whose bound is not met trivially (``informative``, the verdicts tightness counts; a bound attained
    by ρ_0 at t = 0 has slack 0 and tells nothing) — and the number of holds left out as trivial."""
    best, trivial = None, 0
    for r in records or ():
        sl = r.get("slack")
        if r.get("outcome") not in ("holds", "violated") or sl is None or not math.isfinite(sl):
            continue
        if r["outcome"] == "holds" and not (r.get("final") or {}).get("informative", True):
            trivial += 1
            continue
        best = sl if best is None or sl < best else best
    return best, trivial


def draw_points(res) -> list[dict]:
    """A campaign's draws over its space (values, slack, tightness, outcome, searcher): the page's coverage map."""
    return plain([{"values": r["values"], "slack": r["slack"], "tightness": r.get("tightness"), "outcome": r["outcome"],
                   "searcher": r["searcher"]} for r in res.records if r.get("values") is not None])


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
    certify: str = "doubtful"  # what goes up the precision ladder (bnverify.verify.planning.Budget.certify)
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


def one_line(message: str, limit: int = 2000) -> str:
    """An error message for one line of stderr or a table: its first line, whole when it is at most
    ``limit`` characters (the actionable end of a message — what to declare, which file — is kept);
    a longer one is cut after its last sentence or clause (``. `` or ``; ``) before ``limit`` that is
    not inside a backtick span, and marked `` …``."""
    first = (str(message).strip().splitlines() or [""])[0]
    if len(first) <= limit:
        return first
    cut = 0
    for i in range(limit - 1):
        if first[i] in ".;" and first[i + 1] == " " and first[:i].count("`") % 2 == 0:
            cut = i + 1
    head = first[:cut] if cut else first[:limit].rsplit(" ", 1)[0]
    if head.count("`") % 2:  # never end inside a code span
        head = head[:head.rfind("`")].rstrip()
    return head + " …"


def campaign_errors(r: dict) -> list[dict]:
    """Every error of a campaign as ``{key, backend, example, traceback, reproduce}``: the whole
    campaign raised (``error``) and/or single examples raised (``errors``)."""
    out = []
    if r.get("error"):
        out.append(dict(key=r["key"], backend=r.get("backend", ""), example=None,
                        message=one_line(r["error"]),
                        traceback=r.get("error_traceback") or r["error"], reproduce=None))
    for e in r.get("errors") or []:
        tb = e.get("traceback") or ""
        last = [ln for ln in tb.strip().splitlines() if ln.strip()]
        out.append(dict(key=r["key"], backend=r.get("backend", ""), example=e.get("example"),
                        message=one_line(e.get("message") or (last[-1] if last else "raised")),
                        traceback=tb, reproduce=e.get("reproduce")))
    return out


def run_outcome(results: list[dict]) -> dict:
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
    """The exit status of a run from its :func:`run_outcome` (``bnverify.cli``'s table): 1 a
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
            "example: " + (json.dumps(e['example'], sort_keys=True) if e['example'] is not None
                           else "(the whole campaign raised)"),
            *([f"reproduce: {e['reproduce']}"] if e.get("reproduce") else []),
            "traceback:", (e["traceback"] or "").rstrip(), ""]))
    return "\n".join(parts)
