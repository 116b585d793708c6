"""Calibration: bundled screenlines met within ±15 %, a synthetic case with a known answer, bounds, counts files
and `corridor calibrate`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from corridor._errors import NotFoundError, ValidationError
from corridor.assignment.calibrate import TARGET_REL, calibrate
from corridor.assignment.corridor import assign_corridor
from corridor.assignment.freight import bundled_demand, check_demand, read_demand
from corridor.assignment.screenlines import bundled_screenlines, read_screenlines
from corridor.cli import app
from corridor.study import load_spec
from corridor.study.calibration import apply_factors, calibrate_spec, demand_table
from corridor.study.pipeline import study_network

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
HEADER = "name,place,links,direction,mode,transit_of,between,observed,low,high,unit,year,source\n"


@pytest.fixture(scope="module")
def spec():
    return load_spec("tripp")


@pytest.fixture(scope="module")
def net(spec):
    return study_network(spec)


@pytest.fixture(scope="module")
def bundled(spec, net):
    return calibrate_spec(spec, net)


def test_bundled_screenlines_fitted_within_15_percent(bundled):
    sl = bundled.screenlines
    big = sl[sl["target"]]
    assert len(big) >= 6  # the screenlines above 1 Mt/yr
    assert (big["diff"].abs() <= TARGET_REL).all(), big[["name", "observed", "modelled"]]
    assert bundled.within_target and bundled.converged
    # the prior tables miss some of them by more: the fit did the work
    assert ((big["prior"] / big["observed"] - 1).abs() > 0.05).any()
    d = bundled.demand
    assert ((d["tonnes_per_yr"] >= d["low"] * (1 - 1e-9)) & (d["tonnes_per_yr"] <= d["high"] * (1 + 1e-9))).all()


def test_every_freight_border_crossing_is_listed(bundled, net):
    links = net.links
    border = links[links["border"].astype(bool) & links["mode"].isin(["rail", "road", "ferry"])]
    assert set(bundled.borders["link_id"]) == set(border["link_id"])
    b = bundled.borders.set_index("link_id")
    assert not b.at["lachin_goris_road", "open"] and b.at["lachin_goris_road", "modelled_t"] == 0  # closed
    assert b.at["agarak_norduz_road", "observed_t"] == pytest.approx(2.13e6)
    assert b.at["agarak_norduz_road", "modelled_t"] == pytest.approx(2.13e6, rel=TARGET_REL)


def _two_rows(low=1.0e6, high=4.0e6) -> pd.DataFrame:
    return check_demand(pd.DataFrame(
        [("tabriz", "yerevan", "general_cargo", "", 2.0e6, low, high, "assumption: test"),
         ("istanbul", "baku", "general_cargo", "road", 1.0e6, 0.5e6, 2.0e6, "assumption: test")],
        columns=["origin", "destination", "cargo", "modes", "tonnes_per_yr", "low", "high", "source"]))


def _counts(tmp_path, rows: str) -> Path:
    f = tmp_path / "counts.csv"
    f.write_text(HEADER + rows, encoding="utf-8")
    return f


def test_synthetic_known_answer(tmp_path, spec, net):
    """Each row is the only traffic on its own screenline: the fit must give the observed tonnes back."""
    lines = read_screenlines(_counts(tmp_path, "iran,,agarak_norduz_road,both,road,,,3.0,,,Mt/yr,2024,test\n"
                                               "turkey,,ganja_gardabani_rail,both,rail,,,9,,,Mt/yr,2024,test\n"))
    sc = spec.scenario("do-nothing")
    cal = calibrate(_two_rows(), lines[:1], lambda d: assign_corridor(net, sc, d, gap=1e-8))
    row = cal.demand.set_index(["origin", "destination"])
    assert row.at[("tabriz", "yerevan"), "tonnes_per_yr"] == pytest.approx(3.0e6, rel=1e-3)
    assert row.at[("istanbul", "baku"), "factor"] == pytest.approx(1.0, abs=1e-6)  # unobserved: unchanged
    # an observation beyond the row's range stops at the bound and is reported as missed
    far = read_screenlines(_counts(tmp_path, "iran,,agarak_norduz_road,both,road,,,10.0,,,Mt/yr,2024,test\n"))
    cal = calibrate(_two_rows(), far, lambda d: assign_corridor(net, sc, d, gap=1e-8))
    assert cal.demand["tonnes_per_yr"].iat[0] == pytest.approx(4.0e6)
    assert not cal.within_target and cal.screenlines["diff"].iat[0] == pytest.approx(-0.6, abs=1e-3)


def test_calibrated_factors_carry_to_later_years(spec, bundled):
    d30 = demand_table(spec, 2030)
    cal30 = apply_factors(d30, bundled)
    f = bundled.factors
    for rec in cal30.itertuples():
        key = (rec.origin, rec.destination, rec.cargo, rec.modes)
        want = f.get(key, 1.0)
        assert rec.calibration_factor == pytest.approx(want)
    assert cal30["tonnes_per_yr"].sum() != pytest.approx(d30["tonnes_per_yr"].sum(), rel=1e-3)


def test_bad_counts_file_names_file_line_and_field(tmp_path):
    f = _counts(tmp_path, "ok,,agarak_norduz_road,both,road,,,2,,,Mt/yr,2024,test\n"
                          "bad,,agarak_norduz_road,sideways,road,,,-1,,,kg,20x4,\n")
    with pytest.raises(ValidationError) as e:
        read_screenlines(f)
    msg = str(e.value)
    for needle in ("counts.csv", "line 3", "'direction'", "'observed'", "'unit'", "'year'", "'source'"):
        assert needle in msg, needle
    with pytest.raises(NotFoundError):
        read_screenlines(tmp_path / "missing.csv")


def test_unknown_link_in_counts_is_an_error(tmp_path, spec, net):
    f = _counts(tmp_path, "x,,atlantis_road,both,road,,,2,,,Mt/yr,2024,test\n")
    with pytest.raises(ValidationError) as e:
        calibrate_spec(spec, net, counts=f)
    assert "atlantis_road" in str(e.value) and "line 2" in str(e.value) and "'links'" in str(e.value)


def test_demand_range_errors(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("origin,destination,cargo,modes,tonnes_per_yr,low,high,source\n"
                 "baku,kars,container,,1000,2000,3000,facts[1]\n"
                 "baku,kars,container,,1000,500,x,facts[1]\n", encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        read_demand(f)
    msg = str(e.value)
    assert "line 2" in msg and "'low'" in msg and "line 3" in msg and "'high'" in msg


def test_bundled_demand_is_two_way_by_class_with_ranges():
    d = bundled_demand(2024)
    assert {"container", "general_cargo", "dry_bulk", "oil"} <= set(d["cargo"])
    assert (d["low"] <= d["tonnes_per_yr"]).all() and (d["tonnes_per_yr"] <= d["high"]).all()
    pairs = set(zip(d["origin"], d["destination"], strict=True))
    for a, b in [("aktau", "poti"), ("tabriz", "yerevan"), ("vladikavkaz", "yerevan"), ("baku", "nakhchivan"),
                 ("astrakhan", "tabriz"), ("istanbul", "baku")]:
        assert (a, b) in pairs and (b, a) in pairs, (a, b)  # both directions
    assert set(d.loc[d["cargo"] == "oil", "modes"]) == {()}  # oil: the class's modes (no road)


def test_build_demand_is_current():
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_demand.py"), "--check"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_cli_calibrate_json_and_table(tmp_path):
    res = runner.invoke(app, ["calibrate", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    names = {s.name for s in bundled_screenlines()}
    assert {s["name"] for s in out["screenlines"]} == names
    for s in out["screenlines"]:
        assert {"name", "mode", "observed", "modelled", "unit"} <= set(s)
        if s["target"]:
            assert abs(s["modelled"] / s["observed"] - 1) <= TARGET_REL
    assert out["within_target"] and len(out["borders"]) > 20
    res = runner.invoke(app, ["calibrate"], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert "Caspian crossing" in res.output and "lachin_goris_road" in res.output
    assert max(len(line) for line in res.output.splitlines()) <= 80


def test_cli_calibrate_user_counts(tmp_path):
    f = _counts(tmp_path, "mine,,agarak_norduz_road,both,road,,,2.5,,,Mt/yr,2024,my count\n")
    res = runner.invoke(app, ["calibrate", "--counts", str(f), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [s["name"] for s in out["screenlines"]] == ["mine"]
    assert out["screenlines"][0]["modelled"] == pytest.approx(2.5, rel=0.01)
    bad = _counts(tmp_path, "mine,,agarak_norduz_road,both,road,,,2.5,,,Mt,2024,my count\n")
    res = runner.invoke(app, ["calibrate", "--counts", str(bad)])
    assert res.exit_code != 0 and "counts.csv" in res.output and "line 2" in res.output and "'unit'" in res.output
    assert "Traceback" not in res.output
