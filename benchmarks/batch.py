"""Decided examples per second, before and after the batch decisions (issue 9, item 2), in one run.

Two snapshots of the library — ``--old`` (default: the commit before the batch work) and ``--new``
(default: HEAD) — are exported with ``git archive`` into a temporary folder each; every measurement
is a fresh subprocess of this interpreter with that snapshot first on ``sys.path``, deciding the first
``N`` scrambled Sobol points (seed 0) of a statement's declared space with the sweep searcher
(``searchers.run_unit``: what ``make report``/``make deep`` run). Old and new alternate per statement
(old, new, new with the ladder's ball rungs, … ``--repeats`` times; "new" proper runs with
``adjudicate.ARB_BITS = ()``, the ladder as it was before the ball rungs, so that old and new decide
the same way and only the speed differs); the rate of a side is the median over its repeats;
imports are not timed. The new side is also measured on a deep-sized unit (``--deep``, the batch
path's natural size), and ``simulate_reduced_batch`` gives the batch-simulation limit: its
setting-steps/s divided by the mean steps the statement's examples need (the float64 rows recorded
by the batch, pilot included) is the examples/s the arithmetic alone would allow.

    python benchmarks/batch.py [--repeats 2] [--markdown]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

OLD = "cf1cd4f"  # before the floor-free recurrence and the batch decisions
FAMILIES = [  # (statement, N old, N new)
    ("thm3.peak_bound@reconstructed-v1", 16, 64),
    ("thm2.delayed_onset@reconstructed-v1", 32, 64),
    ("lemma13.rising_edge_ends@reconstructed-v1", 16, 64),
    ("lemma7.rising_criterion@exact-v1", 16, 16),
    ("lemma4.logistic_loss_upper@reconstructed-v1", 64, 64),
]
DEEP = 1024

_WORKER = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1])
from bnverify.verify.planning import Unit
from bnverify.verify.registry import load_statement
from bnverify.verify.searchers import run_unit
key, n = sys.argv[2], int(sys.argv[3])
if len(sys.argv) > 4 and sys.argv[4] == "noarb":  # the ball rungs of the ladder off (as before them)
    import bnverify.verify.adjudicate as A
    A.ARB_BITS = ()
stmt = load_statement(key)
t0 = time.perf_counter()
recs = run_unit(Unit(stmt.key, "sweep", 0, n, 0), stmt)
dt = time.perf_counter() - t0
out = {}
for r in recs:
    out[r["outcome"]] = out.get(r["outcome"], 0) + 1
print(json.dumps(dict(seconds=dt, n=len(recs), outcomes=out,
                      decided=sum(r["outcome"] in ("holds", "violated") for r in recs),
                      slacks=[r["slack"] for r in recs], outs=[r["outcome"] for r in recs])))
"""

_STEPS = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1])
import numpy as np
from scipy.stats import qmc
from bnverify.verify import batch
from bnverify.verify.registry import load_statement
from bnverify.verify.searchers import _build_point
from bnverify.numerics.simulate import _PINNED
stmt = load_statement(sys.argv[2]); space = stmt.space()
pts = qmc.Sobol(d=space.dim, scramble=True, seed=0).random(int(sys.argv[3]))
batch._prefill(stmt, [_build_point(space, u)[1] for u in pts])
L = [len(r) for r in _PINNED.values()]
print(json.dumps(dict(mean=float(np.mean(L)), median=float(np.median(L)), max=int(np.max(L)), runs=len(L))))
"""

_LIMIT = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
from bnverify.numerics.simulate import simulate_reduced_batch
B, T = 100000, 200
rng = np.random.default_rng(0)
args = dict(a=1.0, alpha0=1.0, beta0=rng.uniform(1e-6, 0.5, B), gamma0=rng.uniform(0.01, 1, B),
            eta=rng.uniform(2.0, 4.0, B), eta_gamma=rng.uniform(1e-3, 1, B))
simulate_reduced_batch(**args, horizon=10)
ts = []
for _ in range(3):
    t0 = time.perf_counter(); simulate_reduced_batch(**args, horizon=T); ts.append(time.perf_counter() - t0)
print(json.dumps(dict(rate=B * T / sorted(ts)[1])))
"""


def export(rev: str, root: str) -> str:
    """``git archive rev`` of src/bnverify and theorems/ as an importable ``bnverify`` package."""
    dest = os.path.join(root, rev)
    os.makedirs(dest)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tar = subprocess.run(["git", "-C", repo, "archive", rev, "src/bnverify", "theorems"], check=True,
                         capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", dest], input=tar, check=True)
    os.rename(os.path.join(dest, "src", "bnverify"), os.path.join(dest, "bnverify"))
    os.rename(os.path.join(dest, "theorems"), os.path.join(dest, "bnverify", "theorems"))
    return dest


def run(code: str, path: str, *args) -> dict:
    p = subprocess.run([sys.executable, "-c", code, path, *map(str, args)], capture_output=True, text=True,
                       cwd=tempfile.gettempdir())
    if p.returncode:
        raise RuntimeError(p.stderr[-3000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--old", default=OLD)
    ap.add_argument("--new", default="HEAD")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--only", default=None, help="substrings of the statement keys to run, comma-separated")
    ap.add_argument("--no-deep", action="store_true")
    args = ap.parse_args(argv)
    root = tempfile.mkdtemp(prefix="bnverify-bench-")
    old, new = export(args.old, root), export(args.new, root)
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; old {args.old}, new {args.new}; "
          f"load {os.getloadavg()[0]:.1f}")
    limit = run(_LIMIT, new)["rate"]
    print(f"simulate_reduced_batch limit: {limit:.3g} setting-steps/s")
    rows = []
    for key, n_old, n_new in FAMILIES:
        if args.only and not any(o in key for o in args.only.split(",")):
            continue
        r_old, r_new, r_arb, same = [], [], [], None
        for _ in range(args.repeats):
            o = run(_WORKER, old, key, n_old)
            w = run(_WORKER, new, key, n_new, "noarb")
            b = run(_WORKER, new, key, n_new)
            r_old.append(o["n"] / o["seconds"])
            r_new.append(w["n"] / w["seconds"])
            r_arb.append(b["n"] / b["seconds"])
            k = min(o["n"], w["n"])
            same = (sum(a == b_ for a, b_ in zip(o["outs"][:k], w["outs"][:k])), k)
            print(f"  {key}: old {o['n']} in {o['seconds']:.2f}s {o['outcomes']}; new {w['n']} in {w['seconds']:.2f}s "
                  f"{w['outcomes']}; new with ball rungs {b['n']} in {b['seconds']:.2f}s {b['outcomes']}", flush=True)
        row = dict(key=key, old=statistics.median(r_old), new=statistics.median(r_new), arb=statistics.median(r_arb),
                   n_old=n_old, n_new=n_new, same_outcome=same)
        if key.startswith(("thm3", "lemma13")) and not args.no_deep:  # thm2: most draws go up the ladder
            d = run(_WORKER, new, key, DEEP, "noarb")
            row["deep"] = d["n"] / d["seconds"]
            st = run(_STEPS, new, key, 256)
            row["steps"] = st
            row["limit"] = limit / st["mean"]
            print(f"  {key}: new, {DEEP} at once: {d['n']} in {d['seconds']:.1f}s {d['outcomes']}; steps {st}",
                  flush=True)
        rows.append(row)
    print()
    print("| statement | old ex/s (N) | new ex/s (N) | new/old | new with the ball rungs (N) | new, 1,024-example unit "
          "| ex/s limit of the batch simulator (mean steps) | 1,024 unit / limit | same outcome old/new |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        deep = f"{r['deep']:.1f}" if "deep" in r else "—"
        lim = f"{r['limit']:,.0f} ({r['steps']['mean']:,.0f})" if "limit" in r else "—"
        frac = f"{r['deep'] / r['limit']:.2%}" if "limit" in r else "—"
        print(f"| {r['key']} | {r['old']:.2f} ({r['n_old']}) | {r['new']:.2f} ({r['n_new']}) "
              f"| {r['new'] / r['old']:.1f}× | {r['arb']:.2f} | "
              f"{deep} | {lim} | {frac} | {r['same_outcome'][0]}/{r['same_outcome'][1]} |")


if __name__ == "__main__":
    main()
