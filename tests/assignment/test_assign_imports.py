"""`corridor --help` and `corridor assign` load only what they need: no web, plotting or database stack (and a
TNTP assignment writing CSV loads neither pandas nor scipy). Each check runs in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_assign_tntp import _write

HEAVY = ("fastapi", "starlette", "uvicorn", "matplotlib", "sqlalchemy", "alembic", "psycopg", "jinja2")

PROBE = """
import json, sys
from typer.testing import CliRunner
from corridor.cli import app
res = CliRunner().invoke(app, sys.argv[1:])
print(json.dumps({"exit": res.exit_code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _modules(*args: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["exit"] == 0, out.stdout
    return set(res["modules"])


def test_import_and_root_help_load_no_heavy_stack():
    mods = _modules("--help")
    assert not mods & set(HEAVY), sorted(mods & set(HEAVY))


@pytest.mark.parametrize("args", [["assign", "--help"]])
def test_assign_help_loads_only_the_assign_area(args):
    mods = _modules(*args)
    assert not mods & set(HEAVY)
    assert not mods & {"pandas", "scipy", "pyarrow"}  # `assign --help` needs none of them


def test_tntp_assignment_loads_no_heavy_stack(tmp_path):
    folder = _write(tmp_path / "net", trips="<NUMBER OF ZONES> 2\n<END OF METADATA>\nOrigin 1\n 2 : 100.0;\n")
    mods = _modules("assign", str(folder), "--out", str(tmp_path / "out"), "--csv", "--no-skims", "--json",
                    "--select-link", "1-3")
    assert not mods & set(HEAVY)
    assert not mods & {"pandas", "scipy", "pyarrow"}, sorted(mods & {"pandas", "scipy", "pyarrow"})
    assert (tmp_path / "out" / "links.csv").is_file()
    assert (tmp_path / "out" / "select_1-3.omx").is_file()  # OMX: PyTables, the one extra library needed


def test_lazy_root_lists_every_area_command():
    from typer.testing import CliRunner

    from corridor.cli import AREAS, COMMAND_AREA, app

    res = CliRunner().invoke(app, ["--help"])
    assert res.exit_code == 0
    for name in COMMAND_AREA:
        assert name in res.output
    assert set(COMMAND_AREA.values()) == set(AREAS)


def test_bundled_region_assignment_loads_no_heavy_stack():
    mods = _modules("assign", "--year", "2030", "--json")
    assert not mods & set(HEAVY), sorted(mods & set(HEAVY))
