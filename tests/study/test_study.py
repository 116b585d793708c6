"""`corridor.study`: the spec, the pure run and its typed result on the bundled TRIPP corridor."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import support
from corridor._errors import NotFoundError, ValidationError
from corridor.assignment.freight import bundled_assumptions
from corridor.economics.finance import evaluate_bid, load_bids
from corridor.study import (
    DO_MINIMUM,
    DO_NOTHING,
    CorridorVolumes,
    StudyResult,
    ThirdParties,
    load_spec,
    read_spec,
    run_study,
)
from factories import write_toy_spec


def test_result_is_typed_and_compares_with_the_do_minimum(tripp_study):
    r = tripp_study
    assert isinstance(r, StudyResult) and isinstance(r.third_parties, ThirdParties)
    assert (r.project.name, r.against.name) == ("tripp", DO_MINIMUM)
    assert r.assignment.years == r.forecast.modelled_years and {2024, 2030} <= set(r.assignment.years)
    for y in r.assignment.years:
        for sc in ("tripp", DO_MINIMUM):
            assert r.assignment.get(sc, y).result.converged
    v = r.assignment.volumes(2030)
    assert isinstance(v, CorridorVolumes) and v.year == 2030 and v.scenario == "tripp"
    assert set(v.tonnes) == {"pipeline_oil", "rail", "road"} and v.total_t > 0
    assert v.tonnes == r.assignment.get("tripp", 2030).project_t


def test_finance_uses_the_modelled_tonnes_converted_to_the_bids_units(tripp_study):
    fin = tripp_study.economics.finance
    v = fin.volumes
    payload = bundled_assumptions().truck_payload_t.value
    assert fin.bid_volumes == {"rail": v.tonnes["rail"], "road": pytest.approx(v.tonnes["road"] / payload)}
    assert fin.basis["rail"].startswith("modelled") and fin.basis["pipeline_gas"].startswith("stated")
    stated = evaluate_bid(load_bids()[0]).metrics
    by_year: dict[str, dict[int, float]] = {}  # finance takes every demand year's modelled tonnes
    for y in tripp_study.assignment.years:
        t = tripp_study.assignment.volumes(y).tonnes
        by_year.setdefault("rail", {})[y] = t["rail"]
        by_year.setdefault("road", {})[y] = t["road"] / payload
    modelled = evaluate_bid(load_bids()[0], volumes=fin.bid_volumes, volumes_by_year=by_year).metrics
    assert fin.comparison[0]["project_irr"] == modelled["project_irr"]  # both None when not unique
    assert fin.comparison[0]["project_npv_usd"] == pytest.approx(modelled["project_npv_usd"])
    assert modelled["project_npv_usd"] < stated["project_npv_usd"]  # modelled tonnes, far below the claimed 15 Mt


def test_do_minimum_holds_the_committed_projects_and_tripp_adds_to_it():
    spec = load_spec("tripp")
    dn, dm, tripp = (spec.scenario(n) for n in (DO_NOTHING, DO_MINIMUM, "tripp"))
    assert dn.open_links == ()
    committed = {r.link for c in spec.committed for r in c.links}
    assert {r.link for r in dm.open_links} == committed
    assert committed < {r.link for r in tripp.open_links}
    rail_only = {r.link for r in spec.scenario("tripp-rail").open_links} - committed
    assert rail_only and all(x.endswith("_rail") for x in rail_only)
    for c in spec.committed:  # each with its source and opening year
        assert c.source.startswith("facts[") and 2025 <= c.opening_year.value <= 2031
        assert c.opening_year.source.startswith(("facts[", "assumption"))


def test_attribution_steps_add_up_to_the_total(tripp_study):
    t = tripp_study.attribution.table
    spec = tripp_study.spec
    names = list(t["scenario"])
    assert names[0] == DO_NOTHING and names[-2:] == [DO_MINIMUM, "tripp"]
    assert len(t) == len(spec.committed) + 2
    assert t["delta_pair_cost_usd"].iloc[1:].sum() == pytest.approx(t["pair_cost_usd"].iloc[-1]
                                                                     - t["pair_cost_usd"].iloc[0])
    # the last step is the project minus the do-minimum: the same as the headline comparison
    row = tripp_study.comparison.table.query("origin_id == 'baku' and destination_id == 'nakhchivan' and "
                                             "constraint == 'any'").iloc[0]
    assert t["delta_pair_cost_usd"].iloc[-1] == pytest.approx(row.delta_cost_usd)
    assert t["trade_central_usd"].iloc[-1] == pytest.approx(tripp_study.economics.trade["totals_usd"]["central"])
    # the committed projects (the Araz road via Iran) already shorten Baku → Nakhchivan before TRIPP
    assert t.loc[t["scenario"] == DO_MINIMUM, "pair_km"].iloc[0] < t["pair_km"].iloc[0] - 100


def test_third_parties_per_country_and_named_cases(tripp_study):
    tp = tripp_study.third_parties
    c = tp.countries.set_index("country")
    assert set(c.index) == {"AM", "AZ", "GE", "IR", "TR", "RU"}
    assert c.at["GE", "against_transit_t"] > 0  # Georgia carries transit
    assert c.at["AM", "project_transit_t"] > c.at["AM", "against_transit_t"]  # the project crosses Armenia
    for col in ("t", "tkm", "transit_t", "revenue_central_usd"):
        assert (c[f"delta_{col}"] == c[f"project_{col}"] - c[f"against_{col}"]).all()
    for side in ("against", "project"):  # the range brackets the central figure
        assert (c[f"{side}_revenue_low_usd"] <= c[f"{side}_revenue_central_usd"]).all()
        assert (c[f"{side}_revenue_central_usd"] <= c[f"{side}_revenue_high_usd"]).all()
    # tonne-km on Georgian territory = tonnes x km of the links whose country is GE
    run = tripp_study.assignment.get("tripp", tp.year)
    lk = run.links.merge(tripp_study.network.links[["link_id", "country", "length_km"]], on="link_id")
    ge = lk[lk["country"] == "GE"]
    assert c.at["GE", "project_tkm"] == pytest.approx((ge["flow_t"] * ge["length_km"]).sum(), rel=1e-6)
    cases = {x.name: x for x in tp.cases}
    iran = cases["Iran's land route to Armenia"]
    shared = iran.shared.set_index("side")
    assert shared.at["project", "project_t"] > 0 and shared.at["against", "project_t"] == 0
    assert "Georgia's transit" in cases and "Armenia's own access" in cases
    access = cases["Armenia's own access"].pairs.set_index("pair")
    assert access.at["Yerevan → Nakhchivan", "delta_h"] < 0
    shares = tp.shares.groupby("country")[["against_share", "project_share"]].sum()
    assert shares.to_numpy() == pytest.approx(1.0)


def test_run_study_writes_and_prints_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    real_open = builtins.open

    def guarded_open(file, mode="r", *args, **kwargs):
        if any(m in mode for m in "wax+"):
            raise AssertionError(f"run_study opened {file} for writing")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "makedirs", lambda *a, **k: (_ for _ in ()).throw(AssertionError("makedirs")))
    r = run_study(load_spec("tripp"))
    assert isinstance(r, StudyResult)
    assert list(tmp_path.iterdir()) == []
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_python_one_liner_from_the_issue(tmp_path):
    code = ("from corridor.study import load_spec, run_study; r = run_study(load_spec('tripp')); "
            "print(type(r).__name__, r.project.name, r.against.name)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True,
                         env={**os.environ, "PYTHONPATH": str(support.REPO / "src")})
    assert out.stdout.split() == ["StudyResult", "tripp", "do-minimum"]
    assert list(tmp_path.iterdir()) == []


def test_user_scenario_file_is_assigned_and_feeds_finance(tmp_path):
    """The old bug: a scenario file made assignment reload scenarios by name and finance fall back to the
    claimed volumes. Now the file's own network state is assigned and finance uses its modelled tonnes."""
    spec = load_spec("tripp")
    sc = spec.scenario("tripp-rail").model_dump(mode="json") | {"name": "my-scenario"}
    path = tmp_path / "my-scenario.yaml"
    path.write_text(yaml.safe_dump(sc, allow_unicode=True), encoding="utf-8")
    r = run_study(spec, project=path)
    assert r.project.name == "my-scenario"
    fin = r.economics.finance
    assert fin.volumes.scenario == "my-scenario" and fin.volumes.tonnes["road"] == 0  # rail only: no road
    assert fin.volumes.tonnes["rail"] == pytest.approx(r.assignment.get("my-scenario", 2030).project_t["rail"])
    assert fin.bid_volumes["rail"] == fin.volumes.tonnes["rail"] >= 0


def test_spec_errors_name_file_line_and_field(tmp_path):
    text = (Path(load_spec("tripp").folder) / "tripp.yaml").read_text(encoding="utf-8")
    bad = text.replace("opening_year: {value: 2029, low: 2029", "opening_year: {value: 2029, low: 2035", 1)
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    line = next(i for i, s in enumerate(bad.splitlines(), start=1) if "low: 2035" in s)
    with pytest.raises(ValidationError) as e:
        read_spec(path)
    msg = str(e.value)
    assert str(path) in msg and f"line {line}" in msg and "committed.3.opening_year" in msg
    with pytest.raises(NotFoundError, match="no bundled corridor 'atlantis'"):
        load_spec("atlantis")


def test_spec_links_must_exist_in_the_network(tmp_path):
    path = write_toy_spec(tmp_path, cases=[{"name": "withtripp", "links": ["baku_meghri", "no_such_link"]}])
    with pytest.raises(ValidationError, match=r"field 'cases\.0\.links'.*no_such_link|no_such_link.*cases\.0"):
        run_study(path)


def test_toy_spec_file_runs_with_no_finance_or_lines(tmp_path):
    r = run_study(write_toy_spec(tmp_path))
    assert r.lines is None and r.economics.finance is None
    assert r.against.name == DO_MINIMUM and r.project.name == "withtripp"
    assert isinstance(r.attribution.table, pd.DataFrame) and len(r.attribution.table) == 2


def test_assignment_uses_the_rail_capacity_that_lines_rail_computes(tripp_study):
    """The project's rail links carry lines.rail's single-track capacity in assignment, not the 15 Mt/yr typed
    into the link table, and the headline says so."""
    from corridor.study.tables import lines_headline

    r = tripp_study
    spec = load_spec("tripp")
    single_t = r.lines.rail["single_mt_yr"] * 1e6
    assert single_t != pytest.approx(15e6)  # the typed figure would not pass this test
    run = r.assignment.get(r.project.name, max(r.assignment.years))
    links = run.links[run.links["link_id"].isin(spec.lines.rail)]
    assert len(links) >= len(spec.lines.rail)
    assert links["capacity_t"].to_numpy() == pytest.approx(single_t)
    assert "the capacity assignment uses" in lines_headline(r)


def test_study_uses_the_calibrated_demand_and_reports_it(tripp_study):
    from corridor.run import report_html

    r = tripp_study
    cal = r.calibration
    assert cal is not None and cal.within_target
    # the study's demand of each year is its table times the base year's row factors
    from corridor.study.calibration import demand_table

    f = cal.factors
    for year in sorted(r.spec.demand):  # the tables' years (the against case: no generated traffic)
        d = r.assignment.get(r.against.name, year).freight.demand
        table = demand_table(r.spec, year)
        want = [t * f.get((o, de, c, m), 1.0) for o, de, c, m, t in
                zip(table["origin"], table["destination"], table["cargo"], table["modes"], table["tonnes_per_yr"],
                    strict=True)]
        np.testing.assert_allclose(d["tonnes_per_yr"].to_numpy(), want)
        assert not np.allclose(d["tonnes_per_yr"].to_numpy(), table["tonnes_per_yr"].to_numpy())
    base = r.assignment.get(r.against.name, min(r.assignment.years)).freight.demand
    assert base["tonnes_per_yr"].sum() == pytest.approx(cal.demand["tonnes_per_yr"].sum())
    out = r.to_dict()["calibration"]
    assert {s["name"] for s in out["screenlines"]} == set(cal.screenlines["name"])
    html = report_html(r)
    assert "Calibration: base-year flows vs observed counts" in html and "agarak_norduz_road" in html
