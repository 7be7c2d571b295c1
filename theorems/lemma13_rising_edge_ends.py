"""Lemma 13 — every rising edge ends (existence of the falling edge of the loss spike; paper App. B;
THEORY.md §6). Derivation: lemma13_rising_edge_ends.md.

Setting
    Whitened square-loss regression (Σ = I), BN linear model, full-batch GD eq. (1), simulated by
    the exact reduced recurrence of Lemma 7 (e) (float64 runs whose β reaches the subnormal range
    are marked unresolved and re-decided in mpmath).
Hypotheses
    0 < η_γ ≤ 1, 0 < γ_0 ≤ a, α_0 > 0, 0 < ρ_0 < 1 and H_0 = ηa²/‖w_0‖² > 2 (otherwise no edge
    starts, Theorem 2 (1)).
Statement
    After every onset t_on (ρ_{t_on+1} > ρ_{t_on}, preceded by a non-rising step or t_on = 0) there is
    a t > t_on with ρ_{t+1} ≤ ρ_t — and, quantitatively (thm3.duration), one with t ≤ t_on + T_2(t_on).
Bound kind
    existence: for every edge, observed = its first non-rising step, bound = t_on + T_2(t_on); the
    horizon min(30000, t_on + T_2(t_on) + 1, t_s + 50) comes from a float64 pilot run (t_s: first t
    with H_t ≤ 2, after which no step rises). An edge still rising at the horizon is "violated"
    only if the horizon already covers t_on + T_2(t_on) + 1, otherwise the verdict is undecided.
Reference
    Paper Lemma 13 (App. B), Lemma 7 (c)–(d), Lemma 12. Provenance: reconstructed (THEORY.md §6).
"""
from __future__ import annotations

import numpy as np

from bnverify.author import Statement, mutant, undecided_if_diverged
from bnverify.regimes.edges import as_float, labels_unresolved, order, rising_edges, settle_time, t2_at
from bnverify.verify.kinds import RisingRegimeStatement


class RisingEdgeEnds(RisingRegimeStatement, Statement):
    """After every onset ρ stops rising, within T_2(t_on) steps (Lemma 13)."""

    id = "lemma13.rising_edge_ends"
    version = "reconstructed-v1"
    reference = "Lemma 13, App. B"
    provenance = "reconstructed"
    kind = "existence"
    derivation = "lemma13_rising_edge_ends.md"
    bound_source = "event (onset state)"
    max_rising = None  # mutants: claim every edge ends after at most this many rising steps
    screen_edges = True  # the screen reads every edge (bnverify.verify.screen)
    # a third of the draws are undecided (an edge still rising at the cap) and go through recorded runs, now
    # recorded in strided lanes (issue 19; benchmarks/RESULTS.md "Rising-regime draws at depth"): the report's
    # full 4,096-draw sweep costs about what its 2,048 draws cost before
    sweep_scale = 1.0

    @undecided_if_diverged
    def check(self, traj, c):
        edges = rising_edges(traj)
        settle = settle_time(traj)
        resolved = not labels_unresolved(traj, settle)  # labels, and ρ at onsets exactly (t2_at)
        note = "" if resolved else " (beta subnormal in float64 before H_t <= 2: unresolved)"
        if not edges:
            return self.undecided(traj, f"no onset within the horizon {traj.T}" + note, resolved=resolved,
                                  retry=not resolved)
        worst, pending = None, []
        for e in edges:
            T2, H, tr = t2_at(traj, e.onset)
            if T2 is None:
                return self.violated(traj, witness=e.onset, resolved=resolved,
                                     message=f"rising step t = {e.onset} with H_t <= tau(rho_t): "
                                             "contradicts Lemma 7 (d)" + note)
            if self.max_rising is not None:
                T2 = self.max_rising
            due = e.onset + T2  # the edge must have a non-rising step at some t <= due
            if e.ended:
                slack = (due - e.end) / due
            elif e.length > T2:  # rising through t_on … t_on + T2: no non-rising step by the due step
                slack = -float("inf")
            else:
                pending.append(e)
                continue
            if worst is None or slack < worst[0]:
                worst = (slack, e, due, T2)
        if pending:
            e = pending[0]
            return self.undecided(traj, f"edge at t_on = {e.onset} still rising at the horizon {traj.T} "
                                  f"(due by t_on + T2 = {order(e.onset + t2_at(traj, e.onset)[0])}); "
                                  f"{len(edges)} edge(s)" + note,
                                  witness=e.onset, resolved=resolved, retry=not resolved)
        _, e, due, T2 = worst
        observed = e.end if e.ended else float("inf")
        return self.upper_bound(traj, observed, as_float(due), witness=e.onset, resolved=resolved,
                                message=f"edge at t_on = {e.onset} "
                                + (f"ends at t = {e.end}" if e.ended else "never stops rising")
                                + f" <= t_on + T2 = {order(due)}; {len(edges)} edge(s) in 0..{traj.T}, all ended; "
                                f"H_t <= 2 from t = {settle}" + note)

    def screen(self, S, C):
        """check()'s comparison on streamed edges (bnverify.verify.screen): every edge must have ended, with
        T_2 = ⌈log(H/τ(ρ))/log(1 + κ(ρ))⌉ at its onset (``max_rising`` in the mutant); observed = its end,
        bound = t_on + T_2, at the edge of smallest slack (end ≤ t_on + T_2 ⇔ slack ≥ 0). A run with no edge, an
        edge still rising, or H ≤ τ(ρ) at an onset (check(): undecided or violated) is never cleared."""
        from bnverify.verify.screen import any_per_run, edge_table, worst_per_run

        E = edge_table(S, (lambda T2: self.max_rising) if self.max_rising is not None else None)
        R = len(S)
        due = E["onset"] + E["T2"]  # float64; T_2 beyond 2^53 only makes the slack ≈ 1
        end = (E["onset"] + E["length"]).astype(np.float64)
        slack = (due - end) / due
        bad = any_per_run(E["run"], ~E["ended"] | np.isnan(E["T2"]), R)
        has, (obs, bnd, wit) = worst_per_run(E["run"], slack, R, end, due, E["onset"])
        return dict(eligible=has & ~bad & E["eligible_runs"], observed=obs, bound=bnd,
                    witness=np.where(has, np.nan_to_num(wit, nan=-1), -1).astype(np.int64))


STATEMENTS = [RisingEdgeEnds()]
MUTANTS = [mutant(STATEMENTS[0], "every edge ends within 25 rising steps", name="ends-within-25", max_rising=25,
                  pinned=[])]
