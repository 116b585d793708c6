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
    assert "Economic appraisal" in (tmp_path / "out" / "report.html").read_text()
