"""The coverage figure of a statement page: the examples that met the hypotheses over the two most
influential covered parameters (largest |Spearman correlation| with the slack), coloured by slack;
violations marked, rejected draws grey."""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _rank(x):
    return np.argsort(np.argsort(x)).astype(float)


def influential(points: list[dict], names: list[str]) -> list[str]:
    """The (up to) two parameter names whose values best explain the slack (Spearman)."""
    dec = [p for p in points if p["slack"] is not None and math.isfinite(p["slack"])]
    scores = []
    for n in names:
        xs = [p["values"].get(n) for p in dec]
        if len(dec) < 3 or any(not isinstance(x, (int, float)) or isinstance(x, bool) for x in xs):
            continue
        x, y = _rank(np.array(xs, float)), _rank(np.array([p["slack"] for p in dec]))
        c = np.corrcoef(x, y)[0, 1] if x.std() > 0 and y.std() > 0 else 0.0
        scores.append((abs(c) if np.isfinite(c) else 0.0, n))
    chosen = [n for _, n in sorted(scores, reverse=True)[:2]]
    for n in names:  # fall back to the first covered ones
        if len(chosen) >= 2:
            break
        if n not in chosen:
            chosen.append(n)
    return chosen[:2]


def coverage_figure(results: list[dict], params: list[dict], path: Path, title: str) -> Path | None:
    """``params``: the covered parameters as ``{name, scale}``; None when there is nothing to draw."""
    pts = [p for r in results if r["backend"] == "float64" for p in r.get("points", [])]
    names = [p["name"] for p in params]
    if not pts or not names:
        return None
    scale = {p["name"]: p["scale"] for p in params}
    xy = influential(pts, names)
    fig, ax = plt.subplots(figsize=(6, 4.2))

    def coords(sel, n):
        return np.array([float(p["values"].get(n, np.nan)) if isinstance(p["values"].get(n), (int, float)) else np.nan
                         for p in sel])

    x_name = xy[0]
    y_name = xy[1] if len(xy) > 1 else None
    rej = [p for p in pts if p["outcome"] == "vacuous"]
    ok = [p for p in pts if p["outcome"] in ("holds", "violated") and p["slack"] is not None]
    bad = [p for p in pts if p["outcome"] == "violated"]
    other = [p for p in pts if p["outcome"] in ("artefact", "undecided", "error")]

    def y_of(sel):
        return coords(sel, y_name) if y_name else np.zeros(len(sel))

    if rej:
        ax.scatter(coords(rej, x_name), y_of(rej), s=6, c="lightgrey", label=f"rejected (hypotheses unmet): {len(rej)}")
    if ok:
        sl = np.array([p["slack"] for p in ok], float)
        col = np.sign(sl) * np.log10(1 + np.abs(np.nan_to_num(sl, posinf=1e300, neginf=-1e300)))
        m = ax.scatter(coords(ok, x_name), y_of(ok), s=10, c=col, cmap="viridis", label=f"decided: {len(ok)}")
        fig.colorbar(m, ax=ax, label="sign(slack)·log10(1+|slack|)")
    if other:
        ax.scatter(coords(other, x_name), y_of(other), s=14, marker="s", facecolors="none", edgecolors="orange",
                   label=f"artefact / undecided / raised: {len(other)}")
    if bad:
        ax.scatter(coords(bad, x_name), y_of(bad), s=40, marker="x", c="red", label=f"violated: {len(bad)}")
    def loggable(n):  # a log axis needs a positive finite value to draw (a parameter unused by every point has none)
        v = coords(pts, n)
        return scale.get(n) == "log" and bool(np.any(np.isfinite(v) & (v > 0)))

    ax.set_xlabel(x_name)
    if loggable(x_name):
        ax.set_xscale("log")
    if y_name:
        ax.set_ylabel(y_name)
        if loggable(y_name):
            ax.set_yscale("log")
    ax.legend(fontsize=7, loc="best")
    ax.set_title(title, fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.tight_layout()
        fig.savefig(path, dpi=110)
    except ValueError:  # a log axis with nothing positive left to draw: the same figure on linear axes
        ax.set_xscale("linear")
        ax.set_yscale("linear")
        fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
