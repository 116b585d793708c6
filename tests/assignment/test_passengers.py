"""Passengers: their own class (pax/yr), validated tables, all-or-nothing routes at the freight equilibrium's
times, never loading freight capacity."""

from __future__ import annotations

import numpy as np
import pytest

from corridor._errors import ValidationError
from corridor.assignment.corridor import assign_corridor
from corridor.assignment.freight import bundled_demand
from corridor.assignment.passengers import (
    assign_passengers,
    bundled_passengers,
    congested_times,
    read_passengers,
)
from corridor.scenario import apply_scenario
from corridor.study import load_spec
from corridor.study.pipeline import study_network


@pytest.fixture(scope="module")
def spec():
    return load_spec("tripp")


@pytest.fixture(scope="module")
def net(spec):
    return study_network(spec)


def test_bundled_passenger_tables_are_two_way_with_sources():
    for year in (2024, 2030):
        p = bundled_passengers(year)
        assert (p["cargo"] == "passengers").all() and (p["pax_per_yr"] > 0).all()
        assert ((p["low"] <= p["pax_per_yr"]) & (p["pax_per_yr"] <= p["high"])).all()
        assert p["source"].str.len().gt(3).all()
        pairs = set(zip(p["origin"], p["destination"], strict=True))
        assert all((d, o) in pairs for o, d in pairs)


def test_passenger_table_errors_name_file_line_and_field(tmp_path):
    f = tmp_path / "pax.csv"
    f.write_text("origin,destination,modes,pax_per_yr,source\n"
                 "baku,tbilisi,,1000,assumption: x\n"
                 "baku,tbilisi,ferry,-3,assumption: x\n", encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        read_passengers(f)
    msg = str(e.value)
    assert "pax.csv" in msg and "line 3" in msg and "'pax_per_yr'" in msg and "'modes'" in msg


def test_passengers_follow_routes_and_do_not_load_freight(spec, net):
    base = apply_scenario(net, spec.scenario("do-nothing"))
    flows = assign_passengers(base, bundled_passengers(2024))
    assert flows.unserved.empty
    p = bundled_passengers(2024).set_index(["origin", "destination"])["pax_per_yr"]
    lars = p[("vladikavkaz", "tbilisi")] + p[("tbilisi", "vladikavkaz")]
    assert flows.links["vladikavkaz_tbilisi_road"] == pytest.approx(lars)  # the only Russia–Georgia road
    assert "tripp_aghband_nrnadzor_road" not in flows.links.index  # not built in the do-nothing
    # at the congested times of the 2030 freight equilibrium with TRIPP, the Baku–Nakhchivan passengers move
    # from the Araz road through Iran (cheapest at free flow) to TRIPP
    tripp = apply_scenario(net, spec.scenario("tripp"))
    free = assign_passengers(tripp, bundled_passengers(2030))
    ca = assign_corridor(net, spec.scenario("tripp"), bundled_demand(2030), gap=1e-6)
    times = congested_times(tripp, ca.links)
    assert np.isfinite(times).any() and (np.nan_to_num(times) >= 0).all()
    busy = assign_passengers(tripp, bundled_passengers(2030), arc_time_h=times)
    assert free.links.get("tripp_aghband_nrnadzor_road", 0.0) == 0.0
    assert busy.links.get("tripp_aghband_nrnadzor_road", 0.0) > 0.0
