"""The concession model: bundled bids, identities of the yearly table, debt sizing, and input errors."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
import yaml

from corridor._errors import NotFoundError, ValidationError
from corridor.economics import finance
from corridor.sourced import iter_sourced


@pytest.fixture(scope="module")
def bids():
    return finance.load_bids()


@pytest.fixture(scope="module")
def results(bids):
    return {b.name: finance.evaluate_bid(b) for b in bids}


def test_bundled_bids_every_number_sourced(bids):
    assert len(bids) >= 4
    for b in bids:
        pairs = list(iter_sourced(b))
        assert len(pairs) > 30
        for path, s in pairs:
            assert s.source.startswith(("facts[", "assumption:", "FHWA")), (b.name, path, s.source)
    base = bids[0]
    assert base.term_years.value == 49 and base.shareholders.value == {"US": 0.74, "AM": 0.26}
    assert base.lines["rail"].capex_usd.value == 230e6
    assert base.lines["rail"].volume_per_yr.value == 15e6


def test_terms_of_bundled_bids(bids):
    terms = {b.name: b.total_years for b in bids}
    assert terms["TRIPP 49 years"] == 49
    assert terms["TRIPP 49 + 50 years"] == 99
    assert terms["99-year lease"] == 99


def test_yearly_identities(results):
    for r in results.values():
        t = r.table
        assert np.allclose(t.ebitda_usd, t.revenue_usd - t.opex_usd)
        assert np.allclose(t.cfads_usd, t.ebitda_usd - t.tax_usd)
        assert np.allclose(t.project_cf_usd, t.cfads_usd - t.capex_usd)
        assert t.capex_usd.sum() == pytest.approx(r.metrics["total_capex_usd"])
        assert t.debt_draw_usd.sum() == pytest.approx(r.debt.amount_usd)
        assert t.debt_balance_usd.iloc[-1] == pytest.approx(0.0, abs=1e-3)
        assert t.principal_usd.sum() == pytest.approx(r.debt.amount_usd, rel=1e-9)
        revenue_lines = t[[c for c in t.columns if c.startswith("revenue_") and c != "revenue_usd"]].sum(axis=1)
        assert np.allclose(revenue_lines, t.revenue_usd)
        shares = t[[c for c in t.columns if c.startswith("equity_cf_") and c != "equity_cf_usd"]].sum(axis=1)
        assert np.allclose(shares, t.equity_cf_usd)


def test_measures_match_numpy_financial(results):
    for r in results.values():
        m, t = r.metrics, r.table
        assert m["project_npv_usd"] == pytest.approx(npf.npv(r.bid.discount_rate.value, t.project_cf_usd), rel=1e-9)
        assert m["project_irr"] == pytest.approx(npf.irr(t.project_cf_usd), abs=1e-8)
        assert m["equity_irr"] == pytest.approx(npf.irr(t.equity_cf_usd), abs=1e-8)


def test_sculpted_cover_ratios(results):
    r = results["TRIPP 49 years"]
    m = r.metrics
    assert m["debt_sizing"] == "dscr"
    assert m["min_dscr"] == pytest.approx(1.5) and m["avg_dscr"] == pytest.approx(1.5)
    assert m["llcr"] == pytest.approx(1.5)
    assert m["plcr"] > m["llcr"]
    assert m["gearing"] <= r.bid.gearing_max.value + 1e-12


def test_bid_ordering(results):
    base = results["TRIPP 49 years"]
    rival = results["Low tariff, high capex"]
    ext = results["TRIPP 49 + 50 years"]
    lease = results["99-year lease"]
    assert rival.metrics["project_irr"] < base.metrics["project_irr"]
    assert rival.metrics["project_npv_usd"] < base.metrics["project_npv_usd"]
    assert ext.metrics["project_irr"] > base.metrics["project_irr"]  # more years of the same cash
    # same project cash, different owners in the extension: Armenia gains, the US loses
    assert ext.metrics["project_npv_usd"] == pytest.approx(lease.metrics["project_npv_usd"])
    assert ext.metrics["shareholder_npv_usd"]["AM"] > lease.metrics["shareholder_npv_usd"]["AM"]
    assert ext.metrics["shareholder_npv_usd"]["US"] < lease.metrics["shareholder_npv_usd"]["US"]
    assert set(ext.table.phase) == {"construction", "term", "extension"}


def test_volumes_from_flows_override_and_raise_irr(bids):
    base = finance.evaluate_bid(bids[0])
    more = finance.evaluate_bid(bids[0], volumes={"rail": 20e6}, volume_source="assignment run 1")
    assert more.metrics["project_irr"] > base.metrics["project_irr"]
    assert "lines.rail.volume_per_yr: assumption" not in " ".join(more.assumptions)
    assert more.bid.lines["rail"].volume_per_yr.source == "assignment run 1"
    with pytest.raises(NotFoundError, match="no line"):
        finance.evaluate_bid(bids[0], volumes={"canal": 1.0})


def test_gearing_cap_binds_when_cover_allows_more(bids):
    rich = bids[0].model_copy(update={"gearing_max": bids[0].gearing_max.model_copy(update={"value": 0.2})})
    r = finance.evaluate_bid(rich)
    assert r.metrics["debt_sizing"] == "gearing"
    assert r.metrics["gearing"] == pytest.approx(0.2)
    assert r.metrics["min_dscr"] > 1.5


def test_assumptions_listed(results):
    a = results["TRIPP 49 years"].assumptions
    assert any(x.startswith("lines.rail.tariff_usd_per_unit: assumption") for x in a)
    assert not any(x.startswith("term_years") for x in a)


def test_bundled_case_plain_data():
    case = finance.bundled_finance_case()
    assert case["comparison"][0]["bid"] == "TRIPP 49 years"
    b = case["bids"][0]
    assert len(b["annual"]["project_cf_usd"]) == 49
    assert b["assumptions"]


def _write(tmp_path, data):
    p = tmp_path / "bids.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


def test_unsourced_number_is_refused_with_file_and_line(tmp_path):
    data = yaml.safe_load(finance.bundled_bids_path().read_text())
    data["bids"] = [{"name": "x", "term_years": 30}]
    p = _write(tmp_path, data)
    with pytest.raises(ValidationError) as e:
        finance.load_bids(p)
    msg = str(e.value)
    assert "bids.yaml" in msg and "term_years" in msg and "line" in msg and "source" in msg


def test_bad_phasing_and_duplicate_names_collected(tmp_path):
    data = yaml.safe_load(finance.bundled_bids_path().read_text())
    data["bids"] = [
        {"name": "a", "construction_phasing": {"value": [0.5, 0.2], "source": "assumption: test"}},
        {"name": "b"},
        {"name": "b"},
    ]
    with pytest.raises(ValidationError) as e:
        finance.load_bids(_write(tmp_path, data))
    assert "construction_phasing" in str(e.value) and "unique" in str(e.value)
    assert len(e.value.problems) == 2


def test_bad_yaml_reports_line(tmp_path):
    p = tmp_path / "b.yaml"
    p.write_text("bids:\n  - name: [unclosed\n")
    with pytest.raises(ValidationError, match=r"b\.yaml, line \d+: not valid YAML"):
        finance.load_bids(p)


def test_cli_style_overrides_apply_to_every_bid():
    over = {"lines": {"rail": {"tariff_usd_per_unit": {"value": 6.0, "source": "CLI flag --rail-tariff"}}}}
    bids = finance.load_bids(overrides=over)
    assert {b.lines["rail"].tariff_usd_per_unit.value for b in bids} == {6.0}
