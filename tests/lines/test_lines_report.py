"""The lines section of the `corridor run` report (built from a job context)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from corridor.lines import cases
from corridor.lines.report import section
from corridor.network.io import load_network


def _ctx(net):
    return SimpleNamespace(network=net, comparison=SimpleNamespace(before="baseline", after="tripp"),
                           out_dir=Path("."), extras={})


@pytest.fixture(scope="module")
def bundled():
    return load_network()


def test_section_on_the_bundled_network(bundled):
    sec, data = section(_ctx(bundled))
    assert sec.id == "lines"
    assert data["network"] == "this run's network"
    assert data["gas"]["capacity_mcm_d"] == pytest.approx(cases.tripp_gas_case()["capacity_mcm_d"])
    assert data["rail"]["claimed_mt_yr"] == 15.0
    assert "nakhchivan–baku" in data["headline"] and "mcm/d" in data["headline"]
    assert "istanbul–aktau 0.00 ms" in data["headline"]  # no Europe–Asia gain on this network
    assert sec.html.count("<svg") == 4
    assert not re.search(r'(src|href)="(https?:)?//', sec.html)  # self-contained
    assert 'class="assumption"' in sec.html and "diameter_m" in data["assumptions"]


def test_section_falls_back_to_the_bundled_network(bundled):
    links = bundled.links[~bundled.links["link_id"].str.startswith("tripp_")]
    net = bundled.replace_links(links)
    sec, data = section(_ctx(net))
    assert data["network"].startswith("the bundled region network")
    assert "bundled region network" in sec.html
    assert data["gas"]["length_km"] == pytest.approx(cases.tripp_gas_case()["length_km"])
