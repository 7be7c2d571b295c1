"""The verdict comparison: every shipped statement (and mutant) with a declared space × 4 fixed points
of its unit cube × float64 / mpmath 30 digits / arb 256 bits → one JSON of verdicts (every field, and
the float() sites of the ball check), and the ball certificate at 128 → 256 bits. Run it before and
after a refactor and compare the files: a
refactor that does not mean to change a decision leaves them byte-identical.

    python benchmarks/verdicts.py OUT.json [--mutants]
    python benchmarks/verdicts.py --compare BEFORE.json AFTER.json [--ignore-lines]

``--compare`` lists the records that differ (``--ignore-lines``: source locations ``file.py:123`` compared
by file name only, for a refactor that moves code but decides the same).
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys

from bnverify.numerics import backends
from bnverify.verify import registry
from bnverify.verify.adjudicate import run_once
from bnverify.verify.certify import certify

BACKENDS = ("float64", "mpmath30", "arb256")
GOLDEN = (math.sqrt(5) - 1) / 2


def points(dim: int) -> list[list[float]]:
    """Four fixed points of ``[0, 1]^dim``: the centre, two diagonals and a golden-ratio sequence."""
    return [[0.5] * dim, [0.2] * dim, [0.8] * dim, [((k + 1) * GOLDEN) % 1.0 for k in range(dim)]]


def audited(stmt, ex, spec):
    """``run_once`` at ``spec``; on balls inside the float audit (its sites are part of the record)."""
    audit = getattr(backends, "float_audit", None)
    if audit is None:  # before the backends package (f09fddc): the module-global recorder
        backends.float_sites = sites = {}
        try:
            return run_once(stmt, ex, spec)[0], sites
        finally:
            backends.float_sites = None
    with audit() as sites:
        v = run_once(stmt, ex, spec)[0]
    return v, sites


def verdict_of(stmt, ex, spec) -> dict:
    try:
        v, sites = audited(stmt, ex, spec)
    except Exception as e:  # noqa: BLE001  (recorded: an exception is a decision too)
        return {"raised": type(e).__name__, "message": str(e)}
    out = v.to_dict()
    if spec.startswith("arb"):
        out["float_sites"] = dict(sorted(sites.items()))
    return out


def certificate_of(stmt, ex) -> dict:
    """The certificate at 128 → 256 bits, without its timing."""
    try:
        c = certify(stmt, ex, bits=(128, 256))
    except Exception as e:  # noqa: BLE001
        return {"raised": type(e).__name__, "message": str(e)}
    return {"status": c.status, "bits": c.bits, "reason": c.reason, "rungs": c.rungs,
            "float_sites": list(c.float_sites), "horizon_limited": c.horizon_limited,
            "verdict": c.verdict.to_dict() if c.verdict is not None else None}


def compare(before: str, after: str, ignore_lines: bool) -> int:
    """Print the records of ``after`` that differ from ``before``; 1 if any differ."""
    def read(path):
        text = open(path, encoding="utf-8").read()
        return json.loads(re.sub(r"(\w+\.py):\d+", r"\1", text) if ignore_lines else text)

    a, b = read(before), read(after)
    diff = [(x["statement"], x["point"], x["backend"]) for x, y in zip(a, b) if x != y]
    if len(a) != len(b):
        print(f"{len(a)} records before, {len(b)} after")
    for d in diff:
        print("differs:", *d)
    print(f"{len(b) - len(diff)} of {len(b)} records identical" + (" (source lines ignored)" if ignore_lines else ""))
    return int(bool(diff) or len(a) != len(b))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?")
    ap.add_argument("--mutants", action="store_true", help="the mutants too")
    ap.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"), help="compare two runs instead")
    ap.add_argument("--ignore-lines", action="store_true", help="with --compare: ignore source line numbers")
    args = ap.parse_args(argv)
    if args.compare:
        return compare(*args.compare, args.ignore_lines)
    if not args.out:
        ap.error("OUT.json is required")
    stmts = registry.load()
    if args.mutants:
        stmts += registry.load(mutants=True)
    rows = []
    for s in stmts:
        space = s.space()
        if space is None:
            continue
        for i, u in enumerate(points(space.dim)):
            ex, _ = space.example(u)
            for spec in BACKENDS:
                rows.append({"statement": s.key, "point": i, "backend": spec, "example": ex.to_dict(),
                             "verdict": verdict_of(s, ex, spec)})
            rows.append({"statement": s.key, "point": i, "backend": "certify128-256", "example": ex.to_dict(),
                          "verdict": certificate_of(s, ex)})
            print(s.key, i, [r["verdict"].get("status", r["verdict"].get("raised")) for r in rows[-4:]],
                  file=sys.stderr, flush=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(rows, fh, indent=1, sort_keys=True, default=repr)
        fh.write("\n")
    print(f"{len(rows)} verdicts -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
