"""Region claims: a statement's claim over a box of real variables, decided per box in interval
arithmetic (:mod:`bnverify.numerics.interval`) — the second way to decide a statement, beside the
searchers (``bnverify prove``, :mod:`bnverify.verify.prove`).

A statement provides ``region_claims()`` → a list of :class:`RegionClaim`. A claim is an
implication ``premise(x) ⟹ conclusion(x)`` over named variables ``x`` ranging over a box; both
are written over the interval backend and may raise :class:`Uncertain` where the box does not
decide them. Per box, :meth:`RegionClaim.evaluate` says

* ``proved``  — the premise is false at every point, or the conclusion true at every point;
* ``refuted`` — the premise is true and the conclusion false at every point (a counterexample box);
* ``split``   — neither (a comparison straddles its boundary on the box).

The claim must be the same mathematics as the statement's ``check()``: ``example_at(point)`` gives
an example whose step 0 is the point (``bnverify.verify.prove.point_decision`` runs the statement's
own check on it), and tests compare the two on sampled points; a refuted box is confirmed at an
interior point by the adjudicator's precision ladder.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from bnverify.numerics.backends import Uncertain
from bnverify.numerics.interval import INTERVAL, Interval

__all__ = ["RegionClaim", "PROVED", "REFUTED", "SPLIT", "whitened_step_example", "space_bound"]

PROVED, REFUTED, SPLIT = "proved", "refuted", "split"


def _true(x) -> bool:
    return True


@dataclass
class RegionClaim:
    """``premise(x) ⟹ conclusion(x)`` for every ``x`` in the box ``variables`` (name → (lo, hi)).

    ``statement``: the statement (or mutant) the claim belongs to (its key names the claim);
    ``name``: the claim's short name (a statement may have several, e.g. the one-step facts of a
    proof); ``text``: the claim in words, with the reduction from the statement's check;
    ``example_at(point) -> Example | None``: an example of the statement whose step 0 is the point
    (None: the claim is a lemma of the proof, not the check at one step — no pointwise comparison)."""

    statement: object
    name: str
    text: str
    variables: dict
    conclusion: Callable[[dict], bool]
    premise: Callable[[dict], bool] = _true
    example_at: Callable[[dict], object] | None = None
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.statement.key}#{self.name}"

    @property
    def short_key(self) -> str:
        return f"{self.statement.short_key}#{self.name}"

    def box(self, overrides: dict | None = None) -> dict:
        """The declared box as intervals (``overrides``: name → (lo, hi))."""
        b = {k: Interval(lo, hi) for k, (lo, hi) in self.variables.items()}
        for k, (lo, hi) in (overrides or {}).items():
            if k not in b:
                raise KeyError(f"{k}: not a variable of {self.key} (variables: {', '.join(b)})")
            if not b[k].lo <= lo <= hi <= b[k].hi:
                raise KeyError(f"{k}: [{lo:g}, {hi:g}] is not inside the claim's box [{b[k].lo:g}, {b[k].hi:g}]")
            b[k] = Interval(lo, hi)
        return b

    def evaluate(self, box: dict) -> tuple[str, str]:
        """``(verdict, evidence)`` on ``box`` (name → Interval); the evidence says which side decided."""
        try:
            p = bool(self.premise(box))
        except Uncertain as exc:
            p = None
            why = f"premise undecided ({exc})"
        if p is False:
            return PROVED, "premise false on the box"
        try:
            c = bool(self.conclusion(box))
        except Uncertain as exc:
            return SPLIT, f"conclusion undecided ({exc})" if p else why
        if c:
            return PROVED, "conclusion true on the box"
        if p:
            return REFUTED, "premise true and conclusion false on the box"
        return SPLIT, why


def whitened_step_example(stmt, rho: float, eta_eff: float, *, eta_gamma: float = 0.5, gamma0_over_a: float = 1.0):
    """A whitened example of ``stmt`` whose step 0 has ``ρ_0 = rho`` and ``η_eff,0 = eta_eff``
    (``γ_0 = a``, so ``η_eff,0 = H_0``; with ``gamma0_over_a = g``, ``H_0 = eta_eff`` and
    ``η_eff,0 = g·H_0``); the inert parameters at fixed values (d = 3, n = 8, real labels, a = 1,
    seed 0)."""
    from bnverify.numerics.hyper import Hyper
    from bnverify.verify.example import Example

    if not (rho > 0 and eta_eff > 0 and gamma0_over_a > 0):
        return None
    return Example.make("whitened_regression",
                        Hyper(H0=float(eta_eff), rho0=float(rho), eta_gamma=float(eta_gamma),
                              gamma0_over_a=float(gamma0_over_a)),
                        n=8, d=3, labels="real", a=1.0, residual=0.5, seed=0)


def space_bound(stmt, name: str, side: str = "hi", default: float | None = None) -> float:
    """The declared range's end of the parameter ``name`` of ``stmt.space()`` (``side`` lo | hi)."""
    for p in stmt.space().params:
        if p.name == name:
            return float(getattr(p, side))
    if default is None:
        raise KeyError(f"{stmt.key}: no parameter {name!r} in its space")
    return default


BK = INTERVAL  # the backend region claims evaluate their closed forms on
