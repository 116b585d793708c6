"""One sourced value for every bundled figure: :class:`Sourced` (value, unit, source or ``assumption: why``, and
an optional low/high range with a distribution that :meth:`Sourced.sample` draws from), the YAML loader whose
errors name file, line and field, and the listing of sourced inputs (:func:`iter_sourced`, :func:`iter_ranges`).
"""

from corridor.sourced.loader import (
    line_of,
    load_model,
    load_yaml,
    problems_from_pydantic,
    read_yaml,
    sourced_tree,
    validate,
)
from corridor.sourced.registry import bundled_inputs, iter_ranges, iter_sourced
from corridor.sourced.value import DISTRIBUTIONS, Distribution, Sourced, is_assumption, sourced

__all__ = [
    "DISTRIBUTIONS", "Distribution", "Sourced", "bundled_inputs", "is_assumption", "iter_ranges", "iter_sourced",
    "line_of", "load_model", "load_yaml", "problems_from_pydantic", "read_yaml", "sourced", "sourced_tree",
    "validate",
]
