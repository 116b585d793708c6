"""Scenarios: YAML files (pydantic-validated) that open, close and change links; comparison of two scenarios."""

from corridor.scenario.apply import apply_scenario
from corridor.scenario.compare import DEFAULT_CONSTRAINTS, Comparison, Constraint, compare_scenarios
from corridor.scenario.families import RouteFamilies
from corridor.scenario.model import LinkRef, Scenario, bundled_scenarios, load_scenario, read_scenario

__all__ = [
    "DEFAULT_CONSTRAINTS", "Comparison", "Constraint", "LinkRef", "RouteFamilies", "Scenario", "apply_scenario",
    "bundled_scenarios", "compare_scenarios", "load_scenario", "read_scenario",
]
