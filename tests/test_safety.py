"""Nothing lost, nothing silently green (issue 13): safe report folders, exit codes with one
meaning each, errors that name their cause, validated inputs, clean interruption, and the pytest
plugin that collects a researcher's own statement folder.

Exit status: 0 holds (and something decided), 1 violated, 2 usage error, 3 raised, 4 nothing checked.
The campaigns use tests/tiny_theorems (copied per test) or tiny folders written here; the
project's own theorems/ are hidden (``only_user_theorems``) except in the install test."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bnverify import Hyper, active_margin_logistic, build, get_backend, hilbert_section6
from bnverify.verify import registry
from bnverify import separable_logistic, simulate, simulate_reduced, whitened_regression
from bnverify.numerics.backends import Mpmath
from bnverify.cli import main
from bnverify.report import build as B
from bnverify.report.run import default_examples

ROOT = Path(__file__).resolve().parents[1]
TINY = Path(__file__).parent / "tiny_theorems"
FAST = ["--examples", "2", "--mp-examples", "1", "--workers", "1"]
GOOD_HYPER = dict(H0=1.0, eta_gamma=0.01, gamma0=1.0, rho0=0.1)


@pytest.fixture(autouse=True)
def only_user_theorems(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "DEFAULT_DIR", tmp_path / "no-project-theorems")
    monkeypatch.delenv("BNVERIFY_EXAMPLES", raising=False)
    monkeypatch.delenv("BNVERIFY_THEOREMS", raising=False)
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)


@pytest.fixture
def tiny(tmp_path):
    return str(shutil.copytree(TINY, tmp_path / "thms"))


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def fake_report(out: Path, text="previous report") -> Path:
    out.mkdir(parents=True)
    (out / ".bnverify-report").write_text("")  # literal: B.MARKER is the same name
    (out / "REPORT.md").write_text(text)
    return out


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def no_figures(monkeypatch):
    monkeypatch.setattr(B, "make_figures", lambda *a, **k: {"_errors": {}})


# --- data loss: --out must be new, empty or a previous report -----------------------------------------
def test_report_refuses_a_folder_that_is_not_a_report(tiny, tmp_path, capsys, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("my notes")
    (work / "mywork.py").write_text("x = 1")
    no_figures(monkeypatch)
    rc, out, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", work, *FAST)
    assert rc == 2 and "not a bnverify report folder" in one_line(err)
    assert sorted(p.name for p in work.iterdir()) == ["mywork.py", "notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thms", "work"]  # no temp folder either
    monkeypatch.chdir(work)  # `--out .` inside a work folder
    rc, out, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", ".", *FAST)
    assert rc == 2 and "not a bnverify report folder" in one_line(err)
    assert (work / "notes.txt").read_text() == "my notes" and (work / "mywork.py").exists()


def test_report_replaces_only_a_previous_report_and_marks_its_own(tiny, tmp_path, capsys, monkeypatch):
    no_figures(monkeypatch)
    out = fake_report(tmp_path / "reports")
    (out / "notes.txt").write_text("added by hand")  # a report folder with a foreign file: refused
    rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", out, *FAST)
    assert rc == 2 and "notes.txt" in one_line(err) and (out / "notes.txt").exists()
    (out / "notes.txt").unlink()
    rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", out, *FAST)
    assert rc == 0, err
    assert (out / B.MARKER).is_file() and (out / "REPORT.md").read_text().startswith("# bnverify report")
    new = tmp_path / "new" / "reports"  # a new folder is fine, and gets the marker
    rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", new, *FAST)
    assert rc == 0 and (new / B.MARKER).is_file()


def test_leftover_temporary_folders_are_cleaned_or_named(tiny, tmp_path, capsys, monkeypatch):
    no_figures(monkeypatch)
    out = fake_report(tmp_path / "reports")
    dead = dead_pid()
    (tmp_path / f".reports.tmp-{dead}" / "statements").mkdir(parents=True)
    fake_report(tmp_path / f".reports.old-{dead}")
    live = os.getppid()  # a running process: its folder is named, not removed
    (tmp_path / f".reports.tmp-{live}").mkdir()
    rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", out, *FAST)
    assert rc == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".reports.tmp-{live}", "reports", "thms"]
    assert f"pid {live}" in err and "running process" in err and f"killed run (pid {dead}), removed" in err


def test_a_killed_swap_is_undone_by_the_next_run(tiny, tmp_path, capsys, monkeypatch):
    """Killed between moving the old report aside and moving the new one in: the next run puts
    the previous report back before anything else."""
    no_figures(monkeypatch)
    dead = dead_pid()
    fake_report(tmp_path / f".reports.old-{dead}", "the only copy")
    assert not B.clean_leftovers(tmp_path / "elsewhere")  # other names untouched
    msgs = B.clean_leftovers(tmp_path / "reports")
    assert "moved back" in msgs[0] and (tmp_path / "reports" / "REPORT.md").read_text() == "the only copy"


# --- silently green: nothing checked is exit 4, never 0 ----------------------------------------------------
def test_no_statements_found_is_an_error_not_an_empty_success(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(registry.NoStatementsFound, match="no statements found"):
        registry.load([empty])
    for argv in (["list"], ["check"], ["report", "--out", tmp_path / "r"]):
        rc, out, err = run(capsys, *argv, "--theorems", empty)
        assert rc == 4 and "no statements found" in one_line(err), argv
    assert not (tmp_path / "r").exists()


def test_nothing_decided_exits_4(tiny, capsys):
    rc, out, err = run(capsys, "check", "tiny.true", "--theorems", tiny, "--examples", "0", "--mp-examples", "0")
    assert rc == 4 and "nothing decided" in err
    rc, out, err = run(capsys, "check", "tiny.picky", "--theorems", tiny, *FAST)  # every example vacuous
    assert rc == 4 and "tiny.picky@v1" in err
    rc, out, err = run(capsys, "check", "tiny.true", "--theorems", tiny, *FAST)
    assert rc == 0, err


def test_check_of_a_mutant_key_caught_is_0_missed_is_1(tiny, capsys):
    base = "tiny.true@v1+mutant:"
    rc, out, err = run(capsys, "check", base + "bound set to -1", "--theorems", tiny, "--precision", "float64", *FAST)
    assert rc == 0 and "caught" in out, err
    rc, out, err = run(capsys, "check", base + "bound doubled (still true)", "--theorems", tiny, "--precision",
                       "float64", *FAST)
    assert rc == 1 and "NOT caught" in out


@pytest.mark.parametrize("value", ["-5,2", "5,-2", "1.5", "3,4,5", "ten", "5,"])
def test_bnverify_examples_validated_like_the_flags(tiny, capsys, monkeypatch, value):
    monkeypatch.setenv("BNVERIFY_EXAMPLES", value)
    with pytest.raises(ValueError, match="BNVERIFY_EXAMPLES"):
        default_examples()
    rc, out, err = run(capsys, "check", "tiny.true", "--theorems", tiny, "--workers", "1")
    assert rc == 2 and "BNVERIFY_EXAMPLES" in one_line(err)


def test_bnverify_examples_accepts_n_and_n_m(monkeypatch):
    monkeypatch.setenv("BNVERIFY_EXAMPLES", "30")
    assert default_examples() == (30, 3)
    monkeypatch.setenv("BNVERIFY_EXAMPLES", " 7, 2 ")
    assert default_examples() == (7, 2)
    monkeypatch.setenv("BNVERIFY_EXAMPLES", "0")
    assert default_examples() == (0, 0)


def test_non_editable_install_finds_the_shipped_statements(tmp_path):
    """A normal (wheel) install, not the editable one: `bnverify list` lists the shipped
    statements and exits 0 (HEAD 9e8923b printed an empty table)."""
    src = tmp_path / "src-copy"
    src.mkdir()
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / part, src / part)
    for part in ("src", "theorems"):
        shutil.copytree(ROOT / part, src / part, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    site = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        "--target", str(site), str(src)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("BNVERIFY_THEOREMS", None)
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    # every layer folder must come from the wheel (an editable install's finder would otherwise
    # supply a subpackage the wheel lacks)
    code = ("import bnverify.verify.registry as r, bnverify.numerics.simulate as s, bnverify.regimes.edges as e; "
            "print(r.DEFAULT_DIR); print(r.__file__); print(s.__file__); print(e.__file__)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)
    lines = r.stdout.split()
    assert r.returncode == 0 and len(lines) == 4 and all(x.startswith(str(site)) for x in lines), (r.stdout, r.stderr)
    r = subprocess.run([str(site / "bin" / "bnverify"), "list", "--json"], capture_output=True, text=True,
                       env=env, cwd=cwd, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    keys = {row["id"] for row in json.loads(r.stdout)}
    assert len(keys) >= 10 and any(k.startswith("thm3") for k in keys)
    (entry_points,) = site.glob("bnverify-*.dist-info/entry_points.txt")  # the pytest plugin is registered
    assert "[pytest11]" in entry_points.read_text() and "bnverify.verify.pytest_plugin" in entry_points.read_text()


# --- an error is not a violation: exit 3, the traceback in a named log ------------------------------------
def test_a_raising_statement_exits_3_with_its_traceback_in_a_named_log(tiny, capsys):
    rc, out, err = run(capsys, "check", "tiny.broken", "--theorems", tiny, "--precision", "float64", *FAST)
    assert rc == 3
    line = [ln for ln in err.splitlines() if "traceback of each in" in ln][0]
    log = Path(line.rsplit(" in ", 1)[1].strip())
    text = log.read_text()
    assert "tiny.broken@v1" in text and "Traceback" in text and "bug in tiny.broken" in text
    log.unlink()


def test_report_writes_errors_log_and_exits_3(tiny, tmp_path, capsys, monkeypatch):
    no_figures(monkeypatch)
    out = tmp_path / "reports"
    rc, _, err = run(capsys, "report", "tiny.broken", "tiny.true", "--theorems", tiny, "--out", out, *FAST)
    assert rc == 3 and str(out / "errors.log") in err
    assert "bug in tiny.broken" in (out / "errors.log").read_text()


@pytest.mark.parametrize("body, needle", [
    ("import sys\nsys.exit(3)\n", "sys.exit(3)"),
    ("import no_such_module_for_bnverify\n", "no_such_module_for_bnverify"),
    ("def broken(:\n", "SyntaxError"),
])
def test_a_theorem_file_that_exits_or_fails_to_import_is_named(tmp_path, capsys, body, needle):
    d = tmp_path / "mine"
    d.mkdir()
    (d / "my_lemma.py").write_text(body)
    for argv in (["list"], ["check", "--workers", "1"]):
        rc, out, err = run(capsys, *argv, "--theorems", d)
        line = one_line(err)
        assert rc == 3 and "my_lemma.py" in line and needle in line and "traceback in" in line
        assert needle.split("(")[0] in Path(line.rsplit("traceback in ", 1)[1].rstrip(")")).read_text()


# --- one line instead of tracebacks --------------------------------------------------------------------------
@pytest.mark.parametrize("hyper", [None, [1], "H0=1", 3])
def test_reproduce_with_a_malformed_hyper_is_one_line(tiny, capsys, hyper):
    params = json.dumps({"instance": {"builder": "whitened_regression", "n": 5, "d": 2}, "hyper": hyper})
    rc, _, err = run(capsys, "reproduce", "tiny.true", "--theorems", tiny, "--params", params)
    assert rc == 2 and "hyper" in one_line(err)


@pytest.mark.parametrize("field, value", [("n", 10.5), ("d", 2.5), ("d", True), ("seed", 1.5), ("n", 10**7),
                                          ("a", 1e308), ("a", "1"), ("n", None)])
def test_reproduce_refuses_bad_instance_fields_in_one_line(tiny, capsys, field, value):
    inst = {"builder": "whitened_regression", "n": 5, "d": 2, field: value}
    params = json.dumps({"instance": inst, "hyper": GOOD_HYPER})
    rc, _, err = run(capsys, "reproduce", "tiny.true", "--theorems", tiny, "--params", params)
    assert rc == 2 and f"{field}:" in one_line(err)


def test_unwritable_out_is_one_line(tiny, capsys):
    rc, _, err = run(capsys, "figure", "section6", "--out", "/proc/bnverify-x", "--horizon", "5")
    assert rc == 2 and "/proc/bnverify-x" in one_line(err)
    rc, _, err = run(capsys, "report", "tiny.true", "--theorems", tiny, "--out", "/proc/bnverify-x", *FAST)
    assert rc == 2 and "/proc/bnverify-x" in one_line(err)


def test_unknown_hypothesis_profile_is_a_usage_error(tiny, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "bogus")
    for argv in (["check", "tiny.true", *FAST], ["report", "tiny.true", "--out", tmp_path / "r", *FAST]):
        rc, _, err = run(capsys, *argv, "--theorems", tiny)
        line = one_line(err)
        assert rc == 2 and "bogus" in line and all(p in line for p in ("ci", "dev", "deep"))


@pytest.mark.parametrize("value", ["0", "-2", "1.5", "two"])
def test_workers_messages_agree(tiny, capsys, value):
    rc, _, err = run(capsys, "check", "tiny.true", "--theorems", tiny, "--workers", value)
    assert rc == 2 and f"expected an integer >= 1, got '{value}'" in one_line(err)


def test_help_documents_the_exit_codes():
    from bnverify.cli import build_parser

    text = build_parser().format_help()
    for code in ("0 every checked statement holds", "1 a statement was violated", "2 usage error", "3 a statement",
                 "4 nothing checked"):
        assert code in " ".join(text.split()), code
    readme = " ".join((ROOT / "README.md").read_text().split())
    for code in ("**0**", "**1**", "**2**", "**3**", "**4**"):
        assert code in readme


# --- inputs: types, limits, numpy scalars, ValueError naming the parameter ---------------------------------
@pytest.mark.parametrize("builder, kw, param", [
    (whitened_regression, dict(n=10.5, d=2), "n"), (whitened_regression, dict(n=10, d=2.5), "d"),
    (whitened_regression, dict(n=5, d=True), "d"), (whitened_regression, dict(n=float("nan"), d=2), "n"),
    (whitened_regression, dict(n=10**7, d=2), "n"), (whitened_regression, dict(n=10**5, d=10**4), "n"),
    (whitened_regression, dict(n=10, d=2, seed=1.5), "seed"), (whitened_regression, dict(n=10, d=2, seed=-1), "seed"),
    (whitened_regression, dict(n=10, d=2, a="1"), "a"), (whitened_regression, dict(n=10, d=2, a=1e308), "a"),
    (whitened_regression, dict(n=10, d=2, residual=True), "residual"),
    (whitened_regression, dict(n=10, d=2, labels=1), "labels"),
    (hilbert_section6, dict(n=8.0, d=16), "n"), (hilbert_section6, dict(noise="0.1"), "noise"),
    (hilbert_section6, dict(noise=1e300), "noise"), (hilbert_section6, dict(seed=None), "seed"),
    (active_margin_logistic, dict(n=3, d=True), "d"), (active_margin_logistic, dict(n=3, d=6, margin=np.nan), "margin"),
    (active_margin_logistic, dict(n=3, d=6, spread=-1.0), "spread"),
    (active_margin_logistic, dict(n=3, d=6, balanced="yes"), "balanced"),
    (separable_logistic, dict(n=4.2, d=3), "n"), (separable_logistic, dict(n=4, d=3, seed="0"), "seed"),
])
def test_builders_raise_value_error_naming_the_parameter(builder, kw, param):
    with pytest.raises(ValueError, match=rf"^{param}:"):
        builder(**kw)


def test_build_rejects_malformed_specs():
    for spec, param in [(("whitened_regression", dict(n=5, d=2, colour=1)), "colour"),
                        (("whitened_regression", dict(d=2)), "n"), (("nope", {}), "spec"),
                        (["whitened_regression"], "spec"), (("whitened_regression", [5, 2]), "spec")]:
        with pytest.raises(ValueError, match=rf"^{param}"):
            build(spec)


def test_numpy_scalars_are_accepted_wherever_python_numbers_are():
    inst = whitened_regression(np.int64(6), np.int32(2), a=np.float32(0.5), seed=np.int64(3))
    assert (inst.n, inst.d) == (6, 2) and type(inst.spec[1]["n"]) is int and type(inst.spec[1]["a"]) is float
    h = Hyper(H0=np.float32(0.5), eta_gamma=np.float64(0.01), gamma0_over_a=np.float16(0.5), rho0=np.int64(0),
              init_seed=np.int64(2))
    assert h.H0 == 0.5 and type(h.H0) is float and h.init_seed == 2
    assert Hyper.from_dict(h.to_dict()) == h
    tr = simulate(inst, h, horizon=np.int64(3))
    assert tr.status == "finished"
    assert get_backend(np.int64(20)).dps == 20
    hilbert_section6(np.int64(4), np.int64(6), noise=np.float32(1e-3))
    separable_logistic(np.int16(4), np.int16(3))


@pytest.mark.parametrize("kw, param", [
    (dict(GOOD_HYPER, H0=True), "H0"), (dict(GOOD_HYPER, init_seed=1.5), "init_seed"),
    (dict(GOOD_HYPER, init_seed=True), "init_seed"), (dict(GOOD_HYPER, rho0="0.1"), "rho0"),
    (dict(eta=0.1, eta_gamma=0.0, gamma0=1.0, w0=("1", 2.0)), "w0"),
])
def test_hyper_rejects_wrong_types(kw, param):
    with pytest.raises(ValueError, match=rf"^{param}:"):
        Hyper(**kw)


def test_hyper_from_dict_names_unknown_fields():
    with pytest.raises(ValueError, match="unknown field"):
        Hyper.from_dict(dict(GOOD_HYPER, colour=1))
    with pytest.raises(ValueError, match="^hyper"):
        Hyper.from_dict([1])


@pytest.mark.parametrize("horizon", [True, 10**7 + 1, 2.0, np.float64(3)])
def test_horizon_type_and_limit(horizon):
    inst = whitened_regression(12, 3, seed=1)
    for sim in (simulate, simulate_reduced):
        with pytest.raises(ValueError, match="^horizon:"):
            sim(inst, Hyper(**GOOD_HYPER), horizon=horizon)


@pytest.mark.parametrize("spec", [10**6, "mpmath1000000", True, 15, "mpmath8"])
def test_precision_limits(spec):
    with pytest.raises(ValueError, match="backend|dps"):
        get_backend(spec)


def test_mpmath_dps_type_and_limit():
    for dps in (50.5, True, "50", 10**4 + 1, 10):
        with pytest.raises(ValueError, match="^dps:"):
            Mpmath(dps)
    assert Mpmath(np.int64(30)).dps == 30 and get_backend("mpmath10000").dps == 10**4


def test_figure_horizon_limit_is_a_usage_error(capsys, tmp_path):
    rc, _, err = run(capsys, "figure", "section6", "--out", tmp_path, "--horizon", str(10**8))
    assert rc == 2 and "<= 10000000" in one_line(err)


# --- interruption: signals stop the run, workers never outlive the parent -----------------------------------
# statement files for the tests below, built on tests/tiny_theorems (whatever a tiny statement
# needs to run, these inherit)
_ON_TINY = f"import sys\nsys.path.insert(0, {str(TINY)!r})\nfrom tiny import TinyTrue\n"
SLEEPY = _ON_TINY + '''
import time


class Sleepy(TinyTrue):
    """Always true, slowly: 0 <= 1 after a pause."""

    id = "sleepy.true"

    def check(self, traj, c):
        time.sleep(0.3)
        return super().check(traj, c)


STATEMENTS = [Sleepy()]
'''

RUNNER = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
          "from pathlib import Path; from bnverify.verify import registry; "
          "registry.DEFAULT_DIR = Path('/nonexistent'); "
          "from bnverify.cli import main; sys.exit(main(sys.argv[1:]))")


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _wait_for(cond, timeout=60.0):
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    return cond()


def _start_sleepy_report(tmp_path, command="report"):
    thms = tmp_path / "sleepy"
    thms.mkdir()
    (thms / "sleepy.py").write_text(SLEEPY)
    out = fake_report(tmp_path / "reports")
    argv = [command, "--theorems", str(thms), "--examples", "200", "--mp-examples", "200", "--workers", "2"]
    if command == "report":
        argv += ["--out", str(out), "--fast-figures"]
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, *argv], cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers = _wait_for(lambda: len(_children(proc.pid)) >= 2 and _children(proc.pid))
    assert workers and len(workers) >= 2, proc.communicate(timeout=30)
    time.sleep(1.0)  # the campaigns are under way in both workers
    return proc, out, workers


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to find the worker processes")
@pytest.mark.parametrize("command, sig, code", [("report", signal.SIGTERM, 143), ("report", signal.SIGINT, 130),
                                                ("check", signal.SIGTERM, 143)])
def test_signal_stops_the_run_and_its_workers_and_keeps_the_previous_report(tmp_path, command, sig, code):
    proc, out, workers = _start_sleepy_report(tmp_path, command)
    os.kill(proc.pid, sig)
    try:
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err
    assert "Traceback" not in err and ("terminated" in err or "interrupted" in err)
    assert (out / "REPORT.md").read_text() == "previous report"
    assert not list(tmp_path.glob(".reports.*"))  # no temporary folder left
    assert _wait_for(lambda: not any(_alive(w) for w in workers), timeout=20), "workers outlived the run"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to find the worker processes")
def test_workers_die_with_a_killed_parent(tmp_path):
    proc, out, workers = _start_sleepy_report(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=20)  # not communicate(): orphaned workers would hold the pipes open
    proc.stdout.close()
    proc.stderr.close()
    assert _wait_for(lambda: not any(_alive(w) for w in workers), timeout=20), "orphaned workers kept running"
    assert (out / "REPORT.md").read_text() == "previous report"


# --- the pytest plugin: `pytest --theorems DIR` ------------------------------------------------------------------
PINNED = _ON_TINY + '''
from bnverify.verify.example import Example
from bnverify.numerics.hyper import Hyper


class PinnedTrue(TinyTrue):
    """Always true, with one pinned example."""

    id = "pinned.true"
    pinned = (Example.make("whitened_regression", Hyper(H0=1.0, eta_gamma=0.001, gamma0_over_a=0.01, rho0=0.1),
                           n=5, d=2, seed=0),)


STATEMENTS = [PinnedTrue()]
'''


def test_check_explains_pinned_examples_in_its_counts(tmp_path, capsys):
    d = tmp_path / "pinned"
    d.mkdir()
    (d / "pinned.py").write_text(PINNED)
    rc, out, err = run(capsys, "check", "pinned.true", "--theorems", d, "--precision", "float64", "--examples", "3",
                       "--workers", "1")
    assert rc == 0, err
    header, _, row = out.splitlines()[:3]
    assert "pinned" in header.split() and row.split()[2:4] == ["4", "1"]  # 4 examples, 1 of them pinned
    assert "pinned examples (recorded regressions) run before the generated ones" in " ".join(out.split())


def _plugin_args() -> list[str]:
    from importlib.metadata import entry_points

    registered = any(ep.name == "bnverify" for ep in entry_points(group="pytest11"))
    return [] if registered else ["-p", "bnverify.verify.pytest_plugin"]


def _pytest_start(cwd, *args, env=None) -> subprocess.Popen:
    e = {**os.environ, **(env or {})}
    for k in ("PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST"):
        e.pop(k, None)
    return subprocess.Popen([sys.executable, "-m", "pytest", *_plugin_args(), "-p", "no:cacheprovider", "-q",
                             "-rfE", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)


def _pytest_result(proc: subprocess.Popen, timeout=300) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _pytest(cwd, *args, env=None, timeout=300):
    return _pytest_result(_pytest_start(cwd, *args, env=env), timeout)


def test_pytest_plugin_collects_a_researchers_folder(tmp_path, tiny):
    (Path(tiny) / "pinned.py").write_text(PINNED)
    work = tmp_path / "work"
    work.mkdir()
    first = _pytest_start(work, "--theorems", tiny, "--bnverify-examples", "3")
    # the same through the environment variable and under xdist (run concurrently: wall time)
    second = _pytest_start(work, "-n", "2", "--bnverify-examples", "3", env={"BNVERIFY_THEOREMS": tiny})
    r, r2 = _pytest_result(first), _pytest_result(second)
    out = r.stdout
    assert r.returncode == 1, out + r.stderr
    passed = ["tiny.true@v1[float64]", "tiny.true@v1[mpmath]", "pinned.true@v1[float64]",
              "tiny.true@v1+mutant:bound set to -1[float64]"]
    failed = {"tiny.false@v1[float64]": "VIOLATED", "tiny.picky@v1[float64]": "VACUOUS",
              "tiny.broken@v1[float64]": "bug in tiny.broken",
              "tiny.true@v1+mutant:bound doubled (still true)[float64]": "was NOT caught"}
    for name, why in failed.items():
        line = [ln for ln in out.splitlines() if ln.startswith("FAILED") and name in ln]
        assert line, (name, out)
    assert "12 failed" not in out and "passed" in out
    assert "reproduce: bnverify reproduce 'tiny.false@v1'" in out  # testing.py's failure message
    assert "pinned.true@v1 [float64]: 4 examples = 1 pinned + 3 generated" in out
    for name in passed:
        assert not any(ln.startswith("FAILED") and name in ln for ln in out.splitlines()), name
    assert r2.returncode == 1 and sum(ln.startswith("FAILED") for ln in r2.stdout.splitlines()) == \
        sum(ln.startswith("FAILED") for ln in out.splitlines()), r2.stdout[-3000:]


def test_pytest_plugin_collects_nothing_without_theorems(tmp_path):
    (tmp_path / "test_one.py").write_text("def test_one():\n    assert True\n")
    plain, missing = _pytest_start(tmp_path), _pytest_start(tmp_path, "--theorems", str(tmp_path / "missing"))
    r = _pytest_result(plain)
    assert r.returncode == 0 and "1 passed" in r.stdout, r.stdout + r.stderr
    r = _pytest_result(missing)
    assert r.returncode == 4 and "not a directory" in r.stderr + r.stdout
