"""The statement format: one object per version of one lemma or theorem.

A statement file in ``theorems/`` defines subclasses of :class:`Statement` and lists instances in
a module-level ``STATEMENTS`` (and deliberately false variants in ``MUTANTS``). Each statement
says, like the paper does:

* ``hypotheses(instance, hyper)`` — the list of unmet conditions (empty when all hold);
* ``constants(instance, hyper)`` — the explicit quantities of the statement (``T_1``, a bound …);
* ``horizon(instance, hyper, constants)`` — how many steps decide it (a statement about all t is
  checked up to a horizon derived from its constants; the verdict records it);
* ``check(trajectory, constants)`` — a :class:`Verdict`.

The heavy lifting — simulation, precision, search, reporting — lives elsewhere.
"""
from __future__ import annotations

import copy
import functools
import math
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable

import numpy as np

from bnverify.numerics.backends import Uncertain, midpoint
from bnverify.numerics.trajectory import DECOMPOSITION, REDUCTION  # noqa: F401  (authors' names for trusts)

PROVENANCES = ("exact", "reconstructed", "paper")
KINDS = ("identity", "upper bound", "lower bound", "existence", "implication")
STATUSES = ("holds", "violated", "vacuous", "undecided")


@dataclass
class Verdict:
    """Outcome of checking one statement on one trajectory (or of its hypotheses failing).

    ``slack`` is signed and relative: > 0 holds with room, < 0 violated; for an upper bound
    ``(bound − observed)/|bound|``, for a lower bound ``(observed − bound)/|bound|``, for an
    identity ``(tolerance − error)/tolerance``. ``witness`` is the step that decides it."""

    status: str
    witness: int | None = None
    observed: float | None = None
    bound: float | None = None
    slack: float | None = None
    backend: str = ""
    horizon: int | None = None
    message: str = ""
    unmet: list[str] = field(default_factory=list)
    resolved: bool = True  # False: the witness lies below the trajectory's rounding floor
    simulator: str = ""
    informative: bool = True  # False: the bound is met trivially here (no tightness to report)
    retry: bool = True  # False on an undecided verdict that more precision cannot settle
    # True: decided on balls (the Arb backend), every comparison certain — a proof for this example
    # (bnverify.verify.certify withdraws it when the check went through float())
    certified: bool = False
    # The *event margin* of a verdict whose observed value and bound are integers fixed by real-valued
    # comparisons (a first rising step, a scan's T_1, a ceiling): the smallest relative margin of those
    # comparisons, so that no integer of the verdict can move under rounding while it exceeds the rounding
    # reach (``adjudicate._doubtful``, ``screen.screen_examples``). None: not computed (today's behaviour).
    event_margin: float | None = None

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status: expected one of {STATUSES}, got {self.status!r}")
        for k in ("observed", "bound", "slack", "event_margin"):
            v = getattr(self, k)
            if v is not None:
                setattr(self, k, float(v))
        for f in fields(self):  # the flags (resolved, informative, retry, certified): numpy/backend booleans → bool
            if isinstance(f.default, bool):
                setattr(self, f.name, bool(getattr(self, f.name)))

    @property
    def met(self) -> bool:
        """Hypotheses were met (the check was not vacuous)."""
        return self.status != "vacuous"

    def to_dict(self) -> dict:
        """The fields as a dict (a non-finite slack as None; ``event_margin`` only where computed, so the
        records of every other verdict are what they were before the field existed)."""
        return {k: (None if isinstance(v, float) and not math.isfinite(v) and k == "slack" else v)
                for k, v in asdict(self).items() if not (k == "event_margin" and v is None)}

    @classmethod
    def from_dict(cls, d: dict) -> "Verdict":
        """Inverse of :meth:`to_dict` (unknown keys ignored; records without ``certified`` read False)."""
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in names})

    @property
    def raw(self) -> tuple:
        """``(observed, bound)`` as the backend numbers the helper compared (balls, ``mpf``), or the
        float fields when the verdict was not made by a bound helper."""
        return getattr(self, "_raw", None) or (self.observed, self.bound)


def undecided_if_diverged(check: Callable) -> Callable:
    """Decorator for a ``check(self, traj, c)`` whose claim says nothing about a run that diverged:
    such a run is ``undecided`` at its last step (witness = the step it stopped at)."""
    @functools.wraps(check)
    def guarded(self, traj, c):
        if traj.status == "diverged":
            return self.undecided(traj, f"diverged at step {traj.stopped_at}", witness=traj.stopped_at)
        return check(self, traj, c)
    return guarded


def details(*notes: str, **values) -> str:
    """A verdict message from named values: ``details("no later rise", max_rho=r, t=12)`` gives
    ``"max_rho = 0.0123; t = 12; no later rise"`` (numbers to 6 significant digits, balls by their
    midpoints, then the free-text ``notes``): one format for every statement's message."""
    def fmt(v):
        if isinstance(v, (bool, str)) or v is None:
            return str(v)
        if isinstance(v, (int, np.integer)):
            return str(int(v))
        try:
            return f"{midpoint(v):.6g}"
        except (TypeError, ValueError):
            return str(v)
    parts = [f"{k} = {fmt(v)}" for k, v in values.items()]
    return "; ".join(parts + [n for n in notes if n])


def _rel(x, ref) -> float:
    ref = abs(float(ref))
    return float(x) / ref if ref > 0 else float(x)


class Statement:
    """Base class. Subclasses set the identity attributes and override the five methods
    ``hypotheses``, ``constants``, ``horizon``, ``check`` and ``space`` (docs/AUTHORING.md §2).

    Identity: ``id`` (e.g. ``thm2.delayed_onset``), ``version`` (e.g. ``reconstructed-v1``),
    ``reference`` (lemma/theorem number and section), ``provenance`` (exact / reconstructed /
    paper), ``kind`` (identity, upper bound, lower bound, existence, implication).
    Setting: ``loss`` ('square' | 'logistic'), ``simulator`` ('full' | 'reduced'),
    ``strategy`` (a callable returning a Hypothesis strategy of :class:`~bnverify.verify.example.Example`
    that meets the hypotheses constructively), ``derivation`` (markdown file name in theorems/).
    """

    id: str = ""
    version: str = "v1"
    reference: str = ""
    provenance: str = "reconstructed"
    kind: str = "upper bound"
    loss: str = "square"
    simulator: str = "full"
    derivation: str | None = None
    mutant_of: str | None = None  # for deliberately false variants
    mutation: str = ""
    record_w: bool = False
    # Relative slack under which a float64 "holds" is re-decided at high precision.
    rounding_reach: float = 1e-8
    # False: ball arithmetic cannot certify this statement by construction (e.g. an identity whose
    # tolerance is K units of the working eps: the ball radius is never below it), so the ladder
    # skips the ball rungs (``ball_note`` says why).
    ball_certifiable: bool = True
    ball_note: str = ""
    # Where the bound comes from: "initial state", "step-t quantities", "event (onset state)",
    # "propagated enclosure" (the dynamics re-simulated: not a theorem-level bound) or "identity".
    bound_source: str = "step-t quantities"
    # Share of the Hypothesis profile's draws (pytest, falsify) this statement gets (< 1 where one example
    # costs seconds); also of the report's, unless report_scale says otherwise.
    search_scale: float = 1.0
    # Share of the report's (and check's) float64 draws per statement (bnverify.report.run.DEFAULT_F64);
    # None: search_scale. Issue 19's targets: 4,096 for reduced-recurrence and logistic statements,
    # 1,024 (0.25) for full-GD square-loss ones.
    report_scale: float | None = None
    # Share of those draws for the Sobol sweep alone, where a sweep draw costs far less than a Hypothesis
    # or hunt draw (a vectorised screen, verify.screen): None = the report's split of report_scale.
    sweep_scale: float | None = None
    # Share of make deep's draws (planning.deep_budget: 10⁴ per statement, 10⁵ per screened reduced-recurrence
    # one); < 1 only where one example costs seconds (its deep-run row shows the draws it got).
    deep_scale: float = 1.0
    # Column provenance (AUTHORING §3): the statements (ids) whose closed forms may stand in for
    # simulated columns when the ladder re-decides this claim. The reduced recurrence derives every
    # column from Lemma 7's updates (``lemma7.dynamics``) and the loss/excess from Lemma 1
    # (``lemma1.decomposition``); a claim that trusts neither is never decided there, and a claim is
    # never decided on columns derived from itself, whatever it declares.
    trusts: tuple[str, ...] = ()

    # --- to override ---------------------------------------------------------------------------
    def hypotheses(self, instance, hyper) -> list[str]:
        return []

    def constants(self, instance, hyper) -> dict[str, Any]:
        return {}

    def horizon(self, instance, hyper, constants) -> int:
        return 500

    def check(self, traj, constants) -> Verdict:
        raise NotImplementedError

    def space(self):
        """The declared parameter space over the statement's *whole* hypotheses region
        (:class:`bnverify.verify.space.Space`; family helpers in :mod:`bnverify.verify.spaces`). Every searcher
        draws from it."""
        raise NotImplementedError(f"{self.key}: no space declared")

    # --- what the engine calls (applies a mutant's transforms) --------------------------------
    _constants_transform = None
    _check_override = None

    def all_constants(self, instance, hyper) -> dict[str, Any]:
        """``constants()``, transformed for a mutant."""
        c = self.constants(instance, hyper)
        return self._constants_transform(dict(c)) if self._constants_transform is not None else c

    def decide_check(self, traj, constants) -> Verdict:
        """``check()``, or a mutant's replacement check. float64 array arithmetic divides by zero and
        takes invalid operations as the other arithmetics do: it raises (the rule in
        ``bnverify.numerics.backends.base``; numpy's ``FloatingPointError``)."""
        with np.errstate(divide="raise", invalid="raise"):
            if self._check_override is not None:
                return self._check_override(self, traj, constants)
            return self.check(traj, constants)

    # --- identity ------------------------------------------------------------------------------
    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def is_mutant(self) -> bool:
        return self.mutant_of is not None

    @property
    def short_key(self) -> str:
        """``<base key>+<short name>`` for a mutant (e.g. ``thm3.duration@comparison-v2+t2prime-halved``),
        the key itself for a statement."""
        return f"{self.mutant_of}+{self.mutant_name}" if self.is_mutant else self.key

    def answers_to(self, key: str) -> bool:
        """``key`` is this statement's full key or, for a mutant, its short key."""
        return key == self.key or (self.is_mutant and key == self.short_key)

    def describe(self) -> dict:
        return dict(id=self.id, version=self.version, reference=self.reference,
                    provenance=self.provenance, kind=self.kind, loss=self.loss,
                    simulator=self.simulator, derivation=self.derivation,
                    mutant_of=self.mutant_of, mutation=self.mutation,
                    summary=(self.__doc__ or "").strip().split("\n")[0])

    def __repr__(self):
        return f"<Statement {self.key}>"

    # --- verdict helpers for check() -----------------------------------------------------------
    def _v(self, traj, status, **kw) -> Verdict:
        """A verdict stamped with the trajectory's backend and horizon. On balls (``Arb``) a decided
        status is *certified*: every comparison that led to it was certain (an uncertain one raises
        :class:`~bnverify.numerics.backends.Uncertain` or, in the bound helpers, gives "undecided")."""
        kw.setdefault("certified", traj.backend.encloses and status in ("holds", "violated", "vacuous"))
        return Verdict(status, backend=traj.backend.name, horizon=traj.horizon, simulator=traj.source, **kw)

    def _bound(self, traj, ok, observed, bound, diff, witness, message, resolved, informative,
               event_margin=None) -> Verdict:
        """Three-valued: ``ok()`` is True / False, or raises Uncertain (balls too wide) → "undecided"."""
        try:
            status = "holds" if ok() else "violated"
        except Uncertain as exc:
            status, message = "undecided", f"the balls do not decide the bound ({str(exc)[:120]}); {message}"
        v = self._v(traj, status, witness=witness, observed=observed, bound=bound, slack=_rel(diff, bound),
                    message=message, resolved=resolved, informative=informative, event_margin=event_margin)
        v._raw = (observed, bound)
        return v

    def upper_bound(self, traj, observed, bound, witness=None, message="", resolved=True,
                    informative=True, event_margin=None) -> Verdict:
        """Verdict for ``observed ≤ bound`` (the comparison is made on the backend's numbers; on balls
        it is three-valued: holds / violated, certified, or "undecided" when the balls overlap).
        ``informative=False``: the bound is met trivially on this example (e.g. attained at t = 0),
        so its tightness says nothing and is not reported. ``event_margin``: for integer observed values
        and bounds, the smallest relative margin of the real-valued comparisons that fix them
        (:attr:`Verdict.event_margin`; None: not computed)."""
        return self._bound(traj, lambda: observed <= bound, observed, bound, bound - observed, witness, message,
                           resolved, informative, event_margin)

    def lower_bound(self, traj, observed, bound, witness=None, message="", resolved=True,
                    informative=True, event_margin=None) -> Verdict:
        """Verdict for ``observed ≥ bound`` (see :meth:`upper_bound`)."""
        return self._bound(traj, lambda: observed >= bound, observed, bound, observed - bound, witness, message,
                           resolved, informative, event_margin)

    def identity(self, traj, error, tolerance, witness=None, message="") -> Verdict:
        """Verdict for an identity: largest relative ``error`` against ``tolerance``."""
        return self.upper_bound(traj, error, tolerance, witness, message)

    def undecided(self, traj, message, *, retry: bool = True, **kw) -> Verdict:
        """Verdict "undecided". ``retry=False``: more precision cannot decide it (e.g. an edge still
        rising when the horizon ends), so the adjudicator does not climb the ladder for it."""
        return self._v(traj, "undecided", message=message, retry=retry, **kw)

    def holds(self, traj, message="", **kw) -> Verdict:
        return self._v(traj, "holds", message=message, **kw)

    def violated(self, traj, message="", **kw) -> Verdict:
        return self._v(traj, "violated", message=message, **kw)


def needle_fraction(stmt) -> float | None:
    """A needle mutant's false share of its space, from the leading percentage of ``needle_share``
    (``"~0.4% (1 of 256 Sobol draws …)"`` → 0.004); None for other statements. A search of about
    ``3/share`` draws finds such a region with probability ≈ 95 %."""
    share = getattr(stmt, "needle_share", None)
    if not share:
        return None
    m = re.match(r"\s*~?\s*([0-9]*\.?[0-9]+)\s*%", str(share))
    if m is None or not float(m.group(1)) > 0:
        raise ValueError(f"{getattr(stmt, 'key', stmt)}: needle_share must start with a percentage (\"~1% (…)\"), "
                         f"got {share!r}")
    return float(m.group(1)) / 100


def mutant_slug(mutation: str) -> str:
    """A short name from a mutation's description (the fallback when ``mutant`` gets no ``name``):
    its first six words, lower case, joined by ``-``."""
    words = re.findall(r"[a-z0-9.]+", re.sub(r"\(.*?\)", "", mutation).lower())
    return "-".join(words[:6]).strip(".-") or "mutant"


def mutant(base: Statement, mutation: str, *, name: str | None = None, constants: Callable[[dict], dict] | None = None,
           check: Callable | None = None, version: str | None = None, **attrs) -> Statement:
    """A deliberately false variant of ``base``: same hypotheses, space and simulator, with
    its constants transformed (``constants(c) -> c'``), its check replaced
    (``check(base, traj, c)``) or attributes overridden (``**attrs``, e.g. a threshold the
    hypotheses read). ``name``: the short name it is addressed by, ``<base key>+<name>``
    (:attr:`Statement.short_key`; default :func:`mutant_slug` of the description); its full key
    keeps the description. The variant is a copy of ``base`` holding the transforms as attributes,
    so it pickles whenever they do (module-level functions and :func:`scaled` do; a lambda
    travels to Dask workers by value through cloudpickle)."""
    m = copy.copy(base)
    for k, v in attrs.items():
        setattr(m, k, v)
    m.mutant_of = base.key
    m.mutation = mutation
    m.mutant_name = name or mutant_slug(mutation)
    m.version = version or f"{base.version}+mutant:{mutation}"
    m._constants_transform = constants
    m._check_override = check
    return m


def tightened(factor: float) -> Callable:
    """A picklable check for a *needle* mutant: the base statement's bound tightened by ``factor``
    on every informative verdict — an upper bound ``observed ≤ factor·bound``, a lower bound
    ``observed ≥ bound/factor`` (equivalently: tightness ≤ factor). Chosen just below the tightness
    the searches attain, it is false on a small part of the region only."""
    return functools.partial(_tightened_check, factor=factor)


def needle_factor(stmt) -> float | None:
    """How ``stmt``'s check relates to its statement's: ``1.0`` (not replaced), the factor of a
    :func:`tightened` needle, or None (another replacement). Screens and region claims model the
    first two and leave the third to ``check()``."""
    ov = getattr(stmt, "_check_override", None)
    if ov is None:
        return 1.0
    if isinstance(ov, functools.partial) and ov.func is _tightened_check:
        return float(ov.keywords["factor"])
    return None


def _tightened_check(base, traj, c, *, factor: float):
    v = base.check(traj, c)
    if v.status != "holds" or not v.informative or v.observed is None or v.bound is None \
            or not math.isfinite(v.bound):
        return v
    observed, bound = v.raw  # the backend numbers (balls stay balls: the tightened bound is decided on them)
    if bound == 0:
        return v
    msg = f"needle: bound tightened by {factor:.6g}; {v.message}"
    if base.kind == "lower bound":
        return base.lower_bound(traj, observed, bound / factor, witness=v.witness, message=msg, resolved=v.resolved)
    return base.upper_bound(traj, observed, bound * factor, witness=v.witness, message=msg, resolved=v.resolved)


def scaled(key: str, factor: float, *, integer: bool = False) -> Callable[[dict], dict]:
    """A picklable constants transform for :func:`mutant`: ``c[key] *= factor`` (floored to an int
    when ``integer``; None stays None)."""
    return functools.partial(_scale_constant, key=key, factor=factor, integer=integer)


def _scale_constant(c: dict, *, key: str, factor: float, integer: bool) -> dict:
    v = c.get(key)
    if v is not None:
        v = int(v * factor) if integer else v * factor
    return {**c, key: v}
