"""Statement kinds shared by several statement files (the engine layer above the regimes' closed forms).

* :class:`PointwiseLogistic` — a pointwise inequality along a full-GD logistic trajectory on an
  active-margin instance (Lemmas 4, 8, 9, 10, 14; Lemma 11 and Theorem 5 build on it);
* :class:`RisingRegimeStatement` — statements about the rising edges of a whitened run with
  ``H_0 > 2`` (Lemma 13, Theorem 3), with the pinned long-edge examples :data:`LONG_EDGE_EXAMPLES`.
"""
from __future__ import annotations

import math

from bnverify.numerics.backends import Uncertain, argmin
from bnverify.regimes.edges import edge_horizon, pilot_first_edge
from bnverify.verify.example import Example
from bnverify.numerics.hyper import Hyper
from bnverify.regimes.logistic import assumption1, assumption2, assumption3, assumption4, geometry
from bnverify.verify.statement import REDUCTION, Statement
from bnverify.regimes.whitened import initial_state, whitened_hypotheses

def _long_edge_examples():
    """Pinned examples with long rising edges (H_0 just above 2, small η_γ; THEORY.md §6):
    a 9357-step edge resolved in float64, and an 11470-step edge whose onset float64 cannot see
    (β underflows to ~1e-1175 first: unresolved in float64, decided in mpmath)."""
    out = []
    for H0, eg, g0, rho0 in ((2.05, 0.005, 0.05, 0.01), (2.1, 0.002, 0.02, 1e-4)):
        hyper = Hyper(H0=H0, eta_gamma=eg, gamma0_over_a=g0, w0_norm=1.0, rho0=rho0)
        out.append(Example.make("whitened_regression", hyper, n=12, d=3, a=1.0, seed=1))
    return out


LONG_EDGE_EXAMPLES = _long_edge_examples()


class RisingRegimeStatement:
    """Mixin for statements about the rising edges of a whitened run with ``H_0 > 2`` (Lemma 13,
    Theorem 3): the standing hypotheses plus ``H_0 > 2``; constants from a float64 pilot run
    (:func:`pilot_first_edge`); horizon :func:`edge_horizon` capped at ``cap``; the exact reduced
    recurrence (Lemma 7 (e)); the long-edge examples pinned; the delayed-onset strategy."""

    simulator = "reduced"
    trusts = (REDUCTION,)  # column provenance: ρ, η_eff, τ are the recurrence of Lemma 7
    pinned = LONG_EDGE_EXAMPLES
    cap = 30000
    search_scale = 0.15  # up to 30,000 steps per example (and a pilot run): fewer draws in the report
    # Hypothesis and the hunt decide one example (a CMA-ES generation) at a time: 256 of the report's draws;
    # a statement with a screen sweeps sweep_scale × 4,096 in lanes of 1,024 (verify.screen)
    report_scale = 0.0625
    sweep_scale = 1.0

    def hypotheses(self, inst, hyper):
        unmet = whitened_hypotheses(inst, hyper)
        if not unmet:
            H0 = initial_state(inst, hyper)["H0"]
            if not H0 > 2:
                unmet.append(f"H0 = {float(H0):.6g} <= 2")
        return unmet

    def bound_constants(self, inst, hyper) -> dict:
        """The constants that need no pilot run (the claim's bound from the initial state); a
        screen (:mod:`bnverify.verify.screen`) reads them beside the pilot's, streamed in one pass."""
        return {}

    def constants(self, inst, hyper):
        return {**self.bound_constants(inst, hyper), **pilot_first_edge(inst, hyper, self.cap)}

    def horizon(self, inst, hyper, c):
        return edge_horizon(c, self.cap)

    def space(self):
        """The whole region of the hypotheses: H_0 = 2 + h with h ∈ [1e-4, 100] (log), and the
        standing ranges of ρ_0, η_γ, γ_0/a."""
        from bnverify.verify.space import Param
        from bnverify.verify.spaces import standing_whitened, whitened_space

        def hyper_of(v):
            return dict(H0=2.0 + v["H0_minus_2"], rho0=v["rho0"], eta_gamma=v["eta_gamma"],
                        gamma0_over_a=v["gamma0_over_a"])

        return whitened_space(*standing_whitened(Param.log("H0_minus_2", 1e-4, 100.0)), hyper_of=hyper_of,
                              region="0 < eta_gamma <= 1, 0 < gamma0 <= a, 0 < rho0 < 1, H0 > 2 "
                                     "(box: H0 - 2 in [1e-4, 100], rho0 in [1e-10, 0.999], eta_gamma in [1e-4, 1], "
                                     "gamma0/a in [1e-3, 1])",
                              focus={"delayed onset (former strategy)": {"rho0": (1e-6, 0.02),
                                                                         "eta_gamma": (0.005, 1.0)}})




def logistic_hypotheses(inst, hyper, *, rho0_free: bool = False, need_kappa: bool = False) -> list[str]:
    """The example-level hypotheses of the logistic statements: a logistic loss, Assumptions 1 and 3,
    Assumption 2 with its initialisation (``ρ_0 < ρ_branch`` unless ``rho0_free``) and, when
    ``need_kappa``, Assumption 4. The unmet conditions (empty: all met)."""
    if inst.loss.name != "logistic":
        return ["loss is not logistic"]
    u = assumption1(inst) + assumption3(inst)
    if u:
        return u
    u = assumption2(inst, hyper, rho_max=(math.inf if rho0_free else None))
    if not u and need_kappa:
        u = assumption4(inst, lp=False)
    return u


class PointwiseLogistic(Statement):
    """A pointwise inequality checked at every step ``t < T`` of a full-GD logistic trajectory on
    an active-margin instance. Subclasses implement :meth:`pairs` yielding ``(t, observed, bound,
    kind)`` with kind 'upper' (observed ≤ bound) or 'lower' (observed ≥ bound) for every step where
    the state-level condition holds; the verdict is the step of smallest relative slack.

    Steps with ``ρ_t`` below ``floor_factor × traj.rho_floor`` are skipped (the precision cannot
    resolve the direction there; THEORY.md §9); so are steps off the statement's own state
    condition (e.g. the branch). Hypotheses (example level): Assumptions 1–3, Assumption 2's
    initialisation (α_0 > 0, γ_0 > 0, ρ_0 < ρ_branch unless ``rho0_free``)."""

    loss = "logistic"
    simulator = "full"
    provenance = "reconstructed"
    record_w = False
    steps = 60
    floor_factor = 1e4
    rho0_free = False
    need_kappa = False
    rounding_reach = 1e-9

    def hypotheses(self, inst, hyper):
        return logistic_hypotheses(inst, hyper, rho0_free=self.rho0_free, need_kappa=self.need_kappa)

    def constants(self, inst, hyper):
        geo = geometry(inst, with_kappa=self.need_kappa)
        c = dict(geo=geo, eta=hyper.resolve(inst).eta, m=geo.m, K=geo.K, lam_min=geo.lam_min,
                 lam_max=geo.lam_max, rho_branch=geo.rho_branch)
        if self.need_kappa:
            c["kappa"] = geo.kappa
        return c

    def horizon(self, inst, hyper, c):
        return self.steps

    def pairs(self, traj, c, T, floor):
        """Yield ``(t, observed, bound, kind)`` for the steps ``t ≤ T`` the statement speaks about
        (``T``: the last step the run reached; ``floor``: ``floor_factor × traj.rho_floor``, the ρ
        below which a step is not resolvable)."""
        raise NotImplementedError

    def check(self, traj, c):
        T = traj.T if traj.status == "finished" else (traj.stopped_at or 0) - 1
        floor = self.floor_factor * traj.rho_floor
        rows = []
        for t, obs, bnd, kind in self.pairs(traj, c, max(T, 0), floor):
            diff = (bnd - obs) if kind == "upper" else (obs - bnd)
            ref = abs(bnd) if bnd != 0 else 1
            rows.append((diff / ref, t, obs, bnd, kind))
        if not rows:
            return self._v(traj, "vacuous", message="no step met the state condition")
        low, i = argmin([r[0] for r in rows])  # on balls: an enclosure of the smallest slack, i its step
        count = len(rows)
        sl, t, obs, bnd, kind = rows[i]
        msg = (f"{count} steps checked; tightest at t = {t}: observed {float(obs):.17g} "
               f"{'<=' if kind == 'upper' else '>='} bound {float(bnd):.17g}")
        helper = self.upper_bound if kind == "upper" else self.lower_bound
        v = helper(traj, obs, bnd, witness=t, message=msg)
        if v.status == "holds" and traj.backend.encloses:
            # the reported step was chosen by midpoint: "holds" needs every step, i.e. the enclosure of
            # the smallest slack ≥ 0 (three-valued: undecided when the balls overlap 0)
            try:
                every = bool(low >= 0)
            except Uncertain:
                every = None
            if every is not True:
                v = self.undecided(traj, "the smallest slack over the steps is not decided >= 0 by the balls; " + msg,
                                   witness=t)
        return v

    def space(self):
        """Assumptions 1–3 by construction, the Assumption 2 initialisation reparametrised
        (ρ_0 = f·ρ_branch unless ``rho0_free``): :func:`bnverify.verify.spaces.pointwise_logistic_space`."""
        from bnverify.verify.spaces import pointwise_logistic_space

        return pointwise_logistic_space(rho0_free=self.rho0_free)
