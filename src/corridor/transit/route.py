"""The corridor segment under transit control: its entry/exit checkpoints, length, speed and the deadline.

Read from the bundled region network (``corridor/network/data/region/{node,link}.csv``): TRIPP checkpoints are the
Armenian ends of the border links at Nrnadzor (towards Aghband, mainland Azerbaijan) and Agarak (towards Ordubad,
Nakhchivan); the route is the shortest Armenian path of the mode between them. Only when the files are absent is
the documented fallback used (source names say so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_array
from scipy.sparse.csgraph import dijkstra

from corridor._errors import Problem, ValidationError

#: assumption: allowance on top of running time for border procedures, queueing and a stop at each end
#: (NCTS lets the office of departure fix the limit; 6 h is our operational choice, not a sourced figure).
DEFAULT_ALLOWANCE_H = 6.0

_EAST_NAMES = ("nrnadzor", "aghband")  # mainland Azerbaijan side (facts[19], facts[104])
_WEST_NAMES = ("agarak", "ordubad")  # Nakhchivan side (facts[18], facts[106])


class Direction(StrEnum):
    """``westbound``: mainland Azerbaijan -> Nakhchivan (enter at Nrnadzor, leave at Agarak)."""

    WESTBOUND = "westbound"
    EASTBOUND = "eastbound"


@dataclass(frozen=True)
class Checkpoint:
    code: str  # node_id in the network
    name: str
    mode: str  # rail | road
    side: str  # east | west
    country: str = "AM"

    @property
    def label(self) -> str:
        """What people call it: 'Agarak road checkpoint'."""
        return f"{self.name} {self.mode} checkpoint"


@dataclass(frozen=True)
class Segment:
    """One mode's controlled segment: checkpoints at both ends and the running characteristics."""

    mode: str
    east: Checkpoint
    west: Checkpoint
    length_km: float
    speed_kmh: float
    source: str

    def checkpoints(self, direction: Direction | str) -> tuple[Checkpoint, Checkpoint]:
        """(entry, exit) for a direction."""
        if Direction(direction) is Direction.WESTBOUND:
            return self.east, self.west
        return self.west, self.east

    def deadline(self, start: datetime, *, allowance_h: float = DEFAULT_ALLOWANCE_H) -> datetime:
        """Time limit of the transit: running time at ``speed_kmh`` over ``length_km`` plus the allowance."""
        return start + timedelta(hours=self.length_km / self.speed_kmh + allowance_h)


@dataclass(frozen=True)
class Corridor:
    segments: dict[str, Segment]  # by mode

    def segment(self, mode: str) -> Segment:
        return self.segments[mode]

    def checkpoint(self, code: str) -> Checkpoint | None:
        for seg in self.segments.values():
            for cp in (seg.east, seg.west):
                if cp.code == code:
                    return cp
        return None

    def place(self, code: str | None) -> str:
        """The checkpoint's name for people ('Nrnadzor rail checkpoint'); an unknown code is shown as given."""
        cp = self.checkpoint(code or "")
        return cp.label if cp else (code or "")

    @property
    def all_checkpoints(self) -> list[Checkpoint]:
        return [cp for seg in self.segments.values() for cp in (seg.east, seg.west)]


#: Used only when the bundled network files are absent. Length 43 km: facts[5][6] (officials quote 42-45 km,
#: facts[4]-[9]); assumption: 40 km/h rail and 50 km/h road average through Syunik's gorges.
FALLBACK = Corridor(
    {
        "rail": Segment(
            "rail",
            Checkpoint("nrnadzor_rail", "Nrnadzor", "rail", "east"),
            Checkpoint("agarak_rail", "Agarak", "rail", "west"),
            43.0,
            40.0,
            "fallback: facts[5][6] length; assumption: 40 km/h",
        ),
        "road": Segment(
            "road",
            Checkpoint("nrnadzor_road", "Nrnadzor", "road", "east"),
            Checkpoint("agarak_road", "Agarak", "road", "west"),
            43.0,
            50.0,
            "fallback: facts[5][6] length; assumption: 50 km/h",
        ),
    }
)


def _region_dir() -> Path:
    return Path(str(resources.files("corridor.network") / "data" / "region"))


def _truthy(v) -> bool:
    return str(v).strip().lower() in {"1", "true", "yes", "t", "y"}


def _matches(row: pd.Series, names: tuple[str, ...]) -> bool:
    text = " ".join(str(row.get(c, "") or "") for c in ("node_id", "name", "alt_names", "place")).lower()
    return any(n in text for n in names)


def _shortest(links: pd.DataFrame, a: str, b: str) -> tuple[float, float] | None:
    """(km, hours) of the fastest path from ``a`` to ``b`` over undirected ``links``, or None."""
    ids = sorted(set(links["from_node_id"]) | set(links["to_node_id"]))
    if a not in ids or b not in ids:
        return None
    index = {n: i for i, n in enumerate(ids)}
    km = links["length_km"].astype(float).to_numpy()
    speed = pd.to_numeric(links["free_speed_kmh"], errors="coerce").fillna(0).to_numpy()
    hours = km / np.where(speed > 0, speed, 1.0)
    u = links["from_node_id"].map(index).to_numpy()
    v = links["to_node_id"].map(index).to_numpy()
    graph = coo_array((hours, (u, v)), shape=(len(ids), len(ids))).tocsr()
    dist, pred = dijkstra(graph, directed=False, indices=index[a], return_predecessors=True)
    if not np.isfinite(dist[index[b]]):
        return None
    lookup = {(min(x, y), max(x, y)): (k, h) for x, y, k, h in zip(u, v, km, hours, strict=True)}
    total_km, node = 0.0, index[b]
    while node != index[a]:
        prev = pred[node]
        total_km += lookup[(min(prev, node), max(prev, node))][0]
        node = prev
    return total_km, float(dist[index[b]])


def load_corridor(directory: Path | str | None = None) -> Corridor:
    """The TRIPP segment per mode from ``node.csv``/``link.csv`` in ``directory`` (default: bundled region).

    Falls back to `FALLBACK` only if the files do not exist; files that exist but lack the checkpoints raise a
    `ValidationError` naming the file.
    """
    d = Path(directory) if directory is not None else _region_dir()
    node_file, link_file = d / "node.csv", d / "link.csv"
    if not node_file.is_file() or not link_file.is_file():
        return FALLBACK
    nodes = pd.read_csv(node_file, dtype=str, keep_default_na=False).set_index("node_id", drop=False)
    links = pd.read_csv(link_file, dtype=str, keep_default_na=False)
    segments: dict[str, Segment] = {}
    problems: list[Problem] = []
    for mode in ("rail", "road"):
        ml = links[links["mode"] == mode]
        border = ml[ml["border"].map(_truthy)]
        ends: dict[str, Checkpoint] = {}
        for side, names in (("east", _EAST_NAMES), ("west", _WEST_NAMES)):
            for _, link in border.iterrows():
                pair = [nodes.loc[n] for n in (link["from_node_id"], link["to_node_id"]) if n in nodes.index]
                am = [n for n in pair if n["country"] == "AM"]
                if len(pair) == 2 and len(am) == 1 and any(_matches(n, names) for n in pair):
                    node = am[0]
                    ends[side] = Checkpoint(node["node_id"], node["name"], mode, side)
                    break
        if len(ends) < 2:
            missing = sorted({"east", "west"} - set(ends))
            problems.append(
                Problem(
                    f"no {mode} border link with an Armenian end at the TRIPP {'/'.join(missing)} end "
                    f"(names {_EAST_NAMES if 'east' in missing else _WEST_NAMES})",
                    file=str(link_file),
                    field="border",
                )
            )
            continue
        am_nodes = set(nodes.index[nodes["country"] == "AM"])
        inner = ml[
            ml["from_node_id"].isin(am_nodes) & ml["to_node_id"].isin(am_nodes) & ~ml["border"].map(_truthy)
        ]
        found = _shortest(inner, ends["east"].code, ends["west"].code)
        if found is None:
            problems.append(
                Problem(
                    f"no Armenian {mode} path between {ends['east'].code} and {ends['west'].code}",
                    file=str(link_file),
                )
            )
            continue
        km, hours = float(found[0]), float(found[1])
        segments[mode] = Segment(
            mode, ends["east"], ends["west"], km, km / hours if hours else 1.0, f"network: {link_file.name}"
        )
    if problems:
        raise ValidationError(problems)
    return Corridor(segments)
