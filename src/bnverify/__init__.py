"""bnverify — theorem-checking numerical verification for BN linear models.

Data flows one way: Instance → simulate(instance, hyper, backend) → Trajectory →
Statement.check → Verdict (re-decided at high precision by the adjudicator) → Campaign → Report.
"""
from .backends import FLOAT64, Backend, Float64, Mpmath, get_backend, mpmath_uses_gmpy
from .geometry import directional, rho
from .hyper import Hyper, initialisation
from .instances import (Instance, active_margin_logistic, build, from_arrays, hilbert_section6,
                        separable_logistic, whitened_regression)
from .model import LOGISTIC, SQUARE, evaluate, get_loss, hessian, hvp
from .simulate import simulate, simulate_reduced, simulate_reduced_batch
from .trajectory import Trajectory
from .whitened import tau, tau_inv

__version__ = "0.1.0"
