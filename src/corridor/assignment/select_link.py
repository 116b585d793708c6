"""Select-link and O–D tracing: which O–D pairs use a set of links, how much, and where else that traffic goes.

A *selection* is a set of links; a path belongs to it when it uses at least one of them. For each selection and
class this gives the O–D matrix of the flow through the selection and the flow that this traffic puts on every
arc (the selected ones included).

* **Path-based solutions** (``gp``) are traced exactly from their stored paths: on every selected arc the traced
  flow equals the arc's assigned flow, and for a one-link selection the O–D matrix sums to that link's flow
  (:attr:`SelectLinkResult.conservation_error` measures it; the tests hold it to 1e-9 relative).
* **Link-based solutions** (``bfw``, ``cfw``, ``fw``, ``msa``) keep no paths: each pair's whole demand is traced
  along its shortest path at the final (equilibrium) costs, an all-or-nothing approximation. Where the
  equilibrium splits a pair over several paths this misplaces flow, and the traced flow on a selected arc
  differs from its assigned flow; ``exact`` is False and ``conservation_error`` says by how much.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from corridor._errors import NotFoundError, ValidationError
from corridor.assignment._native import _kernels
from corridor.assignment.result import AssignmentResult

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, eq=False)
class SelectLinkResult:
    """The traffic of one selection, per class: ``od`` (classes × zones × zones) and ``arc_flow`` (classes × arcs,
    the problem's CSR arc order), in each class's own units (vehicles, tonnes; not PCE)."""

    name: str
    links: tuple[str, ...]
    arcs: np.ndarray  # selected arcs (CSR indices)
    exact: bool
    od: np.ndarray
    arc_flow: np.ndarray
    result: AssignmentResult

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.result.problem.classes)

    @cached_property
    def zone_labels(self) -> np.ndarray:
        p = self.result.problem
        return p.node_labels[p.zone_nodes] if p.node_labels is not None else np.arange(1, p.n_zones + 1).astype(str)

    @property
    def total(self) -> float:
        """Flow (summed over classes) that uses the selection."""
        return float(self.od.sum())

    @cached_property
    def conservation_error(self) -> float:
        """Largest relative difference, over the selected arcs and classes, between the traced and the assigned
        flow (0 up to rounding for path-based solutions)."""
        assigned = self.result.class_flow[:, self.arcs]
        traced = self.arc_flow[:, self.arcs]
        scale = np.maximum(np.abs(assigned), 1e-300)
        both = (assigned != 0) | (traced != 0)
        return float(np.max(np.abs(traced - assigned)[both] / scale[both], initial=0.0))

    def top_pairs(self, n: int | None = 10) -> list[dict]:
        """The O–D pairs (per class) with the most flow through the selection, largest first: class, origin,
        destination, flow, share of the selection's flow and share of the pair's demand that uses it."""
        c, o, d = np.nonzero(self.od > 0)
        flow = self.od[c, o, d]
        order = np.argsort(-flow, kind="stable")[:n]
        demand = np.stack([cl.demand for cl in self.result.problem.classes])
        total = self.total
        names, zl = self.classes, self.zone_labels
        return [{"class": names[c[i]], "origin": str(zl[o[i]]), "destination": str(zl[d[i]]),
                 "flow": float(flow[i]), "share": float(flow[i] / total) if total else 0.0,
                 "share_of_pair": float(flow[i] / demand[c[i], o[i], d[i]])} for i in order]

    def link_columns(self) -> dict[str, np.ndarray]:
        """Per link (the result's link order): link, from_node, to_node, selected, the traced flow per class
        (``flow_<class>``) and the assigned flow."""
        cols = self.result.link_columns
        order = np.argsort(self.result.problem.arc_link, kind="stable")
        selected = np.zeros(self.result.problem.n_arcs, dtype=bool)
        selected[self.arcs] = True
        out = {"link": cols["link"], "from_node": cols["from_node"], "to_node": cols["to_node"],
               "selected": selected[order]}
        for k, name in enumerate(self.classes):
            out[f"flow_{name}"] = self.arc_flow[k, order]
        out["assigned_flow"] = cols["flow"]
        return out

    def link_table(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.link_columns())

    def summary(self, top: int = 10) -> dict:
        return {"name": self.name, "links": list(self.links), "exact": self.exact, "flow": self.total,
                "flow_by_class": dict(zip(self.classes, map(float, self.od.sum(axis=(1, 2))), strict=True)),
                "conservation_error": self.conservation_error, "top_pairs": self.top_pairs(top)}


def resolve_links(result: AssignmentResult, links: Sequence[str]) -> np.ndarray:
    """CSR arc indices of the links named ``links`` (the result's link labels: TNTP ``from-to``, GMNS
    ``link_id``, where both directions of an undirected link share the id). Unknown names raise
    :class:`NotFoundError` with close matches."""
    p = result.problem
    labels = (p.link_labels[p.arc_link] if p.link_labels is not None else p.arc_link).astype(str)
    wanted = [str(x).strip() for x in links if str(x).strip()]
    if not wanted:
        raise ValidationError("a selection needs at least one link")
    known = set(labels.tolist())
    for w in wanted:
        if w not in known:
            close = difflib.get_close_matches(w, sorted(known), n=3)
            hint = f"; did you mean: {', '.join(close)}?" if close else ""
            raise NotFoundError(f"no link named {w!r} in {p.name or 'the network'}{hint}")
    return np.flatnonzero(np.isin(labels, wanted))


def _live_paths(ps) -> tuple[np.ndarray, np.ndarray]:
    """(path record, its O–D record) for every stored path, walking all the linked lists at once."""
    recs, owners = [], []
    k = np.flatnonzero(ps.od_first >= 0)
    r = ps.od_first[k].astype(np.int64)
    while r.size:
        recs.append(r)
        owners.append(k)
        nxt = ps.p_next[r]
        keep = nxt >= 0
        r, k = nxt[keep].astype(np.int64), k[keep]
    if not recs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(recs), np.concatenate(owners)


@dataclass(frozen=True, eq=False)
class _PathArcs:
    """Every stored path unrolled into one array of arcs (shared by all the selections of a result)."""

    owner: np.ndarray  # O–D record of each path
    flow: np.ndarray  # flow of each path
    entry_path: np.ndarray  # path of each entry
    arcs: np.ndarray  # arc of each entry

    @classmethod
    def of(cls, ps) -> _PathArcs:
        rec, owner = _live_paths(ps)
        lens = ps.p_len[rec].astype(np.int64)
        entry_path = np.repeat(np.arange(rec.size), lens)
        offset = np.arange(entry_path.size) - np.repeat(np.cumsum(lens) - lens, lens)
        arcs = ps.pool[np.repeat(ps.p_start[rec], lens) + offset]
        return cls(owner, ps.p_flow[rec], entry_path, arcs)


def _trace_paths(result: AssignmentResult, pa: _PathArcs, arcs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p, ps = result.problem, result.paths
    n_cls, z, m = len(p.classes), p.n_zones, p.n_arcs
    mask = np.zeros(m, dtype=bool)
    mask[arcs] = True
    hit = np.bincount(pa.entry_path, weights=mask[pa.arcs], minlength=pa.owner.size) > 0
    f = np.where(hit, pa.flow, 0.0)
    cls = ps.od_class[pa.owner].astype(np.int64)
    flat = (cls * z + ps.od_origin[pa.owner]) * z + ps.od_dest[pa.owner]
    od = np.bincount(flat[hit], weights=f[hit], minlength=n_cls * z * z).reshape(n_cls, z, z)
    e = hit[pa.entry_path]
    path_e = pa.entry_path[e]
    arc_flow = np.bincount(cls[path_e] * m + pa.arcs[e], weights=f[path_e], minlength=n_cls * m).reshape(n_cls, m)
    return od, arc_flow


def _trace_aon(result: AssignmentResult, arcs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All-or-nothing tracing at the final costs (link-based solutions)."""
    p = result.problem
    fixed = p.fixed_costs()
    n_cls, z = len(p.classes), p.n_zones
    w = np.zeros((1, p.n_arcs))
    w[0, arcs] = 1.0
    od = np.zeros((n_cls, z, z))
    arc_flow = np.zeros((n_cls, p.n_arcs))
    other = p.zone_nodes[:, None] != p.zone_nodes[None, :]
    for k, c in enumerate(p.classes):
        cost = np.ascontiguousarray(result.time + fixed[k])
        count = np.empty((1, z, z))
        _kernels.skims(p.indptr, p.head, p.tail, cost, p.zone_nodes, p.no_through_u8, w, count)
        uses = np.isfinite(count[0]) & (count[0] > 0) & other
        od[k] = np.where(uses, c.demand, 0.0)
        _kernels.aon_load(p.indptr, p.head, p.tail, cost, p.zone_nodes, np.ascontiguousarray(od[k]),
                          p.no_through_u8, True, arc_flow[k], np.empty((z, z)))
    return od, arc_flow


def select_links(result: AssignmentResult, selections: Mapping[str, Sequence[str]]) -> dict[str, SelectLinkResult]:
    """Trace every selection (name → link names) through ``result``; see the module docstring for exactness."""
    exact = result.paths is not None
    pa = _PathArcs.of(result.paths) if exact else None
    out = {}
    for name, links in selections.items():
        arcs = resolve_links(result, links)
        od, arc_flow = _trace_paths(result, pa, arcs) if exact else _trace_aon(result, arcs)
        out[name] = SelectLinkResult(name, tuple(str(x) for x in links), arcs, exact, od, arc_flow, result)
    return out


def select_link(result: AssignmentResult, links: Sequence[str] | str, *, name: str | None = None) -> SelectLinkResult:
    """Trace one selection: the traffic using any of ``links`` (a name or a list of names)."""
    links = [links] if isinstance(links, str) else list(links)
    name = name or ",".join(map(str, links))
    return select_links(result, {name: links})[name]


def parse_selection(spec: str) -> tuple[str, list[str]]:
    """``NAME=LINK,LINK`` or ``LINK,LINK`` (named after its links) → (name, links)."""
    name, sep, rest = spec.partition("=")
    links = [s.strip() for s in (rest if sep else spec).split(",") if s.strip()]
    if not links:
        raise ValidationError(f"--select-link {spec!r}: expected LINK[,LINK...] or NAME=LINK[,LINK...]")
    return (name.strip() if sep and name.strip() else ",".join(links)), links


def file_stem(name: str) -> str:
    """A file-name-safe form of a selection name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "selection"


def write_selection(sel: SelectLinkResult, out_dir) -> list:
    """Write ``select_<name>.omx`` (one O–D matrix per class, ``flow_<class>``) and ``select_<name>_links.csv``
    (traced flow per link and class) and ``select_<name>_od.csv`` (every pair using the selection)."""
    from pathlib import Path

    from corridor.assignment.io import write_omx, write_rows, write_table, zone_ids

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"select_{file_stem(sel.name)}"
    omx_file, links_file, od_file = out / f"{stem}.omx", out / f"{stem}_links.csv", out / f"{stem}_od.csv"
    write_omx(omx_file, {f"flow_{c}": sel.od[k] for k, c in enumerate(sel.classes)}, zone_ids(sel.result.problem))
    write_table(sel.link_columns(), links_file)
    write_rows(sel.top_pairs(None), od_file,
               ["class", "origin", "destination", "flow", "share", "share_of_pair"])
    return [omx_file, links_file, od_file]
