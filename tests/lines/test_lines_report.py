"""The lines section of the `corridor run` report (a view of the study result)."""

from __future__ import annotations

import re

import pytest

from corridor.lines.report import section
from corridor.study.lines import spec_case
from corridor.study.tables import lines_headline


@pytest.fixture(scope="module")
def study(tripp_study):
    return tripp_study


def test_section_on_the_bundled_network(study):
    sec = section(study)
    assert sec.id == "lines"
    assert study.lines.gas["capacity_mcm_d"] == pytest.approx(spec_case("gas")["capacity_mcm_d"])
    assert study.lines.rail["claimed_mt_yr"] == 15.0
    h = lines_headline(study)
    assert "nakhchivan–baku" in h and "mcm/d" in h
    assert "istanbul–aktau 0.00 ms" in h  # no Europe–Asia gain on this network
    assert sec.html.count("<svg") == 4
    assert not re.search(r'(src|href)="(https?:)?//', sec.html)  # self-contained
    assert 'class="assumption"' in sec.html and "diameter_m" in study.lines.to_dict()["assumptions"]
