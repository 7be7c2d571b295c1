"""The strided lane recorder (``batch.simulate_lanes``, issue 19): every lane's record is bit for bit the
scalar ``simulate_reduced`` run's — with the pilot rule and fixed horizons, strides and blocks made small so
that runs end mid-stride, lanes refill at stride boundaries and full blocks turn lane-major — and
``rising_edges`` (vectorised) finds the edges the step-by-step scan finds."""
import numpy as np
import pytest
from scipy.stats import qmc

from bnverify.numerics.hyper import Hyper
from bnverify.numerics.simulate import _KNOWN, forget_known, simulate_reduced
from bnverify.regimes.edges import Edge, rising_edges
from bnverify.verify import batch
from bnverify.verify.example import Example
from bnverify.verify.kinds import LONG_EDGE_EXAMPLES
from bnverify.verify.registry import load_statement
from bnverify.verify.searchers import _build_point

FIELDS = ("alpha", "beta", "gamma", "wnorm2", "eta_eff", "cos", "grad_gamma")


def _examples(n, seed):
    stmt = load_statement("lemma13.rising_edge_ends@reconstructed-v1")
    space = stmt.space()
    pts = qmc.Sobol(d=space.dim, scramble=True, seed=seed).random(n)
    return [ex for ex in (_build_point(space, u)[1] for u in pts) if ex is not None]


@pytest.mark.parametrize("pilot", [True, False])
def test_strided_lanes_equal_scalar_runs(monkeypatch, pilot):
    monkeypatch.setattr(batch, "BLOCK", 96)
    monkeypatch.setattr(batch, "STRIDE", 16)
    exs = _examples(32, seed=5)
    for pos, H0 in ((3, 1e180), (11, 1e190), (20, 1e200)):  # these diverge (at step 1), between the others
        exs.insert(pos, Example.make("whitened_regression", Hyper(H0=H0, eta_gamma=0.5, gamma0_over_a=0.5,
                                                                  w0_norm=1.0, rho0=0.01), n=12, d=3, a=1.0, seed=1))
    exs.append(LONG_EDGE_EXAMPLES[1])  # β falls below 2^-600: scaled steps (k < 0) inside strides
    insts = [ex.instance() for ex in exs]
    hps = [ex.hyper.resolve(i) for ex, i in zip(exs, insts)]
    hor = [700 if pilot else 37 + 29 * n for n in range(len(exs) - 1)] + [3000]
    runs = batch.simulate_lanes([i.a for i in insts], [i.L_star for i in insts], [hp.alpha0 for hp in hps],
                                [hp.beta0 for hp in hps], [hp.gamma0 for hp in hps], [hp.eta for hp in hps],
                                [hp.eta_gamma for hp in hps], hor, pilot_margin=50 if pilot else None, lanes=7)
    statuses, scaled = set(), False
    for ex, inst, run, h in zip(exs, insts, runs, hor):
        forget_known()
        tr = simulate_reduced(inst, ex.hyper, horizon=h, pilot_margin=50 if pilot else None)
        assert run.status == tr.status and run.stopped_at == tr.stopped_at
        scalar = next(iter(_KNOWN.values()))
        assert len(run) == len(scalar)
        for name in FIELDS:
            assert np.array_equal(run.raw[name], scalar.raw[name], equal_nan=True), name
        assert np.array_equal(run.k, scalar.k)
        statuses.add(run.status)
        scaled |= bool((run.k < 0).any())
    forget_known()
    assert scaled and {"finished", "diverged"} <= statuses and (not pilot or "stopped" in statuses)


def _scan(up, T):
    out, t = [], 0
    while t < T:
        if up[t]:
            s = t
            while t < T and up[t]:
                t += 1
            out.append(Edge(s, t - s, t < T))
        else:
            t += 1
    return out


class _Traj:
    def __init__(self, e):
        self.e, self.T = np.asarray(e, dtype=np.int8), len(e) - 1

    def __getitem__(self, name):
        return self.e


def test_rising_edges_vectorised_equal_scan():
    rng = np.random.default_rng(0)
    for n in [0, 1, 2, 3, 5, 8] * 40 + [200, 3000] * 10:
        e = rng.integers(-1, 2, size=n)
        tr = _Traj(e)
        assert rising_edges(tr) == _scan(tr.e[:max(tr.T, 0)] == 1, tr.T)
