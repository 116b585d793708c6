"""Static traffic assignment: deterministic user equilibrium, link-based (MSA, FW, CFW, BFW) and path-based
(gradient projection), and the path-based logit stochastic user equilibrium (:mod:`corridor.assignment.logit`).

``assign(problem, algorithm=..., gap=...)`` returns an :class:`AssignmentResult`. The relative gap is
(TSTT − SPTT)/TSTT with generalised costs (see :data:`result.GAP_DEFINITION`); with ``route_choice="logit"`` it
is the SUE gap (:data:`corridor.assignment.logit.SUE_GAP_DEFINITION`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from corridor._errors import ValidationError
from corridor.assignment.problem import AssignmentProblem, TrafficClass, problem_from_tntp
from corridor.assignment.result import GAP_DEFINITION, AssignmentResult

if TYPE_CHECKING:
    from corridor.assignment.pathbased import PathSet

ALGORITHMS: tuple[str, ...] = ("gp", "bfw", "cfw", "fw", "msa")
#: route choice models: deterministic user equilibrium (Wardrop) or logit stochastic user equilibrium
ROUTE_CHOICES: tuple[str, ...] = ("ue", "logit")

__all__ = [
    "ALGORITHMS",
    "GAP_DEFINITION",
    "ROUTE_CHOICES",
    "AssignmentProblem",
    "AssignmentResult",
    "TrafficClass",
    "assign",
    "problem_from_tntp",
]


def assign(
    problem: AssignmentProblem,
    *,
    algorithm: str = "gp",
    gap: float = 1e-4,
    max_iter: int = 1000,
    callback: Callable[[dict], None] | None = None,
    route_choice: str = "ue",
    theta: float | np.ndarray | None = None,
    alternatives: int = 0,
    penalty: float = 1.5,
    start: PathSet | None = None,
) -> AssignmentResult:
    """Solve the user equilibrium to relative gap ``gap`` (or stop after ``max_iter`` iterations, with
    ``converged=False``). ``callback`` receives each iteration's row (iteration, relative_gap, ...).

    ``route_choice="logit"`` solves the logit stochastic user equilibrium instead, with dispersion ``theta`` per
    unit of generalised cost (a number, or classes × zones × zones), to SUE gap ``gap``; it is path-based (its
    path set starts from a ``gp`` solution, with ``alternatives`` rounds of link-penalty routes, arcs used so far
    ``penalty`` times dearer), so ``algorithm`` must be ``gp``; ``start``, an earlier logit solution's paths on
    the same graph, replaces that start (a warm start)."""
    route_choice = route_choice.lower()
    if route_choice not in ROUTE_CHOICES:
        raise ValidationError(f"unknown route choice {route_choice!r}; choose one of {', '.join(ROUTE_CHOICES)}")
    algorithm = algorithm.lower()
    if algorithm not in ALGORITHMS:
        raise ValidationError(f"unknown algorithm {algorithm!r}; choose one of {', '.join(ALGORITHMS)}")
    if not gap > 0:
        raise ValidationError(f"gap must be > 0 (got {gap})")
    if max_iter < 1:
        raise ValidationError(f"max_iter must be >= 1 (got {max_iter})")
    if route_choice == "logit":
        if algorithm != "gp":
            raise ValidationError(f"logit route choice is path-based: use algorithm gp (got {algorithm!r})")
        if theta is None:
            raise ValidationError("logit route choice needs theta (dispersion per unit of generalised cost)")
        from corridor.assignment.logit import run_logit

        return run_logit(problem, theta=theta, gap=gap, max_iter=max_iter, callback=callback,
                         alternatives=alternatives, penalty=penalty, start=start)
    if theta is not None or alternatives or start is not None:
        raise ValidationError("theta, alternatives and start apply to logit route choice only "
                              "(route_choice='logit')")
    if algorithm == "gp":
        from corridor.assignment.pathbased import run_path_based

        return run_path_based(problem, gap=gap, max_iter=max_iter, callback=callback)
    from corridor.assignment.linkbased import run_link_based

    return run_link_based(problem, algorithm, gap=gap, max_iter=max_iter, callback=callback)
