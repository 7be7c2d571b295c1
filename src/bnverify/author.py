"""The author's face: everything a statement file needs, in one import (docs/AUTHORING.md §0 lists
it; tests/test_docs.py checks that ``__all__`` is exactly that list).

    from bnverify.author import Statement, mutant, whitened_full_space, whitened_hypotheses, argmax
"""
from bnverify.numerics.backends import Uncertain, argmax, argmin, midpoint
from bnverify.numerics.hyper import Hyper
from bnverify.numerics.interval import DUAL, Dual, Interval, centred
from bnverify.regimes.edges import ratio_max
from bnverify.regimes.logistic import assumption1, assumption2, assumption3, assumption4
from bnverify.regimes.whitened import initial_state, step_factors, tau, tau_inv, whitened_hypotheses
from bnverify.verify.example import Example
from bnverify.verify.region import BK, RegionClaim, whitened_step_example
from bnverify.verify.space import Param, Space
from bnverify.verify.spaces import (pointwise_logistic_space, standing_whitened, union_space, whitened_full_space,
                                    whitened_space)
from bnverify.verify.statement import (DECOMPOSITION, REDUCTION, Statement, Verdict, details, mutant, scaled, tightened,
                                       undecided_if_diverged)
from bnverify.verify.step_claims import any_of

__all__ = [
    # the statement format (AUTHORING §1, §2, §5, §8)
    "Statement", "Verdict", "mutant", "scaled", "tightened", "undecided_if_diverged", "details",
    # column provenance: what a claim may trust (§3)
    "REDUCTION", "DECOMPOSITION",
    # the space (§4)
    "Param", "Space", "whitened_space", "whitened_full_space", "standing_whitened", "pointwise_logistic_space",
    "union_space",
    # examples (§7)
    "Example", "Hyper",
    # the theory's helpers (§3)
    "initial_state", "whitened_hypotheses", "tau", "tau_inv", "ratio_max",
    "assumption1", "assumption2", "assumption3", "assumption4",
    # backend numbers (§3, §5)
    "argmax", "argmin", "midpoint", "Uncertain",
    # region claims (§11)
    "RegionClaim", "whitened_step_example", "BK", "Interval", "centred", "Dual", "DUAL", "step_factors", "any_of",
]
