"""`corridor lines pipeline|fibre|rail` end to end: bundled cases, YAML files, flags, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.lines import cases
from corridor.lines.pipelines import GasLine, gas_capacity
from corridor.study.lines import spec_case

runner = CliRunner()


def _json(args):
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_bundled_gas_json_matches_library():
    data = _json(["lines", "pipeline", "--json"])
    lib = spec_case("gas")
    assert data["capacity_mcm_d"] == pytest.approx(lib["capacity_mcm_d"])
    assert len(data["profile_capacity"]) == len(lib["profile_capacity"])
    assert "diameter_m" in data["assumptions"]


def test_bundled_oil_case_and_bad_choice():
    data = _json(["lines", "pipeline", "--tripp", "oil", "--json"])
    assert data["capacity_bbl_d"] == pytest.approx(spec_case("oil")["capacity_bbl_d"])
    r = runner.invoke(app, ["lines", "pipeline", "--tripp", "water"])
    assert r.exit_code == 2 and "--tripp" in r.output


def test_bundled_tables_render():
    for cmd, text in (("pipeline", "Pressure profile at capacity"), ("fibre", "nakhchivan–baku"),
                      ("rail", "nrnadzor–meghri")):
        r = runner.invoke(app, ["lines", cmd], env={"COLUMNS": "200"})
        assert r.exit_code == 0, r.output
        assert text in r.stdout and "Inputs and their sources" in r.stdout


def test_gas_flags_capacity_equals_library():
    data = _json(["lines", "pipeline", "--diameter-m", "0.5898", "--length-km", "100", "--equation", "weymouth",
                  "--p-in", "70", "--p-out", "50", "--json"])
    lib = gas_capacity(GasLine(diameter_m=0.5898, length_km=100, equation="weymouth"), 70, 50)
    assert data["what"] == "capacity"
    assert data["flow_sm3_s"] == pytest.approx(lib.flow_sm3_s)
    assert data["profile"][-1]["p_bara"] == pytest.approx(50)


def test_gas_yaml_with_compressor_and_flow(tmp_path):
    f = _write(tmp_path, "gas.yaml", """
kind: gas
name: test line
diameter_m: 0.4
length_km: 200
z: 0.9
compressors: [{km: 100, discharge_bara: 70}]
p_in_bara: 70
flow_mcm_d: 3
""")
    data = _json(["lines", "pipeline", f, "--json"])
    assert data["what"] == "profile at the given flow"
    assert data["flow_mcm_d"] == pytest.approx(3)
    assert data["stations"][0]["discharge_bara"] == pytest.approx(70)
    assert data["compressor_power_kw"] > 0


def test_liquid_yaml_capacity(tmp_path):
    f = _write(tmp_path, "oil.yaml", """
kind: liquid
diameter_m: 0.5
length_km: 100
density_kg_m3: 850
viscosity_pa_s: 0.01
roughness_mm: 0.045
p_in_bara: 120
p_out_bara: 19.73
""")
    data = _json(["lines", "pipeline", f, "--json"])
    assert data["flow_m3_s"] == pytest.approx(0.5, rel=1e-3)  # anchors PP-O1: 0.5 m3/s loses 100.27 bar


def test_physics_error_exit_2():
    r = runner.invoke(app, ["lines", "pipeline", "--diameter-m", "0.3", "--length-km", "100", "--p-in", "70",
                            "--flow", "3"])
    assert r.exit_code == 2
    assert "zero absolute pressure at km 80.47" in " ".join(r.output.split())


def test_bad_yaml_field_named(tmp_path):
    f = _write(tmp_path, "bad.yaml", "kind: gas\ndiameter_m: -2\nlength_km: 10\np_in_bara: 50\np_out_bara: 20\n")
    r = runner.invoke(app, ["lines", "pipeline", f])
    assert r.exit_code == 2
    assert "bad.yaml" in r.output and "diameter_m" in r.output


def test_fibre_flags_and_yaml(tmp_path):
    data = _json(["lines", "fibre", "--from", "8.682,50.110", "--to", "114.169,22.319", "--pairs", "2", "--json"])
    assert data["floor_rtt_ms"] == pytest.approx(89.7, abs=0.1)
    assert data["stretch"] == pytest.approx(1.0)
    assert data["capacity"]["total_tbps"] == pytest.approx(51.2)
    f = _write(tmp_path, "routes.yaml", """
origin: [8.682, 50.110]
destination: [114.169, 22.319]
baseline: long
route_factor: 1.0
routes:
  short: [[8.682, 50.110], [114.169, 22.319]]
  long: 12000
""")
    data = _json(["lines", "fibre", f, "--json"])
    rows = {r["route"]: r for r in data["routes"]}
    assert rows["short"]["gain_rtt_ms"] == pytest.approx(rows["long"]["rtt_ms"] - rows["short"]["rtt_ms"])
    r = runner.invoke(app, ["lines", "fibre", "--from", "8.6;50"])
    assert r.exit_code == 2 and "LON,LAT" in r.output


def test_rail_flags_yaml_and_uic406(tmp_path):
    data = _json(["lines", "rail", "--headway-min", "9", "--tech-window-min", "0", "--alpha", "1", "--json"])
    assert data["trains_per_day_per_direction"] == pytest.approx(160)
    f = _write(tmp_path, "line.yaml", """
tracks: 1
sections:
  - {name: A-B, run_up_min: 12, run_down_min: 12, interval_a_min: 3, interval_b_min: 3}
""")
    data = _json(["lines", "rail", f, "--tech-window-min", "90", "--alpha", "0.9", "--json"])
    assert data["trains_per_day_per_direction"] == pytest.approx(40.5)
    u = _write(tmp_path, "tt.yaml", """
period_min: 60
blocking:
  - {train: a, block: 0, start_min: 0, end_min: 4}
  - {train: a, block: 1, start_min: 3, end_min: 8}
  - {train: b, block: 0, start_min: 20, end_min: 24}
  - {train: b, block: 1, start_min: 23, end_min: 28}
""")
    data = _json(["lines", "rail", u, "--json"])
    # b moves up until it starts block 1 as a releases it (8 - 3 = 5 after a's start): span 5 + 8 = 13 min
    assert data["occupancy_min"] == pytest.approx(13)
    assert data["consumption_pct"] == pytest.approx(100 * 13 / 60)
    r = runner.invoke(app, ["lines", "rail", "--length-km", "43", "--tracks", "3"])
    assert r.exit_code == 2 and "expected 1 (single) or 2 (double track) (got 3)" in r.output


EXAMPLES = Path(cases.__file__).parent / "data" / "examples"


@pytest.mark.parametrize(("cmd", "name"), [("pipeline", "gas_line"), ("pipeline", "oil_line"),
                                           ("fibre", "fibre_routes"), ("rail", "rail_line"), ("rail", "timetable")])
def test_bundled_examples_run(cmd, name):
    data = _json(["lines", cmd, str(EXAMPLES / f"{name}.yaml"), "--json"])
    if name == "gas_line":  # the compressor suction, not the outlet, limits this line
        assert "minimum pressure 30.00 bar(a) at km 100.0" in data["note"]
        assert data["p_out_bara"] > 35 and data["min_p_bara"] == pytest.approx(30)
    elif name == "oil_line":
        assert data["stations"][0]["head_m"] == 500 and data["min_p_bara"] > 2
    elif name == "fibre_routes":
        assert {r["route"] for r in data["routes"]} == {"via Russia", "via Caucasus and Caspian"}
    elif name == "rail_line":
        assert data["critical_section"] == "B–C"
    else:
        assert 0 < data["consumption_pct"] < 100
