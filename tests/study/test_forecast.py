"""The forecast over the concession: growth by cargo class, generated traffic, ramp-up applied once, volumes by
year in the study result (toy spec with known figures, and the bundled TRIPP study)."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from corridor._errors import ValidationError
from corridor.assignment.corridor import assign_corridor
from corridor.assignment.freight import bundled_assumptions, check_demand
from corridor.study import DO_MINIMUM, CorridorVolumes, load_spec, run_study
from corridor.study.economics import finance
from corridor.study.forecast import Forecast, RampUp, grown_demand, od_costs, with_generated
from factories import toy_network, write_toy_spec


def _s(value, **kw):
    return {"value": value, "source": "assumption: test", **kw}


def forecast_dict(**changes) -> dict:
    return {"years": [2030, 2050], "opening_year": _s(2030),
            "growth": {"container": _s(0.03), "general_cargo": _s(0.01)}, "elasticity": _s(0.0),
            "ramp_up": {"first_year_share": _s(1.0), "years_to_full": _s(1)}} | changes


DEMAND = ("origin,destination,cargo,modes,tonnes_per_yr,source\n"
          "baku,nakhchivan,general_cargo,,1000000,assumption: toy\n"
          "baku,kars,container,,500000,assumption: toy\n")


def toy_forecast_spec(tmp_path, **changes):
    path = write_toy_spec(tmp_path, forecast="forecast.yaml")
    (tmp_path / "demand.csv").write_text(DEMAND, encoding="utf-8")
    (tmp_path / "forecast.yaml").write_text(yaml.safe_dump(forecast_dict(**changes)), encoding="utf-8")
    return path


def test_growth_by_class_gives_the_expected_tonnes():
    table = check_demand(pd.read_csv(pd.io.common.StringIO(DEMAND), dtype=str, keep_default_na=False))
    fc = Forecast.model_validate(forecast_dict())
    d2050 = grown_demand({2030: table}, fc, 2050).set_index("cargo")["tonnes_per_yr"]
    assert d2050["general_cargo"] == pytest.approx(1e6 * 1.01 ** 20)
    assert d2050["container"] == pytest.approx(5e5 * 1.03 ** 20)
    assert grown_demand({2030: table}, fc, 2030) is table  # the table's own year: unchanged
    with pytest.raises(ValidationError, match="no demand table at or before 2024"):
        grown_demand({2030: table}, fc, 2024)


def test_a_class_without_a_growth_rate_is_an_error_naming_it_and_its_row():
    table = check_demand(pd.read_csv(pd.io.common.StringIO(DEMAND), dtype=str, keep_default_na=False))
    fc = Forecast.model_validate(forecast_dict(growth={"general_cargo": _s(0.01)}))
    with pytest.raises(ValidationError, match=r"line 3.*'container' has no growth rate.*rates for: general_cargo"):
        grown_demand({2030: table}, fc, 2040, file="fc.yaml")


def test_bad_forecast_inputs_are_refused():
    for bad, msg in ((dict(years=[2050, 2030]), "increasing"), (dict(elasticity=_s(0.2)), "<= 0"),
                     (dict(growth={"container": _s(3.0)}), "yearly fractions"),
                     (dict(ramp_up={"first_year_share": _s(0.0), "years_to_full": _s(3)}), r"\(0, 1\]")):
        with pytest.raises(ValueError, match=msg):
            Forecast.model_validate(forecast_dict(**bad))


def test_ramp_up_share_is_linear_to_full():
    r = RampUp.model_validate({"first_year_share": _s(0.4), "years_to_full": _s(4)})
    assert [r.share(k) for k in (-1, 0, 1, 2, 3, 4, 10)] == pytest.approx([0, 0, 0.4, 0.6, 0.8, 1, 1])


def test_generated_traffic_follows_the_elasticity():
    """Each pair's tonnes scale by (C_project / C_against) ** elasticity: the toy's Baku–Nakhchivan is much cheaper
    with the project, so its tonnes rise."""
    net = toy_network()
    demand = check_demand(pd.read_csv(pd.io.common.StringIO(DEMAND), dtype=str, keep_default_na=False))
    without = assign_corridor(net, None, demand)  # existing links: no project
    opened = net.links.assign(status="existing")
    with_p = assign_corridor(net.replace_links(opened), None, demand)
    ca, cp = od_costs(without), od_costs(with_p)
    assert cp[0] < 0.5 * ca[0]
    out = with_generated(without.freight.demand, without, with_p, -0.5)
    assert out["tonnes_per_yr"].iat[0] == pytest.approx(1e6 * (cp[0] / ca[0]) ** -0.5)
    assert out["generated_t"].iat[0] == pytest.approx(out["tonnes_per_yr"].iat[0] - 1e6) and out["generated_t"].iat[0] > 0
    assert out["tonnes_per_yr"].iat[1] == pytest.approx(5e5 * (cp[1] / ca[1]) ** -0.5)
    assert with_generated(without.freight.demand, without, with_p, 0.0)["generated_t"].abs().max() == 0


@pytest.fixture(scope="module")
def toy_study(tmp_path_factory):
    d = tmp_path_factory.mktemp("fc")
    spec = toy_forecast_spec(d, elasticity=_s(-0.5),
                             ramp_up={"first_year_share": _s(0.5), "years_to_full": _s(3)})
    return run_study(spec)


def test_study_demand_is_grown_by_class_in_every_modelled_year(toy_study):
    r = toy_study
    assert r.assignment.years == (2030, 2050)
    dm = r.assignment.get(DO_MINIMUM, 2050).freight.demand.set_index("cargo")["tonnes_per_yr"]
    assert dm["general_cargo"] == pytest.approx(1e6 * 1.01 ** 20)
    assert dm["container"] == pytest.approx(5e5 * 1.03 ** 20)
    t = r.forecast.table.set_index("year")
    assert list(t.index) == list(range(2030, 2051))
    assert t.loc[2050, "demand_t"] == pytest.approx(dm.sum() + t.loc[2050, "generated_t"])
    assert t.loc[2050, "generated_t"] > 0  # the project lowers Baku–Nakhchivan's cost; elasticity -0.5
    assert "grown 2030→2050 by class" in r.assignment.demand_sources[2050]


def test_ramp_up_is_applied_once_and_years_between_are_interpolated(toy_study):
    t = toy_study.forecast.table.set_index("year")
    full = t["project_full_t"]
    assert full.loc[2030] > 0
    assert t.loc[2030, "project_t"] == pytest.approx(0.5 * full.loc[2030])
    assert t.loc[2031, "project_t"] == pytest.approx(0.75 * full.loc[2031])
    assert (t.loc[2032:, "project_t"] == full.loc[2032:]).all()  # full from year 3: no second ramp-up
    assert full.loc[2040] == pytest.approx((full.loc[2030] + full.loc[2050]) / 2)
    # the tonnes the project does not yet carry stay on the do-minimum's routes
    fam = "family_via Iran_t"
    dm = toy_study.assignment.get(DO_MINIMUM, 2030).summary["families_t"]["via Iran"]
    proj = toy_study.assignment.get("withtripp", 2030).summary["families_t"]["via Iran"]
    assert t.loc[2030, fam] == pytest.approx(dm + 0.5 * (proj - dm))
    v = toy_study.forecast.volumes(2031)
    assert v.ramp_up_applied and v.total_t == pytest.approx(t.loc[2031, "project_t"])


def test_finance_does_not_ramp_up_volumes_that_carry_the_study_ramp_up():
    spec = load_spec("tripp")
    freight = bundled_assumptions()
    tonnes = {"rail": 2e6, "road": 1e6}
    ramped = finance(spec, CorridorVolumes("tripp", 2031, tonnes, ramp_up_applied=True), freight)
    plain = finance(spec, CorridorVolumes("tripp", 2031, tonnes), freight)
    first_ops = 3  # bids.yaml: three construction years
    rail_ramped = ramped.case["bids"][0]["annual"]["revenue_rail_usd"][first_ops]
    rail_plain = plain.case["bids"][0]["annual"]["revenue_rail_usd"][first_ops]
    assert rail_ramped == pytest.approx(2e6 * 3.0)  # volume x tariff, no second ramp-up
    assert rail_plain == pytest.approx(2e6 * 3.0 * 0.15)  # the bid's own year-1 ramp-up
    assert "not again here" in ramped.basis["rail"] and "not again" not in plain.basis["rail"]


def test_bundled_tripp_forecast_runs_to_2060(tripp_study):
    fc = tripp_study.forecast
    assert fc is not None and fc.ramp_up_applied
    assert fc.years == list(range(2024, 2061))
    assert set(fc.modelled_years) >= {2024, 2030, 2060}
    t = fc.table.set_index("year")
    assert (t.loc[: fc.opening_year - 1, "project_t"] == 0).all()
    assert t.loc[2060, "demand_t"] > t.loc[2030, "demand_t"]
    assert tripp_study.to_dict()["forecast"]["years"][-1]["year"] == 2060


def test_forecast_file_errors_name_the_file_and_field(tmp_path):
    spec = toy_forecast_spec(tmp_path)
    (tmp_path / "forecast.yaml").write_text(yaml.safe_dump(forecast_dict(years=[2024, 2030])), encoding="utf-8")
    with pytest.raises(ValidationError, match=r"forecast\.yaml.*years.*before the first demand table \(2030\)"):
        run_study(spec)
    (tmp_path / "forecast.yaml").write_text("years: [2030]\nopening_year: 2030\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"forecast\.yaml.*line 2.*opening_year"):
        run_study(spec)


def test_report_has_a_flows_by_year_section_with_plot_and_table(tripp_study):
    from corridor.run import study_sections

    sec = next(s for s in study_sections(tripp_study) if s.id == "flows-by-year")
    assert "<svg" in sec.html and "<table" in sec.html
    assert "ramp-up" in sec.html and tripp_study.forecast.method["elasticity"].split(" (")[0] in sec.html
