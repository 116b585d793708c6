"""Read and write networks: GMNS-style ``node.csv``/``link.csv``, GeoJSON and GeoPackage export.

``load_network()`` with no path gives the bundled region network.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from corridor._errors import Problem, ValidationError
from corridor.network.figures import FIGURES_FILE, check_figures, read_figures
from corridor.network.model import Network
from corridor.network.schema import LINK_COLUMNS, LINK_FIELDS, NODE_COLUMNS, NODE_FIELDS

BUNDLED = "region"


def bundled_dir() -> Path:
    """Folder of the bundled region network (package data)."""
    return Path(str(resources.files("corridor.network") / "data" / BUNDLED))


def _read_csv(path: Path, fields) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV as strings and check required columns and numbers, naming file, line and field."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ValidationError([Problem(f"not UTF-8 text ({e.reason})", file=str(path))]) from None
    except pd.errors.ParserError as e:
        raise ValidationError([Problem(f"malformed CSV: {e}", file=str(path))]) from None
    except pd.errors.EmptyDataError:
        raise ValidationError([Problem("file is empty (expected a header row)", file=str(path))]) from None
    frame.columns = [c.strip() for c in frame.columns]
    problems = []
    missing = [name for name, _, required in fields if required and name not in frame.columns]
    if missing:
        problems.append(Problem(f"missing required column(s): {', '.join(missing)}", file=str(path), row=1))
        return frame, problems
    for name, kind, _ in fields:
        if kind != "float" or name not in frame.columns:
            continue
        col = frame[name].str.strip()
        num = pd.to_numeric(col.where(col != ""), errors="coerce")
        for i in np.flatnonzero((col != "").to_numpy() & num.isna().to_numpy()):
            problems.append(Problem("not a number", file=str(path), row=int(i) + 2, field=name, value=col.iat[i]))
    return frame, problems


def read_gmns(
    folder: str | Path, *, name: str | None = None, validate: bool = True, strict: bool = False
) -> Network:
    """Read ``node.csv`` and ``link.csv`` from a folder (GMNS field names; see :mod:`corridor.network.schema`).

    Raises
    ------
    ValidationError
        Listing every problem with its file, line and field.
    """
    folder = Path(folder)
    node_path, link_path = folder / "node.csv", folder / "link.csv"
    for p in (node_path, link_path):
        if not p.is_file():
            raise ValidationError([Problem("file not found (a GMNS network needs node.csv and link.csv)",
                                           file=str(p))])
    nodes, p1 = _read_csv(node_path, NODE_FIELDS)
    links, p2 = _read_csv(link_path, LINK_FIELDS)
    if p1 or p2:
        raise ValidationError(p1 + p2)
    net = Network.from_tables(
        nodes, links, name=name or folder.name, validate=validate, strict=strict,
        files=(str(node_path), str(link_path)), meta={"path": str(folder)},
    )
    figures_path = folder / FIGURES_FILE
    if validate and figures_path.is_file():
        problems = check_figures(net, read_figures(figures_path), file=str(figures_path))
        if problems:
            raise ValidationError(problems)
    return net


def write_gmns(net: Network, folder: str | Path) -> tuple[Path, Path]:
    """Write ``node.csv`` and ``link.csv`` (schema columns first, then any extra columns)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for table, cols, fname in ((net.nodes, NODE_COLUMNS, "node.csv"), (net.links, LINK_COLUMNS, "link.csv")):
        order = list(cols) + [c for c in table.columns if c not in cols]
        t = table[order].copy()
        for c in t.columns:
            if t[c].dtype == bool:
                t[c] = t[c].map({True: "true", False: "false"})
        path = folder / fname
        t.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
        out.append(path)
    return out[0], out[1]


@lru_cache(maxsize=4)
def _bundled(validate: bool) -> Network:
    return read_gmns(bundled_dir(), name="bundled region", validate=validate)


def load_network(path: str | Path | None = None, *, validate: bool = True, strict: bool = False) -> Network:
    """Load a network: the bundled region when ``path`` is None, else a GMNS folder.

    A TNTP network (a folder with ``*_net.tntp``, or that file) is read by :func:`corridor.network.tntp.load_tntp`
    (with its node file for coordinates). The network is immutable (:class:`Network`), so the bundled one is
    parsed and validated once and the same value is handed to every caller.
    """
    if path is None:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            return _bundled(validate)
    path = Path(path)
    if (path.is_dir() and any(path.glob("*_net.tntp"))) or path.suffix == ".tntp":
        from corridor.network import tntp

        return tntp.tntp_to_network(tntp.load_tntp(path, with_trips=False))
    if path.is_file() and path.name in ("node.csv", "link.csv"):
        path = path.parent
    return read_gmns(path, validate=validate, strict=strict)


# ---- geo export ---------------------------------------------------------------------------------------------
def _geo_tables(net: Network) -> dict[str, pa.Table]:
    n, links = net.nodes, net.links
    pts = shapely.points(n["x_coord"].to_numpy(), n["y_coord"].to_numpy())
    xy = n[["x_coord", "y_coord"]].to_numpy()
    a = links["from_node_id"].map(net.node_index).to_numpy()
    b = links["to_node_id"].map(net.node_index).to_numpy()
    lines = shapely.linestrings(np.stack([xy[a], xy[b]], axis=1))

    def table(frame: pd.DataFrame, geoms) -> pa.Table:
        cols = {}
        for c in frame.columns:
            s = frame[c]
            cols[c] = pa.array(s.to_numpy(dtype=float) if s.dtype.kind == "f" else
                               s.to_numpy(dtype=bool) if s.dtype == bool else s.astype(str).to_numpy())
        cols["geometry"] = pa.array(shapely.to_wkb(geoms), type=pa.binary())
        return pa.table(cols)

    return {"nodes": table(n, pts), "links": table(links, lines)}


def _geojson(net: Network, path: Path) -> None:
    """One GeoJSON FeatureCollection: the nodes (Points) and the links (LineStrings), each feature's ``layer``
    property saying which (GeoJSON has no layers)."""
    import json

    from corridor._json import to_json

    features = []
    for layer, tbl in _geo_tables(net).items():
        geoms = shapely.from_wkb(tbl.column("geometry").to_numpy(zero_copy_only=False))
        props = tbl.drop(["geometry"]).to_pylist()
        features += [{"type": "Feature", "properties": {"layer": layer, **p}, "geometry": json.loads(g)}
                     for p, g in zip(props, shapely.to_geojson(geoms), strict=True)]
    path.write_text(to_json({"type": "FeatureCollection", "name": net.name, "features": features}), encoding="utf-8")


def export_geo(net: Network, path: str | Path, *, driver: str | None = None) -> list[Path]:
    """Export nodes and links to ``path``: one GeoJSON file (features with ``layer`` nodes or links) or one
    GeoPackage with layers ``nodes`` and ``links`` (by extension ``.gpkg``/``.geojson`` or ``driver``)."""
    import pyogrio

    path = Path(path)
    driver = driver or {".gpkg": "GPKG", ".geojson": "GeoJSON"}.get(path.suffix.lower())
    if driver not in ("GPKG", "GeoJSON"):
        raise ValidationError(f"{path}: unsupported export format; expected a .gpkg or .geojson file")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    if driver == "GeoJSON":
        _geojson(net, path)
        return [path]
    for i, (layer, tbl) in enumerate(_geo_tables(net).items()):
        pyogrio.write_arrow(tbl, path, driver=driver, layer=layer, append=i > 0, geometry_name="geometry",
                            geometry_type="Point" if layer == "nodes" else "LineString", crs="EPSG:4326")
    return [path]
