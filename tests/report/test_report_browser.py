"""The report opens offline in real headless Chromium and shows the map and the routes."""

import pytest
import yaml
from playwright.sync_api import expect

from corridor.run import write_outputs
from corridor.study import load_spec, run_study
from factories import write_toy_spec

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    d = tmp_path_factory.mktemp("rep")
    spec = write_toy_spec(d)
    (d / "b.yaml").write_text(yaml.safe_dump({"name": "base", "od_pairs": [["baku", "nakhchivan"]]}))
    (d / "a.yaml").write_text(yaml.safe_dump({"name": "after", "open_links": ["baku_meghri", "tripp_meghri_nakh"],
                                               "od_pairs": [["baku", "nakhchivan"], ["baku", "kars"]]}))
    res = run_study(spec, project=d / "a.yaml", against=d / "b.yaml")
    write_outputs(res, d / "out")
    return d / "out" / "report.html", res.network


def test_report_renders_map_and_routes_offline(page, report):
    path, net = report
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:") else
               route.continue_())
    page.goto(path.as_uri())
    assert page.title().startswith("corridor:")
    assert page.locator("svg#map").is_visible()
    assert page.locator("svg#map path.link").count() == net.n_links
    routes = page.locator("#routes .route")
    assert routes.count() >= 4  # two pairs × two constraints, some with routes in both scenarios
    # the first row is selected on load: its routes are shown
    active = page.locator("#routes .route.active")
    assert active.count() == 2
    expect(active.first).to_have_css("opacity", "1")  # retries while the CSS transition runs
    # clicking another row shows that row's routes instead
    rows = page.locator("tr.pair")
    rows.nth(2).click()
    wanted = rows.nth(2).get_attribute("data-routes").split()
    shown = page.locator("#routes .route.active").evaluate_all("els => els.map(e => e.dataset.route)")
    assert sorted(shown) == sorted(wanted)
    # delta cells are rendered HTML, not escaped text
    assert "<span" not in page.locator("table").first.inner_text()
    # zoom to the corridor changes the view box; "whole region" restores it
    full = page.locator("svg#map").get_attribute("viewBox")
    page.click("#zoom-focus")
    zoomed = page.locator("svg#map").get_attribute("viewBox")
    assert zoomed != full and float(zoomed.split()[2]) < float(full.split()[2])
    page.click("#zoom-all")
    restored = [float(v) for v in page.locator("svg#map").get_attribute("viewBox").split()]
    assert restored == pytest.approx([float(v) for v in full.split()], abs=0.01)
    box = page.locator("svg#map").bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    assert all(u.startswith("file:") for u in requests)


@pytest.fixture(scope="module")
def bundled_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundled") / "out"
    write_outputs(run_study(load_spec("tripp")), out)
    return out / "report.html"


def test_bundled_report_sections_and_plots_render_offline(page, bundled_report):
    urls = []
    page.on("request", lambda r: urls.append(r.url))
    page.goto(bundled_report.as_uri())
    assert page.locator("section#assignment table").count() >= 1  # flows by route family
    for section in ("lines", "economics"):
        sec = page.locator(f"section#{section}")
        assert sec.is_visible(), section
        figures = sec.locator("figure svg")
        assert figures.count() >= 1, section
        for i in range(figures.count()):
            box = figures.nth(i).bounding_box()
            assert box and box["width"] > 200 and box["height"] > 100, (section, i)
    # matplotlib text stays text (svg.fonttype none), so plot labels are readable in the page
    assert "bar(a)" in page.locator("section#lines").inner_text()
    assert all(u.startswith("file:") for u in urls)
