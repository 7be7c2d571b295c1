"""A true statement is never reported violated: a violation counts only when its excess survives
precision (issue: a newcomer's γ_t ≤ a was "confirmed violated" by slacks −4.4e-16, −1.3e-51,
−2.1e-101 — rounding, shrinking like eps). Also: the authoring guide's worked example runs from a
folder outside the repository, green, with its mutant caught."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bnverify.verify import registry
from bnverify.verify.adjudicate import decide, survives_precision
from bnverify.verify.example import Example
from bnverify.verify.statement import Verdict

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
ISSUE_EXAMPLE = {"hyper": {"H0": 4.0, "eta_gamma": 1.0, "gamma0_over_a": 1.0, "init_seed": 0, "rho0": 0.001,
                           "w0_norm": 1.0},
                 "instance": {"a": 1.0, "builder": "whitened_regression", "d": 3, "n": 12, "seed": 1}}


def _gamma_statement():
    stmts = registry.load([EXAMPLES])
    return next(s for s in stmts if s.id == "mine.gamma_below_a"), \
        next(m for m in registry.load([EXAMPLES], mutants=True) if m.mutant_of == "mine.gamma_below_a@v1")


@pytest.mark.parametrize("example", [ISSUE_EXAMPLE,  # the issue's example (η_γ = 1: γ_{t+1} = a cos θ_t → a)
                                     {**ISSUE_EXAMPLE, "hyper": {**ISSUE_EXAMPLE["hyper"], "H0": 1.5, "rho0": 1e-6}}])
def test_rounding_excess_is_never_a_violation_for_either_primary(example):
    stmt, _ = _gamma_statement()
    ex = Example.from_dict(example)
    outcomes = {p: decide(stmt, ex, primary=p).outcome for p in ("float64", "mpmath")}
    assert "violated" not in outcomes.values(), outcomes
    assert len(set(outcomes.values())) == 1, f"the two primaries disagree: {outcomes}"


def test_the_worked_example_mutant_is_still_caught_on_the_same_example():
    _, mut = _gamma_statement()
    d = decide(mut, Example.from_dict(ISSUE_EXAMPLE))
    assert d.outcome == "violated", d.to_dict()


def _v(slack, bound=1.0, observed=None):
    return Verdict("violated", observed=observed if observed is not None else bound * (1 - slack), bound=bound,
                   slack=slack)


def test_survives_precision_rule():
    assert not survives_precision(_v(-1.3e-51), _v(-2.1e-101), 1e-49, 1e-99)  # shrinks like eps
    assert survives_precision(_v(-0.3), _v(-0.3000001), 1e-49, 1e-99)  # a property of the mathematics
    assert not survives_precision(_v(-1e-60), _v(-0.5e-60), 1e-49, 1e-99)  # below both rungs' rounding reach
    assert survives_precision(Verdict("violated"), Verdict("violated"), 1e-49, 1e-99)  # no slack: agreement


def test_identity_mutant_excess_is_precision_independent():
    """An identity's relative slack is measured against K·eps, so it grows with the precision; its
    *excess* (error − tolerance) stays 1e-11: the mutant is confirmed."""
    lo = Verdict("violated", observed=1e-11, bound=256 * 1e-49, slack=(256e-49 - 1e-11) / 256e-49)
    hi = Verdict("violated", observed=1e-11, bound=256 * 1e-99, slack=(256e-99 - 1e-11) / 256e-99)
    assert survives_precision(lo, hi, 1e-49, 1e-99)


def test_worked_example_from_a_folder_outside_the_repository(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    shutil.copy(EXAMPLES / "gamma_below_a.py", mine / "gamma_below_a.py")
    run = lambda *a: subprocess.run([sys.executable, "-m", "bnverify", *a], cwd=tmp_path, capture_output=True,  # noqa: E731
                                    text=True, timeout=600)
    ok = run("check", "mine.gamma_below_a", "--theorems", "mine", "--examples", "8", "--precision", "float64",
             "--workers", "1")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    caught = run("check", "mine.gamma_below_a@v1+mutant:gamma_t <= 0.9 a", "--theorems", "mine", "--examples", "8",
                 "--precision", "float64", "--workers", "1")
    assert caught.returncode == 0 and "caught" in caught.stdout, caught.stdout + caught.stderr
