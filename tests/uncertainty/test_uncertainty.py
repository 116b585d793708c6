"""Sampling, one evaluation against the study chain, percentiles, the tornado and the CLI (loop and LocalCluster)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.uncertainty.inputs import draw_matrix, draw_values
from corridor.uncertainty.summary import analyse, percentiles

runner = CliRunner()


@pytest.fixture(scope="module")
def prepared():
    """The bundled study prepared once (freight problems of both scenarios and years, the network's ranges), on one
    OpenMP thread as the draws and as the run_study it is compared with (the base-year calibration solves
    equilibria too)."""
    from corridor.uncertainty.model import _openmp, prepare

    with _openmp().limit(limits=1, user_api="openmp"):  # the controller that sees the assignment's kernels
        return prepare()


def test_latin_hypercube_is_stratified_and_seeded(prepared):
    u = draw_matrix(len(prepared.inputs), 20, seed=7)
    assert u.shape == (20, len(prepared.inputs))
    for k in range(u.shape[1]):  # one draw in each twentieth of every input's range
        assert sorted(np.floor(u[:, k] * 20).astype(int)) == list(range(20))
    assert np.array_equal(u, draw_matrix(len(prepared.inputs), 20, seed=7))
    assert not np.array_equal(u, draw_matrix(len(prepared.inputs), 20, seed=8))
    vals = draw_values(prepared.inputs, u)
    for i in prepared.inputs:
        got = [v[i.name] for v in vals]
        assert min(got) >= i.figure.low and max(got) <= i.figure.high


def test_every_ranged_input_is_sampled(prepared):
    names = set(prepared.names)
    assert {"appraisal:capex_usd", "appraisal:discount_rate", "appraisal:co2_g_per_tkm.road",
            "trade:sigma_central", "trade:hs_tariff_per_day_central"} <= names
    from corridor.sourced import iter_ranges

    network = {p.removeprefix("network:ranges.") for p, _ in iter_ranges() if p.startswith("network:")}
    assert network and {f"network:{k}" for k in network} <= names  # every ranged link figure
    appraisal = {p.removeprefix("appraisal:") for p, _ in iter_ranges() if p.startswith("appraisal:")}
    assert appraisal and {f"appraisal:{k}" for k in appraisal} <= names  # every ranged appraisal input
    assert set(prepared.appraisal.ranged()) == {n.removeprefix("appraisal:") for n in names
                                                if n.startswith("appraisal:")}


@pytest.mark.fresh_study  # its one-thread study must not become the suite's memo of the bundled study
def test_central_evaluation_is_the_study_chain(prepared):
    """The fast evaluation gives run_study's project tonnes, trade change, appraisal and finance."""
    from threadpoolctl import ThreadpoolController

    from corridor.study import default_spec, run_study

    with ThreadpoolController().limit(limits=1, user_api="openmp"):  # as an evaluation solves its equilibria
        r = run_study(default_spec())
    out = prepared.evaluate()
    assert (prepared.project, prepared.without) == (r.project.name, r.against.name)
    # the forecast's modelled years (demand grown by class, the project's generated traffic), as the study
    assert prepared.years == tuple(r.forecast.modelled_years) == (2024, 2030, 2040, 2050, 2060)
    for y in prepared.years:
        assert out[f"corridor_flow_t_{y}"] == pytest.approx(r.assignment.volumes(y).total_t, rel=1e-6)
    flows = r.forecast.table.set_index("year")["project_t"]  # ramp-up applied
    opening = r.forecast.opening_year
    assert {k for k in out if k.startswith("flow_by_year_t_")} == {f"flow_by_year_t_{y}" for y in prepared.years
                                                                     if y >= opening}
    for y in (y for y in prepared.years if y >= opening):
        assert out[f"flow_by_year_t_{y}"] == pytest.approx(flows[y], rel=1e-6)
    assert out["co2_t_per_yr"] == pytest.approx(float(r.appraisal.table["co2_t"].iloc[-1]), rel=1e-6)
    assert out["bcr"] == pytest.approx(r.appraisal.bcr, rel=1e-6)
    assert out["trade_change_usd"] == pytest.approx(r.economics.trade["totals_usd"]["central"], rel=1e-9)
    assert out["enpv_usd"] == pytest.approx(r.appraisal.enpv_usd, rel=1e-6)
    assert out["eirr"] == pytest.approx(r.appraisal.eirr, rel=1e-6)
    fin = r.economics.finance.comparison[0]
    assert out["project_npv_usd"] == pytest.approx(fin["project_npv_usd"], rel=1e-6)
    if fin["project_irr"] is None:  # no unique root: undefined in the draw too
        assert np.isnan(out["project_irr"])
    else:
        assert out["project_irr"] == pytest.approx(fin["project_irr"], rel=1e-6)


def test_draws_change_the_appraisal(prepared):
    central = prepared.evaluate()
    dear = prepared.evaluate({"appraisal:capex_usd": 600e6})
    assert dear["enpv_usd"] < central["enpv_usd"]
    assert dear["corridor_flow_t_2030"] == central["corridor_flow_t_2030"]
    quick = {"network:rail_border_time_h": 3.5, "network:road_border_time_h": 4.0}  # the ranges' low ends
    fast = prepared.evaluate(quick)
    assert fast["trade_change_usd"] > central["trade_change_usd"]  # the project's routes win and trade moves
    assert prepared.evaluate({**quick, "trade:sigma_central": 6.0})["trade_change_usd"] != fast["trade_change_usd"]


def test_percentiles():
    p = percentiles(np.array([*range(1, 11), np.nan], float))
    assert p["p50"] == pytest.approx(5.5) and p["p10"] == pytest.approx(1.9) and p["undefined_draws"] == 1
    assert percentiles(np.array([np.nan]))["p50"] is None


def test_analyse_summary_and_tornado(prepared):
    r = analyse(prepared, 8, seed=3)
    s = r.summary()
    assert s["draws"] == 8 and set(s["metrics"]["enpv_usd"]) >= {"p10", "p50", "p90"}
    m = s["metrics"]["enpv_usd"]
    assert m["p10"] <= m["p50"] <= m["p90"]
    assert 0.0 <= s["p_enpv_positive"] <= 1.0
    t = s["tornado_enpv"]
    assert len(t) == 10 and [x["swing_usd"] for x in t] == sorted((x["swing_usd"] for x in t), reverse=True)
    assert t[0]["swing_usd"] > 0


def _json(args):
    res = runner.invoke(app, ["uncertainty", *args, "--json"])
    assert res.exit_code == 0, res.output
    return res.stdout


def test_cli_same_seed_same_json_loop_and_local_cluster(tmp_path):
    a = _json(["--draws", "6", "--seed", "5", "--workers", "0"])
    b = _json(["--draws", "6", "--seed", "5", "--workers", "0"])
    assert a == b
    c = _json(["--draws", "6", "--seed", "5", "--workers", "2"])  # a LocalCluster of two processes
    assert c == a
    d = json.loads(a)
    for key in ("corridor_flow_t_2030", "trade_change_usd", "enpv_usd", "eirr", "project_irr", "tkm_change_GE"):
        assert set(d["metrics"][key]) >= {"p10", "p50", "p90"}
    assert _json(["--draws", "6", "--seed", "6", "--workers", "0"]) != a


def test_cli_table_and_files(tmp_path):
    res = runner.invoke(app, ["uncertainty", "--draws", "4", "--workers", "0", "--out", str(tmp_path / "u")])
    assert res.exit_code == 0, res.output
    assert "P(ENPV > 0)" in res.stdout and "tornado" in res.stdout
    for f in ("uncertainty.json", "draws.csv", "distribution.svg", "tornado.svg", "uncertainty.html"):
        assert (tmp_path / "u" / f).stat().st_size > 0
    html = (tmp_path / "u" / "uncertainty.html").read_text()
    assert "P10" in html and "<svg" in html and "Third parties" in html
    assert json.loads((tmp_path / "u" / "uncertainty.json").read_text())["draws"] == 4


def test_cli_bad_scheduler_is_one_line():
    res = runner.invoke(app, ["uncertainty", "--draws", "2", "--scheduler", "tcp://127.0.0.1:1"])
    assert res.exit_code == 2
    assert "--scheduler" in res.output and "Traceback" not in res.output


def test_cli_bad_draws():
    res = runner.invoke(app, ["uncertainty", "--draws", "1"])
    assert res.exit_code == 2 and "--draws" in res.output


def test_evaluation_does_not_depend_on_the_thread_count(prepared):
    from threadpoolctl import ThreadpoolController

    v = draw_values(prepared.inputs, draw_matrix(len(prepared.inputs), 2, seed=11))[1]
    ctl = ThreadpoolController()
    with ctl.limit(limits=2, user_api="openmp"):
        two = prepared.evaluate(v)
    with ctl.limit(limits=1, user_api="openmp"):
        one = prepared.evaluate(v)
    assert two == one


def test_forecast_inputs_are_sampled_and_move_the_forecast(prepared):
    """The forecast's growth rates, elasticity and first-year ramp-up share are sampled inputs; growth moves the
    later years' flows only, the elasticity the generated traffic from the opening, the ramp-up share the flows
    by year in the ramp-up years only."""
    from corridor.uncertainty.model import ELASTICITY, FIRST_YEAR_SHARE, GROWTH

    names = set(prepared.names)
    assert {f"{GROWTH}container", ELASTICITY, FIRST_YEAR_SHARE} <= names
    central = prepared.evaluate()
    fast = prepared.evaluate({f"{GROWTH}container": 0.036, f"{GROWTH}general_cargo": 0.034})
    assert fast["corridor_flow_t_2024"] == central["corridor_flow_t_2024"]  # the table year: not grown
    assert fast["corridor_flow_t_2060"] != pytest.approx(central["corridor_flow_t_2060"], rel=1e-4)
    elastic = prepared.evaluate({ELASTICITY: -1.0})
    assert elastic["corridor_flow_t_2024"] == central["corridor_flow_t_2024"]  # before the opening: none generated
    assert elastic["corridor_flow_t_2030"] != pytest.approx(central["corridor_flow_t_2030"], rel=1e-6)
    ramp = prepared.evaluate({FIRST_YEAR_SHARE: 0.8})
    assert ramp["flow_by_year_t_2030"] == pytest.approx(central["flow_by_year_t_2030"] * 0.8 / 0.55, rel=1e-9)
    assert ramp["flow_by_year_t_2040"] == central["flow_by_year_t_2040"]  # full ramp-up by then
    assert ramp["enpv_usd"] == central["enpv_usd"]  # the appraisal has its own ramp-up


def test_the_logit_dispersion_is_sampled_and_moves_the_flows(prepared):
    """The route choice's θ (the assumptions' range) is a sampled input, and a draw solves at the drawn value."""
    from corridor.uncertainty.model import THETA

    assert THETA in prepared.names
    low, high = (prepared.evaluate({THETA: v}) for v in (10.0, 50.0))
    y = max(prepared.years)
    assert low[f"corridor_flow_t_{y}"] != pytest.approx(high[f"corridor_flow_t_{y}"], rel=1e-3)
