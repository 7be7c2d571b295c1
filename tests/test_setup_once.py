"""One set-up per example (issue 12): the hyperparameters are resolved and the initial state
(α_0, β_0, ‖w_0‖) computed once per example and precision, then shared by the hypotheses, the
constants, the simulator (the pilot run too) and the check — counted on one draw of a
reduced-recurrence, a full-GD whitened and a logistic statement."""
from __future__ import annotations

import numpy as np
import pytest

from bnverify.numerics import hyper as H
from bnverify.numerics import simulate as S
from bnverify.verify import example as E
from bnverify.verify.adjudicate import run_once
from bnverify.verify.registry import load_statement

KEYS = ["thm3.peak_bound@reconstructed-v1", "lemma7.rising_criterion@exact-v1",
        "lemma9.alignment_gradient@reconstructed-v1", "thm5.monotone_decrease@reconstructed-v1"]


@pytest.fixture
def fresh(monkeypatch):
    """Empty per-process memos (instances, set-ups, known float64 runs) and zeroed counters."""
    monkeypatch.setattr(H, "_RESOLVED", {})
    monkeypatch.setattr(E, "_INSTANCES", {})
    monkeypatch.setattr(S, "_KNOWN", {})
    monkeypatch.setitem(H.SETUPS, "resolve", 0)
    monkeypatch.setitem(H.SETUPS, "initial_state", 0)


@pytest.mark.parametrize("key", KEYS)
def test_an_example_is_set_up_once_per_precision(key, fresh):
    stmt = load_statement(key)
    space = stmt.space()
    ex = space.build(dict(space.values(np.full(space.dim, 0.37))))
    built = dict(H.SETUPS)  # the space may set the example up to build it (a logistic branch radius)
    v, _ = run_once(stmt, ex, "float64")
    assert v.status in ("holds", "violated", "undecided", "vacuous")
    total = H.SETUPS["resolve"]
    assert total == 1, f"{key}: resolved {total}x (space build {built['resolve']}x)"
    assert H.SETUPS["initial_state"] <= 1
    run_once(stmt, ex, "mpmath30")  # a new precision: one more set-up, and only one
    assert H.SETUPS["resolve"] == 2
