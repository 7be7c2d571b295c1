"""The CMA-ES hunt alone on the shipped needle mutants (issue 19, decision 4).

For every needle mutant (a mutant whose mutation starts with ``needle:``) and every seed, the hunt
runs alone as ``bnverify check KEY --search hunt --examples BUDGET --seed S`` plans it
(``planning.plan_hunt`` with no phase-1 records, then ``searchers.run_unit`` on each restart), the
whole budget spent (no stop at the first violation, so that where the evaluations go is measured
over the same budget on every side). Per needle: seeds in which the hunt found a violation (outcome
``violated``, i.e. confirmed up the ladder), the median evaluations to the first one (``first``, over
the seeds that found one; the restarts run one after another), evaluations at a box corner (``u``
within ``CORNER`` of 0 or 1 on two coordinates or more — the corners where a slack tends to 0 asymptotically
are two bounds, ρ_0 = 1e-10 and η_γ = 1e-4), on a face (some coordinate so), and not informative (vacuous,
undecided, artefact, error or an ``informative=False`` verdict). ``--rate`` also times the hunt
(examples/s) on thm3.peak_bound (reduced recurrence) and lemma4 (logistic).

It uses only ``plan_hunt`` and ``run_unit``, so it runs unchanged at any commit: ``--rev REV`` runs
it on a ``git archive`` snapshot of REV's library (the "before" column of benchmarks/RESULTS.md is
``--rev 132b780``, the commit before decision 4).

    python benchmarks/hunt_needles.py [--budget 256] [--seeds 5] [--rate] [--rev 132b780] [--json out.json]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings

import numpy as np

CORNER = 0.01
RATE_KEYS = ("thm3.peak_bound@reconstructed-v1", "lemma4.logistic_loss_upper@reconstructed-v1")


def needles():
    from bnverify.verify.registry import shipped

    return [m for m in shipped(mutants=True) if str(getattr(m, "mutation", m.version)).startswith("needle:")
            or "+mutant:needle:" in m.key]


def hunt(stmt, budget: int, seed: int) -> tuple[list[dict], float]:
    from bnverify.verify.planning import Budget, plan_hunt
    from bnverify.verify.searchers import run_unit

    t0 = time.perf_counter()
    recs = []
    for unit in plan_hunt(stmt, Budget(hunt=budget), [], seed=seed):
        recs += run_unit(unit, stmt)
    return recs, time.perf_counter() - t0


def informative(r) -> bool:
    return r["outcome"] in ("holds", "violated") and (r.get("final") or {}).get("informative", True) is not False


def where(recs) -> dict:
    U = np.array([r["u"] for r in recs], float)
    edge = (U < CORNER) | (U > 1 - CORNER)
    k = edge.sum(axis=1)
    v = [i for i, r in enumerate(recs) if r["outcome"] == "violated"]
    return dict(n=len(recs), corner=int((k >= min(2, U.shape[1])).sum()), face=int((k >= 1).sum()),
                first=v[0] + 1 if v else None,
                uninformative=int(sum(not informative(r) for r in recs)),
                violated=int(sum(r["outcome"] == "violated" for r in recs)))


def snapshot(rev: str, root: str) -> str:
    """``git archive rev`` of src/bnverify and theorems/ as an importable ``bnverify`` package under ``root``."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tar = subprocess.run(["git", "-C", repo, "archive", rev, "src/bnverify", "theorems"], check=True,
                         capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(root, filter="data")
    os.rename(os.path.join(root, "src", "bnverify"), os.path.join(root, "bnverify"))
    os.rename(os.path.join(root, "theorems"), os.path.join(root, "bnverify", "theorems"))
    return root


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=256)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--rate", action="store_true", help="also time the hunt on thm3.peak_bound and lemma4")
    ap.add_argument("--only", default=None, help="needles whose key contains one of these (comma-separated) strings")
    ap.add_argument("--skip", default=None, help="leave out needles whose key contains one of these strings")
    ap.add_argument("--json", default=None)
    ap.add_argument("--rev", default=None, help="measure the library of this commit (a git archive snapshot)")
    args = ap.parse_args(argv)
    if args.rev:
        argv = list(sys.argv[1:] if argv is None else argv)
        i = argv.index("--rev")
        del argv[i:i + 2]
        with tempfile.TemporaryDirectory() as root:
            env = dict(os.environ, PYTHONPATH=snapshot(args.rev, root))
            return subprocess.run([sys.executable, os.path.abspath(__file__), *argv], env=env).returncode
    warnings.simplefilter("ignore")
    rows, total = [], dict(found=0, runs=0, n=0, corner=0, face=0, uninformative=0)
    import bnverify

    print(f"hunt alone, budget {args.budget}, seeds 0..{args.seeds - 1}; library {os.path.dirname(bnverify.__file__)}")
    print(f"{'needle':32} {'found':>7} {'first':>6} {'corner':>7} {'face':>7} {'uninf.':>7} {'s':>6}")
    for m in needles():
        if args.only and not any(x in m.key for x in args.only.split(",")) or \
                args.skip and any(x in m.key for x in args.skip.split(",")):
            continue
        found, acc, secs, points, first = 0, dict(n=0, corner=0, face=0, uninformative=0), 0.0, [], []
        for s in range(args.seeds):
            recs, dt = hunt(m, args.budget, s)
            w = where(recs)
            points.append([(r["u"], r["outcome"], informative(r)) for r in recs])
            found += w["violated"] > 0
            first += [w["first"]] if w["first"] else []
            secs += dt
            for k in acc:
                acc[k] += w[k]
        name = m.key.split("@")[0]
        med = float(np.median(first)) if first else None
        rows.append(dict(needle=name, found=found, seeds=args.seeds, seconds=secs, first=first, points=points, **acc))
        total["found"] += found
        total["runs"] += args.seeds
        for k in acc:
            total[k] += acc[k]
        print(f"{name:32} {found:>3}/{args.seeds:<3} {med if med is not None else '-':>6} "
              f"{acc['corner'] / acc['n']:>7.1%} {acc['face'] / acc['n']:>7.1%} "
              f"{acc['uninformative'] / acc['n']:>7.1%} {secs:>6.0f}", flush=True)
    n = max(1, total["n"])
    print(f"{'all':32} {total['found']:>3}/{total['runs']:<3} {'':>6} {total['corner'] / n:>7.1%} "
          f"{total['face'] / n:>7.1%} "
          f"{total['uninformative'] / n:>7.1%}")
    rates = {}
    if args.rate:
        from bnverify.verify.registry import load_statement

        for key in RATE_KEYS:
            stmt = load_statement(key, mutant=False)
            hunt(stmt, 16, 99)  # warm-up (imports, instance caches)
            recs, dt = hunt(stmt, args.budget, 0)
            rates[key] = len(recs) / dt
            print(f"hunt rate {key}: {len(recs)} examples in {dt:.1f} s = {len(recs) / dt:.1f} examples/s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(budget=args.budget, seeds=args.seeds, rows=rows, total=total, rates=rates), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
