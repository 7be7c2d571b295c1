"""The report: a tiny run (2 float64 / 1 mpmath examples, a tiny user theorem folder, short
figure horizons) writes every section, every figure (non-empty PNG) and one page per statement
with its counterexamples and reproduce lines; an interrupted run leaves the previous report
intact; the phase-diagram T_1 scan agrees with its definition."""
import json
import shlex
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from bnverify.verify import registry
from bnverify.cli import main
from bnverify.report import build as B
from bnverify.report import figures as F
from bnverify.report import markdown as M
from bnverify.report.tables import sanitise

TINY = Path(__file__).parent / "tiny_theorems"  # tiny.true / .false / .picky / .broken + 2 mutants

ARGS = ["tiny", "--examples", "2", "--mp-examples", "1", "--fast-figures"]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module", autouse=True)
def only_user_theorems(tmp_path_factory):
    """Hide the project's theorems/ folder: only the tiny folder is seen (fast, and independent
    of statements being edited concurrently)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(registry, "DEFAULT_DIR", tmp_path_factory.mktemp("empty") / "no-project-theorems")
        yield


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return str(shutil.copytree(TINY, tmp_path_factory.mktemp("t") / "thms"))


@pytest.fixture(scope="module")
def report(tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("r") / "reports"
    rc = main(["report", *ARGS, "--theorems", tiny, "--out", str(out), "--workers", "2"])  # worker processes
    return rc, out


def test_exit_code_and_files(report):
    rc, out = report
    assert rc == 1  # tiny.false is violated
    assert (out / "REPORT.md").is_file() and (out / "results.json").is_file()
    for name in ("section6_square", "section6_logistic", "phase_diagram", "float64_vs_mpmath"):
        png = out / "figures" / f"{name}.png"
        assert png.read_bytes()[:8] == PNG and png.stat().st_size > 10_000, name
    assert not list(out.parent.glob(".reports.*"))  # no temp or old folder left behind


def test_report_sections(report):
    _, out = report
    text = (out / "REPORT.md").read_text()
    for section in ("## Verdicts", "## Paper claims at a glance", "## Run settings", "## Environment", "## Mutants",
                    "## Figures",
                    "### Section 6 illustration", "### Phase diagram", "### Float64 versus exact arithmetic"):
        assert section in text, section
    for needle in ("numpy", "mpmath backend", "hypothesis", "scipy", "git commit", "wall time",
                   "distinct / draws", "coverage 1-D / 2-D", "tightness sup", "bound from", "caught first by",
                   "figures/section6_square.png", "figures/phase_diagram.png", "figures/float64_vs_mpmath.png",
                   "eta_gamma"):
        assert needle in text, needle
    assert "tiny.true" in text and "tiny.false" in text and "VIOLATED" in text
    assert "bound doubled (still true)" in text  # every mutant of the statements asked for
    # the mutant that is still true is flagged as not caught; the false one as caught
    assert "**NO**" in text and "| yes" in text


def test_statement_pages(report, tiny):
    _, out = report
    false_page = (out / "statements" / f"{sanitise('tiny.false@v1')}.md").read_text()
    assert "Always false" in false_page and "tiny.false: 0 <= 1" not in false_page
    assert "## Counterexamples (float64 primary):" in false_page and "found by" in false_page
    # every counterexample says whether ball arithmetic certified it; the evidence table gives the share
    assert "**certified** by ball arithmetic and confirmed by mpmath" in false_page
    assert "certified" in false_page.split("## Evidence per precision")[1].split("### Searchers")[0]
    # a statement from a user's folder: the line names the folder, or it is "unknown id" pasted as printed
    assert f"bnverify reproduce 'tiny.false@v1' --theorems {shlex.quote(str(Path(tiny).resolve()))} --params '" \
        in false_page
    assert "## Evidence per precision" in false_page and "mpmath50" in false_page
    assert "## Declared space" in false_page and "### Searchers (float64 primary)" in false_page
    assert "Derivation: [tiny.md](" in false_page
    link = false_page.split("Derivation: [tiny.md](")[1].split(")")[0]
    assert (out / "statements" / link).resolve().read_text().startswith("# Tiny")
    img = false_page.split("![slack histogram](")[1].split(")")[0]
    assert (out / "statements" / img).read_bytes()[:8] == PNG
    for key in ("tiny.true@v1", "tiny.true@v1+mutant:bound set to -1"):
        assert (out / "statements" / f"{sanitise(key)}.md").is_file()


def test_a_campaign_that_raises_is_listed_and_the_rest_is_written(report):
    _, out = report
    text = (out / "REPORT.md").read_text()
    assert "## Errors" in text and "bug in tiny.broken" in text
    page = (out / "statements" / f"{sanitise('tiny.broken@v1')}.md").read_text()
    assert "Examples that raised" in page and "ZeroDivisionError" in page


def test_vacuous_statement_is_flagged_with_its_reasons(report):
    _, out = report
    assert "VACUOUS" in (out / "REPORT.md").read_text()
    page = (out / "statements" / f"{sanitise('tiny.picky@v1')}.md").read_text()
    assert "## Why draws were rejected (float64 primary)" in page
    assert "H0 = # is not > #" in page


def test_results_json(report):
    _, out = report
    data = json.loads((out / "results.json").read_text())
    keys = {(r["key"], r["backend"]) for r in data["statements"]}
    assert keys == {(k, b) for k in ("tiny.true@v1", "tiny.false@v1", "tiny.picky@v1", "tiny.broken@v1")
                    for b in ("float64", "mpmath50")}
    f = next(r for r in data["statements"] if r["key"] == "tiny.false@v1" and r["backend"] == "float64")
    assert f["counts"]["violated"] >= 2 and len(f["counterexamples"]) == f["distinct"] >= 2
    assert f["coverage"]["1d"] > 0 and set(f["per_searcher"]) >= {"sweep", "hunt"}  # 2 draws: no Hypothesis share
    assert f["decided"] >= 2 and f["certified"] == f["decided"]  # exact numbers: every verdict certified
    assert all(ce["certified"] for ce in f["counterexamples"])
    assert {"instance", "hyper"} <= set(f["counterexamples"][0]["example"])
    assert len({r["key"] for r in data["mutants"]}) == 2


def test_interrupted_run_keeps_previous_report(tiny, tmp_path, monkeypatch):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "REPORT.md").write_text("previous report")
    (out / ".bnverify-report").write_text("")  # a previous bnverify report (its marker)

    def boom(**kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(B, "make_figures", lambda *a, **k: {"_errors": {}})
    monkeypatch.setattr(M, "report_page", boom)
    rc = main(["report", "tiny.true", "--examples", "1", "--mp-examples", "1", "--theorems", tiny,
               "--out", str(out), "--workers", "1"])
    assert rc == 130
    assert (out / "REPORT.md").read_text() == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["reports"]  # temp folder removed
    monkeypatch.undo()
    monkeypatch.setattr(B, "make_figures", lambda *a, **k: {"_errors": {}})
    rc = main(["report", "tiny.true", "--examples", "1", "--mp-examples", "1", "--theorems", tiny,
               "--out", str(out), "--workers", "1"])
    assert rc == 0
    assert (out / "REPORT.md").read_text().startswith("# bnverify report")
    assert [p.name for p in tmp_path.iterdir()] == ["reports"]


def test_the_deep_runs_folder_survives_a_report(tiny, tmp_path, monkeypatch):
    """``make deep`` writes ``reports/deep/`` (its store and committed summary): ``make report``
    accepts a folder holding it (alone or beside a previous report) and keeps it across the swap."""
    monkeypatch.setattr(B, "make_figures", lambda *a, **k: {"_errors": {}})
    out = tmp_path / "reports"
    (out / "deep" / "store").mkdir(parents=True)
    (out / "deep" / "SUMMARY.md").write_text("deep summary")
    args = ["report", "tiny.true", "--examples", "1", "--mp-examples", "1", "--theorems", tiny,
            "--out", str(out), "--workers", "1"]
    assert main(args) == 0  # only deep/: accepted
    assert (out / "deep" / "SUMMARY.md").read_text() == "deep summary" and (out / "REPORT.md").exists()
    assert main(args) == 0  # a previous report and deep/: replaced, deep/ kept
    assert (out / "deep" / "SUMMARY.md").read_text() == "deep summary" and (out / "deep" / "store").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]
    # killed between the swap and moving deep/ across: the next run moves it back
    old = tmp_path / ".reports.old-999999"  # a dead run's folder holding deep/
    old.mkdir()
    (out / "deep").rename(old / "deep")
    assert main(args) == 0
    assert (out / "deep" / "SUMMARY.md").read_text() == "deep summary"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_t1_scan_matches_definition():
    H0, rho0, g, eg = 3.0, 1e-3, 0.05, 0.02
    c0 = 1 / math.sqrt(1 + rho0 ** 2)
    s0 = rho0 * c0
    tau0 = 2 * math.sqrt(1 + rho0 ** 2) / (1 - rho0 ** 2)
    t = 0
    while not H0 * (c0 - (1 - eg) ** t * (c0 - g)) > tau0 * (1 + t * H0 ** 2 * s0 ** 2):
        t += 1
    assert F.t1_scan(np.array([H0]), np.array([rho0]), g, eg, 10_000)[0] == t
    # H0 c0 <= tau(rho0): T1 is infinite; H0 <= 2 in particular
    assert F.t1_scan(np.array([1.9]), np.array([1e-3]), g, eg, 2000)[0] == np.inf


def test_precision_shift_figure_shows_the_early_float64_spike(tmp_path):
    """THEORY.md §9: the same run peaks at t = 470 at 50 digits, ~195 steps earlier in float64."""
    info = F.precision_shift(tmp_path / "shift.png")
    f64, exact = info["runs"]["float64"], info["runs"]["mpmath 50 digits"]
    assert exact["first_onset"] == 99 and exact["peak_t"] == 470
    assert f64["first_onset"] < 99 and exact["peak_t"] - f64["peak_t"] >= 150
    assert (tmp_path / "shift.png").read_bytes()[:8] == PNG
