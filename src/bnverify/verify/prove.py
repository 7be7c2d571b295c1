"""``bnverify prove``: interval branch and bound over a region claim's box
(:mod:`bnverify.verify.region`).

Boxes wait in a queue, largest volume share first; each is evaluated in interval arithmetic
(:meth:`RegionClaim.evaluate`): *proved* and *refuted* boxes are leaves, a *split* box is bisected
at its midpoint along the variable that the **smear rule** picks — the one whose removal (the box
with that variable collapsed to its midpoint) narrows the claim's deciding expression most, measured
by the widths of the claim's ``margins(box)`` enclosures when the claim provides them, else by the
variable's width relative to the declared box. The search stops when no box is left, or at the
budget (seconds or boxes): what is left is the *undecided residue*, reported with its volume share.

The result is a cover of the box: proved boxes, refuted boxes (each confirmed at an interior point
by the adjudicator's precision ladder, :func:`bnverify.verify.adjudicate.decide`, on the statement's
own check; a ``bnverify reproduce`` line) and the residue. :func:`certificate` writes the bisection
tree with each leaf's verdict and evidence; ``bnverify.verify.certcheck`` re-checks it without this
module.
"""
from __future__ import annotations

import heapq
import json
import math
import time
from dataclasses import dataclass, field

from bnverify.numerics.interval import Interval
from bnverify.verify.region import PROVED, REFUTED, RegionClaim

__all__ = ["ProveResult", "prove", "region_claims", "InheritedClaims", "point_decision", "confirm", "certificate",
           "reproduce_line", "CERT_FORMAT"]

CERT_FORMAT = "bnverify-region-certificate/1"


DECIDING = ("hypotheses", "constants", "horizon", "check")  # what a region claim restates


class InheritedClaims(ValueError):
    """A subclass changed what its parent's region claims restate, without claims of its own."""


def region_claims(stmt) -> list[RegionClaim]:
    """The statement's region claims (``stmt.region_claims()``; [] when it has none). A subclass that
    overrides ``hypotheses``, ``constants``, ``horizon`` or ``check`` below the class that declares the
    claims is refused (:class:`InheritedClaims`): those claims restate the parent's bound, not the
    revision's. Mutants are copies of their statement (same class), so they keep its claims."""
    f = getattr(stmt, "region_claims", None)
    if not callable(f):
        return []
    mro = type(stmt).__mro__
    owner = next((c for c in mro if "region_claims" in vars(c)), None)
    if owner is not None:
        below = [f"{c.__name__}.{m}" for c in mro[:mro.index(owner)] for m in DECIDING if m in vars(c)]
        if below:
            raise InheritedClaims(
                f"{stmt.key}: its region claims are {owner.__name__}'s, but {', '.join(below)} changes what they "
                f"restate; define region_claims() on {type(stmt).__name__} (return [] for none) — AUTHORING §11")
    return list(f())


def _volume(box: dict, names) -> float:
    v = 1.0
    for k in names:
        v *= box[k].hi - box[k].lo
    return v


@dataclass
class Node:
    box: dict
    share: float  # volume share of the root box
    kind: str = "open"  # open | split | proved | refuted | residue
    evidence: str = ""
    var: str = ""
    point: float = 0.0
    children: tuple = ()
    confirm: dict | None = None


@dataclass
class ProveResult:
    claim: RegionClaim
    box: dict
    root: Node
    seconds: float
    boxes: int  # evaluations
    proved_share: float
    refuted_share: float
    residue_share: float
    leaves: dict = field(default_factory=dict)  # kind -> count
    refuted: list = field(default_factory=list)  # refuted Nodes (first ones confirmed)
    stopped: str = ""  # why the search ended: "complete" | "budget" | "refuted"

    @property
    def status(self) -> str:
        """proved (whole box) | refuted (a confirmed counterexample box) | unconfirmed (interval
        refutation the ladder did not confirm: a bug) | undecided (residue left)."""
        if self.refuted:
            confirmed = [n for n in self.refuted if n.confirm and n.confirm.get("outcome") == "violated"]
            if confirmed:
                return "refuted"
            if any(n.confirm for n in self.refuted):
                return "unconfirmed"
            return "refuted-unchecked"
        return "proved" if self.residue_share == 0 and self.stopped == "complete" else "undecided"

    def summary(self) -> dict:
        return dict(claim=self.claim.key, short_key=self.claim.short_key, status=self.status,
                    box={k: [v.lo, v.hi] for k, v in self.box.items()}, seconds=round(self.seconds, 4),
                    boxes=self.boxes, leaves=self.leaves, proved_share=self.proved_share,
                    refuted_share=self.refuted_share, residue_share=self.residue_share, stopped=self.stopped,
                    refuted=[dict(box={k: [v.lo, v.hi] for k, v in n.box.items()}, evidence=n.evidence,
                                  **(n.confirm or {})) for n in self.refuted])


def _pick(claim: RegionClaim, box: dict, root: dict) -> str:
    """The smear rule (module docstring)."""
    names = list(box)
    margins = claim.extra.get("margins")
    if margins is not None:
        try:
            full = [m.width for m in margins(box)]
        except ArithmeticError:
            full = None
        best, score = None, 0.0
        for k in names if full is not None else ():
            if box[k].hi == box[k].lo:
                continue
            red = dict(box)
            red[k] = Interval(box[k].mid)
            try:
                part = [m.width for m in margins(red)]
            except ArithmeticError:
                continue
            # margins unbounded on the box (τ near ρ = 1) say nothing about which side to cut
            s = sum(f - p for f, p in zip(full, part) if math.isfinite(f) and math.isfinite(p))
            if s > score:
                best, score = k, s
        if best is not None:
            return best
    return max(names, key=lambda k: (box[k].hi - box[k].lo) / max(root[k].hi - root[k].lo, 1e-300))


def _bisect(box: dict, k: str) -> tuple[float, dict, dict]:
    x = box[k]
    m = x.lo + (x.hi - x.lo) / 2
    if not x.lo < m < x.hi:
        raise ValueError("box too small to bisect")
    a, b = dict(box), dict(box)
    a[k], b[k] = Interval(x.lo, m), Interval(m, x.hi)
    return m, a, b


def prove(claim: RegionClaim, box: dict | None = None, *, budget: float = 10.0, max_boxes: int | None = None,
          stop_on_refute: bool = False, confirm_refuted: int = 1, min_share: float = 0.0) -> ProveResult:
    """Branch and bound of ``claim`` over ``box`` (name → (lo, hi); default the claim's box) within
    ``budget`` seconds and ``max_boxes`` evaluations. ``stop_on_refute``: stop at the first refuted
    box; ``confirm_refuted``: how many refuted boxes to confirm through the adjudicator;
    ``min_share``: boxes smaller than this volume share are left as residue (not split)."""
    t0 = time.perf_counter()
    root_box = claim.box(box)
    names = list(root_box)
    total = _volume(root_box, names)
    root = Node(root_box, 1.0)
    heap = [(-1.0, 0, root)]
    count = 0
    serial = 1
    refuted = []
    stopped = "complete"
    while heap:
        if time.perf_counter() - t0 > budget or (max_boxes is not None and count >= max_boxes):
            stopped = "budget"
            break
        _, _, node = heapq.heappop(heap)
        verdict, evidence = claim.evaluate(node.box)
        count += 1
        if verdict == PROVED:
            node.kind, node.evidence = "proved", evidence
            continue
        if verdict == REFUTED:
            node.kind, node.evidence = "refuted", evidence
            refuted.append(node)
            if len(refuted) <= confirm_refuted:
                node.confirm = confirm(claim, {k: v.mid for k, v in node.box.items()})
            if stop_on_refute:
                stopped = "refuted"
                break
            continue
        k = _pick(claim, node.box, root_box)
        try:
            m, a, b = _bisect(node.box, k)
        except ValueError:
            node.kind, node.evidence = "residue", f"not bisectable; {evidence}"
            continue
        if node.share / 2 < min_share:
            node.kind, node.evidence = "residue", f"below the smallest share; {evidence}"
            continue
        node.kind, node.var, node.point, node.evidence = "split", k, m, evidence
        ca = Node(a, node.share * _volume(a, names) / max(_volume(node.box, names), 1e-300))
        cb = Node(b, node.share - ca.share)
        node.children = (ca, cb)
        for c in (ca, cb):
            heapq.heappush(heap, (-c.share, serial, c))
            serial += 1
    for _, _, n in heap:
        n.kind, n.evidence = "residue", "not evaluated (budget)" if n.kind == "open" else n.evidence
    leaves = {"proved": 0, "refuted": 0, "residue": 0}
    shares = {"proved": 0.0, "refuted": 0.0, "residue": 0.0}
    stack = [root]
    while stack:
        n = stack.pop()
        if n.kind == "split":
            stack.extend(n.children)
            continue
        leaves[n.kind] += 1
        shares[n.kind] += n.share
    del total
    return ProveResult(claim, root_box, root, time.perf_counter() - t0, count, shares["proved"], shares["refuted"],
                       shares["residue"], leaves, refuted, stopped)


# --- the statement's own decision at a point ---------------------------------------------------------
def point_decision(claim: RegionClaim, point: dict, horizon: int = 1):
    """The statement's own check on ``claim.example_at(point)`` run for ``horizon`` steps (step 0 is
    the point) through the one example pipeline: its Verdict (float64, the statement's simulator),
    or None when the claim has no example at that point."""
    from bnverify.verify.pipeline import run_example

    if claim.example_at is None:
        return None
    ex = claim.example_at(point)
    if ex is None:
        return None
    return run_example(claim.statement, ex, "float64", horizon=horizon)[0]


def reproduce_line(stmt, ex) -> str:
    return f"bnverify reproduce '{stmt.short_key}' --params '{ex.to_json()}'"


def confirm(claim: RegionClaim, point: dict) -> dict:
    """Confirm a refuted box at an interior point: the adjudicator (balls, then the mpmath ladder)
    on the statement's example there, over the statement's own horizon."""
    from bnverify.verify.adjudicate import decide

    if claim.example_at is None:
        return {"point": point, "outcome": "no example (a lemma of the proof)", "reproduce": ""}
    ex = claim.example_at(point)
    if ex is None:
        return {"point": point, "outcome": "no example at this point", "reproduce": ""}
    dec = decide(claim.statement, ex)
    return {"point": point, "outcome": dec.outcome, "certified": dec.certified, "seconds": round(dec.seconds, 3),
            "reproduce": reproduce_line(claim.statement, ex)}


# --- certificates ------------------------------------------------------------------------------------
_CODES = {"premise false on the box": "p", "conclusion true on the box": "c",
          "premise true and conclusion false on the box": "r"}


def _tree(n: Node):
    if n.kind == "split":
        return ["S", n.var, n.point.hex(), _tree(n.children[0]), _tree(n.children[1])]
    if n.kind == "proved":
        return ["P", _CODES.get(n.evidence, n.evidence)]
    if n.kind == "refuted":
        return ["R", _CODES.get(n.evidence, n.evidence)]
    return ["U"]


def certificate(result: ProveResult, commit: str | None = None) -> dict:
    """The certificate of ``result``: claim key, code commit, the box (hex floats, exact), and the
    bisection tree in preorder — ``["S", var, point, left, right]`` splits a box at ``point`` along
    ``var`` into ``[lo, point]`` and ``[point, hi]``; ``["P", e]`` a proved leaf (e: ``p`` premise
    false / ``c`` conclusion true on the box), ``["R", "r"]`` a refuted leaf, ``["U"]`` residue."""
    from bnverify.verify.provenance import git_commit

    return {"format": CERT_FORMAT, "claim": result.claim.key, "statement": result.claim.statement.key,
            "short_key": result.claim.short_key, "name": result.claim.name, "text": result.claim.text,
            "commit": commit if commit is not None else git_commit(),
            "variables": list(result.box),
            "box": {k: [v.lo.hex(), v.hi.hex()] for k, v in result.box.items()},
            "box_decimal": {k: [v.lo, v.hi] for k, v in result.box.items()},
            "summary": {k: v for k, v in result.summary().items() if k not in ("box",)},
            "tree": _tree(result.root)}


def write_certificate(result: ProveResult, path, commit: str | None = None) -> int:
    """Write the certificate (compact JSON); returns its size in bytes."""
    from pathlib import Path

    text = json.dumps(certificate(result, commit), separators=(",", ":"))
    Path(path).write_text(text + "\n")
    return len(text) + 1
