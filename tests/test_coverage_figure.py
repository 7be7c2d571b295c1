"""The statement page's coverage figure draws whatever the points carry (it never sinks a report)."""
from bnverify.report.coverage_fig import coverage_figure


def test_a_log_parameter_no_point_uses_is_drawn_linear(tmp_path):
    pts = [{"values": {"H0": 2.0 + i, "rho0": None}, "slack": 0.1 * i, "outcome": "holds"} for i in range(5)]
    results = [{"backend": "float64", "points": pts}]
    params = [{"name": "H0", "scale": "log"}, {"name": "rho0", "scale": "log"}]
    path = coverage_figure(results, params, tmp_path / "c.png", "t")
    assert path is not None and path.stat().st_size > 0
