"""What a campaign runs: its :class:`Budget` (examples per searcher, and the one rule that splits an
example count over the searchers) and its :class:`Unit` s, planned phase by phase.

A unit is one chunk of one campaign — the pinned examples, a Hypothesis run, a slice of the Sobol
sweep, one CMA-ES restart, or a set of phase-3 certification targets — and carries its statement, so
any runner (:mod:`bnverify.verify.runners`) can run it: a unit is a pure function of its fields.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields

import numpy as np

from bnverify.verify.statement import needle_fraction

SEARCHERS = ("hypothesis", "sweep", "hunt")
SEARCH_CHOICES = (*SEARCHERS, "sweep+hunt", "all")  # `check --search`, `falsify(searcher=…)`
CERTIFY_CHUNK = 8  # targets per phase-3 unit (they spread over the workers)


@dataclass(frozen=True)
class Unit:
    """One chunk of one campaign. ``start``/``count``: Sobol indices (sweep), the restart index and
    its evaluation budget (hunt), the example budget (hypothesis: one unit per campaign), the pinned
    examples (pinned) or the targets (certify). ``x0``: the hunt's start point. ``stop_at_first``:
    end at the first confirmed violation (mutants: they need only be caught). ``statement``: the
    statement object the unit decides (not part of its identity)."""

    key: str
    searcher: str
    start: int
    count: int
    seed: int | None = 0  # None: Hypothesis derandomised (the ci profile); Sobol / CMA-ES seed 0
    backend: str = "float64"
    x0: tuple | None = None
    sigma0: float = 0.15
    stop_at_first: bool = False
    focus: str | None = None  # sweep: a named focus region of the space instead of the whole space
    certify: str = "doubtful"  # adjudicate.decide's policy: "all" sends every decided verdict to the balls
    targets: tuple = ()  # searcher "certify": ((role, searcher, index, example JSON), …) to certify
    restarts: tuple = ()  # hunt: start points of the restarts after x0 (each in a cell of its own), in order
    informed: int = 0  # hunt: how many of its starts (x0, then restarts) are phase-1 examples; the rest are blind
    statement: object = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        if self.searcher == "pinned":  # one per campaign, whatever the seed
            return f"{self.key}|{self.backend}|pinned"
        return f"{self.key}|{self.backend}|{self.searcher}|{self.seed}|{self.start}+{self.count}" + \
            (f"|focus={self.focus}" if self.focus else "") + \
            (f"|certify={self.certify}" if self.certify != "doubtful" else "")

    def to_dict(self) -> dict:
        """The unit's fields as plain data, its statement left out (what a store records)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "statement"}


# --- budgets ----------------------------------------------------------------------------------------
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

    @classmethod
    def split(cls, n: int, *, focus: bool, **kw) -> "Budget":
        """The "all" split of ``n`` examples: Hypothesis ¼, the Sobol sweep ½ (an eighth of ``n`` of it
        in the focus regions when the space has some), the CMA-ES hunt the rest (restarted from the tightest
        decided examples of Hypothesis and the sweep, :func:`plan_hunt`)."""
        sweep = max(1, n // 2)
        hyp = n // 4 if n >= 4 else 0
        in_focus = n // 8 if focus else 0
        return cls(hypothesis=hyp, sweep=sweep - in_focus, hunt=n - hyp - sweep, focus=in_focus, **kw)

    @classmethod
    def for_search(cls, search: str, n: int, *, focus: bool = False, **kw) -> "Budget":
        """``n`` examples for ``search`` (:data:`SEARCH_CHOICES`): one searcher, ``sweep+hunt`` (the hunt
        restarted from a short sweep's tightest examples) or ``all`` (:meth:`split`)."""
        if search == "all":
            return cls.split(n, focus=focus, **kw)
        if search == "sweep+hunt":
            return cls(sweep=max(2, n // 4), hunt=n - max(2, n // 4), **kw)
        return cls.only(search, n, **kw)


def campaign_budget(stmt, n: int, precision: str, *, certify: str = "doubtful") -> Budget:
    """The budget of one ``check``/``report`` campaign of ``n`` examples: float64 statements
    :meth:`Budget.split` ``n`` scaled by the statement's ``report_scale`` (default ``search_scale``: < 1
    where one example costs seconds), the sweep ``n·sweep_scale`` where a screen makes it cheap;
    mpmath-primary campaigns sweep only; mutants give every searcher ``n`` and each stops at
    its first confirmed violation (examples-to-detection per searcher); a needle mutant's float64
    campaign sweeps and hunts at least its ``ci_budget`` and 3/p draws (found with probability ≈ 95 %)."""
    if n <= 0:
        return Budget(certify=certify)
    if stmt.is_mutant:
        share = needle_fraction(stmt) if precision == "float64" else None
        m = max(n, int(getattr(stmt, "ci_budget", 0) or 0), math.ceil(3 / share)) if share else n
        return Budget(hypothesis=n, sweep=m, hunt=m, chunk=max(8, n if m == n else m // 2), certify=certify)
    scale = float(getattr(stmt, "search_scale", 1.0))
    if precision != "float64":
        k = max(1, int(round(n * scale)))
        return Budget(sweep=k, chunk=max(1, k), certify=certify)
    report_scale = getattr(stmt, "report_scale", None)
    k = max(1, int(round(n * (scale if report_scale is None else float(report_scale)))))
    focus = bool(stmt.space().focus_regions)
    b = Budget.split(k, focus=focus, chunk=max(16, k // 8), certify=certify)
    sweep_scale = getattr(stmt, "sweep_scale", None)
    if sweep_scale is not None:  # a screened sweep: n·sweep_scale draws in units of SCREEN_CHUNK
        m = max(1, int(round(n * float(sweep_scale))))
        b.focus = m // 8 if focus else 0
        b.sweep, b.chunk = m - b.focus, SCREEN_CHUNK
    return b


SCREEN_CHUNK = 1024  # sweep draws per unit for screened statements (lanes stream at ≥ 25 % of the limit from 1,024)


def deep_budget(stmt, n: int, n_reduced: int, precision: str, *, certify: str = "doubtful") -> Budget:
    """The budget of one ``make deep`` campaign (issue 19's depth targets): ``n`` float64 draws of a
    statement split as the report's (:meth:`Budget.split`), ``n_reduced`` for a reduced-recurrence
    statement with a streamed screen — its Hypothesis and hunt those of ``n·report_scale/4`` (their draws
    go one at a time to the long runs of the space's corners: 0.1–3.5 s each in a 10⁴-draw pilot of
    2026-12-08, Theorem 2 (2)'s Hypothesis draws the dearest), the rest its screened sweep — each times the
    statement's ``deep_scale`` (1 unless one example costs seconds;
    the summary shows every row's draws). Mutants and mpmath-primary campaigns: :func:`campaign_budget`."""
    if stmt.is_mutant or precision != "float64" or n <= 0:
        return campaign_budget(stmt, n, precision, certify=certify)
    scale = float(getattr(stmt, "deep_scale", 1.0))
    k = max(1, int(round(n * scale)))
    focus = bool(stmt.space().focus_regions)
    b = Budget.split(k, focus=focus, chunk=max(16, min(SCREEN_CHUNK, k // 16)), certify=certify)
    if stmt.simulator == "reduced" and callable(getattr(stmt, "screen", None)):
        share = getattr(stmt, "report_scale", None)
        b = Budget.split(max(1, int(round(k * (1.0 if share is None else float(share)) / 4))), focus=focus,
                         certify=certify)
        m = max(k, int(round(n_reduced * scale))) - b.hypothesis - b.hunt
        b.focus = m // 8 if focus else 0
        b.sweep, b.chunk = m - b.focus, SCREEN_CHUNK
    return b


# --- the phases ---------------------------------------------------------------------------------------
def plan_pinned(stmt, *, backend="float64") -> list[Unit]:
    """The statement's pinned examples (known hard cases) as one unit, decided before the searchers' draws."""
    pinned = getattr(stmt, "pinned", ()) or ()
    return [Unit(stmt.key, "pinned", 0, len(pinned), None, backend, statement=stmt)] if pinned else []


def plan_first(stmt, budget: Budget, *, seed=0, backend="float64", stop_at_first=False) -> list[Unit]:
    """Phase 1 units: Hypothesis (one unit), the sweep (chunks) and the focus-region sweeps."""
    common = dict(seed=seed, backend=backend, stop_at_first=stop_at_first, certify=budget.certify, statement=stmt)
    units = []
    if budget.hypothesis:
        units.append(Unit(stmt.key, "hypothesis", 0, budget.hypothesis, **common))
    for start in range(0, budget.sweep, budget.chunk):
        units.append(Unit(stmt.key, "sweep", start, min(budget.chunk, budget.sweep - start), **common))
    focus_names = tuple(stmt.space().focus_regions) if budget.focus else ()
    if focus_names:
        per = max(1, budget.focus // len(focus_names))
        units += [Unit(stmt.key, "sweep", 0, per, focus=name, **common) for name in focus_names]
    return units


def informative(rec: dict) -> bool:
    """Whether a record's verdict says something about the bound: decided (holds or violated) with a
    slack, and not ``informative=False`` in its final verdict (a bound met trivially). The hunt
    starts from and optimises over these only."""
    if rec.get("outcome") not in ("holds", "violated") or rec.get("slack") is None:
        return False
    return (rec.get("final") or {}).get("informative", True) is not False


HUNT_CELLS = 8  # cells of the unit cube the hunt's restarts are spread over (at least)


def hunt_axes(space, decided: list[dict], m: int = 3) -> list[int]:
    """The (at most ``m``) coordinates the hunt's cells split: the decisive ones whose rank correlation
    with the slack over ``decided`` (informative phase-1 records) is largest; without enough records
    (fewer than 8), the first decisive continuous ones (then any decisive ones) in declared order."""
    decisive = [i for i, p in enumerate(space.params) if not p.inert]
    if not decisive:
        decisive = list(range(space.dim))
    if len(decided) >= 8:
        U = np.array([r["u"] for r in decided], float)
        s = np.array([r["slack"] for r in decided], float)
        s = np.argsort(np.argsort(np.where(np.isfinite(s), s, np.sign(s) * 1e300)))
        corr = {}
        for i in decisive:
            ru = np.argsort(np.argsort(U[:, i]))
            sd = ru.std() * s.std()
            corr[i] = abs(float(np.mean((ru - ru.mean()) * (s - s.mean())) / sd)) if sd > 0 else 0.0
        return sorted(decisive, key=lambda i: (-corr[i], i))[:m]
    cont = [i for i in decisive if space.params[i].scale in ("linear", "log")]
    return (cont + [i for i in decisive if i not in cont])[:m]


def hunt_cells(axes: list[int], n: int = HUNT_CELLS) -> tuple[list[tuple], int]:
    """The cells of the unit cube the hunt restarts in: a grid of ``b`` bins on each of ``axes`` with
    ``b^len(axes) >= n`` (3 axes: the 8 octants), each cell a tuple of bin indices, in grid order;
    returns ``(cells, b)``."""
    if not axes:
        return [()], 1
    b = max(2, math.ceil(n ** (1 / len(axes)) - 1e-9))
    return [tuple(c) for c in np.ndindex(*([b] * len(axes)))], b


def cell_of(u, axes: list[int], bins: int) -> tuple:
    """The cell (:func:`hunt_cells`) of the point ``u``."""
    return tuple(min(int(float(u[i]) * bins), bins - 1) for i in axes)


def cell_point(cell: tuple, axes: list[int], bins: int, dim: int, rng) -> tuple:
    """A uniform random point of ``cell`` (its coordinates off the axes drawn over [0, 1]): the starts
    of the empty cells together are a stratified uniform sample of the cube."""
    u = rng.random(dim)
    for i, c in zip(axes, cell):
        u[i] = (c + u[i]) / bins
    return tuple(float(x) for x in u)


def plan_hunt(stmt, budget: Budget, phase1: list[dict], *, seed=0, backend="float64",
              stop_at_first=False) -> list[Unit]:
    """Phase 2 units: CMA-ES restarts in distinct cells of the space (:func:`hunt_cells`, split on the
    coordinates that move the slack most, :func:`hunt_axes`). The first unit starts from the tightest
    informative decided example of phase 1; every further start — the other units' first ones and
    each unit's own later restarts (``Unit.restarts``: where the hunt goes when a restart stagnates or
    sits at a box corner) — is the tightest informative example of a cell not used yet, cells with
    such examples first (tightest first), then the empty cells at a random point of each (seeded):
    ``Unit.informed`` counts a unit's starts that are examples; the hunt searches wider around the
    others (:data:`~bnverify.verify.searchers.BLIND_SIGMA`).
    A unit's cells are dealt round-robin, so no two starts share a cell until every cell has one."""
    if not budget.hunt:
        return []
    k = max(1, min(budget.hunt_restarts, budget.hunt // 8 or 1))
    space = stmt.space()
    # a focus sweep's points are in its focus region's cube, not the space's: not starts
    decided = [r for r in phase1 if informative(r) and r.get("searcher") != "focus" and r.get("u") is not None
               and len(r["u"]) == space.dim]
    decided.sort(key=lambda r: r["slack"])
    axes = hunt_axes(space, decided)
    cells, bins = hunt_cells(axes, max(HUNT_CELLS, 2 * k))
    rng = np.random.default_rng([int(seed) if seed is not None and seed >= 0 else 0, 0x4B7])
    best: dict[tuple, tuple] = {}  # cell -> the tightest informative start in it
    for r in decided:
        best.setdefault(cell_of(r["u"], axes, bins), tuple(float(x) for x in r["u"]))
    empty = [c for c in cells if c not in best]
    order = list(best) + [empty[i] for i in rng.permutation(len(empty))]
    starts = [best[c] if c in best else cell_point(c, axes, bins, space.dim, rng) for c in order]
    per = [budget.hunt // k + (1 if i < budget.hunt % k else 0) for i in range(k)]
    return [Unit(stmt.key, "hunt", i, per[i], seed, backend, x0=starts[i], restarts=tuple(starts[i + k::k]),
                 informed=len(range(i, len(best), k)),
                 stop_at_first=stop_at_first, certify=budget.certify, statement=stmt)
            for i in range(k) if per[i]]


def plan_certify(stmt, budget: Budget, records: list[dict], *, seed=0, backend="float64") -> list[Unit]:
    """Phase 3 units: the screened draws (decided at the primary, not certified) the campaign's
    evidence rests on go up the ladder — the ``certify_tightest`` of smallest slack (distinct cases;
    they carry the tightness sup) and a seeded random sample of ``certify_sample`` of the rest (the
    certified share's estimate). Nothing with ``certify="all"`` (every verdict went up already), nor
    for a statement balls cannot certify by construction (``ball_certifiable`` False: the ladder
    above a comfortable holds would only repeat it)."""
    if budget.certify == "all" or not getattr(stmt, "ball_certifiable", True):
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
    return [Unit(stmt.key, "certify", s, len(targets[s:s + CERTIFY_CHUNK]), seed, backend, certify="all",
                 targets=tuple(targets[s:s + CERTIFY_CHUNK]), statement=stmt)
            for s in range(0, len(targets), CERTIFY_CHUNK)]
