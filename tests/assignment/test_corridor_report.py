"""The freight-assignment section of ``corridor run`` and its hand-over to the finance section."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from corridor.assignment import report
from corridor.assignment.freight import bundled_assumptions
from corridor.economics.finance import bundled_finance_case, load_bids
from corridor.network import load_network
from corridor.run import JobContext
from corridor.scenario import compare_scenarios
from factories import toy_network


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    net = load_network()
    ctx = JobContext(net, compare_scenarios(net, "baseline", "tripp"), tmp_path_factory.mktemp("out"))
    sec, summary = report.section(ctx)
    return ctx, sec, summary


def test_section_tables_and_headline(done):
    _, sec, summary = done
    assert sec.id == "assignment"
    for needle in ("Flows by route family", "Links over capacity", "Paths used", "TRIPP", "via Georgia",
                   "Caspian ferry", "facts[67]", "Assumptions", "BPR"):
        assert needle in sec.html, needle
    fin = summary[str(report.FINANCE_YEAR)]
    assert summary["headline"].startswith(f"{report.FINANCE_YEAR} demand: TRIPP carries")
    assert fin["before"]["converged"] and fin["after"]["converged"]
    assert fin["before"]["tripp_t"] == {"rail": 0.0, "road": 0.0} and sum(fin["after"]["tripp_t"].values()) > 0
    for link in fin["after"]["over_capacity"]:  # every over-capacity link is in the report's table
        assert link in sec.html
    assert {"2024", "2030"} <= set(summary)


def test_tripp_volumes_handed_to_finance_in_the_bids_units(done):
    ctx, _, summary = done
    vols = ctx.extras["tripp_volumes_t"]
    tripp = summary[str(report.FINANCE_YEAR)]["after"]["tripp_t"]
    assert vols["rail"] == tripp["rail"]  # t/yr, the rail line's unit
    assert vols["road"] == pytest.approx(tripp["road"] / bundled_assumptions().truck_payload_t.value)  # trucks/yr
    bid = load_bids()[0]
    assert bid.lines["rail"].unit == "t" and bid.lines["road"].unit == "truck"
    from corridor.economics.report import section as economics_section

    sec, econ = economics_section(ctx)
    assert "flows from assignment" in sec.html
    assert econ["finance"] == bundled_finance_case(volumes=vols)["comparison"]
    assert econ["finance"] != bundled_finance_case()["comparison"]  # the flows, not the stated volumes, were used


def test_section_on_a_network_without_the_demand_places(tmp_path):
    ctx = JobContext(toy_network(), SimpleNamespace(before="baseline", after="tripp"), tmp_path)
    sec, summary = report.section(ctx)
    assert "not run" in sec.html and summary["headline"].startswith("not run")
    assert "tripp_volumes_t" not in ctx.extras
