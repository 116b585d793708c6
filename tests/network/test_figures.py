"""Ranged link figures (link_figures.yaml): reading with file/line errors, fit to the network, applying draws."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from corridor._errors import NotFoundError, ValidationError
from corridor.network.figures import (
    FIGURES_FILE,
    bundled_figures,
    check_figures,
    read_figures,
    sample_values,
    with_values,
)
from corridor.network.io import bundled_dir, load_network, read_gmns


def test_bundled_figures_fit_the_bundled_network():
    net, fig = load_network(), bundled_figures()
    assert check_figures(net, fig) == []
    assert {"rail_border_time_h", "road_border_time_h", "ferry_route_capacity", "main_line_capacity"} <= set(
        fig.ranges)
    rng = fig.for_link("ganja_gardabani_rail")
    assert rng["fixed_time_h"].value == 40.6 and rng["capacity"].low == 13.7
    assert fig.for_link("no_such_link") == {}


def test_a_draw_moves_every_link_of_a_range_and_nothing_else():
    net, fig = load_network(), bundled_figures()
    draw = with_values(net, fig, {"rail_border_time_h": 3.5, "ferry_route_capacity": 4.5})
    before, after = net.links.set_index("link_id"), draw.links.set_index("link_id")
    rail_borders = [lid for lid, f in fig.links.items() if f.get("fixed_time_h") == "rail_border_time_h"]
    assert (after.loc[rail_borders, "fixed_time_h"] == 3.5).all()
    assert (after.loc[["alat_aktau_ferry", "alat_kuryk_ferry"], "capacity"] == 4.5).all()
    others = after.index.difference(rail_borders)
    assert after.loc[others, "fixed_time_h"].equals(before.loc[others, "fixed_time_h"])
    assert before.loc["ganja_gardabani_rail", "fixed_time_h"] == 40.6  # the original is unchanged
    with pytest.raises(NotFoundError, match="no range named"):
        with_values(net, fig, {"nope": 1.0})


def test_sample_values_follow_each_range():
    fig = bundled_figures()
    draws = sample_values(fig, np.random.default_rng(7), 1000)
    r = fig.ranges["road_border_time_h"]
    assert draws["road_border_time_h"].shape == (1000,)
    assert r.low <= draws["road_border_time_h"].min() and draws["road_border_time_h"].max() <= r.high


def test_errors_name_file_line_and_field(tmp_path):
    p = tmp_path / FIGURES_FILE
    p.write_text("ranges:\n  t: {value: 5, low: 6, high: 9, unit: h, source: 'assumption: x'}\nlinks: {}\n",
                 encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        read_figures(p)
    (prob,) = e.value.problems
    assert (prob.file, prob.row, prob.field) == (str(p), 2, "ranges.t") and "low <= value" in prob.message
    p.write_text("ranges:\n  t: {value: 5, unit: km, source: 'assumption: x'}\nlinks:\n  a: {fixed_time_h: t}\n",
                 encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        read_figures(p)
    assert e.value.problems[0].row == 2 and "'h' is expected" in str(e.value)
    p.write_text("ranges: {}\nlinks:\n  a: {fixed_time_h: missing}\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="no range named 'missing'"):
        read_figures(p)


def test_a_gmns_folder_whose_figures_disagree_with_link_csv_is_refused(tmp_path):
    folder = tmp_path / "net"
    shutil.copytree(bundled_dir(), folder)
    f = folder / FIGURES_FILE
    f.write_text(f.read_text(encoding="utf-8").replace("    value: 40.6", "    value: 41", 1), encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        read_gmns(folder)
    assert str(f) in str(e.value) and "central value of 41" in str(e.value)
