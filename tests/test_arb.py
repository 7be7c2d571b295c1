"""Ball arithmetic (backends.Arb) and per-example certificates (certify.py).

Checks: the Arb backend speaks the same vocabulary as mpmath — the model, full GD and the reduced
recurrence run unchanged on it, and mpmath at higher precision lands inside every ball; the
comparisons are three-valued (Uncertain on overlapping balls, never a silent decision through
float, bool or int); the linear algebra encloses mpmath's answers; flint's global precision does
not leak out of certify; certify proves a shipped statement and a violation of its mutant on one
example, and refuses to certify a check that decides through float().
"""
import math
import pickle

import flint
import numpy as np
import pytest

from bnverify import Hyper, simulate, simulate_reduced, whitened_regression
from bnverify.verify import registry
from bnverify.numerics.backends import Arb, Ball, Uncertain, flint_precision, get_backend
from bnverify.verify.certify import certify
from bnverify.verify.example import Example
from bnverify.numerics.linalg import eigvalsh, orthonormal_columns, solve
from bnverify.numerics.model import evaluate
from bnverify.verify.statement import REDUCTION, Statement

MP = 100  # digits of the mpmath reference (far tighter than a 256-bit ball)
HYPER = Hyper(H0=2.3, eta_gamma=0.02, gamma0_over_a=0.05, w0_norm=1.0, rho0=0.01)


def _inside(ball, mp_value) -> bool:
    return isinstance(ball, Ball) and ball.contains(mp_value)


@pytest.fixture(scope="module")
def pair():
    return (whitened_regression(n=12, d=3, seed=1, backend="arb256"),
            whitened_regression(n=12, d=3, seed=1, backend=MP))


@pytest.mark.parametrize("spec,bits", [("arb", 128), ("arb256", 256), ("ARB:512", 512), ("arb@1024", 1024)])
def test_get_backend_arb_specs(spec, bits):
    bk = get_backend(spec)
    assert isinstance(bk, Arb) and bk.bits == bits and bk.name == f"arb{bits}" and bk.dtype is object
    assert bk.eps == 2.0 ** -bits and bk.dps == int(bits * math.log10(2))
    assert get_backend(spec) is bk


@pytest.mark.parametrize("bits", [52, 0, -3, 128.0, True, "128"])
def test_arb_rejects_bad_precision(bits):
    with pytest.raises(ValueError, match="bits"):
        Arb(bits)


def test_float64_inputs_are_exact_and_operands_mix():
    bk = get_backend("arb")
    x = bk.asarray(np.array([0.1, 1e-300, -2.5]))
    assert all(b.v.is_exact() for b in x)
    assert x[0] == 0.1 and x[1] == 1e-300  # the binary numbers, exactly
    third = bk.scalar(1) / 3
    for other in (2, 2.0, np.float64(2.0), np.int64(2)):
        assert isinstance(third * other, Ball) and isinstance(other * third, Ball)
    assert (third * 3).contains(1) and ((np.float64(1) - third) * 3).contains(2)


def test_comparisons_are_three_valued():
    bk = get_backend("arb")
    third = bk.scalar(1) / 3
    other = bk.scalar(2) / 6  # the same number along another path: the balls overlap
    assert third < 0.34 and third > 0.33 and not (third > 0.34) and third != 0.5
    for op in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
        with pytest.raises(Uncertain):
            getattr(third, op)(other)
    assert issubclass(Uncertain, ArithmeticError)
    assert bk.scalar(2) == 2 and bk.scalar(0) == 0  # exact balls compare exactly


def test_no_silent_decisions_through_bool_int_index():
    bk = get_backend("arb")
    tiny = bk.scalar(1) / 3 - bk.scalar(2) / 6  # contains 0 and other numbers
    with pytest.raises(Uncertain):
        bool(tiny)
    assert bool(bk.scalar(0)) is False and bool(bk.scalar(1) / 3) is True
    near_int = bk.scalar(3) * (bk.scalar(1) / 3)  # straddles 1
    for f in (int, math.floor, math.ceil):
        with pytest.raises(Uncertain):
            f(near_int)
    assert round(near_int) == 1  # every point rounds to 1
    with pytest.raises(Uncertain):
        round(bk.scalar(3) * (bk.scalar(1) / 6))  # straddles 1/2
    assert int(bk.scalar(10) / 3) == 3 and math.ceil(bk.scalar(10) / 3) == 4 and int(-bk.scalar(10) / 3) == -3
    with pytest.raises(Uncertain):
        [1, 2, 3][bk.scalar(1) / 3]  # __index__ needs an exact integer
    assert [1, 2, 3][bk.scalar(2)] == 3
    with pytest.raises(Uncertain):
        bk.isfinite(bk.scalar(flint.arb(0, flint.arb.pos_inf())))  # infinite radius says nothing
    assert bk.isfinite(bk.inf) is False and bk.inf > 1e300


def test_powers_and_sqrt_across_zero():
    bk = get_backend("arb")
    z = (bk.scalar(1) / 3 - bk.scalar(2) / 6) * 1e-20
    assert (z ** 2).contains(0) and (z ** 2).v.lower() >= 0  # not nan, never negative
    assert bk.sqrt(z * z).contains(0) and bk.sqrt(z * z).is_finite()
    assert (bk.scalar(-2) ** 3) == -8 and ((bk.scalar(2) ** 0.5) ** 2).contains(2)


def test_pickle_round_trip_keeps_the_ball():
    bk = get_backend("arb256")
    x = bk.scalar(1) / 7
    y = pickle.loads(pickle.dumps(x))
    # same midpoint; the radius may be rounded up by one ulp of arb's 30-bit radius type
    assert type(y) is type(x) and y.v.mid() == x.v.mid() and y.contains(x) and y.rad() <= x.rad() * (1 + 1e-8)


def test_flint_precision_is_restored():
    before = flint.ctx.prec
    with flint_precision(300):
        assert flint.ctx.prec == 300
        get_backend("arb1024").scalar(1) / 3
    assert flint.ctx.prec == before


def test_instance_and_model_enclose_mpmath(pair):
    ib, im = pair
    for name in ("a", "L_star", "lam_min", "lam_max"):
        assert _inside(getattr(ib, name), getattr(im, name)), name
    assert all(_inside(b, m) for b, m in zip(ib.X.flat, im.X.flat))
    hb, hm = HYPER.resolve(ib), HYPER.resolve(im)
    eb = evaluate(ib.X, ib.y, hb.w0, hb.gamma0, ib.loss, ib.backend)
    em = evaluate(im.X, im.y, hm.w0, hm.gamma0, im.loss, im.backend)
    assert _inside(eb.loss, em.loss) and _inside(eb.grad_gamma, em.grad_gamma)
    assert all(_inside(b, m) for b, m in zip(eb.grad_w, em.grad_w))
    assert abs(eb.loss.mid() - float(em.loss)) <= eb.loss.rad() + 1e-90


def test_logistic_model_encloses_mpmath():
    bk, mp = get_backend("arb256"), get_backend(MP)
    rng = np.random.default_rng(3)
    X, y, w = rng.standard_normal((10, 4)), np.where(rng.random(10) < 0.5, -1.0, 1.0), rng.standard_normal(4)
    from bnverify.numerics.model import LOGISTIC

    for gamma in (0.7, 40.0):  # 40: margins far in the tails of the softplus
        eb = evaluate(bk.asarray(X), bk.asarray(y), bk.asarray(w), bk.scalar(gamma), LOGISTIC, bk)
        em = evaluate(mp.asarray(X), mp.asarray(y), mp.asarray(w), mp.scalar(gamma), LOGISTIC, mp)
        assert _inside(eb.loss, em.loss) and all(_inside(b, m) for b, m in zip(eb.grad_w, em.grad_w))


def test_full_gd_encloses_mpmath(pair):
    ib, im = pair
    tb = simulate(ib, HYPER, horizon=25)
    tm = simulate(im, HYPER, horizon=25)
    assert tb.status == tm.status == "finished" and tb.backend.name == "arb256"
    for col in ("loss", "alpha", "beta", "rho", "gamma", "eta_eff", "tau", "grad_w_norm"):
        assert all(_inside(b, m) for b, m in zip(tb[col], tm[col])), col
    assert np.array_equal(tb["edge"], tm["edge"])


def test_reduced_recurrence_encloses_mpmath(pair):
    ib, im = pair
    tb = simulate_reduced(ib, HYPER, horizon=400)
    tm = simulate_reduced(im, HYPER, horizon=400)
    for col in ("alpha", "beta", "rho", "gamma", "loss", "excess", "grad_w_norm"):
        assert all(_inside(b, m) for b, m in zip(tb[col], tm[col])), col
    assert np.array_equal(tb["edge"], tm["edge"]) and tb.first_onset() == tm.first_onset()
    assert tb.rho_floor == 0.0  # balls carry their rounding error: no floor


def test_reduced_recurrence_balls_stay_tight_over_long_horizons():
    """The γ update on balls is the convex combination (1 − η_γ)γ + η_γ a c: the radius does not
    grow with t (with γ + η_γ(a c − γ) it grew by log2(1 + η_γ) bits per step: 223 steps at 128 bits
    here)."""
    hyper = Hyper(H0=1.5, eta_gamma=0.5, gamma0_over_a=0.5, w0_norm=1.0, rho0=0.1)
    inst = whitened_regression(n=12, d=3, seed=1, backend="arb128")
    tb = simulate_reduced(inst, hyper, horizon=5000)
    tm = simulate_reduced(inst.at(MP), hyper, horizon=5000)
    assert tb.status == "finished" and _inside(tb["rho"][-1], tm["rho"][-1])
    rho = tb["rho"][-1].v  # ~1e-1550: below the float64 range, so the relative radius is taken in arb
    assert tb["gamma"][-1].rad() < 2.0 ** -100 and rho.rad() / rho.mid() < 2.0 ** -80
    assert np.array_equal(tb["edge"], tm["edge"])


def test_linalg_encloses_mpmath():
    rng = np.random.default_rng(5)
    A = rng.standard_normal((7, 4))
    S = A.T @ A
    bk, mp = get_backend("arb256"), get_backend(MP)
    Qb, Qm = orthonormal_columns(bk.asarray(A), bk), orthonormal_columns(mp.asarray(A), mp)
    assert all(_inside(b, m) for b, m in zip(Qb.flat, Qm.flat))
    xb, xm = solve(bk.asarray(S), bk.asarray(A[0]), bk), solve(mp.asarray(S), mp.asarray(A[0]), mp)
    assert all(_inside(b, m) for b, m in zip(xb, xm))
    eb, em = eigvalsh(bk.asarray(S), bk), eigvalsh(mp.asarray(S), mp)
    assert all(_inside(b, m) and b.rad() < 1e-60 for b, m in zip(eb, em))
    # repeated eigenvalues (Σ = I of a whitened instance) are enclosed too
    assert all(_inside(b, 1) for b in eigvalsh(bk.asarray(np.eye(3)), bk))
    with pytest.raises(ValueError, match="full column rank"):
        orthonormal_columns(bk.asarray(np.ones((4, 2))), bk)


# --- certificates ----------------------------------------------------------------------------------
STATEMENTS = {s.key: s for s in registry.shipped() + registry.shipped(mutants=True)}
ONSET = "thm2.delayed_onset@reconstructed-v1"
ONSET_EX = Example.make("whitened_regression", HYPER, n=12, d=3, a=1.0, seed=1)


def test_certify_proves_a_true_statement():
    c = certify(STATEMENTS[ONSET], ONSET_EX)
    assert c.status == "holds" and c.bits == 128 and c.certified, c.reason
    assert c.verdict.status == "holds" and c.verdict.backend == "arb128" and not c.float_sites


def test_certify_proves_a_mutant_violated():
    c = certify(STATEMENTS[ONSET + "+mutant:T1 halved"], ONSET_EX)
    assert c.status == "violated" and c.bits == 128, c.reason


def test_certify_vacuous_and_flint_precision_restored():
    before = flint.ctx.prec
    ex = Example.make("whitened_regression", Hyper(H0=2.5, eta_gamma=0.1, gamma0_over_a=0.2, w0_norm=1.0,
                                                   rho0=0.05), n=12, d=3, a=1.0, seed=1)
    c = certify(STATEMENTS[ONSET], ex)
    assert c.status == "vacuous" and c.verdict.unmet
    assert flint.ctx.prec == before


class _FloatDecided(Statement):
    """A check that compares a midpoint: certify must not certify it."""

    id, version, simulator = "test.float_decided", "v1", "reduced"
    trusts = (REDUCTION,)  # column provenance: ρ is Lemma 7's recurrence (checked on the ball rung too)

    def horizon(self, inst, hyper, c):
        return 5

    def check(self, traj, c):
        rho = float(traj["rho"][3])  # the decision below is on the midpoint
        return self.holds(traj, message=f"rho_3 = {float(traj['rho'][3]):.3g}") if rho < 1 else self.violated(traj)


class _UncertainEverywhere(_FloatDecided):
    """A check that asks a question no precision settles (ρ_3 against itself along another path)."""

    def check(self, traj, c):
        r = traj["rho"][3]
        return self.holds(traj) if r * 3 / 3 >= r else self.violated(traj)


def test_certify_refuses_float_decisions_and_reports_uncertain():
    c = certify(_FloatDecided(), ONSET_EX)
    assert c.status == "undecided" and c.verdict.status == "holds"
    assert c.float_sites and all("test_arb.py" in s for s in c.float_sites) and len(c.float_sites) == 1
    u = certify(_UncertainEverywhere(), ONSET_EX, bits=(128, 256))
    assert u.status == "undecided" and u.verdict is None and set(u.rungs) == {128, 256}
    assert "Uncertain" in u.reason and "test_arb.py" in u.reason


@pytest.mark.parametrize("bits", [(), (128, 128), (256, 128), (40,), ("128",)])
def test_certify_rejects_bad_ladders(bits):
    with pytest.raises(ValueError, match="bits"):
        certify(STATEMENTS[ONSET], ONSET_EX, bits=bits)
