"""`corridor economics trade|finance` end to end, and the SVG plots for the report."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.economics import finance, plots, trade

runner = CliRunner()


def _json(args):
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_trade_bundled_json_matches_library():
    data = _json(["economics", "trade", "--json"])
    lib = trade.bundled_trade_case()
    assert data["totals_usd"] == pytest.approx(lib["totals_usd"])
    assert data["assumptions"] == lib["assumptions"]


def test_trade_table_output():
    r = runner.invoke(app, ["economics", "trade"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "AZ–TR" in r.stdout and "Total change" in r.stdout


def test_trade_from_flags_three_days():
    data = _json(["economics", "trade", "--origin-country", "AZ", "--destination-country", "TR",
                  "--time-before-h", "96", "--time-after-h", "24", "--cost-before", "50", "--cost-after", "50",
                  "--json"])
    p = data["pairs"][0]
    assert p["days_saved"] == pytest.approx(3.0)
    assert p["change_pct_low"] >= 3.0
    assert p["baseline_source"].startswith("facts[90]")


def test_trade_new_route_from_flags_and_baseline_override():
    data = _json(["economics", "trade", "--origin-country", "AM", "--destination-country", "TR",
                  "--time-after-h", "30", "--cost-after", "60", "--baseline-usd", "1e8", "--cap-days", "2", "--json"])
    p = data["pairs"][0]
    assert p["newly_possible"] and p["days_saved"] == pytest.approx(2.0)
    assert p["baseline_source"] == "user input (--baseline-usd)"
    assert data["totals_usd"]["central"] > 0


def test_trade_csv_error_names_file_line_field(tmp_path):
    p = tmp_path / "routes.csv"
    p.write_text("origin_country,destination_country,time_h_before,time_h_after,cost_usd_per_t_before,"
                 "cost_usd_per_t_after\nAZ,TR,96,72,45,40\nAZ,TR,96,abc,45,40\n")
    r = runner.invoke(app, ["economics", "trade", str(p)])
    assert r.exit_code == 2
    assert "routes.csv, line 3, field 'time_h_after': not a number" in " ".join(r.stderr.split())


def test_trade_incomplete_flags_refused():
    r = runner.invoke(app, ["economics", "trade", "--origin-country", "AZ"])
    assert r.exit_code == 2 and "needs" in r.stderr


def test_finance_comparison_json():
    data = _json(["economics", "finance", "--json"])
    names = [c["bid"] for c in data["comparison"]]
    assert names == [b.name for b in finance.load_bids()]
    base = finance.evaluate_bid(finance.load_bids()[0]).metrics
    assert data["comparison"][0]["project_irr"] == pytest.approx(base["project_irr"])


def test_finance_flags_override_and_bid_detail():
    data = _json(["economics", "finance", "--bid", "TRIPP 49 years", "--rail-tariff", "6", "--annual", "--json"])
    base = finance.evaluate_bid(finance.load_bids()[0]).metrics
    assert data["metrics"]["project_irr"] > base["project_irr"]
    assert len(data["annual"]["year"]) == 49
    assert not any(a.startswith("lines.rail.tariff_usd_per_unit") for a in data["assumptions"])


def test_finance_table_and_unknown_bid():
    r = runner.invoke(app, ["economics", "finance", "--bid", "TRIPP 49 years", "--annual"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "project IRR roots" in r.stdout and "yearly cash flows" in r.stdout
    r = runner.invoke(app, ["economics", "finance", "--bid", "nope"])
    assert r.exit_code == 2 and "no bid of that name" in r.stderr and "--bid" in r.stderr


def test_finance_bad_flag_value_is_clean_error():
    r = runner.invoke(app, ["economics", "finance", "--gearing", "1.5"])
    assert r.exit_code == 2 and "'--gearing'" in r.stderr and "[0, 1)" in r.stderr and "1.5" in r.stderr
    # a value the flag's own range allows but the bid does not: blamed on the flag, not on the YAML line
    r = runner.invoke(app, ["economics", "finance", "--term-years", "3"])
    assert r.exit_code == 2 and r.stderr.startswith("error: --term-years 3: term_years must exceed")
    assert "tripp_bids.yaml" not in r.stderr and len(r.stderr.splitlines()) == 1


def test_help_everywhere():
    for args in (["economics", "--help"], ["economics", "trade", "--help"], ["economics", "finance", "--help"]):
        r = runner.invoke(app, args)
        assert r.exit_code == 0 and "Usage" in r.stdout


def _check_svg(svg: str, *texts: str) -> None:
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "<image" not in svg and "href=\"http" not in svg  # no external or raster resources
    for t in texts:
        assert t in svg  # svg.fonttype none keeps text as text


def test_trade_change_svg():
    case = trade.bundled_trade_case()
    _check_svg(plots.trade_change_svg(case), "AZ–TR", "KZ–TR", "USD M per year")


def test_cashflow_svg():
    bid = finance.bundled_finance_case()["bids"][0]
    _check_svg(plots.cashflow_svg(bid), "TRIPP 49 years", "project IRR", "debt service")
