"""The statement page's coverage map: the two most influential parameters, the tightest value per
cell, the attaining example and the violations marked (it never sinks a report)."""
import math

import numpy as np

from bnverify.report.coverage_fig import MAP_MIN, coverage_figure, hex_cells, influence

PARAMS = [{"name": "noise", "scale": "linear"}, {"name": "eta", "scale": "log"}, {"name": "rho0", "scale": "linear"},
          {"name": "width", "scale": "log"}]


def campaign(n: int, *, tightness: bool = True, violations=(), seed: int = 0) -> dict:
    """A float64 campaign of ``n`` draws whose tightness peaks at eta = 0.1, rho0 = 0.7 (``noise``
    and ``width`` do not matter); draws with noise > 0.85 are rejected, every 97th an artefact and
    the ``violations`` (eta, rho0) exceed the bound (tightness 1.1, 1.2, …)."""
    rng = np.random.default_rng(seed)
    pts = []
    for i in range(n):
        v = {"noise": float(rng.uniform()), "eta": float(10 ** rng.uniform(-3, 1)), "rho0": float(rng.uniform()),
             "width": float(10 ** rng.uniform(0, 3))}
        tight = 0.95 * math.exp(-(math.log10(v["eta"]) + 1) ** 2 - 10 * (v["rho0"] - 0.7) ** 2)
        outcome = "vacuous" if v["noise"] > 0.85 else "artefact" if i % 97 == 0 else "holds"
        pts.append({"values": v, "slack": 1 - tight if outcome == "holds" else None,
                    "tightness": tight if outcome == "holds" and tightness else None, "outcome": outcome,
                    "searcher": "sweep" if i % 4 else "hunt"})
    for k, (eta, rho0) in enumerate(violations, 1):
        pts.append({"values": {"noise": 0.5, "eta": eta, "rho0": rho0, "width": 10.0}, "slack": -0.1 * k,
                    "tightness": 1 + 0.1 * k if tightness else None, "outcome": "violated", "searcher": "hunt"})
    best = max((p for p in pts if p["tightness"] is not None), key=lambda p: p["tightness"]) if tightness else None
    tightest = min(pts, key=lambda p: p["slack"] if p["slack"] is not None else math.inf)
    return {"backend": "float64", "points": pts, "covered_params": PARAMS,
            "tightness_sup": best and {"value": best["tightness"], "values": best["values"],
                                       "searcher": best["searcher"], "slack": best["slack"]},
            "tightest": {"slack": tightest["slack"], "values": tightest["values"], "searcher": tightest["searcher"]}}


def test_the_map_is_over_the_influential_parameters_and_its_tightest_cell_holds_the_sup(tmp_path):
    r = campaign(3000)
    meta = coverage_figure([r], PARAMS, tmp_path / "c.png", "thm")
    assert meta["path"].stat().st_size > 0 and meta["kind"] == "hexbin" and meta["colour"] == "tightness"
    assert set(meta["axes"]) == {"eta", "rho0"} and max(meta["influence"]["noise"], meta["influence"]["width"]) < 0.05
    sup = meta["sup"]
    assert sup["value"] == r["tightness_sup"]["value"] and sup["top"]
    assert sup["cell"]["value"] == sup["value"] > 0.9  # the sup's cell is the tightest, at the peak (0.1, 0.7)
    assert abs(math.log10(sup["cell"]["centre"]["eta"]) + 1) < 0.3 and abs(sup["cell"]["centre"]["rho0"] - 0.7) < 0.1
    assert meta["counts"] == {"holds": meta["in_map"], **{k: meta["counts"][k] for k in ("vacuous", "artefact")}}
    assert meta["searchers"]["hunt"] == 750 and meta["cells"] > 100 and meta["violations"] == []
    assert "3,000 float64 draws" in meta["caption"]


def test_violations_are_marked_and_the_worst_is_the_sup(tmp_path):
    r = campaign(3000, violations=((3.0, 0.2), (0.002, 0.9)))
    meta = coverage_figure([r], PARAMS, tmp_path / "c.png", "thm")
    assert [{"eta": 3.0, "rho0": 0.2}, {"eta": 0.002, "rho0": 0.9}] == [{n: v[n] for n in ("eta", "rho0")}
                                                                       for v in meta["violations"]]
    assert meta["counts"]["violated"] == 2 and "2 violation" in meta["caption"]
    assert meta["sup"]["values"]["eta"] == 0.002 and meta["sup"]["top"] and meta["sup"]["cell"]["value"] == 1.2


def test_hex_cells_are_matplotlibs_hexagons():
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(1)
    x, y, c = rng.uniform(-3, 1, 2000), rng.uniform(0, 1, 2000), rng.uniform(size=2000)
    extent, gridsize = (-3.0, 1.0, 0.0, 1.0), (20, 11)
    fig, ax = plt.subplots()
    drawn = ax.hexbin(x, y, C=c, reduce_C_function=np.max, gridsize=gridsize, extent=extent, mincnt=1)
    plt.close(fig)
    centres, inverse = np.unique(hex_cells(x, y, extent, gridsize), axis=0, return_inverse=True)
    mine = sorted(float(c[inverse.ravel() == i].max()) for i in range(len(centres)))
    assert mine == sorted(drawn.get_array().tolist())  # the same cells, each with the same maximum


def test_influence_is_the_binned_share_of_rank_variance():
    u = np.linspace(0, 1, 1000)
    assert influence(u, u ** 3) > 0.95 and influence(u, np.cos(7 * u)) > 0.5  # monotone or not
    assert influence(u, np.random.default_rng(0).permutation(u)) < 0.05
    assert influence(np.where(u < 0.5, np.nan, u), u) < 0.55  # read by half the draws: half the weight


def test_few_points_are_a_scatter_and_a_statement_without_tightness_is_coloured_by_slack(tmp_path):
    r = campaign(150, tightness=False, violations=((3.0, 0.2),))
    meta = coverage_figure([r], PARAMS, tmp_path / "c.png", "thm")
    assert meta["in_map"] < MAP_MIN and meta["kind"] == "scatter" and meta["colour"] == "slack"
    assert (meta["sup"]["value"] == -0.1 and meta["violations"]
            and meta["sup"]["values"] == {n: r["tightest"]["values"][n] for n in meta["axes"]})
    assert meta["cells"] is None and "no tightness" in meta["caption"]


def test_one_parameter_spaces_plot_the_quantity_against_it(tmp_path):
    r = campaign(500)
    params = [{"name": "eta", "scale": "log"}]
    meta = coverage_figure([r], params, tmp_path / "c.png", "thm")
    assert meta["kind"] == "1-D" and meta["axes"] == ["eta"] and meta["sup"]["top"]
    assert abs(math.log10(meta["sup"]["cell"]["centre"]["eta"]) + 1) < 0.3  # half a bin (0.18 decade) from the peak


def test_a_log_parameter_no_point_uses_is_drawn_linear(tmp_path):
    pts = [{"values": {"H0": 2.0 + i, "rho0": None}, "slack": 0.1 * i, "outcome": "holds", "searcher": "sweep"}
           for i in range(5)]
    results = [{"backend": "float64", "points": pts}]
    params = [{"name": "H0", "scale": "log"}, {"name": "rho0", "scale": "log"}]
    meta = coverage_figure(results, params, tmp_path / "c.png", "t")
    assert meta is not None and meta["path"].stat().st_size > 0 and meta["axes"] == ["H0"]


def test_a_pinned_sup_without_coordinates_is_named_and_the_tightest_draw_starred(tmp_path):
    r = campaign(400)
    drawn = r["tightness_sup"]
    r["tightness_sup"] = {"value": 0.99, "values": None, "searcher": "pinned", "slack": 0.01}
    meta = coverage_figure([r], PARAMS, tmp_path / "c.png", "thm")
    assert meta["campaign_sup"] == {"value": 0.99, "searcher": "pinned", "placed": False}
    assert meta["sup"]["value"] == drawn["value"] and meta["sup"]["top"]
    assert "(0.99) is a pinned example with no coordinates" in meta["caption"]
