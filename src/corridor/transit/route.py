"""The corridor segment under transit control: its entry/exit checkpoints, length, speed and the deadline.

Built from a network and the checkpoints a corridor spec names (``transit.segments``: per mode, the node ids of
the two ends, in the controlling country): the segment is the fastest path of that mode between them on the
network's open links inside that country; names come from the network's nodes. :func:`load_corridor` does it for
a spec (default: the bundled one) on its network with its first project case open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from corridor._errors import Problem, ValidationError
from corridor.network.model import Network

#: assumption: allowance on top of running time for border procedures, queueing and a stop at each end
#: (NCTS lets the office of departure fix the limit; 6 h is our operational choice, not a sourced figure).
DEFAULT_ALLOWANCE_H = 6.0


class Direction(StrEnum):
    """``westbound``: enter at the segment's east end, leave at its west end (``eastbound``: the reverse)."""

    WESTBOUND = "westbound"
    EASTBOUND = "eastbound"


@dataclass(frozen=True)
class Checkpoint:
    code: str  # node_id in the network
    name: str
    mode: str  # rail | road
    side: str  # east | west
    country: str

    @property
    def label(self) -> str:
        """What people call it: '<node name> road checkpoint'."""
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
    operator_user: str = "operator"  # the demo's operator account and its agency (from the spec)
    operator_agency: str = "corridor operator"

    def segment(self, mode: str) -> Segment:
        return self.segments[mode]

    def checkpoint(self, code: str) -> Checkpoint | None:
        for seg in self.segments.values():
            for cp in (seg.east, seg.west):
                if cp.code == code:
                    return cp
        return None

    def place(self, code: str | None) -> str:
        """The checkpoint's name for people ('<node name> rail checkpoint'); an unknown code is shown as given."""
        cp = self.checkpoint(code or "")
        return cp.label if cp else (code or "")

    @property
    def all_checkpoints(self) -> list[Checkpoint]:
        return [cp for seg in self.segments.values() for cp in (seg.east, seg.west)]


def _running(net: Network, mode: str, country: str, a: int, b: int) -> tuple[float, float] | None:
    """(km, running hours) of the fastest path of ``mode`` from node ``a`` to ``b`` over open links whose ends
    are both in ``country``, or None."""
    links = net.links
    open_ = links["open"].to_numpy(dtype=bool) if "open" in links.columns else (links["status"] == "existing").to_numpy()
    in_country = (net.nodes["country"] == country).to_numpy()
    arc = net.arc_link
    km = net.link_array("length_km", fill=0.0)[arc]
    hours = km / net.link_array("free_speed_kmh", fill=np.inf)[arc]
    ok = ((links["mode"] == mode).to_numpy() & open_)[arc] & in_country[net.arc_tail] & in_country[net.arc_head]
    ok &= np.isfinite(hours) & (hours > 0)
    sel = np.flatnonzero(ok)
    g = csr_matrix((hours[sel], (net.arc_tail[sel], net.arc_head[sel])), shape=(net.n_nodes, net.n_nodes))
    dist, pred = dijkstra(g, directed=True, indices=a, return_predecessors=True)
    if not np.isfinite(dist[b]):
        return None
    best = {(int(net.arc_tail[i]), int(net.arc_head[i])): km[i] for i in sel[np.argsort(-hours[sel])]}
    total, v = 0.0, b
    while v != a:
        u = int(pred[v])
        total += float(best[(u, v)])
        v = u
    return total, float(dist[b])


def corridor_from_network(net: Network, ends: Mapping[str, tuple[str, str]], *, country: str,
                          where: str = "transit.segments") -> Corridor:
    """The controlled segment per mode from ``ends`` (mode -> (east node id, west node id)) on ``net``.

    A checkpoint node missing, outside ``country``, or with no path of its mode between the two is an error
    naming ``where`` (the spec field) and the mode; nothing falls back to a stated length."""
    idx = net.node_index
    nodes = net.nodes
    segments: dict[str, Segment] = {}
    problems: list[Problem] = []
    for mode, (east, west) in ends.items():
        bad = [n for n in (east, west) if n not in idx or nodes["country"].iat[idx[n]] != country]
        if bad:
            problems.append(Problem(f"checkpoint node(s) {bad} not in network {net.name!r} or not in {country}",
                                    field=f"{where}.{mode}"))
            continue
        found = _running(net, mode, country, idx[east], idx[west])
        if found is None:
            problems.append(Problem(f"no open {mode} path inside {country} from {east} to {west} in network "
                                    f"{net.name!r}", field=f"{where}.{mode}"))
            continue
        km, hours = found
        cp = [Checkpoint(n, str(nodes["name"].iat[idx[n]]), mode, side, country)
              for n, side in ((east, "east"), (west, "west"))]
        segments[mode] = Segment(mode, cp[0], cp[1], km, km / hours, f"network {net.name}: {km:.1f} km of {mode}")
    if problems:
        raise ValidationError(problems)
    return Corridor(segments)


def load_corridor(spec=None, network: Network | None = None) -> Corridor:
    """The controlled segment of a corridor spec (name, path or spec; default: the bundled default) on its
    network (or ``network``) with the spec's first project case open."""
    from corridor.scenario import apply_scenario
    from corridor.study import default_spec, load_spec
    from corridor.study.pipeline import study_network

    spec = default_spec() if spec is None else load_spec(spec)
    if spec.transit is None:
        raise ValidationError([Problem(f"corridor {spec.name!r} has no transit checkpoints", field="transit")])
    net = network if network is not None else study_network(spec)
    net = apply_scenario(net, spec.scenario(spec.default_case))
    t = spec.transit
    c = corridor_from_network(net, {m: (e.east, e.west) for m, e in t.segments.items()}, country=t.country,
                              where=f"corridor spec {spec.name!r}: transit.segments")
    return Corridor(c.segments, t.operator_user, t.operator_agency)
