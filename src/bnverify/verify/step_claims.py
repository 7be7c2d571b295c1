"""Region claims of the whitened per-step line (THEORY.md §3–§6), over the state box
``(ρ, η_eff)`` of one GD step: the claims ``bnverify prove`` decides for Lemma 6 (C)/(D), Lemma 7 (d)
and the one-step facts of Theorem 3's peak bound. Each reads the statement's own attributes (``k``,
``direction``, ``tau_factor``, ``factor``, a needle's tightening), so a mutant's claim is the
mutated claim.

Reduction (THEORY.md §4): along whitened GD a step depends on ``(ρ_t, η_eff,t)`` only; in the
scale-free state ``α = 1, β = ρ`` (``bnverify.regimes.whitened.step_factors``) one step gives
``α⁺ = A = 1 + η_eff ρ² c``, ``β⁺ = ρB``, ``B = 1 − η_eff c`` and, for ρ > 0, the step rises iff
``|B| > A`` — the comparison ``ρ_{t+1} > ρ_t`` divided by ρ > 0, which is why the claims are stated
on the closed box ``ρ ∈ [0, 1]`` (the divided form is continuous at ρ = 0) and imply the statement
on ``(0, 1)``. The box's ``η_eff`` range is ``[0, H]`` with ``H`` the largest ``H_0`` of the
statement's space: ``η_eff,t = H_t γ_t/a ≤ H_0`` (``γ_t ≤ a``, ``‖w_t‖ ≥ ‖w_0‖``; Theorem 2 (1)'s
argument, itself proved by ``thm2.no_rising_edge``'s invariant claims).
"""
from __future__ import annotations

import math

from bnverify.numerics.backends import Uncertain
from bnverify.numerics.interval import DUAL, Dual, Interval, centred, hull
from bnverify.regimes.whitened import step_factors, tau, tau_inv
from bnverify.verify.region import BK, RegionClaim, space_bound, whitened_step_example
from bnverify.verify.statement import needle_factor

__all__ = ["lemma6_claims", "lemma7_claims", "thm3_claims", "thm2_claims", "BAND", "rising", "imax", "any_of", "all_of"]

BAND = 1e-2  # relative half-width ε of the band |η_eff − τ(ρ)| < ε τ(ρ) left out of Lemma 7 (d)'s claim


def _margin(x, bk=BK):
    A, B, _ = step_factors(x["rho"], x["eta_eff"], bk)
    return abs(B) - A


def rising(x) -> bool:
    """``ρ_{t+1} > ρ_t`` at the state ``x`` (ρ > 0), as ``|B| − A > 0`` (module docstring), the
    difference enclosed in the centred (mean-value) form: ``B`` and ``A`` both grow with η_eff, and
    their naive difference over a wide box loses the cancellation."""
    return centred(lambda y: _margin(y, DUAL if isinstance(y["rho"], Dual) else BK), x) > 0


def any_of(*tests) -> bool:
    """Three-valued ``or`` of the comparisons ``tests`` (callables): True if one is True on the box,
    False if all are False, else :class:`Uncertain` (Python's ``or`` would stop at the first
    undecided one)."""
    undecided = None
    for t in tests:
        try:
            if t():
                return True
        except Uncertain as exc:
            undecided = exc
    if undecided is not None:
        raise undecided
    return False


def all_of(*tests) -> bool:
    """Three-valued ``and`` of the comparisons ``tests`` (callables): False if one is False on the box,
    True if all are True, else :class:`Uncertain`."""
    undecided = None
    for t in tests:
        try:
            if not t():
                return False
        except Uncertain as exc:
            undecided = exc
    if undecided is not None:
        raise undecided
    return True


def imax(a, b):
    a, b = BK.scalar(a), BK.scalar(b)
    return Interval(max(a.lo, b.lo), max(a.hi, b.hi))


def _bk(x):
    """The arithmetic of a box: :data:`DUAL` inside :func:`centred`, intervals otherwise."""
    return DUAL if any(isinstance(v, Dual) for v in x.values()) else BK


def nonneg(f, x) -> bool:
    """``f(x) ≥ 0`` on the box, ``f`` enclosed in the centred and monotone forms."""
    return centred(f, x) >= 0


def _rise_margin(x):
    A, B, _ = step_factors(x["rho"], x["eta_eff"], BK)
    return abs(B) - A


def _example(stmt):
    return lambda p: whitened_step_example(stmt, p["rho"], p["eta_eff"])


def _state_box(stmt, H_name="H0", offset=0.0) -> dict:
    return {"rho": (0.0, 1.0), "eta_eff": (0.0, offset + space_bound(stmt, H_name))}


def lemma6_claims(stmt) -> list[RegionClaim]:
    """Lemma 6 (C) / (D) in the whitened reduction (THEORY.md §3: ``P = ρ``, ``x = η_eff s``).
    The statement's premise ``−k⟨g, e⟩‖w‖² ≥ ηα‖g‖²`` is ``γas²(k‖w‖ − η_eff α) ≥ 0`` there, i.e.
    ``k ≥ η_eff c`` for ρ > 0; (D)'s ``−⟨g, e⟩‖w‖²(k + x) < ηα‖g‖²`` is ``k + η_eff s < η_eff c``."""
    k = stmt.k
    if stmt.direction == "convergence":
        def premise(x):
            _, _, c = step_factors(x["rho"], x["eta_eff"], BK)
            return k >= x["eta_eff"] * c

        def conclusion(x):
            return not rising(x)
        text = (f"whitened step with k = {k:g} >= eta_eff cos(theta) (Lemma 6 (C): P >= x/{k:g}) does not raise rho: "
                "|1 - eta_eff c| <= 1 + eta_eff rho^2 c")
    else:
        def premise(x):
            _, _, c = step_factors(x["rho"], x["eta_eff"], BK)
            e = x["eta_eff"]
            return k + e * (x["rho"] * c) < e * c

        def conclusion(x):
            return rising(x)
        text = (f"whitened step with {k:g} + eta_eff sin(theta) < eta_eff cos(theta) (Lemma 6 (D): P < x/({k:g} + x)) "
                "raises rho: |1 - eta_eff c| > 1 + eta_eff rho^2 c")
    return [RegionClaim(stmt, "step", text, _state_box(stmt), conclusion, premise, _example(stmt),
                        extra={"margins": lambda x: [_rise_margin(x)]})]


def _tau_box(tau_fn, rho):
    """τ over a box of ρ by ``tau_fn(r)`` (the statement's own ``tau``; None = +∞ for ρ ≥ 1): a box
    reaching ρ = 1 gets ``[τ(ρ_lo), +∞]`` (τ increases on [0, 1) and is +∞ from 1 on)."""
    if rho.hi < 1:
        return tau_fn(rho)
    if rho.lo >= 1:
        return BK.inf
    t = tau_fn(Interval(rho.lo))
    return Interval(t.lo, math.inf)


def lemma7_claims(stmt, band: float = BAND) -> list[RegionClaim]:
    """Lemma 7 (d), ``ρ_{t+1} > ρ_t ⟺ η_eff > τ(ρ)`` with the statement's τ (``tau_factor``):
    ``off-band`` — both directions wherever ``|η_eff − τ(ρ)| ≥ ε τ(ρ)`` (ε = ``band``); ``exact`` —
    the same claim with no band (its residue is the curve η_eff = τ(ρ), where it is tight: there
    ``ρ_{t+1} = ρ_t`` exactly, THEORY.md §4)."""
    def tau_fn(r):
        return stmt.tau(BK, r)

    def predicted(x):
        t = _tau_box(tau_fn, x["rho"])
        return x["eta_eff"] > t

    def conclusion(x):
        return rising(x) == predicted(x)

    def off_band(x):
        t = _tau_box(tau_fn, x["rho"])
        e = x["eta_eff"]
        if t.lo == math.inf:
            return True
        return any_of(lambda: e >= (1 + band) * t, lambda: e <= (1 - band) * t)

    box = _state_box(stmt)
    ex = _example(stmt)

    def margins(x):
        return [_rise_margin(x), x["eta_eff"] - _tau_box(tau_fn, x["rho"])]
    return [RegionClaim(stmt, "off-band", f"rho_(t+1) > rho_t <=> eta_eff > tau(rho) (tau(0) = {stmt.tau_factor:g}) "
                        f"wherever |eta_eff - tau(rho)| >= {band:g} tau(rho)", box, conclusion, off_band, ex,
                        notes=f"band eps = {band:g}", extra={"margins": margins}),
            RegionClaim(stmt, "exact", "rho_(t+1) > rho_t <=> eta_eff > tau(rho), no band (tight on the curve)",
                        box, conclusion, example_at=ex, extra={"margins": margins})]


def _tau_inv_rising(e, bk=BK):
    """τ⁻¹(η_eff) where it matters: a rising step has η_eff > τ(ρ) ≥ 2, so η_eff is clipped to
    [2, ∞) (the conclusion is read only at rising points)."""
    if isinstance(e, Dual):
        if e.val.lo < 2:  # clipped: the derivative of the clip is 0 below 2
            v = Interval(max(e.val.lo, 2.0), max(e.val.hi, 2.0))
            e = Dual(v, tuple(hull(d, Interval(0.0)) for d in e.d))
        return tau_inv(e, bk)
    return tau_inv(Interval(max(e.lo, 2.0), max(e.hi, 2.0)), bk)


def thm3_claims(stmt, band: float = BAND) -> list[RegionClaim]:
    """Theorem 3's peak bound at one step, and (for the statement itself) the two one-step facts its
    proof rests on. ``peak-step``: a rising step from ρ at η_eff ends at most at
    ``n·max(ρ, f·τ⁻¹(η_eff)(η_eff − 1))`` (f = the statement's ``factor``, n a needle's tightening;
    with H_0 = η_eff,0 this is the check on a one-step run; along a run η_eff,t ≤ H_0 and
    τ⁻¹(H)(H − 1) increases, so the step bound implies P). ``rise-needs``: a rising step has
    ``ρ < τ⁻¹(η_eff)`` (off the ε-band of Lemma 7 (d)); ``rise-factor``: it multiplies ρ by at most
    ``η_eff − 1``; ``never-above-1``: a step from ρ ≥ 1 (u = 1/ρ ∈ [0, 1]) does not rise.

    With ``scale`` (here over H_0 ∈ [0, 102]) and Theorem 2 (1)'s ``gamma`` (y_t, g_t ∈ [0, 1], so
    η_eff,t = H_0 y_t g_t ≤ H_0) these make the peak bound an induction for every T on the invariant
    ρ_t ≤ P = max(ρ_0, E(H_0)), E(H) = τ⁻¹(H)(H − 1): a rising step from ρ_t < 1 ends at most at
    max(ρ_t, E(η_eff,t)) ≤ max(ρ_t, E(H_0)) ≤ P (``peak-step``; E increases: τ⁻¹ is the inverse of the
    increasing τ and H − 1 > 0 grows), a step from ρ_t ≥ 1 does not rise (``never-above-1``), a
    non-rising step keeps ρ_{t+1} ≤ ρ_t ≤ P."""
    n = needle_factor(stmt)
    if n is None:
        return []
    f = stmt.factor
    box = _state_box(stmt, "H0_minus_2", 2.0)

    def after(z, bk):
        A, B, _ = step_factors(z["rho"], z["eta_eff"], bk)
        return z["rho"] * abs(B) / A

    def peak(x):
        # ρ_{t+1} ≤ n·max(ρ, f·τ⁻¹(η)(η − 1))  ⟺  ρ_{t+1} ≤ nρ  or  ρ_{t+1} ≤ n f τ⁻¹(η)(η − 1)
        return any_of(lambda: nonneg(lambda z: n * z["rho"] - after(z, _bk(z)), x),
                      lambda: nonneg(lambda z: n * f * _tau_inv_rising(z["eta_eff"], _bk(z)) * (z["eta_eff"] - 1)
                                     - after(z, _bk(z)), x))

    claims = [RegionClaim(stmt, "peak-step",
                          f"rising step => rho_(t+1) <= {n:g} max(rho_t, {f:g} tau_inv(eta_eff)(eta_eff - 1))",
                          box, peak, rising, _example(stmt), extra={"margins": lambda x: [_rise_margin(x)]})]
    if stmt.is_mutant:
        return claims

    def needs(x):
        return centred(lambda z: _tau_inv_rising(z["eta_eff"], _bk(z)) - z["rho"], x) > 0

    def needs_premise(x):
        def off_band():
            t = _tau_box(lambda r: tau(r, BK), x["rho"])
            e = x["eta_eff"]
            if t.lo == math.inf:
                return True
            return any_of(lambda: e >= (1 + band) * t, lambda: e <= (1 - band) * t)
        return all_of(off_band, lambda: rising(x))

    def factor(x):
        def m(z):
            A, B, _ = step_factors(z["rho"], z["eta_eff"], _bk(z))
            return (z["eta_eff"] - 1) * A - abs(B)
        return nonneg(m, x)

    def above_one(x):
        # ρ = 1/u ≥ 1: Lemma 7 (a) at α = 1, β = ρ with c = u/√(1 + u²), ρ²c = 1/(u√(1 + u²)) (+∞ at
        # u = 0): A = 1 + η ρ²c, B = 1 − η c; the step does not rise iff |B| ≤ A
        u, e = x["u"], x["eta_eff"]
        r = BK.sqrt(1 + u * u)
        A, B = 1 + e * (1 / (u * r)), 1 - e * (u / r)
        return not (abs(B) > A)

    claims.append(scale_claim(stmt, {"rho": (0.0, 1.0), "H0": box["eta_eff"], "y": (0.0, 1.0), "g": (0.0, 1.0)}))
    claims += [RegionClaim(stmt, "never-above-1", "rho_t >= 1 (u = 1/rho in [0, 1]) => the step does not raise rho "
                           "(tau = +inf there)", {"u": (0.0, 1.0), "eta_eff": box["eta_eff"]}, above_one,
                           ),
               RegionClaim(stmt, "rise-needs",
                           f"rising step (off the band |eta_eff - tau| < {band:g} tau) => rho_t < tau_inv(eta_eff)",
                           box, needs, needs_premise, notes=f"band eps = {band:g}",
                           extra={"margins": lambda x: [_rise_margin(x)]}),
               RegionClaim(stmt, "rise-factor", "rising step => rho_(t+1)/rho_t = |B|/A <= eta_eff - 1",
                           box, factor, rising,
                           extra={"margins": lambda x: [_rise_margin(x)]})]
    return claims


# --- Theorem 2 (1): an inductive invariant and three one-step lemmas --------------------------------
def thm2_claims(stmt, horizons=(2, 4, 8)) -> list[RegionClaim]:
    """Theorem 2 (1) (H_0 ≤ H0_max ⇒ ρ never rises) for every horizon, by induction on the invariant

        I_t:  0 ≤ ρ_t ≤ 1,  0 ≤ g_t = γ_t/a ≤ 1,  0 ≤ y_t = ‖w_0‖²/‖w_t‖² ≤ 1   (so η_eff,t = H_0 y_t g_t)

    which holds at t = 0 under the hypotheses (0 < ρ_0 < 1, 0 < γ_0 ≤ a, y_0 = 1), and three one-step
    lemmas over the invariant's box (with H_0 ∈ [0, H0_max], η_γ ∈ [0, 1]):

    * ``no-rise``: the step does not raise ρ (|B| ≤ A, ``rising`` false) and keeps α > 0 (A > 0) —
      so ρ_{t+1} ≤ ρ_t ≤ 1;
    * ``scale``: y_{t+1} = y_t/(1 + η_eff² s²) ∈ [0, 1] (Lemma 7 (c), exact, checked by
      ``lemma7.dynamics``; Lemma 12);
    * ``gamma``: g_{t+1} = g_t + η_γ(c − g_t) ∈ [0, 1] (Lemma 7 (b), the reduced step's γ⁺).

    Hence I_{t+1}, and no-rise at every t. Plus ``direct-T`` for small T: the reduced recurrence
    (``reduced_step``) propagated T steps over the box of (ρ_0, H_0, g_0, η_γ) in intervals, the claim
    checked at each step — the comparison the invariant makes unnecessary."""
    from bnverify.numerics.simulate import reduced_step

    H = stmt.H0_max
    inv = {"rho": (0.0, 1.0), "H0": (0.0, H), "y": (0.0, 1.0), "g": (0.0, 1.0)}

    def eta(x):
        return x["H0"] * x["y"] * x["g"]

    def no_rise(x):
        A, B, _ = step_factors(x["rho"], eta(x), BK)
        return A > 0 and not (abs(B) - A > 0)

    def no_rise_example(p):
        return whitened_step_example(stmt, p["rho"], p["H0"] * p["y"], gamma0_over_a=p["g"])

    def g_next(x, bk):
        # γ⁺ of the reduced step (Lemma 7 (b)) at a = 1, α = 1, β = ρ: g + η_γ(c − g)
        return reduced_step(1, x["rho"], x["g"], 0, x["eta_gamma"], 1, bk.sqrt)[2]

    def gamma(x):
        g1 = centred(lambda z: g_next(z, DUAL if isinstance(z["rho"], Dual) else BK), x)
        return g1 >= 0 and g1 <= 1

    def rise_margin(x):
        A, B, _ = step_factors(x["rho"], eta(x), BK)
        return [abs(B) - A]

    claims = [RegionClaim(stmt, "no-rise",
                          f"invariant box (eta_eff = H0 y g <= {H:g}) => rho_(t+1) <= rho_t and alpha_(t+1) > 0",
                          inv, no_rise, example_at=no_rise_example, extra={"margins": rise_margin})]
    if stmt.is_mutant:
        return claims
    claims += [scale_claim(stmt, inv),
               RegionClaim(stmt, "gamma",
                           "invariant box, eta_gamma in [0, 1] => g_(t+1) = g + eta_gamma (c - g) in [0, 1] "
                           "(Lemma 7 (b))",
                           {"rho": (0.0, 1.0), "g": (0.0, 1.0), "eta_gamma": (0.0, 1.0)}, gamma)]
    for T in horizons:
        claims.append(_direct_claim(stmt, T))
    return claims


def scale_claim(stmt, box: dict) -> RegionClaim:
    """``y_{t+1} = y_t/(1 + η_eff² s²) ∈ [0, 1]`` over ``box`` (ρ, H_0, y, g; η_eff = H_0 y g):
    Lemma 7 (c), ‖w_{t+1}‖² = ‖w_t‖²(1 + η_eff² s²)."""
    def y_next(x, bk):
        r = x["rho"]
        e = x["H0"] * x["y"] * x["g"]
        s2 = r * r / (1 + r * r)
        return x["y"] / (1 + e * e * s2)

    def scale(x):
        y1 = centred(lambda z: y_next(z, _bk(z)), x)
        return y1 >= 0 and y1 <= 1

    return RegionClaim(stmt, "scale", "invariant box => y_(t+1) = y/(1 + eta_eff^2 s^2) in [0, 1] (Lemma 7 (c))",
                       box, scale)


def _direct_claim(stmt, T: int) -> RegionClaim:
    """Direct propagation: ρ_{t+1} ≤ ρ_t for t < T from every initial state of the box
    (ρ_0, H_0, g_0, η_γ), by ``reduced_step`` in intervals (a = 1, α_0 = 1, β_0 = ρ_0, η = H_0‖w_0‖²)."""
    from bnverify.numerics.simulate import reduced_step

    H = stmt.H0_max

    def run(x):
        alpha, beta, gamma = Interval(1.0), x["rho0"], x["g0"]
        eta = x["H0"] * (1 + x["rho0"] * x["rho0"])
        for _ in range(T):
            a1, b1, g1, e, c, _ = reduced_step(alpha, beta, gamma, eta, x["eta_gamma"], 1.0, BK.sqrt)
            # ρ_{t+1} ≤ ρ_t  ⟺  |1 − η_eff c|·α ≤ α⁺  (β⁺ = β(1 − η_eff c); α, α⁺ > 0; divided by |β| > 0)
            if not (a1 > 0 and abs(1 - e * c) * alpha <= a1):
                return False
            alpha, beta, gamma = a1, b1, g1
        return True

    def example(p):
        return whitened_step_example(stmt, p["rho0"], p["H0"], gamma0_over_a=p["g0"], eta_gamma=p["eta_gamma"])

    return RegionClaim(stmt, f"direct-T{T}", f"rho_(t+1) <= rho_t for t < {T}, propagated from the initial box",
                       {"rho0": (0.0, 1.0), "H0": (0.0, H), "g0": (0.0, 1.0), "eta_gamma": (0.0, 1.0)}, run,
                       example_at=example, extra={"horizon": T})
