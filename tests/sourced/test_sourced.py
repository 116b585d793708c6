"""The one sourced value: validation, sampling, YAML errors with file/line/field, and the bundled listing."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest

from corridor._errors import ValidationError
from corridor.assignment.freight import read_assumptions
from corridor.routing.classes import read_classes
from corridor.sourced import Sourced, bundled_inputs, iter_ranges, iter_sourced, load_model, sourced_tree


def test_range_is_checked():
    with pytest.raises(pydantic.ValidationError, match="low <= value <= high"):
        Sourced[float](value=5.0, low=6.0, high=8.0, source="assumption: test")
    with pytest.raises(pydantic.ValidationError, match="both low and high"):
        Sourced[float](value=5.0, low=4.0, source="assumption: test")
    with pytest.raises(pydantic.ValidationError, match="single number"):
        Sourced[dict[str, float]](value={"rail": 1.0}, low=0.0, high=2.0, source="assumption: test")
    with pytest.raises(pydantic.ValidationError, match="low > 0"):
        Sourced[float](value=1.0, low=0.0, high=2.0, distribution="lognormal", source="assumption: test")
    with pytest.raises(pydantic.ValidationError, match="blank"):
        Sourced[float](value=1.0, source="  ")


def test_frozen():
    s = Sourced[float](value=5.0, source="facts[127]")
    with pytest.raises(pydantic.ValidationError):
        s.value = 6.0  # type: ignore[misc]


@pytest.mark.parametrize(("kind", "mean"), [
    ("triangular", (2 + 5 + 11) / 3), ("uniform", (2 + 11) / 2), ("pert", (2 + 4 * 5 + 11) / 6)])
def test_sample_stays_in_range_with_the_distribution_mean(kind, mean):
    s = Sourced[float](value=5.0, low=2.0, high=11.0, distribution=kind, source="assumption: test")
    x = s.sample(np.random.default_rng(1), 200_000)
    assert x.min() >= 2.0 and x.max() <= 11.0
    assert x.mean() == pytest.approx(mean, rel=0.01)


def test_lognormal_median_and_percentiles():
    s = Sourced[float](value=4.0, low=2.0, high=8.0, distribution="lognormal", source="assumption: test")
    x = s.sample(np.random.default_rng(2), 200_000)
    assert np.median(x) == pytest.approx(4.0, rel=0.01)
    assert np.quantile(x, [0.05, 0.95]) == pytest.approx([2.0, 8.0], rel=0.02)


def test_point_value_samples_itself():
    s = Sourced[float](value=3.0, source="facts[1]")
    assert not s.has_range and s.kind is None
    assert (s.sample(np.random.default_rng(0), 5) == 3.0).all()


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    p = tmp_path / "a.yaml"
    p.write_text("truck_payload_t:\n  value: 20\n  source: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        read_assumptions(p)
    assert str(p) in str(e.value) and "line" in str(e.value)


def test_field_error_names_file_line_and_field(tmp_path):
    p = tmp_path / "classes.yaml"
    p.write_text(
        "bulk:\n"
        "  unit: t\n"
        "  modes: [rail]\n"
        "  value_of_time_usd_per_unit_h: {value: 0.1, source: x1}\n"
        "  rate_usd_per_unit_km: {value: {rail: 0.03}, source: x2}\n"
        "  handling_usd_per_transfer: {value: 5.0, low: 6.0, high: 9.0, source: x3}\n", encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        read_classes(p)
    (prob,) = e.value.problems
    assert (prob.file, prob.row, prob.field) == (str(p), 6, "bulk.handling_usd_per_transfer")
    assert "low <= value <= high" in prob.message


def test_bare_number_asks_for_a_source(tmp_path):
    p = tmp_path / "f.yaml"
    p.write_text("capacity_units: {}\ntruck_payload_t: 20\nbpr: {}\nuncapacitated: none of them\n", encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        read_assumptions(p)
    (prob,) = e.value.problems
    assert prob.row == 2 and prob.field == "truck_payload_t" and "source" in prob.message


def test_sourced_tree_converts_value_source_leaves(tmp_path):
    tree = sourced_tree({"a": {"d": {"value": 1.0, "source": "facts[3]"}, "links": ["x"]}})
    assert isinstance(tree["a"]["d"], Sourced) and tree["a"]["links"] == ["x"]
    assert [p for p, _ in iter_sourced(tree)] == ["a.d"]


def test_load_model_on_a_user_file(tmp_path):
    from corridor.economics.trade import TradeParameters

    p = tmp_path / "t.yaml"
    p.write_text("dfp_semi_elasticity_per_day: {value: 0.01}\n", encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        load_model(TradeParameters, p)
    first = e.value.problems[0]
    assert first.row == 1 and first.field == "dfp_semi_elasticity_per_day.source"


def test_every_bundled_input_is_sourced_and_ranges_are_listed():
    items = list(bundled_inputs())
    assert len(items) > 200
    assert all(s.source.strip() for _, s in items)
    ranged = dict(iter_ranges())
    assert ranged and all(s.has_range for s in ranged.values())
    loops = ranged["lines_defaults:rail.loop_spacing_km"]
    assert (loops.low, loops.value, loops.high, loops.unit) == (8.0, 10.0, 12.0, "km")
    assert ranged["forecast:elasticity"].has_range and "forecast:growth.container" in ranged


def test_cli_lists_ranged_inputs_as_json_and_table():
    import json

    from typer.testing import CliRunner

    from corridor.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["inputs", "--ranges", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    names = {x["input"] for x in rows}
    assert "network:ranges.rail_border_time_h" in names and all(x["low"] is not None for x in rows)
    rail = next(x for x in rows if x["input"] == "network:ranges.rail_border_time_h")
    assert (rail["low"], rail["value"], rail["high"], rail["unit"]) == (3.5, 40.6, 51.9, "h")
    r = runner.invoke(app, ["inputs", "--match", "truck_payload"], env={"COLUMNS": "80"})
    assert r.exit_code == 0 and "20 t" in r.stdout and "Sourced inputs (1)" in r.stdout
    r = runner.invoke(app, ["inputs", "--assumptions", "--json"])
    assert all(x["source"].lower().startswith("assumption") for x in json.loads(r.stdout))
