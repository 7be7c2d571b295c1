"""Searchers over a statement's declared space, behind one campaign API.

Three searchers draw points ``u`` of the unit cube of :meth:`Statement.space` and hand each
example to the same :func:`~bnverify.verify.adjudicate.decide` (adjudication included):

* ``hypothesis`` — Hypothesis draws ``u`` (boundaries and simple values favoured, ``target`` on the
  negated slack, shrinking and replay as usual);
* ``sweep`` — scrambled Sobol points (``scipy.stats.qmc.Sobol``), deterministic by seed: the
  space-filling baseline;
* ``hunt`` — adversarial minimisation of the signed slack by CMA-ES (``cma``) in the unit cube,
  restarted from the sweep's tightest examples. Points whose hypotheses fail (or that are
  undecided) get a penalty and are counted and shown, not dropped.

Work comes in :class:`Unit` s — a chunk of examples of one statement from one searcher — so that a
campaign can be spread over processes or a Dask cluster (:mod:`bnverify.verify.engine`): a unit is a pure
function of its fields. :func:`run_unit` returns plain-data records; :func:`summarise` turns the
records of one statement into a :class:`~bnverify.verify.campaign.CampaignResult` (distinct examples,
coverage, tightness sup and where it is attained, counterexamples, per-searcher detail).
"""
from __future__ import annotations

import json
import math
import time
import warnings
from dataclasses import asdict, dataclass

import numpy as np

from bnverify.verify.adjudicate import decide
from bnverify.numerics.backends import get_backend
from bnverify.verify.campaign import DECIDED, CampaignResult, record_certified
from bnverify.verify.space import coverage

SEARCHERS = ("hypothesis", "sweep", "hunt")
PENALTY = 100.0  # hunt objective for points that are vacuous, undecided or raised
BOUND_KINDS = ("upper bound", "lower bound", "existence")
BATCH = 16  # sweep points decided together by a unit that stops at its first violation


@dataclass(frozen=True)
class Unit:
    """One chunk of one campaign. ``start``/``count``: Sobol indices (sweep), the restart index and
    its evaluation budget (hunt), or the example budget (hypothesis: one unit per campaign).
    ``x0``: the hunt's start point. ``stop_at_first``: end at the first confirmed violation
    (mutants: they need only be caught; examples-to-detection is what is measured)."""

    key: str
    searcher: str
    start: int
    count: int
    seed: int | None = 0  # None: Hypothesis derandomised (the ci profile); Sobol / CMA-ES seed 0
    backend: str = "float64"
    mutant: bool = False
    theorems: tuple = ()
    x0: tuple | None = None
    sigma0: float = 0.15
    stop_at_first: bool = False
    focus: str | None = None  # sweep: a named focus region of the space instead of the whole space
    certify: str = "doubtful"  # adjudicate.decide's policy: "all" sends every decided verdict to the balls
    targets: tuple = ()  # searcher "certify": ((role, searcher, index, example JSON), …) to certify

    @property
    def id(self) -> str:
        return f"{self.key}|{self.backend}|{self.searcher}|{self.seed}|{self.start}+{self.count}" + \
            (f"|focus={self.focus}" if self.focus else "") + (f"|certify={self.certify}" if self.certify != "doubtful" else "")

    def to_dict(self) -> dict:
        return asdict(self)


# --- one example ----------------------------------------------------------------------------------
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


def decide_point(stmt, space, u, backend, searcher: str, index: int, certify: str = "doubtful") -> dict:
    """Decide the example at ``u`` and return its record (plain data)."""
    t0 = time.perf_counter()
    values = space.values(u)
    try:
        ex = space.build(dict(values))
    except ValueError as e:  # the point maps to no valid example (e.g. a step size that underflows to 0)
        return dict(searcher=searcher, index=index, u=[float(x) for x in np.asarray(u, float)], values=_plain(values),
                    key=list(space.key(values)), used=sorted(space.used(values)), example=None, outcome="vacuous",
                    slack=None, tightness=None, seconds=time.perf_counter() - t0,
                    final=dict(status="vacuous", message=str(e)), unmet=[f"no valid example at this point: {e}"])
    except Exception:  # noqa: BLE001  (a bug in the space: recorded, the search goes on)
        import traceback

        tb = traceback.format_exc(limit=8)
        return dict(searcher=searcher, index=index, u=[float(x) for x in np.asarray(u, float)], values=_plain(values),
                    key=list(space.key(values)), used=sorted(space.used(values)), example=None, outcome="error",
                    slack=None, tightness=None, seconds=time.perf_counter() - t0,
                    final=dict(status="error", message=tb.strip().splitlines()[-1]), decision=dict(error=tb))
    return _record(stmt, space, u, values, ex, decide(stmt, ex, primary=backend, certify=certify), searcher, index, t0)


def _build_point(space, u):
    """``(values, example)`` at ``u``; example None when the point maps to no valid example or the
    space raised (:func:`decide_point` records those)."""
    values = space.values(u)
    try:
        return values, space.build(dict(values))
    except Exception:  # noqa: BLE001
        return values, None


def _record(stmt, space, u, values, ex, d, searcher, index, t0) -> dict:
    """The record of a decided example (plain data: the shape :func:`decide_point` returns)."""
    rec = dict(searcher=searcher, index=index, u=[float(x) for x in np.asarray(u, float)], values=_plain(values),
               key=list(space.key(values)), used=sorted(space.used(values)), example=ex.to_dict())
    fv = d.final
    rec.update(outcome=d.outcome, slack=_finite_or_none(fv.slack) if d.outcome in ("holds", "violated") else None,
               tightness=tightness_of(stmt.kind, fv) if d.outcome in ("holds", "violated") else None,
               seconds=time.perf_counter() - t0, final=fv.to_dict())
    if d.outcome not in ("holds", "vacuous"):
        rec["decision"] = d.to_dict()
    if d.outcome == "vacuous":
        rec["unmet"] = list(fv.unmet or [fv.message])
    if d.screened:
        rec["screened"] = True
    return rec


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
            rec = _record(stmt, space, u, values, ex, d, searcher, i, time.perf_counter())
            rec["seconds"] = d.seconds + share
            yield rec

    return _until_first_violation(records(), stop_at_first)


def _finite_or_none(x):
    return float(x) if x is not None and math.isfinite(x) else (float(x) if x is not None else None)


def _plain(values: dict) -> dict:
    out = {}
    for k, v in values.items():
        if isinstance(v, (np.integer,)):
            v = int(v)
        elif isinstance(v, (np.floating,)):
            v = float(v)
        out[k] = v
    return out


def cma_seed(unit) -> int:
    """CMA-ES's seed for a hunt unit: ``seed·1000 + start + 1``, folded into numpy's legacy range
    [1, 2³² − 1] (CMA-ES seeds ``np.random`` with it; ``make deep``'s seed 20261201 gave 2·10¹⁰)."""
    return (_seed(unit) * 1000 + unit.start) % (2**32 - 1) + 1


def _seed(unit) -> int:
    """The unit's seed for Sobol / CMA-ES (None, meaning "derandomised", is seed 0 there)."""
    return int(unit.seed) if unit.seed is not None and unit.seed >= 0 else 0


# --- the three searchers ----------------------------------------------------------------------------
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
        recs = decide_points(stmt, space, pts[c:c + step], unit.backend, name, range(unit.start + c, unit.start + c + step),
                             stop_at_first=unit.stop_at_first, certify=unit.certify)
        for rec in recs:
            out.append(rec)
            on_record(rec)
            if unit.stop_at_first and rec["outcome"] == "violated":
                return out
    return out


def _objective(rec) -> float:
    if rec["outcome"] in ("holds", "violated") and rec["slack"] is not None:
        s = rec["slack"]
        return float(math.asinh(s)) if math.isfinite(s) else (-PENALTY if s < 0 else PENALTY / 2)
    return PENALTY


def _hunt(stmt, space, unit: Unit, on_record) -> list[dict]:
    import cma

    rng = np.random.default_rng([_seed(unit), unit.start])
    x0 = np.asarray(unit.x0, float) if unit.x0 is not None else rng.random(space.dim)
    x0 = np.clip(x0, 1e-6, 1 - 1e-6)
    if space.dim == 1:  # CMA-ES needs n >= 2: a dummy coordinate
        x0 = np.append(x0, 0.5)
    opts = {"bounds": [0.0, 1.0], "seed": cma_seed(unit), "verbose": -9,
            "maxfevals": unit.count, "tolfun": 1e-14, "tolx": 1e-12, "popsize": max(6, 4 + int(3 * math.log(max(2, len(x0)))))}
    es = cma.CMAEvolutionStrategy(list(x0), unit.sigma0, opts)
    out: list[dict] = []
    seen: dict[tuple, dict] = {}
    n = 0
    while n < unit.count and not es.stop():
        X = es.ask()
        # the generation's new cases, in order (the same case twice: decided once), decided together
        us = [np.clip(np.asarray(x[:space.dim]), 0.0, 1.0) for x in X]
        keys = [space.key(space.values(u)) for u in us]
        new, planned = [], set()
        for u, k in zip(us, keys):
            if k not in seen and k not in planned and n + len(new) < unit.count:
                new.append((u, k))
                planned.add(k)
        recs = decide_points(stmt, space, [u for u, _ in new], unit.backend, "hunt",
                             [unit.start * 100000 + n + j for j in range(len(new))], stop_at_first=unit.stop_at_first,
                             certify=unit.certify)
        for (u, k), rec in zip(new, recs):
            n += 1
            seen[k] = rec
            out.append(rec)
            on_record(rec)
            if unit.stop_at_first and rec["outcome"] == "violated":
                return out
        F, m = [], n - len(new)  # replay the per-point order: past the budget, a point gets the penalty
        for k in keys:
            if m >= unit.count:
                F.append(PENALTY)
                continue
            if k in planned:
                planned.discard(k)
                m += 1
            F.append(_objective(seen[k]))
        es.tell(X, F)
    return out


def _hypothesis(stmt, space, unit: Unit, on_record) -> list[dict]:
    from hypothesis import Phase, given, seed as hseed, settings, strategies as st, target

    from bnverify.verify.campaign import profile_name
    from bnverify.verify.hypothesis_constants import library_hypothesis_constants

    out: list[dict] = []
    found = []

    class _Found(Exception):
        pass

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
        fv = d.final
        rec = dict(searcher="certify", index=unit.start + i, of=[searcher, index], role=role, example=ex.to_dict(),
                   outcome=d.outcome, certified=d.certified,
                   slack=_finite_or_none(fv.slack) if d.outcome in ("holds", "violated") else None,
                   tightness=tightness_of(stmt.kind, fv) if d.outcome in ("holds", "violated") else None,
                   seconds=time.perf_counter() - t0, final=fv.to_dict())
        if d.outcome not in ("holds", "vacuous"):
            rec["decision"] = d.to_dict()
        out.append(rec)
        on_record(rec)
    return out


_RUN = {"sweep": _sweep, "hunt": _hunt, "hypothesis": _hypothesis, "certify": _certify}


def load_statement(key: str, theorems=(), *, mutant: bool | None = None):
    """The statement or mutant with exactly this key (``id@version``, or a mutant's short key
    ``id@version+name``); ``LookupError`` otherwise."""
    from bnverify.verify.registry import load

    pools = [False, True] if mutant is None else [mutant]
    for m in pools:
        for s in load(theorems, mutants=m):
            if s.answers_to(key):
                return s
    raise LookupError(f"statement {key!r} not found")


def run_unit(unit: Unit, stmt=None, on_record=None) -> list[dict]:
    """Run one unit (``stmt`` given, or loaded by key). A point whose decision raised is recorded
    with outcome ``error`` (traceback kept) by :func:`decide`; the unit goes on."""
    if unit.searcher not in _RUN:
        raise ValueError(f"searcher: unknown {unit.searcher!r}; expected one of {SEARCHERS} (or 'certify')")
    stmt = stmt if stmt is not None else load_statement(unit.key, unit.theorems, mutant=unit.mutant)
    space = stmt.space()
    if unit.focus:
        space = space.focus(unit.focus)
    return _RUN[unit.searcher](stmt, space, unit, on_record or (lambda r: None))


# --- planning ----------------------------------------------------------------------------------------
@dataclass
class Budget:
    """Examples per searcher for one campaign; ``chunk``: sweep examples per unit."""

    hypothesis: int = 0
    sweep: int = 0
    hunt: int = 0
    hunt_restarts: int = 3
    chunk: int = 64
    focus: int = 0  # Sobol draws in the space's named focus regions (split evenly), shown as searcher "focus"
    # what goes up the precision ladder: "doubtful" verdicts (then the `certify_tightest` tightest and
    # a seeded sample of `certify_sample` screened holds, phase 3), or "all" decided verdicts
    certify: str = "doubtful"
    certify_tightest: int = 8
    certify_sample: int = 32

    def total(self) -> int:
        return self.hypothesis + self.sweep + self.hunt + self.focus

    @classmethod
    def only(cls, searcher: str, n: int, **kw) -> "Budget":
        if searcher not in SEARCHERS:
            raise ValueError(f"searcher: unknown {searcher!r}; expected one of {SEARCHERS}")
        return cls(**{searcher: n}, **kw)


def plan_first(key, budget: Budget, *, seed=0, backend="float64", mutant=False, theorems=(), stop_at_first=False,
               focus_names=()) -> list[Unit]:
    """Phase 1 units: Hypothesis (one unit), the sweep (chunks) and the focus-region sweeps."""
    units = []
    if budget.hypothesis:
        units.append(Unit(key, "hypothesis", 0, budget.hypothesis, seed, backend, mutant, tuple(theorems),
                          stop_at_first=stop_at_first, certify=budget.certify))
    for start in range(0, budget.sweep, budget.chunk):
        units.append(Unit(key, "sweep", start, min(budget.chunk, budget.sweep - start), seed, backend, mutant,
                          tuple(theorems), stop_at_first=stop_at_first, certify=budget.certify))
    if budget.focus and focus_names:
        per = max(1, budget.focus // len(focus_names))
        for name in focus_names:
            units.append(Unit(key, "sweep", 0, per, seed, backend, mutant, tuple(theorems),
                              stop_at_first=stop_at_first, focus=name, certify=budget.certify))
    return units


def plan_hunt(key, budget: Budget, phase1: list[dict], *, seed=0, backend="float64", mutant=False, theorems=(),
              stop_at_first=False) -> list[Unit]:
    """Phase 2 units: CMA-ES restarts from the tightest decided examples of phase 1 (sweep first),
    the rest from random starts."""
    if not budget.hunt:
        return []
    k = max(1, min(budget.hunt_restarts, budget.hunt // 8 or 1))
    decided = [r for r in phase1 if r["outcome"] in ("holds", "violated") and r["slack"] is not None]
    decided.sort(key=lambda r: (r["searcher"] != "sweep", r["slack"]))
    starts, keys = [], set()
    for r in sorted(decided, key=lambda r: r["slack"]):
        if tuple(r["key"]) not in keys:
            keys.add(tuple(r["key"]))
            starts.append(tuple(r["u"]))
        if len(starts) == k:
            break
    per = [budget.hunt // k + (1 if i < budget.hunt % k else 0) for i in range(k)]
    return [Unit(key, "hunt", i, per[i], seed, backend, mutant, tuple(theorems),
                 x0=starts[i] if i < len(starts) else None, stop_at_first=stop_at_first, certify=budget.certify)
            for i in range(k) if per[i]]


CERTIFY_CHUNK = 8  # targets per phase-3 unit (they spread over the workers)


def plan_certify(key, budget: Budget, records: list[dict], *, seed=0, backend="float64", mutant=False,
                 theorems=(), certifiable: bool = True) -> list[Unit]:
    """Phase 3 units: the screened draws (decided at the primary, not certified) the campaign's
    evidence rests on go up the ladder — the ``certify_tightest`` of smallest slack (distinct cases;
    they carry the tightness sup) and a seeded random sample of ``certify_sample`` of the rest (the
    certified share's estimate). Nothing with ``certify="all"`` (every verdict went up already), nor
    for a statement balls cannot certify by construction (``certifiable`` False: the ladder above a
    comfortable holds would only repeat it)."""
    if budget.certify == "all" or not certifiable:
        return []
    pool, seen = [], set()
    for r in records:
        k = tuple(r["key"]) if r.get("key") is not None else None
        if r.get("screened") and r["outcome"] in ("holds", "artefact") and r.get("example") is not None \
                and k not in seen:
            seen.add(k)
            pool.append(r)
    with_slack = sorted((r for r in pool if r.get("slack") is not None), key=lambda r: r["slack"])
    tight = with_slack[:budget.certify_tightest]
    chosen = {(r["searcher"], r["index"]) for r in tight}
    rest = [r for r in pool if (r["searcher"], r["index"]) not in chosen]
    rng = np.random.default_rng([int(seed) if seed is not None and seed >= 0 else 0, 0xCE27])
    pick = sorted(rng.choice(len(rest), size=min(budget.certify_sample, len(rest)), replace=False)) if rest else []
    targets = [("tightest", r) for r in tight] + [("sample", rest[i]) for i in pick]
    targets = [(role, r["searcher"], r["index"], json.dumps(r["example"], sort_keys=True)) for role, r in targets]
    return [Unit(key, "certify", s, len(targets[s:s + CERTIFY_CHUNK]), seed, backend, mutant, tuple(theorems),
                 certify="all", targets=tuple(targets[s:s + CERTIFY_CHUNK]))
            for s in range(0, len(targets), CERTIFY_CHUNK)]


def run_campaign(stmt, budget: Budget, *, seed=0, backend="float64", stop_at_first=None, on_record=None,
                 units_runner=None) -> CampaignResult:
    """Every searcher of ``budget`` on ``stmt`` in this process (pinned examples first), summarised.
    ``units_runner(units) -> list[list[record]]`` may run the units elsewhere (the engine)."""
    t0 = time.perf_counter()
    backend = get_backend(backend).name
    mutant = stmt.is_mutant
    stop = mutant if stop_at_first is None else stop_at_first
    theorems = ()
    run = units_runner or (lambda units: [run_unit(u, stmt, on_record) for u in units])
    records = pinned_records(stmt, backend)
    first = plan_first(stmt.key, budget, seed=seed, backend=backend, mutant=mutant, theorems=theorems, stop_at_first=stop,
                       focus_names=tuple(stmt.space().focus_regions))
    p1 = [r for rs in run(first) for r in rs]
    records += p1
    if not (stop and any(r["outcome"] == "violated" for r in p1)):
        hunt = plan_hunt(stmt.key, budget, p1, seed=seed, backend=backend, mutant=mutant, theorems=theorems, stop_at_first=stop)
        records += [r for rs in run(hunt) for r in rs]
    if not (stop and any(r["outcome"] == "violated" for r in records)):
        cert = plan_certify(stmt.key, budget, records, seed=seed, backend=backend, mutant=mutant, theorems=theorems,
                            certifiable=getattr(stmt, "ball_certifiable", True))
        records += [r for rs in run(cert) for r in rs]
    res = summarise(stmt, records, backend=backend, seed=seed, budget=budget)
    res.seconds = time.perf_counter() - t0
    return res


def pinned_records(stmt, backend) -> list[dict]:
    """The statement's pinned examples (known hard cases), decided first; they are shown apart from
    the searchers' draws and never counted as coverage."""
    out = []
    for i, ex in enumerate(getattr(stmt, "pinned", ()) or ()):
        t0 = time.perf_counter()
        d = decide(stmt, ex, primary=backend)
        fv = d.final
        rec = dict(searcher="pinned", index=i, u=None, values=None, key=None, used=None, example=ex.to_dict(),
                   outcome=d.outcome, slack=_finite_or_none(fv.slack) if d.outcome in ("holds", "violated") else None,
                   tightness=tightness_of(stmt.kind, fv) if d.outcome in ("holds", "violated") else None,
                   seconds=time.perf_counter() - t0, final=fv.to_dict())
        if d.outcome not in ("holds", "vacuous"):
            rec["decision"] = d.to_dict()
        out.append(rec)
    return out


# --- summary ------------------------------------------------------------------------------------------
def summarise(stmt, records: list[dict], *, backend="float64", seed=None, budget: Budget | None = None,
              profile: str = "") -> CampaignResult:
    """One statement's records (any searchers, any order) as a CampaignResult."""
    space = stmt.space()
    bk = get_backend(backend)
    res = CampaignResult(stmt.key, stmt.describe(), bk.name, seed=seed, profile=profile)
    records, res.certification = apply_certificates(records, budget)
    res.space = space.describe()
    res.covered_params = [dict(name=p.name, scale=p.scale) for p in space.covered()]
    res.region = space.region
    records = sorted(records, key=lambda r: (_SEARCH_ORDER.get(r["searcher"], 9), r["index"]))
    seen_keys: dict[tuple, int] = {}
    met_points: list[dict] = []
    per: dict[str, dict] = {}
    best = None
    for r in records:
        s = r["searcher"]
        p = per.setdefault(s, dict(draws=0, distinct=0, met=0, violated=0, first_violation_at=None,
                                   tightness_sup=None, min_slack=None, rejected=0, errors=0))
        p["draws"] += 1
        res.examples += 1
        out = r["outcome"]
        res.counts[out] = res.counts.get(out, 0) + 1
        if out == "vacuous":
            p["rejected"] += 1
            for u in r.get("unmet", [])[:1]:
                res.unmet_reasons[_NUMBER.sub("#", u)] = res.unmet_reasons.get(_NUMBER.sub("#", u), 0) + 1
        if out == "error":
            p["errors"] += 1
            res.errors.append(dict(searcher=s, example=r["example"], traceback=r.get("decision", {}).get("error", ""),
                                   statement=stmt.key))
        k = tuple(r["key"]) if r.get("key") is not None else None
        dup = False
        if k is not None:
            dup = k in seen_keys
            seen_keys[k] = seen_keys.get(k, 0) + 1
        if out in ("holds", "violated") and not dup:
            p["distinct"] += 1
            if k is not None:
                res.distinct += 1
                met_points.append({n: r["values"][n] for n in r["used"]})
            else:
                res.pinned_decided += 1
        if out != "vacuous" and out != "error":
            p["met"] += 1
        if dup:
            res.duplicates += 1
        if out in ("holds", "violated") and r["slack"] is not None and not dup:
            res.slacks.append(r["slack"])
            if p["min_slack"] is None or r["slack"] < p["min_slack"]:
                p["min_slack"] = r["slack"]
        if r.get("tightness") is not None and not dup:
            res.tightness.append(r["tightness"])
            if p["tightness_sup"] is None or r["tightness"] > p["tightness_sup"]:
                p["tightness_sup"] = r["tightness"]
            if best is None or r["tightness"] > best["tightness"]:
                best = r
        if out == "violated":
            p["violated"] += 1
            if p["first_violation_at"] is None:
                p["first_violation_at"] = p["draws"]
            if res.first_violation_at is None:
                res.first_violation_at = res.examples
                res.first_caught_by = s
            if not dup:
                res.counterexamples.append(dict(r["decision"], searcher=s, values=r["values"]))
        elif out == "artefact":
            res.artefacts.append(dict(r["decision"], searcher=s, values=r["values"]))
        if out in ("holds", "violated") and r["slack"] is not None and not dup and \
                (res.tightest is None or r["slack"] < res.tightest["slack"]):
            res.tightest = dict(example=r["example"], slack=r["slack"], searcher=s, values=r["values"],
                                verdicts={"final": r["final"]})
    res.per_searcher = per
    res.coverage = coverage(space, met_points)
    if best is not None:
        res.tightness_sup = dict(value=best["tightness"], searcher=best["searcher"], values=best["values"],
                                 example=best["example"], slack=best["slack"])
    res.budget = asdict(budget) if budget is not None else None
    res.records = records
    return res


def clopper_pearson_lower(k: int, n: int, confidence: float = 0.95) -> float:
    """One-sided lower confidence bound on a share from ``k`` successes in ``n`` trials."""
    if n <= 0 or k <= 0:
        return 0.0
    from scipy.stats import beta

    return float(beta.ppf(1 - confidence, k, n - k + 1))


def apply_certificates(records: list[dict], budget: Budget | None) -> tuple[list[dict], dict | None]:
    """Phase 3's records (searcher ``certify``) applied to the draws they re-decided: each target
    is marked ``certified`` (or not) with its role; where the ladder's outcome differs from the
    screened one, the ladder's stands (listed in ``overturned``). Returns the draws and the
    campaign's certification summary: policy, decided, certified, still screened, the tightest and
    the sample (with the certified share's one-sided 95 % Clopper–Pearson lower bound)."""
    certs = [r for r in records if r["searcher"] == "certify"]
    draws = [r for r in records if r["searcher"] != "certify"]
    at = {(r["searcher"], r["index"]): i for i, r in enumerate(draws)}
    roles = {"tightest": [0, 0], "sample": [0, 0]}
    overturned = []
    for c in certs:
        i = at.get(tuple(c["of"]))
        if i is None:
            continue
        r = dict(draws[i])
        r.pop("screened", None)
        r.update(certified=bool(c["certified"]), certify_role=c["role"])
        r.pop("decision", None)  # the whole ladder's decision replaces the screened one
        if "decision" in c:
            r["decision"] = c["decision"]
        roles[c["role"]][0] += 1
        roles[c["role"]][1] += int(bool(c["certified"]) and c["outcome"] == draws[i]["outcome"])
        if c["outcome"] != draws[i]["outcome"]:
            overturned.append(dict(searcher=r["searcher"], index=r["index"], screened=draws[i]["outcome"],
                                   decided=c["outcome"], values=r.get("values"), example=r["example"]))
            r.update(outcome=c["outcome"], slack=c["slack"], tightness=c["tightness"], final=c["final"])
        draws[i] = r
    decided = [r for r in draws if r["outcome"] in DECIDED]
    k, n = roles["sample"][1], roles["sample"][0]
    summary = dict(policy=budget.certify if budget is not None else "all", decided=len(decided),
                   certified=sum(1 for r in decided if record_certified(r)),
                   screened=sum(1 for r in decided if r.get("screened")),
                   tightest=dict(n=roles["tightest"][0], certified=roles["tightest"][1]),
                   sample=dict(n=n, certified=k, share=k / n if n else None, lower95=clopper_pearson_lower(k, n)),
                   overturned=overturned)
    return draws, summary


_SEARCH_ORDER = {"pinned": 0, "hypothesis": 1, "sweep": 2, "focus": 3, "hunt": 4}
import re as _re  # noqa: E402

_NUMBER = _re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
