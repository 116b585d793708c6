"""The network: node and link tables (pandas, columnar) and a CSR graph of directed arcs.

An undirected link (``directed=False``) becomes two arcs; the CSR is built once and cached. Kernels take the
plain arrays (``indptr``, ``arc_head``, ...), never this object.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from corridor._errors import NotFoundError
from corridor.network.schema import LINK_FIELDS, NODE_FIELDS

_EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lon1, lat1, lon2, lat2):
    """Haversine distance in km (arrays or scalars)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _normalise(frame: pd.DataFrame, fields) -> pd.DataFrame:
    """Give a table every schema column with its dtype (missing optional columns become empty)."""
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for name, kind, _ in fields:
        col = frame[name].reset_index(drop=True) if name in frame.columns else pd.Series([None] * len(frame))
        if kind == "float":
            out[name] = pd.to_numeric(col, errors="coerce").astype(float)
        elif kind == "bool":
            out[name] = col.map(_to_bool).astype(bool)
        else:
            out[name] = col.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    extra = [c for c in frame.columns if c not in out.columns]
    for c in extra:
        out[c] = frame[c].reset_index(drop=True)
    return out


def _to_bool(v) -> bool:
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return False
    return str(v).strip().lower() in {"1", "true", "yes", "y", "t"}


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


class Network:
    """A multimodal network, immutable. Build with :meth:`from_tables` (validates) or load with ``load_network``.

    ``nodes`` and ``links`` hand each caller its own frame (a shallow copy; pandas copy-on-write copies the data
    on the first change), so nothing a caller does to them changes this network or another caller's; the cached
    CSR arrays are read-only and ``meta`` is a read-only mapping. Derive a changed network with
    :meth:`replace_links`.
    """

    name: str
    meta: Mapping[str, Any]

    def __init__(self, nodes: pd.DataFrame, links: pd.DataFrame, name: str = "network",
                 meta: Mapping[str, Any] | None = None):
        for key, value in (("_nodes", nodes.copy(deep=False)), ("_links", links.copy(deep=False)), ("name", name),
                           ("meta", MappingProxyType(dict(meta or {})))):
            object.__setattr__(self, key, value)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"Network is immutable (cannot set {key!r}); derive a new one with replace_links()")

    def __delattr__(self, key: str) -> None:
        raise AttributeError(f"Network is immutable (cannot delete {key!r})")

    def __reduce__(self):
        return (Network, (self._nodes, self._links, self.name, dict(self.meta)))

    @property
    def nodes(self) -> pd.DataFrame:
        """The node table (the caller's own frame: changing it leaves the network as it is)."""
        return self._nodes.copy(deep=False)

    @property
    def links(self) -> pd.DataFrame:
        """The link table (the caller's own frame: changing it leaves the network as it is)."""
        return self._links.copy(deep=False)

    @classmethod
    def from_tables(
        cls,
        nodes: pd.DataFrame,
        links: pd.DataFrame,
        *,
        name: str = "network",
        validate: bool = True,
        strict: bool = False,
        files: tuple[str, str] = ("node table", "link table"),
        meta: Mapping[str, Any] | None = None,
    ) -> Network:
        """Normalise the tables to the schema and (by default) validate them, raising one error listing all
        problems."""
        net = cls(_normalise(nodes, NODE_FIELDS), _normalise(links, LINK_FIELDS), name=name, meta=meta or {})
        if validate:
            from corridor.network.validate import validate_network

            validate_network(net, strict=strict, files=files)
        return net

    def replace_links(self, links: pd.DataFrame, *, meta: Mapping[str, Any] | None = None) -> Network:
        """A new network with another link table (same columns) and ``meta`` merged in; caches rebuilt lazily."""
        return Network(self._nodes, links.reset_index(drop=True), name=self.name, meta={**self.meta, **(meta or {})})

    # ---- indices -----------------------------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return len(self._nodes)

    @property
    def n_links(self) -> int:
        return len(self._links)

    @cached_property
    def node_index(self) -> Mapping[str, int]:
        return MappingProxyType({nid: i for i, nid in enumerate(self._nodes["node_id"])})

    @cached_property
    def link_index(self) -> Mapping[str, int]:
        return MappingProxyType({lid: i for i, lid in enumerate(self._links["link_id"])})

    def node_idx(self, node_id: str) -> int:
        try:
            return self.node_index[node_id]
        except KeyError:
            raise NotFoundError(f"no node with node_id {node_id!r}") from None

    # ---- directed arcs and CSR ----------------------------------------------------------------------------
    @cached_property
    def _arcs(self) -> Mapping[str, np.ndarray]:
        idx = self.node_index
        links = self._links
        tail = links["from_node_id"].map(idx).to_numpy(dtype=np.int64)
        head = links["to_node_id"].map(idx).to_numpy(dtype=np.int64)
        undirected = ~links["directed"].to_numpy(dtype=bool)
        link_ids = np.arange(self.n_links, dtype=np.int64)
        arc_link = np.concatenate([link_ids, link_ids[undirected]])
        arc_tail = np.concatenate([tail, head[undirected]])
        arc_head = np.concatenate([head, tail[undirected]])
        arc_reverse = np.concatenate([np.zeros(self.n_links, bool), np.ones(int(undirected.sum()), bool)])
        order = np.argsort(arc_tail, kind="stable")
        indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
        np.add.at(indptr, arc_tail + 1, 1)
        np.cumsum(indptr, out=indptr)
        return MappingProxyType({
            "arc_link": _readonly(arc_link[order]),
            "arc_tail": _readonly(arc_tail[order]),
            "arc_head": _readonly(arc_head[order]),
            "arc_reverse": _readonly(arc_reverse[order]),
            "indptr": _readonly(indptr),
        })

    @property
    def indptr(self) -> np.ndarray:
        """CSR row pointer: arcs leaving node i are ``indptr[i]:indptr[i+1]``."""
        return self._arcs["indptr"]

    @property
    def arc_head(self) -> np.ndarray:
        return self._arcs["arc_head"]

    @property
    def arc_tail(self) -> np.ndarray:
        return self._arcs["arc_tail"]

    @property
    def arc_link(self) -> np.ndarray:
        """For each arc (CSR order), the row of its link in :attr:`links`."""
        return self._arcs["arc_link"]

    @property
    def arc_reverse(self) -> np.ndarray:
        """True where the arc runs against its link's from→to direction."""
        return self._arcs["arc_reverse"]

    @property
    def n_arcs(self) -> int:
        return len(self.arc_link)

    def link_array(self, column: str, *, fill: float | None = None) -> np.ndarray:
        """A link column as a float array (NaN replaced by ``fill`` if given)."""
        a = self._links[column].to_numpy(dtype=float)
        return np.where(np.isnan(a), fill, a) if fill is not None else a

    def arc_array(self, column: str, *, fill: float | None = None) -> np.ndarray:
        """A link column expanded to arcs (CSR order)."""
        return self.link_array(column, fill=fill)[self.arc_link]

    # ---- places --------------------------------------------------------------------------------------------
    @property
    def places(self) -> pd.DataFrame:
        """One row per place (a place groups the nodes of one town across mode layers); the caller's own frame."""
        return self._places.copy(deep=False)

    @cached_property
    def _places(self) -> pd.DataFrame:
        n = self._nodes.assign(place=self._nodes["place"].where(self._nodes["place"] != "", self._nodes["node_id"]))
        g = n.groupby("place", sort=False)
        return pd.DataFrame(
            {
                "place": list(g.groups),
                "name": g["name"].first().to_numpy(),
                "alt_names": g["alt_names"].agg(lambda s: ";".join(x for x in s if x)).to_numpy(),
                "country": g["country"].first().to_numpy(),
                "x_coord": g["x_coord"].mean().to_numpy(),
                "y_coord": g["y_coord"].mean().to_numpy(),
                "node_ids": g["node_id"].agg(tuple).to_numpy(),
            }
        )

    def place_nodes(self, place: str) -> np.ndarray:
        """Node indices of a place id (or of a single node id)."""
        p = self._places
        hit = p.index[p["place"] == place]
        if len(hit) == 0:
            return np.array([self.node_idx(place)], dtype=np.int64)
        return np.array([self.node_index[n] for n in p.at[hit[0], "node_ids"]], dtype=np.int64)

    def summary(self) -> dict:
        """Counts and lengths by mode, country and status (plain data)."""
        links = self._links
        by_mode = links.groupby("mode")["length_km"].agg(["count", "sum"]).round(1)
        return {
            "name": self.name,
            "nodes": self.n_nodes,
            "links": self.n_links,
            "places": len(self._places),
            "countries": sorted(set(self._nodes["country"])),
            "by_mode": {m: {"links": int(r["count"]), "length_km": float(r["sum"])} for m, r in by_mode.iterrows()},
            "by_status": {k: int(v) for k, v in links["status"].value_counts().items()},
            "border_crossings": int(links["border"].sum()),
        }
