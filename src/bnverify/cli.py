"""The ``bnverify`` command line.

::

    bnverify list [--mutants] [--theorems DIR]
    bnverify check [ID ...] [--precision float64|mpmath|both] [--examples N] [--mp-examples M]
                   [--seed S] [--theorems DIR] [--workers W] [--json]
    bnverify report [--out reports/] [--examples N] [--mp-examples M] [--seed S] [--theorems DIR]
    bnverify reproduce ID --params FILE|JSON [--rows K] [--theorems DIR]
    bnverify figure section6 [--loss square|logistic] [--out DIR] [--horizon T]

Exit status: 0 nothing violated, 1 a statement was violated, 2 usage error (one line on stderr).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_VIOLATED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A user mistake: reported as one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage block
        raise UsageError(f"{self.prog}: error: {message}")


def _nonneg_int(s: str) -> int:
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {s!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {s!r}")
    return v


def _pos_int(s: str) -> int:
    v = _nonneg_int(s)
    if v == 0:
        raise argparse.ArgumentTypeError("expected an integer >= 1, got 0")
    return v


def _default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def _theorems_arg(p):
    p.add_argument("--theorems", metavar="DIR", action="append", default=[],
                   help="extra folder of statement files (repeatable; also BNVERIFY_THEOREMS)")


def _examples_args(p, f64_default, mp_default):
    p.add_argument("--examples", type=_nonneg_int, default=None, metavar="N",
                   help=f"examples per statement with float64 primary (default {f64_default}; "
                        "env BNVERIFY_EXAMPLES='N,M')")
    p.add_argument("--mp-examples", type=_nonneg_int, default=None, metavar="M",
                   help=f"examples per statement with mpmath primary (default {mp_default}, "
                        "or N/10 when --examples is given)")
    p.add_argument("--seed", type=int, default=None, metavar="S",
                   help="Hypothesis seed (default: derandomised, reproducible)")
    p.add_argument("--workers", type=_pos_int, default=None, metavar="W",
                   help="worker processes for campaigns (default: min(2, CPUs))")


def build_parser() -> argparse.ArgumentParser:
    from .report.run import DEFAULT_F64, DEFAULT_MP

    p = _Parser(prog="bnverify", description="Theorem-checking numerical verification of GD dynamics in "
                "batch-normalised linear models: run statements (lemmas/theorems as predicates over "
                "simulated trajectories), reproduce counterexamples, write the report.",
                epilog="Exit status: 0 nothing violated, 1 something violated, 2 usage error.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    q = sub.add_parser("list", help="list statements (id, version, provenance, kind, reference)",
                       description="List every statement found in theorems/ (and --theorems folders).")
    q.add_argument("--mutants", action="store_true", help="list the deliberately false variants too")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    _theorems_arg(q)

    q = sub.add_parser("check", help="falsification campaigns for some or all statements",
                       description="Run Hypothesis campaigns (campaign.falsify) per statement and precision "
                       "and print a verdict table. Exit 1 if any statement is violated.")
    q.add_argument("ids", nargs="*", metavar="ID", help="statement id, id@version or id prefix (default: all); "
                   "a mutant's full key is accepted too")
    q.add_argument("--precision", choices=("float64", "mpmath", "both"), default="both",
                   help="primary precision of the campaigns (default both)")
    _examples_args(q, DEFAULT_F64, DEFAULT_MP)
    _theorems_arg(q)
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
    q.add_argument("--mutant-examples", type=_nonneg_int, default=None, metavar="N",
                   help="float64 examples per mutant (default: half of --examples, 20 by default; "
                        "mpmath: a tenth, at least 1)")
    q.add_argument("--fast-figures", action="store_true", help="short horizons and coarse grids for the figures")

    q = sub.add_parser("reproduce", help="re-run one example in both precisions",
                       description="Re-run one example (e.g. a counterexample from a report or `check --json`) "
                       "with float64 and mpmath primaries through the adjudicator, print every precision's "
                       "verdict and the trajectory rows around the witness.")
    q.add_argument("id", metavar="ID", help="statement or mutant key (id@version) or id")
    q.add_argument("--params", required=True, metavar="FILE|JSON",
                   help="the example as JSON ({'instance': …, 'hyper': …}, or a counterexample record "
                        "with an 'example' field), inline or in a file")
    q.add_argument("--rows", type=_nonneg_int, default=5, metavar="K", help="rows either side of the witness (default 5)")
    _theorems_arg(q)

    q = sub.add_parser("figure", help="make one figure", description="Make one figure of the report.")
    q.add_argument("which", choices=("section6",), help="section6: the paper's Figure 3-style run")
    q.add_argument("--loss", choices=("square", "logistic"), default="square")
    q.add_argument("--out", default=".", metavar="DIR", help="output folder (default .)")
    q.add_argument("--horizon", type=_nonneg_int, default=None, metavar="T", help="steps (default: the published run's)")
    q.add_argument("--sharpness-every", type=_pos_int, default=None, metavar="K",
                   help="compute the sharpness every K steps (default: ~200 points)")
    return p


# --- helpers -----------------------------------------------------------------------------------
def _load(theorems, *, mutants=False):
    from .registry import load

    try:
        return load(theorems, mutants=mutants)
    except ValueError as e:
        raise UsageError(str(e)) from None
    except Exception as e:  # noqa: BLE001  (a broken statement file: say which, in one line)
        raise UsageError(f"theorems: cannot load statements: {type(e).__name__}: {e}") from None


def _examples(args, default_precision_both=True) -> tuple[int, int]:
    from .report.run import default_examples

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
    from .report.tables import fmt

    return fmt(x)


# --- commands ----------------------------------------------------------------------------------
def cmd_list(args) -> int:
    rows = []
    for mut in ([False, True] if args.mutants else [False]):
        for s in _load(args.theorems, mutants=mut):
            d = s.describe()
            rows.append({"id": s.id, "version": s.version, "provenance": s.provenance, "kind": s.kind,
                         "reference": s.reference, **({"mutant of": s.mutant_of or ""} if args.mutants else {}),
                         "summary": d["summary"]})
    if args.json:
        print(json.dumps(rows, indent=1))
        return EXIT_OK
    if not rows:
        print("no statements found")
        return EXIT_OK
    from tabulate import tabulate

    print(tabulate(rows, headers="keys", tablefmt="simple", maxcolwidths=[None, 40] + [None] * (len(rows[0]) - 3) + [60]))
    return EXIT_OK


def _select(args):
    from .registry import select

    stmts = _load(args.theorems)
    if not args.ids:
        return stmts, []
    muts = _load(args.theorems, mutants=True)
    mut_keys = {m.key: m for m in muts}
    plain_ids = [i for i in args.ids if i not in mut_keys]
    chosen = []
    if plain_ids:
        try:
            chosen = select(stmts, plain_ids)
        except ValueError as e:
            raise UsageError(str(e)) from None
    return chosen, [mut_keys[i] for i in args.ids if i in mut_keys]


def cmd_check(args) -> int:
    from .report.run import Job, run_jobs

    stmts, muts = _select(args)
    f64, mp = _examples(args)
    precisions = ("float64", "mpmath") if args.precision == "both" else (args.precision,)
    jobs = [Job(s.key, m, p, f64 if p == "float64" else mp, args.seed, tuple(args.theorems))
            for group, m in ((stmts, False), (muts, True)) for s in group for p in precisions]
    t0 = time.perf_counter()
    results = run_jobs(jobs, workers=args.workers or _default_workers(), desc="check")
    wall = time.perf_counter() - t0
    violated = [r for r in results if r["counts"]["violated"] or r.get("error")]
    for r in results:
        if r.get("error"):
            print(f"bnverify: campaign {r['key']} [{r['backend']}] raised: {r['error'].splitlines()[0][:300]}",
                  file=sys.stderr)
    if args.json:
        from .report.run import json_safe

        payload = dict(settings=dict(precision=args.precision, examples_f64=f64, examples_mp=mp, seed=args.seed,
                                     theorems=args.theorems), wall_seconds=wall,
                       violated=any(r["counts"]["violated"] for r in results),
                       errors=[f"{r['key']} [{r['backend']}]: {r['error']}" for r in results if r.get("error")],
                       results=results)
        print(json.dumps(json_safe(payload), indent=1, sort_keys=True))
    else:
        _print_check(results, wall)
    return EXIT_VIOLATED if violated else EXIT_OK


def _print_check(results, wall):
    from tabulate import tabulate

    from .report.tables import OUTCOME_COLUMNS, verdict_word
    from .testing import describe_counterexample

    rows = [{"statement": r["key"], "precision": r["backend"], "examples": r["examples"], "met": r["met"],
             **{k: r["counts"][k] for k in OUTCOME_COLUMNS}, "min slack": _fmt(r["min_slack"]),
             "verdict": verdict_word(r) if not r["mutant"] else ("caught" if r["counts"]["violated"] else "NOT caught"),
             "s": f"{r['seconds']:.1f}"} for r in results]
    print(tabulate(rows, headers="keys", tablefmt="simple"))
    for r in results:
        for ce in r["counterexamples"][:3]:
            print(f"\n{r['key']} [{r['backend']} primary] counterexample:")
            print(describe_counterexample(r["key"], ce))
        if len(r["counterexamples"]) > 3:
            print(f"  … {len(r['counterexamples']) - 3} more (use --json for all)")
    print(f"\nwall time {wall:.1f} s")


def cmd_report(args) -> int:
    from .report.build import write_report
    from .report.run import RunSettings

    f64, mp = _examples(args)
    try:
        from .registry import theorem_dirs

        theorem_dirs(args.theorems)
    except ValueError as e:
        raise UsageError(str(e)) from None
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: not a directory: {args.out}")
    _select(args)  # fail early, with one line, on an unknown id or a broken statement file
    from .campaign import profile_name

    from .report.run import DEFAULT_MUTANT_F64, DEFAULT_MUTANT_MP

    if args.mutant_examples is not None:
        mf, mm = args.mutant_examples, max(1, args.mutant_examples // 10) if args.mutant_examples else 0
    elif args.examples is None and args.mp_examples is None and not os.environ.get("BNVERIFY_EXAMPLES"):
        mf, mm = DEFAULT_MUTANT_F64, DEFAULT_MUTANT_MP
    else:
        mf, mm = max(1, f64 // 2) if f64 else 0, max(1, mp // 2) if mp else 0
    settings = RunSettings(examples_f64=f64, examples_mp=mp, seed=args.seed, mutant_f64=mf, mutant_mp=mm,
                           theorems=tuple(args.theorems),
                           ids=tuple(args.ids),
                           workers=args.workers or _default_workers(), profile=profile_name(),
                           extra={"command": "bnverify " + " ".join(sys.argv[1:])})
    info = write_report(out, settings, fast_figures=args.fast_figures)
    print(f"report written to {info['out']}/REPORT.md: {info['statements']} statements, {info['mutants']} mutants, "
          f"wall time {info['wall']:.1f} s (campaigns {info['campaigns_seconds']:.1f} s)")
    if info["mutants_missed"]:
        print(f"mutants NOT caught: {', '.join(info['mutants_missed'])}")
    for k, e in info["figure_errors"].items():
        print(f"figure {k} failed: {e}", file=sys.stderr)
    for e in info["errors"]:
        print(f"campaign error: {e}", file=sys.stderr)
    if info["violated"] or info["errors"]:
        print(f"{info['violated']} campaign(s) found a confirmed violation, {len(info['errors'])} raised; "
              "see the report")
        return EXIT_VIOLATED
    return EXIT_OK


def _read_params(s: str) -> dict:
    text = s
    if not s.lstrip().startswith("{"):
        p = Path(s)
        if not p.is_file():
            raise UsageError(f"--params: neither JSON nor a readable file: {s[:80]}")
        text = p.read_text(encoding="utf-8")
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(f"--params: invalid JSON: {e}") from None
    if isinstance(d, dict) and "example" in d:
        d = d["example"]
    if not (isinstance(d, dict) and "instance" in d and "hyper" in d):
        raise UsageError("--params: expected an object with 'instance' and 'hyper' (or a counterexample with 'example')")
    return d


def cmd_reproduce(args) -> int:
    import pandas as pd

    from .adjudicate import decide, run_once
    from .example import Example
    from .report.run import find_statement
    from .report.tables import verdicts_of

    d = _read_params(args.params)
    stmt = find_statement(args.id, args.theorems) if _load(args.theorems) is not None else None
    if stmt is None:
        raise UsageError(f"statement: unknown id {args.id!r}; see `bnverify list --mutants`")
    try:
        ex = Example.from_dict(d)
        ex.instance("float64")
    except (TypeError, ValueError, KeyError) as e:
        raise UsageError(f"--params: not a valid example: {e}") from None
    print(f"{stmt.key} — {stmt.reference}")
    print(f"example: {ex.short()}")
    outcomes = {}
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    for primary in ("float64", "mpmath"):
        dec = decide(stmt, ex, primary=primary)
        outcomes[primary] = dec.outcome
        print(f"\n== {primary} primary: outcome {dec.outcome.upper()} ({dec.seconds:.2f} s)")
        print(verdicts_of(dec.to_dict()).to_string(index=False))
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
    return EXIT_VIOLATED if "violated" in outcomes.values() else EXIT_OK


def cmd_figure(args) -> int:
    from .report.figures import section6

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: not a directory: {args.out}")
    t0 = time.perf_counter()
    info = section6(args.loss, out / f"section6_{args.loss}.png", horizon=args.horizon,
                    sharpness_every=args.sharpness_every)
    print(f"wrote {info['path']} ({info['steps']} steps, {time.perf_counter() - t0:.1f} s); settings: "
          f"instance {json.dumps(info['instance'])}, hyper {json.dumps(info['hyper'])}")
    return EXIT_OK


COMMANDS = {"list": cmd_list, "check": cmd_check, "report": cmd_report, "reproduce": cmd_reproduce,
            "figure": cmd_figure}


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as e:
        print(str(e) if str(e).startswith("bnverify") else f"bnverify: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("bnverify: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
