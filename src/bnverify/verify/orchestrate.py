"""The one campaign orchestrator: :func:`run_campaigns`, used by ``bnverify check``, ``report``, ``deep``
and :func:`bnverify.verify.campaign.falsify` (the pytest plugin).

A campaign is one (statement, primary precision) pair with its :class:`~bnverify.verify.planning.Budget`.
The units of all campaigns run on one :class:`~bnverify.verify.runners.Runner` phase by phase, so the
workers stay busy across statements:

1. the pinned examples, Hypothesis, the sweep chunks and the focus sweeps (:func:`plan_pinned`, :func:`plan_first`);
2. the CMA-ES hunts from each campaign's tightest phase-1 examples (:func:`plan_hunt`);
3. the certification of the screened draws the evidence rests on (:func:`plan_certify`).

Campaigns that stop at their first confirmed violation (mutants, by default) skip the hunts after a
phase-1 violation and the certification after any. A campaign whose planning or units raise becomes a
result with ``error`` set; the others go on.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from bnverify.numerics.backends import get_backend
from bnverify.verify.campaign import CampaignResult, profile_name
from bnverify.verify.planning import Budget, plan_certify, plan_first, plan_hunt, plan_pinned
from bnverify.verify.runners import UnitFailed
from bnverify.verify.summary import campaign_result


_PHASE_OF = {"pinned": "pinned", "hunt": "hunt", "certify": "certify"}  # the rest: phase 1's searchers


@dataclass
class _Campaign:
    stmt: object
    backend: str
    budget: Budget | None = None
    stop: bool = False
    records: dict = field(default_factory=lambda: {"pinned": [], "first": [], "hunt": [], "certify": []})
    failed: UnitFailed | None = None

    def violated(self, *phases) -> bool:
        return self.stop and any(r["outcome"] == "violated" for p in phases for r in self.records[p])


def run_campaigns(statements, budgets, runner, store=None, *, seed=0, backends=("float64",), progress=None,
                  stop_at_first=None, pinned: bool = True, profile: str | None = None) -> list[CampaignResult]:
    """The campaigns of every statement × backend on ``runner`` (module docstring), in that order.
    ``budgets``: one Budget, or ``budgets(stmt, backend) -> Budget``; ``store``: a resumable
    :class:`~bnverify.verify.store.Store`; ``progress(done, total, unit, records)`` after each unit;
    ``stop_at_first``: whether a campaign ends at its first confirmed violation (default: mutants do).
    A result's ``seconds`` is the sum of its records' decision times (work, not wall time)."""
    camps = [_Campaign(stmt, get_backend(b).name) for stmt in statements for b in backends]
    for c in camps:
        c.stop = c.stmt.is_mutant if stop_at_first is None else stop_at_first
        c.budget = _attempt(c, lambda c=c: budgets if isinstance(budgets, Budget) else budgets(c.stmt, c.backend))
        if c.failed is None and not isinstance(c.budget, Budget):
            c.failed = UnitFailed(f"TypeError: the budget of {c.stmt.key} is a {type(c.budget).__name__}, "
                                  "not a Budget", "")

    def first(c):
        return (plan_pinned(c.stmt, backend=c.backend) if pinned else []) + \
            plan_first(c.stmt, c.budget, seed=seed, backend=c.backend, stop_at_first=c.stop)

    def hunt(c):
        return [] if c.violated("first") else plan_hunt(c.stmt, c.budget, c.records["first"], seed=seed,
                                                         backend=c.backend, stop_at_first=c.stop)

    def certify(c):
        if c.violated("pinned", "first", "hunt"):
            return []
        return plan_certify(c.stmt, c.budget, c.records["first"] + c.records["hunt"], seed=seed, backend=c.backend)

    for plan in (first, hunt, certify):
        _run_phase(camps, plan, runner, store, progress)
    profile = profile_name() if profile is None else profile
    return [_result(c, seed, profile) for c in camps]


def _attempt(c: _Campaign, f):
    """``f()``, or None with the campaign marked failed when it raises."""
    try:
        return f()
    except Exception as e:  # noqa: BLE001  (a statement under construction fails its campaign alone)
        c.failed = UnitFailed.of(e)
        return None


def _run_phase(camps, plan, runner, store, progress) -> None:
    """Plan the phase of every campaign still running, run all their units as one batch, file the records."""
    units, owner = [], []
    for c in camps:
        if c.failed is None:
            got = _attempt(c, lambda c=c: plan(c)) or []
            units += got
            owner += [c] * len(got)
    if not units:
        return
    for u, c, recs in zip(units, owner, runner.run_units(units, store=store, progress=progress)):
        if isinstance(recs, UnitFailed):
            c.failed = c.failed or recs
        else:
            c.records[_PHASE_OF.get(u.searcher, "first")].extend(recs)


def _result(c: _Campaign, seed, profile: str) -> CampaignResult:
    if c.failed is None:
        records = c.records["pinned"] + c.records["first"] + c.records["hunt"] + c.records["certify"]
        res = _attempt(c, lambda: campaign_result(c.stmt, records, backend=c.backend, seed=seed, budget=c.budget,
                                                  profile=profile))
        if res is not None:
            res.seconds = float(sum(r.get("seconds") or 0.0 for r in records))
            return res
    return failed_result(c.stmt, c.backend, c.failed, seed=seed, profile=profile)


def failed_result(stmt, backend: str, failed: UnitFailed, *, seed=None, profile: str = "") -> CampaignResult:
    """The result of a campaign that raised: no examples, ``error`` and ``error_traceback`` set."""
    try:
        describe = stmt.describe()
    except Exception:  # noqa: BLE001
        sid, _, ver = stmt.key.partition("@")
        describe = dict(id=sid, version=ver, reference="", provenance="", kind="", loss="", simulator="",
                        derivation=None, mutant_of=None, mutation="", summary="")
    res = CampaignResult(stmt.key, describe, backend, seed=seed, profile=profile)
    res.error, res.error_traceback, res.failure = failed.message[:2000], failed.traceback[-20000:], failed
    return res


def run_campaign(stmt, budget: Budget, *, seed=0, backend="float64", stop_at_first=None, runner=None,
                  profile: str | None = None) -> CampaignResult:
    """One campaign (in this process unless ``runner`` says otherwise); ``seconds`` is its wall time,
    and a campaign that raised raises here."""
    from bnverify.verify.runners import InlineRunner

    t0 = time.perf_counter()
    (res,) = run_campaigns([stmt], budget, runner or InlineRunner(), seed=seed, backends=(backend,),
                           stop_at_first=stop_at_first, profile=profile)
    if res.error is not None:
        if res.failure is not None and res.failure.exception is not None:
            raise res.failure.exception
        raise RuntimeError(f"{stmt.key}: {res.error}\n{res.error_traceback}")
    res.seconds = time.perf_counter() - t0
    return res
