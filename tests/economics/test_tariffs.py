"""Finance fed by modelled years (ramp-up once) and the tariff options."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from corridor._errors import ValidationError
from corridor.cli import app
from corridor.economics import cashflow as cf
from corridor.economics.finance import evaluate_bid, line_volumes, load_bids
from corridor.economics.tariffs import cost_based_tariffs, tariffs_for, value_based_tariffs


@pytest.fixture(scope="module")
def bid():
    return load_bids()[0]


def test_line_volumes_by_year_interpolated_and_ramped_once(bid):
    vol = line_volumes(bid, "road", {2024: 1000.0, 2030: 4000.0})
    ramp = bid.lines["road"].ramp_up.value  # [0.5, 0.75, 1.0]
    # operating years start in 2029 (first_year 2026 + 3 construction years)
    assert vol[0] == pytest.approx(3500.0 * ramp[0])
    assert vol[1] == pytest.approx(4000.0 * ramp[1])
    assert vol[2:] == pytest.approx(np.full(vol.size - 2, 4000.0))
    stated = line_volumes(bid, "road")
    assert stated[-1] == bid.lines["road"].volume_per_yr.value


def test_year_volumes_change_revenue(bid):
    flat = evaluate_bid(bid, volumes={"rail": 2e6})
    years = evaluate_bid(bid, volumes_by_year={"rail": {2024: 1e6, 2040: 3e6}})
    assert years.table["revenue_rail_usd"].iloc[-1] == pytest.approx(3e6 * bid.lines["rail"].tariff_usd_per_unit.value)
    assert flat.table["revenue_rail_usd"].iloc[-1] == pytest.approx(2e6 * bid.lines["rail"].tariff_usd_per_unit.value)


def test_cost_based_tariff_recovers_costs_before_tax(bid):
    untaxed = bid.model_copy(update={"tax_rate": bid.tax_rate.model_copy(update={"value": 0.0})})
    by_year = {"rail": {2030: 3e6}, "road": {2030: 50_000.0}}
    t = cost_based_tariffs(untaxed, by_year)
    r = evaluate_bid(untaxed, volumes_by_year=by_year, tariffs=t)
    assert cf.npv(untaxed.discount_rate.value, r.table["project_cf_usd"]) == pytest.approx(0.0, abs=1.0)
    assert r.metrics["project_irr"] == pytest.approx(untaxed.discount_rate.value, abs=1e-9)


def test_value_based_tariff(bid):
    t = value_based_tariffs(bid, 1500.0, 20.0)
    assert t["rail"] == pytest.approx(0.002 * 1500.0) and t["road"] == pytest.approx(0.002 * 1500.0 * 20.0)
    with pytest.raises(ValidationError, match="unknown tariff option"):
        tariffs_for("free", bid)
    assert tariffs_for("stated", bid)[0] == {}


def test_cli_finance_tariff_and_modelled():
    r = CliRunner().invoke(app, ["economics", "finance", "--tariff", "cost", "--modelled", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    from corridor.economics.tariffs import modelled_volumes_by_year

    assert d["tariff"]["option"] == "cost"
    expected = {line: {str(y): v for y, v in years.items()} for line, years in modelled_volumes_by_year().items()}
    assert d["volumes"]["by_year"].keys() == expected.keys()
    for line, years in expected.items():
        assert d["volumes"]["by_year"][line] == pytest.approx(years)
    bad = CliRunner().invoke(app, ["economics", "finance", "--tariff", "free"])
    assert bad.exit_code == 2 and "--tariff" in bad.output and "stated, cost, value" in bad.output
