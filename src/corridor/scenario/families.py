"""Route families: short labels of the corridors a route uses (the project, via a country, by a mode).

The rules are data (a corridor spec gives them); this module only applies them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RouteFamilies:
    """Labels in order: ``project_label`` for a route using any of ``project_links``, then one label per
    country passed (``by_country``: (label, ISO code)) and per mode used (``by_mode``: (label, mode))."""

    project_label: str = "project"
    project_links: frozenset[str] = frozenset()
    by_country: tuple[tuple[str, str], ...] = ()
    by_mode: tuple[tuple[str, str], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.project_label, *(lbl for lbl, _ in self.by_country), *(lbl for lbl, _ in self.by_mode))

    def label(self, countries: Iterable[str], link_ids: Iterable[str], modes: Iterable[str]) -> str:
        """``"<project> + via X + by mode"`` in the order of :attr:`names`, or ``"direct"``."""
        countries, modes = set(countries), set(modes)
        parts = [self.project_label] if self.project_links & set(link_ids) else []
        parts += [lbl for lbl, c in self.by_country if c in countries]
        parts += [lbl for lbl, m in self.by_mode if m in modes]
        return " + ".join(parts) if parts else "direct"

    def of_route(self, route) -> str:
        """The label of a :class:`corridor.routing.Route`."""
        return self.label(route.countries, route.link_ids, route.modes)
