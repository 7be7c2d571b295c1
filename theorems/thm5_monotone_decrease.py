"""Theorem 5 (1) — monotone decrease of ρ under an explicit step-size bound, BN logistic
regression (paper §4.2, App. C; THEORY.md §7). Derivation: theorems/thm5_monotone_decrease.md.

Setting
    Logistic loss, BN linear model, full-batch GD eq. (1), active-margin data (Assumptions 1–3).
Hypotheses
    Assumption 2 initialisation: w_0 ∈ span(Xᵀ), α_0 > 0, γ_0 > 0, ρ_0 < ρ_branch; η_γ ≥ 0;
    horizon T; ``Γ = γ_0 + η_γ T``; and ``η/‖w_0‖² ≤ H_5 := min_{γ∈[γ_0, Γ]} Φ(γ)`` with
    ``Φ(γ) = 2nλ_min² σ(−γ(1+δ_0)) / ((1+ρ_0²) m λ_max^{3/2} γ B(γ)²)``,
    ``B(γ) = σ(−γ)K/m + √n γ c_δ min(1/4, σ(−γ(1−δ_0)))``, δ_0 = δ(ρ_0), c_δ = (K+√λ_max)/(m−ρ_0√λ_max)
    (the min is certified on a 64-piece geometric grid by monotone envelopes).
Statement
    ρ_{t+1} ≤ ρ_t for every t < T (Lemma 6's convergence criterion holds at every step).
Bound kind
    upper bound: max_t ρ_{t+1}/ρ_t ≤ 1, horizon T = 100.
Reference
    Paper Theorem 5 item (1) (structure: Lemmas 6, 8, 9, 10); H_5, Φ the project's own.
    Provenance: reconstructed.
"""
from __future__ import annotations

import math

import numpy as np

from bnverify.author import Param, mutant, pointwise_logistic_space, ratio_max, undecided_if_diverged
from bnverify.numerics.backends import Float64, get_backend
from bnverify.regimes.logistic import geometry, sig
from bnverify.verify.kinds import PointwiseLogistic

T5 = 100


def phi_parts(geo, rho0):
    """The factors of :func:`phi_piece` that do not depend on γ:
    ``(δ_0, c_δ, 2nλmin², (1+ρ0²) m λmax^{3/2})``."""
    return (geo.delta(rho0), geo.c_delta(rho0), 2 * geo.n * geo.lam_min ** 2,
            (1 + rho0 * rho0) * geo.m * geo.lam_max * geo.smax)


def phi_piece(geo, g_lo, g_hi, rho0, parts=None):
    """Lower bound of ``Φ(γ)`` for γ in ``[g_lo, g_hi]`` (monotone envelopes):
    ``Φ(γ) = 2nλmin² σ(−γ(1+δ0)) / ((1+ρ0²) m λmax^{3/2} γ B(γ)²)``,
    ``B(γ) = σ(−γ)K/m + √n γ c_δ min(1/4, σ(−γ(1−δ0)))``, δ0 = δ(ρ0), and ``δ(ρ) ≤ c_δ ρ`` for ρ ≤ ρ_0:
    ``c_δ = (K + √λmax)/(m − ρ_0√λmax)``. ``parts``: :func:`phi_parts` of ``(geo, rho0)``, computed once
    for the pieces of one grid (the same numbers, in the same order of operations)."""
    bk = geo.bk
    d0, c_d, num0, den0 = parts if parts is not None else phi_parts(geo, rho0)
    B = geo.grad_factor(g_lo, g_hi, c_d, d0)
    num = num0 * sig(bk, -g_hi * (1 + d0))
    den = den0 * g_hi * B * B
    if bk.bounded_exponent and not (num > 0 and den > 0):
        # e^{−γ} underflows float64 for large γ (num and B² both ~e^{−2γ}): the same formula at
        # 30 digits, rounded down into float64 (Φ bounds a step size from below)
        mp = get_backend(30)
        return _float64_below(phi_piece(geo.at(mp), *(mp.scalar(float(v)) for v in (g_lo, g_hi, rho0))))
    return num / den


def _float64_below(v) -> float:
    x = float(v)
    return float(np.nextafter(x, 0.0)) if math.isfinite(x) and x > 0 else x


def phi_min(geo, g0, g1, rho0, pieces: int = 64):
    """``H_5 = min Φ`` over ``[g0, g1]`` (certified lower bound, geometric grid of ``pieces``). In float64
    the value is kept by the types and bit patterns of the arguments: a space's feasibility test and the
    example's hypotheses ask for it again."""
    if type(geo.bk) is Float64:
        key = _phi_key(geo, g0, g1, rho0, pieces)
        if key is not None:
            got = _PHI_MIN.get(key)
            if got is None:
                got = _PHI_MIN[key] = _phi_min(geo, g0, g1, rho0, pieces)
                if len(_PHI_MIN) > 4096:
                    _PHI_MIN.pop(next(iter(_PHI_MIN)))
            return got
    return _phi_min(geo, g0, g1, rho0, pieces)


_PHI_MIN: dict = {}  # float64 phi_min by its arguments (bit patterns): the oldest dropped first


def _phi_key(geo, g0, g1, rho0, pieces):
    """The arguments of a float64 :func:`phi_min` as types and exact bit patterns (None if one is not a float)."""
    vals = (geo.m, geo.lam_min, geo.lam_max, g0, g1, rho0)
    if not all(isinstance(v, float) for v in vals):
        return None
    return (geo.n, pieces) + tuple((type(v), float(v).hex()) for v in vals)


def _phi_min(geo, g0, g1, rho0, pieces):
    bk = geo.bk
    parts = phi_parts(geo, rho0)
    if not g1 > g0:
        return phi_piece(geo, g0, g0, rho0, parts)
    r = (g1 / g0) ** (bk.scalar(1) / pieces)
    best = None
    lo = g0
    for k in range(pieces):
        hi = g1 if k == pieces - 1 else lo * r
        v = phi_piece(geo, lo, hi, rho0, parts)
        best = v if best is None else bk.min([best, v])  # on balls an enclosure (equal pieces tie)
        lo = hi
    return best


def step_bound(geo, gamma0, eta_gamma, rho0, T=T5):
    return phi_min(geo, gamma0, gamma0 + eta_gamma * T, rho0)


class MonotoneDecrease(PointwiseLogistic):
    """If η/‖w_0‖² ≤ H_5 then ρ never rises up to T (Theorem 5 (1))."""

    id = "thm5.monotone_decrease"
    version = "reconstructed-v1"
    reference = "Theorem 5 (1), §4.2 / App. C"
    kind = "upper bound"
    derivation = "thm5_monotone_decrease.md"
    fixed_threshold = None  # mutant: a fixed threshold on η/‖w_0‖² instead of H_5
    # A needle of the form "bound tightened" does not exist here: the bound is the exact ratio 1 and
    # ρ_{t+1}/ρ_t → 1 wherever ρ moves slowly (a large part of the region), so "ratio ≤ f < 1" is
    # false there, not on a small part; tightness is not reported (informative=False).
    needle_exempt = "bound is the exact ratio 1 (attained wherever rho moves slowly): no small false region"
    bound_source = "initial state"
    search_scale = 0.5
    report_scale = 1.0  # ~6 ms per example: the report's 4,096 draws
    steps = T5

    def threshold(self, geo, hp_gamma0, eta_gamma, rho0):
        if self.fixed_threshold is not None:
            return geo.bk.scalar(self.fixed_threshold)
        return step_bound(geo, hp_gamma0, eta_gamma, rho0, self.steps)

    def hypotheses(self, inst, hyper):
        u = super().hypotheses(inst, hyper)
        if u:
            return u
        hp = hyper.resolve(inst)  # the example's set-up (α_0, β_0, ‖w_0‖² computed once)
        geo = geometry(inst)
        rho0 = hp.beta0 / hp.alpha0
        x = hp.eta / hp.norm2
        H = self.threshold(geo, hp.gamma0, hp.eta_gamma, rho0)
        if not x <= H:
            return [f"eta/||w0||^2 = {float(x):.6g} > H5 = {float(H):.6g}"]
        return []

    @undecided_if_diverged
    def check(self, traj, c):
        ratio, t = ratio_max(traj["rho"], traj.T)
        resolved = t is None or bool(traj["rho"][t] >= traj.rho_floor)
        return self.upper_bound(traj, ratio, 1.0, witness=t, resolved=resolved, informative=False,
                                message=f"max rho_(t+1)/rho_t = {float(ratio):.17g} at t = {t}")

    def space(self):
        """The step hypothesis x ≤ H_5 reparametrised: x = f·H_5 (or f·the mutant's fixed threshold),
        f ∈ [1e-3, 1] (log); η_γ ∈ [0, 1]."""
        st = self

        def x_from_f(v, inst, geo, h):
            H = float(st.threshold(geo, h["gamma0"], h["eta_gamma"], h["rho0"]))
            h["eta"] = h["eta"] * H  # h["eta"] = f·‖w_0‖²: now x = f·H_5
            return h
        return pointwise_logistic_space(x=Param.log("x_over_H5", 1e-3, 1.0), hyper_of=x_from_f,
                                        region_extra="; x = f H5, f in [1e-3, 1]")


STATEMENTS = [MonotoneDecrease()]
MUTANTS = [mutant(STATEMENTS[0], "step bound H5 replaced by eta/||w0||^2 <= 30", name="h5-replaced-by-30",
                  fixed_threshold=30.0)]
