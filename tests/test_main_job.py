"""Issue 2's acceptance checks on the bundled TRIPP region: `corridor route` and `corridor run`."""

import json

import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.network import load_network
from corridor.routing import RouteOptions, shortest_path
from corridor.scenario import apply_scenario, load_scenario

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def region():
    return load_network()


@pytest.fixture(scope="module")
def nets(region):
    return {name: apply_scenario(region, load_scenario(name)) for name in ("do-nothing", "tripp")}


def test_bundled_network_is_valid_and_complete(region):
    s = region.summary()
    for country in ("AZ", "AM", "TR", "GE", "IR", "RU", "KZ", "TM"):
        assert country in s["countries"], country
    for mode in ("rail", "road", "ferry", "pipeline_oil", "pipeline_gas", "fibre", "transfer"):
        assert mode in s["by_mode"], mode
    assert s["border_crossings"] >= 10


@pytest.mark.parametrize("scenario", ["do-nothing", "do-minimum", "tripp"])
def test_baku_nakhchivan_avoiding_iran_never_crosses_iran(scenario):
    r = runner.invoke(app, ["route", "Baku", "Nakhchivan", "--avoid", "IR", "--scenario", scenario, "--json"])
    assert r.exit_code == 0, r.output
    route = json.loads(r.output)["routes"][0]
    assert "IR" not in route["countries"]
    assert all(not n.startswith(("tabriz", "jolfa", "norduz", "kalaleh")) for n in route["node_ids"])


def test_tripp_route_passes_meghri_and_is_much_shorter(nets):
    opts = RouteOptions.make(avoid_countries=["IR"])
    before = shortest_path(nets["do-nothing"], "Baku", "Nakhchivan", options=opts)
    after = shortest_path(nets["tripp"], "Baku", "Nakhchivan", options=opts)
    assert "GE" in before.countries and "TR" in before.countries  # round via Georgia and Turkey
    assert after.passes("meghri")
    assert "AM" in after.countries
    assert after.distance_km < 0.6 * before.distance_km
    assert after.time_h < before.time_h


def test_run_main_job_bundled(tmp_path):
    r = runner.invoke(app, ["run", "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert "tripp minus do-minimum" in r.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    pairs = {(p["origin_id"], p["destination_id"], p["constraint"]): p for p in summary["pairs"]}
    for need in [("baku", "nakhchivan"), ("baku", "kars"), ("yerevan", "nakhchivan")]:
        assert (*need, "any") in pairs and (*need, "avoid IR,RU") in pairs, need
    bn = pairs[("baku", "nakhchivan", "avoid IR,RU")]
    assert "TRIPP" in bn["after_family"]
    assert bn["delta_distance_km"] < 0
    html = (tmp_path / "out" / "report.html").read_text()
    assert len(html) > 10_000
    # issue 5: the lines and economics sections, each with plots rendered inline
    for key in ("headline", "attribution", "third-parties", "assignment", "lines", "economics"):
        assert f'<section id="{key}">' in html, key
    lines_part = html.split('<section id="lines">')[1].split("</section>")[0]
    econ_part = html.split('<section id="economics">')[1].split("</section>")[0]
    assert lines_part.count("<svg") >= 3 and econ_part.count("<svg") >= 2
    assert summary["against"] == "do-minimum" and summary["lines"]["gas"]["capacity_bcm_yr"] > 0
    assert summary["economics"]["finance"]["basis"]["rail"].startswith("modelled")
