"""The float64 fast path of the model (`model.evaluate_float64`, used by `evaluate` and `simulate` in float64)
is the backend's generic arithmetic without its dispatch: the same operations in the same order, so the same
bits. The generic path runs for any backend that is not exactly `Float64` — a subclass is one."""
import numpy as np
import pytest

from bnverify.numerics.backends import Float64
from bnverify.numerics.model import LOGISTIC, SQUARE, evaluate, evaluate_float64


class _GenericFloat64(Float64):
    """float64 through the backend's generic path (the dispatch `evaluate` skips for `Float64` itself)."""


@pytest.mark.parametrize("loss", [SQUARE, LOGISTIC], ids=lambda l: l.name)
def test_the_float64_fast_path_gives_the_generic_paths_bits(loss):
    rng = np.random.default_rng(20261208)
    generic = _GenericFloat64()
    for _ in range(400):
        n, d = rng.integers(2, 9), rng.integers(1, 7)
        X = rng.standard_normal((n, d)) * 10.0 ** rng.uniform(-3, 3)
        y = np.sign(rng.standard_normal(n)) if loss is LOGISTIC else rng.standard_normal(n)
        w = rng.standard_normal(d) * 10.0 ** rng.uniform(-4, 4)
        gamma = float(rng.standard_normal() * 10.0 ** rng.uniform(-3, 3))
        fast = evaluate_float64(X, y, w, gamma, loss.name)
        slow = evaluate(X, y, w, gamma, loss, generic)
        assert fast.loss == slow.loss or (np.isnan(fast.loss) and np.isnan(slow.loss))
        assert np.array_equal(fast.grad_w, slow.grad_w, equal_nan=True)
        assert fast.grad_gamma == slow.grad_gamma or (np.isnan(fast.grad_gamma) and np.isnan(slow.grad_gamma))
