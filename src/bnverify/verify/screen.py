"""Streamed summaries and vectorised screens for reduced-recurrence statements (issue 19, decision 3).

:func:`stream_lanes` runs the float64 floor-free reduced recurrence of Lemma 7 (e) over thousands of
lanes, a lane taking the next run as soon as its run ends (no makespan set by the slowest lane), and
keeps per-run *reductions* instead of trajectories: the first onset, the settle step (``H_t ≤ 2``),
the largest ρ reached by a rising step, ρ_0, the rising edges with ``T_2`` at each onset. Every
elementwise operation is :func:`bnverify.verify.batch.simulate_lanes`'s, in the same order (the last
few lanes: the same operations on Python floats), so a lane's values are the recorded run's bit for
bit (``tests/test_screen.py``). With
``pilot_margin`` a lane's horizon is the one :class:`~bnverify.verify.kinds.RisingRegimeStatement`
takes from its pilot run, ``min(cap, t_on + T_2(t_on) + 1, t_s + 50)``: both ingredients are known
before the horizon is reached (``T_2 ≥ 1``), so one pass gives the pilot's constants and the
claim's summaries up to that horizon.

A statement declares ``screen(S, C)``: a pure function of the summaries ``S`` and its constants
``C`` (name → float64 array, one entry per run) returning the arrays of the claim's comparison —
``eligible`` (the summaries decide the claim: e.g. a finished run with an onset), ``observed``,
``bound``, ``witness``, ``informative``. :func:`screen_examples` clears an example only when the
comparison holds with a relative slack ≥ ``screen_margin`` (default :data:`SCREEN_MARGIN` = 1e-6,
100 × the rounding reach of ``adjudicate._doubtful``; an uninformative bound, met trivially, is
cleared as ``_doubtful`` screens it), or — for a claim between integers — with slack 0 and an
``event_margin`` array (the screen's optional output, ``Verdict.event_margin``) ≥ that margin and
≥ 64·T·eps. A screen can only clear holds: everything it does not clear
goes through ``check()`` on a recorded trajectory (``batch.decide_many``), and an example decided
by both whose verdicts disagree is an error.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnverify.numerics.backends import FLOAT64
from bnverify.numerics.simulate import OVERFLOW, _fp_quiet, reduced_step, renormalise, renormalise_array, rises
from bnverify.numerics.trajectory import _MP
from bnverify.regimes.edges import SETTLE_MARGIN, relative_rise, t2_value
from bnverify.regimes.whitened import tau
from bnverify.verify.adjudicate import EVENT_EPS_MULTIPLE  # an event margin's eps per step (event_reach)
from bnverify.verify.batch import lane_inputs
from bnverify.verify.statement import needle_factor

LANES = 2048  # runs side by side (numpy's per-call cost is shared by the lanes)
SCREEN_MARGIN = 1e-6  # relative slack a screen needs to clear an informative holds (100 × rounding reach)
SLACK_TOL = 1e-12  # screen and check() slacks agree to this (relative to max(1, |slack|))
MAX_EDGES = 64  # a run with more rising edges is not summarised edge by edge (check() decides it)


@dataclass
class Summaries:
    """Per-run reductions of :func:`stream_lanes` (arrays of one entry per run).

    ``finished``: the run reached its horizon ``T`` (else it diverged at ``T``: rows 0 … T − 1);
    ``onset``: first rising step ``t`` (ρ_{t+1} > ρ_t, ``t < T``), −1 if none; ``settle`` (pilot mode):
    first row with ``H_t = η_eff a/γ ≤ 2``, −1 if none; ``onset_T2``: ``T_2`` at the first onset (pilot
    and edge modes; None where ``H ≤ τ(ρ)`` there); ``peak_rise`` / ``peak_rise_t``: the largest ρ_{t+1}
    over rising steps and its first row (−inf / −1 without a rise); ``rho_row0``: ρ at row 0 — without a
    rising step ρ never increases, so it is ``max_t ρ_t`` (first attained at row 0); ``rising``: the
    number of rising steps; ``onset_rise``: the rise margin ``(ρ_{on+1} − ρ_on)/ρ_{on+1}`` of the first
    onset (``edges.relative_rise``, the bits ``edges.rise_margin`` gives on the recorded run; nan without an
    onset). With ``edges``: ``edges[i]`` lists run i's rising edges as
    ``(onset, length, ended, T2)`` (T2 an exact int, None where ``H ≤ τ(ρ)`` at the onset), and
    ``edges_overflow[i]`` says the run had more than :data:`MAX_EDGES`."""

    finished: np.ndarray
    T: np.ndarray
    onset: np.ndarray
    settle: np.ndarray
    onset_T2: list
    peak_rise: np.ndarray
    peak_rise_t: np.ndarray
    rho_row0: np.ndarray
    rising: np.ndarray
    edges: list | None = None
    edges_overflow: np.ndarray | None = None
    onset_rise: np.ndarray | None = None

    def __len__(self):
        return len(self.T)


def t2_at_state(eta_eff, a, gamma, rho_col, m, k, alpha):
    """``T_2`` of a rising step from its row's state, as :func:`bnverify.regimes.edges.t2_at` computes it
    on a float64 floor-free trajectory (ρ exact where β is scaled, ``Trajectory.rho_exact``); None if
    ``H_t ≤ τ(ρ_t)`` or ``ρ_t ≥ 1``."""
    if k == 0:
        rho = rho_col
    elif not alpha > 0:
        rho = np.inf
    else:
        rho = _MP.ldexp(_MP.mpf(abs(float(m))) / _MP.mpf(float(alpha)), int(k))
    H = eta_eff * a / gamma
    tr = tau(rho_col, FLOAT64)
    if not (rho < 1 and H > tr):
        return None
    return t2_value(H, tr, rho, FLOAT64)


_LANE_F = ("a_", "eta_", "eg_", "lim_x", "lim_dg", "alpha", "m", "gamma", "r_prev", "rc_prev", "eff_prev",
           "g_prev", "al_prev", "m_prev", "pk", "pa", "orise")
_LANE_I = ("run", "t_run", "hor", "k", "k_prev", "onset", "settle", "pkt", "nrise", "cur_on")
_LANE_B = ("up_prev",)
TAIL = 48  # once the queue is empty, the last 48 lanes finish in a scalar loop of the same operations (≈ 1 µs per
# lane-step against ≈ 60–100 µs of numpy call overhead per step: the scalar loop wins below ≈ 60 lanes)


class _Runs:
    """The results of :func:`stream_lanes` and the per-run events (rare: onsets, edge ends)."""

    def __init__(self, R, pilot_margin, edges):
        self.pilot_margin, self.want_edges = pilot_margin, edges
        self.S = Summaries(finished=np.zeros(R, dtype=bool), T=np.zeros(R, dtype=np.int64),
                           onset=np.full(R, -1, dtype=np.int64), settle=np.full(R, -1, dtype=np.int64),
                           onset_T2=[None] * R, peak_rise=np.full(R, -np.inf),
                           peak_rise_t=np.full(R, -1, dtype=np.int64),
                           rho_row0=np.full(R, -np.inf),
                           rising=np.zeros(R, dtype=np.int64), edges=[[] for _ in range(R)] if edges else None,
                           edges_overflow=np.zeros(R, dtype=bool) if edges else None, onset_rise=np.full(R, np.nan))
        self.open_t2: dict = {}  # run -> T_2 of its open edge

    def onset(self, i, on, first, hor, t2args):
        """A rising edge of run ``i`` starts at step ``on`` (its row's state ``t2args``); returns the
        run's horizon (a pilot's shrinks to ``on + T_2 + 1`` at its first onset)."""
        S = self.S
        if self.want_edges and len(S.edges[i]) >= MAX_EDGES:
            S.edges_overflow[i] = True
        if not (first or (self.want_edges and not S.edges_overflow[i])):
            return hor
        T2 = t2_at_state(*t2args)
        self.open_t2[i] = T2
        if first:
            S.onset_T2[i] = T2
            if self.pilot_margin is not None and T2 is not None:
                hor = min(hor, on + T2 + 1)
        return hor

    def edge_end(self, i, on, t):
        """Run ``i``'s edge from step ``on`` ended: step ``t`` is not rising."""
        if self.want_edges and not self.S.edges_overflow[i]:
            self.S.edges[i].append((on, t - on, True, self.open_t2.get(i)))

    def finish(self, i, T, finished, onset, settle, nrise, pk, pkt, pa, up_prev, cur_on, orise):
        S = self.S
        S.finished[i], S.T[i], S.onset_rise[i] = finished, T, orise
        S.onset[i], S.settle[i], S.rising[i] = onset, settle, nrise
        S.peak_rise[i], S.peak_rise_t[i], S.rho_row0[i] = pk, pkt, pa
        if self.want_edges and finished and up_prev and not S.edges_overflow[i]:  # an edge still rising at T
            S.edges[i].append((cur_on, T - cur_on, False, self.open_t2.get(i)))
        self.open_t2.pop(i, None)


@_fp_quiet
def stream_lanes(a, L_star, alpha0, beta0, gamma0, eta, eta_g, horizons, *, pilot_margin=None, edges=False,
                 lanes: int = LANES, tail: int = TAIL) -> Summaries:
    """The float64 floor-free reduced recurrence for many runs (1-D sequences, one value per run),
    ``lanes`` at a time, refilled as runs end, streaming :class:`Summaries`. A run ends at its horizon
    (``horizons[i]``; with ``pilot_margin``, ``horizons[i]`` is the cap and the horizon shrinks to
    ``min(cap, t_on + T_2(t_on) + 1, t_s + pilot_margin)`` as the first onset and settle step appear)
    or at divergence (the rule of ``simulate_reduced``). Once no run is queued, idle lanes are
    dropped, and the last ``tail`` lanes finish in :func:`_tail_lane` (the same operations on Python
    floats: IEEE double arithmetic, correctly rounded ``sqrt``, as numpy's)."""
    A, LS, AL0, G0, ETA, EG, H, M0, K0, LX, LDG = lane_inputs(a, L_star, alpha0, beta0, gamma0, eta, eta_g, horizons)
    R = A.size
    B = max(1, min(lanes, R))
    pilot = pilot_margin is not None
    events = edges or pilot  # onsets need T_2 (pilot: the first; edges: every one)
    res = _Runs(R, pilot_margin, edges)
    L = {n: np.zeros(B) for n in _LANE_F}
    L.update({n: np.zeros(B, dtype=np.int64) for n in _LANE_I})
    L.update({n: np.zeros(B, dtype=bool) for n in _LANE_B})
    L["run"][:] = -1
    nxt = 0

    def load(slots):
        nonlocal nxt
        for s_ in slots:
            if nxt >= R:
                L["run"][s_] = -1
                continue
            i_ = nxt
            nxt += 1
            L["run"][s_], L["t_run"][s_], L["hor"][s_] = i_, 0, H[i_]
            L["a_"][s_], L["eta_"][s_], L["eg_"][s_] = A[i_], ETA[i_], EG[i_]
            L["lim_x"][s_], L["lim_dg"][s_] = LX[i_], LDG[i_]
            L["alpha"][s_], L["m"][s_], L["k"][s_], L["gamma"][s_] = AL0[i_], M0[i_], K0[i_], G0[i_]
            L["onset"][s_] = L["settle"][s_] = L["pkt"][s_] = L["cur_on"][s_] = -1
            L["nrise"][s_] = 0
            L["pk"][s_] = L["pa"][s_] = -np.inf
            L["orise"][s_] = np.nan
            L["up_prev"][s_] = False
            L["r_prev"][s_], L["k_prev"][s_] = np.inf, K0[i_]  # row 0 has no predecessor: never rising

    def finish(s_, T, finished):
        res.finish(int(L["run"][s_]), T, finished, int(L["onset"][s_]), int(L["settle"][s_]), int(L["nrise"][s_]),
                   float(L["pk"][s_]), int(L["pkt"][s_]), float(L["pa"][s_]), bool(L["up_prev"][s_]),
                   int(L["cur_on"][s_]), float(L["orise"][s_]))

    load(range(B))
    g = 0
    prev_scaled = True
    while True:
        if nxt >= R and g % 16 == 0:
            active = L["run"] >= 0
            n_act = int(active.sum())
            if n_act == 0:
                break
            if n_act <= tail:
                for s_ in np.flatnonzero(active):
                    _tail_lane(res, {n: v[s_].item() for n, v in L.items()}, pilot_margin, events)
                break
            if n_act * 2 <= L["run"].size:  # drop idle lanes
                keep = np.flatnonzero(active)
                L = {n: v[keep] for n, v in L.items()}
        run, alpha, m, gamma, k, a_, t_run = L["run"], L["alpha"], L["m"], L["gamma"], L["k"], L["a_"], L["t_run"]
        active = run >= 0
        scaled = k < 0
        any_scaled = scaled.any()
        bb = np.where(scaled, 0.0, m) if any_scaled else m
        a1, b1, g1, eta_eff, c, N2 = reduced_step(alpha, bb, gamma, L["eta_"], L["eg_"], a_, np.sqrt)
        m1 = m * (1 - eta_eff * c)  # = b1 on unscaled lanes (the same expression)
        dg = gamma - a_ * c
        fin = N2 <= OVERFLOW
        ok = fin & (np.abs(dg) <= L["lim_dg"])
        ok &= active
        if not (ok == active).all():  # the second clause of the divergence rule, where the first fails
            ok |= active & fin & (((dg * dg + (a_ * a_) * (bb * bb) / N2) / 2) * 2 <= L["lim_x"])
        bad = active & ~ok
        # row t: ρ_t = r·2^k (the ρ column) and the label of step t − 1 (the edge column; a run's
        # first row compares with r_prev = +inf, never rising)
        r_t = np.abs(m) / alpha
        pos = alpha > 0
        if not pos.all():
            r_t[~pos] = np.inf
        rc = np.ldexp(r_t, k) if any_scaled else r_t
        k_prev = L["k_prev"]
        if (any_scaled or prev_scaled) and (k != k_prev).any():
            up = rises(r_t, k, L["r_prev"], k_prev)[0]
        else:
            up = r_t > L["r_prev"]
        up &= ok
        if up.any():
            L["nrise"] += up
            better = up & (rc > L["pk"])
            L["pk"][better] = rc[better]
            L["pkt"][better] = t_run[better]
            start = up & ~L["up_prev"]
            if start.any():
                first = start & (L["onset"] < 0)
                L["onset"][first] = t_run[first] - 1
                if first.any():
                    L["orise"][first] = relative_rise(r_t[first], k[first], L["r_prev"][first], k_prev[first])
                if events:
                    for s_ in np.flatnonzero(start):
                        i_ = int(run[s_])
                        on = int(t_run[s_]) - 1
                        L["cur_on"][s_] = on
                        L["hor"][s_] = res.onset(i_, on, bool(first[s_]), int(L["hor"][s_]),
                                                 (L["eff_prev"][s_], L["a_"][s_], L["g_prev"][s_], L["rc_prev"][s_],
                                                  L["m_prev"][s_], int(k_prev[s_]), L["al_prev"][s_]))
        if edges and L["up_prev"].any():
            end = ok & ~up & L["up_prev"]
            for s_ in np.flatnonzero(end):
                res.edge_end(int(run[s_]), int(L["cur_on"][s_]), int(t_run[s_]) - 1)
        if pilot:
            new_settle = ok & (L["settle"] < 0)
            new_settle &= eta_eff * a_ / gamma <= 2
            if new_settle.any():
                L["settle"][new_settle] = t_run[new_settle]
                L["hor"][new_settle] = np.minimum(L["hor"][new_settle], t_run[new_settle] + pilot_margin)
        row0 = t_run == 0
        if row0.any():
            L["pa"][row0] = rc[row0]
        done = ok & (L["hor"] == t_run)
        L["up_prev"] = up
        ended = []
        if bad.any() or done.any():
            for s_ in np.flatnonzero(bad):
                finish(s_, int(t_run[s_]), False)
                ended.append(s_)
            for s_ in np.flatnonzero(done):
                finish(s_, int(t_run[s_]), True)
                ended.append(s_)
        # the previous row's state (T_2 at an onset is read from it)
        L["r_prev"], L["k_prev"], L["rc_prev"] = r_t, k.copy(), rc
        prev_scaled = any_scaled
        if events:
            L["eff_prev"], L["g_prev"], L["al_prev"], L["m_prev"] = eta_eff, gamma, alpha, m
        L["alpha"], L["m"], L["gamma"] = a1, m1, g1
        renormalise_array(m1, k)
        L["t_run"] = t_run + 1
        g += 1
        if ended:
            load(ended)
    return res.S


def _tail_lane(res: _Runs, v: dict, pilot_margin, events) -> None:
    """One lane of :func:`stream_lanes` to its end, in Python floats: the loop body of
    ``stream_lanes`` (and of ``simulate_reduced``) operation for operation."""
    i = int(v["run"])
    a, eta, eg, lim_x, lim_dg = v["a_"], v["eta_"], v["eg_"], v["lim_x"], v["lim_dg"]
    alpha, m, gamma, k, t, hor = v["alpha"], v["m"], v["gamma"], v["k"], v["t_run"], v["hor"]
    onset, settle, nrise, cur_on, up_prev = v["onset"], v["settle"], v["nrise"], v["cur_on"], v["up_prev"]
    pk, pkt, pa, orise = v["pk"], v["pkt"], v["pa"], v["orise"]
    r_prev, k_prev, rc_prev = v["r_prev"], v["k_prev"], v["rc_prev"]
    eff_prev, g_prev, al_prev, m_prev = v["eff_prev"], v["g_prev"], v["al_prev"], v["m_prev"]
    sqrt, ldexp, inf = math.sqrt, math.ldexp, math.inf
    while True:
        bb = 0.0 if k < 0 else m
        try:
            a1, b1, g1, eta_eff, c, N2 = reduced_step(alpha, bb, gamma, eta, eg, a, sqrt)
            m1 = m * (1 - eta_eff * c)
            dg = gamma - a * c
            ok = N2 <= OVERFLOW and (abs(dg) <= lim_dg or ((dg * dg + (a * a) * (bb * bb) / N2) / 2) * 2 <= lim_x)
        except (ZeroDivisionError, OverflowError, ValueError):  # numpy: nan/inf, i.e. a diverged run
            ok = False
        if not ok:
            res.finish(i, t, False, onset, settle, nrise, pk, pkt, pa, up_prev, cur_on, orise)
            return
        r_t = abs(m) / alpha if alpha > 0 else inf
        rc = ldexp(r_t, k) if k else r_t
        up = bool(rises(r_t, k, r_prev, k_prev)[0]) if k != k_prev else r_t > r_prev
        if up:
            nrise += 1
            if rc > pk:
                pk, pkt = rc, t
            if not up_prev:
                first = onset < 0
                if first:
                    onset = t - 1
                    orise = relative_rise(r_t, k, r_prev, k_prev)
                if events:
                    cur_on = t - 1
                    hor = res.onset(i, t - 1, first, hor, (np.float64(eff_prev), np.float64(a), np.float64(g_prev),
                                                          np.float64(rc_prev), m_prev, k_prev, al_prev))
        elif up_prev and res.want_edges:
            res.edge_end(i, cur_on, t - 1)
        if t == 0:
            pa = rc
        if settle < 0 and pilot_margin is not None:
            try:
                hit = eta_eff * a / gamma <= 2
            except ZeroDivisionError:
                hit = False
            if hit:
                settle = t
                hor = min(hor, t + pilot_margin)
        up_prev = up
        if hor == t:
            res.finish(i, t, True, onset, settle, nrise, pk, pkt, pa, up_prev, cur_on, orise)
            return
        r_prev, k_prev, rc_prev = r_t, k, rc
        eff_prev, g_prev, al_prev, m_prev = eta_eff, gamma, alpha, m
        alpha, gamma = a1, g1
        m, k = renormalise(m1, k)
        t += 1


def edge_table(S: Summaries, bound_of=None) -> dict:
    """The runs' rising edges flattened (edge order within a run): ``run``, ``onset``, ``length``,
    ``ended`` and ``T2`` — ``bound_of(T2)`` per edge (default T_2 itself; exact ints mapped to float
    as ``edges.as_float`` does, nan where T_2 is None). ``eligible_runs``: runs summarised edge by edge
    (finished, at most :data:`MAX_EDGES` edges)."""
    from bnverify.regimes.edges import as_float

    f = bound_of or (lambda T2: T2)
    run, on, ln, end, T2 = [], [], [], [], []
    for i, es in enumerate(S.edges):
        for o, n, e, t2 in es:
            b = f(t2) if t2 is not None else None
            run.append(i), on.append(o), ln.append(n), end.append(e)
            T2.append(as_float(b) if b is not None else math.nan)
    return dict(run=np.array(run, dtype=np.int64), onset=np.array(on, dtype=np.int64),
                length=np.array(ln, dtype=np.int64), ended=np.array(end, dtype=bool), T2=np.array(T2, dtype=np.float64),
                eligible_runs=S.finished & ~S.edges_overflow)


def worst_per_run(run, slack, R, *values):
    """Per run, the entries of ``values`` at its edge of smallest ``slack`` (the first such edge, as
    check() keeps the first minimum); ``has``: the run has an edge here. nan where it has none."""
    has = np.zeros(R, dtype=bool)
    outs = [np.full(R, np.nan) for _ in values]
    if len(run):
        order = np.lexsort((np.arange(len(run)), slack, run))  # by run, then slack, then edge order
        first = order[np.r_[True, run[order][1:] != run[order][:-1]]]
        has[run[first]] = True
        for o, v in zip(outs, values):
            o[run[first]] = np.asarray(v, dtype=np.float64)[first]
    return has, outs


def any_per_run(run, flag, R):
    """Per run: some edge of it has ``flag``."""
    out = np.zeros(R, dtype=bool)
    out[run[flag]] = True
    return out


# --- screening a chunk of examples -----------------------------------------------------------------

def has_screen(stmt) -> bool:
    """``stmt`` declares a screen that applies to it (its own, or a mutant's that the screen models)."""
    return callable(getattr(stmt, "screen", None)) and needle_factor(stmt) is not None


class Consts(dict):
    """Constants as float64 arrays (``C["P"]``), one entry per run; None → nan; built on first use."""

    def __init__(self, rows: list[dict]):
        super().__init__()
        self.rows = rows

    def __missing__(self, key):
        v = np.array([_num(r.get(key)) for r in self.rows], dtype=np.float64)
        self[key] = v
        return v


def _num(x):
    if x is None:
        return math.nan
    try:
        return float(x)
    except OverflowError:  # an exact int beyond the float range (T_2 ~ 1e400)
        return math.inf if x > 0 else -math.inf


@dataclass
class ScreenResult:
    """What :func:`screen_examples` decided for the examples it could set up (indices into the
    chunk): ``cleared[i] = Verdict`` (a screened holds), and the others left to ``check()``."""

    cleared: dict
    summaries: Summaries | None
    seconds: float


def screen_examples(stmt, examples, lanes: int = LANES) -> ScreenResult:
    """Set up ``examples`` (hypotheses, constants, horizon), stream their summaries, apply
    ``stmt.screen`` and return the cleared ones as holds verdicts. An example whose set-up raises or
    whose hypotheses fail is not cleared (the per-example path decides and records it)."""
    import time

    from bnverify.numerics.hyper import resolve
    from bnverify.verify.kinds import RisingRegimeStatement
    from bnverify.verify.statement import Verdict

    t0 = time.perf_counter()
    factor = needle_factor(stmt)
    if factor is None or not callable(getattr(stmt, "screen", None)):
        return ScreenResult({}, None, 0.0)
    pilot = isinstance(stmt, RisingRegimeStatement)
    rows = []
    for j, ex in enumerate(examples):
        if ex is None:
            continue
        try:
            inst = ex.instance(FLOAT64)
            if stmt.hypotheses(inst, ex.hyper):
                continue
            if pilot:
                c = stmt.bound_constants(inst, ex.hyper)
                h = int(stmt.cap)
            else:
                c = stmt.all_constants(inst, ex.hyper)
                h = int(stmt.horizon(inst, ex.hyper, c))
            hp = resolve(ex.hyper, inst)
        except Exception:  # noqa: BLE001  (decided, and recorded, on the per-example path)
            continue
        rows.append((j, inst, ex.hyper, hp, c, h))
    if not rows:
        return ScreenResult({}, None, time.perf_counter() - t0)
    S = stream_lanes([r[1].a for r in rows], [r[1].L_star for r in rows], [r[3].alpha0 for r in rows],
                     [r[3].beta0 for r in rows], [r[3].gamma0 for r in rows], [r[3].eta for r in rows],
                     [r[3].eta_gamma for r in rows], [r[5] for r in rows],
                     pilot_margin=SETTLE_MARGIN if pilot else None, edges=getattr(stmt, "screen_edges", False),
                     lanes=lanes)
    consts, same_h = [], np.ones(len(rows), dtype=bool)
    for i, (j, inst, hyper, hp, c, h) in enumerate(rows):
        if pilot:  # the pilot's constants (as pilot_constants reads them) → the statement's own horizon
            on = int(S.onset[i])
            c = {**c, "pilot_onset": on if on >= 0 else None, "pilot_T2": S.onset_T2[i] if on >= 0 else None,
                 "pilot_settle": int(S.settle[i]) if S.settle[i] >= 0 else None}
            tr = getattr(stmt, "_constants_transform", None)
            if tr is not None:
                c = tr(dict(c))
            try:
                same_h[i] = int(stmt.horizon(inst, hyper, c)) == int(S.T[i])
            except Exception:  # noqa: BLE001
                same_h[i] = False
        consts.append(c)
    C = Consts(consts)
    out = stmt.screen(S, C)
    obs = np.asarray(out["observed"], dtype=np.float64)
    bnd = np.asarray(out["bound"], dtype=np.float64)
    inf_ = np.asarray(out.get("informative", np.ones(len(rows), dtype=bool)), dtype=bool)
    wit = np.asarray(out.get("witness", np.full(len(rows), -1)), dtype=np.int64)
    elig = np.asarray(out["eligible"], dtype=bool) & S.finished & same_h
    if factor != 1.0:  # a tightened needle: the informative bounds tightened (statement.tightened)
        t = inf_ & np.isfinite(bnd) & (bnd != 0)
        bnd = np.where(t, bnd * factor if stmt.kind != "lower bound" else bnd / factor, bnd)
    with np.errstate(all="ignore"):
        if stmt.kind == "lower bound":
            diff, holds = obs - bnd, obs >= bnd
        else:
            diff, holds = bnd - obs, obs <= bnd
        slack = np.where(bnd != 0, diff / np.abs(bnd), diff)
    margin = getattr(stmt, "screen_margin", SCREEN_MARGIN)
    clear = elig & holds & np.isfinite(obs) & (~inf_ | (slack >= margin))
    em = out.get("event_margin")
    if em is not None:  # integer slack 0 is no rounding doubt when the events that fix the integers are far
        # from rounding (adjudicate._doubtful; the reach here is the screen's margin, and at least 64·T·eps)
        em = np.asarray(em, dtype=np.float64)
        reach = np.maximum(margin, EVENT_EPS_MULTIPLE * S.T.astype(np.float64) * FLOAT64.eps)
        clear |= elig & holds & np.isfinite(obs) & inf_ & (slack == 0) & (em >= reach)
    cleared = {}
    for i in np.flatnonzero(clear):
        j = rows[i][0]
        w = int(wit[i]) if wit[i] >= 0 else None
        cleared[j] = Verdict("holds", witness=w, observed=float(obs[i]), bound=float(bnd[i]), slack=float(slack[i]),
                             backend=FLOAT64.name, horizon=int(S.T[i]), simulator="reduced", informative=bool(inf_[i]),
                             event_margin=float(em[i]) if em is not None else None,
                             message=f"screened on streamed summaries: observed {float(obs[i]):.17g} <= bound "
                                     f"{float(bnd[i]):.17g} at t = {w} (horizon {int(S.T[i])})")
    return ScreenResult(cleared, S, time.perf_counter() - t0)


def agree(screened, checked) -> tuple[bool, str]:
    """Do a screen's verdict and ``check()``'s (the same example, float64) agree? ``check()`` must say
    holds, with the same informativeness and a slack within :data:`SLACK_TOL` (relative to
    ``max(1, |slack|)``) of the screen's, and — where the screen reports an event margin — the same event
    margin (to ``SLACK_TOL``). Returns ``(agree, why not)``."""
    if checked is None or checked.status != "holds":
        return False, f"check() says {getattr(checked, 'status', None)}: {getattr(checked, 'message', '')[:200]}"
    if bool(checked.informative) != bool(screened.informative):
        return False, f"informative: check() {checked.informative}, screen {screened.informative}"
    if not screened.informative:
        return True, ""
    s, c = screened.slack, checked.slack
    if c is None or not abs(s - c) <= SLACK_TOL * max(1.0, abs(c)):
        return False, f"slack: check() {c!r}, screen {s!r}"
    se, ce = screened.event_margin, checked.event_margin
    if se is not None and not (ce is not None and (se == ce or abs(se - ce) <= SLACK_TOL * max(1.0, abs(ce)))):
        return False, f"event margin: check() {ce!r}, screen {se!r}"
    return True, ""
