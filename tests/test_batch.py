"""Batch decisions (bnverify.verify.batch) and the floor-free float64 reduced recurrence.

* a lane of the vectorised recurrence is bit for bit the scalar ``simulate_reduced`` run (pilot rule
  and fixed horizons);
* batch decisions equal per-example decisions on a chunk of a real statement's space (same seed);
* the float64 carry β = m·2^k labels every step as the mpmath run does where float64 β underflows.
"""
import numpy as np
import pytest
from scipy.stats import qmc

from bnverify.verify import batch
from bnverify.verify.kinds import LONG_EDGE_EXAMPLES
from bnverify.verify.registry import load_statement
from bnverify.verify.searchers import _build_point, decide_point, decide_points
from bnverify.numerics.simulate import forget_known, simulate_reduced

FIELDS = ("alpha", "beta", "gamma", "wnorm2", "eta_eff", "cos", "grad_gamma")


def _points(stmt, n, seed=0):
    space = stmt.space()
    return space, qmc.Sobol(d=space.dim, scramble=True, seed=seed).random(n)


@pytest.mark.parametrize("pilot", [True, False])
def test_lanes_equal_scalar_runs(pilot):
    stmt = load_statement("thm3.peak_bound@reconstructed-v1")
    space, pts = _points(stmt, 16, seed=3)
    exs = [ex for ex in (_build_point(space, u)[1] for u in pts) if ex is not None]
    insts = [ex.instance() for ex in exs]
    hps = [ex.hyper.resolve(i) for ex, i in zip(exs, insts)]
    init = [(hp.alpha0, hp.beta0) for hp in hps]  # the set-up simulate_reduced starts from
    hor = [4000 if pilot else 300 + 37 * n for n in range(len(exs))]
    runs = batch.simulate_lanes([i.a for i in insts], [i.L_star for i in insts], [x[0] for x in init],
                                [x[1] for x in init], [hp.gamma0 for hp in hps], [hp.eta for hp in hps],
                                [hp.eta_gamma for hp in hps], hor, pilot_margin=50 if pilot else None, lanes=5)
    for ex, inst, run, h in zip(exs, insts, runs, hor):
        forget_known()
        tr = simulate_reduced(inst, ex.hyper, horizon=h, pilot_margin=50 if pilot else None)
        assert run.status == tr.status and run.stopped_at == tr.stopped_at
        assert len(run) == len(tr)
        from bnverify.numerics.simulate import _KNOWN
        scalar = next(iter(_KNOWN.values()))
        for name in FIELDS:
            assert np.array_equal(run.raw[name], scalar.raw[name]), name
        assert np.array_equal(run.k, scalar.k)
    forget_known()


def test_batch_equals_per_example_decisions():
    stmt = load_statement("thm3.peak_bound@reconstructed-v1")
    space, pts = _points(stmt, 16, seed=0)
    got = decide_points(stmt, space, pts, "float64", "sweep", range(16))
    want = [decide_point(stmt, space, u, "float64", "sweep", i) for i, u in enumerate(pts)]
    for a, b in zip(got, want):
        assert set(a) - {"by_screen"} == set(b)  # the batch path says which draws its screen cleared
        assert a["outcome"] == b["outcome"] and a["key"] == b["key"] and a["example"] == b["example"]
        if b["slack"] is None:
            assert a["slack"] is None
        else:
            assert a["slack"] == pytest.approx(b["slack"], rel=1e-8, abs=1e-12)


def test_floor_free_labels_match_mpmath():
    ex = LONG_EDGE_EXAMPLES[1]  # β falls to ~1e-456 before its onset
    inst = ex.instance()
    f64 = simulate_reduced(inst, ex.hyper, horizon=4000)
    mp = simulate_reduced(inst, ex.hyper, horizon=4000, backend="mpmath")
    assert f64.floor_free and f64.beta_scale is not None
    assert float(f64["beta"].min()) == 0.0  # the column is rounded to the float64 range …
    assert np.array_equal(f64["edge"], mp["edge"])  # … the labels are exact
    on = f64.first_onset()
    assert float(f64.rho_exact(on) / mp["rho"][on]) == pytest.approx(1, rel=1e-9)
    # away from the subnormal range the columns are those of the unscaled recurrence
    n = int(np.argmax(f64.beta_scale[1] < 0))
    assert np.array_equal(f64["rho"][:n], np.abs(f64["beta"][:n]) / f64["alpha"][:n])
    forget_known()


def test_order_of_astronomical_bounds():
    from bnverify.regimes.edges import order

    assert order(12345) == "12345"
    assert order(10**5000 + 7) == "~1e5000"  # str() of such an int raises (the 4300-digit limit)


def test_a_unit_that_stops_at_its_first_violation_decides_nothing_after_it():
    """Mutant sweeps (stop at the first violation) must not decide the rest of their batch: with a
    needle tightened to tightness 0 every decided example is violated, so one record comes back."""
    from bnverify.verify.statement import mutant, tightened

    stmt = mutant(load_statement("thm3.peak_bound@reconstructed-v1"), "test: bound tightened to 0",
                  check=tightened(1e-12), pinned=[])
    space, pts = _points(stmt, 8, seed=0)
    recs = decide_points(stmt, space, pts, "float64", "sweep", range(8), stop_at_first=True)
    assert [r["outcome"] for r in recs][-1] == "violated"
    assert sum(r["outcome"] == "violated" for r in recs) == 1 and len(recs) < 8
