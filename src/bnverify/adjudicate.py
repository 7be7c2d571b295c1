"""Running one statement on one example, and re-deciding doubtful verdicts at high precision.

THEORY.md §9: float64 full GD cannot resolve ρ below ~1e-16, so it shows false rising edges at
the rounding floor and moves spikes earlier. A float64 "violated", or a "holds" whose slack is
within the statement's ``rounding_reach``, is therefore re-simulated in mpmath on a ladder of
precisions (50 → 100 → 200 digits by default) until two consecutive rungs agree. Final outcomes:

* ``holds`` / ``violated`` / ``vacuous`` / ``undecided`` — as decided (at high precision when
  re-decided);
* ``artefact`` — the primary precision said "violated" and high precision refutes it: counted on
  its own, never as a pass and never as a violation.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from .backends import Backend, Float64, get_backend
from .example import Example
from .simulate import simulate, simulate_reduced
from .statement import Statement, Verdict

LADDER = (50, 100, 200)
REDUCED_LADDER = (100, 200)
OUTCOMES = ("holds", "violated", "artefact", "undecided", "vacuous")


def run_once(stmt: Statement, ex: Example, backend, simulator: str | None = None) -> tuple[Verdict, object]:
    """Hypotheses → constants → simulate to the statement's horizon → check, at ``backend``
    with ``simulator`` ('full' | 'reduced'; default the statement's)."""
    bk = get_backend(backend)
    inst = ex.instance(bk)
    unmet = list(stmt.hypotheses(inst, ex.hyper))
    if unmet:
        return Verdict("vacuous", backend=bk.name, unmet=unmet, message="; ".join(unmet)), None
    consts = stmt.all_constants(inst, ex.hyper)
    horizon = int(stmt.horizon(inst, ex.hyper, consts))
    if (simulator or stmt.simulator) == "reduced":
        traj = simulate_reduced(inst, ex.hyper, horizon=horizon)
    else:
        traj = simulate(inst, ex.hyper, horizon=horizon, record_w=stmt.record_w)
    v = stmt.decide_check(traj, consts)
    if v.horizon is None:
        v.horizon = horizon
    return v, traj


def _doubtful(stmt: Statement, v: Verdict) -> bool:
    if v.status in ("violated", "undecided") or not v.resolved:
        return True
    return v.status == "holds" and v.slack is not None and abs(v.slack) < stmt.rounding_reach


def ladder_for(stmt: Statement, ex: Example, primary) -> list[tuple[str, int]]:
    """Rungs ``(simulator, digits)`` above ``primary``: the statement's own simulator at
    50 → 100 → 200 digits; for full GD on a whitened square-loss instance, then the reduced
    recurrence (Lemma 7 (e), exact and free of the ρ rounding floor) at 100 → 200 digits."""
    bk = get_backend(primary)
    rungs = [(stmt.simulator, d) for d in LADDER if isinstance(bk, Float64) or d > bk.dps]
    if stmt.simulator == "full" and ex.builder == "whitened_regression" and stmt.loss == "square":
        rungs += [("reduced", d) for d in REDUCED_LADDER]
    return rungs


@dataclass
class Decision:
    """Final outcome for one (statement, example), with every precision's verdict."""

    statement: str
    example: Example
    outcome: str
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    primary: str = ""
    seconds: float = 0.0

    @property
    def final(self) -> Verdict:
        """The verdict the outcome rests on (the last rung run)."""
        return list(self.verdicts.values())[-1]

    @property
    def slack(self):
        return self.final.slack

    def to_dict(self) -> dict:
        return dict(statement=self.statement, outcome=self.outcome, primary=self.primary,
                    example=self.example.to_dict(), seconds=self.seconds,
                    verdicts={k: v.to_dict() for k, v in self.verdicts.items()})


def decide(stmt: Statement, ex: Example, primary="float64") -> Decision:
    """Run at ``primary``; re-decide doubtful verdicts up :func:`ladder_for` until two successive
    *decided* rungs (resolved holds/violated; unresolved rungs are skipped) agree. If no two
    agree the outcome is ``undecided``."""
    t0 = time.perf_counter()
    bk: Backend = get_backend(primary)
    v0, _ = run_once(stmt, ex, bk)
    verdicts = {f"{bk.name}" + ("" if stmt.simulator == "full" else f"/{stmt.simulator}"): v0}
    outcome = v0.status
    if v0.status != "vacuous" and _doubtful(stmt, v0):
        prev = None
        final = None
        rungs = ladder_for(stmt, ex, bk)
        floor_hit = False
        for i, (sim, dps) in enumerate(rungs):  # noqa: B007
            if floor_hit and sim == stmt.simulator and any(r[0] != sim for r in rungs[i:]):
                continue  # more digits only move the rounding floor; go to the floor-free rung
            v, _ = run_once(stmt, ex, get_backend(dps), sim)
            floor_hit = floor_hit or not v.resolved
            verdicts[f"mpmath{dps}" + ("" if sim == "full" else f"/{sim}")] = v
            if not (v.resolved and v.status in ("holds", "violated")):
                continue  # unresolved (rounding floor) or undecided: climb on
            if prev is not None and prev.status == v.status:
                final = v  # two decided rungs agree: stable
                break
            prev = v
        if final is None:
            outcome = "undecided"
        elif v0.status == "violated" and final.status == "holds":
            outcome = "artefact"
        else:
            outcome = final.status
    return Decision(stmt.key, ex, outcome, verdicts, bk.name, time.perf_counter() - t0)
