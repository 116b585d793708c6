"""Static user-equilibrium traffic assignment: link-based (MSA, FW, CFW, BFW) and path-based (gradient projection).

``assign(problem, algorithm=..., gap=...)`` returns an :class:`AssignmentResult`. The relative gap is
(TSTT − SPTT)/TSTT with generalised costs (see :data:`result.GAP_DEFINITION`).
"""

from __future__ import annotations

from collections.abc import Callable

from corridor._errors import ValidationError
from corridor.assignment.problem import AssignmentProblem, TrafficClass, problem_from_tntp
from corridor.assignment.result import GAP_DEFINITION, AssignmentResult

ALGORITHMS: tuple[str, ...] = ("gp", "bfw", "cfw", "fw", "msa")

__all__ = [
    "ALGORITHMS",
    "GAP_DEFINITION",
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
) -> AssignmentResult:
    """Solve the user equilibrium to relative gap ``gap`` (or stop after ``max_iter`` iterations, with
    ``converged=False``). ``callback`` receives each iteration's row (iteration, relative_gap, ...)."""
    algorithm = algorithm.lower()
    if algorithm not in ALGORITHMS:
        raise ValidationError(f"unknown algorithm {algorithm!r}; choose one of {', '.join(ALGORITHMS)}")
    if not gap > 0:
        raise ValidationError(f"gap must be > 0 (got {gap})")
    if max_iter < 1:
        raise ValidationError(f"max_iter must be >= 1 (got {max_iter})")
    if algorithm == "gp":
        from corridor.assignment.pathbased import run_path_based

        return run_path_based(problem, gap=gap, max_iter=max_iter, callback=callback)
    from corridor.assignment.linkbased import run_link_based

    return run_link_based(problem, algorithm, gap=gap, max_iter=max_iter, callback=callback)
