"""Running one statement on one example (one rung: :func:`run_once`, the pipeline of
:mod:`bnverify.verify.pipeline`), and re-deciding doubtful verdicts at high precision.

The ladder (:func:`decide`): the primary precision (float64) → **ball arithmetic** (``arb``) at
128 → 256 → 512 → 1024 bits (:data:`ARB_BITS`, :func:`bnverify.verify.certify.certify`) until a rung
decides without ``Uncertain`` → if the balls cannot decide (too wide: typical for long full-GD
horizons, which lose ≈ 4.5 bits per step), the mpmath ladder below, unchanged. Every decided,
non-vacuous primary verdict goes to the balls, not only the doubtful ones, so the campaign can count
the *certified* share. A certified "holds" is a proof for the example: it settles the outcome (a
float64 "violated" becomes a *certified artefact*). A certified "violated" is reported only when the
mpmath ladder confirms it too (two independent arithmetics agree: two successive mpmath rungs say
violated with an excess that survives precision); if it does not, the outcome is ``undecided``. A
ball rung that completes and says "undecided within the horizon" settles the outcome as
``undecided`` (no precision decides more). ``Decision.certified`` says the outcome rests on a
certificate.

THEORY.md §9: float64 full GD cannot resolve ρ below ~1e-16, so it shows false rising edges at
the rounding floor and moves spikes earlier. A float64 "violated", or a "holds" whose slack is
within the statement's ``rounding_reach``, is therefore re-simulated in mpmath on a ladder of
precisions (50 → 100 → 200 digits by default) until two consecutive rungs agree. Final outcomes:

* ``holds`` / ``violated`` / ``vacuous`` / ``undecided`` — as decided (at high precision when
  re-decided);
* ``artefact`` — the primary precision said "violated" and high precision refutes it, or the
  violation's size shrinks with the working precision like its rounding unit (below): counted on
  its own, never as a pass and never as a violation;
* ``error`` — the statement (hypotheses, constants, check) raised, or returned the wrong type, or a
  verdict with a NaN observed value or bound, or a violation whose excess is NaN (a lower bound
  of +∞: ``(observed − ∞)/∞``); the traceback is kept with the example, and the campaign goes on.
  Infinities themselves are values (a rise from 0, an edge that never ends, a vacuous bound).

**A violation is confirmed only if it survives precision** (whoever wrote the statement, with no
``resolved=`` logic needed): every decided rung of the ladder must say "violated" *and* the
excess (``observed − bound`` for an upper bound, the negated slack × |bound|) must not shrink with
the precision — at the higher rung it is at least :data:`KEEP` of the lower rung's excess, and it
exceeds :data:`EPS_MULTIPLE` × that rung's eps × the size of the quantities compared. An excess
that falls like eps (e.g. −4.4e-16 in float64, −1.3e-51 at 50 digits, −2.1e-101 at 100 digits:
``γ_t ≤ a`` attained as ρ_t → 0) is rounding at every rung: the outcome is ``artefact``, for either
primary.
"""
from __future__ import annotations

import math
import time
import traceback
from dataclasses import dataclass, field

from bnverify.numerics.backends import Backend, get_backend
from bnverify.verify.example import Example
from bnverify.verify.pipeline import may_adjudicate, run_example
from bnverify.verify.statement import Statement, Verdict

LADDER = (50, 100, 200)
KEEP = 0.25  # a genuine excess keeps at least this share of itself from one rung to the next
EPS_MULTIPLE = 64
REDUCED_LADDER = (100, 200)
ARB_BITS = (128, 256, 512, 1024)  # ball rungs above the primary (None/() switches them off)
OUTCOMES = ("holds", "violated", "artefact", "undecided", "vacuous", "error")


def run_once(stmt: Statement, ex: Example, backend, simulator: str | None = None) -> tuple[Verdict, object]:
    """Hypotheses → constants → simulate to the statement's horizon → check, at ``backend``
    with ``simulator`` ('full' | 'reduced'; default the statement's): one rung of the ladder
    (:func:`bnverify.verify.pipeline.run_example`). Returns the verdict and the trajectory."""
    v, traj, _ = run_example(stmt, ex, backend, simulator)
    return v, traj


def rung_name(backend_name: str, simulator: str) -> str:
    """The key of a rung's verdict in ``Decision.verdicts``: the backend, and ``/reduced`` when the
    rung ran the reduced recurrence (``float64``, ``arb128/reduced``, ``mpmath100/reduced``)."""
    return backend_name + ("" if simulator == "full" else f"/{simulator}")


EVENT_EPS_MULTIPLE = 64  # an event margin must also exceed this many eps per simulated step (event_reach)


def event_reach(stmt: Statement, v: Verdict) -> float:
    """The event margin a verdict needs for its integers to be out of rounding's reach:
    ``max(rounding_reach, EVENT_EPS_MULTIPLE · T · eps)`` with T the verdict's horizon and eps its
    backend's. The comparisons that fix the integers (a rise ρ_{t+1} > ρ_t after t steps, a scan's gap
    after t terms) are made on numbers carrying O(t·eps) relative rounding (each step of the reduced
    recurrence rounds a bounded number of times; the derivations, e.g. theorems/thm2_delayed_onset.md,
    give the argument); 64 per step is the suite's EPS_MULTIPLE. For T ≤ 10⁶ steps in float64 the
    first term, 1e-8, is the larger."""
    try:
        eps = float(get_backend(v.backend).eps)
    except (ValueError, TypeError):
        eps = 2.0 ** -52
    return max(stmt.rounding_reach, EVENT_EPS_MULTIPLE * max(1, v.horizon or 0) * eps)


def _doubtful(stmt: Statement, v: Verdict) -> bool:
    """Violations, undecided and unresolved verdicts are re-decided; so is a "holds" whose slack is
    within the statement's rounding reach — unless the bound is met trivially on the example
    (``informative=False``, e.g. attained by ρ_0 itself), where the slack measures nothing, or unless
    the verdict carries an **event margin** (``Verdict.event_margin``, not None) of at least
    :func:`event_reach`. A claim between integers fixed by real-valued comparisons (first onset ≤ T_1)
    has slack 0 when they are equal, which is no rounding doubt: the verdict can flip under rounding
    only if one of those comparisons can, and the event margin is the smallest relative margin among
    them. When it is beyond rounding's reach, every integer of the verdict is the exact one, and so is
    the verdict."""
    if v.status == "undecided" and v.resolved and not v.retry:
        return False  # the horizon, not the precision, left it undecided
    if v.status in ("violated", "undecided") or not v.resolved:
        return True
    if not (v.status == "holds" and v.informative and v.slack is not None and abs(v.slack) < stmt.rounding_reach):
        return False
    em = v.event_margin
    return not (em is not None and em >= event_reach(stmt, v))


def reduced_allowed(stmt: Statement, ex: Example, reads) -> bool:
    """The reduced recurrence (Lemma 7 (e), exact and free of the ρ rounding floor) may re-decide a
    full-GD example: a whitened square-loss instance, and :func:`may_adjudicate` allows it."""
    return (stmt.simulator == "full" and ex.builder == "whitened_regression" and stmt.loss == "square"
            and may_adjudicate(stmt, "reduced", reads)[0])


def ladder_for(stmt: Statement, ex: Example, primary, reads=None) -> list[tuple[str, int]]:
    """Rungs ``(simulator, digits)`` above ``primary``: the statement's own simulator at
    50 → 100 → 200 digits; then, where :func:`reduced_allowed` (``reads``: the columns the
    primary check read; None: all of them), the reduced recurrence at 100 → 200 digits."""
    bk = get_backend(primary)
    rungs = [(stmt.simulator, d) for d in LADDER if d > bk.dps]
    if reduced_allowed(stmt, ex, reads):
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
    error: str = ""  # the traceback when the outcome is "error"
    certified: bool = False  # the outcome rests on a ball-arithmetic certificate (violations: and mpmath agrees)
    arb: str = ""  # what the ball rungs said (certified at b bits / why they could not decide)
    screened: bool = False  # decided in float64 outside rounding reach, not certified (certify="doubtful")
    by_screen: bool = False  # cleared by the statement's vectorised screen (verify.screen), not by check()

    @property
    def final(self) -> Verdict:
        """The verdict the outcome rests on (the last rung run)."""
        if not self.verdicts:
            return Verdict("undecided", message=self.error.strip().splitlines()[-1] if self.error else "")
        return list(self.verdicts.values())[-1]

    @property
    def slack(self):
        return self.final.slack

    def to_dict(self) -> dict:
        d = dict(statement=self.statement, outcome=self.outcome, primary=self.primary,
                 example=self.example.to_dict(), seconds=self.seconds, certified=self.certified, arb=self.arb,
                 verdicts={k: v.to_dict() for k, v in self.verdicts.items()})
        if self.error:
            d["error"] = self.error
        if self.screened:
            d["screened"] = True
        return d


def excess(v: Verdict) -> float | None:
    """How far a violated verdict goes past its bound, in the bound's own units (``−slack·|bound|``;
    ``−slack`` when the bound is 0); None when the verdict carries no slack."""
    if v.slack is None:
        return None
    b = abs(v.bound) if v.bound not in (None, 0.0) and math.isfinite(v.bound) else 1.0
    return -v.slack * b


def _size(v: Verdict) -> float:
    vals = [abs(x) for x in (v.observed, v.bound) if x is not None and math.isfinite(x)]
    return max(vals) if vals and max(vals) > 0 else 1.0


def survives_precision(lo: Verdict, hi: Verdict, eps_lo: float, eps_hi: float) -> bool:
    """Two successive rungs both violated: is the violation a property of the mathematics, not of the
    rounding? Its excess must be beyond ``EPS_MULTIPLE·eps·size`` at both rungs and must not shrink
    (``excess_hi ≥ KEEP·excess_lo``). A verdict without a slack (a contradiction reported as a plain
    "violated") survives when both rungs agree."""
    e_lo, e_hi = excess(lo), excess(hi)
    if e_lo is None or e_hi is None:
        return True
    if math.isinf(e_lo) or math.isinf(e_hi) or math.isnan(e_lo) or math.isnan(e_hi):
        return not (math.isnan(e_lo) or math.isnan(e_hi))
    if not (e_lo > EPS_MULTIPLE * eps_lo * _size(lo) and e_hi > EPS_MULTIPLE * eps_hi * _size(hi)):
        return False
    return e_hi >= KEEP * e_lo


CERTIFY = ("all", "doubtful")  # what goes up the ladder: every decided verdict, or the doubtful ones


def decide(stmt: Statement, ex: Example, primary="float64", certify: str = "all") -> Decision:
    """Run at ``primary``; then the ball rungs (module docstring: a certified "holds" / "vacuous"
    settles the outcome, a certified "violated" needs the mpmath ladder to agree); when the balls
    cannot decide, re-decide doubtful verdicts up :func:`ladder_for` until two successive
    *decided* rungs (resolved holds/violated; unresolved rungs are skipped) agree — and a
    "violated" agreement counts only if it :func:`survives_precision` (otherwise the outcome is
    ``artefact``). If no two agree the outcome is ``undecided``. A statement that raises gives
    outcome ``error`` with the traceback.

    ``certify="doubtful"`` (campaigns): a verdict that is not doubtful — a holds whose slack is
    well outside rounding reach — is *screened*: decided at the primary, not certified
    (``Decision.screened``; the campaign certifies its tightest and a seeded sample of them). A
    doubtful float64 verdict of a full-GD whitened square-loss example goes first to the floor-free
    float64 reduced recurrence (where column provenance allows, :func:`reduced_allowed`): a
    comfortable "holds" there settles it, screened; anything else climbs the ladder."""
    if certify not in CERTIFY:
        raise ValueError(f"certify: expected one of {CERTIFY}, got {certify!r}")
    t0 = time.perf_counter()
    bk: Backend = get_backend(primary)
    verdicts: dict[str, Verdict] = {}
    info: dict = {}
    try:
        outcome = _adjudicate(stmt, ex, bk, verdicts, info, certify)
        err = ""
    except Exception:  # noqa: BLE001  (a bug in a statement: recorded with the example, the campaign goes on)
        outcome, err = "error", traceback.format_exc(limit=12)
    return Decision(stmt.key, ex, outcome, verdicts, bk.name, time.perf_counter() - t0, err,
                    certified=bool(info.get("certified")) and outcome != "error", arb=info.get("arb", ""),
                    screened=bool(info.get("screened")) and outcome != "error")


def ball_rungs(stmt, horizon=None) -> tuple[tuple[int, ...], str]:
    """The ball rungs the ladder runs for ``stmt`` at ``horizon``, or ``()`` and why none."""
    if not ARB_BITS:
        return (), "switched off"
    if not getattr(stmt, "ball_certifiable", True):
        return (), getattr(stmt, "ball_note", "") or "not certifiable in balls"
    # every rung runs, whatever the horizon: how many bits full GD loses per step depends on the step
    # size (≈ 4.5 on whitened square loss at H0 ≈ 1.5-2.3, far fewer at small H0: 2,000-step runs with
    # H0 = 0.02 certify at 256 bits), so no horizon rule can skip a rung without losing certificates
    return tuple(ARB_BITS), ""


def _balls(stmt, ex, verdicts, info, horizon=None):
    """The ball rungs (:func:`bnverify.verify.certify.certify` at :data:`ARB_BITS`): the certificate, or
    None when the balls cannot decide (``info['arb']`` says why). A ball run that raises anything
    but ``Uncertain`` (a code path not written for balls) is "cannot decide", never an error."""
    from bnverify.verify.certify import certify

    bits, why = ball_rungs(stmt, horizon)
    if not bits:
        info["arb"] = f"balls not run: {why}"
        return None
    try:
        cert = certify(stmt, ex, bits)
    except Exception as exc:  # noqa: BLE001
        info["arb"] = f"balls raised {type(exc).__name__}: {str(exc)[:200]}"
        return None
    if cert.horizon_limited:
        verdicts[rung_name(f"arb{cert.bits}", stmt.simulator)] = cert.verdict
        info["arb"] = f"undecided at {cert.bits} bits: the horizon, not the precision, leaves it undecided"
        return cert
    if not cert.certified:
        info["arb"] = f"not certified: {cert.reason[:300]}"
        return None
    cert.verdict.certified = True
    verdicts[rung_name(f"arb{cert.bits}", stmt.simulator)] = cert.verdict
    info["arb"] = f"certified {cert.status} at {cert.bits} bits"
    return cert


def _adjudicate(stmt, ex, bk, verdicts, info, certify="all") -> str:
    v0, traj = run_once(stmt, ex, bk)
    reads = traj.reads if traj is not None else None
    verdicts[rung_name(bk.name, stmt.simulator)] = v0
    if v0.status == "vacuous" or (v0.status == "undecided" and not _doubtful(stmt, v0)):
        return v0.status  # the hypotheses failed, or the horizon (not the precision) left it undecided
    if certify == "doubtful":
        if not _doubtful(stmt, v0):
            info["screened"] = True  # a comfortable holds: certified only if the campaign samples it
            return v0.status
        if bk.bounded_exponent and reduced_allowed(stmt, ex, reads):
            vr, _ = run_once(stmt, ex, bk, "reduced")  # floor-free: no false rising edges at ρ ~ eps
            verdicts[rung_name(bk.name, "reduced")] = vr
            if vr.status == "holds" and not _doubtful(stmt, vr):
                info["screened"] = True
                return "artefact" if v0.status == "violated" else "holds"
    cert = _balls(stmt, ex, verdicts, info, v0.horizon) if ARB_BITS and not bk.encloses else None
    if cert is not None:
        if cert.horizon_limited:  # exact arithmetic decides nothing more here: mpmath would only repeat it
            return "undecided"
        if cert.status in ("holds", "vacuous"):  # a proof for this example
            info["certified"] = True
            return "artefact" if v0.status == "violated" else cert.status
        # certified violated: reported only if the independent mpmath ladder confirms it
        out = _mpmath_ladder(stmt, ex, bk, v0, verdicts, second_opinion=True, reads=reads)
        if out == "violated":
            info["certified"] = True
            return "violated"
        info["arb"] += f"; the mpmath ladder says {out!r}: the two arithmetics disagree"
        return "undecided"
    if not _doubtful(stmt, v0):
        return v0.status
    return _mpmath_ladder(stmt, ex, bk, v0, verdicts, reads=reads)


def _mpmath_ladder(stmt, ex, bk, v0, verdicts, second_opinion: bool = False, reads=None) -> str:
    """Today's mpmath ladder above the primary verdict ``v0`` (see :func:`decide`). As the second
    opinion on a *certified* violation (``second_opinion``) it stops at the first two successive
    rungs that confirm it: the balls already prove that the violation is not rounding, mpmath only
    has to agree."""
    prev, prev_eps = None, None
    rungs = ladder_for(stmt, ex, bk, reads)
    floor_hit = False
    confirmed = False
    prev_vacuous = False
    for i, (sim, dps) in enumerate(rungs):
        if floor_hit and sim == stmt.simulator and any(r[0] != sim for r in rungs[i:]):
            continue  # more digits only move the rounding floor; go to the floor-free rung
        rb = get_backend(dps)
        v, _ = run_once(stmt, ex, rb, sim)
        floor_hit = floor_hit or not v.resolved
        verdicts[rung_name(f"mpmath{dps}", sim)] = v
        if v.status == "vacuous" and prev_vacuous:
            # two precise rungs: the premise never holds — the primary's premise was rounding
            return "artefact" if v0.status == "violated" else "vacuous"
        prev_vacuous = v.status == "vacuous"
        if v.status == "undecided" and v.resolved and not v.retry:
            return "undecided"  # the horizon, not the precision, leaves it undecided: more digits repeat it
        if not (v.resolved and v.status in ("holds", "violated")):
            continue  # unresolved (rounding floor) or undecided: climb on
        if prev is not None and prev.status == "violated" and v.status == "violated":
            if not survives_precision(prev, v, prev_eps, rb.eps):
                return "artefact"  # the excess shrinks like the rounding unit
            confirmed = True  # climb on: every further rung must agree (a tiny true effect resolves late)
            if second_opinion:
                return "violated"
        elif prev is not None and prev.status == v.status:  # two decided rungs say holds
            return "artefact" if v0.status == "violated" else "holds"
        elif prev is not None and prev.status == "violated" and v.status == "holds" and confirmed:
            return "artefact"  # resolved only at the highest precision: rounding after all
        prev, prev_eps = v, rb.eps
    if confirmed and prev is not None and prev.status == "violated":
        return "violated"
    return "undecided"
