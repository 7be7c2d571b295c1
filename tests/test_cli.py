"""The command line: exit codes 0/1/2, one-line usage errors, check --json → reproduce round
trip, figure section6. Uses a tiny user theorem folder (tests/tiny_theorems: trivially true,
trivially false, never-applicable and broken statements, two mutants) so that nothing depends on the
real statements' runtime."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bnverify.verify import registry
from bnverify.cli import main

TINY = Path(__file__).parent / "tiny_theorems"  # tiny.true / .false / .picky / .broken + 2 mutants

FAST = ["--examples", "2", "--mp-examples", "1", "--workers", "1"]


@pytest.fixture(autouse=True)
def only_user_theorems(tmp_path, monkeypatch):
    """Hide the project's theorems/ folder: the tests see only their tiny folder (fast, and
    independent of statements being edited concurrently)."""
    monkeypatch.setattr(registry, "DEFAULT_DIR", tmp_path / "no-project-theorems")


@pytest.fixture
def tiny(tmp_path):
    return str(shutil.copytree(TINY, tmp_path / "thms"))


def run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_list(tiny, capsys):
    rc, out, err = run(capsys, "list", "--theorems", tiny)
    assert rc == 0 and "tiny.true" in out and "tiny.false" in out and "mutant" not in out
    rc, out, _ = run(capsys, "list", "--theorems", tiny, "--mutants")
    assert rc == 0 and "bound set to -1" in out


def test_check_true_exits_0(tiny, capsys):
    rc, out, err = run(capsys, "check", "tiny.true", "--theorems", tiny, *FAST)
    assert rc == 0, err
    assert "tiny.true@v1" in out and "float64" in out and "mpmath50" in out and "holds" in out


def test_check_false_exits_1_and_json_roundtrips_to_reproduce(tiny, capsys, tmp_path):
    rc, out, err = run(capsys, "check", "tiny.false", "--theorems", tiny, "--json", "--precision", "float64", *FAST)
    assert rc == 1, err
    payload = json.loads(out)
    assert payload["violated"] is True
    (res,) = payload["results"]
    assert res["key"] == "tiny.false@v1" and res["counts"]["violated"] == res["examples"] == 2
    ce = res["counterexamples"][0]
    assert set(ce["example"]) == {"instance", "hyper"}
    # inline JSON of the example …
    rc, out, err = run(capsys, "reproduce", "tiny.false@v1", "--theorems", tiny, "--params", json.dumps(ce["example"]))
    assert rc == 1, err
    assert "float64 primary: outcome VIOLATED" in out and "mpmath primary: outcome VIOLATED" in out
    assert "witness t = 1" in out and "rho" in out  # trajectory rows around the witness
    # … or the whole counterexample record, from a file
    f = tmp_path / "ce.json"
    f.write_text(json.dumps(ce))
    rc, out, _ = run(capsys, "reproduce", "tiny.false", "--theorems", tiny, "--params", str(f))
    assert rc == 1 and "VIOLATED" in out


def test_a_campaign_that_raises_is_reported_not_fatal(tiny, capsys):
    rc, out, err = run(capsys, "check", "tiny.broken", "tiny.true", "--theorems", tiny, "--precision", "float64", *FAST)
    assert rc == 3  # raised: not "violated" (1)
    assert "bug in tiny.broken" in err and "ERROR" in out
    assert "tiny.true@v1" in out  # the other campaign still ran


def test_check_mutant_by_key(tiny, capsys):
    rc, out, _ = run(capsys, "check", "tiny.true@v1+mutant:bound set to -1", "--theorems", tiny,
                     "--precision", "float64", *FAST)
    assert rc == 0 and "caught" in out  # a mutant asked for by key: caught is the expected outcome


@pytest.mark.parametrize("argv, needle", [
    (["check", "no.such.statement"], "unknown id"),
    (["check", "tiny.true", "--precision", "float32"], "invalid choice"),
    (["check", "tiny.true", "--examples", "-1"], "--examples"),
    (["check", "--theorems", "/no/such/folder"], "not a directory"),
    (["reproduce", "tiny.true", "--params", "{not json"], "invalid JSON"),
    (["reproduce", "tiny.true", "--params", '{"instance": {"builder": "nope"}, "hyper": {}}'], "not a valid example"),
    (["reproduce", "no.such", "--params", '{"instance": {}, "hyper": {}}'], "unknown id"),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
])
def test_usage_errors_exit_2_with_one_line(tiny, capsys, argv, needle):
    if argv and argv[0] in ("check", "reproduce") and "--theorems" not in argv:
        argv = [*argv, "--theorems", tiny]
    rc, out, err = run(capsys, *argv)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert needle in lines[0] and "Traceback" not in err


def test_broken_theorem_file_is_an_error_naming_the_file(tmp_path, capsys):
    d = tmp_path / "broken"
    d.mkdir()
    (d / "bad.py").write_text("raise RuntimeError('boom')\n")
    rc, out, err = run(capsys, "list", "--theorems", str(d))
    assert rc == 3 and len(err.strip().splitlines()) == 1 and "boom" in err and "bad.py" in err


def test_help_everywhere_and_module_entry_point():
    for sub in ([], ["list"], ["check"], ["report"], ["reproduce"], ["figure"]):
        with pytest.raises(SystemExit) as e:
            main([*sub, "--help"])
        assert e.value.code == 0
    r = subprocess.run([sys.executable, "-m", "bnverify", "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "reproduce" in r.stdout


def test_figure_section6_writes_png(tmp_path, capsys):
    for loss in ("square", "logistic"):
        rc, out, err = run(capsys, "figure", "section6", "--loss", loss, "--out", str(tmp_path), "--horizon", "40",
                           "--sharpness-every", "10")
        assert rc == 0, err
        png = tmp_path / f"section6_{loss}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_error_line_keeps_the_actionable_end_of_a_long_message(capsys):
    """Issue 21: the column-provenance error's one-line form was cut at 300 characters, mid-sentence
    and inside a backtick span ("… in `trusts`, or use `)"), losing what to do."""
    from bnverify.cli import _exit_status
    from bnverify.report.run import campaign_errors, one_line, run_outcome

    msg = ("bnverify.verify.statement.StatementError: mine.corollary@v1: the reduced recurrence derives "
           + ", ".join(f"`col{i}` from lemma1.decomposition" for i in range(8))
           + ", which the claim does not trust; declare the statements it may rest on in `trusts`, "
             "or use simulator='full' (AUTHORING §3, column provenance)")
    assert len(msg) > 300
    r = {"key": "mine.corollary@v1", "backend": "float64", "mutant": False, "counts": {"error": 1},
         "errors": [{"message": msg, "traceback": "Traceback …\n" + msg, "example": {"x": 1}}]}
    (e,) = campaign_errors(r)
    assert e["message"] == msg
    _exit_status(run_outcome([r]), mutants_count=True, log_path="LOG")
    err = capsys.readouterr().err
    assert "or use simulator='full' (AUTHORING §3, column provenance)); key, example and traceback" in err
    # a message past the limit is cut after a clause, never inside backticks
    cut = one_line(msg, limit=200)
    assert cut.endswith(" …") and len(cut) <= 202 and cut[:-2].count("`") % 2 == 0
    assert msg.startswith(cut[:-2])


def test_check_table_shows_distinct_coverage_and_tightness(tiny, capsys):
    """Issue 21: the table promised by README and AUTHORING §4 — distinct cases, coverage, tightness sup."""
    rc, out, err = run(capsys, "check", "tiny.true", "--theorems", tiny, "--precision", "float64", *FAST)
    assert rc == 0, err
    header = out.splitlines()[0]
    for col in ("distinct", "coverage 1-D/2-D", "min slack", "tightness sup"):
        assert col in header
    row = next(ln for ln in out.splitlines() if ln.startswith("tiny.true@v1"))
    assert "%" in row  # coverage of the declared space


def test_min_slack_is_over_informative_verdicts_as_tightness():
    """Issue 21: Theorem 3's peak bound showed min slack 0 from holds where the bound is attained by
    rho_0 at t = 0 (informative=False), which tightness leaves out; the table's slack now does too."""
    from bnverify.report.run import informative_slack

    recs = [dict(outcome="holds", slack=0.0, final=dict(informative=False)),
            dict(outcome="holds", slack=0.25, final=dict(informative=True)),
            dict(outcome="holds", slack=0.5, final={}),
            dict(outcome="vacuous", slack=None), dict(outcome="holds", slack=float("inf"), final={})]
    assert informative_slack(recs) == (0.25, 1)
    assert informative_slack(recs + [dict(outcome="violated", slack=-0.1, final=dict(informative=False))]) == (-0.1, 1)
    assert informative_slack([]) == (None, 0)


def test_prove_refuses_a_revision_that_inherits_its_parents_claims_in_one_line(tmp_path, capsys):
    """A subclass overriding constants() without region_claims() of its own: exit 2, one line naming the fix
    (it was an InheritedClaims traceback)."""
    d = tmp_path / "mine"
    d.mkdir()
    (d / "peak_v2.py").write_text(
        "from bnverify.theorems.thm3_peak_bound import PeakBound\n\n\n"
        "class PeakBoundV2(PeakBound):\n    version = 'my-v2'\n    derivation = None\n\n"
        "    def constants(self, inst, hyper):\n        return super().constants(inst, hyper)\n\n\n"
        "STATEMENTS = [PeakBoundV2()]\n")
    rc, out, err = run(capsys, "prove", "thm3.peak_bound@my-v2", "--theorems", str(d))
    assert rc == 2 and len(err.strip().splitlines()) == 1, err
    assert "define region_claims() on PeakBoundV2" in err
