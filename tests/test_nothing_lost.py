"""Nothing lost, nothing silently green, the same report on every machine (issue 22): the report
folder's manifest, failed runs beside the previous report, NaN and artefact-only outcomes, the
exit codes of `reproduce`, the scheduler, `--theorems ""`, limits, `--out` checked before any work,
Hypothesis's files, the deep run's total wall time, the docs, and the lock file.

Built on tests/test_safety.py's fixtures and tiny statements (the project's theorems hidden)."""
import json
import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bnverify.report import build as B
from test_safety import (_ON_TINY, FAST, GOOD_HYPER, ROOT, fake_report, no_figures, one_line,  # noqa: F401
                         only_user_theorems, run, tiny)


def no_campaigns(monkeypatch):
    """Any campaign from here on fails the test: the command had to refuse before any work."""
    def refuse(*a, **k):
        raise AssertionError("campaigns started before the command refused")

    monkeypatch.setattr(B, "collect", refuse)
    import bnverify.verify.orchestrate as O

    monkeypatch.setattr(O, "run_campaigns", refuse)


def statement_file(tmp_path, name: str, body: str) -> str:
    d = tmp_path / name
    d.mkdir()
    (d / f"{name}.py").write_text(_ON_TINY + body)
    return str(d)


# --- 1. a report folder is the tool's only where the tool wrote every file in it -------------------------
def test_files_added_inside_a_previous_reports_subfolders_are_refused_by_name(tiny, tmp_path, capsys, monkeypatch):
    no_figures(monkeypatch)
    out = tmp_path / "reports"
    rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", out, *FAST)
    assert rc == 0, err
    report = (out / "REPORT.md").read_text()
    for added, named in [("statements/MY_REVIEW.md", "statements/MY_REVIEW.md"),
                         ("figures/notes.txt", "figures/notes.txt"),
                         ("statements/drafts/x.md", "statements/drafts"),
                         ("statements/img/mine.png", "statements/img/mine.png")]:
        (out / added).parent.mkdir(parents=True, exist_ok=True)
        (out / added).write_text("mine")
        no_campaigns(monkeypatch)
        rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", out, *FAST)
        assert rc == 2 and named in one_line(err), (added, err)
        assert (out / added).read_text() == "mine" and (out / "REPORT.md").read_text() == report
        (out / added).unlink()
        if added.endswith("x.md"):
            (out / "statements" / "drafts").rmdir()
    (out / "REPORT.md").write_text(report + "\nmy note at the end\n")  # a report file edited by hand
    rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", out, *FAST)
    assert rc == 2 and "REPORT.md (changed since the report wrote it)" in one_line(err)
    manifest = json.loads((out / B.MARKER).read_text())["files"]  # what the report wrote, with sha256
    assert "REPORT.md" in manifest and any(k.startswith("statements/img/") for k in manifest)
    assert "dependencies: requirements.lock sha256 " in report  # issue 22 item 13: the header names the lock


def test_a_report_without_a_manifest_holds_only_what_its_results_name(tmp_path, capsys, monkeypatch, tiny):
    no_campaigns(monkeypatch)
    out = fake_report(tmp_path / "reports")  # a marker of the old kind, no results.json
    (out / "statements").mkdir()
    (out / "statements" / "MY_REVIEW.md").write_text("mine")
    rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", out, *FAST)
    assert rc == 2 and "statements/MY_REVIEW.md" in one_line(err)
    assert (out / "statements" / "MY_REVIEW.md").read_text() == "mine"


def test_the_committed_report_is_recognised_as_a_report():
    """`make report` over the repository's reports/ (written before manifests) is not refused."""
    if not (ROOT / "reports" / "REPORT.md").is_file():
        pytest.skip("no committed report")
    B.check_out_dir(ROOT / "reports")


# --- 6. a run that exits non-zero never replaces the previous report ------------------------------------------
def test_a_failed_run_leaves_the_previous_report_and_writes_beside_it(tiny, tmp_path, capsys, monkeypatch):
    no_figures(monkeypatch)
    out = tmp_path / "reports"
    rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", out, *FAST)
    assert rc == 0, err
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", out, "--examples", "0",
                     "--mp-examples", "0", "--workers", "1")
    assert rc == 4
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    failed = tmp_path / "reports.failed"
    assert (failed / "REPORT.md").is_file() and f"this run's report is in {failed}" in err
    rc, _, err = run(capsys, "report", "tiny.broken", "--theorems", tiny, "--out", out, *FAST)  # everything raises
    assert rc == 3 and {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert "bug in tiny.broken" in (failed / "errors.log").read_text() and str(failed / "errors.log") in err


# --- 2. NaN is an error, an artefact is not a pass ---------------------------------------------------------------
NAN_BOUND = '''

class NanBound(TinyTrue):
    """A bound that evaluates to NaN (0/0 in a constant)."""

    id = "nan.bound"

    def constants(self, inst, hyper):
        return {"bound": float("nan")}


STATEMENTS = [NanBound()]
'''

FLOAT64_ONLY_FALSE = '''

class Float64Artefact(TinyTrue):
    """Violated in float64 and at 50 digits, holds at every higher precision: only artefacts (the
    balls, which would prove it holds — a certified artefact is a decided example — are off)."""

    id = "only.artefacts"
    ball_certifiable = False
    ball_note = "test: uncertified artefacts only"

    def check(self, traj, c):
        low = traj.backend.name in ("float64", "mpmath50")
        return self.upper_bound(traj, 2.0 if low else 0.0, c["bound"], witness=1)


STATEMENTS = [Float64Artefact()]
'''


def test_a_nan_bound_is_an_error_naming_the_statement_and_the_example(tmp_path, capsys):
    d = statement_file(tmp_path, "nanb", NAN_BOUND)
    rc, out, err = run(capsys, "check", "nan.bound", "--theorems", d, "--precision", "float64", *FAST)
    assert rc == 3, out + err
    assert "nan.bound@v1" in err and "bound = nan" in err and "whitened_regression" in err
    rc, out, err = run(capsys, "check", "nan.bound", "--theorems", d, "--precision", "float64", "--json", *FAST)
    payload = json.loads(out)
    assert rc == 3 and payload["errors"] and not payload["results"][0]["counts"]["artefact"]
    example = json.dumps({"instance": {"builder": "whitened_regression", "n": 5, "d": 2, "seed": 0},
                          "hyper": GOOD_HYPER})
    rc, out, err = run(capsys, "reproduce", "nan.bound", "--theorems", d, "--params", example)
    assert rc == 3 and "nan.bound@v1" in err


def test_pytest_fails_a_nan_bound(tmp_path):
    from test_safety import _pytest

    d = statement_file(tmp_path, "nanb", NAN_BOUND)
    r = _pytest(tmp_path, "--theorems", d, "--bnverify-examples", "2")
    assert r.returncode == 1 and "nan.bound@v1 [float64]" in r.stdout and "bound = nan" in r.stdout, r.stdout[-3000:]


def test_a_statement_with_only_artefacts_is_not_a_pass(tmp_path, capsys):
    d = statement_file(tmp_path, "arte", FLOAT64_ONLY_FALSE)
    rc, out, err = run(capsys, "check", "only.artefacts", "--theorems", d, *FAST)
    assert rc == 4 and "nothing decided" in err and "only.artefacts@v1" in err, out + err
    assert "holds" not in out.split("\n\n")[0].split("only.artefacts@v1")[1]
    example = json.dumps({"instance": {"builder": "whitened_regression", "n": 5, "d": 2, "seed": 0},
                          "hyper": GOOD_HYPER})
    rc, out, err = run(capsys, "reproduce", "only.artefacts", "--theorems", d, "--params", example)
    assert rc == 4 and out.count("outcome ARTEFACT") == 2, out + err


def test_a_certified_artefact_is_a_decided_example(tmp_path, capsys):
    """The balls prove the claim where float64 saw a violation: a decided example of the higher
    precision (the artefact stays recorded apart), so the statement holds."""
    d = statement_file(tmp_path, "arte", FLOAT64_ONLY_FALSE.replace("    ball_certifiable = False\n", ""))
    rc, out, err = run(capsys, "check", "only.artefacts", "--theorems", d, "--precision", "float64", *FAST)
    assert rc == 0 and "nothing decided" not in err, out + err
    assert "holds" in out.split("\n\n")[0].split("only.artefacts@v1")[1]
    example = json.dumps({"instance": {"builder": "whitened_regression", "n": 5, "d": 2, "seed": 0},
                          "hyper": {**GOOD_HYPER, "gamma0": 0.5}})  # (γ_0 = a: balls cannot decide γ_0 ≤ a)
    rc, out, err = run(capsys, "reproduce", "only.artefacts", "--theorems", d, "--params", example)
    assert rc == 0 and "outcome ARTEFACT" in out and "arb128" in out, out + err


# --- 3. reproduce follows check's exit-code table ----------------------------------------------------------------
@pytest.mark.parametrize("key, code", [("tiny.true", 0), ("tiny.false", 1), ("tiny.broken", 3), ("tiny.picky", 4),
                                       ("tiny.true@v1+mutant:bound set to -1", 0),
                                       ("tiny.true@v1+mutant:bound doubled (still true)", 1)])
def test_reproduce_follows_checks_exit_codes(tiny, capsys, key, code):
    example = json.dumps({"instance": {"builder": "whitened_regression", "n": 5, "d": 2, "seed": 0},
                          "hyper": GOOD_HYPER})
    rc, out, err = run(capsys, "reproduce", key, "--theorems", tiny, "--params", example)
    assert rc == code, out + err


# --- 4, 8. the scheduler address: one line, exit 2, before any work -----------------------------------------------
def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("how", ["flag", "env"])
@pytest.mark.parametrize("address, needle", [("junk", "expected 'inline' or a Dask scheduler address"),
                                             ("tcp://127.0.0.1:notaport", "expected 'inline'"),
                                             ("udp://127.0.0.1:8786", "expected 'inline'"),
                                             ("closed", "no Dask scheduler answers")])
def test_a_bad_scheduler_address_is_refused_before_any_work(tiny, tmp_path, capsys, monkeypatch, how, address,
                                                            needle):
    no_campaigns(monkeypatch)
    if address == "closed":
        address = f"tcp://127.0.0.1:{_closed_port()}"
    argv = ["report", "tiny.true", "--theorems", tiny, "--out", tmp_path / "r", *FAST]
    if how == "flag":
        argv += ["--scheduler", address]
    else:
        monkeypatch.setenv("BNVERIFY_SCHEDULER", address)
    t0 = time.monotonic()
    rc, _, err = run(capsys, *argv)
    line = one_line(err)
    assert rc == 2 and needle in line and ("--scheduler" if how == "flag" else "BNVERIFY_SCHEDULER") in line
    assert time.monotonic() - t0 < 10 and not (tmp_path / "r").exists()


@pytest.mark.parametrize("command", ["deep", "check"])
def test_the_deep_runs_and_checks_scheduler_is_checked_too(tmp_path, capsys, monkeypatch, tiny, command):
    no_campaigns(monkeypatch)
    argv = (["deep", "--store", tmp_path / "s", "--summary", tmp_path / "S.md"] if command == "deep"
            else ["check", "tiny.true", "--theorems", tiny])
    rc, _, err = run(capsys, *argv, "--scheduler", "junk")
    assert rc == 2 and "junk" in one_line(err) and "--scheduler" in one_line(err) and not (tmp_path / "s").exists()


def test_a_campaign_that_raises_is_an_error_result_and_the_others_go_on(tiny, tmp_path, capsys):
    """One orchestrator for every command: a campaign whose planning raises (here its space) fails
    alone, with its traceback in the error log; the other campaigns are decided; exit 3."""
    d = statement_file(tmp_path, "spaceless", '''

class Spaceless(TinyTrue):
    """0 <= 1, over a space that raises."""

    id = "spaceless.raises"

    def space(self):
        raise RuntimeError("no space today")


STATEMENTS = [Spaceless()]
''')
    rc, out, err = run(capsys, "check", "tiny.true", "spaceless.raises", "--theorems", tiny, "--theorems", d,
                       "--precision", "float64", "--json", *FAST)
    results = {r["key"]: r for r in json.loads(out)["results"]}
    assert rc == 3 and "1 error(s)" in err and "spaceless.raises@v1 [float64]: RuntimeError: no space today" in err
    assert results["tiny.true@v1"]["counts"]["holds"] > 0 and not results["tiny.true@v1"].get("error")
    bad = results["spaceless.raises@v1"]
    assert bad["examples"] == 0 and "RuntimeError: no space today" in bad["error"]
    assert "no space today" in bad["error_traceback"] and "Traceback" in bad["error_traceback"]


# --- 5. the printed reproduce line works as printed ------------------------------------------------------------------
def test_the_printed_reproduce_line_names_a_users_theorems_folder(tiny, capsys):
    rc, out, err = run(capsys, "check", "tiny.false", "--theorems", tiny, "--precision", "float64", *FAST)
    assert rc == 1
    line = next(ln for ln in out.splitlines() if "reproduce: bnverify reproduce" in ln).split("reproduce: ", 1)[1]
    argv = shlex.split(line)
    assert argv[3] == "--theorems" and Path(argv[4]) == Path(tiny).resolve()
    rc, out, err = run(capsys, *argv[1:])  # pasted as printed
    assert rc == 1 and "outcome VIOLATED" in out, err


# --- 7. --theorems "" is not the current folder -----------------------------------------------------------------------
@pytest.mark.parametrize("command", [["list"], ["check", "--workers", "1"]])
def test_an_empty_theorems_folder_name_is_refused(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "script.py").write_text("open('executed', 'w').write('1')\n")
    rc, _, err = run(capsys, *command, "--theorems", "")
    assert rc == 2 and "empty folder name" in one_line(err)
    assert not (tmp_path / "executed").exists()


def test_pytest_refuses_an_empty_theorems_folder_name(tmp_path):
    from test_safety import _pytest

    (tmp_path / "script.py").write_text("open('executed', 'w').write('1')\n")
    r = _pytest(tmp_path, "--theorems", "")
    assert r.returncode == 4 and "empty folder name" in r.stderr + r.stdout, r.stdout + r.stderr
    assert not (tmp_path / "executed").exists()


# --- 9. limits, before any work ---------------------------------------------------------------------------------------
def test_examples_are_limited(tiny, capsys, monkeypatch):
    from bnverify.report.run import MAX_EXAMPLES

    no_campaigns(monkeypatch)
    for flag in ("--examples", "--mp-examples"):
        rc, _, err = run(capsys, "check", "tiny.true", "--theorems", tiny, flag, str(MAX_EXAMPLES + 1))
        assert rc == 2 and f"<= {MAX_EXAMPLES}" in one_line(err)
    monkeypatch.setenv("BNVERIFY_EXAMPLES", str(10**11))
    rc, _, err = run(capsys, "check", "tiny.true", "--theorems", tiny)
    assert rc == 2 and "BNVERIFY_EXAMPLES" in one_line(err)


def test_workers_at_most_the_cores_without_a_scheduler(tiny, tmp_path, capsys, monkeypatch):
    from bnverify.verify.runners import default_workers

    no_campaigns(monkeypatch)
    too_many = str(default_workers() + 1)
    rc, _, err = run(capsys, "check", "tiny.true", "--theorems", tiny, "--workers", too_many)
    assert rc == 2 and f"at most {default_workers()}" in one_line(err)
    rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--workers", "200", "--out", tmp_path / "r")
    assert rc == 2 and "--workers" in one_line(err) and not (tmp_path / "r").exists()


def test_reproduce_refuses_an_instance_too_large_for_memory_with_the_estimate(tiny, capsys, monkeypatch):
    import bnverify.verify.example as E

    monkeypatch.setattr(E, "available_memory", lambda: 8 * 10**9)
    built = []
    monkeypatch.setattr(E, "build", lambda *a, **k: built.append(a) or pytest.fail("built before refusing"))
    E._INSTANCES.clear()
    params = json.dumps({"instance": {"builder": "whitened_regression", "n": 10**4, "d": 10**3}, "hyper": GOOD_HYPER})
    t0 = time.monotonic()
    rc, _, err = run(capsys, "reproduce", "tiny.true", "--theorems", tiny, "--params", params)
    line = one_line(err)
    assert rc == 2 and "n=10000, d=1000" in line and "GB" in line and "8.0 GB available" in line
    assert time.monotonic() - t0 < 10 and not built


# --- 10, 12. --out: checked before any work ---------------------------------------------------------------------------
def test_unusable_out_is_refused_before_any_work(tiny, tmp_path, capsys, monkeypatch):
    no_campaigns(monkeypatch)
    rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", "", *FAST)
    assert rc == 2 and "empty folder name" in one_line(err)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "missing")
    rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", link, *FAST)
    assert rc == 2 and "dangling symbolic link" in one_line(err) and not (tmp_path / "missing").exists()
    mount = tmp_path / "mnt"
    mount.mkdir()
    real_ismount = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == mount or real_ismount(p))
    rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", mount, *FAST)
    assert rc == 2 and "mount point" in one_line(err)


# --- 11. Hypothesis's files never in the current directory ------------------------------------------------------------
def test_hypothesis_writes_nothing_into_the_current_directory(tiny, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("HYPOTHESIS_STORAGE_DIRECTORY", "BNVERIFY_THEOREMS")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    work = tmp_path / "work"
    work.mkdir()
    r = subprocess.run([sys.executable, "-m", "bnverify", "report", "tiny.true", "--theorems", tiny, "--out",
                        str(work / "r"), "--examples", "8", "--mp-examples", "1", "--workers", "1", "--fast-figures"],
                       cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert sorted(p.name for p in work.iterdir()) == ["r"]
    assert (tmp_path / "cache" / "bnverify" / "hypothesis").is_dir()


# --- 14. the deep run's summary: the total wall time over its legs ----------------------------------------------------
def test_the_deep_summary_first_line_gives_the_total_over_legs():
    from bnverify.report.deep import summary_markdown
    from bnverify.verify.planning import Budget

    runs = [dict(started=0.0, wall=30.4 * 60, units_before=0, units_after=155, commit="a" * 40),
            dict(started=1.0, wall=19.0 * 60, units_before=155, units_after=431, commit="b" * 40),
            dict(started=2.0, wall=7.3 * 60, units_before=431, units_after=543, commit="c" * 40, completed=True)]
    text = summary_markdown([], wall=7.3 * 60, engine_text="x", skipped={}, budget=Budget(), seed=0, runs=runs)
    assert text.splitlines()[0] == "# Deep run: 56.7 min wall time in 3 legs"
    assert "30.4 min" in text and "7.3 min, units stored 431 → 543" in text


def test_the_committed_deep_summary_gives_the_total_of_its_legs():
    import re

    path = ROOT / "reports" / "deep" / "SUMMARY.md"
    if not path.is_file():
        pytest.skip("no committed deep run")
    lines = path.read_text().splitlines()
    legs = [float(m.group(1)) for ln in lines if (m := re.match(r"- run started .*: ([\d.]+) min, units", ln))]
    total = re.match(r"# Deep run: ([\d.]+) min wall time", lines[0])
    assert legs and total and abs(float(total.group(1)) - sum(legs)) < 0.1 * len(legs), (lines[0], legs)


# --- 15. docs and messages --------------------------------------------------------------------------------------------
def test_params_that_are_json_but_not_an_object_are_named_as_such(tiny, capsys):
    rc, _, err = run(capsys, "reproduce", "tiny.true", "--theorems", tiny, "--params", "[1,2,3]")
    assert rc == 2 and "expected a JSON object" in one_line(err) and "list" in one_line(err)


def test_interrupting_check_does_not_mention_a_report(tiny, capsys, monkeypatch):
    import bnverify.cli as C

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setitem(C.COMMANDS, "check", interrupted)
    rc, _, err = run(capsys, "check", "tiny.true", "--theorems", tiny)
    assert rc == 130 and "report" not in one_line(err)
    monkeypatch.setitem(C.COMMANDS, "report", interrupted)
    rc, _, err = run(capsys, "report", "--theorems", tiny)
    assert rc == 130 and "previous report left intact" in one_line(err)


def test_examples_help_says_search_scale_scales_it():
    from bnverify.cli import build_parser

    sub = build_parser()._subparsers._group_actions[0].choices
    for command in ("check", "report"):
        assert "search_scale" in " ".join(sub[command].format_help().split())


# --- 13. the same report on every machine: a lock file made by a tool, installed by make, named by the report ------
def _requirement_names(reqs) -> set[str]:
    import re

    return {re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0].lower().replace("_", "-") for r in reqs}


def test_the_lock_pins_every_dependency_and_no_gpu_stack():
    import tomllib

    text = (ROOT / "requirements.lock").read_text()
    assert "autogenerated by pip-compile" in text  # made by the tool (`make lock`), not by hand
    pins = {}
    for line in text.splitlines():
        name, sep, version = line.split("#", 1)[0].strip().partition("==")
        if sep:
            pins[name.lower()] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _requirement_names(project["dependencies"] + project["optional-dependencies"]["test"]
                                + project["optional-dependencies"]["oracle"])
    assert wanted <= set(pins), wanted - set(pins)
    assert pins["torch"].startswith("2.13.0") and pins["mpmath"] == "1.3.0"
    assert not [p for p in pins if p.startswith(("nvidia", "cuda", "triton"))]


def test_make_installs_from_the_lock_and_the_report_names_it():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("$(STAMP):", 1)[1].split("\n\n", 1)[0]
    assert "install --quiet -r $(LOCK)" in recipe and "--no-deps -e ." in recipe
    assert "LOCK   := requirements.lock" in makefile and "\nlock:" in makefile
    from bnverify.report.run import environment

    assert environment()["lock file"].startswith("requirements.lock sha256 ")


def test_the_readme_snippet_prints_what_the_readme_says(capsys):
    readme = (ROOT / "README.md").read_text()
    block = next(b for b in readme.split("```python")[1:] if "first_onset" in b).split("```")[0]
    exec(compile(block, "README.md", "exec"), {})
    f64, exact = map(int, capsys.readouterr().out.split())
    assert exact == 99 and f64 < exact  # the float64 onset is a false one, at the rounding floor
    text = " ".join(readme.split())
    assert "its step depends on numpy and the machine's BLAS" in text
    from bnverify.verify.provenance import lock_file

    if lock_file().endswith("installed versions match it"):
        assert f"{f64} with the locked versions" in text


def test_the_readme_says_pytest_theorems_needs_pytest():
    text = " ".join((ROOT / "README.md").read_text().split())
    assert "`pytest --theorems` needs pytest" in text and "pip install 'bnverify[test]'" in text


def test_a_run_failing_outside_the_file_system_does_not_blame_out(tiny, tmp_path, capsys, monkeypatch):
    """A scheduler that goes away mid-run (an OSError with no file name) is exit 3, not an --out error."""
    def lost(*a, **k):
        raise TimeoutError("Timed out trying to connect to tcp://10.0.0.1:8786 after 30 s")

    monkeypatch.setattr(B, "collect", lost)
    rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", tmp_path / "r", *FAST)
    line = one_line(err)
    assert rc == 3 and "--out" not in line and "TimeoutError" in line and not (tmp_path / "r").exists()
