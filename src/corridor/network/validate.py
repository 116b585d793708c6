"""Validation of node and link tables: collect every problem (file, line, field), then raise once.

Line numbers count the CSV header as line 1, so table row ``i`` is line ``i + 2``.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from corridor._errors import Problem, ValidationError
from corridor.network.model import great_circle_km
from corridor.network.schema import CAPACITY_UNITS, COUNTRIES, GAUGES_MM, MODES, NODE_KINDS, STATUSES

if TYPE_CHECKING:
    from corridor.network.model import Network

#: A link longer than this multiple of its endpoints' great-circle distance is probably a typo.
MAX_CIRCUITY = 3.0
#: ...unless the excess is below this many km (short links between nearby nodes).
CIRCUITY_SLACK_KM = 5.0


class NetworkWarning(UserWarning):
    """Something suspicious but usable in a network (e.g. parts that cannot be reached)."""


def _line(i: int) -> int:
    return int(i) + 2


def validate_network(
    net: Network, *, strict: bool = False, files: tuple[str, str] = ("node table", "link table")
) -> list[Problem]:
    """Check a network; raise :class:`ValidationError` listing all problems.

    Returns the warnings (unreachable parts); with ``strict=True`` they are errors too.
    """
    node_file, link_file = files
    problems: list[Problem] = []
    nodes, links = net.nodes, net.links

    def bad(file, i, field, msg, value=None):
        problems.append(Problem(msg, file=file, row=_line(i), field=field, value=value))

    # ---- nodes ----
    for i in np.flatnonzero(nodes["node_id"].duplicated(keep="first").to_numpy()):
        bad(node_file, i, "node_id", "duplicate node id", nodes.at[i, "node_id"])
    for i, (nid, name, kind, country, x, y) in enumerate(
        zip(nodes["node_id"], nodes["name"], nodes["kind"], nodes["country"], nodes["x_coord"], nodes["y_coord"],
            strict=True)
    ):
        if not nid:
            bad(node_file, i, "node_id", "missing node id")
        if not name:
            bad(node_file, i, "name", "missing name")
        if kind not in NODE_KINDS:
            bad(node_file, i, "kind", f"unknown node kind; expected one of {', '.join(NODE_KINDS)}", kind)
        if country not in COUNTRIES:
            bad(node_file, i, "country", "unknown country; expected an ISO 3166-1 alpha-2 code such as AZ, AM, TR",
                country)
        if not np.isfinite(x) or not -180 <= x <= 180:
            bad(node_file, i, "x_coord", "longitude missing, NaN or outside [-180, 180]", x)
        if not np.isfinite(y) or not -90 <= y <= 90:
            bad(node_file, i, "y_coord", "latitude missing, NaN or outside [-90, 90]", y)

    # ---- links ----
    idx = net.node_index
    for i in np.flatnonzero(links["link_id"].duplicated(keep="first").to_numpy()):
        bad(link_file, i, "link_id", "duplicate link id", links.at[i, "link_id"])
    cols = ["link_id", "from_node_id", "to_node_id", "mode", "length_km", "free_speed_kmh", "capacity",
            "capacity_unit", "gauge_mm", "country", "status", "fixed_time_h", "toll_usd"]
    for i, row in enumerate(zip(*(links[c] for c in cols), strict=True)):
        lid, a, b, mode, length, speed, cap, unit, gauge, country, status, ftime, toll = row
        if not lid:
            bad(link_file, i, "link_id", "missing link id")
        for field, nid in (("from_node_id", a), ("to_node_id", b)):
            if nid not in idx:
                bad(link_file, i, field, "unknown node id (not in the node table)", nid)
        if a == b and a:
            bad(link_file, i, "to_node_id", "link starts and ends at the same node", b)
        if mode not in MODES:
            bad(link_file, i, "mode", f"unknown mode; expected one of {', '.join(MODES)}", mode)
        if np.isnan(length):
            bad(link_file, i, "length_km", "missing or not a number")
        elif length < 0 or (length == 0 and mode != "transfer"):
            bad(link_file, i, "length_km", "length must be positive (zero only for transfer links)", length)
        if mode != "transfer" and (np.isnan(speed) or speed <= 0):
            bad(link_file, i, "free_speed_kmh", "speed missing, NaN or not positive", speed)
        if not np.isnan(cap) and cap < 0:
            bad(link_file, i, "capacity", "capacity must not be negative", cap)
        if not np.isnan(cap) and unit not in CAPACITY_UNITS:
            bad(link_file, i, "capacity_unit", f"unknown capacity unit; expected one of {', '.join(CAPACITY_UNITS)}",
                unit)
        if mode == "rail" and (np.isnan(gauge) or int(gauge) not in GAUGES_MM):
            bad(link_file, i, "gauge_mm", "rail link needs a gauge of 1435 or 1520 mm", gauge)
        if country not in COUNTRIES:
            bad(link_file, i, "country", "unknown country; expected an ISO 3166-1 alpha-2 code", country)
        if status not in STATUSES:
            bad(link_file, i, "status", f"unknown status; expected one of {', '.join(STATUSES)}", status)
        for field, v in (("fixed_time_h", ftime), ("toll_usd", toll)):
            if not np.isnan(v) and v < 0:
                bad(link_file, i, field, "must not be negative", v)

    if not problems:
        problems += _check_geometry(net, link_file) + _check_layers(net, link_file)
    if problems:
        raise ValidationError(problems)

    found = _check_reachability(net)
    if found and strict:
        raise ValidationError(found)
    for w in found:
        warnings.warn(str(w), NetworkWarning, stacklevel=3)
    return found


def _check_geometry(net: Network, link_file: str) -> list[Problem]:
    """Links much longer than the straight line between their ends are probably typos."""
    n, links = net.nodes, net.links
    a = links["from_node_id"].map(net.node_index).to_numpy()
    b = links["to_node_id"].map(net.node_index).to_numpy()
    x, y = n["x_coord"].to_numpy(), n["y_coord"].to_numpy()
    gc = great_circle_km(x[a], y[a], x[b], y[b])
    length = links["length_km"].to_numpy()
    out = []
    for i in np.flatnonzero((length > MAX_CIRCUITY * gc) & (length - gc > CIRCUITY_SLACK_KM)):
        out.append(Problem(
            f"length is more than {MAX_CIRCUITY:g}× the great-circle distance between its ends "
            f"({gc[i]:.1f} km): likely a typo", file=link_file, row=_line(i), field="length_km", value=length[i]))
    return out


def _check_layers(net: Network, link_file: str) -> list[Problem]:
    """A node's non-transfer links share one mode (and one gauge for rail): changes need transfer links."""
    links = net.links
    real = links["mode"] != "transfer"
    ends = links.loc[real, ["from_node_id", "to_node_id", "mode", "gauge_mm"]]
    stacked = (
        ends.melt(id_vars=["mode", "gauge_mm"], value_vars=["from_node_id", "to_node_id"], value_name="node",
                  ignore_index=False)
        .reset_index()
    )
    stacked["layer"] = stacked["mode"] + stacked["gauge_mm"].map(lambda g: "" if np.isnan(g) else f"/{int(g)}")
    out = []
    for node, grp in stacked.groupby("node", sort=False):
        layers = grp["layer"].unique()
        if len(layers) > 1:
            first = grp.drop_duplicates("layer").iloc[1]
            out.append(Problem(
                f"node {node!r} joins links of several layers ({', '.join(sorted(layers))}); connect different "
                f"modes or gauges through a transfer link", file=link_file, row=_line(first["index"]),
                field="mode"))
    return out


#: Link modes grouped into systems that are expected to be connected within themselves.
SYSTEMS = {"transport": ("rail", "road", "ferry", "transfer"), "oil pipeline": ("pipeline_oil",),
           "gas pipeline": ("pipeline_gas",), "fibre": ("fibre",)}


def _check_reachability(net: Network) -> list[Problem]:
    """Within each system (transport, oil, gas, fibre), nodes outside its largest connected part; nodes with no
    link at all."""
    out: list[Problem] = []
    modes = net.links["mode"].to_numpy()[net.arc_link]
    linked = np.zeros(net.n_nodes, bool)
    for system, members in SYSTEMS.items():
        sel = np.isin(modes, members)
        if not sel.any():
            continue
        tail, head = net.arc_tail[sel], net.arc_head[sel]
        g = coo_matrix((np.ones(len(tail)), (tail, head)), shape=(net.n_nodes, net.n_nodes))
        _, labels = connected_components(g, directed=False)
        in_system = np.zeros(net.n_nodes, bool)
        in_system[tail] = in_system[head] = True
        linked |= in_system
        sizes = np.bincount(labels[in_system])
        main = int(np.argmax(sizes))
        cut = net.nodes.loc[in_system & (labels != main), "node_id"].tolist()
        if cut:
            out.append(Problem(f"{len(cut)} node(s) of the {system} system cannot be reached from its main part: "
                               + ", ".join(cut[:10]) + (" …" if len(cut) > 10 else ""), field="node_id"))
    lonely = net.nodes.loc[~linked, "node_id"].tolist()
    if lonely:
        out.append(Problem(f"{len(lonely)} node(s) have no link: " + ", ".join(lonely[:10])
                           + (" …" if len(lonely) > 10 else ""), field="node_id"))
    return out
