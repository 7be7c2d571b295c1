"""Lemma 7 (a)–(d) — one-step dynamics of whitened square loss (paper Lemma 7; THEORY.md §4).
Derivation: theorems/lemma7_dynamics.md.

Setting
    Whitened square-loss regression (Σ = I), BN linear model, full-batch d-dimensional GD eq. (1).
Hypotheses
    0 < η_γ ≤ 1, 0 < γ_0 ≤ a, α_0 > 0, 0 < ρ_0 < 1 (α_t then stays > 0, so ρ_t and cos θ_t > 0
    are defined at every step).
Statement
    With c = cos θ_t, s = sin θ_t, η_eff = ηγ_t a/‖w_t‖², at every step t:
    (a) α_{t+1} = α_t + η_eff s β_t and β_{t+1} = β_t|1 − η_eff c|;
    (b) γ_{t+1} = (1 − η_γ)γ_t + η_γ a c;
    (c) ‖w_{t+1}‖² = ‖w_t‖²(1 + η_eff² s²);
    (d) ρ_{t+1} = ρ_t c|1 − η_eff c|/(c + η_eff s²).
Bound kind
    identity: max_t relative error ≤ 256·eps of the backend, each relative to its rounding scale:
    ‖w_{t+1}‖ + ηS_t for α and β (β = ‖w − αe‖ has absolute error ~eps‖w‖; S_t is the rounding
    scale of the computed gradient, see Lemma 12, which the update multiplies by η); |γ_{t+1}| + a
    for γ; ‖w_{t+1}‖² + 2ηS_t‖w_t‖ for ‖w‖²;
    the absolute rounding error of ρ on both sides for ρ. Horizon 200 steps.
Reference
    Paper Lemma 7 (a)–(d), §4.1. Provenance: exact.
"""
from __future__ import annotations

import numpy as np

from bnverify.author import mutant, whitened_full_space, whitened_hypotheses
from bnverify.verify.identities import TrajectoryIdentity, gradients


class Dynamics(TrajectoryIdentity):
    """Lemma 7 (a)–(d): α, β, γ, ‖w‖² and ρ one-step updates along full GD."""

    id = "lemma7.dynamics"
    version = "exact-v1"
    reference = "Lemma 7 (a)-(d), §4.1"
    derivation = "lemma7_dynamics.md"
    steps = 200
    bound_source = "identity"
    perturb_only = None  # mutants: perturb only this identity

    def hypotheses(self, inst, hyper):
        return whitened_hypotheses(inst, hyper)

    def _p(self, name):
        return self.perturb if self.perturb_only in (None, name) else 0.0

    def errors(self, traj, c):
        inst = traj.instance
        bk = traj.backend
        a = inst.a
        hp = traj.hyper.resolve(inst)
        eta, eg = hp.eta, hp.eta_gamma
        T = traj.T
        al, be, ga, wn, ee, co, rho = (traj[k] for k in ("alpha", "beta", "gamma", "wnorm", "eta_eff", "cos", "rho"))
        s = be / wn
        cur, nxt = slice(0, T), slice(1, T + 1)
        S = np.array([sc for _, sc, _ in gradients(traj)], dtype=bk.dtype)
        wn2 = wn * wn

        def item(name, lhs, rhs, scale):
            return name, abs(lhs - rhs - self._p(name) * scale), scale

        # the computed gradient carries an absolute error ~eps·S_t, which the update multiplies by η
        ab_scale = wn[nxt] + eta * S[cur]
        yield item("(a) alpha", al[nxt], al[cur] + ee[cur] * s[cur] * be[cur], ab_scale)
        yield item("(a) beta", be[nxt], be[cur] * abs(1 - ee[cur] * co[cur]), ab_scale)
        yield item("(b) gamma", ga[nxt], (1 - eg) * ga[cur] + eg * a * co[cur], abs(ga[nxt]) + a)
        yield item("(c) ||w||^2", wn2[nxt], wn2[cur] * (1 + ee[cur] ** 2 * s[cur] ** 2),
                   wn2[nxt] + 2 * eta * S[cur] * wn[cur])
        ratio = co[cur] * abs(1 - ee[cur] * co[cur]) / (co[cur] + ee[cur] * s[cur] ** 2)
        # absolute error of ρ_t: ~eps·(1 + ρ_t)‖w_t‖/α_t (from β); it enters the right side × ratio
        er = (1 + rho) * wn / al
        yield item("(d) rho", rho[nxt], rho[cur] * ratio, er[nxt] + ratio * er[cur])

    def space(self):
        return whitened_full_space()


STATEMENTS = [Dynamics()]
MUTANTS = [
    mutant(STATEMENTS[0], "every update moved by 1e-11 of its scale", name="all-updates-moved-1e-11", perturb=1e-11),
    mutant(STATEMENTS[0], "rho update (d) alone moved by 1e-11 of its scale", name="rho-update-moved-1e-11",
           perturb=1e-11, perturb_only="(d) rho"),
]
