"""The layer rule of docs/ARCHITECTURE.md, checked over the import graph with import-linter (the
contract is in pyproject.toml): arithmetic and model → regime theory → verification engine →
report → CLI; nothing imports from a layer above it."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_no_module_imports_from_a_layer_above_it():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail("import-linter is not installed (it is in the project's test extra)")
    r = subprocess.run([exe, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT / "src", capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
