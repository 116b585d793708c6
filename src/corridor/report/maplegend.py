"""The map's legend: an HTML box over the map (so it stays on screen at any zoom) with a key to the shown routes."""

from __future__ import annotations

from html import escape

from corridor.report.basemap import BORDER, RIVER


def _line(colour: str, width: float, dash: str = "", opacity: float = 1.0) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<svg class="swatch" width="30" height="10" aria-hidden="true"><line x1="1" y1="5" x2="29" y2="5" '
            f'stroke="{colour}" stroke-width="{width}" stroke-opacity="{opacity}"{dash_attr}/></svg>')


def _dot(r: float, colour: str) -> str:
    return (f'<svg class="swatch" width="30" height="10" aria-hidden="true"><circle cx="15" cy="5" r="{r}" '
            f'fill="{colour}"/></svg>')


def _row(swatch: str, text: str) -> str:
    return f'<li>{swatch}<span>{text}</span></li>'


def legend_html(modes: list[str], mode_style: dict[str, tuple[str, float]]) -> str:
    """Modes present in the network, link statuses, route styles (with the key the page fills), places, basemap."""
    mode_rows = "".join(_row(_line(mode_style[m][0], mode_style[m][1] + 0.6), escape(m.replace("_", " ")))
                        for m in modes)
    status_rows = (_row(_line("#555", 1.6), "existing")
                   + _row(_line("#555", 1.6, "6 4"), "planned or under construction")
                   + _row(_line("#a9a9a9", 1.6, "2 3"), "closed in the scenario shown"))
    route_rows = (_row(_line("#555", 5), "after: thick, solid")
                  + _row(_line("#555", 3, "7 5"), "before: thin, dashed"))
    place_rows = (_row(_dot(3.6, "#1d2733"), "origin, destination or project place")
                  + _row(_dot(2.6, "#6b7785"), "other place (named when there is room)"))
    base_rows = (_row(_line(BORDER, 1.1, "5 2 1 2"), "international border")
                 + _row(_line(RIVER, 3, opacity=0.85), "Aras (where it is the border)")
                 + _row(_line(RIVER, 0.9), "river, lake shore, coast"))
    return (
        '<aside class="map-legend" id="map-legend" aria-label="map legend"><details open><summary>Legend</summary><div class="lg-body">'
        f'<h4>Network, by mode</h4><ul>{mode_rows}</ul>'
        f'<h4>Status</h4><ul>{status_rows}</ul>'
        f'<h4>Routes</h4><ul>{route_rows}</ul><ul id="route-key" class="route-key"></ul>'
        '<p id="route-key-all" class="muted" hidden>All routes are shown faintly; hover one for its name.</p>'
        f'<h4>Places</h4><ul>{place_rows}</ul>'
        f'<h4>Base map</h4><ul>{base_rows}</ul>'
        "</div></details></aside>"
    )
