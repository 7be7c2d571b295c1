"""The searchers: each runs one :class:`~bnverify.verify.planning.Unit` and returns its records.

Draws are points ``u`` of the unit cube of :meth:`Statement.space`, each example handed to
:func:`~bnverify.verify.adjudicate.decide` (adjudication included):

* ``hypothesis`` — Hypothesis draws ``u`` (boundaries and simple values favoured, ``target`` on the
  negated slack, shrinking and replay as usual);
* ``sweep`` — scrambled Sobol points (``scipy.stats.qmc.Sobol``), deterministic by seed: the
  space-filling baseline (``focus``: the same in a named focus region);
* ``hunt`` — adversarial minimisation of the signed slack by CMA-ES (``cma``) in the unit cube,
  restarted in distinct cells of the space (from the tightest informative examples of phase 1 in
  each, :func:`~bnverify.verify.planning.plan_hunt`), and again in the next cell when a restart
  stagnates or sits at a box corner. Points whose verdict is not informative (vacuous, undecided,
  artefact, error, a bound met trivially) get a penalty that grows with their distance from the
  informative points, and are counted and shown, not dropped;
* ``pinned`` — the statement's pinned examples (known hard cases);
* ``certify`` — phase 3: screened draws decided again with every verdict up the ladder.

:func:`run_unit` is the one entry point; a point whose decision raised is recorded with outcome
``error`` (traceback kept) and the unit goes on.
"""
from __future__ import annotations

import json
import math
import time
import warnings

import numpy as np

from bnverify.verify.adjudicate import decide
from bnverify.verify.planning import SEARCHERS, Unit
from bnverify.verify.records import decided_record, drawn_head, pinned_head, unbuilt_record

PENALTY = 100.0  # hunt objective for points whose verdict is not informative (plus their distance to one that is)
BATCH = 16  # sweep points decided together by a unit that stops at its first violation


# --- one example, several examples -------------------------------------------------------------------
def decide_point(stmt, space, u, backend, searcher: str, index: int, certify: str = "doubtful") -> dict:
    """Decide the example at ``u`` and return its record (plain data)."""
    t0 = time.perf_counter()
    values = space.values(u)
    try:
        ex = space.build(dict(values))
    except ValueError as e:  # the point maps to no valid example (e.g. a step size that underflows to 0)
        return unbuilt_record(drawn_head(space, u, values, searcher, index, None), t0, e)
    except Exception as e:  # noqa: BLE001  (a bug in the space: recorded, the search goes on)
        import traceback

        return unbuilt_record(drawn_head(space, u, values, searcher, index, None), t0, e, traceback.format_exc(limit=8))
    d = decide(stmt, ex, primary=backend, certify=certify)
    return decided_record(stmt, d, drawn_head(space, u, values, searcher, index, ex.to_dict()), t0)


def _build_point(space, u):
    """``(values, example)`` at ``u``; example None when the point maps to no valid example or the
    space raised (:func:`decide_point` records those)."""
    values = space.values(u)
    try:
        return values, space.build(dict(values))
    except Exception:  # noqa: BLE001
        return values, None




def _until_first_violation(records, stop: bool) -> list[dict]:
    """The records of an iterator that decides each point when asked for it: all of them, or with
    ``stop`` up to and including the first violated one (nothing after it is decided)."""
    out = []
    for rec in records:
        out.append(rec)
        if stop and rec["outcome"] == "violated":
            break
    return out


def decide_points(stmt, space, points, backend, searcher: str, indices, stop_at_first: bool = False,
                  certify: str = "doubtful") -> list[dict]:
    """:func:`decide_point` for several points. Reduced-recurrence statements with a float64 primary
    are decided as a batch (:func:`bnverify.verify.batch.decide_many`: the float64 runs simulated together,
    each check the statement's own, doubtful verdicts up the ladder); the records are the same.
    ``stop_at_first``: no point after the first violated one is decided (its records end there)."""
    from bnverify.verify.batch import batchable, decide_many

    if not batchable(stmt, backend) or len(points) < 2:
        return _until_first_violation((decide_point(stmt, space, u, backend, searcher, i, certify)
                                       for u, i in zip(points, indices)), stop_at_first)
    t0 = time.perf_counter()
    built = [_build_point(space, u) for u in points]
    ds = decide_many(stmt, [ex for _, ex in built], backend, stop_at_first=stop_at_first, certify=certify)
    share = (time.perf_counter() - t0) - sum(d.seconds for d in ds if d is not None)
    share /= max(1, len(ds))

    def records():  # zip ends where decide_many stopped
        for u, i, (values, ex), d in zip(points, indices, built, ds):
            if ex is None:  # recorded by the per-example path (vacuous point or an error in the space)
                yield decide_point(stmt, space, u, backend, searcher, i, certify)
                continue
            rec = decided_record(stmt, d, drawn_head(space, u, values, searcher, i, ex.to_dict()), time.perf_counter())
            rec["seconds"] = d.seconds + share
            yield rec

    return _until_first_violation(records(), stop_at_first)


def cma_seed(unit) -> int:
    """CMA-ES's seed for a hunt unit: ``seed·1000 + start + 1``, folded into numpy's legacy range
    [1, 2³² − 1] (CMA-ES seeds ``np.random`` with it; ``make deep``'s seed 20261201 gave 2·10¹⁰)."""
    return (_seed(unit) * 1000 + unit.start) % (2**32 - 1) + 1


def _seed(unit) -> int:
    """The unit's seed for Sobol / CMA-ES (None, meaning "derandomised", is seed 0 there)."""
    return int(unit.seed) if unit.seed is not None and unit.seed >= 0 else 0


# --- the searchers ----------------------------------------------------------------------------
def _sweep(stmt, space, unit: Unit, on_record) -> list[dict]:
    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "balance properties need n = 2^m": the chunk is a slice
        s = qmc.Sobol(d=space.dim, scramble=True, seed=_seed(unit))
        if unit.start:
            s.fast_forward(unit.start)
        pts = s.random(unit.count)
    out = []
    name = "focus" if unit.focus else "sweep"
    # the whole unit at once (mutants, which stop at their first violation, in chunks of BATCH)
    step = BATCH if unit.stop_at_first else max(1, len(pts))
    for c in range(0, len(pts), step):
        recs = decide_points(stmt, space, pts[c:c + step], unit.backend, name,
                             range(unit.start + c, unit.start + c + step),
                             stop_at_first=unit.stop_at_first, certify=unit.certify)
        for rec in recs:
            out.append(rec)
            on_record(rec)
            if unit.stop_at_first and rec["outcome"] == "violated":
                return out
    return out


CORNER = 0.01  # a point of the unit cube within this of 0 or 1 on a coordinate is on that face
STALL_GENERATIONS = 5  # a restart whose best objective improved by less than STALL_TOL of itself over so many
STALL_TOL = 0.01  # generations ends (relative: a needle's slack can be 1e-9 everywhere, Lemma 4)
# a blind start (a random point of an empty cell, or a random point once the planned starts are used) carries no
# information about the slack: CMA-ES's first steps from it are wider than from a phase-1 example (Unit.sigma0)
# along the decisive continuous coordinates (_wide_coordinates), so that they reach the faces a random start lies
# far from (Theorem 3's duration needle: η_γ → 1 with ρ_0 high); along the others they stay at Unit.sigma0 (a wide
# step on an integer seed or a category only adds corners)
BLIND_SIGMA = 0.3
CORNER_GENERATIONS = 2  # a restart whose best point sat at a box corner, not improving, so many generations ends


def _objective(rec, near: float | None = None) -> float:
    """The hunt's objective at a decided record: ``asinh(slack)`` where the verdict is informative
    (:func:`~bnverify.verify.planning.informative`); elsewhere (vacuous, undecided, artefact, error,
    or a bound met trivially) :data:`PENALTY` plus ``near``, the distance in the unit cube to the
    nearest informative point seen so far, so that CMA-ES is pushed back toward the decided region."""
    from bnverify.verify.planning import informative

    if informative(rec):
        s = rec["slack"]
        return float(math.asinh(s)) if math.isfinite(s) else (-PENALTY if s < 0 else PENALTY / 2)
    return PENALTY + (near if near is not None else 0.0)


def at_corner(u, dim: int) -> bool:
    """Whether ``u`` sits at a corner of the box: at least two coordinates (one in 1-D) on a face."""
    u = np.asarray(u, float)[:dim]
    return int(np.sum((u <= CORNER) | (u >= 1 - CORNER))) >= min(2, dim)


def _wide_coordinates(space) -> list[bool]:
    """The coordinates a blind start searches wider along (:data:`BLIND_SIGMA`): the decisive continuous
    ones (those the slack moves with; a wide step on an integer seed or a category only adds corners),
    else the decisive ones, else all."""
    for pick in (lambda p: not p.inert and p.scale in ("linear", "log"), lambda p: not p.inert, lambda p: True):
        wide = [bool(pick(p)) for p in space.params]
        if any(wide):
            return wide
    return [True] * space.dim


def _hunt_starts(unit, dim: int):
    """The unit's start points: ``x0``, then its planned ``restarts`` (one cell each), then random points."""
    rng = np.random.default_rng([_seed(unit), unit.start, 0x5EED])
    yield np.asarray(unit.x0, float) if unit.x0 is not None else rng.random(dim)
    for x in unit.restarts:
        yield np.asarray(x, float)
    while True:
        yield rng.random(dim)


def _hunt(stmt, space, unit: Unit, on_record) -> list[dict]:
    """CMA-ES on the unit cube, restarted: a restart ends when CMA-ES stops, when its best objective
    stagnates (improved by less than STALL_TOL of itself over STALL_GENERATIONS generations) or when
    its best point sits at a box corner without improving (CORNER_GENERATIONS generations in a row:
    where a slack tends to 0 only asymptotically); the rest of the unit's budget goes to the next
    start (:func:`_hunt_starts`).
    Each generation's new cases are decided together (:func:`decide_points`: one batch on the
    reduced recurrence). The same unit draws the same points."""
    out: list[dict] = []
    seen: dict[tuple, dict] = {}
    good: list[np.ndarray] = []  # the informative points decided so far (the penalty's distance)
    starts = _hunt_starts(unit, space.dim)
    restart, idle = 0, 0
    while len(out) < unit.count and idle < 3:  # three restarts in a row with no new case: the space is exhausted
        n = len(out)
        sigma = unit.sigma0 if restart < unit.informed else max(unit.sigma0, BLIND_SIGMA)
        if _hunt_restart(stmt, space, unit, next(starts), restart, out, seen, good, on_record, sigma):
            break
        idle = idle + 1 if len(out) == n else 0
        restart += 1
    return out


def _hunt_restart(stmt, space, unit, x0, restart, out, seen, good, on_record, sigma=None) -> bool:
    """One CMA-ES restart of :func:`_hunt` from ``x0`` (step size ``sigma``, default ``unit.sigma0``); True
    when the unit is done (a mutant's violation)."""
    import cma

    from bnverify.verify.planning import informative

    x0 = np.clip(np.asarray(x0, float), 1e-6, 1 - 1e-6)
    if space.dim == 1:  # CMA-ES needs n >= 2: a dummy coordinate
        x0 = np.append(x0, 0.5)
    left = unit.count - len(out)
    opts = {"bounds": [0.0, 1.0], "seed": (cma_seed(unit) - 1 + 7919 * restart) % (2**32 - 1) + 1, "verbose": -9,
            "maxfevals": left, "tolfun": 1e-14, "tolx": 1e-12,
            "popsize": max(6, 4 + int(3 * math.log(max(2, len(x0)))))}
    sigma = unit.sigma0 if sigma is None else sigma
    if sigma > unit.sigma0:  # wider along the decisive continuous coordinates only
        stds = [1.0 if w else unit.sigma0 / sigma for w in _wide_coordinates(space)]
        opts["CMA_stds"] = stds + [1.0] * (len(x0) - len(stds))
    es = cma.CMAEvolutionStrategy(list(x0), sigma, opts)
    history, cornered = [], 0
    while len(out) < unit.count and not es.stop():
        X = es.ask()
        # the generation's new cases, in order (the same case twice: decided once), decided together
        us = [np.clip(np.asarray(x[:space.dim]), 0.0, 1.0) for x in X]
        keys = [space.key(space.values(u)) for u in us]
        new, planned = [], set()
        for u, k in zip(us, keys):
            if k not in seen and k not in planned and len(out) + len(new) < unit.count:
                new.append((u, k))
                planned.add(k)
        recs = decide_points(stmt, space, [u for u, _ in new], unit.backend, "hunt",
                             [unit.start * 100000 + len(out) + j for j in range(len(new))],
                             stop_at_first=unit.stop_at_first, certify=unit.certify)
        for (u, k), rec in zip(new, recs):
            seen[k] = rec
            out.append(rec)
            on_record(rec)
            if informative(rec):
                good.append(u)
            if unit.stop_at_first and rec["outcome"] == "violated":
                return True
        G = np.array(good) if good else None
        F = []  # a point left undecided (past the budget) gets twice the penalty
        for u, k in zip(us, keys):
            near = float(np.min(np.linalg.norm(G - u, axis=1))) if G is not None and k in seen else None
            F.append(_objective(seen[k], near) if k in seen else 2 * PENALTY)
        es.tell(X, F)
        i = int(np.argmin(F))
        history.append(min(F[i], history[-1]) if history else F[i])
        # at a corner and no longer improving there (a slack that tends to 0 only asymptotically): cut; a
        # slack still falling at a corner may cross 0 there (Theorem 3's duration needle sits at η_γ's bound)
        pinned = len(history) > 1 and history[-2] - history[-1] <= STALL_TOL * abs(history[-1])
        cornered = cornered + 1 if 0 <= F[i] < PENALTY and pinned and at_corner(us[i], space.dim) else 0
        stalled = len(history) > STALL_GENERATIONS and \
            history[-1 - STALL_GENERATIONS] - history[-1] <= STALL_TOL * abs(history[-1])
        if cornered >= CORNER_GENERATIONS or stalled:
            break
    return False


def _hypothesis(stmt, space, unit: Unit, on_record) -> list[dict]:
    from hypothesis import Phase, given, seed as hseed, settings, strategies as st, target

    from bnverify.verify.campaign import profile_name
    from bnverify.verify.hypothesis_constants import library_hypothesis_constants

    out: list[dict] = []
    found = []

    # the source of `one` is the seed of derandomised draws (Hypothesis hashes it): a changed character
    # changes every draw of the ci profile
    def one(u):
        if found:
            return
        rec = decide_point(stmt, space, np.array(u), unit.backend, "hypothesis", len(out), unit.certify)
        out.append(rec)
        on_record(rec)
        if rec["slack"] is not None and math.isfinite(rec["slack"]):
            target(-rec["slack"], label="negated slack")
        if unit.stop_at_first and rec["outcome"] == "violated":
            found.append(rec)

    point = st.tuples(*[st.floats(0.0, 1.0, allow_nan=False) for _ in range(space.dim)])
    kw = dict(max_examples=unit.count, phases=[Phase.generate, Phase.target])
    if unit.seed is None or unit.seed < 0:
        kw["derandomize"] = True
    else:
        kw["derandomize"] = False
    test = settings(settings.get_profile(profile_name()), **kw)(given(point)(one))
    if not kw["derandomize"]:
        test = hseed(unit.seed)(test)
    with warnings.catch_warnings(), library_hypothesis_constants():
        # on a Dask worker, the worker's own threads draw from the global `random` module while a
        # case is generated; Hypothesis sees the state move and blames the strategy (which uses no
        # `random`: its draws are Hypothesis floats)
        warnings.filterwarnings("ignore", message="Do not use the `random` module inside strategies")
        test()
    return out


def _certify(stmt, space, unit: Unit, on_record) -> list[dict]:
    """Phase 3: the unit's target examples (screened in phases 1–2) decided again with every
    verdict up the ladder (``certify="all"``); each record names the draw it certifies (``of``)."""
    from bnverify.verify.example import Example

    out = []
    for i, (role, searcher, index, example) in enumerate(unit.targets):
        t0 = time.perf_counter()
        ex = Example.from_dict(json.loads(example))
        d = decide(stmt, ex, primary=unit.backend, certify="all")
        head = dict(searcher="certify", index=unit.start + i, of=[searcher, index], role=role, example=ex.to_dict())
        out.append(decided_record(stmt, d, head, t0, drawn=False, certified=d.certified))
        on_record(out[-1])
    return out


def _pinned(stmt, space, unit: Unit, on_record) -> list[dict]:
    """The statement's pinned examples (known hard cases), decided with every verdict up the ladder;
    they are shown apart from the searchers' draws and never counted as coverage."""
    out = []
    for i, ex in enumerate(getattr(stmt, "pinned", ()) or ()):
        t0 = time.perf_counter()
        out.append(decided_record(stmt, decide(stmt, ex, primary=unit.backend), pinned_head(i, ex), t0, drawn=False))
        on_record(out[-1])
    return out


RUN = {"sweep": _sweep, "hunt": _hunt, "hypothesis": _hypothesis, "certify": _certify, "pinned": _pinned}


def run_unit(unit: Unit, stmt=None, on_record=None) -> list[dict]:
    """The records of one unit, decided in this process (``stmt``: the unit's statement, by default
    the one it carries); ``on_record(record)`` sees each record as it is decided."""
    if unit.searcher not in RUN:
        raise ValueError(f"searcher: unknown {unit.searcher!r}; expected one of {SEARCHERS} (or 'certify', 'pinned')")
    stmt = stmt if stmt is not None else unit.statement
    if stmt is None:
        raise ValueError(f"unit {unit.id}: no statement to decide")
    on_record = on_record or (lambda r: None)
    if unit.searcher == "pinned":
        return _pinned(stmt, None, unit, on_record)
    space = stmt.space()
    if unit.focus:
        space = space.focus(unit.focus)
    return RUN[unit.searcher](stmt, space, unit, on_record)
