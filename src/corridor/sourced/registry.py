"""Finding the sourced values inside loaded data, and those of the bundled data that have a range."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from corridor.sourced.value import Sourced


def iter_sourced(obj: Any, prefix: str = "") -> Iterator[tuple[str, Sourced]]:
    """Every Sourced value inside a pydantic model, dict, list or tuple, with its dotted path."""
    if isinstance(obj, Sourced):
        yield prefix, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from iter_sourced(getattr(obj, name), f"{prefix}.{name}" if prefix else name)
    elif isinstance(obj, Mapping):
        for k, v in obj.items():
            yield from iter_sourced(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            yield from iter_sourced(v, f"{prefix}[{i}]")


def iter_ranges(obj: Any = None, prefix: str = "") -> Iterator[tuple[str, Sourced]]:
    """The Sourced values with a range inside ``obj``; without ``obj``, those of all the bundled data
    (see :func:`bundled_inputs`) — the inputs a later uncertainty analysis samples."""
    items = bundled_inputs() if obj is None else iter_sourced(obj, prefix)
    for path, s in items:
        if s.has_range:
            yield path, s


def _lines_inputs():
    from corridor.study import default_spec

    spec = default_spec()
    return spec.path(spec.lines.inputs)


def _forecast():
    from corridor.study import default_spec
    from corridor.study.pipeline import study_forecast

    return study_forecast(default_spec())


def bundled_inputs() -> Iterator[tuple[str, Sourced]]:
    """Every sourced value of the bundled data, named ``dataset:path`` (e.g. ``network:link.az_ge_rail.capacity``)."""
    from corridor.assignment.freight import bundled_assumptions
    from corridor.economics.appraisal import load_inputs as appraisal_inputs
    from corridor.economics.finance import load_bids
    from corridor.economics.trade import load_baseline, load_parameters
    from corridor.lines._inputs import defaults
    from corridor.lines.cases import read_inputs
    from corridor.network.figures import bundled_figures
    from corridor.routing.classes import bundled_classes

    sets: dict[str, Any] = {
        "cargo_classes": bundled_classes(),
        "freight_assumptions": bundled_assumptions(),
        "lines_defaults": defaults(),
        "lines_tripp": read_inputs(_lines_inputs()),
        "trade_parameters": load_parameters(),
        "trade_baseline": load_baseline(),
        "bids": {b.name: b for b in load_bids()},
        "appraisal": appraisal_inputs(),
        "network": bundled_figures(),
        "forecast": _forecast(),
    }
    for name, data in sets.items():
        for path, s in iter_sourced(data):
            yield f"{name}:{path}", s
