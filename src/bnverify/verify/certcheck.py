"""``bnverify check-certificate FILE``: re-check a region certificate written by ``bnverify prove``.

The checker is deliberately small and separate from the search (it does not import
:mod:`bnverify.verify.prove`): it loads the statement named by the certificate, takes its region
claim, rebuilds every leaf box from the recorded box and splits — a split ``["S", var, point, L, R]``
must cut its box strictly inside, into ``[lo, point]`` and ``[point, hi]``, so the leaves tile the
box by construction — and re-evaluates the claim on each proved and refuted leaf in interval
arithmetic. It makes no choice: no search, no bisection, no budget. What a referee trusts is this
file, the claim's code (premise and conclusion, in the statement's file) and the interval
arithmetic (``bnverify.numerics.interval``).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from bnverify.numerics.interval import Interval

FORMAT = "bnverify-region-certificate/1"
_VERDICT = {"P": "proved", "R": "refuted"}


class CertificateError(ValueError):
    """The certificate is malformed or names an unknown claim."""


@dataclass
class CheckResult:
    claim: str
    ok: bool
    leaves: dict = field(default_factory=dict)  # P / R / U -> count
    shares: dict = field(default_factory=dict)  # P / R / U -> volume share
    failures: list = field(default_factory=list)  # (box, recorded, re-evaluated)
    seconds: float = 0.0
    commit: str = ""
    box: dict = field(default_factory=dict)  # name -> (lo, hi), as recorded

    def to_dict(self) -> dict:
        return dict(claim=self.claim, ok=self.ok, box=self.box, leaves=self.leaves, shares=self.shares,
                    failures=self.failures[:20], seconds=round(self.seconds, 4), commit=self.commit)


def find_claim(cert: dict, theorems=()):
    from bnverify.verify.prove import region_claims
    from bnverify.verify.registry import load_statement

    try:
        stmt = load_statement(cert["statement"], theorems)
    except LookupError:
        raise CertificateError(f"statement {cert['statement']!r} not found") from None
    claims = [c for c in region_claims(stmt) if c.name == cert["name"]]
    if not claims:
        raise CertificateError(f"{stmt.key} has no region claim named {cert['name']!r}")
    return claims[0]


def check(cert: dict, theorems=()) -> CheckResult:
    """Re-evaluate every leaf of ``cert`` (a parsed certificate)."""
    t0 = time.perf_counter()
    if cert.get("format") != FORMAT:
        raise CertificateError(f"format: expected {FORMAT!r}, got {cert.get('format')!r}")
    claim = find_claim(cert, theorems)
    names = cert["variables"]
    if sorted(names) != sorted(claim.variables):
        raise CertificateError(f"variables {names} are not the claim's {sorted(claim.variables)}")
    box = {k: Interval(float.fromhex(cert["box"][k][0]), float.fromhex(cert["box"][k][1])) for k in names}
    total = 1.0
    for k in names:
        total *= box[k].hi - box[k].lo
    res = CheckResult(claim.key, True, {"P": 0, "R": 0, "U": 0}, {"P": 0.0, "R": 0.0, "U": 0.0},
                      commit=cert.get("commit", ""), box={k: (v.lo, v.hi) for k, v in box.items()})
    stack = [(cert["tree"], box)]
    while stack:
        node, b = stack.pop()
        tag = node[0]
        if tag == "S":
            _, var, point, left, right = node
            p = float.fromhex(point)
            if var not in b or not b[var].lo < p < b[var].hi:
                raise CertificateError(f"split of {var} at {p!r} outside its box {b.get(var)!r}")
            lb, rb = dict(b), dict(b)
            lb[var], rb[var] = Interval(b[var].lo, p), Interval(p, b[var].hi)
            stack.append((right, rb))
            stack.append((left, lb))
            continue
        if tag not in ("P", "R", "U"):
            raise CertificateError(f"unknown node {node!r:.80}")
        vol = 1.0
        for k in names:
            vol *= b[k].hi - b[k].lo
        res.leaves[tag] += 1
        res.shares[tag] += vol / total if total > 0 else 0.0
        if tag == "U":
            continue
        verdict, evidence = claim.evaluate(b)
        if verdict != _VERDICT[tag]:
            res.ok = False
            res.failures.append(({k: [v.lo, v.hi] for k, v in b.items()}, _VERDICT[tag], f"{verdict}: {evidence}"))
    res.seconds = time.perf_counter() - t0
    return res


def check_file(path, theorems=()) -> CheckResult:
    from pathlib import Path

    try:
        cert = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise CertificateError(f"{path}: {e}") from None
    if not isinstance(cert, dict):
        raise CertificateError(f"{path}: not a certificate object")
    return check(cert, theorems)
