"""The ``bnverify`` command line.

::

    bnverify list [--mutants] [--theorems DIR]
    bnverify check [ID ...] [--precision float64|mpmath|both] [--search S] [--examples N] [--mp-examples M]
                   [--seed S] [--theorems DIR] [--workers W] [--scheduler ADDRESS] [--json]
    bnverify report [--out reports/] [--examples N] [--mp-examples M] [--seed S] [--theorems DIR]
    bnverify deep [--store DIR] [--summary FILE] [--mutants] [--examples N [--reduced-examples M]]
                  [--hypothesis N] [--sweep N] [--hunt N] [--chunk C]
                  [--seed S] [--from-store] [--scheduler ADDRESS] [--workers W]
    bnverify reproduce ID --params FILE|JSON [--rows K] [--theorems DIR]
    bnverify figure section6 [--loss square|logistic] [--out DIR] [--horizon T]

Exit status (one meaning each; :data:`EXIT_STATUS_TEXT`):

0  every checked statement holds, and each decided at least one example
1  a statement was violated (a confirmed counterexample; statements recorded as refuted excluded),
   or a mutant was not caught (``check`` of a mutant key: caught is the expected outcome, exit 0;
   in ``report`` caught mutants are expected and never a violation)
2  usage error: bad flag, id, JSON, folder or environment variable, a value past a limit, a
   malformed or closed scheduler address, an unusable ``--out`` (one line on stderr, before any
   work starts)
3  a statement or the suite raised: a campaign or an example, or a theorem file at import (one
   line on stderr naming the log with the statement key, the example and the traceback)
   — a NaN observed value or bound (or a violation with a NaN excess) is such an error, never a
   rounding artefact
4  nothing was checked: no statements found, no examples run, or a statement none of whose
   examples held or was violated in any precision (all vacuous, undecided, precision artefacts
   or raising) — not a success

``reproduce`` follows the same table for its one example (both primaries).

When several apply, the first of 1, 3, 4 wins. Interrupted: 130 (SIGINT), 143 (SIGTERM).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bnverify.report.run import EXIT_ERROR, EXIT_NOTHING, EXIT_OK, EXIT_USAGE, EXIT_VIOLATED, MAX_EXAMPLES

EXIT_STATUS_TEXT = ("exit status: 0 every checked statement holds (each decided >= 1 example); "
                    "1 a statement was violated, or a mutant was not caught; 2 usage error; "
                    "3 a statement, theorem file or the suite raised (the one-line message names a log "
                    "with the traceback; a NaN observed value or bound is such an error); 4 nothing "
                    "checked (no statements, no examples, or no example of a statement held or was violated: "
                    "vacuous, undecided or precision artefacts only). 1 before 3 before 4. 130/143: interrupted.")


class UsageError(Exception):
    """A user mistake: reported as one line on stderr, exit status 2."""


class CommandFailed(Exception):
    """A failure that is not a usage error: one line on stderr, exit status ``code`` (3 or 4)."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def write_error_log(text: str, path: Path | None = None) -> Path:
    """Write ``text`` to ``path`` (default: a new ``bnverify-errors-*.log`` in the temp folder)."""
    import tempfile

    if path is None:
        fd, name = tempfile.mkstemp(prefix="bnverify-errors-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        return Path(name)
    Path(path).write_text(text, encoding="utf-8")
    return Path(path)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage block
        raise UsageError(f"{self.prog}: error: {message}")


def _int_at_least(lo: int, hi: int | None = None):
    """argparse type: a decimal integer in ``[lo, hi]``, one message for every bad value."""
    want = f"an integer >= {lo}" + (f" and <= {hi}" if hi is not None else "")

    def parse(s: str) -> int:
        try:
            v = int(s.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {want}, got {s!r}") from None
        if v < lo or (hi is not None and v > hi):
            raise argparse.ArgumentTypeError(f"expected {want}, got {s!r}")
        return v

    parse.__name__ = "integer"
    return parse


_nonneg_int = _int_at_least(0)
_pos_int = _int_at_least(1)
_examples_int = _int_at_least(0, MAX_EXAMPLES)


def _cores() -> int:
    from bnverify.verify.runners import default_workers

    return default_workers()


def _workers(args, scheduler: str | None = None) -> int:
    """``--workers`` (default min(2, cores)): at most the cores this process may use, unless the
    campaigns go to a Dask ``scheduler`` (its workers are elsewhere)."""
    if args.workers is None:
        return min(2, _cores())
    if not scheduler and args.workers > _cores():
        raise UsageError(f"--workers: at most {_cores()} (this machine's cores) without a --scheduler, "
                         f"got {args.workers}")
    return args.workers


def _scheduler(args) -> str | None:
    """The Dask scheduler of ``check``, ``report`` and ``deep`` (``--scheduler``, else
    ``BNVERIFY_SCHEDULER``), checked before any work: well formed, and a scheduler answers there."""
    from bnverify.verify.runners import SCHEDULER_ENV, check_scheduler

    address, source = ((args.scheduler, "--scheduler") if args.scheduler is not None
                       else (os.environ.get(SCHEDULER_ENV) or None, SCHEDULER_ENV))
    if address is None:
        return None
    try:
        return check_scheduler(address, source=source)
    except ValueError as e:
        raise UsageError(str(e)) from None


def _scheduler_arg(p):
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the campaigns on a running Dask cluster (default: BNVERIFY_SCHEDULER, else an embedded "
                        "LocalCluster with --workers processes, started and stopped by the command; "
                        "'inline': in-process)")


def _theorems_arg(p):
    p.add_argument("--theorems", metavar="DIR", action="append", default=[],
                   help="extra folder of statement files (repeatable; also BNVERIFY_THEOREMS)")


def _examples_args(p, f64_default, mp_default):
    p.add_argument("--examples", type=_examples_int, default=None, metavar="N",
                   help=f"examples per statement with float64 primary (default {f64_default}, at most {MAX_EXAMPLES}; "
                        "env BNVERIFY_EXAMPLES='N,M'); with the default --search all, a costly statement runs "
                        "N times its search_scale (< 1, shown on its page)")
    p.add_argument("--mp-examples", type=_examples_int, default=None, metavar="M",
                   help=f"examples per statement with mpmath primary (default {mp_default}, "
                        "or N/10 when --examples is given)")
    p.add_argument("--seed", type=int, default=None, metavar="S",
                   help="Hypothesis seed (default: derandomised, reproducible)")
    p.add_argument("--certify", choices=("doubtful", "all"), default="doubtful",
                   help="what goes up the precision ladder: every doubtful verdict, the 8 tightest and a seeded "
                        "sample of 32 screened holds per campaign (default), or every decided verdict (all)")
    p.add_argument("--workers", type=_pos_int, default=None, metavar="W",
                   help="worker processes for campaigns (default: min(2, CPUs); at most the CPUs unless "
                        "the campaigns go to a --scheduler)")


def build_parser() -> argparse.ArgumentParser:
    from bnverify.report.run import DEFAULT_F64, DEFAULT_MP
    from bnverify.verify.planning import SEARCH_CHOICES

    p = _Parser(prog="bnverify", description="Theorem-checking numerical verification of GD dynamics in "
                "batch-normalised linear models: run statements (lemmas/theorems as predicates over "
                "simulated trajectories), reproduce counterexamples, write the report.",
                epilog=EXIT_STATUS_TEXT)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    q = sub.add_parser("list", help="list statements (id, version, provenance, kind, reference)",
                       description="List every statement found in theorems/ (and --theorems folders).")
    q.add_argument("--mutants", action="store_true", help="list the deliberately false variants too")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    _theorems_arg(q)

    q = sub.add_parser("check", help="falsification campaigns for some or all statements",
                       description="Run a search campaign per statement and precision (the report's, by default) "
                       "and print a verdict table. Exit 1 if any statement is violated.")
    q.add_argument("ids", nargs="*", metavar="ID", help="statement id, id@version or id prefix (default: all); "
                   "a mutant's full key is accepted too")
    q.add_argument("--precision", choices=("float64", "mpmath", "both"), default="both",
                   help="primary precision of the campaigns (default both)")
    q.add_argument("--search", choices=SEARCH_CHOICES, default="all",
                   help="searcher over each statement's declared space: Hypothesis, a scrambled Sobol sweep, a "
                        "CMA-ES hunt alone (from random starts), sweep+hunt (a quarter of --examples swept, the "
                        "hunt restarted from the sweep's tightest examples), or all (default): Hypothesis, the "
                        "sweep and the hunt at the report's split of --examples (1/4, 1/2, the rest), the hunt "
                        "restarted from the tightest examples Hypothesis and the sweep decided")
    _examples_args(q, DEFAULT_F64, DEFAULT_MP)
    _theorems_arg(q)
    _scheduler_arg(q)
    q.add_argument("--json", action="store_true",
                   help="print a machine-readable result (counts, slacks, every counterexample's example)")

    q = sub.add_parser("report", help="full run of every statement and mutant; writes the report folder",
                       description="Run every statement and mutant in both precisions, make the figures, and "
                       "write REPORT.md, statements/*.md, figures/ and results.json. The folder is written "
                       "beside --out and swapped in atomically.")
    q.add_argument("ids", nargs="*", metavar="ID", help="restrict the report to these statements (and their "
                   "mutants); default: all")
    q.add_argument("--out", default="reports", metavar="DIR", help="report folder (default reports/)")
    _examples_args(q, DEFAULT_F64, DEFAULT_MP)
    _theorems_arg(q)
    q.add_argument("--mutant-examples", type=_examples_int, default=None, metavar="N",
                   help="float64 examples per mutant (default: half of --examples, 20 by default; "
                        "mpmath: a tenth, at least 1)")
    q.add_argument("--fast-figures", action="store_true", help="short horizons and coarse grids for the figures")
    _scheduler_arg(q)
    _deep_parser(sub)

    q = sub.add_parser("reproduce", help="re-run one example in both precisions",
                       description="Re-run one example (e.g. a counterexample from a report or `check --json`) "
                       "with float64 and mpmath primaries through the adjudicator, print every precision's "
                       "verdict and the trajectory rows around the witness.")
    q.add_argument("id", metavar="ID", help="statement or mutant key (id@version) or id")
    q.add_argument("--params", required=True, metavar="FILE|JSON",
                   help="the example as JSON ({'instance': …, 'hyper': …}, or a counterexample record "
                        "with an 'example' field), inline or in a file")
    q.add_argument("--rows", type=_nonneg_int, default=5, metavar="K",
                   help="rows either side of the witness (default 5)")
    _theorems_arg(q)

    q = sub.add_parser("figure", help="make one figure", description="Make one figure of the report.")
    q.add_argument("which", choices=("section6",), help="section6: the paper's Figure 3-style run")
    q.add_argument("--loss", choices=("square", "logistic"), default="square")
    q.add_argument("--out", default=".", metavar="DIR", help="output folder (default .)")
    from bnverify.numerics.hyper import MAX_HORIZON

    q.add_argument("--horizon", type=_int_at_least(0, MAX_HORIZON), default=None, metavar="T",
                   help=f"steps, <= {MAX_HORIZON} (default: the published run's)")
    q.add_argument("--sharpness-every", type=_pos_int, default=None, metavar="K",
                   help="compute the sharpness every K steps (default: ~200 points)")
    _prove_parsers(sub)
    return p


# --- helpers -----------------------------------------------------------------------------------
def _load(theorems, *, mutants=False):
    """Statements (or mutants); a missing folder is a usage error, no statement exit 4, a theorem
    file that raises exit 3 with its traceback in a log."""
    import traceback

    from bnverify.verify.registry import NoStatementsFound, TheoremImportError, load

    try:
        return load(theorems, mutants=mutants)
    except NoStatementsFound as e:
        raise CommandFailed(str(e), EXIT_NOTHING) from None
    except TheoremImportError as e:
        log = write_error_log(f"=== {e}\ntraceback:\n{e.traceback}")
        raise CommandFailed(f"theorems: {e} (traceback in {log})", EXIT_ERROR) from None
    except ValueError as e:
        raise UsageError(str(e)) from None
    except Exception as e:  # noqa: BLE001  (a malformed statement file: say which, in one line)
        log = write_error_log(traceback.format_exc())
        raise CommandFailed(f"theorems: cannot load statements: {type(e).__name__}: {e} (traceback in {log})",
                            EXIT_ERROR) from None


def _statement(args):
    """The statement or mutant ``args.id`` names (its key or id); a usage error when none does."""
    from bnverify.verify.registry import load_statement

    _load(args.theorems)  # a missing folder or a broken theorem file: its own message and exit status
    _load(args.theorems, mutants=True)
    try:
        return load_statement(args.id, args.theorems)
    except LookupError:
        raise UsageError(f"statement: unknown id {args.id!r}; see `bnverify list --mutants`") from None


def _check_profile() -> str:
    """``HYPOTHESIS_PROFILE``: one of the registered profiles (usage error otherwise)."""
    from bnverify.verify.campaign import PROFILE_EXAMPLES, profile_name

    name = profile_name()
    if name not in PROFILE_EXAMPLES:
        raise UsageError(f"HYPOTHESIS_PROFILE: unknown profile {name!r}; known: {', '.join(PROFILE_EXAMPLES)}")
    return name


def _exit_status(summary: dict, *, mutants_count: bool, log_path=None) -> int:
    """Exit status of a run from :func:`bnverify.report.run.run_outcome` (module docstring), with
    one line on stderr per kind of failure. ``mutants_count``: an uncaught mutant is exit 1."""
    from bnverify.report.run import exit_status

    if summary["errors"]:
        n = len(summary["errors"])
        first = summary["errors"][0]
        print(f"bnverify: {n} error(s): statements or examples raised (first: {first['key']} "
              f"[{first['backend']}]: {first['message']}); key, example and traceback of each in {log_path}",
              file=sys.stderr)
    if summary["undecided"]:
        print(f"bnverify: nothing decided for {len(summary['undecided'])} statement(s) (no examples run, or "
              f"none held or was violated: all vacuous, undecided, precision artefacts or raising): "
              f"{', '.join(summary['undecided'][:5])}{' …' if len(summary['undecided']) > 5 else ''}", file=sys.stderr)
    return exit_status(summary, mutants_count=mutants_count)


def _examples(args, default_precision_both=True) -> tuple[int, int]:
    from bnverify.report.run import default_examples

    try:
        f64, mp = default_examples()
    except ValueError as e:
        raise UsageError(str(e)) from None
    if args.examples is not None:
        f64 = args.examples
        mp = args.mp_examples if args.mp_examples is not None else max(1, f64 // 10) if f64 else 0
    elif args.mp_examples is not None:
        mp = args.mp_examples
    return f64, mp


def _fmt(x):
    from bnverify.report.tables import fmt

    return fmt(x)


# --- commands ----------------------------------------------------------------------------------
def cmd_list(args) -> int:
    rows = []
    for mut in ([False, True] if args.mutants else [False]):
        for s in _load(args.theorems, mutants=mut):
            d = s.describe()
            rows.append({"id": s.id, "version": s.version, "provenance": s.provenance, "kind": s.kind,
                         "reference": s.reference,
                         **({"mutant of": s.mutant_of or "", "address as": s.short_key if s.is_mutant else ""}
                            if args.mutants else {}),
                         "summary": d["summary"]})
    if args.json:
        print(json.dumps(rows, indent=1))
        return EXIT_OK
    if not rows:  # only --mutants can be empty: load() raises when there are no statements
        print("no statements found")
        return EXIT_NOTHING
    from tabulate import tabulate

    print(tabulate(rows, headers="keys", tablefmt="simple",
                   maxcolwidths=[None, 40] + [None] * (len(rows[0]) - 3) + [60]))
    return EXIT_OK


def _select(args):
    from bnverify.verify.registry import select

    stmts = _load(args.theorems)
    if not args.ids:
        return stmts, []
    muts = _load(args.theorems, mutants=True)
    mut_keys = {k: m for m in muts for k in (m.key, m.short_key)}
    plain_ids = [i for i in args.ids if i not in mut_keys]
    chosen = []
    if plain_ids:
        try:
            chosen = select(stmts, plain_ids)
        except ValueError as e:
            raise UsageError(str(e)) from None
    return chosen, [mut_keys[i] for i in args.ids if i in mut_keys]


def cmd_check(args) -> int:
    from bnverify.report.run import campaign_dict, error_log_text, run_outcome
    from bnverify.verify.orchestrate import run_campaigns
    from bnverify.verify.planning import Budget, campaign_budget
    from bnverify.verify.runners import progress_printer, runner_for

    _check_profile()
    f64, mp = _examples(args)
    scheduler = _scheduler(args)
    workers = _workers(args, scheduler)
    stmts, muts = _select(args)
    precisions = ("float64", "mpmath") if args.precision == "both" else (args.precision,)

    def budget(stmt, precision):
        n = f64 if precision == "float64" else mp
        if stmt.is_mutant and args.examples is None and args.mp_examples is None:  # the report's mutant counts
            from bnverify.report.run import DEFAULT_MUTANT_F64, DEFAULT_MUTANT_MP

            n = DEFAULT_MUTANT_F64 if precision == "float64" else DEFAULT_MUTANT_MP
        if args.search == "all":
            return campaign_budget(stmt, n, precision, certify=args.certify)
        return Budget.for_search(args.search, n, certify=args.certify)

    chosen = stmts + muts
    if scheduler is None and len(chosen) * len(precisions) <= 1:
        workers = 1  # one campaign: not worth starting a cluster
    t0 = time.perf_counter()
    with runner_for(scheduler, workers) as runner:
        runs = run_campaigns(chosen, budget, runner, seed=args.seed, backends=precisions,
                             progress=progress_printer() if sys.stderr.isatty() else None)
    wall = time.perf_counter() - t0
    results = [campaign_dict(res, s) for res, s in zip(runs, (s for s in chosen for _ in precisions))]
    summary = run_outcome(results)  # every mutant here was asked for by key: not caught is exit 1
    log = write_error_log(error_log_text(summary["errors"])) if summary["errors"] else None
    if args.json:
        from bnverify.report.run import json_safe

        payload = dict(settings=dict(precision=args.precision, examples_f64=f64, examples_mp=mp, seed=args.seed,
                                     theorems=args.theorems), wall_seconds=wall,
                       violated=bool(summary["violated"]), violated_statements=summary["violated"],
                       mutants_not_caught=summary["mutants_missed"], undecided_statements=summary["undecided"],
                       errors=[f"{e['key']} [{e['backend']}]: {e['message']}" for e in summary["errors"]],
                       error_log=str(log) if log else None, results=results)
        print(json.dumps(json_safe(payload), indent=1, sort_keys=True))
    else:
        _print_check(results, wall)
    return _exit_status(summary, mutants_count=True, log_path=log)


def _print_check(results, wall):
    from tabulate import tabulate

    from bnverify.report.tables import OUTCOME_COLUMNS, certified_text, cov_text, verdict_word
    from bnverify.verify.testing import describe_counterexample

    errs = any(r["counts"].get("error", 0) or r.get("error") for r in results)
    pinned = any(r.get("pinned") for r in results)
    trivial = any(r.get("trivial_holds") for r in results)

    def sup(r):
        s = r.get("tightness_sup")
        return _fmt(s["value"]) if s else "–"

    rows = [{"statement": r["key"], "precision": r["backend"], "examples": r["examples"],
             **({"pinned": r.get("pinned", 0)} if pinned else {}), "met": r["met"],
             "distinct": r.get("distinct", 0), "coverage 1-D/2-D": cov_text(r),
             **{k: r["counts"].get(k, 0) for k in OUTCOME_COLUMNS},
             **({"error": r["counts"].get("error", 0)} if errs and "error" not in OUTCOME_COLUMNS else {}),
             "min slack": _fmt(r.get("informative_min_slack", r["min_slack"])), "tightness sup": sup(r),
             "certified": certified_text(r),
             "verdict": verdict_word(r) if not r["mutant"] else ("caught" if r["counts"]["violated"] else "NOT caught"),
             "s": f"{r['seconds']:.1f}"} for r in results]
    print(tabulate(rows, headers="keys", tablefmt="simple"))
    print("distinct: decided examples that are distinct cases (duplicates and rejected draws not counted); "
          "coverage: share of the space's 1-D / 2-D marginal cells they reach; tightness sup: the largest "
          "observed/bound (1 = attained)")
    if trivial:
        print("min slack: over informative verdicts, as tightness — holds whose bound is met trivially (e.g. "
              "attained by rho_0 at t = 0, slack 0) are left out")
    if pinned:
        print("examples = pinned + generated: a statement's pinned examples (recorded regressions) run "
              "before the generated ones, so --examples 20 with 2 pinned shows 22")
    for r in results:
        for ce in r["counterexamples"][:3]:
            print(f"\n{r['key']} [{r['backend']} primary] counterexample:")
            print(describe_counterexample(r["key"], ce, r.get("source_file")))
        if len(r["counterexamples"]) > 3:
            print(f"  … {len(r['counterexamples']) - 3} more (use --json for all)")
    print(f"\nwall time {wall:.1f} s")


def cmd_report(args) -> int:
    from bnverify.report.build import write_report
    from bnverify.report.run import RunSettings

    from bnverify.report.build import UnsafeOutput, prepare_out

    profile = _check_profile()
    f64, mp = _examples(args)
    try:
        from bnverify.verify.registry import theorem_dirs

        theorem_dirs(args.theorems)
    except ValueError as e:
        raise UsageError(str(e)) from None
    out = Path(args.out)
    try:
        # refuse a folder that is not a report, or cannot be written, before any work
        prepare_out(args.out, quiet=False)
    except UnsafeOutput as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise UsageError(f"--out: cannot use {args.out}: {e.strerror or e}"
                         f"{f' ({e.filename})' if e.filename and e.filename != args.out else ''}") from None
    scheduler = _scheduler(args)
    workers = _workers(args, scheduler)
    _select(args)  # fail early, with one line, on an unknown id or a broken statement file

    from bnverify.report.run import DEFAULT_MUTANT_F64, DEFAULT_MUTANT_MP

    if args.mutant_examples is not None:
        mf, mm = args.mutant_examples, max(1, args.mutant_examples // 10) if args.mutant_examples else 0
    elif args.examples is None and args.mp_examples is None and not os.environ.get("BNVERIFY_EXAMPLES"):
        mf, mm = DEFAULT_MUTANT_F64, DEFAULT_MUTANT_MP
    else:
        mf, mm = max(1, f64 // 2) if f64 else 0, max(1, mp // 2) if mp else 0
    settings = RunSettings(examples_f64=f64, examples_mp=mp, seed=args.seed, mutant_f64=mf, mutant_mp=mm,
                           theorems=tuple(args.theorems),
                           ids=tuple(args.ids),
                           workers=workers, profile=profile, scheduler=scheduler, certify=args.certify,
                           extra={"command": "bnverify " + " ".join(sys.argv[1:])})
    try:
        info = write_report(out, settings, fast_figures=args.fast_figures)
    except UnsafeOutput as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        if e.filename is None:  # not the file system (e.g. a scheduler that went away): not --out's fault
            import traceback

            log = write_error_log(traceback.format_exc())
            raise CommandFailed(f"the run failed: {type(e).__name__}: {e} (traceback in {log})", EXIT_ERROR) from None
        raise UsageError(f"--out: cannot write the report to {args.out}: "
                         f"{e.strerror or e}{f' ({e.filename})' if e.filename else ''}") from None
    print(f"report written to {info['out']}/REPORT.md: {info['statements']} statements, {info['mutants']} mutants, "
          f"wall time {info['wall']:.1f} s (campaigns {info['campaigns_seconds']:.1f} s)")
    if not info["replaced"]:
        print(f"bnverify: this run exits {info['status']}, so the previous report in {args.out} is left as it was; "
              f"this run's report is in {info['out']}", file=sys.stderr)
    if info["mutants_missed"]:
        print(f"mutants NOT caught: {', '.join(info['mutants_missed'])}")
    for k, e in info["figure_errors"].items():
        print(f"figure {k} failed: {e}", file=sys.stderr)
    if info["violated"]:
        print(f"{info['violated']} statement(s) with a confirmed violation: {', '.join(info['violated_keys'])}; "
              "see the report")
    return _exit_status(info["summary"], mutants_count=False, log_path=info["error_log"])


def _read_params(s: str) -> dict:
    text = s
    if not s.lstrip().startswith(("{", "[")):
        p = Path(s)
        if not p.is_file():
            raise UsageError(f"--params: neither JSON nor a readable file: {s[:80]}")
        text = p.read_text(encoding="utf-8")
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(f"--params: invalid JSON: {e}") from None
    if not isinstance(d, dict):
        raise UsageError(f"--params: expected a JSON object with 'instance' and 'hyper', got {type(d).__name__} "
                         f"{json.dumps(d)[:60]}")
    if isinstance(d, dict) and "example" in d:
        d = d["example"]
    if not (isinstance(d, dict) and "instance" in d and "hyper" in d):
        raise UsageError("--params: expected an object with 'instance' and 'hyper' "
                         "(or a counterexample with 'example')")
    for part in ("instance", "hyper"):
        if not isinstance(d[part], dict):
            raise UsageError(f"--params: '{part}' must be a JSON object, got {json.dumps(d[part])[:80]}")
    return d


def cmd_reproduce(args) -> int:
    import pandas as pd

    from bnverify.verify.adjudicate import decide, run_once
    from bnverify.verify.example import Example
    from bnverify.report.tables import verdicts_of

    d = _read_params(args.params)
    stmt = _statement(args)
    if not isinstance(d["instance"].get("builder"), str):
        raise UsageError("--params: 'instance' needs a 'builder' name (a string)")
    try:
        ex = Example.from_dict(d)
        _check_memory(ex)
        ex.instance("float64")
    except (TypeError, ValueError, KeyError, IndexError, OverflowError, AttributeError) as e:
        raise UsageError(f"--params: not a valid example: {e}") from None
    try:
        return _reproduce(args, stmt, ex, decide, run_once, verdicts_of, pd)
    except (KeyboardInterrupt, UsageError):
        raise
    except Exception as e:  # noqa: BLE001  (the statement raised on this example)
        import traceback

        log = write_error_log(f"=== {stmt.key}: reproduce raised\nexample: {ex.to_json()}\n"
                              f"traceback:\n{traceback.format_exc()}")
        raise CommandFailed(f"{stmt.key} raised on this example: {type(e).__name__}: {e} "
                            f"(traceback in {log})", EXIT_ERROR) from None


def _reproduce_backends() -> list:
    """Every precision ``reproduce`` may build the instance in: both primaries and their ladders."""
    from bnverify.verify.adjudicate import ARB_BITS, LADDER, REDUCED_LADDER

    return ["float64", "mpmath", *(f"arb{b}" for b in ARB_BITS or ()), *LADDER, *REDUCED_LADDER]


def _check_memory(ex) -> None:
    """Refuse, before building anything, an instance whose builds in every precision together
    would take more than half the available memory
    (:meth:`~bnverify.verify.example.Example.memory_estimate`)."""
    from bnverify.verify.example import available_memory

    need, have = ex.memory_estimate(_reproduce_backends()), available_memory()
    if need is not None and have is not None and need > have // 2:
        kw = dict(ex.kwargs)
        raise UsageError(f"--params: the instance n={kw['n']}, d={kw['d']} needs about {need / 1e9:.1f} GB in the "
                         f"precisions reproduce builds it in (float64, balls, mpmath ladder); {have / 1e9:.1f} GB "
                         "available, at most half used — refused before building it")


def _reproduce(args, stmt, ex, decide, run_once, verdicts_of, pd) -> int:
    from bnverify.report.run import error_log_text, run_outcome

    print(f"{stmt.key} — {stmt.reference}")
    print(f"example: {ex.short()}")
    results = []
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    for primary in ("float64", "mpmath"):
        dec = decide(stmt, ex, primary=primary)
        results.append(dict(key=stmt.key, mutant=stmt.is_mutant, known_false=getattr(stmt, "known_false", None),
                            backend=dec.primary, counts={dec.outcome: 1},
                            artefacts=[dec.to_dict()] if dec.outcome == "artefact" else [],
                            errors=[dict(example=ex.to_dict(), traceback=dec.error)] if dec.error else []))
        print(f"\n== {primary} primary: outcome {dec.outcome.upper()} ({dec.seconds:.2f} s)")
        print(verdicts_of(dec.to_dict()).to_string(index=False))
    summary = run_outcome(results)  # the exit status as `check` gives it, for this one example
    if summary["errors"]:
        log = write_error_log(error_log_text(summary["errors"]))
        return _exit_status(summary, mutants_count=True, log_path=log)
    cols = ["t", "loss", "rho", "edge", "gamma", "wnorm", "eta_eff", "tau", "grad_w_norm"]
    for backend in ("float64", "mpmath"):
        v, traj = run_once(stmt, ex, backend)
        if traj is None:
            print(f"\n== {backend}: hypotheses not met: {v.message}")
            continue
        w = v.witness if v.witness is not None else traj.T
        lo, hi = max(0, w - args.rows), min(traj.T, w + args.rows)
        df = traj.to_pandas()
        df = df[[c for c in cols if c in df.columns]].iloc[lo:hi + 1]
        print(f"\n== {backend} trajectory ({traj.source}, status {traj.status}), rows {lo}..{hi} around the "
              f"witness t = {v.witness} (verdict {v.status}):")
        with pd.option_context("display.float_format", lambda x: f"{x:.10g}"):
            print(df.to_string(index=False))
    return _exit_status(summary, mutants_count=True)


def cmd_figure(args) -> int:
    from bnverify.report.figures import section6

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: not a directory: {args.out}")
    t0 = time.perf_counter()
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not os.access(out, os.W_OK):
            raise PermissionError(13, "Permission denied", str(out))
        info = section6(args.loss, out / f"section6_{args.loss}.png", horizon=args.horizon,
                        sharpness_every=args.sharpness_every)
    except OSError as e:
        raise UsageError(f"--out: cannot write to {args.out}: {e.strerror or e}") from None
    print(f"wrote {info['path']} ({info['steps']} steps, {time.perf_counter() - t0:.1f} s); settings: "
          f"instance {json.dumps(info['instance'])}, hyper {json.dumps(info['hyper'])}")
    return EXIT_OK


def _deep_parser(sub) -> None:
    q = sub.add_parser("deep", help="every statement (and mutant) at a large budget into a resumable store",
                       description="Every statement with a declared space (and, with --mutants, every mutant) at a "
                       "large budget, into a resumable results store, and a markdown summary (make deep). Run again "
                       "to resume an interrupted run; --from-store writes the summary of what the store holds.")
    q.add_argument("--store", default="reports/deep/store", metavar="DIR", help="results store folder (resumable)")
    q.add_argument("--summary", default="reports/deep/SUMMARY.md", metavar="FILE")
    q.add_argument("--hypothesis", type=_nonneg_int, default=1000, metavar="N")
    q.add_argument("--sweep", type=_nonneg_int, default=8192, metavar="N")
    q.add_argument("--hunt", type=_nonneg_int, default=1024, metavar="N")
    q.add_argument("--examples", type=_nonneg_int, default=None, metavar="N",
                   help="the depth targets: N float64 draws per statement split as the report's (Hypothesis 1/4, "
                        "sweep 1/2, hunt the rest), a screened reduced-recurrence statement's sweep filled up to "
                        "--reduced-examples, each times the statement's deep_scale; mutants as the report's "
                        "(needles at >= 3/p); replaces --hypothesis/--sweep/--hunt/--chunk (make deep: 10000)")
    q.add_argument("--reduced-examples", type=_nonneg_int, default=None, metavar="M",
                   help="with --examples: draws per screened reduced-recurrence statement (default 10 N)")
    q.add_argument("--hunt-restarts", type=_pos_int, default=8, metavar="K")
    q.add_argument("--chunk", type=_pos_int, default=64, metavar="C", help="sweep examples per unit of work")
    q.add_argument("--seed", type=int, default=0, metavar="S")
    q.add_argument("--certify", choices=("doubtful", "all"), default="doubtful",
                   help="what goes up the precision ladder: doubtful verdicts + 8 tightest + a sample of 32 "
                        "screened holds per campaign (default), or every decided verdict")
    q.add_argument("--backend", action="append", default=None, help="primary precision (repeatable; default float64)")
    q.add_argument("--statement", action="append", default=[], help="statement id or key (repeatable; default all)")
    _theorems_arg(q)
    q.add_argument("--mutants", action="store_true", help="also every mutant (stops at its first violation)")
    _scheduler_arg(q)
    q.add_argument("--workers", type=_pos_int, default=None, metavar="W",
                   help="worker processes of the embedded cluster (default: one per core)")
    q.add_argument("--premises-factor", type=_nonneg_int, default=16, metavar="K",
                   help="the report's premise margins at K times its points, beside the campaigns (0: none)")
    q.add_argument("--from-store", action="store_true",
                   help="decide nothing: write the summary from what the store holds (an interrupted run)")


def cmd_deep(args) -> int:
    from bnverify.report.deep import DeepSettings, run_deep
    from bnverify.verify.planning import Budget
    from bnverify.verify.registry import theorem_dirs

    try:
        theorem_dirs(args.theorems)
    except ValueError as e:
        raise UsageError(str(e)) from None
    scheduler = None if args.from_store else _scheduler(args)
    budget = Budget(hypothesis=args.hypothesis, sweep=args.sweep, hunt=args.hunt, hunt_restarts=args.hunt_restarts,
                    chunk=args.chunk, certify=args.certify)
    if args.statement:
        from bnverify.verify.registry import select

        try:
            select(_load(args.theorems), args.statement)
        except ValueError as e:
            raise UsageError(str(e)) from None
    run_deep(DeepSettings(store=args.store, summary=args.summary, budget=budget, examples=args.examples,
                          reduced_examples=args.reduced_examples, seed=args.seed,
                          premises_factor=args.premises_factor,
                          backends=tuple(args.backend or ("float64",)), statements=tuple(args.statement),
                          theorems=tuple(args.theorems), mutants=args.mutants, scheduler=scheduler,
                          workers=args.workers, from_store=args.from_store))
    return EXIT_OK


COMMANDS = {"list": cmd_list, "check": cmd_check, "report": cmd_report, "reproduce": cmd_reproduce,
            "figure": cmd_figure, "deep": cmd_deep}


def _stopped(command: str | None) -> str:
    """What an interruption of ``command`` left behind, for its one line."""
    if command == "report":
        return "; campaigns stopped, the previous report left intact"
    if command == "deep":
        return ("; finished units are in the store: run again to resume "
                "(or --from-store for the summary of what it holds)")
    return "; campaigns stopped" if command == "check" else ""


# --- prove / check-certificate (issue 20: region claims, interval branch and bound) -----------------
def _prove_parsers(sub) -> None:
    q = sub.add_parser("prove", help="prove a statement's region claims over a box (interval branch and bound)",
                       description="Decide a statement's region claims (a claim over a box of real variables, "
                       "e.g. the state (rho, eta_eff) of one whitened step) by interval branch and bound: a cover "
                       "of the box by proved boxes, refuted boxes (the first five confirmed at their midpoints by the "
                       "precision ladder, with a reproduce line) and an undecided residue. Exit 0 proved over the "
                       "whole box, 1 refuted, 4 undecided residue left, 2 usage, 3 error.")
    q.add_argument("id", metavar="ID", help="statement or mutant key (id@version, id@version+name) or id")
    q.add_argument("--claim", default=None, metavar="NAME", help="one region claim of the statement (default: all)")
    q.add_argument("--box", action="append", default=[], metavar="NAME=LO:HI",
                   help="restrict a variable of the claim's box to a sub-range (repeatable)")
    q.add_argument("--budget", type=float, default=30.0, metavar="S", help="seconds per claim (default 30)")
    q.add_argument("--certificate", default=None, metavar="FILE",
                   help="write the certificate (one claim: FILE; several: FILE with #NAME before the suffix)")
    q.add_argument("--json", action="store_true", help="machine-readable result")
    _theorems_arg(q)
    q = sub.add_parser("check-certificate", help="re-check a certificate of `bnverify prove`",
                       description="Re-evaluate every leaf of a region certificate with the small separate "
                       "checker bnverify.verify.certcheck (no search, no bisection). Exit 0 when every leaf "
                       "re-evaluates to its recorded verdict, 1 when one does not, 2 usage.")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--json", action="store_true")
    _theorems_arg(q)


def _parse_box(items) -> dict:
    box = {}
    for it in items:
        name, sep, rng = it.partition("=")
        lo, sep2, hi = rng.partition(":")
        try:
            if not (sep and sep2):
                raise ValueError
            box[name.strip()] = (float(lo), float(hi))
        except ValueError:
            raise UsageError(f"--box: expected NAME=LO:HI, got {it!r}") from None
        if not box[name.strip()][0] <= box[name.strip()][1]:
            raise UsageError(f"--box: need LO <= HI in {it!r}")
    return box


def _cert_path(base: str, name: str, several: bool) -> str:
    if not several:
        return base
    p = Path(base)
    return str(p.with_name(f"{p.stem}#{name}{p.suffix}"))


def cmd_prove(args) -> int:
    from bnverify.verify.prove import InheritedClaims, prove, region_claims, write_certificate

    stmt = _statement(args)
    try:
        claims = [c for c in region_claims(stmt) if args.claim is None or c.name == args.claim]
    except InheritedClaims as e:  # a revision that would prove its parent's bound under its own key
        raise UsageError(str(e)) from None
    if not claims:
        raise UsageError(f"{stmt.key}: no region claim" + (f" named {args.claim!r}" if args.claim else "")
                         + " (statements with region claims define region_claims())")
    box = _parse_box(args.box)
    if not args.budget > 0:
        raise UsageError("--budget: must be > 0")
    out, codes = [], []
    for c in claims:
        try:
            r = prove(c, box, budget=args.budget, stop_on_refute=stmt.is_mutant, confirm_refuted=5)
        except KeyError as e:
            raise UsageError(f"--box: {e.args[0]}") from None
        d = r.summary()
        if args.certificate:
            path = _cert_path(args.certificate, c.name, len(claims) > 1)
            d["certificate"], d["certificate_bytes"] = path, write_certificate(r, path)
        out.append(d)
        codes.append({"proved": EXIT_OK, "refuted": EXIT_VIOLATED, "undecided": EXIT_NOTHING}.get(r.status, EXIT_ERROR))
        if not args.json:
            print(f"{c.short_key}: {r.status.upper()} over "
                  + ", ".join(f"{k} in [{v.lo:.6g}, {v.hi:.6g}]" for k, v in r.box.items()))
            print(f"  {c.text}")
            print(f"  {r.boxes} boxes in {r.seconds:.2f} s ({r.stopped}); leaves proved {r.leaves['proved']}, refuted "
                  f"{r.leaves['refuted']}, residue {r.leaves['residue']}; volume share proved {r.proved_share:.6g}, "
                  f"residue {r.residue_share:.3g}"
                  + (f"; certificate {d['certificate']} ({d['certificate_bytes']} bytes)" if args.certificate else ""))
            for n in r.refuted[:3]:
                print("  refuted box: " + ", ".join(f"{k} in [{v.lo!r}, {v.hi!r}]" for k, v in n.box.items()))
                if n.confirm:
                    print(f"    at its midpoint the ladder says {n.confirm['outcome']}: {n.confirm['reproduce']}")
    if args.json:
        print(json.dumps(out, indent=1, default=str))
    for code in (EXIT_VIOLATED, EXIT_ERROR, EXIT_NOTHING):
        if code in codes:
            return code
    return EXIT_OK


def cmd_check_certificate(args) -> int:
    from bnverify.verify.certcheck import CertificateError, check_file

    try:
        r = check_file(args.file, args.theorems)
    except CertificateError as e:
        raise UsageError(f"certificate: {e}") from None
    if args.json:
        print(json.dumps(r.to_dict(), indent=1))
    else:
        print(f"{r.claim} over {', '.join(f'{k} in [{lo:g}, {hi:g}]' for k, (lo, hi) in r.box.items())}: "
              f"{'OK' if r.ok else 'FAILED'} — leaves proved {r.leaves['P']}, refuted {r.leaves['R']}, "
              f"residue {r.leaves['U']}; shares proved {r.shares['P']:.6g}, refuted {r.shares['R']:.3g}, residue "
              f"{r.shares['U']:.3g}; re-checked in {r.seconds:.2f} s (certificate of commit {r.commit})")
        for f in r.failures[:5]:
            print(f"  leaf {f[0]}: recorded {f[1]}, re-evaluated {f[2]}")
    return EXIT_OK if r.ok else EXIT_VIOLATED


COMMANDS.update({"prove": cmd_prove, "check-certificate": cmd_check_certificate})


def main(argv=None) -> int:
    from bnverify.report.run import Terminated, sigterm_as_interrupt

    command = None
    try:
        with sigterm_as_interrupt():
            args = build_parser().parse_args(argv)
            command = args.command
            return COMMANDS[args.command](args)
    except UsageError as e:
        print(str(e) if str(e).startswith("bnverify") else f"bnverify: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except CommandFailed as e:
        print(f"bnverify: error: {e}", file=sys.stderr)
        return e.code
    except Terminated:
        print(f"bnverify: terminated (SIGTERM){_stopped(command)}", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(f"bnverify: interrupted{_stopped(command)}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
