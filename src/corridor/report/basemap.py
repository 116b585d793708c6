"""The bundled basemap (Natural Earth borders, coasts, lakes, rivers; see scripts/build_basemap.py) as SVG."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import resources

import numpy as np

#: (lon, lat) arrays → (x, y) arrays in SVG user units
Project = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

SEA = "#dbe9f4"
LAND = "#f6f4ee"
BORDER = "#8d8579"
RIVER = "#6fa8d6"


#: (grid cell in degrees, shown while the view is between these widths in degrees of longitude); None = one
#: label per country, at the pole of inaccessibility of its largest part in view
LABEL_TIERS: list[tuple[float | None, float, float]] = [(None, 8.0, 1e9), (1.0, 2.0, 8.0), (0.25, 0.0, 2.0)]
#: a country is labelled in a grid cell when it covers at least this share of the cell (the page keeps labels of
#: the same name apart, so a dense grid does not repeat a name across the screen)
MIN_CELL_SHARE = 0.3


@dataclass(frozen=True)
class MapLabel:
    """A basemap label (a country or a river) and the view widths (degrees of longitude) at which it is shown."""

    text: str
    lon: float
    lat: float
    min_view_deg: float
    max_view_deg: float
    kind: str = "country"


@cache
def load_basemap() -> dict:
    """The bundled basemap JSON (coordinates in integer millidegrees)."""
    text = resources.files("corridor.report").joinpath("data/basemap.json").read_text(encoding="utf-8")
    return json.loads(text)


def attribution() -> str:
    return load_basemap()["attribution"]


def _path(flat: list[int], project: Project, close: bool = False) -> str:
    a = np.asarray(flat, dtype=float).reshape(-1, 2) / 1000.0
    x, y = project(a[:, 0], a[:, 1])
    pts = "L".join(f"{u:.2f},{v:.2f}" for u, v in zip(x, y, strict=True))
    return f"M{pts}{'Z' if close else ''}"


def _inside(flat: list[int], view: tuple[float, float, float, float]) -> bool:
    """Whether a line's bounding box meets the (lon_min, lat_min, lon_max, lat_max) view."""
    lon, lat = flat[0::2], flat[1::2]
    return (min(lon) / 1000 <= view[2] and max(lon) / 1000 >= view[0]
            and min(lat) / 1000 <= view[3] and max(lat) / 1000 >= view[1])


def _polygons(c: dict):
    from shapely.geometry import MultiPolygon, Polygon

    polys = []
    for rings in c["polygons"]:
        shell, *holes = [np.asarray(r, dtype=float).reshape(-1, 2) / 1000.0 for r in rings]
        polys.append(Polygon(shell, holes))
    return MultiPolygon(polys).buffer(0)


def _label_point(geom, tolerance: float):
    from shapely.ops import polylabel

    parts = getattr(geom, "geoms", [geom])
    return polylabel(max(parts, key=lambda p: p.area), tolerance=tolerance)


def country_labels(view: tuple[float, float, float, float],
                   detail: tuple[float, float, float, float] | None = None) -> list[MapLabel]:
    """Country names for each zoom tier (LABEL_TIERS): one per country, then one per 1° cell in ``view``, then one
    per 0.25° cell in ``detail`` (the corridor's box)."""
    from shapely.geometry import box

    grids = []
    for cell, lo, hi in LABEL_TIERS:
        area = view if cell is None or cell >= 1 else detail
        if area is None:
            continue
        cells = [area] if cell is None else [
            (x, y, x + cell, y + cell)
            for x in np.arange(np.floor(area[0] / cell) * cell, area[2], cell)
            for y in np.arange(np.floor(area[1] / cell) * cell, area[3], cell)]
        grids.append((cell, lo, hi, cells))
    out = []
    for c in load_basemap()["countries"]:
        shape = _polygons(c)
        x0, y0, x1, y1 = shape.bounds
        for cell, lo, hi, cells in grids:
            for b in cells:
                if b[0] > x1 or b[2] < x0 or b[1] > y1 or b[3] < y0:
                    continue
                part = shape.intersection(box(*b))
                if part.is_empty or (cell is not None and part.area < MIN_CELL_SHARE * cell * cell):
                    continue
                pt = _label_point(part, (cell or 1.0) / 20)
                out.append(MapLabel(c["name"], round(pt.x, 3), round(pt.y, 3), lo, hi))
    return out


def aras_labels(spacing_deg: float = 0.35) -> list[MapLabel]:
    """"Aras" along the drawn river, every ``spacing_deg`` of its length, shown once the view is narrower than 4°."""
    out = []
    for line in load_basemap()["aras"]:
        a = np.asarray(line, dtype=float).reshape(-1, 2) / 1000.0
        along = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(a, axis=0).T))])
        for d in np.arange(spacing_deg / 2, along[-1], spacing_deg):
            lon, lat = np.interp(d, along, a[:, 0]), np.interp(d, along, a[:, 1])
            out.append(MapLabel("Aras", round(float(lon), 3), round(float(lat), 3), 0.0, 4.0, kind="river"))
    return out


def basemap_svg(project: Project, view: tuple[float, float, float, float]) -> str:
    """SVG for the land, lakes, rivers, coasts and borders meeting ``view``."""
    data = load_basemap()
    out = ['<g id="basemap" aria-hidden="true">', '<g id="countries">']
    for c in data["countries"]:
        rings = [r for poly in c["polygons"] for r in poly if _inside(r, view)]
        if not rings:
            continue
        d = "".join(_path(r, project, close=True) for r in rings)
        out.append(f'<path class="country" d="{d}" fill="{LAND}" fill-rule="evenodd">'
                   f'<title>{escape(c["name"])}</title></path>')
    out.append("</g>")
    lakes = "".join(_path(r, project, close=True) for poly in data["lakes"] for r in poly if _inside(r, view))
    if lakes:
        out.append(f'<path id="lakes" d="{lakes}" fill="{SEA}" stroke="{RIVER}" stroke-width="0.6"/>')
    for key, attrs in (
        ("rivers", f'stroke="{RIVER}" stroke-width="0.9"'),
        ("coast", f'stroke="{RIVER}" stroke-width="0.7"'),
        ("aras", f'stroke="{RIVER}" stroke-width="3" stroke-opacity=".85"'),  # under the border it forms
        ("borders", f'stroke="{BORDER}" stroke-width="1.1" stroke-dasharray="5 2 1 2"'),
    ):
        d = "".join(_path(line, project) for line in data[key] if _inside(line, view))
        if d:
            title = "<title>Aras (the border follows the river)</title>" if key == "aras" else ""
            out.append(f'<path id="{key}" class="basemap-line" d="{d}" fill="none" {attrs}>{title}</path>')
    out.append("</g>")
    return "\n".join(out)
