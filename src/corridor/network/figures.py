"""Ranged figures of a network's links (``link_figures.yaml`` beside ``link.csv``), in the sourced-value format.

``ranges`` states each uncertain figure once as a :class:`~corridor.sourced.Sourced` (value = the central figure
that ``link.csv`` holds, low/high, unit, source); ``links`` names, per link, the fields that take it. Links naming
one range share it: a Monte Carlo draws it once for all of them (:func:`with_values`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator

from corridor._errors import NotFoundError, Problem, ValidationError
from corridor.network.model import Network
from corridor.sourced import Sourced, line_of, load_yaml, validate

FIGURES_FILE = "link_figures.yaml"
#: link fields a range may set, with the unit it must have (capacity: the link's own capacity_unit)
FIELDS: dict[str, str | None] = {"fixed_time_h": "h", "toll_usd": "USD/t", "capacity": None,
                                 "free_speed_kmh": "km/h"}


class LinkFigures(BaseModel):
    """The ranges and, per link id, which field takes which range."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    ranges: dict[str, Sourced[float]]
    links: dict[str, dict[str, str]]

    @model_validator(mode="after")
    def _references(self) -> LinkFigures:
        for lid, fields in self.links.items():
            for f, name in fields.items():
                if f not in FIELDS:
                    raise ValueError(f"link {lid}: field {f!r} cannot take a range; expected one of {list(FIELDS)}")
                if name not in self.ranges:
                    raise ValueError(f"link {lid}: no range named {name!r} under 'ranges'")
        return self

    def for_link(self, link_id: str) -> dict[str, Sourced[float]]:
        """The ranged fields of one link (empty when it has none)."""
        return {f: self.ranges[n] for f, n in self.links.get(link_id, {}).items()}


def read_figures(path: str | Path) -> LinkFigures:
    """Read a ``link_figures.yaml`` (a folder: the file in it); errors name file, line and field."""
    p = Path(path)
    p = p / FIGURES_FILE if p.is_dir() else p
    if not p.is_file():
        raise NotFoundError(f"{p}: no such file (ranged link figures)")
    data, node = load_yaml(p)
    figures = validate(LinkFigures, data, file=str(p), node=node)
    units = [Problem(f"unit {s.unit!r} where {FIELDS[f]!r} is expected", file=str(p),
                     row=line_of(node, ("ranges", n)), field=f"ranges.{n}.unit")
             for fields in figures.links.values() for f, n in fields.items()
             if FIELDS[f] is not None and (s := figures.ranges[n]).unit != FIELDS[f]]
    if units:
        raise ValidationError(sorted(set(units), key=lambda q: q.row or 0))
    return figures


@cache
def bundled_figures() -> LinkFigures:
    """The ranged figures of the bundled region network."""
    from corridor.network.io import bundled_dir

    return read_figures(bundled_dir())


def check_figures(net: Network, figures: LinkFigures, *, file: str = FIGURES_FILE) -> list[Problem]:
    """Problems where the figures do not fit the network: unknown link, the link's value is not the range's
    central figure, or a capacity range in another unit than the link's capacity."""
    links = net.links.set_index("link_id")
    out = []
    for lid, fields in figures.links.items():
        if lid not in links.index:
            out.append(Problem("no such link in the network", file=file, field=f"links.{lid}"))
            continue
        for f, name in fields.items():
            s = figures.ranges[name]
            got = float(links.at[lid, f])
            if not np.isclose(got, float(s.value)):
                out.append(Problem(f"the network has {got:g}, the range {name!r} a central value of {s.value:g}",
                                   file=file, field=f"links.{lid}.{f}"))
            if f == "capacity" and s.unit and s.unit != links.at[lid, "capacity_unit"]:
                out.append(Problem(f"range {name!r} is in {s.unit}, the link's capacity in "
                                   f"{links.at[lid, 'capacity_unit']}", file=file, field=f"links.{lid}.{f}"))
    return out


def with_values(net: Network, figures: LinkFigures, values: Mapping[str, float]) -> Network:
    """A network whose ranged fields take ``values`` (range name → figure, e.g. one Monte Carlo draw);
    ranges not named keep the network's value."""
    unknown = sorted(set(values) - set(figures.ranges))
    if unknown:
        raise NotFoundError(f"no range named {unknown}; known: {', '.join(sorted(figures.ranges))}")
    links = net.links
    index = net.link_index
    for f in FIELDS:
        rows = [(index[lid], values[n]) for lid, fields in figures.links.items()
                if (n := fields.get(f)) in values and lid in index]
        if rows:
            col = links[f].to_numpy(dtype=float).copy()
            at, v = zip(*rows, strict=True)
            col[list(at)] = v
            links[f] = col
    return net.replace_links(links)


def sample_values(figures: LinkFigures, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """``n`` draws of every range (range name → array), each from its own distribution."""
    return {name: s.sample(rng, n) for name, s in figures.ranges.items()}
