"""Batch decisions for statements on the reduced recurrence (``stmt.simulator == "reduced"``).

A chunk of examples is simulated together: the float64 floor-free recurrence of Lemma 7 (e)
(:func:`bnverify.numerics.simulate.reduced_step`, β carried as ``m·2^k``,
:func:`~bnverify.numerics.simulate.renormalise`)
runs vectorised over *lanes*, one per example, each to its own horizon (or, for statements with a
pilot run, under the pilot's stopping rule), with the divergence rule of ``simulate_reduced``. Every
elementwise operation is the one the scalar loop performs, in the same order, so each lane's
record is bit for bit the scalar run's (the lanes advance :data:`STRIDE` steps doing only the recurrence and
recording the state; the rules that end a run are then evaluated over the stride's rows at once, and each
lane's run ends at its first ending row; ``tests/test_batch_lanes.py``); it is registered
(:func:`bnverify.numerics.simulate.register_known`) and the statement is then decided **through its own
path**: ``adjudicate.run_once`` (hypotheses, constants, horizon, ``decide_check``) finds its float64 run
already simulated and cut to its horizon. Only doubtful verdicts (``adjudicate._doubtful``) go on to
``adjudicate.decide`` and its high-precision ladder. One implementation of every check: there is no
vectorised copy of any.
"""
from __future__ import annotations

import time

import numpy as np

from bnverify.verify.adjudicate import Decision, _doubtful, decide, rung_name, run_once
from bnverify.numerics.backends import FLOAT64, get_backend
from bnverify.numerics.hyper import resolve
from bnverify.numerics.simulate import (OVERFLOW, RawRun, _fp_quiet, forget_known, reduced_step, register_known,
                       renormalise, renormalise_array, rises)
from bnverify.verify.pipeline import prepare

LANES = 1024  # runs simulated side by side (numpy's per-call cost is shared by the lanes)
BLOCK = 1024  # steps per buffer block (lanes stop early; buffers grow by blocks)
_FIELDS = ("alpha", "beta", "gamma", "wnorm2", "eta_eff", "cos", "grad_gamma")


def batchable(stmt, backend) -> bool:
    """Batch decisions apply to reduced-recurrence statements with a float64 primary."""
    return getattr(stmt, "simulator", "full") == "reduced" and get_backend(backend) is FLOAT64


def lane_inputs(a, L_star, alpha0, beta0, gamma0, eta, eta_g, horizons):
    """The per-run inputs of the lane recurrences (:func:`simulate_lanes`, :func:`bnverify.verify.screen.stream_lanes`)
    as arrays: a, L*, α_0, γ_0, η, η_γ, the horizons, β_0 as ``m·2^k`` (M0, K0) and the divergence limits of
    ``simulate_reduced`` (LX on the loss, LDG on ∂L/∂γ)."""
    f = lambda v: np.array(v, dtype=np.float64)  # noqa: E731
    A, LS, AL0, G0, ETA, EG = map(f, (a, L_star, alpha0, gamma0, eta, eta_g))
    H = np.asarray(horizons, dtype=np.int64)
    M0, K0 = np.empty(A.size), np.zeros(A.size, dtype=np.int64)
    for i, b in enumerate(beta0):
        M0[i], K0[i] = renormalise(float(b), 0)
    LX = 2 * (OVERFLOW - LS)
    LDG = np.where(LX > A * A, np.sqrt(np.where(LX > A * A, LX - A * A, 0.0)), 0.0)
    return A, LS, AL0, G0, ETA, EG, H, M0, K0, LX, LDG


@_fp_quiet
def simulate_lanes(a, L_star, alpha0, beta0, gamma0, eta, eta_g, horizons, pilot_margin=None,
                   lanes: int = LANES) -> list[RawRun]:
    """The float64 floor-free reduced recurrence for many runs (1-D sequences of one value per
    run; ``horizons`` per run), ``lanes`` at a time: a lane whose run ends takes the next run, so
    long runs do not hold up short ones. A run ends at its horizon (finished), at divergence
    (diverged, the rows before it kept) or — with ``pilot_margin`` — at the pilot rule of
    ``simulate_reduced`` (stopped). Returns one :class:`~bnverify.numerics.simulate.RawRun` per run (``hp``
    left None).

    The lanes advance :data:`STRIDE` steps at a time doing only the recurrence, recording the state
    (α, m, γ, k) step-major (a step writes one contiguous row). After each stride the rules that end a
    run — divergence, the horizon, the pilot rule — are evaluated over the stride's rows at once
    (:func:`_ends`, the same comparisons on the same numbers: N², η_eff, c, ∂L/∂γ are ``reduced_step``'s
    elementwise operations on the recorded state), each lane's run ends at its first ending row (the rows
    a lane computed past it are dropped) and the lane takes the next run. The other fields of a run's
    record are derived from its rows the same way (:func:`_fields`): bit for bit the scalar run's."""
    A, LS, AL0, G0, ETA, EG, H, M0, K0, LX, LDG = lane_inputs(a, L_star, alpha0, beta0, gamma0, eta, eta_g, horizons)
    R = A.size
    B = max(1, min(lanes, R))
    P = dict(a_=np.ones(B), eta_=np.zeros(B), eg_=np.zeros(B), lim_x=np.zeros(B), lim_dg=np.zeros(B),
             hor=np.zeros(B, dtype=np.int64))
    run = np.full(B, -1, dtype=np.int64)  # run index per lane (-1: idle)
    t0 = np.zeros(B, dtype=np.int64)  # step of the lane's run at the current stride's first row
    start = np.zeros(B, dtype=np.int64)  # global step at which the lane's run started
    alpha, m, gamma = np.ones(B), np.ones(B), np.zeros(B)
    k = np.zeros(B, dtype=np.int64)
    # pilot rule, carried across strides: an onset seen, the settle step, ρ of the last row (r·2^k)
    seen_on = np.zeros(B, dtype=bool)
    settle = np.full(B, -1, dtype=np.int64)
    r_last, k_last = np.full(B, np.inf), np.zeros(B, dtype=np.int64)
    out: list = [None] * R
    nxt = 0
    blocks: dict[int, dict] = {}  # global block index -> buffers [BLOCK, B] (step-major)

    def load(slots, g):
        nonlocal nxt
        for s_ in slots:
            if nxt >= R:
                run[s_] = -1
                continue
            i_ = nxt
            nxt += 1
            run[s_], t0[s_], start[s_] = i_, 0, g
            P["a_"][s_], P["eta_"][s_], P["eg_"][s_] = A[i_], ETA[i_], EG[i_]
            P["lim_x"][s_], P["lim_dg"][s_], P["hor"][s_] = LX[i_], LDG[i_], H[i_]
            alpha[s_], m[s_], k[s_], gamma[s_] = AL0[i_], M0[i_], K0[i_], G0[i_]
            seen_on[s_], settle[s_] = False, -1
            r_last[s_], k_last[s_] = np.inf, K0[i_]

    def finish(s_, rows, status, stopped_at):
        i_ = run[s_]
        st = {name: _rows(blocks, name, s_, int(start[s_]), rows) for name in _STATE}
        kk = st.pop("k")
        out[i_] = RawRun(_fields(st["alpha"], st["m"], kk, st["gamma"], ETA[i_], EG[i_], A[i_]), kk, None, status,
                         stopped_at)

    load(range(B), 0)
    g = 0  # global step of the stride's first row
    a_, eta_, eg_ = P["a_"], P["eta_"], P["eg_"]
    while (run >= 0).any():
        bi, j0 = divmod(g, BLOCK)
        if j0 == 0:
            live = start[run >= 0].min() // BLOCK
            for old in [b_ for b_ in list(blocks) if b_ < live]:
                del blocks[old]
            if bi - 1 in blocks:  # a full block turns lane-major: a run's rows are then read contiguously
                blocks[bi - 1] = {name: np.ascontiguousarray(v.T) for name, v in blocks[bi - 1].items()}
                blocks[bi - 1]["lane_major"] = True
            blocks[bi] = {name: np.empty((BLOCK, B)) for name in _STATE[:3]}
            blocks[bi]["k"] = np.empty((BLOCK, B), dtype=np.int64)
        buf = blocks[bi]
        ba, bm, bg, bk_ = buf["alpha"], buf["m"], buf["gamma"], buf["k"]
        for j in range(j0, j0 + STRIDE):  # the recurrence only (simulate_reduced's loop body)
            ba[j] = alpha
            bm[j] = m
            bg[j] = gamma
            bk_[j] = k
            scaled = k < 0
            any_scaled = scaled.any()
            bb = np.where(scaled, 0.0, m) if any_scaled else m
            a1, b1, g1, eta_eff, c, N2 = reduced_step(alpha, bb, gamma, eta_, eg_, a_, np.sqrt)
            m = m * (1 - eta_eff * c) if any_scaled else b1  # = b1 on unscaled lanes (the same expression)
            alpha, gamma = a1, g1
            renormalise_array(m, k)
        sl = slice(j0, j0 + STRIDE)
        end, status = _ends(ba[sl], bm[sl], bg[sl], bk_[sl], t0, P, seen_on, settle, r_last, k_last, pilot_margin)
        ended = []
        for s_ in np.flatnonzero((end >= 0) & (run >= 0)):
            e, st_ = int(end[s_]), int(status[s_])
            t = int(t0[s_]) + e
            if st_ == _DIVERGED:
                finish(s_, t, "diverged", t)
            elif st_ == _STOPPED:
                finish(s_, t + 1, "stopped", t)
            else:
                finish(s_, t + 1, "finished", None)
            ended.append(s_)
        t0 += STRIDE
        g += STRIDE
        if ended:
            load(ended, g)
    return out


STRIDE = 64  # steps the lanes advance between evaluations of the ending rules (divides BLOCK)
_STATE = ("alpha", "m", "gamma", "k")  # recorded per step by simulate_lanes
_DIVERGED, _FINISHED, _STOPPED = 0, 1, 2


def _ends(al, mm, gm, kk, t0, P, seen_on, settle, r_last, k_last, pilot_margin):
    """The first row of a stride (arrays [STRIDE, lanes] of the recorded state) at which each lane's run
    ends, and how (−1: it goes on): divergence at row t (``simulate_reduced``'s rule on N², ∂L/∂γ and the
    loss), its horizon, or the pilot rule (a rising step seen before row t, the settle step ``H_t ≤ 2``
    seen at or before t, ``t ≥ settle + margin``, ``t <`` horizon). Updates the pilot state carried to the
    next stride (``seen_on``, ``settle``, ``r_last``, ``k_last``) in place."""
    S, B = al.shape
    a_, hor = P["a_"], P["hor"]
    scaled = kk < 0
    bb = np.where(scaled, 0.0, mm) if scaled.any() else mm
    _, _, _, eta_eff, c, N2 = reduced_step(al, bb, gm, P["eta_"], P["eg_"], a_, np.sqrt)
    dg = gm - a_ * c
    fin = N2 <= OVERFLOW
    ok = fin & ((np.abs(dg) <= P["lim_dg"]) | (((dg * dg + (a_ * a_) * (bb * bb) / N2) / 2) * 2 <= P["lim_x"]))
    t = t0[None, :] + np.arange(S)[:, None]
    done = ok & (t == hor)
    stop = np.zeros((S, B), dtype=bool)
    if pilot_margin is not None:
        # the label of step t − 1 at row t (ρ_t vs ρ_{t−1}, as the edge column compares them); row 0 of a
        # stride compares with the last row of the previous one, a run's row 0 with +inf (never rising)
        pos = al > 0
        r = np.abs(mm) / al
        if not pos.all():
            r[~pos] = np.inf
        r_prev = np.concatenate([r_last[None, :], r[:-1]])
        k_prev = np.concatenate([k_last[None, :], kk[:-1]])
        up = rises(r, kk, r_prev, k_prev)[0] if (kk != k_prev).any() else r > r_prev
        seen = seen_on[None, :] | np.logical_or.accumulate(up & (t > 0), axis=0)
        hit = (eta_eff * a_ / gm <= 2) & (settle < 0)[None, :]
        first_hit = np.where(hit.any(axis=0), np.argmax(hit, axis=0), S)
        st = np.where(settle[None, :] >= 0, settle[None, :],
                      np.where(np.arange(S)[:, None] >= first_hit[None, :], t0[None, :] + first_hit[None, :], -1))
        stop = ok & seen & (st >= 0) & (t >= st + pilot_margin) & (t < hor)
        seen_on[:] = seen[-1]
        settle[:] = st[-1]
        r_last[:], k_last[:] = r[-1], kk[-1]
    ev = ~ok | done | stop
    anyev = ev.any(axis=0)
    end = np.where(anyev, np.argmax(ev, axis=0), -1)
    row = np.maximum(end, 0)
    lanes = np.arange(B)
    status = np.where(~ok[row, lanes], _DIVERGED, np.where(stop[row, lanes], _STOPPED, _FINISHED))
    return end, status


def _fields(alpha, m, k, gamma, eta, eta_g, a) -> dict:
    """The raw record of a run (``_FIELDS``; β as the carried mantissa m) from its recorded state: the
    operations :func:`simulate_lanes` performs at each step, over all rows at once (elementwise, so the
    same bits)."""
    scaled = k < 0
    bb = np.where(scaled, 0.0, m) if scaled.any() else m
    _, _, _, eta_eff, c, N2 = reduced_step(alpha, bb, gamma, np.float64(eta), np.float64(eta_g), np.float64(a),
                                           np.sqrt)
    dg = gamma - np.float64(a) * c
    return dict(alpha=alpha, beta=m, gamma=gamma, wnorm2=N2, eta_eff=eta_eff, cos=c, grad_gamma=dg)


def _rows(blocks, name, s, g0, n):
    """Rows ``g0 … g0 + n − 1`` (global steps) of lane ``s`` (blocks step-major while written, lane-major once full)."""
    parts, g = [], g0
    while g < g0 + n:
        bi, j = divmod(g, BLOCK)
        take = min(BLOCK - j, g0 + n - g)
        blk = blocks[bi]
        parts.append(blk[name][s, j:j + take] if "lane_major" in blk else blk[name][j:j + take, s])
        g += take
    dt = np.int64 if name == "k" else np.float64
    return np.concatenate(parts) if parts else np.empty(0, dtype=dt)


def _prefill(stmt, examples) -> list:
    """Simulate the float64 runs the statement will ask for and register them; returns the
    registered (instance, hyper) pairs. Each example is set up by the pipeline
    (:func:`bnverify.verify.pipeline.prepare`); one whose hypotheses fail or raise is skipped (the
    per-example path decides and records it)."""
    from bnverify.regimes.edges import SETTLE_MARGIN
    from bnverify.verify.kinds import RisingRegimeStatement

    pilot = isinstance(stmt, RisingRegimeStatement)
    lanes = []
    for ex in examples:
        if ex is None:
            continue
        try:  # the pilot runs to the cap under its stopping rule (the primary is a prefix): no constants needed
            p = prepare(stmt, ex, FLOAT64, horizon=not pilot)
            if p.unmet:
                continue
            hp = resolve(ex.hyper, p.instance)  # α_0, β_0 as simulate_reduced starts from them
            lanes.append((p.instance, ex.hyper, hp, hp.alpha0, hp.beta0, int(stmt.cap) if pilot else p.horizon))
        except Exception:  # noqa: BLE001  (decided, and recorded as an error, on the per-example path)
            continue
    if not lanes:
        return []
    cols = list(zip(*lanes))
    insts, hypers, hps = cols[0], cols[1], cols[2]
    runs = simulate_lanes([i.a for i in insts], [i.L_star for i in insts], cols[3], cols[4],
                          [h.gamma0 for h in hps], [h.eta for h in hps], [h.eta_gamma for h in hps], cols[5],
                          pilot_margin=SETTLE_MARGIN if pilot else None)
    for inst, hyper, hp, run in zip(insts, hypers, hps, runs):
        run.hp = hp
        register_known(inst, hyper, run, pin=True)
    return list(zip(insts, hypers))


AUDIT_EVERY = 512  # of the holds a screen clears in a chunk, the tightest and every 512th are also checked


def _audit_sample(cleared: dict, every: int) -> set:
    """The cleared examples (chunk indices) that ``check()`` decides too: the one of smallest
    informative slack and every ``every``-th in order (``every`` ≤ 0: none; 1: all)."""
    if every <= 0 or not cleared:
        return set()
    js = sorted(cleared)
    out = set(js[every - 1::every])
    inf = [j for j in js if cleared[j].informative]
    if inf:
        out.add(min(inf, key=lambda j: cleared[j].slack))
    return out


def decide_many(stmt, examples, backend="float64", stop_at_first: bool = False,
                certify: str = "doubtful", audit_every: int | None = None) -> list[Decision | None]:
    """Decisions for ``examples`` (None entries give None), the same as ``adjudicate.decide`` one by
    one gives with the same ``certify`` policy: the float64 runs simulated in lanes first, then each
    example through ``run_once``; with ``certify="doubtful"`` verdicts that are not doubtful are
    final (*screened*), the others (all of them with ``certify="all"``) are decided by ``adjudicate.decide``.
    ``stop_at_first``: stop after the first ``violated`` decision (the list ends there).

    A statement with a screen (:mod:`bnverify.verify.screen`; ``certify="doubtful"``, float64) first
    streams summaries of every example and clears its comfortable holds without recording a
    trajectory (screened holds, the screen's slack); only the rest are recorded and checked. An
    audit sample of the cleared ones (the tightest, and every ``audit_every``-th, default
    :data:`AUDIT_EVERY`) goes through ``check()`` as well: a disagreement is an ``error`` decision naming the
    example (it fails the campaign)."""
    from bnverify.verify.screen import agree, has_screen, screen_examples

    bk = get_backend(backend)
    every = AUDIT_EVERY if audit_every is None else audit_every
    cleared, share = {}, 0.0
    if certify == "doubtful" and bk is FLOAT64 and has_screen(stmt):
        sr = screen_examples(stmt, examples)
        cleared = sr.cleared
        share = sr.seconds / max(1, sum(e is not None for e in examples))
    audit = _audit_sample(cleared, every)
    rest = [j for j, ex in enumerate(examples) if ex is not None and j not in cleared]
    recorded = dict(zip(rest, _decide_recorded(stmt, [examples[j] for j in rest], bk, stop_at_first, certify)))
    # the audit: decided by check() as the examples it did not clear are
    audited = sorted(audit)
    recorded.update(zip(audited, _decide_recorded(stmt, [examples[j] for j in audited], bk, False, certify)))
    stop = None
    if stop_at_first:
        stop = next((j for j in rest if j in recorded and recorded[j].outcome == "violated"), None)
    name = rung_name(bk.name, stmt.simulator)
    out: list[Decision | None] = []
    for j, ex in enumerate(examples):
        if stop is not None and j > stop:
            break
        if ex is None:
            out.append(None)
        elif j in cleared and j not in audit:
            out.append(Decision(stmt.key, ex, "holds", {name: cleared[j]}, bk.name, share, screened=True,
                                by_screen=True))
        elif j in cleared:
            d = recorded[j]
            ok, why = agree(cleared[j], d.verdicts.get(name))
            AUDIT_COUNTS["agree" if ok else "disagree"] += 1
            if not ok:
                d = Decision(stmt.key, ex, "error", {"screen": cleared[j], **d.verdicts}, bk.name, d.seconds + share,
                             error=f"screen/check disagreement on {ex.short()}: the screen cleared it as holds "
                                   f"(slack {cleared[j].slack!r}) and check() disagrees: {why}\n")
            out.append(d)
        else:
            out.append(recorded[j])
    return out


AUDIT_COUNTS = {"agree": 0, "disagree": 0}  # screen/check() audits in this process (benchmarks, tests)
RECORD_LANES_MIN = 12  # fewer examples than this are recorded by scalar runs, not lanes (a strided lane step costs
# ≈ 30 numpy calls, 30–40 µs, a scalar step of simulate_reduced ≈ 4 µs: a hunt's generation stays scalar, measured)


def _decide_recorded(stmt, examples, bk, stop_at_first, certify) -> list[Decision]:
    """Today's path for ``examples`` (none None): the float64 runs recorded in lanes and registered,
    then each example through ``run_once`` and, where doubtful, ``adjudicate.decide``; stops after the
    first ``violated`` with ``stop_at_first``."""
    out: list[Decision] = []
    if not examples:
        return out
    t0 = time.perf_counter()
    # a handful of runs: each simulated on its own by run_once (a scalar run beats lanes that pay numpy's
    # per-step call overhead up to the longest horizon); the decisions are the same either way
    registered = _prefill(stmt, examples) if len(examples) > RECORD_LANES_MIN else []
    share = (time.perf_counter() - t0) / max(1, len(examples))
    name = rung_name(bk.name, stmt.simulator)
    try:
        for ex in examples:
            t1 = time.perf_counter()
            try:
                v0, _ = run_once(stmt, ex, bk)
            except Exception:  # noqa: BLE001  (decide records the error with its traceback)
                v0 = None
            if v0 is not None and (v0.status == "vacuous" or (certify == "doubtful" and not _doubtful(stmt, v0))):
                out.append(Decision(stmt.key, ex, v0.status, {name: v0}, bk.name,
                                    share + time.perf_counter() - t1, screened=v0.status == "holds"))
            else:
                d = decide(stmt, ex, primary=bk, certify=certify)
                d.seconds += share
                out.append(d)
                if stop_at_first and d.outcome == "violated":
                    break
    finally:
        for inst, hyper in registered:
            forget_known(inst, hyper)
    return out
