"""Certificates: a statement decided on one example in ball arithmetic, i.e. proved per example.

:func:`certify` runs the pipeline every rung runs (:func:`bnverify.verify.pipeline.run_example`:
hypotheses → constants → horizon → the statement's simulator → check, with the same checks of what
the statement returns) on the :class:`~bnverify.numerics.backends.Arb` backend, at 128 → 256 → 512 →
1024 bits. Every number is then a ball that encloses the exact real
value (the instance is rebuilt in balls from its seed, so the balls enclose the exact mathematical
instance), and every comparison either holds for all points of the balls or raises
:class:`~bnverify.numerics.backends.Uncertain`. A rung that completes without ``Uncertain`` is a proof for
that example: every branch the statement took (hypotheses, constants, simulation, check) was
decided the same way for the exact numbers. A rung that raises climbs to the next precision.

One gap the balls cannot close by themselves: a check that converts a ball to ``float`` and then
compares floats decides on midpoints. During the check every ``float()`` of a non-exact ball is
recorded except display (inside an f-string replacement field, or a ``Verdict``'s float fields
and relative slack); a rung whose check took such a float is reported ``undecided`` with those
``file:line`` sites — conservatively: the float may only have been displayed — so a status never
rests on a float comparison.
"""
from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field

from bnverify.numerics import backends
from bnverify.numerics.backends import Uncertain, flint_precision
from bnverify.verify.example import Example
from bnverify.verify.pipeline import run_example
from bnverify.verify.statement import Statement, Verdict

__all__ = ["Certificate", "certify", "BITS"]

BITS = (128, 256, 512, 1024)
CERTIFIED = ("holds", "violated", "vacuous")


@dataclass
class Certificate:
    """Outcome of :func:`certify`.

    ``status``: ``holds`` / ``violated`` / ``vacuous`` — decided rigorously at ``bits`` (every
    comparison certain, no float decision); ``undecided`` — no rung settled it (``reason`` says why:
    the last ``Uncertain``, a float decision site, or an undecided check). ``verdict`` is the
    check's verdict at the deciding (or last) rung — its floats are midpoints, for display;
    ``horizon_limited``: ``undecided`` because the statement's horizon, not the precision, left it so
    (the rung completed without ``Uncertain`` or a float decision).
    ``rungs`` maps bits to what happened there; ``float_sites`` are the ``file:line`` places where
    the last completed check went through ``float()``."""

    status: str
    bits: int | None
    verdict: Verdict | None
    reason: str
    seconds: float
    statement: str = ""
    rungs: dict[int, str] = field(default_factory=dict)
    float_sites: tuple[str, ...] = ()
    horizon_limited: bool = False  # a rung completed (no Uncertain, no float decision) and said "undecided
    # within the horizon": more precision cannot decide it

    @property
    def certified(self) -> bool:
        return self.status in CERTIFIED


def _check_bits(bits) -> tuple[int, ...]:
    if isinstance(bits, int):
        bits = (bits,)
    out = tuple(bits)
    if not out or any(isinstance(b, bool) or not isinstance(b, int) or b < 53 for b in out):
        raise ValueError(f"bits: expected a non-empty sequence of integers >= 53, got {bits!r}")
    if list(out) != sorted(set(out)):
        raise ValueError(f"bits: must increase strictly, got {bits!r}")
    return out


GOOD_BITS = 16  # a state ball with fewer correct bits than this no longer decides comparisons
# (a comparison raised in the *check* says nothing about how fast the state lost bits: the rungs climb)
MARGIN_BITS = 32  # head-room over the measured need before a higher rung is worth running


def lost_by_step(bits: int, step: int, horizon: int) -> float:
    """The need when the simulation itself could not decide a comparison at ``step`` (its state
    balls were too wide, so more than ``bits − GOOD_BITS`` bits were lost by then): that loss rate,
    a lower bound on the true one, over ``horizon`` steps, plus :data:`MARGIN_BITS`."""
    return (bits - GOOD_BITS) / max(step, 1) * horizon + MARGIN_BITS


def _raised_at(exc: BaseException) -> str:
    """``file:line`` of the innermost frame outside the backends (where the comparison was asked)."""
    where = "?"
    for fr in traceback.extract_tb(exc.__traceback__):
        if os.path.join("bnverify", "numerics", "backends", "") not in fr.filename:
            where = f"{os.path.basename(fr.filename)}:{fr.lineno}"
    return where


def certify(stmt: Statement, ex: Example, bits=BITS) -> Certificate:
    """Decide ``stmt`` on ``ex`` in ball arithmetic, climbing ``bits`` until a rung completes
    without :class:`Uncertain` (see the module docstring). ``flint.ctx.prec`` is restored."""
    bits = _check_bits(bits)
    t0 = time.perf_counter()
    rungs: dict[int, str] = {}
    last_v, reason, sites = None, "", ()
    with flint_precision():
        need, prev = None, None  # bits the horizon needs, measured at rung `prev`
        for b in bits:
            if need is not None and b < need:
                rungs[b] = f"skipped: the {prev} bit run lost its state's precision, about {need:.0f} bits needed"
                continue
            bk = backends.get_backend(f"arb{b}")
            try:
                v, _, fs = run_example(stmt, ex, bk, audit=True)
            except Uncertain as exc:
                where = _raised_at(exc)
                rungs[b] = f"uncertain at {where}: {str(exc)[:160]}"
                reason = f"Uncertain at {b} bits, raised at {where}: {str(exc)[:160]}"
                if getattr(exc, "step", None) is not None:  # raised inside the simulation, at this step
                    need, prev = lost_by_step(b, exc.step, exc.horizon), b
                if need is not None and need > bits[-1]:
                    reason += (f"; the state lost its precision (about {need:.0f} bits needed for the "
                               f"horizon, more than {bits[-1]}): higher rungs skipped")
                    break
                continue
            if v.status == "vacuous":
                v.certified = True  # the hypotheses failed in balls, before any check
            last_v = v
            if fs:
                v.certified = False  # decided on midpoints somewhere: not a proof
                sites = tuple(sorted(fs))
                rungs[b] = f"{v.status} through float() at {', '.join(sites)}"
                reason = (f"the check decided through float() (midpoints) at {', '.join(sites)}; "
                          f"ball comparisons alone do not settle it")
                break  # more bits do not change where the check goes through floats
            if v.status in CERTIFIED:
                rungs[b] = v.status
                return Certificate(v.status, b, v, f"decided at {b} bits without Uncertain",
                                   time.perf_counter() - t0, stmt.key, rungs)
            rungs[b] = v.status
            reason = f"the check returned {v.status!r} at {b} bits: {v.message}"
            if v.status == "undecided" and v.resolved and not v.retry:
                # the horizon, not the precision, left it undecided — decided so in balls
                return Certificate("undecided", b, v, f"undecided at {b} bits by the horizon, not the precision: "
                                   f"{v.message}", time.perf_counter() - t0, stmt.key, rungs, horizon_limited=True)
    return Certificate("undecided", None, last_v, reason or "no rung completed", time.perf_counter() - t0,
                       stmt.key, rungs, sites)
