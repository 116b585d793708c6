"""``corridor run --json`` carries the economic appraisal of the run's freight equilibria."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from corridor.cli import app


def test_run_json_has_appraisal(tmp_path):
    res = CliRunner().invoke(app, ["run", "--json", "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    a = json.loads(res.stdout)["appraisal"]
    for key in ("enpv_usd", "eirr", "bcr", "co2_t_per_yr_full_operation", "co2_t_total", "co2_pv_usd"):
        assert key in a
    assert a["enpv_usd"] == pytest.approx(a["pv_benefits_usd"] - a["pv_costs_usd"], rel=1e-9)
    assert a["bcr"] == pytest.approx(a["pv_benefits_usd"] / a["pv_costs_usd"], rel=1e-9)
    assert len(a["annual"]["year"]) == 30 and a["annual"]["year"][0] == 2026
    assert (a["project"], a["against"]) == ("tripp", "do-minimum")  # the study's comparison, not do-nothing
    assert "Economic appraisal" in (tmp_path / "out" / "report.html").read_text()


def test_run_summary_prints_the_appraisal_headline(tmp_path):
    res = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["run", "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines() if x.startswith("appraisal: "))
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())["appraisal"]
    assert f"ENPV {summary['enpv_usd'] / 1e6:,.0f} M USD at 5 %" in line and "BCR" in line and "CO2" in line
