"""Apply a scenario to a network: which links are open, and overrides of delays, speeds, tolls, capacities."""

from __future__ import annotations

import numpy as np
from rapidfuzz import process

from corridor._errors import Problem, ValidationError
from corridor.network.model import Network
from corridor.scenario.model import Scenario


def apply_scenario(net: Network, scenario: Scenario) -> Network:
    """A copy of ``net`` with an ``open`` link column and the scenario's overrides applied.

    A link is open when its status is one of ``built_statuses`` or it is listed in ``open_links``, and it is not
    in ``close_links``. Unknown link ids (with suggestions) and border delays on non-border links are errors.
    """
    links = net.links.copy()
    index = net.link_index
    problems: list[Problem] = []

    def check(key: str, link_id: str) -> int | None:
        if link_id in index:
            return index[link_id]
        close = [m for m, _, _ in process.extract(link_id, list(index), limit=3, score_cutoff=60)]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        problems.append(Problem(f"unknown link id{hint}", file=f"scenario {scenario.name!r}", field=key,
                                value=link_id))
        return None

    open_ = links["status"].isin(scenario.built_statuses).to_numpy().copy()
    for ref in scenario.open_links:
        if (i := check("open_links", ref.link)) is not None:
            open_[i] = True
    for ref in scenario.close_links:
        if (i := check("close_links", ref.link)) is not None:
            open_[i] = False
    border = links["border"].to_numpy(dtype=bool)
    for key, column in (("border_delay_h", "fixed_time_h"), ("speed_kmh", "free_speed_kmh"),
                        ("toll_usd", "toll_usd"), ("capacity", "capacity")):
        values = getattr(scenario, key)
        rows, vals = [], []
        for link_id, v in values.items():
            i = check(key, link_id)
            if i is None:
                continue
            if key == "border_delay_h" and not border[i]:
                problems.append(Problem("border_delay_h applies to border-crossing links only",
                                        file=f"scenario {scenario.name!r}", field=key, value=link_id))
                continue
            rows.append(i)
            vals.append(float(v))
        if rows:
            col = links[column].to_numpy(dtype=float).copy()
            col[np.asarray(rows)] = vals
            links[column] = col
    if problems:
        raise ValidationError(problems)
    links["open"] = open_
    return net.replace_links(links, meta={"scenario": scenario.name})
