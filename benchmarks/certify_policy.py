"""What certifying where the verdict rests buys (issue 19, decision 1): one campaign per statement
(a 128-draw Sobol sweep, seed 1) decided with ``certify="all"`` (every decided verdict up the ladder)
and with ``certify="doubtful"`` (comfortable holds screened; phase 3 certifies the 8 tightest and a
seeded sample of 32), alternating, twice each, in one run. Outcomes must be identical.

    python benchmarks/certify_policy.py [KEY ...]
"""
from __future__ import annotations

import sys
import time

from bnverify.verify.orchestrate import run_campaign
from bnverify.verify.planning import Budget
from bnverify.verify.registry import load_statement

DEFAULT = ("lemma4.logistic_loss_upper@reconstructed-v1", "lemma7.rising_criterion@exact-v1")


def main(keys) -> int:
    bad = 0
    for key in keys:
        stmt = load_statement(key)
        times, outcomes = {"all": [], "doubtful": []}, {}
        for policy in ("all", "doubtful", "all", "doubtful"):
            t0 = time.perf_counter()
            res = run_campaign(stmt, Budget(sweep=128, chunk=128, certify=policy), seed=1)
            times[policy].append(time.perf_counter() - t0)
            outcomes[policy] = [r["outcome"] for r in sorted(res.records, key=lambda r: r["index"])]
            c = res.certification
            print(f"{key} {policy:8s} {times[policy][-1]:6.1f} s  decided {res.decided}  certified {res.certified}  "
                  f"screened {c['screened']}  sample {c['sample']['certified']}/{c['sample']['n']}  "
                  f"overturned {len(c['overturned'])}", flush=True)
        same = outcomes["all"] == outcomes["doubtful"]
        bad += not same
        print(f"{key}: speed-up {min(times['all']) / min(times['doubtful']):.2f}x (best of 2), "
              f"outcomes identical: {same}")
    return int(bad > 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or DEFAULT))
