"""bnverify — theorem-checking numerical verification for BN linear models.

Data flows one way: Instance → simulate(instance, hyper, backend) → Trajectory →
Statement.check → Verdict (re-decided at high precision by the adjudicator) → Campaign → Report.
"""
from bnverify.numerics.backends import FLOAT64, Backend, Float64, Mpmath, get_backend, mpmath_uses_gmpy
from bnverify.numerics.geometry import directional, rho
from bnverify.numerics.hyper import Hyper, initialisation
from bnverify.numerics.instances import (Instance, active_margin_logistic, build, from_arrays, hilbert_section6,
                        separable_logistic, whitened_regression)
from bnverify.numerics.model import LOGISTIC, SQUARE, evaluate, get_loss, hessian, hvp
from bnverify.numerics.simulate import simulate, simulate_reduced, simulate_reduced_batch
from bnverify.numerics.trajectory import Trajectory
from bnverify.regimes.whitened import tau, tau_inv

__all__ = ["FLOAT64", "Backend", "Float64", "Mpmath", "get_backend", "mpmath_uses_gmpy", "directional", "rho",
           "Hyper", "initialisation", "Instance", "active_margin_logistic", "build", "from_arrays",
           "hilbert_section6", "separable_logistic", "whitened_regression", "LOGISTIC", "SQUARE", "evaluate",
           "get_loss", "hessian", "hvp", "simulate", "simulate_reduced", "simulate_reduced_batch", "Trajectory",
           "tau", "tau_inv"]

__version__ = "0.1.0"
