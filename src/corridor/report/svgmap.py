"""An inline SVG map of a network and routes: no tiles, no CDN, opens offline.

Lon/lat are projected equirectangularly around the mean latitude (fine at the scale of a region).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np

from corridor.network.model import Network

MODE_STYLE = {
    "rail": ("#7b2d26", 2.2),
    "road": ("#d08c2c", 1.6),
    "ferry": ("#1f78b4", 1.6),
    "pipeline_oil": ("#333333", 1.2),
    "pipeline_gas": ("#2ca25f", 1.2),
    "fibre": ("#984ea3", 1.0),
    "transfer": ("#999999", 1.0),
}
ROUTE_COLOURS = ["#e41a1c", "#377eb8", "#4daf4a", "#ff7f00", "#a65628", "#f781bf", "#17becf", "#6a3d9a"]


@dataclass(frozen=True)
class MapRoute:
    """A route to draw: an id (used by the page's controls), a label and the node ids it passes."""

    route_id: str
    label: str
    node_ids: list[str]
    group: str = ""


class Projection:
    def __init__(self, lon: np.ndarray, lat: np.ndarray, width: float, height: float, pad: float = 30):
        self.k = np.cos(np.radians(np.nanmean(lat)))
        x, y = lon * self.k, lat
        self.x0, self.y1 = np.nanmin(x), np.nanmax(y)
        span = max((np.nanmax(x) - self.x0) / (width - 2 * pad), (self.y1 - np.nanmin(y)) / (height - 2 * pad))
        self.s = 1 / span if span > 0 else 1.0
        self.pad = pad
        self.width = (np.nanmax(x) - self.x0) * self.s + 2 * pad
        self.height = (self.y1 - np.nanmin(y)) * self.s + 2 * pad

    def __call__(self, lon, lat):
        return ((np.asarray(lon) * self.k - self.x0) * self.s + self.pad,
                (self.y1 - np.asarray(lat)) * self.s + self.pad)


def network_svg(net: Network, routes: list[MapRoute] = (), *, width: int = 1100, height: int = 620,
                label_places: set[str] | None = None,
                focus: tuple[float, float, float, float] | None = None) -> str:
    """The network (one path per link, styled by mode and status) with routes as highlighted overlays.

    ``focus`` (lon_min, lat_min, lon_max, lat_max) is the box the page's "zoom to corridor" button shows.
    """
    nodes = net.nodes
    proj = Projection(nodes["x_coord"].to_numpy(), nodes["y_coord"].to_numpy(), width, height)
    px, py = proj(nodes["x_coord"].to_numpy(), nodes["y_coord"].to_numpy())
    idx = net.node_index
    links = net.links
    is_open = links["open"].to_numpy(dtype=bool) if "open" in links.columns else np.ones(len(links), bool)
    out = [f'<svg id="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {proj.width:.0f} {proj.height:.0f}" '
           f'role="img" aria-label="Map of the {escape(net.name)} network">',
           '<rect width="100%" height="100%" fill="#f7f9fb"/>', '<g id="links">']
    for row, op in zip(links.itertuples(index=False), is_open, strict=True):
        a, b = idx[row.from_node_id], idx[row.to_node_id]
        colour, w = MODE_STYLE.get(row.mode, ("#666", 1.0))
        dash = ' stroke-dasharray="6 4"' if row.status != "existing" else ""
        if not op:
            colour, dash = "#bbbbbb", ' stroke-dasharray="2 3"'
        title = (f"{row.name or row.link_id} · {row.mode} · {row.length_km:g} km · {row.status}"
                 + ("" if op else " · closed in this scenario"))
        out.append(f'<path class="link mode-{row.mode}" data-link="{escape(row.link_id)}" '
                   f'd="M{px[a]:.1f},{py[a]:.1f}L{px[b]:.1f},{py[b]:.1f}" stroke="{colour}" stroke-width="{w}"'
                   f'{dash} fill="none"><title>{escape(title)}</title></path>')
    out.append('</g><g id="routes">')
    for i, r in enumerate(routes):
        pts = " ".join(f"{px[idx[n]]:.1f},{py[idx[n]]:.1f}" for n in r.node_ids if n in idx)
        colour = ROUTE_COLOURS[i % len(ROUTE_COLOURS)]
        out.append(f'<polyline class="route {escape(r.group)}" id="route-{escape(r.route_id)}" '
                   f'data-route="{escape(r.route_id)}" data-group="{escape(r.group)}" points="{pts}" '
                   f'stroke="{colour}" fill="none" stroke-linejoin="round" stroke-linecap="round">'
                   f'<title>{escape(r.label)}</title></polyline>')
    out.append('</g><g id="places">')
    places = net.places
    for p in places.itertuples(index=False):
        x, y = proj(p.x_coord, p.y_coord)
        labelled = label_places is None or p.place in label_places
        text = (f'<text x="{x + 4:.1f}" y="{y - 4:.1f}" font-size="11" font-family="sans-serif" fill="#222" '
                f'paint-order="stroke" stroke="#f7f9fb" stroke-width="3">{escape(p.name)}</text>') if labelled else ""
        out.append(f'<g class="place" data-place="{escape(p.place)}"><circle cx="{x:.1f}" cy="{y:.1f}" '
                   f'r="{3 if labelled else 2}" fill="{"#222" if labelled else "#777"}"><title>{escape(p.name)} '
                   f'({escape(p.country)})</title></circle>{text}</g>')
    out.append("</g>")
    if focus:
        fx, fy = proj(np.array([focus[0], focus[2]]), np.array([focus[3], focus[1]]))
        out.insert(1, f'<desc id="focus" data-viewbox="{fx[0]:.0f} {fy[0]:.0f} {fx[1] - fx[0]:.0f} '
                      f'{fy[1] - fy[0]:.0f}">zoom box of the corridor</desc>')
    out.append(_legend(proj.height))
    out.append("</svg>")
    return "\n".join(out)


def _legend(height: float) -> str:
    items = [f'<g transform="translate(12,{height - 20 - 14 * i:.0f})"><line x1="0" y1="0" x2="22" y2="0" '
             f'stroke="{c}" stroke-width="{w + 1}"/><text x="28" y="4" font-size="10" font-family="sans-serif">'
             f'{m}</text></g>' for i, (m, (c, w)) in enumerate(MODE_STYLE.items())]
    return '<g id="legend">' + "".join(items) + "</g>"
