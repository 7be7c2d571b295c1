"""Endpoint intervals against midpoint–radius balls for region claims (issue 20).

The same branch and bound (``bnverify.verify.prove.prove``) and the same claims, evaluated naively
(no centred form) in two arithmetics: endpoint intervals (``bnverify.numerics.interval``) and
53-bit arb balls (``bnverify.numerics.backends.Arb``, each box variable the ball hull of its
interval). Claims: Theorem 2 (1)'s ``no-rise`` lemma (``|1 − η c| ≤ 1 + η ρ² c`` over
ρ ∈ [0, 1], η = H_0·y·g with H_0 ∈ [0, 2], y, g ∈ [0, 1]) and Lemma 6 (C) whitened
(``η c ≤ 2 ⇒ no rise`` over ρ ∈ [0, 1], η ∈ [0, 100]). Then the shipped claims (centred and
monotone forms) for scale.

    .venv/bin/python benchmarks/interval.py [--budget S]

Measured (2026-12-07, 2 shared cores, --budget 20):

| claim | arithmetic | status | boxes | seconds | proved share | residue share |
|---|---|---|---|---|---|---|
| no-rise (naive) | interval | proved | 1 | 0.00 | 1 | 0 |
| lemma6 (C) (naive) | interval | undecided | 149741 | 20.09 | 1 | 6.45e-10 |
| no-rise (naive) | ball | undecided | 230437 | 20.21 | 0.887515 | 0.112 |
| lemma6 (C) (naive) | ball | undecided | 200284 | 20.13 | 0.999965 | 3.5e-05 |
| lemma6 (C) shipped (centred + monotone forms, smear) | interval | undecided | 837 | 0.62 | 1 | 6.58e-25 |
| lemma7 (d) off-band shipped | interval | proved | 8051 | 5.59 | 1 | 0 |

(Lemma 6 (C)'s residue is the tight corner (ρ, η_eff) = (0, 2); over ρ ∈ [1e-6, 1] it is proved.)
"""
from __future__ import annotations

import argparse

from bnverify.numerics.backends import get_backend
from bnverify.regimes.whitened import step_factors
from bnverify.verify.prove import prove, region_claims
from bnverify.verify.region import RegionClaim
from bnverify.verify.registry import load_statement

ARB = get_backend("arb53")


def _arith(kind):
    if kind == "interval":
        from bnverify.numerics.interval import INTERVAL
        return INTERVAL, (lambda x: x)
    return ARB, (lambda x: ARB.hull(x.lo, x.hi))


def claims(kind):
    bk, conv = _arith(kind)
    stmt = load_statement("thm2.no_rising_edge@reconstructed-v1")

    def no_rise(x):
        r = conv(x["rho"])
        e = conv(x["H0"]) * conv(x["y"]) * conv(x["g"])
        A, B, _ = step_factors(r, e, bk)
        return not (abs(B) > A)

    def c_premise(x):
        _, _, c = step_factors(conv(x["rho"]), conv(x["eta_eff"]), bk)
        return 2 >= conv(x["eta_eff"]) * c

    def c_concl(x):
        A, B, _ = step_factors(conv(x["rho"]), conv(x["eta_eff"]), bk)
        return not (abs(B) > A)

    return [RegionClaim(stmt, "no-rise (naive)", "", {"rho": (0, 1), "H0": (0, 2), "y": (0, 1), "g": (0, 1)}, no_rise),
            RegionClaim(stmt, "lemma6 (C) (naive)", "", {"rho": (0, 1), "eta_eff": (0, 100)}, c_concl, c_premise)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=20.0)
    a = ap.parse_args()
    print("| claim | arithmetic | status | boxes | seconds | proved share | residue share |")
    print("|---|---|---|---|---|---|---|")
    for kind in ("interval", "ball"):
        for c in claims(kind):
            r = prove(c, budget=a.budget, confirm_refuted=0)
            print(f"| {c.name} | {kind} | {r.status} | {r.boxes} | {r.seconds:.2f} | {r.proved_share:.6g} "
                  f"| {r.residue_share:.3g} |")
    for key in ("lemma6.sufficient_convergence@reconstructed-v1", "lemma7.rising_criterion@exact-v1"):
        c = region_claims(load_statement(key))[0]
        r = prove(c, budget=a.budget, confirm_refuted=0)
        print(f"| {c.short_key} (shipped: centred + monotone forms, smear) | interval | {r.status} | {r.boxes} | "
              f"{r.seconds:.2f} | {r.proved_share:.6g} | {r.residue_share:.3g} |")


if __name__ == "__main__":
    main()
