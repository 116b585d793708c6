"""Options and loaders shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

NetworkOpt = Annotated[
    Path | None,
    typer.Option(
        "--network", "-n", help="GMNS folder (node.csv, link.csv); default: the bundled TRIPP region."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of tables.")]


def split_list(value: str | None) -> list[str]:
    """'IR, RU' → ['IR', 'RU']."""
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def load(network: Path | None):
    from corridor.network import load_network

    return load_network(network)
