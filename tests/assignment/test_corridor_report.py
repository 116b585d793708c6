"""The freight-assignment section of the ``corridor run`` report: a view of the study result."""

from __future__ import annotations

import pytest

from corridor.assignment import report


@pytest.fixture(scope="module")
def study(tripp_study):
    return tripp_study


def test_section_tables_and_the_volumes_handed_to_finance(study):
    sec = report.section(study)
    assert sec.id == "assignment"
    for needle in ("Flows by route family", "Links over capacity", "Paths used", "TRIPP", "via Georgia",
                   "Caspian ferry", "facts[129]", "Assumptions", "BPR", "finance section"):
        assert needle in sec.html, needle
    fin = study.assignment.comparison(study.finance_year)
    for link in fin.after.summary["over_capacity"]:  # every over-capacity link is in the report's table
        assert link in sec.html
    rail = study.economics.finance.volumes.tonnes["rail"]
    assert f"rail <b>{rail / 1e6:.2f} Mt/yr</b>" in sec.html
