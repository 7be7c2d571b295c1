"""The record of one decided example: plain data, built here and nowhere else.

Every searcher (:mod:`bnverify.verify.searchers`) returns a list of records; a record holds where the
example came from (``searcher``, ``index``, the point ``u`` of the unit cube and its parameter
``values``, the case ``key`` and the parameters it ``used``; pinned examples have none of these,
phase-3 records name the draw they certify, ``of``), the example, its ``outcome``, ``slack`` and
``tightness``, the final verdict, the whole decision where it is not a plain holds or vacuous, and
the time it took. :mod:`bnverify.verify.summary` turns records into a campaign result.
"""
from __future__ import annotations

import math
import time

import numpy as np

BOUND_KINDS = ("upper bound", "lower bound", "existence")


def tightness_of(kind: str, verdict) -> float | None:
    """``observed ÷ bound`` for upper bounds and existence claims, ``bound ÷ observed`` for lower
    bounds (both ≤ 1 when the claim holds, → 1 when attained); None where it means nothing
    (identities, implications, non-finite or zero values)."""
    if kind not in BOUND_KINDS or verdict is None or not getattr(verdict, "informative", True):
        return None
    o, b = verdict.observed, verdict.bound
    if o is None or b is None or not (math.isfinite(o) and math.isfinite(b)):
        return None
    sl = verdict.slack
    if sl is not None and math.isfinite(sl) and sl != 0:
        # a statement of several inequalities reports its tightest one, which may point the other
        # way (Lemma 11: ρ_t² ≤ ρ_0²(1 − ε)^t and the window ‖w_0‖² ≤ ‖w_t‖²): read the direction
        # from the verdict's own signed slack
        if kind == "lower bound" and (b - o) * sl > 0:
            kind = "upper bound"
        elif kind != "lower bound" and (o - b) * sl > 0:
            kind = "lower bound"
    if kind == "lower bound":
        return b / o if o > 0 and b > 0 else None
    return o / b if b > 0 else None


def drawn_head(space, u, values, searcher: str, index: int, example) -> dict:
    """Where a searcher's draw came from: the fields every record of a point of the unit cube starts with."""
    return dict(searcher=searcher, index=index, u=[float(x) for x in np.asarray(u, float)], values=_plain(values),
                key=list(space.key(values)), used=sorted(space.used(values)), example=example)


def pinned_head(index: int, example) -> dict:
    """The head of a pinned example's record (no point, no case key: never counted as coverage)."""
    return dict(searcher="pinned", index=index, u=None, values=None, key=None, used=None, example=example.to_dict())


def decided_record(stmt, d, head: dict, t0: float, *, drawn: bool = True, certified: bool | None = None) -> dict:
    """The record of the decision ``d`` (an :class:`~bnverify.verify.adjudicate.Decision`) of the example
    ``head`` describes, timed from ``t0``. ``drawn``: a searcher's draw, which also records the unmet
    hypotheses of a vacuous outcome and whether the verdict was only screened; ``certified``: phase 3
    records whether the ladder's outcome rests on a certificate."""
    fv = d.final
    decided = d.outcome in ("holds", "violated")
    rec = dict(head, outcome=d.outcome)
    if certified is not None:
        rec["certified"] = certified
    rec.update(slack=_float_or_none(fv.slack) if decided else None,
               tightness=tightness_of(stmt.kind, fv) if decided else None,
               seconds=time.perf_counter() - t0, final=fv.to_dict())
    if d.outcome not in ("holds", "vacuous"):
        rec["decision"] = d.to_dict()
    if drawn and d.outcome == "vacuous":
        rec["unmet"] = list(fv.unmet or [fv.message])
    if drawn and d.screened:
        rec["screened"] = True
    if drawn and getattr(d, "by_screen", False):
        rec["by_screen"] = True  # phase 3 re-deciding it otherwise is a screen/check() disagreement: an error
    return rec


def unbuilt_record(head: dict, t0: float, error: Exception, traceback: str | None = None) -> dict:
    """The record of a point that maps to no example: vacuous for a ``ValueError`` of the space (e.g.
    a step size that underflows to 0), an error (``traceback`` kept) for anything else."""
    rec = dict(head, example=None, outcome="error" if traceback is not None else "vacuous", slack=None, tightness=None,
               seconds=time.perf_counter() - t0)
    if traceback is None:
        rec.update(final=dict(status="vacuous", message=str(error)), unmet=[f"no valid example at this point: {error}"])
    else:
        rec.update(final=dict(status="error", message=traceback.strip().splitlines()[-1]),
                   decision=dict(error=traceback))
    return rec


def _float_or_none(x):
    return float(x) if x is not None else None


def _plain(values: dict) -> dict:
    out = {}
    for k, v in values.items():
        if isinstance(v, (np.integer,)):
            v = int(v)
        elif isinstance(v, (np.floating,)):
            v = float(v)
        out[k] = v
    return out
