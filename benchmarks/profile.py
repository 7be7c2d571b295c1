"""Where the time of one decided example goes, per family of statements (issue 9, item 1).

For one statement of each family — reduced recurrence (``thm3.peak_bound@reconstructed-v1``),
full-GD whitened (``lemma7.rising_criterion@exact-v1``), logistic
(``lemma4.logistic_loss_upper@reconstructed-v1``) — draw ``--examples`` scrambled Sobol points of
the statement's declared space, build each example (``stmt.space().example(u)``) and decide it
(:func:`bnverify.verify.adjudicate.decide`), with the library's functions wrapped by timers (monkeypatched
here, no library code changed). Phases, exclusive time (a phase's own time minus the phases inside
it):

* ``space build`` — ``Space.example`` (u → values → Example), less the instance builds inside;
* ``instance build`` — ``instances.build`` (wherever called: space build, ``Example.instance``);
* ``hypotheses`` / ``constants`` / ``check`` — the statement's own methods (``constants`` less the
  pilot simulation and instance builds inside it);
* ``pilot simulation`` — a simulation run while computing the constants;
* ``simulation`` — the primary run (``simulate`` / ``simulate_reduced``), columns excluded;
* ``column derivation`` — ``Columns.__missing__`` (ρ, τ, edge … derived on first access);
* ``adjudication ladder`` — every ``run_once`` after the first of a decision (mpmath rungs,
  everything inside them);
* ``other`` — the rest of ``decide`` and the loop.

Counts per example of ``Hyper.resolve``, ``initial_state`` and instance builds are reported (the
hot spots). Then a cProfile of the same loop (top functions by own time). Decided examples/s: the
un-instrumented loop, one run.

    python benchmarks/profile.py [--examples 60] [--only KEY] [--markdown]

A statement that declares no space yet (``Statement.space`` raises ``NotImplementedError``) is
profiled on a stand-in space over its standing hypotheses (:data:`STAND_IN`; noted in the output).
"""
from __future__ import annotations

import os
import sys

# this file is named like the standard library's ``profile`` (which cProfile imports): keep its
# folder off the import path
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections import defaultdict  # noqa: E402

FAMILIES = {
    "reduced recurrence": "thm3.peak_bound@reconstructed-v1",
    "full-GD whitened": "lemma7.rising_criterion@exact-v1",
    "logistic": "lemma4.logistic_loss_upper@reconstructed-v1",
}


def _stand_in(key):
    """A space over the standing hypotheses for a statement that declares none yet."""
    from bnverify.verify.space import Param
    from bnverify.verify.spaces import logistic_space, standing_whitened, whitened_space

    if key.startswith("lemma4."):
        return logistic_space(rho=Param.linear("rho_frac", 0.01, 0.99), x=Param.log("x", 1e-3, 1.0))
    return whitened_space(*standing_whitened(Param.log("H0", 1e-2, 100.0)))


def space_of(stmt):
    try:
        return stmt.space(), "declared"
    except NotImplementedError:
        return _stand_in(stmt.key), "stand-in (statement declares no space yet)"


def points(space, n, seed=0):
    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return qmc.Sobol(d=space.dim, scramble=True, seed=seed).random(n)


# --- the timers ---------------------------------------------------------------------------------
class Timers:
    """A stack of running phases; exclusive time per phase, call counts per name."""

    def __init__(self):
        self.excl = defaultdict(float)
        self.calls = defaultdict(int)
        self.stack = []  # [name, start, child_time]
        self.collapse = 0  # > 0: inside a phase that takes everything nested in it

    def wrap(self, name, fn, label=None):
        timers = self

        def timed(*a, **k):
            timers.calls[name] += 1
            if timers.collapse:
                return fn(*a, **k)
            phase = label(timers) if label else name
            if phase is None:
                return fn(*a, **k)
            coll = phase == "adjudication ladder"
            timers.stack.append([phase, time.perf_counter(), 0.0])
            timers.collapse += coll
            try:
                return fn(*a, **k)
            finally:
                timers.collapse -= coll
                ph, t0, child = timers.stack.pop()
                dt = time.perf_counter() - t0
                timers.excl[ph] += dt - child
                if timers.stack:
                    timers.stack[-1][2] += dt

        timed.__wrapped__ = fn
        return timed

    def parent(self):
        return self.stack[-1][0] if self.stack else None


def _replace_everywhere(orig, new):
    """Point every ``bnverify`` module attribute that is ``orig`` at ``new`` (from-imports too)."""
    for name, mod in list(sys.modules.items()):
        if not (name.startswith("bnverify") and mod is not None):
            continue
        for attr, val in list(vars(mod).items()):
            if val is orig:
                setattr(mod, attr, new)


def instrument(stmt, timers: Timers):
    """Install the timers; returns an undo function."""
    from importlib import import_module

    from bnverify.verify.space import Space

    # import_module: the package re-exports some functions under the modules' names
    adj, hyper, instances, simulate, trajectory, whitened = (
        import_module(f"bnverify.{m}")
        for m in ("adjudicate", "hyper", "instances", "simulate", "trajectory", "whitened"))

    undo = []

    def everywhere(orig, new):
        _replace_everywhere(orig, new)
        undo.append(lambda: _replace_everywhere(new, orig))

    def sim_label(t):
        return "pilot simulation" if t.parent() == "constants" else "simulation"

    for fn in (simulate.simulate, simulate.simulate_reduced):
        everywhere(fn, timers.wrap("simulate", fn, sim_label))
    everywhere(instances.build, timers.wrap("instance build", instances.build))
    everywhere(whitened.initial_state, timers.wrap("initial_state", whitened.initial_state, lambda t: None))

    state = {"runs": 0}

    def run_label(t):
        state["runs"] += 1
        return None if state["runs"] == 1 else "adjudication ladder"

    everywhere(adj.run_once, timers.wrap("run_once", adj.run_once, run_label))
    for cls, meth, name, label in ((hyper.Hyper, "resolve", "Hyper.resolve", lambda t: None),
                                   (trajectory.Columns, "__missing__", "column derivation", None),
                                   (Space, "example", "space build", None)):
        orig = cls.__dict__[meth]
        setattr(cls, meth, timers.wrap(name, orig, label))
        undo.append(lambda cls=cls, meth=meth, orig=orig: setattr(cls, meth, orig))
    for meth, name in (("hypotheses", "hypotheses"), ("all_constants", "constants"), ("decide_check", "check")):
        setattr(stmt, meth, timers.wrap(name, getattr(stmt, meth)))
        undo.append(lambda meth=meth: delattr(stmt, meth))

    def new_example():
        state["runs"] = 0

    def restore():
        for u in reversed(undo):
            u()

    return new_example, restore


PHASES = ("space build", "instance build", "hypotheses", "constants", "pilot simulation", "simulation",
          "column derivation", "check", "adjudication ladder", "other")


def profile_statement(stmt, n, seed=0):
    from bnverify.verify.adjudicate import decide

    timers = Timers()
    new_example, restore = instrument(stmt, timers)  # first: a space may bind builders when declared
    space, how = space_of(stmt)
    us = points(space, n, seed)
    outcomes = defaultdict(int)
    t_all = time.perf_counter()
    try:
        for u in us:
            new_example()
            ex, _ = space.example(u)
            outcomes[decide(stmt, ex).outcome] += 1
    finally:
        restore()
    total = time.perf_counter() - t_all
    timers.excl["other"] = total - sum(v for k, v in timers.excl.items())
    return dict(space=how, n=n, total=total, excl=dict(timers.excl), calls=dict(timers.calls), outcomes=dict(outcomes))


def rate(stmt, n, seed=1):
    """Un-instrumented: decided (holds/violated) examples per second, and draws per second."""
    from bnverify.verify.adjudicate import decide

    space, _ = space_of(stmt)
    us = points(space, n, seed)
    decided = 0
    t0 = time.perf_counter()
    for u in us:
        ex, _ = space.example(u)
        decided += decide(stmt, ex).outcome in ("holds", "violated")
    dt = time.perf_counter() - t0
    return decided / dt, n / dt, decided


def cprofile_top(stmt, n, top=12, seed=2):
    from bnverify.verify.adjudicate import decide

    space, _ = space_of(stmt)
    us = points(space, n, seed)
    pr = cProfile.Profile()
    pr.enable()
    for u in us:
        ex, _ = space.example(u)
        decide(stmt, ex)
    pr.disable()
    st = pstats.Stats(pr)
    rows = []
    for (file, line, func), (cc, nc, tt, ct, _) in st.stats.items():
        rows.append((tt, ct, nc, f"{file.split('/src/')[-1].split('/site-packages/')[-1]}:{line}({func})"))
    rows.sort(reverse=True)
    tot = sum(r[0] for r in rows)
    return [(f"{r[3]}", r[2] / n, 1e3 * r[0] / n, 1e3 * r[1] / n, r[0] / tot) for r in rows[:top]]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--examples", type=int, default=60, help="examples per statement for the breakdown")
    ap.add_argument("--rate-examples", type=int, default=0,
                    help="examples for the examples/s run (default: = --examples)")
    ap.add_argument("--only", action="append", default=[], help="statement key (repeatable)")
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args(argv)
    from bnverify.verify.registry import load

    by_key = {s.key: s for s in load()}
    fams = {f: k for f, k in FAMILIES.items() if not args.only or k in args.only}
    out = io.StringIO()
    p = lambda *a: print(*a, file=out)  # noqa: E731
    for fam, key in fams.items():
        stmt = by_key[key]
        r = profile_statement(stmt, args.examples)
        n = r["n"]
        p(f"\n### {fam}: `{key}` ({r['space']} space; {n} Sobol points, outcomes {r['outcomes']})\n")
        p(f"instrumented: {1e3 * r['total'] / n:.2f} ms per example\n")
        p("| phase | ms per example | share |")
        p("|---|---:|---:|")
        for ph in PHASES:
            v = r["excl"].get(ph, 0.0)
            p(f"| {ph} | {1e3 * v / n:.3f} | {100 * v / r['total']:.1f} % |")
        c = r["calls"]
        p(f"\ncalls per example: Hyper.resolve {c.get('Hyper.resolve', 0) / n:.1f}, initial_state "
          f"{c.get('initial_state', 0) / n:.1f}, instance build {c.get('instance build', 0) / n:.1f}, "
          f"simulations {c.get('simulate', 0) / n:.2f}, run_once {c.get('run_once', 0) / n:.2f}, "
          f"columns derived {c.get('column derivation', 0) / n:.1f}")
        m = args.rate_examples or args.examples
        dps, draws, decided = rate(stmt, m)
        p(f"\nun-instrumented, one run of {m} points on one core: **{dps:.1f} decided examples/s** "
          f"({draws:.1f} draws/s, {decided} decided)")
        p(f"\ncProfile, top {args.top} by own time (per example: calls, own ms, cumulative ms, share of own time):\n")
        p("| function | calls | own ms | cum ms | share |")
        p("|---|---:|---:|---:|---:|")
        for name, calls, own, cum, share in cprofile_top(stmt, min(args.examples, 40), args.top):
            p(f"| `{name}` | {calls:.1f} | {own:.3f} | {cum:.3f} | {100 * share:.1f} % |")
    print(out.getvalue())


if __name__ == "__main__":
    main()
