"""Routing: generalised-cost shortest paths with constraints, distinct alternatives and OD skims."""

from corridor.routing.classes import CargoClass, bundled_classes, get_class, read_classes
from corridor.routing.paths import ArcCosts, Route, RouteOptions, alternatives, arc_costs, shortest_path, skim
from corridor.routing.places import normalise, resolve_place

__all__ = [
    "ArcCosts", "CargoClass", "Route", "RouteOptions", "alternatives", "arc_costs", "bundled_classes", "get_class",
    "normalise", "read_classes", "resolve_place", "shortest_path", "skim",
]
