"""An inline SVG map of a network and routes over a Natural Earth basemap: no tiles, no CDN, opens offline.

Lon/lat are projected equirectangularly around the mean latitude (fine at the scale of a region). Places and labels
are drawn at a fixed screen size: the page's script (templates/map.js) rescales them and hides the labels that
would overlap, by priority, whenever the view changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape

import numpy as np

from corridor.network.model import Network
from corridor.report.basemap import SEA, MapLabel, aras_labels, basemap_svg, country_labels
from corridor.report.maplegend import legend_html

MODE_STYLE = {
    "rail": ("#7b2d26", 2.2),
    "road": ("#d08c2c", 1.6),
    "ferry": ("#1f78b4", 1.6),
    "pipeline_oil": ("#333333", 1.2),
    "pipeline_gas": ("#2ca25f", 1.2),
    "fibre": ("#984ea3", 1.0),
    "transfer": ("#999999", 1.0),
}
#: route overlays: before/after routes of one comparison row are consecutive, so they never share a colour
#: and none is a mode's colour (MODE_STYLE) or the rivers' blue
ROUTE_COLOURS = ["#e41a1c", "#3949ab", "#f57c00", "#00897b", "#d81b60", "#7cb342", "#5e35b1", "#6d4c41"]
#: assumption: spherical Earth of mean radius 6371.0 km (IUGG mean radius), for the scale bar
KM_PER_DEGREE = 6371.0 * np.pi / 180
#: label priorities: lower is placed first; unlisted places get OTHER_PRIORITY; then rivers, then country names
DEFAULT_PRIORITY, OTHER_PRIORITY, RIVER_PRIORITY, COUNTRY_PRIORITY = 1, 3, 4, 5
#: degrees of margin around the network's extent within which the basemap is drawn
BASEMAP_MARGIN_DEG = 4.0


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
        self.lat0 = float(np.nanmean(lat))
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

    @property
    def km_per_unit(self) -> float:
        """Ground distance of one SVG unit at the mean latitude (the same along x and y)."""
        return float(KM_PER_DEGREE / self.s)

    def data_attrs(self) -> str:
        """The projection's constants, so the page can project lon/lat (zoom to a box) and draw the scale bar."""
        return (f'data-proj="{self.k:.8f} {self.x0:.6f} {self.y1:.6f} {self.s:.6f} {self.pad:g}" '
                f'data-km-per-unit="{self.km_per_unit:.6f}" data-lat0="{self.lat0:.2f}"')


def place_priorities(places: Iterable[str], label_places: set[str] | Mapping[str, int] | None) -> dict[str, int]:
    """Each place's label priority: ``label_places`` as a mapping gives them, as a set puts its members first."""
    if label_places is None:
        return dict.fromkeys(places, DEFAULT_PRIORITY)
    if isinstance(label_places, Mapping):
        return {p: int(label_places.get(p, OTHER_PRIORITY)) for p in places}
    return {p: DEFAULT_PRIORITY if p in label_places else OTHER_PRIORITY for p in places}


def _links_svg(net: Network, px: np.ndarray, py: np.ndarray) -> list[str]:
    idx, links = net.node_index, net.links
    is_open = links["open"].to_numpy(dtype=bool) if "open" in links.columns else np.ones(len(links), bool)
    out = ['<g id="links">']
    for row, op in zip(links.itertuples(index=False), is_open, strict=True):
        a, b = idx[row.from_node_id], idx[row.to_node_id]
        colour, w = MODE_STYLE.get(row.mode, ("#666", 1.0))
        dash = ' stroke-dasharray="6 4"' if row.status != "existing" else ""
        if not op:
            colour, dash = "#a9a9a9", ' stroke-dasharray="2 3"'
        title = (f"{row.name or row.link_id} · {row.mode} · {row.length_km:g} km · {row.status}"
                 + ("" if op else " · closed in this scenario"))
        out.append(f'<path class="link mode-{row.mode}" data-link="{escape(row.link_id)}" '
                   f'd="M{px[a]:.2f},{py[a]:.2f}L{px[b]:.2f},{py[b]:.2f}" stroke="{colour}" stroke-width="{w}"'
                   f'{dash} fill="none"><title>{escape(title)}</title></path>')
    out.append("</g>")
    return out


def _routes_svg(net: Network, routes: list[MapRoute], px: np.ndarray, py: np.ndarray) -> list[str]:
    idx = net.node_index
    out = ['<g id="routes">']
    for i, r in enumerate(routes):
        pts = " ".join(f"{px[idx[n]]:.2f},{py[idx[n]]:.2f}" for n in r.node_ids if n in idx)
        colour = ROUTE_COLOURS[i % len(ROUTE_COLOURS)]
        out.append(f'<g class="route {escape(r.group)}" id="route-{escape(r.route_id)}" '
                   f'data-route="{escape(r.route_id)}" data-group="{escape(r.group)}" '
                   f'data-colour="{colour}" data-label="{escape(r.label)}"><title>{escape(r.label)}</title>'
                   f'<polyline class="casing" points="{pts}"/>'
                   f'<polyline class="line" points="{pts}" stroke="{colour}"/></g>')
    out.append("</g>")
    return out


def _label_svg(cls: str, key: str, priority: int, x: float, y: float, text: str, title: str,
               dot: str = "", view_range: tuple[float, float] | None = None) -> str:
    zoom = f' data-minw="{view_range[0]:.3f}" data-maxw="{view_range[1]:.3f}"' if view_range else ""
    return (f'<g class="maplabel {cls}" data-place="{escape(key)}" data-priority="{priority}" '
            f'data-x="{x:.2f}" data-y="{y:.2f}"{zoom} transform="translate({x:.2f},{y:.2f})">'
            f"<title>{escape(title)}</title>{dot}"
            f'<text class="label">{escape(text)}</text></g>')


def _places_svg(net: Network, proj: Projection, label_places) -> list[str]:
    places = net.places
    prio = place_priorities(places["place"], label_places)
    # least important first, so that the important places are drawn on top
    order = sorted(range(len(places)), key=lambda i: (prio[places["place"].iat[i]],
                                                      -len(places["node_ids"].iat[i]), places["name"].iat[i]),
                   reverse=True)
    out = ['<g id="places">']
    for i in order:
        p = places.iloc[i]
        x, y = proj(p.x_coord, p.y_coord)
        major = prio[p.place] < OTHER_PRIORITY
        dot = f'<circle class="dot" r="{3.6 if major else 2.6}" fill="{"#1d2733" if major else "#6b7785"}"/>'
        out.append(_label_svg("place" + (" major" if major else ""), p.place, prio[p.place], x, y, p["name"],
                              f"{p['name']} ({p.country})", dot))
    out.append("</g>")
    return out


def _basemap_labels_svg(proj: Projection, labels: list[MapLabel]) -> list[str]:
    """Country and river names; each shown only in its range of view widths (converted to SVG units)."""
    per_deg = proj.k * proj.s  # SVG units per degree of longitude
    out = ['<g id="basemap-labels">']
    for lab in labels:
        x, y = proj(lab.lon, lab.lat)
        country = lab.kind == "country"
        out.append(_label_svg(lab.kind, lab.text, COUNTRY_PRIORITY if country else RIVER_PRIORITY, float(x),
                              float(y), lab.text.upper() if country else lab.text, lab.text,
                              view_range=(lab.min_view_deg * per_deg, min(lab.max_view_deg * per_deg, 1e7))))
    out.append("</g>")
    return out


def network_svg(net: Network, routes: list[MapRoute] = (), *, width: int = 1100, height: int = 620,
                label_places: set[str] | Mapping[str, int] | None = None,
                focus: tuple[float, float, float, float] | None = None) -> str:
    """The network (one path per link, styled by mode and status) with routes as highlighted overlays, over the
    bundled basemap.

    ``label_places``: which places to label first (a set, or a mapping place → priority, lower first); the others
    are labelled when there is room. ``focus`` (lon_min, lat_min, lon_max, lat_max) is the box the page's "zoom to
    the corridor" button shows.
    """
    nodes = net.nodes
    lon, lat = nodes["x_coord"].to_numpy(), nodes["y_coord"].to_numpy()
    proj = Projection(lon, lat, width, height)
    px, py = proj(lon, lat)
    m = BASEMAP_MARGIN_DEG
    view = (np.nanmin(lon) - m, np.nanmin(lat) - m, np.nanmax(lon) + m, np.nanmax(lat) + m)
    base = basemap_svg(proj, view)
    extent = (np.nanmin(lon), np.nanmin(lat), np.nanmax(lon), np.nanmax(lat))
    out = [f'<svg id="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {proj.width:.0f} {proj.height:.0f}" '
           f'{proj.data_attrs()} role="img" aria-label="Map of the {escape(net.name)} network">']
    if focus:
        fx, fy = proj(np.array([focus[0], focus[2]]), np.array([focus[3], focus[1]]))
        out.append(f'<desc id="focus" data-viewbox="{fx[0]:.1f} {fy[0]:.1f} {fx[1] - fx[0]:.1f} '
                   f'{fy[1] - fy[0]:.1f}">zoom box of the corridor</desc>')
    out += [f'<rect class="sea" x="-5000" y="-5000" width="12000" height="12000" fill="{SEA}"/>', base]
    out += _links_svg(net, px, py) + _routes_svg(net, list(routes), px, py)
    out += _basemap_labels_svg(proj, country_labels(extent, focus) + aras_labels())
    out += _places_svg(net, proj, label_places)
    out.append("</svg>")
    return "\n".join(out)


def network_map(net: Network, routes: list[MapRoute] = (), *,
                label_places: set[str] | Mapping[str, int] | None = None,
                focus: tuple[float, float, float, float] | None = None, width: int = 1100, height: int = 620) -> str:
    """The map as the report shows it: the SVG with a scale bar over it and a legend beside it (both stay on screen
    at any zoom), and the basemap's attribution."""
    from corridor.report.basemap import attribution

    modes = [m for m in MODE_STYLE if m in set(net.links["mode"])]
    svg = network_svg(net, routes, width=width, height=height, label_places=label_places, focus=focus)
    return ('<div class="netmap-wrap"><div class="netmap" id="netmap">'
            f'{svg}<div class="map-scale" id="map-scale" aria-label="scale bar"><div class="bar"></div><span></span>'
            f'</div></div>{legend_html(modes, MODE_STYLE)}</div>'
            f'<p class="map-attrib muted">{escape(attribution())}</p>')
