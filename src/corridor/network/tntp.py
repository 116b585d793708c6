"""Reader for the TNTP formats of *Transportation Networks for Research* (net, trips, node and flow files).

Every malformed value is collected as a :class:`~corridor._errors.Problem` naming the file, line and column;
one :class:`~corridor._errors.ValidationError` lists them all. Well-formed files are read by a vectorised
numpy path (no Python loop per line; the trips file by a compiled one-pass scanner,
:mod:`corridor.network._tntp_scan`, when it is built); only a file those paths reject is re-read line by line,
to name the problems. Node numbers stay 1-based as in the files; the
zones are nodes ``1..n_zones`` and nodes ``1..first_thru_node-1`` may not be passed through.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from corridor._errors import NotFoundError, Problem, ValidationError

try:  # the compiled one-pass trips scanner (built with the assignment kernels); else the numpy path only
    from corridor.network._tntp_scan import trips_matrix as _scan_trips
except ImportError:  # pragma: no cover - only without a build
    _scan_trips = None

if TYPE_CHECKING:
    import pandas as pd

#: Column order of a TNTP net file (the last three are optional in some files).
NET_COLUMNS: tuple[str, ...] = (
    "init_node",
    "term_node",
    "capacity",
    "length",
    "free_flow_time",
    "b",
    "power",
    "speed",
    "toll",
    "link_type",
)
_REQUIRED_NET_COLUMNS = 7

#: Generalised-cost factors (time units per toll unit, per length unit) that TNTP gives only in each network's
#: README; networks not listed use 0 and 0.
COST_FACTORS: dict[str, tuple[float, float]] = {
    # TNTP ChicagoSketch README: 0.02 min/cent toll factor, 0.04 min/mile distance factor.
    "chicagosketch": (0.02, 0.04),
}

_META = re.compile(r"^\s*<([^>]+)>\s*(.*?)\s*$")


@dataclass(frozen=True, eq=False)
class TntpNet:
    """A TNTP net file: the link columns (:data:`NET_COLUMNS`, 1-based node numbers) and its header."""

    columns: dict[str, np.ndarray]
    n_zones: int
    n_nodes: int
    first_thru_node: int
    file: str = ""

    @cached_property
    def links(self) -> pd.DataFrame:
        """The link table as a DataFrame (built on first use: reading a network does not import pandas)."""
        import pandas as pd

        return pd.DataFrame(self.columns)

    @property
    def n_links(self) -> int:
        return len(self.columns["init_node"])


@dataclass(frozen=True, eq=False)
class TntpData:
    """A TNTP network folder: net (required), trips (zones × zones, 0-based), and the node and best-known flow
    files, read when first asked for (``nodes``, ``flows``)."""

    name: str
    net: TntpNet
    trips: np.ndarray | None = None
    node_file: Path | None = None
    flow_file: Path | None = None

    @cached_property
    def nodes(self) -> pd.DataFrame | None:
        return read_nodes(self.node_file) if self.node_file else None

    @cached_property
    def flows(self) -> pd.DataFrame | None:
        return read_flows(self.flow_file) if self.flow_file else None

    @property
    def cost_factors(self) -> tuple[float, float]:
        """(toll factor, distance factor) from the network's README, (0, 0) when none is known."""
        return COST_FACTORS.get(self.name.lower(), (0.0, 0.0))


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise NotFoundError(f"TNTP file not found: {path}") from None


def _lines(path: Path) -> list[str]:
    return _text(path).splitlines()


_END = re.compile(r"^[ \t]*<[ \t]*END OF METADATA[ \t]*>[^\n]*", re.IGNORECASE | re.MULTILINE)
_COMMENT = re.compile(r"~[^\n]*")
_ORIGIN = re.compile(r"origin", re.IGNORECASE)
_IS_SPACE = np.zeros(256, dtype=bool)
_IS_SPACE[[9, 10, 11, 12, 13, 32]] = True


def _header(text: str, file: str, problems: list[Problem]) -> tuple[dict[str, str], str, int]:
    """(metadata, body after the header, number of header lines): body line ``j`` is file line ``n + j``."""
    m = _END.search(text)
    head = text[: m.end()] if m else text
    lines = head.splitlines()
    meta, _ = _metadata(lines, file, problems)
    return meta, (text[m.end():] if m else ""), len(lines)


def _metadata(lines: list[str], file: str, problems: list[Problem]) -> tuple[dict[str, str], int]:
    """Parse the ``<KEY> value`` header; return it and the index of the first line after it."""
    meta: dict[str, str] = {}
    for i, line in enumerate(lines):
        m = _META.match(line)
        if not m:
            continue
        key = m.group(1).strip().upper()
        if key == "END OF METADATA":
            return meta, i + 1
        meta[key] = m.group(2).split("~")[0].strip()
    problems.append(Problem("no <END OF METADATA> line", file=file))
    return meta, len(lines)


def _numbers(text: str) -> np.ndarray | None:
    """Every whitespace-separated number of ``text`` (C parser), or None if some token is not a number."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            values = np.fromstring(text, sep=" ")
        except (ValueError, DeprecationWarning):
            return None
    return values


def _token_lines(text: str) -> np.ndarray:
    """0-based line index (within ``text``) of the start of each whitespace-separated token."""
    b = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    space = _IS_SPACE[b]
    starts = np.flatnonzero(~space & np.concatenate(([True], space[:-1])))
    return np.searchsorted(np.flatnonzero(b == 10), starts, side="right")


def _fast_table(body: str, line0: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(rows × k numbers, 1-based file line of each row) of a whitespace table whose every non-empty line holds
    the same number k of numbers (``~`` comments and ``;`` ignored); None for anything else."""
    body = (_COMMENT.sub("", body) if "~" in body else body).replace(";", " ")
    values = _numbers(body)
    lines = _token_lines(body)
    if values is None or values.size != lines.size:
        return None
    first = np.flatnonzero(np.diff(lines, prepend=-1))  # lines is sorted: the first token of each line
    row_lines, counts = lines[first], np.diff(np.append(first, lines.size))
    if counts.size == 0 or (counts != counts[0]).any():
        return None
    return values.reshape(-1, int(counts[0])), row_lines + line0


def _net_rows_slow(lines: list[str], start: int, file: str, problems: list[Problem]) -> tuple[np.ndarray, np.ndarray]:
    """Line-by-line reading of a net file's links, collecting every problem (used when the fast path fails)."""
    rows: list[list[float]] = []
    row_lines: list[int] = []
    for i in range(start, len(lines)):
        text = lines[i].split("~")[0].strip().rstrip(";").strip()
        if not text:
            continue
        parts = text.split()
        if len(parts) < _REQUIRED_NET_COLUMNS:
            problems.append(
                Problem(
                    f"expected at least {_REQUIRED_NET_COLUMNS} columns ({', '.join(NET_COLUMNS[:7])}), "
                    f"found {len(parts)}",
                    file=file,
                    row=i + 1,
                )
            )
            continue
        values = [0.0] * len(NET_COLUMNS)
        ok = True
        for j, name in enumerate(NET_COLUMNS):
            if j >= len(parts):
                break
            try:
                values[j] = float(parts[j])
            except ValueError:
                problems.append(
                    Problem("not a number", file=file, row=i + 1, field=f"{name} (column {j + 1})", value=parts[j])
                )
                ok = False
        if ok:
            rows.append(values)
            row_lines.append(i + 1)
    return np.array(rows, dtype=float).reshape(-1, len(NET_COLUMNS)), np.array(row_lines, dtype=np.int64)


def _meta_int(meta: dict[str, str], key: str, file: str, problems: list[Problem], default=None) -> int | None:
    if key not in meta:
        if default is None:
            problems.append(Problem(f"missing <{key}> in the header", file=file))
        return default
    try:
        return int(float(meta[key]))
    except ValueError:
        problems.append(Problem(f"<{key}> must be a number", file=file, value=meta[key]))
        return default


def _open(path: str | Path) -> tuple[str, str, list[Problem], dict[str, str], str, int]:
    """(file name, whole text, problems so far, metadata, body, header lines) of a TNTP file."""
    file = str(path)
    text = _text(Path(path))
    problems: list[Problem] = []
    meta, body, line0 = _header(text, file, problems)
    return file, text, problems, meta, body, line0


def read_net(path: str | Path) -> TntpNet:
    """Read a ``*_net.tntp`` file (one directed link per line)."""
    file, text, problems, meta, body, line0 = _open(path)
    n_zones = _meta_int(meta, "NUMBER OF ZONES", file, problems)
    n_nodes = _meta_int(meta, "NUMBER OF NODES", file, problems)
    n_links = _meta_int(meta, "NUMBER OF LINKS", file, problems)
    first_thru = _meta_int(meta, "FIRST THRU NODE", file, problems, default=1)
    fast = _fast_table(body, line0)
    if fast is not None and fast[0].shape[1] >= _REQUIRED_NET_COLUMNS:
        table, line_no = fast
        values = np.zeros((len(table), len(NET_COLUMNS)))
        k = min(table.shape[1], len(NET_COLUMNS))
        values[:, :k] = table[:, :k]
    else:
        values, line_no = _net_rows_slow(text.splitlines(), line0, file, problems)
    cols = {name: values[:, j].copy() for j, name in enumerate(NET_COLUMNS)}
    for col in ("init_node", "term_node", "link_type"):
        cols[col] = cols[col].astype(np.int64)
    if n_nodes is not None:
        for j, col in enumerate(("init_node", "term_node")):
            bad = (cols[col] < 1) | (cols[col] > n_nodes)
            for k in np.flatnonzero(bad)[:20]:
                problems.append(Problem(f"node number outside 1..{n_nodes}", file=file, row=int(line_no[k]),
                                        field=f"{col} (column {j + 1})", value=int(cols[col][k])))
    checks = (
        ("capacity", 3, cols["capacity"] <= 0, "must be > 0"),
        ("free_flow_time", 5, cols["free_flow_time"] < 0, "must be >= 0"),
        ("b", 6, cols["b"] < 0, "must be >= 0"),
        ("power", 7, cols["power"] < 0, "must be >= 0"),
    )
    for col, j, bad, what in checks:
        for k in np.flatnonzero(bad)[:20]:
            problems.append(Problem(what, file=file, row=int(line_no[k]), field=f"{col} (column {j})",
                                    value=float(cols[col][k])))
    n = len(values)
    if n_links is not None and n != n_links and not problems:
        problems.append(Problem(f"header says {n_links} links but the file has {n}", file=file))
    if problems:
        raise ValidationError(problems)
    return TntpNet(columns=cols, n_zones=int(n_zones), n_nodes=int(n_nodes), first_thru_node=int(first_thru),
                   file=file)


def _fast_trips(body: str, z: int) -> np.ndarray | None:
    """The dense OD matrix of a well-formed trips body (``Origin o`` then ``d : flow;`` entries), vectorised;
    None when anything is off (the line-by-line reader then names the problem)."""
    if "~" in body:
        body = _COMMENT.sub("", body)
    n_pairs = body.count(":")
    n_origins = body.count("Origin")
    body = body.replace("Origin", " -1 ")
    if "rigin" in body or "RIGIN" in body:  # another spelling: the (slower) case-blind pattern
        body, more = _ORIGIN.subn(" -1 ", body)
        n_origins += more
    values = _numbers(body.replace(":", " ").replace(";", " "))
    if values is None or n_origins == 0 or values.size < 2:
        return None
    marks = np.flatnonzero(values < 0)
    if marks.size != n_origins or marks[0] != 0 or (np.diff(marks) < 2).any() or marks[-1] + 1 >= values.size:
        return None
    origin = values[marks + 1]
    entries = np.diff(np.append(marks, values.size)) - 2  # numbers after "Origin o" in each block
    if (entries % 2).any() or entries.sum() != 2 * n_pairs:
        return None
    keep = np.ones(values.size, dtype=bool)
    keep[marks] = False
    keep[marks + 1] = False
    pairs = values[keep].reshape(-1, 2)
    o = np.repeat(origin, entries // 2)
    d, v = pairs[:, 0], pairs[:, 1]
    for ids in (origin, d):
        if ((ids != np.floor(ids)) | (ids < 1) | (ids > z)).any():
            return None
    if not np.isfinite(v).all():
        return None
    flat = (o.astype(np.int64) - 1) * z + (d.astype(np.int64) - 1)
    return np.bincount(flat, weights=v, minlength=z * z).reshape(z, z)


def _trips_slow(lines: list[str], start: int, z: int, file: str, problems: list[Problem]) -> np.ndarray:
    """Line-by-line reading of a trips file, collecting every problem (used when the fast path fails)."""
    od = np.zeros((z, z), dtype=float)
    origin: int | None = None
    for i in range(start, len(lines)):
        text = lines[i].split("~")[0].strip()
        if not text:
            continue
        if text.lower().startswith("origin"):
            tok = text.split()
            try:
                origin = int(tok[1])
            except (IndexError, ValueError):
                problems.append(Problem("'Origin' must be followed by a zone number", file=file, row=i + 1))
                origin = None
                continue
            if not 1 <= origin <= z:
                problems.append(Problem(f"origin outside 1..{z}", file=file, row=i + 1, value=origin))
                origin = None
            continue
        if origin is None:
            if not problems:
                problems.append(Problem("destination entries before any 'Origin' line", file=file, row=i + 1))
            continue
        col = 1
        for piece in text.split(";"):
            piece = piece.strip()
            if not piece:
                continue
            dest_s, sep, val_s = piece.partition(":")
            try:
                if not sep:
                    raise ValueError
                dest, val = int(dest_s), float(val_s)
            except ValueError:
                problems.append(Problem("expected 'destination : flow'", file=file, row=i + 1, field=f"entry {col}",
                                        value=piece))
                continue
            if not 1 <= dest <= z:
                problems.append(Problem(f"destination outside 1..{z}", file=file, row=i + 1, field=f"entry {col}",
                                        value=dest))
            elif val < 0 or not np.isfinite(val):
                problems.append(Problem("flow must be finite and >= 0", file=file, row=i + 1, field=f"entry {col}",
                                        value=val))
            else:
                od[origin - 1, dest - 1] += val
            col += 1
    return od


def read_trips(path: str | Path, *, n_zones: int | None = None, strict: bool = False) -> np.ndarray:
    """Read a ``*_trips.tntp`` file into a dense ``n_zones × n_zones`` array (0-based zone index)."""
    file, text, problems, meta, body, line0 = _open(path)
    zones = _meta_int(meta, "NUMBER OF ZONES", file, problems)
    if n_zones is not None and zones is not None and zones != n_zones:
        problems.append(Problem(f"trips file has {zones} zones but the net file has {n_zones}", file=file))
    if problems:
        raise ValidationError(problems)
    z = int(zones)
    od = _scan_trips(body, z) if _scan_trips is not None else None
    if od is None:
        od = _fast_trips(body, z)
    if od is None:
        od = _trips_slow(text.splitlines(), line0, z, file, problems)
    if problems:
        raise ValidationError(problems[:50])
    total = meta.get("TOTAL OD FLOW")
    if total is not None:
        try:
            expected = float(total)
        except ValueError:
            expected = None
        if expected is not None and abs(od.sum() - expected) > 1e-6 * max(1.0, abs(expected)):
            msg = f"{file}: <TOTAL OD FLOW> is {expected} but the entries sum to {od.sum()}"
            if strict:
                raise ValidationError([Problem(msg)])
            warnings.warn(msg, stacklevel=2)
    return od


def _read_table(path: Path, names: tuple[str, ...]) -> pd.DataFrame:
    """Read a whitespace table with a one-line header (node and flow files)."""
    import pandas as pd

    file = str(path)
    lines = _lines(path)
    problems: list[Problem] = []
    rows: list[list[float]] = []
    header_seen = False
    for i, line in enumerate(lines):
        text = line.split("~")[0].strip().rstrip(";").strip()
        if not text:
            continue
        parts = text.split()
        if not header_seen:
            header_seen = True
            try:
                float(parts[0])
            except ValueError:
                continue  # the header line
        if len(parts) < len(names):
            problems.append(Problem(f"expected {len(names)} columns ({', '.join(names)})", file=file, row=i + 1))
            continue
        vals = []
        for j, name in enumerate(names):
            try:
                vals.append(float(parts[j]))
            except ValueError:
                problems.append(Problem("not a number", file=file, row=i + 1, field=f"{name} (column {j + 1})",
                                        value=parts[j]))
                break
        else:
            rows.append(vals)
    if problems:
        raise ValidationError(problems[:50])
    return pd.DataFrame(np.array(rows, dtype=float).reshape(-1, len(names)), columns=list(names))


def read_nodes(path: str | Path) -> pd.DataFrame:
    """Read a ``*_node.tntp`` file: columns node, x, y."""
    df = _read_table(Path(path), ("node", "x", "y"))
    df["node"] = df["node"].astype(np.int64)
    return df


def read_flows(path: str | Path) -> pd.DataFrame:
    """Read a ``*_flow.tntp`` file (best-known solution): columns from_node, to_node, volume, cost."""
    df = _read_table(Path(path), ("from_node", "to_node", "volume", "cost"))
    for c in ("from_node", "to_node"):
        df[c] = df[c].astype(np.int64)
    return df


def _find(folder: Path, suffix: str) -> Path | None:
    hits = sorted(p for p in folder.iterdir() if p.name.lower().endswith(suffix))
    return hits[0] if hits else None


def load_tntp(path: str | Path, *, trips: str | Path | None = None, strict: bool = False,
              with_trips: bool = True) -> TntpData:
    """Load a TNTP network from a folder (or its ``*_net.tntp`` file) with the sibling trips/node/flow files
    (``with_trips=False``: not the trips)."""
    path = Path(path)
    if not path.exists():
        raise NotFoundError(f"{path}: no such file or folder (a TNTP folder or *_net.tntp file was expected)")
    if path.is_dir():
        folder = path
        net_file = _find(folder, "_net.tntp")
        if net_file is None:
            raise NotFoundError(f"no *_net.tntp file in {folder}")
    else:
        folder, net_file = path.parent, path
    net = read_net(net_file)
    prefix = net_file.name[: -len("_net.tntp")].lower() if net_file.name.lower().endswith("_net.tntp") else ""

    def sibling(kind: str) -> Path | None:
        exact = [p for p in folder.iterdir() if p.name.lower() == f"{prefix}_{kind}.tntp"]
        return exact[0] if exact else _find(folder, f"_{kind}.tntp")

    trips_file = Path(trips) if trips is not None else sibling("trips") if with_trips else None
    node_file, flow_file = sibling("node"), sibling("flow")
    name = folder.name if path.is_dir() else (net_file.name[: -len("_net.tntp")] or folder.name)
    return TntpData(
        name=name,
        net=net,
        trips=read_trips(trips_file, n_zones=net.n_zones, strict=strict) if trips_file else None,
        node_file=node_file,
        flow_file=flow_file,
    )


def tntp_to_network(data: TntpData):
    """The TNTP network as a :class:`~corridor.network.model.Network` (directed road links, TNTP columns kept).

    Node ids are the TNTP numbers as strings; coordinates come from the node file when present (their units vary
    by network). Lengths are copied unconverted into ``length_km`` (TNTP units differ: miles, feet, ...).
    """
    import pandas as pd

    from corridor.network.model import Network

    n = data.net.n_nodes
    ids = np.arange(1, n + 1)
    x = np.zeros(n)
    y = np.zeros(n)
    if data.nodes is not None:
        known = data.nodes[(data.nodes["node"] >= 1) & (data.nodes["node"] <= n)]
        x[known["node"].to_numpy() - 1] = known["x"].to_numpy()
        y[known["node"].to_numpy() - 1] = known["y"].to_numpy()
    nodes = pd.DataFrame(
        {
            "node_id": ids.astype(str),
            "name": ids.astype(str),
            "kind": np.where(ids <= data.net.n_zones, "terminal", "junction"),
            "country": "",
            "x_coord": x,
            "y_coord": y,
        }
    )
    lk = data.net.links
    links = pd.DataFrame(
        {
            "link_id": np.arange(1, len(lk) + 1).astype(str),
            "from_node_id": lk["init_node"].astype(str).to_numpy(),
            "to_node_id": lk["term_node"].astype(str).to_numpy(),
            "directed": True,
            "mode": "road",
            "length_km": lk["length"].to_numpy(),
            "capacity": lk["capacity"].to_numpy(),
            "country": "",
            "status": "existing",
            "toll_usd": lk["toll"].to_numpy(),
            "free_flow_time": lk["free_flow_time"].to_numpy(),
            "b": lk["b"].to_numpy(),
            "power": lk["power"].to_numpy(),
            "link_type": lk["link_type"].to_numpy(),
        }
    )
    return Network.from_tables(
        nodes, links, name=data.name, validate=False,
        meta={"tntp": True, "n_zones": data.net.n_zones, "first_thru_node": data.net.first_thru_node},
    )
