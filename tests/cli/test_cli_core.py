"""End-to-end runs of the core commands on the toy network (through typer's runner, in-process)."""

import json
import re

from typer.testing import CliRunner

from corridor.cli import app

runner = CliRunner(env={"COLUMNS": "200"})


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_help_everywhere():
    for args in ([], ["run"], ["route"], ["network"], ["network", "info"], ["network", "validate"],
                 ["network", "export"]):
        r = invoke(*args, "--help")
        assert r.exit_code == 0, r.output
        assert "Usage" in r.output


def test_route_json_avoiding_iran(toy_case):
    net, base, _ = toy_case
    r = invoke("route", "Baku", "Naxçıvan", "--avoid", "IR", "--scenario", base, "--network", net, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    route = data["routes"][0]
    assert "IR" not in route["countries"]
    assert route["countries"] == ["AZ", "GE", "TR", "AZ"]
    assert route["distance_km"] == 1150


def test_route_k_alternatives_table(toy_case):
    net, _, tripp = toy_case
    r = invoke("route", "baku", "nakhchivan", "-k", "3", "--scenario", tripp, "--network", net)
    assert r.exit_code == 0, r.output
    assert "Route 1/3" in r.output and "Route 3/3" in r.output
    assert "Meghri" in r.output


def test_route_unknown_place_suggests(toy_case):
    net, base, _ = toy_case
    r = invoke("route", "Bakku", "Kars", "--scenario", base, "--network", net)
    assert r.exit_code == 2
    assert "no place named 'Bakku'" in r.output and "Baku" in r.output


def test_route_no_route_is_a_clean_error(toy_case):
    net, base, _ = toy_case
    r = invoke("route", "Baku", "Nakhchivan", "--avoid", "IR,GE", "--scenario", base, "--network", net)
    assert r.exit_code == 2
    assert "no container route" in r.output
    assert "Traceback" not in r.output


def test_run_writes_outputs_and_prints_table(toy_case, tmp_path):
    net, base, tripp = toy_case
    out = tmp_path / "out"
    r = invoke("run", tripp, "--against", base, "--network", net, "--out", out)
    assert r.exit_code == 0, r.output
    assert "withtripp vs base" in r.output and "Baku → Nakhchivan" in r.output
    summary = json.loads((out / "summary.json").read_text())
    pair = next(p for p in summary["pairs"] if p["destination_id"] == "nakhchivan" and p["constraint"] == "any")
    assert pair["after_family"] == "TRIPP" and pair["before_family"] == "via Iran"
    assert pair["delta_distance_km"] == -260
    for f in ("comparison.csv", "routes.csv", "report.html"):
        assert (out / f).stat().st_size > 0
    html = (out / "report.html").read_text()
    # nothing is fetched from elsewhere (namespace URIs are names, not loads)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import""", html)


def test_run_json(toy_case, tmp_path):
    net, base, tripp = toy_case
    r = invoke("run", tripp, "--against", base, "--network", net, "--out", tmp_path / "o", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["after"] == "withtripp" and len(data["pairs"]) == 6


def test_run_unknown_scenario(toy_case):
    net, base, _ = toy_case
    r = invoke("run", "atlantis", "--against", base, "--network", net)
    assert r.exit_code == 2 and "'atlantis'" in r.output and "bundled scenario (baseline, tripp)" in r.output


def test_network_info_validate_export(toy_case, tmp_path):
    net, _, _ = toy_case
    r = invoke("network", "info", net, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["links"] == 11
    r = invoke("network", "validate", net)
    assert r.exit_code == 0 and "valid" in r.output
    r = invoke("network", "export", tmp_path / "x.gpkg", "--network", net)
    assert r.exit_code == 0 and (tmp_path / "x.gpkg").exists()
    r = invoke("network", "export", tmp_path / "gmns", "--network", net)
    assert r.exit_code == 0 and (tmp_path / "gmns" / "link.csv").exists()


def test_network_validate_reports_problems(toy_case):
    net, _, _ = toy_case
    text = (net / "link.csv").read_text().replace("baku_tabriz,baku_road", "baku_tabriz,nowhere")
    (net / "link.csv").write_text(text)
    r = invoke("network", "validate", net, "--json")
    assert r.exit_code == 2
    data = json.loads(r.output)
    assert data["valid"] is False
    assert any("line 4" in p and "from_node_id" in p and "nowhere" in p for p in data["problems"])


def test_skim_json_and_csv(toy_case, tmp_path):
    net, base, _ = toy_case
    r = invoke("skim", "Baku", "Nakhchivan", "Kars", "--avoid", "IR", "--scenario", base, "--network", net,
               "--out", tmp_path / "sk", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["distance_km"]["nakhchivan"]["baku"] == 1150  # round via Georgia and Turkey
    assert data["time_h"]["baku"]["baku"] == 0
    assert (tmp_path / "sk" / "skim_cost_usd.csv").read_text().startswith(",baku,nakhchivan,kars")
    r = invoke("skim", "Baku", "Atlantis", "--scenario", base, "--network", net)
    assert r.exit_code == 2 and "no place named 'Atlantis'" in r.output
