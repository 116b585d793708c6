"""The fast path of ``corridor assign`` on a TNTP network: the arguments are read here, without typer, click,
pydantic or (with ``--json``) rich, whose imports cost more than reading ChicagoSketch. Only plain arguments
take it: any option it does not know, ``--help``, a value it cannot read exactly as the typer command would,
a GMNS network or ``CORRIDOR_DEBUG`` returns ``None`` and the typer app handles the whole command line (so its
messages, which name the option, stay the only ones). Both paths run :func:`corridor.cli._assign_tntp.run_tntp`.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

#: numbers the fast path reads: no sign, inf or nan, so the typer options' checks (finite, >= 0) always pass
_FLOAT = re.compile(r"[+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_INT = re.compile(r"[+]?\d+")

#: option -> (parameter, kind): the TNTP options of :func:`corridor.cli.assign_cmd.assign_command`
OPTIONS: dict[str, tuple[str, str]] = {
    "--trips": ("trips", "path"), "--algorithm": ("algorithm", "str"), "-a": ("algorithm", "str"),
    "--gap": ("gap", "float"), "--max-iter": ("max_iter", "int"), "--toll-factor": ("toll_factor", "float"),
    "--distance-factor": ("distance_factor", "float"), "--out": ("out", "path"),
    "--select-link": ("select_link", "list"), "--csv": ("csv", "flag"), "--no-skims": ("no_skims", "flag"),
    "--json": ("as_json", "flag"),
}
DEFAULTS = {"trips": None, "algorithm": "gp", "gap": 1e-4, "max_iter": 1000, "toll_factor": None,
            "distance_factor": None, "out": None, "select_link": [], "csv": False, "no_skims": False,
            "as_json": False}


def _value(kind: str, text: str):
    """The option value as the typer command reads it, or None when the fast path should not judge it."""
    if not text or text.startswith("-"):
        return None
    if kind == "float":
        return float(text) if _FLOAT.fullmatch(text) else None
    if kind == "int":
        return int(text) if _INT.fullmatch(text) else None
    return Path(text) if kind == "path" else text


def parse(args: list[str]) -> dict | None:
    """The keyword arguments of ``run_tntp`` for ``corridor assign ARGS`` (``args`` without ``assign``), or
    None when the command line is not plain."""
    kw: dict = {**DEFAULTS, "select_link": []}
    seen: set[str] = set()
    network: Path | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if not arg.startswith("-"):
            if network is not None:
                return None
            network = Path(arg)
            continue
        name, eq, text = arg.partition("=") if arg.startswith("--") else (arg, "", "")  # click: -a=x is "=x"
        if name not in OPTIONS:
            return None
        param, kind = OPTIONS[name]
        if kind == "flag":
            if eq:
                return None
            kw[param] = True
            continue
        if not eq:
            if i == len(args):
                return None
            text = args[i]
            i += 1
        value = _value("str" if kind == "list" else kind, text)
        if value is None:
            return None
        if kind == "list":
            kw[param].append(value)
            continue
        if param in seen:
            return None
        seen.add(param)
        kw[param] = value
    if network is None or not arg_is_tntp(network):
        return None
    kw["network"] = network
    return kw


def arg_is_tntp(network: Path) -> bool:
    """Not a GMNS folder (which the typer command assigns as freight)."""
    return not (network.is_dir() and (network / "node.csv").is_file() and (network / "link.csv").is_file())


def fast_main(argv: list[str]) -> int | None:
    """Run ``corridor assign`` for ``argv`` (without the program name) and return its exit code, or None when
    the typer app must handle ``argv``."""
    if not argv or argv[0] != "assign" or os.environ.get("CORRIDOR_DEBUG"):
        return None
    kw = parse(argv[1:])
    if kw is None:
        return None
    # numpy is not imported yet: the assignment's only BLAS calls are tiny products, so OpenBLAS need not
    # start its pool of one thread per core (an explicit setting wins)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from corridor.cli import _assign_tntp as body

    try:
        specs = kw.pop("select_link")
        return body.run_tntp(**kw, selections=body.selections(specs))
    except KeyboardInterrupt:
        print("Aborted.", file=sys.stderr, flush=True)
        return 1
    except Exception as e:  # the typer app's one error path
        import typer

        from corridor.cli._output import fail

        try:
            fail(e)
        except typer.Exit as stop:
            return stop.exit_code
