"""`corridor run --draws N`: the headline as P10-P90 ranges in the terminal, the JSON and the report (the sweep of
corridor.uncertainty around the study result), the same numbers for the same seed."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.study import load_spec

narrow = CliRunner(env={"COLUMNS": "80"})
DRAWS, SEED = 8, 3
#: the headline metrics every draw gives on the bundled spec
METRICS = ("trade_change_usd", "enpv_usd", "eirr", "bcr", "co2_t_per_yr", "project_irr", "project_npv_usd")


@pytest.fixture(scope="module")
def json_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ranges") / "json"
    r = narrow.invoke(app, ["run", "--draws", str(DRAWS), "--seed", str(SEED), "--workers", "0", "--json",
                            "--out", str(out)])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ranges") / "text"
    r = narrow.invoke(app, ["run", "--draws", str(DRAWS), "--seed", str(SEED), "--workers", "0", "--full",
                            "--out", str(out)])
    assert r.exit_code == 0, r.output
    return r.stdout, out


def _ordered(m: dict) -> bool:
    return m["p10"] is not None and m["p10"] <= m["p50"] <= m["p90"]


def test_json_carries_every_headline_as_an_ordered_range(json_run):
    rg = json_run["ranges"]
    assert (rg["draws"], rg["seed"]) == (DRAWS, SEED)
    m = rg["metrics"]
    years = json_run["forecast"]["modelled_years"]
    opening = json_run["forecast"]["opening_year"]
    keys = [*(f"corridor_flow_t_{y}" for y in years), *(f"flow_by_year_t_{y}" for y in years if y >= opening),
            *METRICS]
    for k in keys:
        assert set(m[k]) >= {"p10", "p50", "p90"}, k
        assert _ordered(m[k]), (k, m[k])
    assert m["corridor_flow_t_2060"]["p10"] < m["corridor_flow_t_2060"]["p90"]  # the draws move the flows
    assert m["enpv_usd"]["p10"] < m["enpv_usd"]["p90"]
    assert 0.0 <= rg["p_enpv_positive"] <= 1.0
    swings = [t["swing_usd"] for t in rg["tornado_enpv"]]
    assert swings and swings == sorted(swings, reverse=True) and swings[0] > 0
    names = {i["name"] for i in rg["inputs"]}
    assert {"forecast:growth.container", "forecast:elasticity", "appraisal:capex_usd"} <= names


def test_same_seed_same_numbers_and_every_view_shows_them(json_run, text_run):
    text, out = text_run
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["ranges"] == json_run["ranges"]  # a second run, the same seed: the same draws
    lines = text.splitlines()
    assert max(len(x) for x in lines) <= 80
    assert f"Ranges: {DRAWS} draws of the ranged inputs (seed {SEED})" in text
    assert "P(ENPV > 0)" in text
    m = json_run["ranges"]["metrics"]
    html = (out / "report.html").read_text(encoding="utf-8")
    section = html[html.index('id="ranges"'):]
    assert section.count("<svg") >= 2  # the distributions (ENPV, the finance year's tonnes) and the tornado
    spec = load_spec("tripp")
    year = int(spec.finance.year.value)
    for key, scale, name in ((f"corridor_flow_t_{year}", 1e-6, f"{spec.project.label} freight {year}, Mt/yr"),
                             ("enpv_usd", 1e-6, "ENPV, M USD"),
                             ("eirr", 100.0, "EIRR, %"), ("bcr", 1.0, "benefit-cost ratio"),
                             ("project_irr", 100.0, "project IRR (finance), %")):
        cells = [f"{m[key][p] * scale:,.2f}" for p in ("p10", "p50", "p90")]
        start = next(i for i, x in enumerate(lines) if x.startswith("Ranges:"))
        row = next(x for x in lines[start:] if x.startswith(name))  # (the headline has a row of that name too)
        assert re.findall(r"-?[\d,]+\.\d\d", row) == cells, (name, row)  # the terminal row: P10, P50, P90
        hit = re.search(re.escape(name) + r"</td>(.*?)</tr>", html[html.index("The headline as ranges"):])
        assert hit is not None, name
        assert re.findall(r"-?[\d,]+\.\d\d", hit.group(1)) == cells, name  # the report's row


def test_ranges_by_default_as_one_summary_line(json_run, tripp_study, tmp_path):
    spec = load_spec("tripp")
    assert spec.uncertainty is not None and spec.uncertainty.draws.value == 200  # on: a draw takes ~42 ms
    assert spec.uncertainty.draws.source.startswith("assumption:")
    assert tripp_study.ranges is None  # run_study is the pure study; the sweep is the run's separate step
    r = narrow.invoke(app, ["run", "--draws", str(DRAWS), "--seed", str(SEED), "--workers", "0",
                            "--out", str(tmp_path / "s")])
    assert r.exit_code == 0, r.output
    text = " ".join(r.stdout.split())
    m = json_run["ranges"]["metrics"]
    year = int(spec.finance.year.value)
    flow = m[f"corridor_flow_t_{year}"]
    assert (f"ranges: P10 to P90 over {DRAWS} draws (seed {SEED}): {spec.project.label} {year} "
            f"{flow['p10'] * 1e-6:,.2f} to {flow['p90'] * 1e-6:,.2f} Mt/yr") in text
    assert f"ENPV {m['enpv_usd']['p10'] * 1e-6:,.0f} to {m['enpv_usd']['p90'] * 1e-6:,.0f} M USD" in text
    assert f"P(ENPV > 0) {json_run['ranges']['p_enpv_positive']:.2f}" in text
    assert "Ranges:" not in text  # the whole table is --full's
    off = narrow.invoke(app, ["run", "--draws", "0", "--out", str(tmp_path / "off")])
    assert off.exit_code == 0 and "ranges:" not in off.stdout


def test_one_draw_is_refused_naming_the_option(tmp_path):
    r = narrow.invoke(app, ["run", "--draws", "1", "--out", str(tmp_path / "o")])
    assert r.exit_code != 0 and "--draws" in r.output and "Traceback" not in r.output


def test_spec_draws_must_be_whole():
    from pydantic import ValidationError

    from corridor.study.spec import UncertaintySweep

    with pytest.raises(ValidationError, match="draws"):
        UncertaintySweep(draws={"value": 2.5, "source": "assumption: test"})
    assert UncertaintySweep(draws={"value": 8, "source": "assumption: test"}, seed=2).seed == 2
