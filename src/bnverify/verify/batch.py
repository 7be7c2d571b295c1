"""Batch decisions for statements on the reduced recurrence (``stmt.simulator == "reduced"``).

A chunk of examples is simulated together: the float64 floor-free recurrence of Lemma 7 (e)
(:func:`bnverify.numerics.simulate.reduced_step`, β carried as ``m·2^k``,
:func:`~bnverify.numerics.simulate.renormalise`)
runs vectorised over *lanes*, one per example, each to its own horizon (or, for statements with a
pilot run, under the pilot's stopping rule), with the divergence rule of ``simulate_reduced``. Every
elementwise operation is the one the scalar loop performs, in the same order, so each lane's
record is bit for bit the scalar run's; it is registered (:func:`bnverify.numerics.simulate.register_known`)
and the statement is then decided **through its own path**: ``adjudicate.run_once`` (hypotheses,
constants, horizon, ``decide_check``) finds its float64 run already simulated and cut to its
horizon. Only doubtful verdicts (``adjudicate._doubtful``) go on to ``adjudicate.decide`` and its
high-precision ladder. One implementation of every check: there is no vectorised copy of any.
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

    Only the state (α, m, γ, k) is recorded per step, in step-major blocks (a step writes one contiguous
    row); the other fields of the record (N², η_eff, c, ∂L/∂γ) are the same elementwise operations of
    ``reduced_step`` evaluated over a finished run's rows (:func:`_fields`): bit for bit the values the
    lanes computed."""
    A, LS, AL0, G0, ETA, EG, H, M0, K0, LX, LDG = lane_inputs(a, L_star, alpha0, beta0, gamma0, eta, eta_g, horizons)
    R = A.size
    B = max(1, min(lanes, R))
    # lane state; run[s] = index of the run in lane s (-1: idle)
    run = np.full(B, -1, dtype=np.int64)
    t_run = np.zeros(B, dtype=np.int64)  # step of the run in each lane
    start = np.zeros(B, dtype=np.int64)  # global step at which the lane's run started
    a_, eta_, eg_, lim_dg = (np.zeros(B) for _ in range(4))
    lim_x = np.zeros(B)
    hor = np.zeros(B, dtype=np.int64)
    alpha, m, gamma = np.ones(B), np.ones(B), np.zeros(B)
    k = np.zeros(B, dtype=np.int64)
    seen_on = np.zeros(B, dtype=bool)
    settle = np.full(B, -1, dtype=np.int64)
    r_prev, k_prev = np.zeros(B), np.zeros(B, dtype=np.int64)
    pilot = pilot_margin is not None
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
            run[s_], t_run[s_], start[s_] = i_, 0, g
            a_[s_], eta_[s_], eg_[s_], lim_x[s_], lim_dg[s_], hor[s_] = A[i_], ETA[i_], EG[i_], LX[i_], LDG[i_], H[i_]
            alpha[s_], m[s_], k[s_], gamma[s_] = AL0[i_], M0[i_], K0[i_], G0[i_]
            seen_on[s_], settle[s_] = False, -1

    def finish(s_, rows, status, stopped_at):
        i_ = run[s_]
        st = {name: _rows(blocks, name, s_, int(start[s_]), rows) for name in _STATE}
        kk = st.pop("k")
        out[i_] = RawRun(_fields(st["alpha"], st["m"], kk, st["gamma"], ETA[i_], EG[i_], A[i_]), kk, None, status,
                         stopped_at)

    load(range(B), 0)
    g = 0  # global step
    while (run >= 0).any():
        bi, j = divmod(g, BLOCK)
        if j == 0:
            buf = {name: np.empty((BLOCK, B)) for name in _STATE[:3]}
            buf["k"] = np.empty((BLOCK, B), dtype=np.int64)
            blocks[bi] = buf
            live = start[run >= 0].min() // BLOCK
            for old in [b_ for b_ in list(blocks) if b_ < live]:
                del blocks[old]
        buf = blocks[bi]
        active = run >= 0
        scaled = k < 0
        any_scaled = scaled.any()
        bb = np.where(scaled, 0.0, m) if any_scaled else m
        a1, b1, g1, eta_eff, c, N2 = reduced_step(alpha, bb, gamma, eta_, eg_, a_, np.sqrt)
        m1 = m * (1 - eta_eff * c) if any_scaled else b1  # = b1 on unscaled lanes (the same expression)
        dg = gamma - a_ * c
        fin = N2 <= OVERFLOW
        ok = fin & (np.abs(dg) <= lim_dg)
        ok &= active
        if not (ok == active).all():  # the second clause of the divergence rule, where the first fails
            ok |= active & fin & (((dg * dg + (a_ * a_) * (bb * bb) / N2) / 2) * 2 <= lim_x)
        buf["alpha"][j] = alpha
        buf["m"][j] = m
        buf["gamma"][j] = gamma
        buf["k"][j] = k
        bad = active & ~ok
        done = ok & (hor == t_run)
        stop = None
        if pilot:
            # label of step t − 1 (ρ_t vs ρ_{t−1}, as the edge column compares them) until the onset
            r_t = np.abs(m) / alpha
            pos = alpha > 0
            if not pos.all():
                r_t[~pos] = np.inf
            if (k != k_prev).any():
                up = rises(r_t, k, r_prev, k_prev)[0]
            else:
                up = r_t > r_prev
            seen_on |= up & (t_run > 0)
            r_prev, k_prev = r_t, k.copy()
            unsettled = settle < 0
            if unsettled.any():
                new_settle = unsettled & (eta_eff * a_ / gamma <= 2)
                if new_settle.any():
                    settle[new_settle] = t_run[new_settle]
            if seen_on.any():
                stop = ok & seen_on & (settle >= 0) & (t_run >= settle + pilot_margin) & (t_run < hor)
                done |= stop
        ended = []
        if bad.any() or done.any():
            for s_ in np.flatnonzero(bad):
                finish(s_, int(t_run[s_]), "diverged", int(t_run[s_]))
                ended.append(s_)
            for s_ in np.flatnonzero(done):
                if stop is not None and stop[s_]:
                    finish(s_, int(t_run[s_]) + 1, "stopped", int(t_run[s_]))
                else:
                    finish(s_, int(t_run[s_]) + 1, "finished", None)
                ended.append(s_)
        alpha, m, gamma = a1, m1, g1
        renormalise_array(m, k)
        t_run += 1
        g += 1
        if ended:
            load(ended, g)
    return out


_STATE = ("alpha", "m", "gamma", "k")  # recorded per step by simulate_lanes


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
    """Rows ``g0 … g0 + n − 1`` (global steps) of lane ``s``."""
    parts, g = [], g0
    while g < g0 + n:
        bi, j = divmod(g, BLOCK)
        take = min(BLOCK - j, g0 + n - g)
        parts.append(blocks[bi][name][j:j + take, s])
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
RECORD_LANES_MIN = 12  # fewer examples than this are recorded by scalar runs, not lanes


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
