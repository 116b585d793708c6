import pytest

from corridor import NotFoundError, ValidationError
from corridor.scenario import (
    RouteFamilies,
    Scenario,
    apply_scenario,
    compare_scenarios,
    load_scenario,
    read_scenario,
)
from factories import toy_network

BASE = Scenario(name="base", od_pairs=[("baku", "nakhchivan"), ("baku", "kars")])
TRIPP = Scenario(name="tripp", built_statuses=("existing",), open_links=["baku_meghri", "tripp_meghri_nakh"],
                 od_pairs=[("baku", "nakhchivan"), ("baku", "kars")])


def test_apply_sets_open_column_and_overrides():
    net = toy_network()
    sc = Scenario(name="x", open_links=["baku_meghri"], close_links=[{"link": "baku_tabriz", "reason": "test"}],
                  border_delay_h={"tabriz_nakh": 30}, speed_kmh={"kars_nakh": 90}, toll_usd={"baku_tbilisi": 5})
    out = apply_scenario(net, sc)
    links = out.links.set_index("link_id")
    assert links.at["baku_meghri", "open"] and not links.at["baku_tabriz", "open"]
    assert not links.at["tripp_meghri_nakh", "open"]  # planned, not opened
    assert links.at["tabriz_nakh", "fixed_time_h"] == 30
    assert links.at["kars_nakh", "free_speed_kmh"] == 90
    assert links.at["baku_tbilisi", "toll_usd"] == 5
    assert net.links.set_index("link_id").at["tabriz_nakh", "fixed_time_h"] == 6  # input untouched


def test_unknown_links_are_named_with_suggestions():
    with pytest.raises(ValidationError) as e:
        apply_scenario(toy_network(), Scenario(name="bad", close_links=["baku_tabrz"], toll_usd={"nope": 1}))
    msg = str(e.value)
    assert "close_links" in msg and "baku_tabrz" in msg and "did you mean baku_tabriz" in msg
    assert "toll_usd" in msg and "'nope'" in msg


def test_border_delay_only_on_border_links():
    with pytest.raises(ValidationError, match="border-crossing links only"):
        apply_scenario(toy_network(), Scenario(name="bad", border_delay_h={"baku_t": 3}))


def test_read_scenario_errors_name_file_and_key(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("name: s\nspeed_kmh: {a: -3}\nbogus: 1\n")
    with pytest.raises(ValidationError) as e:
        read_scenario(p)
    msg = str(e.value)
    assert "s.yaml" in msg and "speed_kmh" in msg and "bogus" in msg
    p.write_text("name: [unclosed\n")
    with pytest.raises(ValidationError, match="not valid YAML"):
        read_scenario(p)


def test_load_scenario_unknown_name():
    with pytest.raises(NotFoundError, match="no bundled scenario 'nope'"):
        load_scenario("nope")


#: the toy's project is its two planned links; families as the bundled spec's rules
RULES = RouteFamilies("TRIPP", frozenset({"baku_meghri", "tripp_meghri_nakh"}),
                      (("via Iran", "IR"), ("via Russia", "RU"), ("via Georgia", "GE")), (("Caspian ferry", "ferry"),))


def test_route_families_follow_the_rules_in_order():
    assert RULES.names == ("TRIPP", "via Iran", "via Russia", "via Georgia", "Caspian ferry")
    assert RULES.label(["AZ", "GE", "IR"], ["x", "baku_meghri"], ["rail", "ferry"]) == \
        "TRIPP + via Iran + via Georgia + Caspian ferry"
    assert RULES.label(["AZ"], ["x"], ["rail"]) == "direct"
    assert RouteFamilies().label(["IR"], ["baku_meghri"], ["ferry"]) == "direct"  # no rules: no family


def test_compare_finds_new_possibilities_and_savings():
    c = compare_scenarios(toy_network(), BASE, TRIPP, families=RULES)
    t = c.table.set_index(["origin_id", "destination_id", "constraint"])
    row = t.loc[("baku", "nakhchivan", "any")]
    assert row["before_family"] == "via Iran" and row["after_family"] == "TRIPP"
    assert row["delta_distance_km"] == pytest.approx(540 - 800)
    avoid = t.loc[("baku", "nakhchivan", "avoid IR,RU")]
    assert avoid["before_family"] == "via Georgia" and avoid["after_family"] == "TRIPP"
    assert not avoid["newly_possible"]
    # Kars: no route avoiding Iran and Russia is lost; Georgia route exists in both
    assert t.loc[("baku", "kars", "any"), "after_possible"]
    d = c.to_dict()
    assert d["before"] == "base" and len(d["pairs"]) == 6
