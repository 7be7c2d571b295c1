"""The share of a statement's declared space where its hypotheses hold (float64), by first unmet condition.

Uniform random points of the unit cube, each built as the space builds it *at the drawn data seed*
(a space made with ``Space.walking_seed`` is measured without its walk: the walk hides the share it
skips), and the statement's hypotheses evaluated on the example. Prints the satisfied share with a
95 % Clopper–Pearson interval, and the share of each first unmet condition (numbers stripped).

    python benchmarks/vacuous_share.py KEY [--n 2000] [--seed 0]
"""
from __future__ import annotations

import argparse
import re
import time
from collections import Counter


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    from scipy.stats import beta

    a = (1 - level) / 2
    lo = 0.0 if k == 0 else float(beta.ppf(a, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a, k + 1, n - k))
    return lo, hi


def measure(key: str, n: int, seed: int = 0) -> dict:
    import numpy as np

    from bnverify.verify import registry
    from bnverify.verify.space import Space

    stmt = next(s for s in registry.load(()) if s.key == key)
    walk = Space.walking_seed
    Space.walking_seed = lambda self, *a, **k: self  # the space at the drawn seed
    try:
        space = stmt.space()
    finally:
        Space.walking_seed = walk
    rng = np.random.default_rng(seed)
    reasons: Counter = Counter()
    held = 0
    margins = []
    t0 = time.perf_counter()
    for _ in range(n):
        values = space.values(rng.random(space.dim))
        try:
            ex = space.build(dict(values))
        except ValueError as e:
            reasons["no valid example: " + re.sub(r"[-+]?\d[\d.e+-]*", "#", str(e))[:80]] += 1
            continue
        inst = ex.instance("float64")
        unmet = stmt.hypotheses(inst, ex.hyper)
        if key.startswith("thm5.small_ratio_entry"):
            margins.append(_thm5_entry_margin(stmt, inst, ex))
        if unmet:
            reasons[re.sub(r"[-+]?\d[\d.e+-]*", "#", unmet[0].split(":")[0])[:80]] += 1
        else:
            held += 1
    lo, hi = clopper_pearson(held, n)
    return dict(key=key, n=n, held=held, share=held / n, ci=(lo, hi), reasons=dict(reasons.most_common()),
                seconds=time.perf_counter() - t0, margins=margins)


def _thm5_entry_margin(stmt, inst, ex) -> float:
    """Theorem 5 (2): how far the lower step condition is from holding at the largest x the upper one
    allows, ``T log1p(−ε_5(x_hi)) / (2 log q)`` (≥ 1: the two-sided condition is satisfiable)."""
    import math

    from bnverify.regimes.logistic import geometry
    from bnverify.theorems.thm5_monotone_decrease import phi_min
    from bnverify.theorems.thm5_small_ratio_entry import F_CAP, eps5

    geo = geometry(inst)
    hp = ex.hyper.resolve(inst)
    rho0 = float(hp.beta0 / hp.alpha0)
    H5 = phi_min(geo, hp.gamma0, hp.gamma0 + hp.eta_gamma * stmt.steps, rho0)
    x_hi = F_CAP * float(H5) * (1 - 1e-9)
    eps = float(eps5(geo, x_hi, hp.gamma0, hp.eta_gamma, rho0, stmt.steps, H5)["eps"])
    return stmt.steps * math.log1p(-eps) / (2 * math.log(stmt.q)) if eps < 1 else math.inf


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("key")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    r = measure(args.key, args.n, args.seed)
    print(f"{r['key']}: hypotheses hold at {r['held']} of {r['n']} uniform draws at the drawn seed = "
          f"{100 * r['share']:.3g} % (95 % CI {100 * r['ci'][0]:.3g}-{100 * r['ci'][1]:.3g} %), {r['seconds']:.0f} s")
    for why, k in r["reasons"].items():
        print(f"  {k:6d}  {100 * k / r['n']:6.2f} %  {why}")
    if r["margins"]:
        import numpy as np

        m = np.array(r["margins"])
        q = np.quantile(m, [0.5, 0.9, 0.99, 1.0])
        print(f"  T log1p(-eps5(x_hi))/(2 log q) (>= 1: satisfiable): median {q[0]:.3g}, q90 {q[1]:.3g}, "
              f"q99 {q[2]:.3g}, max {q[3]:.3g}; >= 1 at {(m >= 1).sum()} of {len(m)}")


if __name__ == "__main__":
    main()
