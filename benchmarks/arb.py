"""Ball arithmetic (python-flint arb) against mpmath, and how far balls decide
(``python benchmarks/arb.py [--repeats N] [--quick]``; prints markdown).

1. Speed, at comparable precision (170 bits ≈ 51 digits vs mpmath at 50 digits; 1024 bits vs
   309 digits), each ratio measured in one run alternating the two sides after a warm-up, medians:
   * ``simulate_reduced``, 2,000 steps, whitened n=12, d=3;
   * ``simulate`` (full GD), 200 steps, whitened n=12, d=3.
   A ball run that stops with ``Uncertain`` before the horizon is timed per step up to there
   (at 170 bits full GD balls stop deciding after ~50 steps; at 1024 bits they last 200).
2. The adjudication ladder (``--ladder``; issue 11): for examples the ladder re-decides, the ball
   rungs (``certify`` at 128 → 1024 bits, stopping at the first that decides) against today's mpmath
   ladder (50 → 100 → 200 digits, then the reduced recurrence) above the same float64 verdict,
   alternating, medians; what each said. A certified "holds" replaces the mpmath ladder; a certified
   "violated" still runs it (confirmation), so the ladder's cost there is the sum.
3. Radius growth: for full GD on small instances (n ≤ 30, d ≤ 6) and for the reduced recurrence
   on long whitened horizons, at 128/256/512/1024 bits: the relative radius of ρ_t
   (``rad/|mid|``, in bits: log2) against t, its growth in bits per step (least squares over the
   run), the last step whose rising/falling label ``ρ_{t+1} ≷ ρ_t`` the balls decide, and the step
   at which the run raised ``Uncertain`` (if it did).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "src"))

from bnverify import Hyper, simulate, simulate_reduced, whitened_regression  # noqa: E402
from bnverify.numerics.backends import Uncertain, flint_precision, get_backend  # noqa: E402
from bnverify.verify.kinds import LONG_EDGE_EXAMPLES  # noqa: E402
from bnverify.numerics.instances import separable_logistic  # noqa: E402

HYPER = Hyper(H0=2.3, eta_gamma=0.02, gamma0_over_a=0.05, w0_norm=1.0, rho0=0.01)
FALLING = Hyper(H0=1.5, eta_gamma=0.5, gamma0_over_a=0.5, w0_norm=1.0, rho0=0.1)


def _run_steps(sim, inst, hyper, horizon):
    """Run ``sim``; returns (steps completed, Uncertain message or None). Counts steps via the
    stop rule (which never stops)."""
    steps = [0]

    def count(t, row):
        steps[0] = t
        return False

    try:
        sim(inst, hyper, horizon=horizon, stop=count)
        return horizon, None
    except Uncertain as exc:
        return steps[0], str(exc)[:80]


def alternate(a, b, repeats):
    """Warm up both, then time a/b alternately; medians (s) and a's last result."""
    a(), b()
    ta, tb, last = [], [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        last = a()
        ta.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        b()
        tb.append(time.perf_counter() - t0)
    return statistics.median(ta), statistics.median(tb), last


def speed(repeats: int) -> list[str]:
    rows = ["| run | arb | mpmath | arb / mpmath (time per step) | ball run |", "|---|---|---|---|---|"]
    inst = {p: whitened_regression(n=12, d=3, seed=1, backend=p) for p in ("arb170", 50, "arb1024", 309)}
    for label, sim, hyper, horizon, pa, pm in (
            ("simulate_reduced, 2,000 steps, 170 bits vs 50 digits", simulate_reduced, HYPER, 2000, "arb170", 50),
            ("simulate (full GD), 200 steps, 170 bits vs 50 digits", simulate, HYPER, 200, "arb170", 50),
            ("simulate (full GD), 200 steps, H0=1.5, 170 bits vs 50 digits", simulate, FALLING, 200, "arb170", 50),
            ("simulate (full GD), 200 steps, 1024 bits vs 309 digits", simulate, HYPER, 200, "arb1024", 309),
            ("simulate_reduced, 2,000 steps, 1024 bits vs 309 digits", simulate_reduced, HYPER, 2000, "arb1024", 309)):
        arb, mp = inst[pa], inst[pm]
        with flint_precision():
            ta, tm, (steps, unc) = alternate(lambda: _run_steps(sim, arb, hyper, horizon),
                                             lambda: sim(mp, hyper, horizon=horizon), repeats)
        per_a, per_m = ta / max(steps, 1), tm / horizon
        rows.append(f"| {label} | {ta * 1e3:.1f} ms ({steps} steps) | {tm * 1e3:.1f} ms | "
                    f"{per_a / per_m:.2f} | {'finished' if unc is None else f'Uncertain after step {steps}'} |")
    return rows


def _rho_record(sim, inst, hyper, horizon):
    """ρ_t balls per step until the run ends or raises; returns (list of balls, raised_at|None)."""
    rhos = []

    def rec(t, row):
        al, be = row["alpha"], row["beta"]
        rhos.append(abs(be) / al if al > 0 else None)
        return False

    try:
        sim(inst, hyper, horizon=horizon, stop=rec)
        return rhos, None
    except Uncertain:
        return rhos, len(rhos)


def _rel_bits(b) -> float:
    """log2(rad/|mid|) of a ball, computed in arb (ρ can be far below the float64 range)."""
    from flint import arb

    m, r = abs(b.v.mid()), b.v.rad()
    if m.is_zero() or not r.is_finite():
        return 0.0
    if r.is_zero():
        return float(-b.bits)
    return float((r / m).log() / arb(2).log())


def radius(bits_list, cases) -> list[str]:
    rows = ["| run | bits | rel. radius of ρ_t at t = 0 / 50 / last decided (log2) | growth (bits/step) | "
            "labels decided up to t | run raised Uncertain at t |", "|---|---|---|---|---|---|"]
    for label, sim, inst_of, hyper, horizon in cases:
        for bits in bits_list:
            with flint_precision():
                inst = inst_of(f"arb{bits}")
                rhos, raised = _rho_record(sim, inst, hyper, horizon)
            decided = 0
            for t in range(len(rhos) - 1):
                a, b = rhos[t], rhos[t + 1]
                try:
                    _ = (b > a, b < a)
                    decided = t
                except (Uncertain, TypeError):
                    break
            rel = [_rel_bits(r) for r in rhos[: decided + 2] if r is not None]
            slope = float(np.polyfit(np.arange(len(rel)), rel, 1)[0]) if len(rel) > 2 else float("nan")
            pick = [rel[0], rel[min(50, len(rel) - 1)], rel[-1]]
            rows.append(f"| {label} | {bits} | {' / '.join(f'{x:.0f}' for x in pick)} | {slope:.2f} | "
                        f"{decided if decided < len(rhos) - 2 else f'{decided} (all)'} | "
                        f"{'-' if raised is None else raised} |")
    return rows


def _ladder_cases():
    import json

    from bnverify.verify.example import Example
    from bnverify.verify.testing import find

    floor = Example.make("whitened_regression", FALLING, n=12, d=3, a=1.0, labels="real", residual=0.1, seed=1)
    long_gd = Example.make("whitened_regression",
                           Hyper(H0=1.5, eta_gamma=0.002, gamma0_over_a=0.5, w0_norm=1.0, rho0=0.1),
                           n=12, d=3, a=1.0, labels="real", residual=0.1, seed=1)
    needle = Example.from_dict(json.loads(
        '{"hyper": {"eta": 0.0024745288494627104, "eta_gamma": 0.6908950824290514, "gamma0": 0.03507654505650741, '
        '"init_seed": 32946, "rho0": 0.0015362436746911225, "w0_norm": 0.3872983346207417}, "instance": {"balanced": '
        'true, "builder": "active_margin_logistic", "d": 5, "margin": 0.7840991871010465, "n": 2, "seed": 1987625266, '
        '"spread": 1.93755793814032}}'))
    ident = Example.make("whitened_regression", HYPER, n=12, d=3, a=1.0, seed=1)
    return [
        ("thm2.no_rising_edge, float64 false rise at the floor (H0=1.5, 200 steps)",
         find("thm2.no_rising_edge@reconstructed-v1"), floor),
        ("thm2.no_rising_edge, 2,000 steps of full GD (beyond the balls)",
         find("thm2.no_rising_edge@reconstructed-v1"), long_gd),
        ("lemma10 needle counterexample (logistic, 60 steps)",
         find("lemma10.gradient_bounds@reconstructed-v1+mutant:needle: bound tightened to tightness <= "
              "0.9596771431 (sweep sup 0.980705)", mutants=True), needle),
        ("thm3.peak_bound, pinned long edge (reduced, 30,000 steps)",
         find("thm3.peak_bound@reconstructed-v1"), LONG_EDGE_EXAMPLES[0]),
        ("lemma1.decomposition identity (full GD, 150 steps)", find("lemma1.decomposition@exact-v1"), ident),
    ]


def ladder(repeats: int) -> list[str]:
    from bnverify.verify.adjudicate import _mpmath_ladder, ball_rungs, run_once
    from bnverify.verify.certify import certify

    rows = ["| example | float64 | balls (rungs 128 → 1024 bits) | arb time | mpmath ladder | mpmath time | "
            "arb / mpmath |", "|---|---|---|---|---|---|---|"]
    for label, stmt, ex in _ladder_cases():
        v0, _ = run_once(stmt, ex, "float64")
        out = {}
        bits, why = ball_rungs(stmt, v0.horizon)  # the rungs the ladder runs (none: skipped)

        def arb():
            out["cert"] = certify(stmt, ex, bits) if bits else None

        def mp():
            out["mp"] = _mpmath_ladder(stmt, ex, get_backend("float64"), v0, {})

        with flint_precision():
            ta, tm, _ = alternate(arb, mp, repeats)
        c = out["cert"]
        if c is None:
            said = f"not run ({why})"
        else:
            said = (f"certified {c.status} at {c.bits} (rungs {'/'.join(map(str, bits))})" if c.certified else
                    f"cannot decide (rungs {'/'.join(map(str, bits))}: " + c.reason.split(":")[0] + ")")
        rows.append(f"| {label} | {v0.status} | {said} | {ta:.2f} s | {out['mp']} | {tm:.2f} s | {ta / tm:.2f} |")
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="fewer precisions and shorter reduced horizons")
    ap.add_argument("--ladder", action="store_true", help="only the adjudication-ladder comparison (item 2)")
    args = ap.parse_args(argv)
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")
    if args.ladder:
        print("### The ladder: ball rungs vs the mpmath ladder on the same float64 verdict, alternating, medians of",
              args.repeats)
        print("\n".join(ladder(args.repeats)))
        return
    print("### Speed: arb vs mpmath at comparable precision, alternating, medians of", args.repeats)
    print("\n".join(speed(args.repeats)))
    bits = (128, 256) if args.quick else (128, 256, 512, 1024)
    long_T = 3000 if args.quick else 30000
    w = lambda n, d: (lambda bk: whitened_regression(n=n, d=d, seed=1, backend=bk))  # noqa: E731
    cases = [
        ("full GD whitened n=12 d=3, H0=1.5 (falling)", simulate, w(12, 3), FALLING, 1200),
        ("full GD whitened n=12 d=3, H0=2.3 (rising)", simulate, w(12, 3), HYPER, 1200),
        ("full GD whitened n=30 d=6, H0=2.3", simulate, w(30, 6), HYPER, 1200),
        ("full GD separable logistic n=20 d=4", simulate,
         lambda bk: separable_logistic(n=20, d=4, seed=2, backend=bk),
         Hyper(eta=0.5, eta_gamma=0.05, gamma0=1.0, w0_norm=1.0, rho0=0.3), 1200),
        ("reduced, n=12 d=3, H0=2.3", simulate_reduced, w(12, 3), HYPER, long_T),
        ("reduced, n=12 d=3, H0=1.5, eta_gamma=0.5", simulate_reduced, w(12, 3), FALLING, long_T),
    ]
    for i, ex in enumerate(LONG_EDGE_EXAMPLES):
        cases.append((f"reduced, long-edge example {i} ({ex.hyper.H0}, {ex.hyper.eta_gamma})", simulate_reduced,
                      lambda bk, ex=ex: ex.instance(bk), ex.hyper, long_T))
    print("\n### Radius growth and how far balls decide")
    print("\n".join(radius(bits, cases)))


if __name__ == "__main__":
    main()
