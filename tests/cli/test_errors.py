"""The one error path: the issue's examples of tracebacks and false OKs now print one line and exit non-zero."""

from __future__ import annotations

import socket

import pytest
import typer
from typer.testing import CliRunner

from corridor.cli import app
from corridor.cli._output import describe

runner = CliRunner(env={"COLUMNS": "80"})


def one_line(r) -> str:
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in r.output, r.output
    return lines[0]


@pytest.mark.parametrize(("url", "says"), [
    ("sqlite:///nonexistent-dir/x.db", "folder 'nonexistent-dir' does not exist"),
    ("postgres://user@localhost/corridor", "write postgresql://"),
    ("mysql://x", "unsupported database 'mysql'"),
    ("notaurl", "not a database URL"),
    ("sqlite:///typo.db", "no database at 'typo.db'"),
])
def test_audit_verify_bad_database_urls(url, says, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert r.exit_code == 2 and says in one_line(r) and "--database-url" in r.output
    assert not list(tmp_path.iterdir())  # nothing created, in particular no empty typo.db


def test_a_url_from_the_environment_is_named_as_such(monkeypatch):
    monkeypatch.setenv("CORRIDOR_TRANSIT_DATABASE_URL", "notaurl")
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 2 and "$CORRIDOR_TRANSIT_DATABASE_URL" in one_line(r)


def test_serve_on_a_busy_port_says_so_before_touching_the_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = runner.invoke(app, ["serve", "--port", str(port)])
    line = one_line(r)
    assert r.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in line and "serving" not in r.output
    assert not list(tmp_path.iterdir())


def test_run_out_an_existing_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    r = runner.invoke(app, ["run", "--out", str(tmp_path / "afile")])
    assert r.exit_code == 2 and "existing file" in one_line(r)


@pytest.mark.parametrize("name", ["out.xyz", "out.shp"])
def test_network_export_refuses_unknown_formats(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["network", "export", name])
    assert r.exit_code == 2 and "*.gpkg or *.geojson" in one_line(r)
    assert not list(tmp_path.iterdir())


def test_network_export_geojson_writes_the_file_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["network", "export", "region.geojson"])
    assert r.exit_code == 0 and r.output.strip() == "wrote region.geojson"
    assert [p.name for p in tmp_path.iterdir()] == ["region.geojson"]


def test_a_bug_says_how_to_see_its_traceback(monkeypatch):
    import corridor.network

    def broken(*a, **k):
        raise KeyError("oops")

    monkeypatch.setattr(corridor.network, "load_network", broken)
    r = runner.invoke(app, ["network", "info"])
    assert r.exit_code == 1 and "internal error: KeyError" in one_line(r) and "--debug" in r.output
    r = runner.invoke(app, ["--debug", "network", "info"])
    assert isinstance(r.exception, KeyError)


def test_describe_knows_the_users_problems():
    from sqlalchemy.exc import OperationalError

    assert describe(OperationalError("SELECT 1", {}, Exception("connection refused\nmore")))[0].startswith(
        "database: (builtins.Exception) connection refused")
    assert describe(FileNotFoundError(2, "No such file or directory", "x.csv")) == (
        "No such file or directory: x.csv", 2)
    assert describe(typer.BadParameter("nope"))[1] == 2
    assert describe(ZeroDivisionError()) is None


@pytest.mark.parametrize(("args", "says"), [
    (["route", "Baku", "Nakhchivan", "--avoid", "XX"], "unknown country 'XX'"),
    (["route", "Baku", "Nakhchivan", "--avoid-modes", "raill"], "did you mean rail?"),
    (["lines", "rail", "--speed-kmh", "80"], "--speed-kmh 80.0: the bundled TRIPP case"),
    (["lines", "rail", "--tracks", "3"], "expected 1 (single) or 2 (double track)"),
    (["lines", "rail", "--length-km", "43", "--net-t", "-2000"], "'--net-t': expected a number > 0 t"),
    (["lines", "rail", "--length-km", "43", "--speed-kmh", "0"], "'--speed-kmh': expected a number > 0 km/h"),
    (["lines", "fibre", "--pairs", "2"], "--pairs 2: the bundled TRIPP case"),
    (["economics", "trade", "--origin-country", "AZ", "--destination-country", "XX", "--time-after-h", "12",
      "--cost-after", "60"], "'--destination-country': unknown country 'XX'"),
    (["economics", "trade", "--origin-country", "AZ", "--destination-country", "US", "--time-after-h", "12",
      "--cost-after", "60"], "no baseline trade bundled for AZ–US"),
    (["economics", "trade", "--origin-country", "AZ", "--destination-country", "TR", "--time-after-h", "12",
      "--cost-after", "60", "--corridor-share", "5"], "'--corridor-share': expected a number in (0, 1] (got 5.0)"),
    (["economics", "finance", "--discount-rate", "8"], "e.g. 0.08 for 8 % (got 8.0)"),
])
def test_the_issues_silent_inputs_are_refused(args, says):
    r = runner.invoke(app, args)
    assert r.exit_code == 2 and says in one_line(r)


def test_countries_by_name_and_modes_in_any_case_change_the_route():
    def countries(*extra):
        r = runner.invoke(app, ["route", "Baku", "Nakhchivan", "--json", *extra])
        assert r.exit_code == 0, r.output
        import json

        return json.loads(r.output)["routes"][0]

    assert "IR" in countries()["countries"]
    assert countries("--avoid", "Iran")["countries"] == countries("--avoid", "ir")["countries"] == ["AZ", "GE", "TR", "AZ"]
    modes = {leg["mode"] for leg in countries("--avoid-modes", "Road", "--scenario", "tripp")["legs"]}
    assert "road" not in modes
