"""The corridor study as one typed model: a :class:`CorridorSpec` (data) in, a :class:`StudyResult` out.

``run_study(load_spec("tripp"))`` compares the default project case with the do-minimum (today plus the
committed projects) and returns the scenario comparison, freight assignment per scenario and year, line cases,
economics, third-party effects and the attribution, writing nothing. ``corridor run`` and the HTML report are
views of the result.
"""

from corridor.study.pipeline import run_study
from corridor.study.result import (
    AssignmentStudy,
    Attribution,
    CorridorVolumes,
    EconomicsResult,
    FinanceResult,
    LinesResult,
    StudyResult,
    ThirdParties,
    ThirdPartyCase,
)
from corridor.study.spec import (
    DO_MINIMUM,
    DO_NOTHING,
    CorridorSpec,
    Figure,
    bundled_specs,
    load_spec,
    read_spec,
)

#: the spec of ``corridor run`` without ``--corridor``
DEFAULT_SPEC = "tripp"


def default_spec() -> CorridorSpec:
    return load_spec(DEFAULT_SPEC)


__all__ = [
    "DEFAULT_SPEC", "DO_MINIMUM", "DO_NOTHING", "AssignmentStudy", "Attribution", "CorridorSpec", "CorridorVolumes",
    "EconomicsResult", "Figure", "FinanceResult", "LinesResult", "StudyResult", "ThirdParties", "ThirdPartyCase",
    "bundled_specs", "default_spec", "load_spec", "read_spec", "run_study",
]
