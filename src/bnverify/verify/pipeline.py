"""One example through one statement: hypotheses → constants → horizon → simulate → check.

The one pipeline every precision runs: the ladder's rungs (:func:`bnverify.verify.adjudicate.run_once`),
the ball rungs (:func:`bnverify.verify.certify.certify`, with the float audit) and the batch path
(:func:`bnverify.verify.batch.decide_many`, whose lanes are set up by :func:`prepare`). What it
guarantees at every precision: ``hypotheses()`` returned a list of strings; ``check()`` returned a
:class:`~bnverify.verify.statement.Verdict` with no NaN observed value, bound or (violations) slack;
the statement's own simulator derived none of the columns the check read from a statement it does
not trust (column provenance, :func:`may_adjudicate`). Anything else raises :class:`StatementError`,
naming the statement and the method.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from bnverify.numerics.backends import float_audit, get_backend
from bnverify.numerics.hyper import Hyper
from bnverify.numerics.instances import Instance
from bnverify.numerics.simulate import simulate, simulate_reduced
from bnverify.numerics.trajectory import COLUMNS, DERIVED
from bnverify.verify.example import Example
from bnverify.verify.statement import Statement, Verdict

__all__ = ["StatementError", "Prepared", "prepare", "run_example", "may_adjudicate"]


class StatementError(Exception):
    """A statement method raised or returned the wrong type (message names statement and method)."""


@dataclass
class Prepared:
    """An example set up for a statement at one precision: the instance, the unmet hypotheses and —
    when they are all met (and :func:`prepare` was asked for them) — the constants and the horizon."""

    instance: Instance
    hyper: Hyper
    unmet: list[str]
    constants: dict | None = None
    horizon: int | None = None


def prepare(stmt: Statement, ex: Example, backend, *, horizon: bool | int = True) -> Prepared:
    """The instance of ``ex`` at ``backend`` and the unmet hypotheses of ``stmt`` there (checked to be
    a list of strings); if none is unmet, the constants and the horizon — the statement's, or an
    imposed number of steps (``horizon`` an int: interval proofs decide a region claim's first steps),
    or neither (``horizon=False``: the batch pilot runs to the statement's cap)."""
    inst = ex.instance(backend)
    unmet = stmt.hypotheses(inst, ex.hyper)
    if not (isinstance(unmet, (list, tuple)) and all(isinstance(u, str) for u in unmet)):
        raise StatementError(f"{stmt.key}: hypotheses() must return a list of strings (the unmet conditions), "
                             f"got {type(unmet).__name__}: {unmet!r:.200}")
    p = Prepared(inst, ex.hyper, list(unmet))
    if horizon is not False and not p.unmet:
        p.constants = stmt.all_constants(inst, ex.hyper)
        p.horizon = int(stmt.horizon(inst, ex.hyper, p.constants) if horizon is True else horizon)
    return p


def run_example(stmt: Statement, ex: Example, backend, simulator: str | None = None, *,
                audit: bool = False, horizon: int | None = None) -> tuple[Verdict, object, dict[str, int]]:
    """:func:`prepare`, simulate to the horizon with ``simulator`` ('full' | 'reduced'; default the
    statement's own, which must pass :func:`may_adjudicate`) and decide the check. Returns the
    verdict (``vacuous`` with the unmet conditions, and no trajectory, when a hypothesis fails), the
    trajectory and — with ``audit`` — the ``float()`` sites of balls the check went through
    (:func:`~bnverify.numerics.backends.float_audit`; ``{}`` without)."""
    bk = get_backend(backend)
    p = prepare(stmt, ex, bk, horizon=True if horizon is None else int(horizon))
    if p.unmet:
        return Verdict("vacuous", backend=bk.name, unmet=p.unmet, message="; ".join(p.unmet)), None, {}
    if (simulator or stmt.simulator) == "reduced":
        traj = simulate_reduced(p.instance, p.hyper, horizon=p.horizon)
    else:
        traj = simulate(p.instance, p.hyper, horizon=p.horizon, record_w=stmt.record_w)
    traj.forget_reads()  # column provenance: what the check itself reads
    sites: dict[str, int] = {}
    if audit:
        with float_audit() as sites:
            v = stmt.decide_check(traj, p.constants)
    else:
        v = stmt.decide_check(traj, p.constants)
    if simulator is None:  # the statement's own simulator: it must not derive what the claim reads from it
        allowed, why = may_adjudicate(stmt, traj.source, traj.reads)
        if not allowed:
            raise StatementError(f"{stmt.key}: {why}; declare the statements it may rest on in `trusts`, "
                                 f"or use simulator='full' (AUTHORING §3, column provenance)")
    if not isinstance(v, Verdict):
        raise StatementError(f"{stmt.key}: check() must return a Verdict (use the helpers upper_bound, "
                             f"lower_bound, identity, holds, violated, undecided), got {type(v).__name__}")
    nan = [k for k in ("observed", "bound") + (("slack",) if v.status == "violated" else ())
           if getattr(v, k) is not None and math.isnan(getattr(v, k))]
    if nan:  # NaN compares False: a "violation" without an excess, never a verdict (nor an artefact)
        raise StatementError(f"{stmt.key}: check() gave {', '.join(f'{k} = nan' for k in nan)} "
                             f"(observed = {v.observed}, bound = {v.bound}) at {bk.name} on {ex.short()}")
    if v.horizon is None:
        v.horizon = p.horizon
    return v, traj, sites


def may_adjudicate(stmt: Statement, simulator: str, reads) -> tuple[bool, str]:
    """Column provenance: may a trajectory of ``simulator`` decide ``stmt``, whose check read the
    columns ``reads``? Only if every one of those columns is simulated there, or derived by a
    closed form of statements ``stmt.trusts`` — and never of ``stmt`` itself
    (:data:`bnverify.numerics.trajectory.DERIVED`). Returns ``(allowed, why not)``."""
    derived = DERIVED.get(simulator, {})
    own = {stmt.id}
    bad = sorted({(c, s) for c in (reads if reads is not None else COLUMNS) for s in derived.get(c, ())
                  if s in own or s not in stmt.trusts})
    if not bad:
        return True, ""
    why = ", ".join(f"{c} (by {s}{': the claim itself' if s in own else ''})" for c, s in bad[:4])
    return False, f"the {simulator} simulator derives what the check reads: {why}"
