"""Shared machinery for the [exact] identities and step-criteria of THEORY.md §2–§4 checked along
GD trajectories (statement files ``theorems/lemma1_*``, ``lemma6_*``, ``lemma7_*``, ``lemma12_*``).

* :class:`TrajectoryIdentity` — an identity checked at every step of a full-GD run: a subclass
  yields ``(name, err, scale)`` arrays; the verdict is ``max_t err_t/scale_t ≤ K·eps`` with
  ``K = 256`` units of roundoff of the backend (``bk.eps``: 2⁻⁵³ in float64, 10^(1−dps) in
  mpmath). ``scale`` is the magnitude of the terms the two sides are assembled from (their
  rounding scale), never the possibly tiny difference itself.
* :class:`StepCriterion` — a per-step implication ``P_t ⇒ Q_t`` (or equivalence) over a
  trajectory: every step where the premise holds and the conclusion fails is a violation, unless
  either side lies *within rounding reach* of its boundary; such steps are marked unresolved
  (``Verdict.resolved = False``) and the adjudicator re-decides them at higher precision and, on
  whitened square loss, on the floor-free reduced recurrence (THEORY.md §9). The reach is
  ``K·bk.reach_eps``: 0 on balls (``Arb``), whose radius already carries the rounding — there a
  comparison is either decided (resolved) or raises ``Uncertain``.
* :func:`gradient_parts` — ``⟨∇_w L, e⟩``, ``‖∇_w L‖`` and the rounding scale of ``∇_w L`` at
  every recorded iterate (full GD re-evaluates the closed-form gradient at the recorded ``w_t``;
  the reduced whitened recurrence uses ``∇_w L = −(γ a s/‖w‖) v``).
"""
from __future__ import annotations

import numpy as np

from bnverify.numerics.backends import argmax, midpoint
from bnverify.numerics.model import evaluate
from bnverify.verify.statement import REDUCTION, Statement

K_ULPS = 256


def gradients(traj):
    """Per recorded step ``t = 0 … T``: ``(g_t, S_t, ev_t)`` with ``g_t = ∇_w L(w_t, γ_t)`` exactly
    as the simulator computed it and ``S_t`` its rounding scale (:func:`gradient_scale`).
    Needs a full-GD trajectory recorded with ``record_w``."""
    inst = traj.instance
    bk = inst.backend
    W, G = traj["w"], traj["gamma"]
    out = []
    for t in range(len(W)):
        ev = evaluate(inst.X, inst.y, W[t], G[t], inst.loss, bk)
        out.append((ev.grad_w, gradient_scale(inst, ev, G[t]), ev))
    return out


def gradient_scale(inst, ev, gamma):
    """Rounding scale of the closed-form ``∇_w L = (γ/s)(Xᵀr − (uᵀr)Xᵀu/n)``: the norm of the
    componentwise magnitudes ``(|γ|/s)(|X|ᵀ|r| + |uᵀr|·|X|ᵀ|u|/n)`` (the factors before they
    cancel; as GD converges ``‖∇_w L‖`` itself becomes much smaller than this)."""
    bk = inst.backend
    aX = np.abs(inst.X)
    v = (abs(ev.grad_gamma) * (aX.T @ np.abs(ev.u))) / inst.n + aX.T @ np.abs(ev.r)
    return abs(gamma) / ev.norm_sigma * bk.norm(v)


def gradient_parts(traj):
    """Arrays over ``t = 0 … T``: ``ge = ⟨∇_w L, e⟩``, ``gn = ‖∇_w L‖``, ``S`` (rounding scale of
    ``∇_w L``; for the reduced recurrence ``‖∇_w L‖`` itself: nothing cancels there)."""
    bk = traj.backend
    if traj.source == "reduced":
        a = traj.instance.a
        g, be, wn = traj["gamma"], traj["beta"], traj["wnorm"]
        s = be / wn
        gn = np.abs(g) * a * s / wn
        ge = -(g * a * s * s / wn)
        return ge, gn, gn.copy()
    e = traj.instance.e
    ge, gn, S = [], [], []
    for g, sc, _ in gradients(traj):
        ge.append(g @ e)
        gn.append(bk.sqrt(g @ g))
        S.append(sc)
    dt = bk.dtype
    return np.array(ge, dtype=dt), np.array(gn, dtype=dt), np.array(S, dtype=dt)


def rho_error(traj, t):
    """Absolute rounding error of ``ρ_t = β_t/α_t`` on this trajectory, as a backend number:
    ``K·eps·(1 + ρ_t)·‖w_t‖/α_t`` for full GD (β = ‖w − αe‖ carries an absolute error ~eps·‖w‖,
    THEORY.md §9) and ``K·eps·ρ_t`` for the reduced recurrence (β carried itself)."""
    bk = traj.backend
    eps = bk.scalar(K_ULPS * bk.reach_eps)
    r = traj["rho"][t]
    if traj.source == "reduced":
        return eps * r
    return eps * (1 + r) * traj["wnorm"][t] / traj["alpha"][t]


def rho_comparison_resolved(traj, t) -> bool:
    """Whether the sign of ``ρ_{t+1} − ρ_t`` is above the rounding reach of this trajectory (and
    ``ρ_t`` above its rounding floor)."""
    r0, r1 = traj["rho"][t], traj["rho"][t + 1]
    if r0 < traj.rho_floor:
        return False
    if not (traj["alpha"][t + 1] > 0):
        return True  # ρ_{t+1} = +∞: decisively rising
    return abs(r1 - r0) > rho_error(traj, t) + rho_error(traj, t + 1)


class TrajectoryIdentity(Statement):
    """An exact identity along a full-GD trajectory (see the module docstring)."""

    provenance = "exact"
    kind = "identity"
    simulator = "full"
    record_w = True
    K = K_ULPS
    # the tolerance is K·eps of the working precision and a ball's radius is ≥ eps times the growth
    # of full GD (≈ 4.5 bits per step): balls never certify "error ≤ K·eps", at any precision
    ball_certifiable = False
    ball_note = "identity to K eps of the working precision: the ball radius never falls below it"
    perturb = 0.0  # mutants: the right-hand side moved by perturb × scale
    report_scale = 0.25  # full GD with w recorded: 1,024 of the report's 4,096 draws (issue 19)
    steps = 150

    def errors(self, traj, c):
        """Yield ``(name, err, scale)`` with ``err``, ``scale`` arrays of backend numbers."""
        raise NotImplementedError

    def horizon(self, inst, hyper, c):
        return self.steps

    def check(self, traj, c):
        if traj.T < 1:
            return self.undecided(traj, f"fewer than two states recorded ({traj.status} at {traj.stopped_at})")
        bk = traj.backend
        tol = bk.scalar(self.K * bk.eps)
        rows = []
        for name, err, scale in self.errors(traj, c):
            for t in range(len(err)):
                sc = scale[t]
                ratio = err[t] / sc if sc > 0 else (bk.scalar(0) if err[t] == 0 else bk.scalar(np.inf))
                rows.append((ratio, name, t))
        ratio, i = argmax([r[0] for r in rows])  # on balls: an enclosure of the largest error
        _, name, t = rows[i]
        msg = (f"largest relative error {float(ratio):.4g} = {float(ratio / bk.scalar(bk.eps)):.4g} eps "
               f"in {name} at t = {t} (tolerance {self.K} eps; {traj.status}, T = {traj.T})")
        return self.identity(traj, ratio, tol, witness=t, message=msg)


class StepCriterion(Statement):
    """A per-step implication over a trajectory. Subclasses implement :meth:`steps_of` yielding
    ``(t, premise, conclusion, resolved, margin)`` for every step ``t < T`` the statement speaks
    about: ``premise``/``conclusion`` booleans; ``resolved`` False when either side is within
    rounding reach of its boundary; ``margin`` ≥ 0 a relative distance of the deciding quantity
    from its boundary (the verdict's slack: the smallest over the premise steps, negated at a
    violation).

    Verdict: violated (resolved) at the first resolved step with premise ∧ ¬conclusion; else
    violated *unresolved* at the first such step within rounding reach (re-decided at high
    precision: an artefact when it disappears there); else holds; vacuous when the premise held
    at no step (``need_premise``)."""

    kind = "implication"
    simulator = "full"
    report_scale = 0.25  # full GD: 1,024 of the report's 4,096 draws (issue 19)
    trusts = (REDUCTION,)  # whitened examples may be re-decided on Lemma 7's reduced recurrence
    provenance = "exact"
    need_premise = True
    steps = 200
    count_edges = False  # append the run's rising / non-rising step counts to the message
    premise_note = ""  # e.g. "condition triggered": the message ends "; <note> at <premise steps> steps"

    def steps_of(self, traj, c):
        raise NotImplementedError

    def horizon(self, inst, hyper, c):
        return self.steps

    def check(self, traj, c):
        if traj.T < 1:
            return self.undecided(traj, f"fewer than two states recorded ({traj.status} at {traj.stopped_at})")
        n_prem = n_checked = n_unres = 0
        first_bad = first_unres = None
        best = None
        for t, prem, concl, resolved, margin in self.steps_of(traj, c):
            n_checked += 1
            if not prem:
                continue
            n_prem += 1
            m = midpoint(margin)  # which decided step is reported, never the status
            if not concl:
                if resolved and first_bad is None:
                    first_bad = (t, m)
                elif not resolved:
                    n_unres += 1
                    if first_unres is None:
                        first_unres = (t, m)
            elif resolved and (best is None or m < best[1]):
                best = (t, m)
        info = f"{n_checked} steps, premise at {n_prem}, unresolved failures {n_unres}; T = {traj.T} ({traj.status})"
        if self.count_edges:
            up, down = rising_step_counts(traj)
            info += f"; rising steps {up}, non-rising {down}"
        if self.premise_note:
            tail = f"; {self.premise_note} at {n_prem} steps"
        else:
            tail = ""
        if first_bad is not None:
            t, m = first_bad
            return self._v(traj, "violated", witness=t, observed=m, bound=0.0, slack=-m,
                           message=f"premise holds and conclusion fails at t = {t}; " + info + tail)
        if first_unres is not None:
            t, m = first_unres
            return self._v(traj, "violated", witness=t, observed=m, bound=0.0, slack=-m, resolved=False,
                           message=f"conclusion fails at t = {t} within rounding reach; " + info + tail)
        if n_prem == 0 and self.need_premise:
            return self._v(traj, "vacuous", message="the premise held at no step; " + info + tail,
                           unmet=["premise never triggered within the horizon"])
        t, m = best if best is not None else (None, None)
        return self._v(traj, "holds", witness=t, observed=m, bound=0.0, slack=m,
                       message=f"smallest margin {m} at t = {t}; " + info + tail)


def rising_step_counts(traj) -> tuple[int, int]:
    """``(rising, non-rising)`` steps ``t < T`` with ``α_t > 0`` and ``ρ_t > 0`` (``ρ_{t+1} > ρ_t``
    compared at the run's precision)."""
    rho, al = traj["rho"], traj["alpha"]
    up = down = 0
    for t in range(traj.T):
        if al[t] > 0 and rho[t] > 0:
            if rho[t + 1] > rho[t]:
                up += 1
            else:
                down += 1
    return up, down


def alpha0_hypotheses(inst, hyper) -> list[str]:
    """``α_0 = ⟨w_0, e⟩ > 0`` (ρ_0 defined), for any instance; whitened square-loss instances get
    the standing hypotheses of THEORY.md §5 instead (:func:`bnverify.regimes.whitened.whitened_hypotheses`)."""
    from bnverify.regimes.whitened import whitened_hypotheses

    if inst.whitened and inst.loss.name == "square":
        return whitened_hypotheses(inst, hyper)
    a0 = hyper.resolve(inst).alpha0
    return [] if a0 > 0 else [f"alpha0 = {float(a0):.6g} <= 0"]


class DirectionalStep:
    """Step-t quantities of Lemma 6 for one step of a trajectory, with their rounding errors.

    ``ge = ⟨∇_w L, e⟩``, ``gn = ‖∇_w L‖``, ``al = α_t``, ``wn = ‖w_t‖``, ``eta`` (η); absolute
    rounding errors ``dge = dgn = 256·eps·S_t`` (S_t the gradient's rounding scale) and
    ``dal = 256·eps·‖w_t‖``; relative error of ``wn`` and η: 256·eps. :meth:`compare` decides
    ``lhs ≥ rhs`` for two products of these and says whether the comparison is beyond rounding
    reach (first-order error propagation)."""

    __slots__ = ("bk", "eps", "ge", "gn", "al", "wn", "eta", "dge", "dgn", "dal")

    def __init__(self, bk, ge, gn, S, al, wn, eta):
        self.bk, self.ge, self.gn, self.al, self.wn, self.eta = bk, ge, gn, al, wn, eta
        self.eps = bk.scalar(K_ULPS * bk.reach_eps)
        self.dge = self.dgn = self.eps * S
        self.dal = self.eps * wn

    @property
    def x(self):
        """Relative step ``η‖∇_w L‖/‖w‖``."""
        return self.eta * self.gn / self.wn

    def P(self):
        """``−⟨∇L, e⟩‖w‖/(α‖∇L‖) = p·tan θ`` with ``p = −⟨∇L, v⟩/‖∇L‖`` (None if ∇L = 0)."""
        if not self.gn > 0:
            return None
        return -self.ge * self.wn / (self.al * self.gn)

    @staticmethod
    def compare(lhs, dlhs, rhs, drhs):
        """``(lhs ≥ rhs, resolved, margin)`` with ``dlhs``, ``drhs`` absolute error bounds;
        ``margin = |lhs − rhs|/(|lhs| + |rhs|)`` (1 if both vanish)."""
        diff = lhs - rhs
        tot = abs(lhs) + abs(rhs)
        margin = midpoint(abs(diff) / tot) if tot > 0 else 1.0  # display
        return bool(diff >= 0), bool(abs(diff) > dlhs + drhs), margin


def directional_steps(traj):
    """:class:`DirectionalStep` for every ``t < T`` with ``α_t > 0`` (``(t, step)`` pairs)."""
    bk = traj.backend
    eta = traj.hyper.resolve(traj.instance).eta
    ge, gn, S = gradient_parts(traj)
    al, wn = traj["alpha"], traj["wnorm"]
    for t in range(traj.T):
        if al[t] > 0:
            yield t, DirectionalStep(bk, ge[t], gn[t], S[t], al[t], wn[t], eta)


class SufficientStep(StepCriterion):
    """Lemma 6's sufficient conditions (THEORY.md §3, reconstructed; derivation in
    ``theorems/lemma6_sufficient_convergence.md``), with ``x = η‖∇L‖/‖w‖`` and
    ``P = −⟨∇L, e⟩‖w‖/(α‖∇L‖) = p·tan θ`` (``p = −⟨∇L, v⟩/‖∇L‖``, ``v`` the unit vector ⊥ ``w`` in
    the plane of ``w`` and ``e``):

    * convergence: ``P ≥ x/k`` (k = 2) ⟹ ``ρ_{t+1} ≤ ρ_t``; evaluated as
      ``−k⟨g, e⟩‖w‖² ≥ ηα‖g‖²``;
    * divergence: ``P < x/(k + x)`` (k = 2) ⟹ ``ρ_{t+1} > ρ_t``; evaluated as
      ``−⟨g, e⟩‖w‖²(k + x) < ηα‖g‖²``.

    Both sides are products of step-t quantities; the premise is decided beyond rounding reach
    when the difference exceeds the first-order rounding error (see :class:`DirectionalStep`)."""

    provenance = "reconstructed"
    kind = "implication"
    record_w = True
    need_premise = True
    direction = "convergence"  # or "divergence"
    k = 2  # mutants widen the condition

    def premise(self, z):
        w2 = z.wn * z.wn
        rhs = z.eta * z.al * z.gn * z.gn
        dr = z.eta * (z.gn * z.gn * z.dal + 2 * z.al * z.gn * z.dgn) + 3 * z.eps * rhs
        if self.direction == "convergence":
            lhs = -self.k * z.ge * w2
            dl = self.k * w2 * z.dge + 3 * z.eps * abs(lhs)
            ok, res, m = z.compare(lhs, dl, rhs, dr)
            return ok, res, m
        x = z.eta * z.gn / z.wn
        lhs = -z.ge * w2 * (self.k + x)
        dl = w2 * (self.k + x) * z.dge + abs(z.ge) * w2 * z.eta * z.dgn / z.wn + 4 * z.eps * abs(lhs)
        ge_, res, m = z.compare(lhs, dl, rhs, dr)
        return (not ge_) and bool(lhs != rhs), res, m

    def steps_of(self, traj, c):
        rho = traj["rho"]
        for t, z in directional_steps(traj):
            prem, res_p, margin = self.premise(z)
            if not prem:
                yield t, False, True, True, margin
                continue
            rising = bool(rho[t + 1] > rho[t])
            concl = (not rising) if self.direction == "convergence" else rising
            yield t, True, concl, res_p and rho_comparison_resolved(traj, t), margin
