"""The coverage map of a statement page: the float64 draws over the two most influential covered
parameters, each on its declared scale (log or linear).

*Colour*: the tightness (observed ÷ bound) where some decided draw has one, else the slack (as
sign·log10(1 + |slack|)); bright is tight either way. With :data:`MAP_MIN` or more decided draws
the map is a hexbin of the tightest value per cell (max tightness, min slack), with fewer a scatter;
one drawable parameter gives the quantity against it with its per-bin extreme. The attaining
example (the campaign's tightness sup, else its smallest slack) is starred, violations are red
crosses, rejected draws and artefacts / undecided / raised draws faint.

*Influence* (:func:`influence`): the share of the quantity's rank variance explained by
:data:`BINS` equal-width bins of the parameter on its scale (η² of ranks, Kruskal–Wallis' effect
size), times the share of decided draws that read the parameter; the two largest are the axes
(ties: declared order)."""
from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import rankdata  # noqa: E402

MAP_MIN = 200  # decided draws from which the 2-D figure is a hexbin rather than a scatter
BINS = 10  # bins per parameter of the influence measure
DECIDED = ("holds", "violated")
# how each coloured quantity is drawn: the tightest per cell (max tightness, min slack), bright either way
LOOK = {"tightness": dict(reduce=np.max, cmap="viridis", tightest="largest", beyond="max", per="max",
                          attained="tightness sup", record="tightness_sup", value="value",
                          label="tightness (observed ÷ bound)"),
        "slack": dict(reduce=np.min, cmap="viridis_r", tightest="smallest", beyond="min", per="min",
                      attained="smallest slack", record="tightest", value="slack",
                      label="sign(slack)·log10(1+|slack|) (no tightness)")}
FAINT = ("artefact", "undecided", "error")


def _num(v) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else math.nan


def values(points: list[dict], name: str) -> np.ndarray:
    """The parameter's numeric values; nan where a draw has none."""
    return np.array([_num(p["values"].get(name)) for p in points], float)


def coords(points: list[dict], name: str, scale: str) -> np.ndarray:
    """The parameter's values on its declared scale (log10 for ``log``); nan where a draw has none."""
    v = values(points, name)
    if scale == "log":
        with np.errstate(invalid="ignore", divide="ignore"):
            v = np.where(v > 0, np.log10(np.where(v > 0, v, 1.0)), np.nan)
    return v


def _unscale(t: np.ndarray, scale: str) -> np.ndarray:
    return 10.0 ** t if scale == "log" else t


def signed_log(x: np.ndarray) -> np.ndarray:
    """sign(x)·log10(1 + |x|): slacks spanning decades on one colour scale."""
    return np.sign(x) * np.log10(1 + np.abs(np.nan_to_num(x, posinf=1e300, neginf=-1e300)))


def quantity(points: list[dict]) -> tuple[str, np.ndarray]:
    """``("tightness", t)`` if some decided draw has a tightness, else ``("slack", slack)``; nan
    where undefined and for draws that are not decided."""
    decided = [p["outcome"] in DECIDED for p in points]
    t = np.array([_num(p.get("tightness")) if d else math.nan for p, d in zip(points, decided)], float)
    if np.isfinite(t).any():
        return "tightness", t
    return "slack", np.array([_num(p.get("slack")) if d else math.nan for p, d in zip(points, decided)], float)


def influence(u: np.ndarray, z: np.ndarray, bins: int = BINS) -> float:
    """η² of the ranks of ``z`` over equal-width bins of ``u`` (fewer bins below 10 draws per bin),
    times the share of finite ``z`` whose ``u`` is finite; 0 when either is constant or < 3 draws."""
    have_z = np.isfinite(z)
    ok = have_z & np.isfinite(u)
    if ok.sum() < 3 or np.ptp(u[ok]) == 0:
        return 0.0
    r = rankdata(z[ok])
    if np.var(r) == 0:
        return 0.0
    k = max(2, min(bins, int(ok.sum()) // 10))
    idx = np.minimum(((u[ok] - u[ok].min()) / np.ptp(u[ok]) * k).astype(int), k - 1)
    n, s = np.bincount(idx, minlength=k), np.bincount(idx, r, minlength=k)
    occupied = n > 0
    between = np.sum(n[occupied] * (s[occupied] / n[occupied] - r.mean()) ** 2)
    return float(between / (r.size * np.var(r)) * ok.sum() / have_z.sum())


def influential(points: list[dict], params: list[dict], z: np.ndarray) -> tuple[list[str], dict[str, float]]:
    """The (up to) two covered parameters of largest :func:`influence` on ``z`` that some draw
    reads (ties: declared order), and every covered parameter's influence."""
    score = {p["name"]: influence(coords(points, p["name"], p["scale"]), z) for p in params}
    drawable = [p["name"] for p in params if np.isfinite(coords(points, p["name"], p["scale"])).any()]
    return sorted(drawable, key=lambda n: -score[n])[:2], score


def hex_cells(tx: np.ndarray, ty: np.ndarray, extent: tuple, gridsize: tuple[int, int]) -> np.ndarray:
    """The centres (scale coordinates, one row per point) of the cells of
    ``Axes.hexbin(extent=extent, gridsize=gridsize)`` holding the points: matplotlib's two
    lattices, the nearer centre in cell units with ``d² = dx² + 3 dy²``."""
    xmin, xmax, ymin, ymax = extent
    pad = 1e-9 * (xmax - xmin)  # matplotlib's padding
    xmin, xmax = xmin - pad, xmax + pad
    sx, sy = (xmax - xmin) / gridsize[0], (ymax - ymin) / gridsize[1]
    ix, iy = (tx - xmin) / sx, (ty - ymin) / sy
    ix1, iy1, ix2, iy2 = np.round(ix), np.round(iy), np.floor(ix) + 0.5, np.floor(iy) + 0.5
    first = (ix - ix1) ** 2 + 3 * (iy - iy1) ** 2 < (ix - ix2) ** 2 + 3 * (iy - iy2) ** 2
    return np.column_stack([np.where(first, ix1, ix2) * sx + xmin, np.where(first, iy1, iy2) * sy + ymin])


def bin_cells(tx: np.ndarray, lo: float, hi: float, k: int) -> np.ndarray:
    """The centres (one row per point) of ``k`` equal-width bins of ``[lo, hi]`` holding the points."""
    width = (hi - lo) / k
    return (lo + (np.clip(np.floor((tx - lo) / width), 0, k - 1) + 0.5) * width)[:, None]


def _grid(n: int) -> int:
    """Cells along x for ``n`` decided draws (about 4 draws per hexagon, 10 to 30)."""
    return int(np.clip(round(math.sqrt(n / 4)), 10, 30))


def _span(t: np.ndarray) -> tuple[float, float]:
    """The range of ``t``, widened by 10 % (at least 0.1) when it is a single value."""
    lo, hi = float(t.min()), float(t.max())
    pad = 0.1 * max(abs(lo), 1.0) if hi == lo else 0.0
    return lo - pad, hi + pad


def coverage_figure(results: list[dict], params: list[dict], path: Path, title: str) -> dict | None:
    """Draw the coverage map of a statement's float64 campaign (``params``: its covered parameters
    as ``{name, scale}``). Returns what it shows — ``path``, ``kind`` (hexbin / scatter / 1-D),
    ``axes``, ``scales``, ``influence``, ``colour``, ``draws``, ``searchers``, ``counts``,
    ``in_map``, ``off_axes`` (draws lacking an axis), ``cells``, ``sup`` (its axis values, value and
    cell — centre, tightest value, draws; ``top``: the tightest cell), ``violations`` (their axis
    values) and ``caption`` — or None when there is nothing to draw."""
    f64 = [r for r in results if r["backend"] == "float64"]
    pts = [p for r in f64 for p in r.get("points", [])]
    if not pts or not params:
        return None
    what, raw = quantity(pts)
    axes, score = influential(pts, params, raw)
    if not axes:
        return None
    scale = {n: next(p["scale"] for p in params if p["name"] == n) for n in axes}
    look = LOOK[what]
    tightest = look["reduce"]
    shown = (lambda x: x) if what == "tightness" else signed_log  # the quantity as coloured
    colour = shown(raw)
    t = [coords(pts, n, scale[n]) for n in axes]
    v = [values(pts, n) for n in axes]
    placed = np.all([np.isfinite(c) for c in t], axis=0)
    outcome = np.array([p["outcome"] for p in pts])
    mapped = placed & np.isfinite(raw)
    violated = placed & (outcome == "violated")
    n_map = int(mapped.sum())

    meta = dict(path=path, kind="1-D" if len(axes) == 1 else ("hexbin" if n_map >= MAP_MIN else "scatter"),
                axes=axes, scales=scale, influence=score, colour=what, draws=len(pts),
                searchers=dict(Counter(p["searcher"] for p in pts)), counts=dict(Counter(outcome.tolist())),
                in_map=n_map, undefined=int((np.isin(outcome, DECIDED) & ~np.isfinite(raw)).sum()),
                off_axes=int((~placed).sum()), cells=None, sup=None,
                violations=[dict(zip(axes, row)) for row in np.column_stack([c[violated] for c in v]).tolist()])

    fig, ax = plt.subplots(figsize=(6.4, 4.8))

    def y_of(sel):  # 1-D: the quantity itself on y
        return v[1][sel] if len(axes) > 1 else colour[sel]

    def faint(sel, colour_name: str, label: str, **style):  # undecided draws: faint marks (1-D: a rug)
        if not sel.any():
            return
        if len(axes) == 1:  # no quantity to place them by: a rug along the bottom
            ax.scatter(v[0][sel], np.full(int(sel.sum()), 0.02), transform=ax.get_xaxis_transform(), marker="|",
                       s=30, c=colour_name, alpha=0.6, zorder=3, label=label)
        else:
            ax.scatter(v[0][sel], v[1][sel], alpha=0.6, label=label, **style)

    holds = mapped & (outcome == "holds")
    lims = colour[holds] if holds.any() else colour[mapped]  # violations beyond the holds' range saturate
    norm = dict(cmap=look["cmap"], vmin=float(lims.min()) if lims.size else None,
                vmax=float(lims.max()) if lims.size else None)
    faint(placed & (outcome == "vacuous"), "lightgrey",
          f"rejected (hypotheses unmet): {int((outcome == 'vacuous').sum())}",
          s=4, c="lightgrey", zorder=1)
    cell_of = None
    if meta["kind"] == "hexbin":
        extent = (*_span(t[0][mapped]), *_span(t[1][mapped]))
        nx = _grid(n_map)
        gridsize = (nx, max(1, int(nx / math.sqrt(3))))
        m = ax.hexbin(v[0][mapped], v[1][mapped], C=colour[mapped], reduce_C_function=tightest, gridsize=gridsize,
                      extent=extent, xscale=scale[axes[0]], yscale=scale[axes[1]], mincnt=1, linewidths=0.2, zorder=2,
                      **norm)
        cell_of = lambda tt: hex_cells(tt[0], tt[1], extent, gridsize)  # noqa: E731
    else:
        m = ax.scatter(v[0][mapped], y_of(mapped), c=colour[mapped], s=12, zorder=2, label=f"decided: {n_map:,}",
                       **norm)
        if len(axes) == 1 and mapped.any():
            lo, hi = _span(t[0][mapped])
            k = _grid(n_map)
            cell_of = lambda tt: bin_cells(tt[0], lo, hi, k)  # noqa: E731
    if cell_of is not None:
        centres, inverse, counts = np.unique(cell_of([c[mapped] for c in t]), axis=0, return_inverse=True,
                                             return_counts=True)
        inverse = inverse.ravel()
        best = np.array([tightest(raw[mapped][inverse == i]) for i in range(len(centres))], float)
        meta["cells"] = len(centres)
        if len(axes) == 1:  # the per-bin extreme as stairs over the bins' edges (gaps where a bin is empty)
            per_bin = np.full(k, np.nan)
            per_bin[np.round((centres[:, 0] - lo) / ((hi - lo) / k) - 0.5).astype(int)] = best
            ax.stairs(shown(per_bin), _unscale(np.linspace(lo, hi, k + 1), scale[axes[0]]), baseline=None,
                      color="black", lw=0.8, zorder=3, label=f"{look['per']} per bin ({meta['cells']} of {k})")
    if mapped.any():
        fig.colorbar(m, ax=ax, extend=look["beyond"] if violated.any() else "neither",  # violations saturate
                     label=look["label"] + (", tightest per cell" if meta["kind"] == "hexbin" else ""))
    faint(placed & np.isin(outcome, DECIDED) & ~np.isfinite(raw), "grey",
          f"decided, {what} undefined: {meta['undefined']}",
          s=10, marker="o", facecolors="none", edgecolors="grey", zorder=1)
    faint(placed & np.isin(outcome, FAINT), "orange",
          f"artefact / undecided / raised: {int(np.isin(outcome, FAINT).sum())}",
          s=14, marker="s", facecolors="none", edgecolors="orange", zorder=3)
    if violated.any():
        ax.scatter(v[0][violated], y_of(violated), s=60, marker="x", c="red", linewidths=1.5, zorder=7,
                   label=f"violated: {meta['counts'].get('violated', 0)}")
    rec = meta_rec = next((r.get(look["record"]) for r in f64), None)
    meta["campaign_sup"] = rec and dict(value=rec[look["value"]], searcher=rec.get("searcher"),
                                        placed=rec.get("values") is not None)
    # a pinned sup has no coordinates: the tightest draw
    if (rec is None or rec.get("values") is None) and mapped.any():
        j = int(np.flatnonzero(mapped)[np.argmax(raw[mapped]) if what == "tightness" else np.argmin(raw[mapped])])
        rec = dict(values=pts[j]["values"], searcher=pts[j]["searcher"], **{look["value"]: float(raw[j])})
    if rec is not None and rec.get("values") is not None:
        value = rec[look["value"]]
        meta["sup"] = sup = dict(values={n: rec["values"].get(n) for n in axes}, value=value,
                                 searcher=rec.get("searcher"), cell=None, top=None)
        st = [coords([rec], n, scale[n]) for n in axes]
        if np.isfinite(st).all():
            on_y = _unscale(st[1], scale[axes[1]]) if len(axes) > 1 else shown(np.array([value]))
            ax.scatter(_unscale(st[0], scale[axes[0]]), on_y, s=220, marker="*", facecolors="none",
                       edgecolors="black", linewidths=1.2, zorder=6,
                       label=f"{look['attained'] if rec is meta_rec else 'tightest draw'} {value:.4g} "
                             f"({rec.get('searcher')})")
            if cell_of is not None:
                i = np.flatnonzero(np.all(np.isclose(centres, cell_of(st)), axis=1))
                if i.size:
                    i = int(i[0])
                    sup["cell"] = dict(centre={n: float(_unscale(c, scale[n])) for n, c in zip(axes, centres[i])},
                                       value=float(best[i]), draws=int(counts[i]))
                    sup["top"] = bool(best[i] == tightest(best))
    ax.set_xlabel(f"{axes[0]} ({scale[axes[0]]})")
    ax.set_xscale("log" if scale[axes[0]] == "log" else "linear")
    if len(axes) > 1:
        ax.set_ylabel(f"{axes[1]} ({scale[axes[1]]})")
        ax.set_yscale("log" if scale[axes[1]] == "log" else "linear")
    else:
        ax.set_ylabel(look["label"])
    searchers = ", ".join(f"{s} {n:,}" for s, n in meta["searchers"].items())
    ax.set_title(f"{title}\n{meta['draws']:,} float64 draws ({searchers}); {n_map:,} decided shown", fontsize=8)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)
    meta["caption"] = caption(meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return meta


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def caption(meta: dict) -> str:
    """The statement page's sentences on the map."""
    look, what = LOOK[meta["colour"]], meta["colour"]
    axes = " and ".join(f"`{n}` ({meta['scales'][n]})" for n in meta["axes"])
    searchers = ", ".join(f"{s} {n:,}" for s, n in meta["searchers"].items())
    influence_text = ", ".join(f"{meta['influence'][n]:.2f}" for n in meta["axes"])
    out = [f"Coverage map of the {_count(meta['draws'], 'float64 draw')} ({searchers}) over {axes}: "
           + ("the covered parameters that best explain" if len(meta["axes"]) > 1 else "the one drawable covered "
              "parameter, against") + f" the {what}"
           + (" (the statement has no tightness)" if what == "slack" else " (observed ÷ bound)")
           + f" — influence {influence_text}, the share of its rank "
           f"variance explained by {BINS} bins along the parameter on its scale.",
           {"hexbin": f"Each hexagon is coloured by the {look['tightest']} {what} of its decided draws "
                      f"({meta['cells']} cells).",
            "scatter": f"Each decided draw is coloured by its {what} (a scatter: fewer than {MAP_MIN} decided draws).",
            "1-D": f"Each decided draw is shown at its {what}, with the {look['per']} per bin."}[meta["kind"]]]
    sup, campaign = meta["sup"], meta["campaign_sup"]
    if campaign is not None and not campaign["placed"]:
        out.append(f"The {look['attained']} ({campaign['value']:.4g}) is a {campaign['searcher']} example with no "
                   f"coordinates in the space"
                   + (f"; ★ marks the tightest draw ({sup['value']:.4g}, {sup['searcher']})." if sup else "."))
    elif sup is not None:
        out.append(f"★ marks the {look['attained']} ({sup['value']:.4g}, {sup['searcher']})"
                   + (", in the tightest cell." if sup.get("top") else "."))
    n_violated = meta["counts"].get("violated", 0)
    out.append(f"Red ×: the {_count(n_violated, 'violation')}." if n_violated else "No violation.")
    rug = meta["kind"] == "1-D"  # faint draws are ticks along the bottom
    faint = [(meta["counts"].get("vacuous", 0), f"rejected ({'light grey ticks' if rug else 'grey dots'})"),
             (meta["undefined"], f"decided without a {what} ({'grey ticks' if rug else 'grey circles'})"),
             (sum(meta["counts"].get(k, 0) for k in FAINT),
              f"artefact / undecided / raised ({'orange ticks' if rug else 'orange squares'})")]
    if any(n for n, _ in faint):
        out.append("Faint: " + ", ".join(f"{n:,} {text}" for n, text in faint if n) + ".")
    if meta["off_axes"]:
        out.append(f"{_count(meta['off_axes'], 'draw')} that do not read every axis parameter are left out.")
    return " ".join(out)
