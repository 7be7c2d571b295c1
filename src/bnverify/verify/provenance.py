"""Which code produced a result: the git commit of the running checkout, and whether its tree
was modified (read by the report's header and the deep run's summary)."""
from __future__ import annotations

import subprocess
from pathlib import Path


def git_commit(path: Path | None = None) -> str:
    """``sha`` of the checkout holding this package (``sha (modified tree; files differing from it: …)``
    when tracked files differ from it), or ``unknown`` (an installed copy, no git)."""
    path = path or Path(__file__).resolve().parents[3]
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=path, capture_output=True, text=True,
                             timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=path,
                               capture_output=True, text=True, timeout=10).stdout
        # porcelain lines are "XY path": strip only line ends (the first line may start with a space)
        files = sorted({line[3:] for line in dirty.splitlines() if line.strip()})
        return (sha or "unknown") + (f" (modified tree; files differing from it: {', '.join(files)})" if sha and files else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
