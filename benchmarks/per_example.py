"""Milliseconds per example of the full-GD and logistic statements, and their campaign records.

One statement's float64 sweep campaign (``Budget(sweep=N, chunk=N, certify_tightest=0,
certify_sample=0)``, seed 1: phases 1 and 2, no phase-3 certification) in a fresh process, so no cache
is shared between measurements (after a 4-draw warm-up campaign at another seed: the lazy imports).
``--pair OTHER_SRC`` times the same campaigns on another checkout's ``src`` (e.g. a worktree of the
baseline commit, with ``src/bnverify/theorems`` linked to its ``theorems``), alternating A B B A … per
statement (the fastest of ``--reps`` runs each is quoted: the machine is shared), and checks that the
records agree: outcome, slack, tightness and the final verdict of every draw, and every rung's verdict
of a draw that went up the ladder (timings excluded).

    python benchmarks/per_example.py [--only KEY ...] [--sweep 64] [--reps 2] [--pair ../base/src] [--json OUT]
    python benchmarks/per_example.py --profile KEY [--sweep 64]      # cProfile of one campaign, top by own time
    python benchmarks/per_example.py --one KEY --sweep 64            # (internal) one campaign, JSON on stdout
"""
from __future__ import annotations

import os
import sys

# benchmarks/ holds a profile.py (cProfile imports the standard library's): keep this folder off the path
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")


def full_gd_keys() -> list[str]:
    """Every shipped statement decided on the full-GD simulator (square-loss whitened and logistic)."""
    from bnverify.verify import registry

    return [s.key for s in registry.load(()) if s.simulator == "full"]


def _strip(d):
    """A record's comparable part: no timings."""
    if isinstance(d, dict):
        return {k: _strip(v) for k, v in d.items() if k not in ("seconds",)}
    if isinstance(d, list):
        return [_strip(v) for v in d]
    return d


def one(key: str, sweep: int, profiler=None) -> dict:
    """One campaign of ``key`` in this process: seconds, outcomes and the comparable records."""
    from bnverify.verify import registry
    try:
        from bnverify.verify.orchestrate import run_campaign
        from bnverify.verify.planning import Budget
    except ImportError:  # a checkout before the one orchestrator (paired runs against d5f75ba)
        from bnverify.verify.search import Budget, run_campaign

    stmt = next(s for s in registry.load(()) if s.key == key)
    budget = Budget(sweep=sweep, chunk=sweep, certify_tightest=0, certify_sample=0)
    run_campaign(stmt, Budget(sweep=4, chunk=4, certify_tightest=0, certify_sample=0), seed=99)  # imports, warm-up
    recs = []
    if profiler is not None:
        profiler.enable()
    t0 = time.perf_counter()
    res = run_campaign(stmt, budget, seed=1, on_record=None)
    dt = time.perf_counter() - t0
    if profiler is not None:
        profiler.disable()
    for r in res.records:
        recs.append(_strip({k: r.get(k) for k in ("searcher", "index", "outcome", "slack", "tightness", "final",
                                                  "decision", "screened")}))
    outcomes: dict = {}
    for r in res.records:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    return dict(key=key, seconds=dt, n=len(res.records), outcomes=outcomes, records=recs)


def run_one(src: str, key: str, sweep: int) -> dict:
    env = dict(os.environ, PYTHONPATH=src)
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", key, "--sweep", str(sweep)],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def differences(a: dict, b: dict) -> list[str]:
    out = []
    if len(a["records"]) != len(b["records"]):
        out.append(f"{len(a['records'])} vs {len(b['records'])} records")
    for ra, rb in zip(a["records"], b["records"]):
        if ra != rb:
            fields = sorted(k for k in set(ra) | set(rb) if ra.get(k) != rb.get(k))
            out.append(f"{ra['searcher']}#{ra['index']}: {fields}")
    return out


def profile(key: str, sweep: int, top: int = 30) -> None:
    import cProfile
    import pstats

    pr = cProfile.Profile()
    r = one(key, sweep, pr)
    print(f"{key}: {1e3 * r['seconds'] / r['n']:.1f} ms per example (profiled), outcomes {r['outcomes']}")
    pstats.Stats(pr).sort_stats("tottime").print_stats(top)
    pstats.Stats(pr).sort_stats("cumulative").print_stats(top)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--sweep", type=int, default=64)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--pair", default=None, help="another checkout's src: timed alternately, records compared")
    ap.add_argument("--json", default=None)
    ap.add_argument("--one", default=None)
    ap.add_argument("--profile", default=None)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one, args.sweep)))
        return
    if args.profile:
        profile(args.profile, args.sweep)
        return
    keys = args.only or full_gd_keys()
    trees = [("this", SRC)] + ([("other", os.path.abspath(args.pair))] if args.pair else [])
    results = {}
    print(f"{'statement':58s} " + " ".join(f"{name:>10s}" for name, _ in trees)
          + ("   ratio  records" if args.pair else "   outcomes"))
    for key in keys:
        runs = {name: [] for name, _ in trees}
        for rep in range(args.reps):
            order = trees if rep % 2 == 0 else trees[::-1]
            for name, src in order:
                runs[name].append(run_one(src, key, args.sweep))
        ms = {name: sorted(1e3 * r["seconds"] / r["n"] for r in rs) for name, rs in runs.items()}
        med = {name: v[0] for name, v in ms.items()}  # the fastest run: the least disturbed by the shared machine
        line = f"{key:58s} " + " ".join(f"{med[name]:10.1f}" for name, _ in trees)
        entry = dict(ms=ms, outcomes=runs["this"][0]["outcomes"])
        if args.pair:
            diff = differences(runs["this"][0], runs["other"][0])
            entry.update(ratio=med["other"] / med["this"], differences=diff)
            line += f" {med['other'] / med['this']:7.2f}x  {'identical' if not diff else f'{len(diff)} differ'}"
        else:
            line += f"   {entry['outcomes']}"
        print(line, flush=True)
        results[key] = entry
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
