"""The report's map in real Chromium: borders drawn, labels that keep their size and never overlap, a legend and a
scale bar that stay on screen, at the default view and zoomed on the TRIPP segment around Meghri.

Screenshots go to pytest's tmp dir and, when CORRIDOR_MAP_SCREENSHOTS names a folder, are copied there for review.
"""

import math
import os
import shutil
from pathlib import Path

import pytest

from corridor.network import load_network
from corridor.run import write_outputs
from corridor.study import load_spec, run_study

pytestmark = pytest.mark.browser

#: lon_min, lat_min, lon_max, lat_max: the TRIPP segment (Agarak–Meghri–Nrnadzor) and its neighbours
TRIPP_BOX = (45.9, 38.7, 46.7, 39.1)

LABELS_JS = """() => [...document.querySelectorAll('#map .maplabel')]
  .filter(g => g.style.display !== 'none')
  .map(g => ({g, t: g.querySelector('text'), dot: g.querySelector('circle')}))
  .map(({g, t, dot}) => {
    const r = t.getBoundingClientRect(), d = dot ? dot.getBoundingClientRect() : null;
    return {place: g.dataset.place, kind: g.classList.contains('place') ? 'place' : 'basemap', text: t.textContent,
            shown: t.style.display !== 'none', box: [r.left, r.top, r.right, r.bottom],
            px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
            dot: d ? d.width : null, cx: d ? (d.left + d.right) / 2 : null, cy: d ? (d.top + d.bottom) / 2 : null};
  })"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("map") / "out"
    write_outputs(run_study(load_spec("tripp")), out)
    return out / "report.html"


@pytest.fixture
def map_page(page, report):
    page.set_viewport_size({"width": 1300, "height": 900})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.as_uri())
    page.locator("#netmap").scroll_into_view_if_needed()
    yield page
    assert all(u.startswith("file:") for u in requests), "the report fetched something"


def _save(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.locator("#map-section").screenshot(path=str(path))
    copy_to = os.environ.get("CORRIDOR_MAP_SCREENSHOTS")
    if copy_to:
        Path(copy_to).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(copy_to) / name)
    return path


def _overlaps(a, b, tol=0.5) -> bool:
    return a[0] < b[2] - tol and a[2] > b[0] + tol and a[1] < b[3] - tol and a[3] > b[1] + tol


def _check_labels(labels):
    shown = [lab for lab in labels if lab["shown"]]
    assert shown, "no label shown"
    for i, a in enumerate(shown):
        for b in shown[i + 1:]:
            assert not _overlaps(a["box"], b["box"]), f"labels overlap: {a['text']!r} and {b['text']!r}"
    return shown


def _zoom(page, box):
    page.evaluate("b => window.corridorMap.zoomTo(...b)", list(box))
    page.wait_for_function("() => { const v = document.getElementById('map').viewBox.baseVal; return v.width < 100; }")
    page.wait_for_timeout(100)  # the labels are placed on the next animation frame


def test_map_default_and_tripp_zoom(map_page, tmp_path):
    page = map_page
    # borders, coasts and the Aras are drawn
    assert page.locator("#map #countries .country").count() >= 10
    for layer in ("#borders", "#coast", "#aras", "#countries"):
        box = page.locator(f"#map {layer}").first.bounding_box()
        assert box and box["width"] > 20 and box["height"] > 5, layer
    assert page.locator("#map #borders").get_attribute("d").count("M") > 20
    assert "Natural Earth" in page.locator(".map-attrib").inner_text()

    default = page.evaluate(LABELS_JS)
    shown = _check_labels(default)
    names = {lab["text"] for lab in shown}
    assert {"Baku", "Nakhchivan", "Istanbul"} <= names, names  # OD places first
    assert any(lab["kind"] == "basemap" for lab in shown)  # country names where there is room
    _save(page, tmp_path, "map-default.png")
    scale_default = page.locator("#map-scale span").inner_text()

    _zoom(page, TRIPP_BOX)
    zoomed = page.evaluate(LABELS_JS)
    shown_z = _check_labels(zoomed)
    names_z = {lab["text"] for lab in shown_z}
    assert {"Meghri", "Agarak", "Nrnadzor"} <= names_z, names_z
    assert {"ARMENIA", "IRAN"} <= names_z and "Aras" in names_z, names_z
    _save(page, tmp_path, "map-tripp.png")

    # labels and dots keep their screen size
    by_place = {lab["place"]: lab for lab in default if lab["kind"] == "place"}
    for lab in zoomed:
        if lab["kind"] == "place" and lab["place"] in by_place:
            before = by_place[lab["place"]]
            assert lab["px"] == pytest.approx(before["px"], abs=0.01) == pytest.approx(12, abs=0.5)
            assert lab["dot"] == pytest.approx(before["dot"], abs=0.5)
    # the legend is still on screen, beside the map, and explains modes, statuses and routes
    legend = page.locator("#map-legend")
    assert legend.is_visible()
    lb, vp = legend.bounding_box(), page.viewport_size
    assert lb["x"] >= 0 and lb["x"] + lb["width"] <= vp["width"] and lb["y"] < vp["height"]
    text = legend.inner_text()
    for word in ("rail", "road", "planned or under construction", "closed", "after", "before", "border", "Aras"):
        assert word in text, word
    # the borders still show in the zoomed view (Armenia–Nakhchivan and Armenia–Iran run through it)
    mb = page.locator("#map").bounding_box()
    bb = page.locator("#map #borders").bounding_box()
    assert _overlaps([bb["x"], bb["y"], bb["x"] + bb["width"], bb["y"] + bb["height"]],
                     [mb["x"], mb["y"], mb["x"] + mb["width"], mb["y"] + mb["height"]])
    # the scale bar follows the zoom and matches the ground: Meghri–Nrnadzor on screen vs great-circle distance
    assert page.locator("#map-scale").is_visible()
    assert page.locator("#map-scale span").inner_text() != scale_default
    km, px = (float(page.locator("#map-scale").get_attribute(a)) for a in ("data-km", "data-px"))
    m, n = (next(lab for lab in zoomed if lab["place"] == p) for p in ("meghri", "nrnadzor"))
    nodes = load_network().places.set_index("place")
    ground = _great_circle_km(*nodes.loc["meghri", ["y_coord", "x_coord"]], *nodes.loc["nrnadzor", ["y_coord", "x_coord"]])
    on_screen = math.hypot(m["cx"] - n["cx"], m["cy"] - n["cy"]) * km / px
    assert on_screen == pytest.approx(ground, rel=0.05)


def test_wheel_zoom_keeps_labels_apart_and_route_key_follows_rows(map_page, tmp_path):
    page = map_page
    key = page.locator("#route-key li")
    assert key.count() == 2  # the first row's before and after routes
    colours = page.locator("#routes .route.active").evaluate_all("els => els.map(e => e.dataset.colour)")
    assert len(set(colours)) == 2
    swatches = key.locator("line").evaluate_all("els => els.map(e => e.getAttribute('stroke'))")
    assert sorted(swatches) == sorted(colours)
    full = page.locator("#map").get_attribute("viewBox")
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.62, box["y"] + box["height"] * 0.72)
    for _ in range(6):
        page.mouse.wheel(0, -120)
        page.wait_for_timeout(30)
    page.wait_for_timeout(150)
    assert float(page.locator("#map").get_attribute("viewBox").split()[2]) < float(full.split()[2]) / 3
    _check_labels(page.evaluate(LABELS_JS))
    # zooming out stops at the whole region
    for _ in range(30):
        page.mouse.wheel(0, 240)
    page.wait_for_timeout(150)
    assert [float(v) for v in page.locator("#map").get_attribute("viewBox").split()] == pytest.approx(
        [float(v) for v in full.split()], abs=0.01)
    # "show all routes" says so in the key
    assert not page.locator("#route-key-all").is_visible()
    page.check("#show-all")
    assert page.locator("#route-key-all").is_visible()
    # another row: the key lists its routes
    page.locator("tr.pair").nth(1).click()
    wanted = page.locator("tr.pair").nth(1).get_attribute("data-routes").split()
    assert page.locator("#route-key li").count() == len(wanted)


def _great_circle_km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))
