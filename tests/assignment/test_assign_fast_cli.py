"""The fast path of `corridor assign` (corridor.cli._fast): a plain TNTP command line runs without typer, click,
rich or pydantic and writes what the typer command writes; anything else goes to the typer app, whose
messages name the option. The whole-process runs use the real entry point in a fresh interpreter."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import pytest
from test_assign_tntp import _write
from typer.main import get_command
from typer.testing import CliRunner

from corridor.assignment.io import write_table
from corridor.cli import _fast, app
from corridor.network import tntp

MAIN = [sys.executable, "-c", "from corridor.cli import main; main()"]
CLI_STACK = {"typer", "click", "rich", "pydantic"}
PROBE = """
import json, sys
from corridor.cli._fast import fast_main
code = fast_main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _main(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*MAIN, *map(str, args)], capture_output=True, text=True)


@pytest.fixture
def net(tmp_path):
    """The tiny TNTP network with trips 1 -> 2 only (every pair has a path)."""
    return _write(tmp_path / "net", trips="<NUMBER OF ZONES> 2\n<END OF METADATA>\nOrigin 1\n 2 : 100.0;\n")


def test_plain_arguments_are_read_as_the_typer_command_reads_them(net):
    kw = _fast.parse([str(net), "--gap", "1e-6", "--max-iter=50", "-a", "bfw", "--csv", "--json", "--no-skims",
                      "--toll-factor", "0.5", "--out", "o", "--select-link", "1-3", "--select-link", "a=3-2"])
    assert kw == {**_fast.DEFAULTS, "network": net, "gap": 1e-6, "max_iter": 50, "algorithm": "bfw", "csv": True,
                  "as_json": True, "no_skims": True, "toll_factor": 0.5, "out": Path("o"),
                  "select_link": ["1-3", "a=3-2"]}


@pytest.mark.parametrize("args", [
    ["--help"], ["--gap", "abc"], ["--gap", "-1"], ["--gap", "nan"], ["--max-iter", "1e3"], ["--toll-factor", "-1"],
    ["--gap", "1e-4", "--gap", "1e-5"], ["--csv=yes"], ["--scenario", "x"], ["--year", "2030"], ["--debug"],
    ["--gap"], ["extra"], ["--out", ""], ["--"], ["-a=gp"], ["-agp"],
])
def test_anything_not_plain_goes_to_the_typer_app(net, args):
    assert _fast.parse([str(net), *args]) is None


def test_the_bundled_region_and_gmns_folders_go_to_the_typer_app(tmp_path, monkeypatch):
    assert _fast.parse(["--json"]) is None  # no network: the bundled region
    gmns = tmp_path / "g"
    gmns.mkdir()
    (gmns / "node.csv").write_text("node_id\n")
    (gmns / "link.csv").write_text("link_id\n")
    assert _fast.parse([str(gmns)]) is None
    assert _fast.fast_main(["route", str(gmns)]) is None
    monkeypatch.setenv("CORRIDOR_DEBUG", "1")
    assert _fast.fast_main(["assign", str(tmp_path)]) is None


def test_fast_options_are_the_typer_commands_options():
    root = get_command(app)
    assign = root.get_command(click.Context(root), "assign")
    by_flag = {o: p for p in assign.params for o in p.opts}
    for flag, (param, kind) in _fast.OPTIONS.items():
        opt = by_flag[flag]
        assert (opt.name, opt.is_flag, opt.multiple) == (param, kind == "flag", kind == "list"), flag
        assert opt.default == _fast.DEFAULTS[param] or (kind == "list" and not opt.default), flag


def test_a_plain_json_run_loads_no_cli_stack(net, tmp_path):
    out = subprocess.run([sys.executable, "-c", PROBE, "assign", str(net), "--out", str(tmp_path / "o"), "--csv",
                          "--json", "--no-skims"], capture_output=True, text=True, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["code"] == 0
    assert not set(res["modules"]) & (CLI_STACK | {"pandas", "pyarrow", "scipy"})


def _rows(path: Path, drop: str = "seconds") -> list[dict]:
    with path.open() as f:
        return [{k: v for k, v in r.items() if k != drop} for r in csv.DictReader(f)]


@pytest.mark.parametrize("extra", [["--csv"], []])
def test_the_fast_path_writes_what_the_typer_command_writes(net, tmp_path, extra):
    args = [str(net), "--gap", "1e-9", "--select-link", "1-3", *extra]
    fast = _main("assign", *args, "--out", tmp_path / "fast", "--json")
    assert fast.returncode == 0, fast.stderr
    typed = CliRunner().invoke(app, ["assign", *args, "--out", str(tmp_path / "typer"), "--json"])
    assert typed.exit_code == 0, typed.output
    s_fast, s_typer = json.loads(fast.stdout), json.loads(typed.output)
    for s in (s_fast, s_typer):
        s.pop("seconds")
        s["files"] = [Path(f).name for f in s["files"]]
    assert s_fast == s_typer
    names = sorted(p.name for p in (tmp_path / "typer").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "fast").iterdir())
    assert "select_1-3.omx" in names and ("links.csv" in names) == bool(extra)
    for name in names:
        a, b = tmp_path / "fast" / name, tmp_path / "typer" / name
        if name == "iterations.csv":
            assert _rows(a) == _rows(b)
        elif name == "summary.json":
            assert {**json.loads(a.read_text()), "seconds": 0} == {**json.loads(b.read_text()), "seconds": 0}
        elif name.endswith(".csv"):
            assert a.read_bytes() == b.read_bytes(), name


def test_tables_and_the_not_converged_exit_code(tmp_path):
    congested = _write(tmp_path / "net", trips="<NUMBER OF ZONES> 2\n<END OF METADATA>\nOrigin 1\n 2 : 1000.0;\n")
    res = _main("assign", congested, "--algorithm", "msa", "--gap", "1e-12", "--max-iter", "2")
    assert res.returncode == 1
    assert "Assignment of net" in res.stdout and "Highest volume/capacity" in res.stdout


@pytest.mark.parametrize(("args", "words"), [
    (["--gap", "abc"], ["--gap", "abc"]),
    (["--toll-factor", "-1"], ["--toll-factor", ">= 0"]),
    (["--colour", "red"], ["--colour"]),
    (["--algorithm", "nope"], ["unknown algorithm"]),
    (["--select-link", "99-98"], ["99-98"]),
])
def test_errors_name_the_option_or_the_value_in_one_line(net, args, words):
    res = _main("assign", net, *args, "--json")
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and res.stderr.startswith("error: ")
    for w in words:
        assert w in res.stderr


def test_a_missing_network_is_one_line_and_help_still_works(tmp_path):
    res = _main("assign", tmp_path / "missing", "--json")
    assert res.returncode == 2 and res.stderr.startswith("error: ") and "missing" in res.stderr
    res = _main("assign", "--help")
    assert res.returncode == 0 and "--select-link" in res.stdout and "--no-skims" in res.stdout


TRIPS_VARIANTS = [
    "Origin 1\n 2 : 1.0;\nOrigin 2\n 1 : 2.5e1; 2 : 0;\n",
    "Origin 1 2:1 1:2.25 ~ comment ; Origin 2\n1 : 3 ;",
    "Origin  1\t\n\t2 :\t7.125;   2 : 1;\n",  # a pair twice: summed
]
BAD_TRIPS = ["Origin 1\n 2 : -1;", "Origin 3\n 2 : 1;", "Origin 1\n 2 : 1; junk", " 2 : 1;", "Origin 1\n 2.0 : 1;",
             "Origin 1\n 2 : inf;", "Origin 1\n 2 : 0x10;", "origin 1\n 2 : 1;", "Origin 1\n 2 :", "Origin 1\n 2 : 1e",
             "Origin x\n 2 : 1;", ""]


@pytest.mark.skipif(tntp._scan_trips is None, reason="the compiled trips scanner is not built")
def test_compiled_trips_scanner_matches_the_numpy_path_and_refuses_the_rest():
    for body in TRIPS_VARIANTS:
        got = tntp._scan_trips(body, 2)
        assert got is not None and np.array_equal(got, tntp._fast_trips(body, 2)), body
    for body in BAD_TRIPS:
        assert tntp._scan_trips(body, 2) is None, body


def test_csv_link_tables_are_what_the_csv_module_writes(tmp_path):
    cols = {"link": np.array(["1-2", "2-3"]), "n": np.array([1, 2]), "flow": np.array([0.1, np.nan]),
            "big": np.array([1e300, -np.inf]), "ok": np.array([True, False])}
    for table in (cols, {**cols, "link": np.array(["a,b", 'say "x"'])}, {"only": np.array([1.5, 2.0])}):
        path = tmp_path / "t.csv"
        write_table(table, path)
        ref = tmp_path / "ref.csv"
        with ref.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(list(table))
            w.writerows(zip(*[[None if isinstance(x, float) and x != x else x for x in np.asarray(v).tolist()]
                              for v in table.values()], strict=True))
        assert path.read_bytes() == ref.read_bytes()
