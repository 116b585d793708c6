"""Reports: a self-contained HTML page (inline SVG map and plots) that opens offline."""

from corridor.report.html import Markup, Section, frame_html, render_report, write_report
from corridor.report.svgmap import MapRoute, network_map, network_svg

__all__ = ["MapRoute", "Markup", "Section", "frame_html", "network_map", "network_svg", "render_report", "write_report"]
