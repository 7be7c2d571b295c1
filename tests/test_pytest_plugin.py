"""The pytest plugin (``pytest --theorems DIR``): it collects that folder's statements and mutants only,
from the repository root and from anywhere else; it never writes the environment; the project's
meta-tests read the shipped statements only; its summary shows distinct cases and coverage."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from bnverify.verify import registry

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "tiny_theorems"
# tiny.py: 4 statements (float64 and mpmath items each) and 2 mutants (float64)
TINY_ITEMS = 4 * 2 + 2


def _plugin_args() -> list[str]:
    from importlib.metadata import entry_points

    registered = any(ep.name == "bnverify" for ep in entry_points(group="pytest11"))
    return [] if registered else ["-p", "bnverify.verify.pytest_plugin"]


def _pytest(cwd, *args, env=None, timeout=300) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items()
         if k not in ("PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST", registry.ENV)}
    return subprocess.run([sys.executable, "-m", "pytest", *_plugin_args(), "-p", "no:cacheprovider", "-q", *args],
                          cwd=cwd, capture_output=True, text=True, env={**e, **(env or {})}, timeout=timeout)


def _collected(r: subprocess.CompletedProcess) -> list[str]:
    return [ln for ln in r.stdout.splitlines() if "::" in ln]


def test_theorems_from_the_repository_root_collects_that_folder_only():
    r = _pytest(ROOT, "--theorems", str(TINY.relative_to(ROOT)), "--collect-only")
    items = _collected(r)
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(items) == TINY_ITEMS and all(i.startswith("::bnverify::tiny.") for i in items), items


def test_theorems_from_anywhere_else_collects_that_folder_only(tmp_path):
    (tmp_path / "test_unrelated.py").write_text("def test_unrelated():\n    pass\n")
    r = _pytest(tmp_path, "--theorems", str(TINY), "--collect-only")
    items = _collected(r)
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(items) == TINY_ITEMS and all(i.startswith("::bnverify::tiny.") for i in items), items
    # through the environment variable: the same items
    r = _pytest(tmp_path, "--collect-only", env={registry.ENV: str(TINY)})
    assert sorted(_collected(r)) == sorted(items), r.stdout + r.stderr


def test_the_plugin_never_writes_the_environment(tmp_path):
    """A statement file imported at collection sees the environment pytest was started with."""
    d = tmp_path / "thms"
    shutil.copytree(TINY, d)
    seen = tmp_path / "seen.txt"
    (d / "probe.py").write_text(f"import os\nopen({str(seen)!r}, 'w').write(repr(os.environ.get({registry.ENV!r})))\n")
    r = _pytest(tmp_path, "--theorems", str(d), "--collect-only")
    assert r.returncode == 0, r.stdout + r.stderr
    assert seen.read_text() == "None"


def test_meta_tests_read_the_shipped_statements_only(monkeypatch):
    monkeypatch.setenv(registry.ENV, str(TINY))
    assert any(s.id.startswith("tiny.") for s in registry.load())  # the CLI's discovery reads the variable
    shipped = registry.shipped() + registry.shipped(mutants=True)
    assert shipped and not any(s.id.startswith("tiny.") for s in shipped)
    assert all(Path(s.source_file).parent == registry.DEFAULT_DIR for s in shipped)


def test_the_summary_shows_distinct_cases_and_coverage(tmp_path):
    d = tmp_path / "mine"
    d.mkdir()
    shutil.copy(ROOT / "docs" / "examples" / "gamma_below_a.py", d)
    r = _pytest(tmp_path, "--theorems", str(d), "--bnverify-examples", "3", "-rA")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("mine.gamma_below_a@v1 [float64]"))
    assert "3 examples = 0 pinned + 3 generated" in line and "distinct" in line and "coverage 1-D" in line, line


def test_items_are_collected_and_counted_like_tests(tmp_path):
    """Issue 21: pytest said "collected 0 items" / "no tests collected" while it listed and ran them
    (they were added in pytest_collection_modifyitems); a collector of the session's makes them counted."""
    r = _pytest(tmp_path, f"--theorems={TINY}", "--collect-only")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{TINY_ITEMS} tests collected" in r.stdout, r.stdout
    r = _pytest(tmp_path, f"--theorems={TINY}", "--collect-only", "-o", "addopts=", "-rN")
    assert "no tests collected" not in r.stdout


def test_the_equals_form_keeps_the_rootdir_and_the_spaced_form_says_why_not(tmp_path):
    """``--theorems /elsewhere`` is read by pytest as a path before plugins load, so it picks the rootdir
    (ids ``..::bnverify::…``, .pytest_cache beside); ``--theorems=/elsewhere`` does not, and the header
    of the spaced form says so."""
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    shutil.copytree(TINY, there)
    (here / "pytest.ini").write_text("[pytest]\n")
    r = _pytest(here, f"--theorems={there}", "--collect-only", "-v")
    assert f"rootdir: {here}" in r.stdout and "was chosen from" not in r.stdout, r.stdout
    r = _pytest(here, f"--theorems={there}", "--collect-only")
    assert len(_collected(r)) == TINY_ITEMS and all(i.startswith("::bnverify::") for i in _collected(r)), r.stdout
    (here / "pytest.ini").unlink()
    r = _pytest(here, "--theorems", str(there), "--collect-only", "-v")
    assert f"rootdir: {here}" not in r.stdout
    assert f"write --theorems={there}" in r.stdout, r.stdout
