"""`corridor run`: the study's terminal summary at 80 columns, --full, --json, user scenario files."""

from __future__ import annotations

import json
import re
from html import escape as html_escape

import pytest
import yaml
from typer.testing import CliRunner

from corridor.cli import app
from corridor.study import load_spec, tables

narrow = CliRunner(env={"COLUMNS": "80"})


@pytest.fixture(scope="module")
def summary_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    r = narrow.invoke(app, ["run", "--out", str(out)])
    assert r.exit_code == 0, r.output
    return r.output, out


def test_default_run_is_tripp_minus_do_minimum_in_about_60_lines(summary_run, tripp_study):
    text, _ = summary_run
    lines = text.splitlines()
    assert len(lines) <= 70  # about 60: the forecast, delays and appraisal lines came later, the ranges line last
    assert "ranges: P10 to P90 over 200 draws" in " ".join(text.split())  # the spec's default sweep
    assert max(len(x) for x in lines) <= 80
    assert "tripp minus do-minimum" in text
    for title in ("Headline", "Attribution", "Third parties"):
        assert title in text, title
    # every figure of the headline and third-party tables is printed whole (never split over two lines)
    head = tables.headline(tripp_study)
    for v, d in zip(head["change"], head["_digits"], strict=True):
        assert (f"{v:+,.{int(d)}f}" if v == v else "–") in text  # NaN (e.g. no unique IRR) prints as –
    tp = tables.third_parties(tripp_study)
    for col in ("Δ Mt/yr", "Δ revenue", "low", "high"):
        for v in tp[col]:
            assert f"{v:+,.2f}" in text, (col, v)
    for step in tables.attribution_steps(tripp_study):
        assert step in text
    for case in tripp_study.spec.third_parties.cases:
        assert case.name in text
    irr = tripp_study.economics.finance.comparison[0]["project_irr"]  # on modelled, not the claimed, volumes
    assert f"IRR of 'TRIPP 49 years' {f'{irr * 100:.2f} %' if irr is not None else 'not unique'}" in " ".join(
        text.split())
    assert "summary.json" in text and "report.html" in text


def test_no_word_is_split_across_lines(summary_run):
    text, _ = summary_run
    words = set(re.findall(r"[A-Za-z][A-Za-z\-]{3,}", text))
    for name in ("Nakhchivan", "do-minimum", "horadiz-aghband-rail", "kars-igdir-dilucu-rail", "Georgia"):
        assert name in words, name


def test_full_prints_every_table(tmp_path):
    r = narrow.invoke(app, ["run", "--full", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert max(len(x) for x in r.output.splitlines()) <= 80
    for needle in ("OD pairs", "Flows by route family 2024", "Flows by route family 2030", "Concession bids",
                   "Route shares", "lines", "TRIPP flows by year in tripp"):
        assert needle in r.output, needle
    assert len(r.output.splitlines()) > 62


def test_json_carries_against_attribution_and_third_parties(tmp_path):
    r = CliRunner().invoke(app, ["run", "--json", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output

    def no_nan(token):
        raise AssertionError(f"not JSON: {token}")

    data = json.loads(r.output, parse_constant=no_nan)  # strict JSON: no NaN or Infinity
    assert data["against"] == "do-minimum" and data["project"] == "tripp"
    assert [s["scenario"] for s in data["attribution"]["steps"]][-2:] == ["do-minimum", "tripp"]
    assert {c["country"] for c in data["third_parties"]["countries"]} >= {"AM", "GE", "IR"}
    assert {"pairs", "assignment", "economics", "lines", "files"} <= set(data)
    saved = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert saved["attribution"] == data["attribution"]


def test_against_still_chooses(tmp_path):
    r = CliRunner().invoke(app, ["run", "--against", "do-nothing", "--json", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["against"] == "do-nothing" and data["before"] == "do-nothing"


def test_user_scenario_file_reports_modelled_volumes(tmp_path, tripp_study):
    sc = load_spec("tripp").scenario("tripp").model_dump(mode="json") | {"name": "my"}
    path = tmp_path / "my.yaml"
    path.write_text(yaml.safe_dump(sc, allow_unicode=True), encoding="utf-8")
    r = CliRunner().invoke(app, ["run", str(path), "--json", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    fin = json.loads(r.output)["economics"]["finance"]
    assert fin["volumes_t"]["scenario"] == "my" and fin["basis"]["rail"].startswith("modelled")
    # the file is the tripp case under another name: the same modelled volumes and results
    assert fin["bid_volumes"] == pytest.approx(tripp_study.economics.finance.bid_volumes)
    assert fin["comparison"][0]["project_npv_usd"] == pytest.approx(
        tripp_study.economics.finance.comparison[0]["project_npv_usd"])


def test_out_is_an_existing_file(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    r = CliRunner().invoke(app, ["run", "--out", str(f)])
    assert r.exit_code == 2 and "--out" in r.output and "Traceback" not in r.output


def test_report_shows_the_same_tables(summary_run, tripp_study):
    _, out = summary_run
    html = (out / "report.html").read_text(encoding="utf-8")
    for sid in ("headline", "attribution", "third-parties"):
        assert f'<section id="{sid}">' in html, sid
    part = html.split('<section id="third-parties">')[1].split("</section>")[0]
    for v in tables.third_parties(tripp_study)["Δ revenue"]:
        assert f">{v:,.2f}</td>" in part
    for case in tripp_study.third_parties.cases:
        assert html_escape(case.name) in part
    steps = html.split('<section id="attribution">')[1].split("</section>")[0]
    for v in tables.attribution(tripp_study)["trade M USD/yr"]:
        assert f">{v:,.2f}</td>" in steps


def test_spec_text_is_printed_as_text_not_markup(tmp_path):
    from factories import write_toy_spec

    spec = write_toy_spec(tmp_path, title="Toy [bold]corridor[/] facts[1]")
    r = narrow.invoke(app, ["run", "--corridor", str(spec), "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert "Toy [bold]corridor[/] facts[1]" in r.output


def test_summary_prints_the_project_flows_by_year(summary_run, tripp_study):
    text, _ = summary_run
    joined = " ".join(text.split())
    assert tables.forecast_headline(tripp_study) in joined
    t = tripp_study.forecast.table.set_index("year")
    for y in (2040, 2060):
        assert f"{t.loc[y, 'project_t'] / 1e6:,.2f} in {y}" in joined


def test_json_carries_the_flows_of_every_year(tmp_path):
    r = CliRunner().invoke(app, ["run", "--json", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    fc = json.loads(r.output)["forecast"]
    assert fc["ramp_up_applied"] is True and fc["opening_year"] == 2030
    years = [row["year"] for row in fc["years"]]
    assert years == list(range(2024, 2061))
    by_year = {row["year"]: row for row in fc["years"]}
    assert by_year[2029]["project_t"] == 0 < by_year[2030]["project_t"] < by_year[2030]["project_full_t"]
