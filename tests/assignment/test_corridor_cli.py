"""`corridor assign` on GMNS networks: the bundled region (freight by route family) and a folder of CSVs."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from corridor.cli import app
from factories import write_toy

runner = CliRunner()


def test_assign_bundled_region_json(tmp_path):
    res = runner.invoke(app, ["assign", "--scenario", "tripp", "--year", "2030", "--gap", "1e-8", "--json",
                              "--out", str(tmp_path / "out"), "--csv"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.output)
    assert s["scenario"] == "tripp" and s["converged"] and s["relative_gap"] <= 1e-8
    assert s["assigned_t"] == s["demand_t"] > 0 and s["unserved"] == []
    fam = {f["family"]: f["tonnes"] for f in s["families"]}
    # no path uses TRIPP rail and road (equal up to the rounding of the two sums)
    assert fam["TRIPP"] == pytest.approx(s["project_t"]["rail"] + s["project_t"]["road"], rel=1e-12)
    assert fam["TRIPP"] > 0
    assert sum(r["tonnes"] for r in s["routes"]) == s["assigned_t"] or abs(
        sum(r["tonnes"] for r in s["routes"]) - s["assigned_t"]) < 1e-6 * s["assigned_t"]
    assert s["over_capacity"] and all(r["voc"] > 1 for r in s["over_capacity"])
    families = pd.read_csv(tmp_path / "out" / "families.csv")
    assert dict(zip(families["family"], families["tonnes"], strict=True)) == fam
    links = pd.read_csv(tmp_path / "out" / "freight_links.csv")
    assert links["flow_t"].max() > 0 and {"capacity_t", "voc"} <= set(links.columns)
    assert (tmp_path / "out" / "skims.omx").is_file() and (tmp_path / "out" / "paths.csv").is_file()


def test_assign_baseline_tables_show_no_tripp():
    res = runner.invoke(app, ["assign", "--scenario", "do-nothing"])
    assert res.exit_code == 0, res.output
    assert "Flows by route family" in res.output and "via Georgia" in res.output
    assert "TRIPP: pipeline_oil 0.00 Mt/yr, rail 0.00 Mt/yr, road 0.00 Mt/yr" in res.output  # oil may use pipelines


def test_assign_gmns_folder_with_trips(tmp_path):
    folder = write_toy(tmp_path / "toy")
    trips = tmp_path / "trips.csv"
    trips.write_text("origin,destination,cargo,tonnes_per_yr,source\n"
                     "Bakı,nakhchivan,container,200000,assumption: test\n", encoding="utf-8")
    res = runner.invoke(app, ["assign", str(folder), "--trips", str(trips), "--json"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.output)
    assert s["assigned_t"] == 200000 and s["scenario"] == "existing links"
    # planned TRIPP rail is closed without a scenario: the toy routes go via Iran or via Georgia
    fam = {f["family"]: f["tonnes"] for f in s["families"]}
    assert fam["TRIPP"] == 0 and fam["via Iran"] + fam["via Georgia"] == pytest.approx(200000, rel=1e-12)


def test_assign_gmns_bad_trips_exit_2(tmp_path):
    trips = tmp_path / "trips.csv"
    trips.write_text("origin,destination,cargo,tonnes_per_yr,source\nbaku,atlantis,container,5,x y z\n",
                     encoding="utf-8")
    res = runner.invoke(app, ["assign", "--trips", str(trips)])
    assert res.exit_code == 2
    assert "trips.csv" in res.output and "line 2" in res.output and "atlantis" in res.output
    res = runner.invoke(app, ["assign", "--scenario", "nonesuch"])
    assert res.exit_code == 2 and "nonesuch" in res.output


def test_assign_link_based_on_region_says_families_need_gp():
    res = runner.invoke(app, ["assign", "--algorithm", "bfw", "--gap", "1e-3", "--scenario", "tripp"])
    assert res.exit_code == 0, res.output
    assert "route families need the path-based algorithm" in res.output


def test_assign_region_route_choice_and_facilities():
    base = ["assign", "--scenario", "tripp", "--year", "2030", "--json"]
    logit = json.loads(runner.invoke(app, [*base, "--facilities"]).output)
    assert logit["route_choice"] == "logit" and logit["algorithm"] == "logit" and logit["converged"]
    fac = {r["link_id"]: r for r in logit["facilities"]}
    assert fac["alat_aktau_ferry"]["facility"] == "ferry"
    from corridor.simulation.config import bundled_operations

    vessels = bundled_operations().ferries["alat_aktau"].vessels.value
    assert fac["alat_aktau_ferry"]["servers"] == vessels  # the operations data's vessels on that route
    assert fac["tripp_aghband_nrnadzor_road"]["servers"] == 4  # the operations data's lanes at that post
    assert all(r["wait_h"] >= 0 and r["utilisation"] >= 0 for r in logit["facilities"])
    ue = json.loads(runner.invoke(app, [*base, "--route-choice", "ue"]).output)
    assert ue["route_choice"] == "ue" and ue["algorithm"] == "gp" and "facilities" not in ue
    sharp = json.loads(runner.invoke(app, [*base, "--theta", "500"]).output)
    assert sharp["theta_relative"] == 500.0
    assert abs(sharp["tonne_hours"] - ue["tonne_hours"]) < abs(logit["tonne_hours"] - ue["tonne_hours"])
    res = runner.invoke(app, ["assign", "--facilities", "--scenario", "tripp"])
    assert res.exit_code == 0 and "Queue facilities in use" in res.output
