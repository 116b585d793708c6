"""A second bundled corridor runs through `corridor run --corridor NAME` (and a spec file) with no code change."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from corridor.cli import app
from corridor.study import bundled_specs, load_spec

runner = CliRunner(env={"COLUMNS": "80"})


def test_bundled_specs():
    assert {"tripp", "kars-dilucu"} <= set(bundled_specs())
    spec = load_spec("kars-dilucu")
    assert spec.project.label == "Kars–Dilucu" and spec.finance is None and spec.lines is None
    assert not spec.project_links & load_spec("tripp").project_links - {
        r.link for c in load_spec("tripp").committed for r in c.links}


def test_run_second_corridor_by_name(tmp_path):
    r = runner.invoke(app, ["run", "--corridor", "kars-dilucu", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert "kars-dilucu minus do-minimum" in r.output
    assert "Kars–Dilucu freight 2030" in r.output and "Georgia's transit" in r.output
    assert len(r.output.splitlines()) <= 62 and max(map(len, r.output.splitlines())) <= 80
    assert (tmp_path / "o" / "report.html").stat().st_size > 10_000


def test_run_second_corridor_from_a_spec_file(tmp_path):
    path = tmp_path / "my-corridor.yaml"
    shutil.copy(bundled_specs()["kars-dilucu"], path)
    r = CliRunner().invoke(app, ["run", "--corridor", str(path), "--json", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["corridor"] == "kars-dilucu" and data["project"] == "kars-dilucu"
    assert data["economics"]["finance"] is None and data["lines"] is None
    steps = [s["step"] for s in data["attribution"]["steps"]]
    assert steps[0] == "do-nothing" and steps[-1] == "+ kars-dilucu"


def test_unknown_corridor_is_a_clean_error():
    r = runner.invoke(app, ["run", "--corridor", "atlantis"])
    assert r.exit_code == 2 and "no bundled corridor 'atlantis'" in r.output and "kars-dilucu" in r.output
