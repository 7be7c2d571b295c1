"""Hypothesis strategies for Examples: whitened datasets, initialisations and step sizes.

Building blocks are plain strategies with bounded magnitudes (no NaN, no subnormals); step sizes
are drawn through the headroom ``H_0 = η a²/‖w_0‖²`` and ``ρ_0`` over many decades, so that a
statement's strategy can meet its hypotheses *constructively* (draw ρ_0, then H_0 in the range the
statement needs, then γ_0 in its range) instead of filtering.

:func:`whitened_example` composes them; each keyword is a strategy or a function of the values
already drawn (``dict``) returning a strategy. Draw order: instance, ``w0_norm``, ``rho0``,
``H0``, ``eta_gamma``, ``gamma0_over_a``.
"""
from __future__ import annotations

import math

from hypothesis import strategies as st

from bnverify.verify.example import Example
from bnverify.numerics.hyper import Hyper


def log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    """``10**u`` with ``u`` uniform in ``[log10 lo, log10 hi]`` (many decades, no subnormals)."""
    return st.floats(math.log10(lo), math.log10(hi), allow_nan=False, allow_infinity=False).map(lambda u: 10.0 ** u)


def bounded(lo: float, hi: float, **kw) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False, **kw)


@st.composite
def whitened_instance(draw, d=st.integers(2, 5), extra_n=st.integers(2, 12), labels=st.sampled_from(["real", "pm1"]),
                      a=bounded(0.2, 5.0)):
    """``(builder, kwargs)`` for :func:`bnverify.numerics.instances.whitened_regression` (n ≥ d + 2)."""
    dd = draw(d)
    n = dd + draw(extra_n)
    lab = draw(labels)
    seed = draw(st.integers(0, 2**31 - 1))
    if lab == "pm1":
        # keep a inside (0, a_max): the builder checks the exact bound; 0.5 of the typical max is safe
        kw = dict(n=n, d=dd, labels="pm1", a=draw(bounded(0.05, 0.5)), seed=seed)
    else:
        kw = dict(n=n, d=dd, labels="real", a=draw(a), residual=draw(bounded(0.0, 1.0)), seed=seed)
    return "whitened_regression", kw


def _resolve(spec, drawn, draw):
    if callable(spec) and not isinstance(spec, st.SearchStrategy):
        spec = spec(drawn)
    return draw(spec) if isinstance(spec, st.SearchStrategy) else spec


@st.composite
def whitened_example(draw, *, H0, rho0=log_uniform(1e-8, 0.5), eta_gamma=bounded(0.001, 1.0),
                     gamma0_over_a=bounded(0.01, 1.0), w0_norm=log_uniform(0.1, 10.0),
                     instance=whitened_instance()):
    """An :class:`Example` on a whitened instance; see the module docstring for the order."""
    builder, kw = draw(instance)
    drawn: dict = dict(kw)
    for name, spec in (("w0_norm", w0_norm), ("rho0", rho0), ("H0", H0), ("eta_gamma", eta_gamma),
                       ("gamma0_over_a", gamma0_over_a)):
        drawn[name] = _resolve(spec, drawn, draw)
    hyper = Hyper(H0=drawn["H0"], eta_gamma=drawn["eta_gamma"], gamma0_over_a=drawn["gamma0_over_a"],
                  w0_norm=drawn["w0_norm"], rho0=drawn["rho0"], init_seed=draw(st.integers(0, 2**16)))
    return Example.make(builder, hyper, **kw)
