"""Closed forms of the whitened square-loss regime (THEORY.md §4), over a backend.

* threshold ``τ(ρ) = 2√(1+ρ²)/(1−ρ²)`` for ``0 ≤ ρ < 1`` and ``+∞`` for ``ρ ≥ 1`` (Lemma 7 (d):
  ``ρ_{t+1} > ρ_t ⟺ η_eff,t > τ(ρ_t)``); ``τ(0) = 2``, increasing;
* inverse ``τ⁻¹(H) = √((H² + 2 − 2√(2H² + 1))/H²)`` for ``H ≥ 2``;
* headroom ``H_0 = η a²/‖w_0‖²`` and effective learning rate ``η_eff = η γ a/‖w‖²``.
"""
from __future__ import annotations

from bnverify.numerics.backends import FLOAT64, Backend  # noqa: F401
from bnverify.numerics.hyper import resolve
from bnverify.numerics.model import tau, tau_inv  # noqa: F401  (the thresholds are closed forms of the model)


def initial_state(inst, hyper) -> dict:
    """The quantities the whitened statements are phrased in, at the instance's precision:
    ``a, eta, eta_gamma, gamma0, w0_norm, alpha0, beta0, rho0 (= β_0/α_0, +∞ if α_0 ≤ 0),
    c0 = cos θ_0, s0 = sin θ_0, H0 = η a²/‖w_0‖², q = 1 − η_γ``."""
    bk = inst.backend
    hp = resolve(hyper, inst)  # the example's set-up: α_0, β_0, ‖w_0‖ computed once
    a = inst.a
    alpha0, beta0, N = hp.alpha0, hp.beta0, hp.w0_norm
    rho0 = beta0 / alpha0 if alpha0 > 0 else bk.inf
    return dict(a=a, eta=hp.eta, eta_gamma=hp.eta_gamma, gamma0=hp.gamma0, w0_norm=N, alpha0=alpha0,
                beta0=beta0, rho0=rho0, c0=alpha0 / N, s0=beta0 / N,
                # H0 as given when given (η is derived from it, so the recomputed ratio would only
                # add a rounding error that moves boundary cases such as H0 = 2 across the line)
                H0=bk.scalar(hyper.H0) if hyper.H0 is not None else hp.eta * a * a / (N * N),
                q=1 - hp.eta_gamma)


def whitened_hypotheses(inst, hyper) -> list[str]:
    """The standing hypotheses of Theorems 2–3 and Lemma 13 (THEORY.md §5), as unmet conditions:
    whitened square loss, ``0 < η_γ ≤ 1``, ``0 < γ_0 ≤ a``, ``α_0 > 0``, ``0 < ρ_0 < 1``."""
    unmet = []
    if not inst.whitened or inst.loss.name != "square":
        unmet.append("instance is not whitened square-loss regression")
        return unmet
    s = initial_state(inst, hyper)
    if not (0 < s["eta_gamma"] <= 1):
        unmet.append(f"eta_gamma = {float(s['eta_gamma']):.6g} not in (0, 1]")
    if not (0 < s["gamma0"] <= s["a"]):
        unmet.append(f"gamma0 = {float(s['gamma0']):.6g} not in (0, a = {float(s['a']):.6g}]")
    if not s["alpha0"] > 0:
        unmet.append(f"alpha0 = {float(s['alpha0']):.6g} <= 0")
    elif not (0 < s["rho0"] < 1):
        unmet.append(f"rho0 = {float(s['rho0']):.6g} not in (0, 1)")
    return unmet


def step_factors(rho, eta_eff, bk: Backend = FLOAT64):
    """One step of Lemma 7 (a) from a state with ratio ``ρ`` and effective step ``η_eff``, in the
    scale-free form (α_t = 1, β_t = ρ; ρ depends on β/α only): returns ``(A, B, c)`` with
    ``α_{t+1} = A = 1 + η_eff·s·ρ``, ``β_{t+1} = ρ·B``, ``B = 1 − η_eff·c`` (c = cos θ =
    1/√(1 + ρ²), s = sin θ = ρc), so ``ρ_{t+1} = ρ·|B|/A`` (Lemma 7 (d)) and, for ρ > 0, the step
    rises iff ``|B| > A``. Written over a backend (float64, mpmath, balls, intervals): the region
    claims of ``bnverify prove`` evaluate it on boxes of ``(ρ, η_eff)``; it is
    ``reduced_step``'s α⁺ = α + η_eff β²/‖w‖, β⁺ = β(1 − η_eff c) at α = 1."""
    c = 1 / bk.sqrt(1 + rho * rho)
    return 1 + eta_eff * (rho * rho) * c, 1 - eta_eff * c, c
