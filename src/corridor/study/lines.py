"""The project's line cases (gas, oil, fibre, rail) on the study's network: the spec gives the links and the
engineering inputs, :mod:`corridor.lines.cases` computes."""

from __future__ import annotations

from corridor._errors import NotFoundError
from corridor.lines import cases
from corridor.network.model import Network
from corridor.scenario import apply_scenario
from corridor.study.result import LinesResult
from corridor.study.spec import CorridorSpec, load_spec

KINDS = ("gas", "oil", "fibre", "rail")


def _case(spec: CorridorSpec, kind: str, net: Network, project_net: Network) -> dict:
    links = getattr(spec.lines, kind)
    inputs = cases.read_inputs(spec.path(spec.lines.inputs))
    if kind == "fibre":
        return cases.fibre_case(project_net, links, inputs, label=spec.project.label)
    return {"gas": cases.gas_case, "oil": cases.oil_case, "rail": cases.rail_case}[kind](net, links, inputs)


def lines_cases(spec: CorridorSpec, net: Network, project_net: Network,
                kinds: tuple[str, ...] = KINDS) -> LinesResult | None:
    """The spec's line cases (``kinds``; the others left empty): pipelines and rail on ``net`` (link lengths),
    fibre routes on ``project_net``."""
    if spec.lines is None:
        return None
    return LinesResult(**{k: _case(spec, k, net, project_net) if k in kinds else {} for k in KINDS})


def spec_case(kind: str, spec: CorridorSpec | str = "tripp", net: Network | None = None) -> dict:
    """One line case of a corridor on its network (fibre with its first project case open), e.g. for the
    ``corridor lines`` commands without a file."""
    from corridor.study.pipeline import study_network

    spec = load_spec(spec)
    if spec.lines is None or kind not in KINDS:
        raise NotFoundError(f"corridor {spec.name!r} has no {kind} line case")
    net = net if net is not None else study_network(spec)
    project_net = apply_scenario(net, spec.scenario(spec.default_case)) if kind == "fibre" else net
    return _case(spec, kind, net, project_net)
