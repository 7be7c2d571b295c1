"""Arb.matmul (issue 19) gives the balls ``@`` gives through Ball's operators, bit for bit."""
import numpy as np
import pytest

from bnverify.numerics.backends import get_backend


@pytest.mark.parametrize("bits", [128, 256])
def test_matmul_same_balls(bits):
    bk = get_backend(f"arb{bits}")
    rng = np.random.default_rng(bits)

    def balls(shape):
        a = np.empty(shape, dtype=object)
        for i in np.ndindex(shape):
            a[i] = bk.scalar(float(rng.normal())) / 3 + bk.sqrt(bk.scalar(2)) * float(rng.normal())
        return a

    X, w, r = balls((5, 11)), balls((11,)), balls((5,))
    for A, B in ((X, w), (X.T, r), (r, r), (w, w), (X, X.T)):
        ref, got = A @ B, bk.matmul(A, B)
        for x, y in zip(np.atleast_1d(ref).flat, np.atleast_1d(got).flat):
            assert type(x) is type(y)
            assert x.v.mid() == y.v.mid() and x.v.rad() == y.v.rad()
    mixed = np.array([1.5, bk.scalar(2)], dtype=object)
    assert (bk.matmul(mixed, mixed)).v.mid() == (mixed @ mixed).v.mid()
