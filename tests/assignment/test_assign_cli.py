"""`corridor assign` end to end on a small TNTP network written to tmp_path."""

from __future__ import annotations

import json

import numpy as np
import openmatrix as omx
import pandas as pd
from test_assign_tntp import _write
from typer.testing import CliRunner

from corridor.cli import app

runner = CliRunner()
ONE_WAY = "<NUMBER OF ZONES> 2\n<END OF METADATA>\nOrigin 1\n 2 : 100.0;\n"


def test_assign_json_and_files(tmp_path):
    folder = _write(tmp_path / "net", trips=ONE_WAY)
    out = tmp_path / "out"
    res = runner.invoke(app, ["assign", str(folder), "--gap", "1e-9", "--out", str(out), "--json", "--csv"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.output)
    assert s["converged"] and s["relative_gap"] <= 1e-9 and s["algorithm"] == "gp"
    links = pd.read_csv(out / "links.csv")
    assert len(links) == 5
    hist = pd.read_csv(out / "iterations.csv")
    assert hist["relative_gap"].iloc[-1] == s["relative_gap"]
    with omx.open_file(str(out / "skims.omx")) as f:
        t = np.array(f["time_all"])
        assert t[0, 1] > 0 and np.isfinite(t[0, 1])
        assert set(f.list_matrices()) == {"time_all", "distance_all", "cost_all"}


def test_assign_table_output_and_not_converged_exit_code(tmp_path):
    folder = _write(tmp_path / "net", trips=ONE_WAY.replace("100.0", "1000.0"))  # congested: FW needs many steps
    res = runner.invoke(app, ["assign", str(folder), "--algorithm", "msa", "--gap", "1e-12", "--max-iter", "2"])
    assert res.exit_code == 1
    assert "Assignment of net" in res.output and "msa" in res.output


def test_assign_bad_input_exits_2(tmp_path):
    res = runner.invoke(app, ["assign", str(tmp_path / "missing")])
    assert res.exit_code == 2
    res = runner.invoke(app, ["assign", str(_write(tmp_path / "n", trips=ONE_WAY)), "--algorithm", "nope"])
    assert res.exit_code == 2 and "unknown algorithm" in res.output
    # 50 trips 2 -> 1 but no link leads from 2 back to 1
    res = runner.invoke(app, ["assign", str(_write(tmp_path / "m"))])
    assert res.exit_code == 2 and "no path" in res.output


def test_assign_logit_route_choice(tmp_path):
    folder = _write(tmp_path / "net", trips=ONE_WAY.replace("100.0", "300.0"))
    base = ["assign", str(folder), "--gap", "1e-9", "--json"]
    ue = json.loads(runner.invoke(app, base).output)
    res = runner.invoke(app, [*base, "--route-choice", "logit", "--theta", "0.5"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.output)
    assert s["algorithm"] == "logit" and s["converged"] and s["relative_gap"] <= 1e-9
    assert ue["algorithm"] == "gp"  # deterministic equilibrium stays the default
    assert s["tstt"] != ue["tstt"]
    res = runner.invoke(app, [*base, "--route-choice", "logit"])
    assert res.exit_code == 2 and "needs --theta" in res.output
    res = runner.invoke(app, [*base, "--theta", "0.5"])
    assert res.exit_code == 2 and "--theta" in res.output and "logit" in res.output
    res = runner.invoke(app, [*base, "--facilities"])
    assert res.exit_code == 2 and "--facilities" in res.output
