"""Numeric backends: the arithmetic every formula in bnverify is written against (one vocabulary,
:class:`~.base.Backend`), in the shape of mpmath's contexts:

* ``FLOAT64`` (:mod:`.float64`) — numpy ``float64`` arrays; rounding unit 2**-53.
* ``Mpmath(dps)`` (:mod:`.mp`) — numpy ``object`` arrays of ``mpf`` from a private mpmath context.
* ``Arb(bits)`` (:mod:`.arb`) — ball arithmetic: object arrays of :class:`~.ball.Ball`, comparisons
  the balls cannot settle raise :class:`~.ball.Uncertain`.
* :func:`~.audit.float_audit` (:mod:`.audit`) — which ``float()`` of a ball may have decided something.

:func:`get_backend` turns a spec (``'float64'``, ``'mpmath100'``, ``'arb256'``, digits) into a backend.
Outside a function's domain every arithmetic raises the same errors (:mod:`.base`).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .arb import Arb
from .audit import float_audit
from .ball import Ball, Uncertain, argmax, argmin, flint_precision, midpoint
from .base import Backend, DomainError
from .float64 import FLOAT64, Float64
from .mp import MAX_DPS, Mpmath, mpmath_uses_gmpy

__all__ = ["Backend", "Float64", "Mpmath", "FLOAT64", "get_backend", "mpmath_uses_gmpy", "MAX_DPS",
           "Arb", "Ball", "Uncertain", "DomainError", "flint_precision", "float_audit", "midpoint",
           "argmax", "argmin"]


@lru_cache(maxsize=None)
def _mpmath(dps: int) -> Mpmath:
    return Mpmath(dps)


@lru_cache(maxsize=None)
def _arb(bits: int) -> Arb:
    return Arb(bits)


def get_backend(spec) -> Backend:
    """``'float64'``, ``'mpmath'`` (50 digits), ``'mpmath100'``, an int (digits), ``'arb'`` (balls,
    128 bits), ``'arb256'`` (bits) or a Backend."""
    if isinstance(spec, Backend):
        return spec
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, (bool, np.bool_)):
        if not 16 <= spec <= MAX_DPS:
            raise ValueError(f"backend: mpmath digits must be in [16, {MAX_DPS}], got {spec}")
        return _mpmath(int(spec))
    if isinstance(spec, str):
        s = spec.strip().lower()
        if s in ("float64", "f64", "double"):
            return FLOAT64
        if s.startswith("arb"):  # ball arithmetic: 'arb' (128 bits), 'arb256', 'arb:512'
            bits = s.removeprefix("arb").lstrip(":@") or "128"
            if bits.isdigit():
                return _arb(int(bits))
        if s.startswith("mpmath") or s.startswith("mp"):
            digits = s.removeprefix("mpmath").removeprefix("mp").lstrip(":@") or "50"
            if digits.isdigit() and digits.isascii():
                if not 16 <= int(digits) <= MAX_DPS:
                    raise ValueError(f"backend: mpmath digits must be in [16, {MAX_DPS}], got {spec!r}")
                return _mpmath(int(digits))
    raise ValueError(
        f"backend: unknown spec {spec!r}; use 'float64', 'mpmath', 'mpmath<digits>', 'arb<bits>' or an int"
    )
