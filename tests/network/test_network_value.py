"""The network is a value: no caller can change another caller's network; load_network reads TNTP folders."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import support
from corridor.network.io import load_network
from corridor.network.model import Network

TINY_NET = """<NUMBER OF ZONES> 2
<NUMBER OF NODES> 3
<FIRST THRU NODE> 1
<NUMBER OF LINKS> 3
<END OF METADATA>

~ init_node term_node capacity length free_flow_time b power speed toll link_type ;
\t1\t3\t100\t1\t1\t0.15\t4\t0\t0\t1\t;
\t3\t2\t100\t1\t1\t0.15\t4\t0\t0\t1\t;
\t1\t2\t50\t2\t3\t0.15\t4\t0\t0\t1\t;
"""


def test_changing_the_tables_one_caller_got_leaves_the_next_callers_network_alone():
    first = load_network()
    links, nodes = first.links, first.nodes
    length0 = float(links.loc[0, "length_km"])
    links.loc[0, "length_km"] = -1.0
    links["fixed_time_h"] = 99.0
    del links["mode"]
    nodes.loc[0, "node_id"] = "corrupted"
    for net in (load_network(), first):  # the next caller's network, and the first caller's own
        assert net.links.loc[0, "length_km"] == length0
        assert "mode" in net.links.columns and not (net.links["fixed_time_h"] == 99.0).any()
        assert net.nodes.loc[0, "node_id"] != "corrupted"


def test_cached_arrays_and_indexes_are_read_only():
    net = load_network()
    for name in ("indptr", "arc_head", "arc_tail", "arc_link", "arc_reverse"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(net, name)[0] = 1
    with pytest.raises(ValueError, match="read-only"):
        net.links["length_km"].to_numpy()[0] = 0.0
    with pytest.raises(TypeError):
        net.node_index["x"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        net.meta["scenario"] = "x"  # type: ignore[index]
    places = net.places
    places.loc[0, "name"] = "corrupted"
    assert net.places.loc[0, "name"] != "corrupted"
    assert isinstance(net.places.loc[0, "node_ids"], tuple)


def test_network_is_frozen_and_derived_by_replace():
    net = load_network()
    with pytest.raises(AttributeError, match="immutable"):
        net.links = net.links  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        net.name = "other"  # type: ignore[misc]
    links = net.links
    links["capacity"] = 1.0
    changed = net.replace_links(links, meta={"scenario": "test"})
    assert (changed.links["capacity"] == 1.0).all() and changed.meta["scenario"] == "test"
    assert not (net.links["capacity"] == 1.0).all() and "scenario" not in net.meta


def test_a_table_given_to_the_constructor_can_change_afterwards_without_effect():
    base = load_network()
    links = base.links
    net = Network(base.nodes, links)
    links.loc[0, "length_km"] = 12345.0
    assert net.links.loc[0, "length_km"] == base.links.loc[0, "length_km"]


def test_pickles_round_trip():
    net = load_network()
    back = pickle.loads(pickle.dumps(net))
    assert back.name == net.name and back.links.equals(net.links)
    np.testing.assert_array_equal(back.indptr, net.indptr)


def test_load_network_reads_a_tntp_folder_and_file(tmp_path):
    (tmp_path / "Tiny_net.tntp").write_text(TINY_NET)
    (tmp_path / "Tiny_node.tntp").write_text("node\tX\tY\t;\n1\t0\t0\t;\n2\t2\t0\t;\n3\t1\t1\t;\n")
    for where in (tmp_path, tmp_path / "Tiny_net.tntp"):
        net = load_network(where)
        assert (net.n_nodes, net.n_links, net.meta["n_zones"]) == (3, 3, 2)
        assert net.links["capacity"].tolist() == [100.0, 100.0, 50.0]
        assert net.nodes["x_coord"].tolist() == [0.0, 2.0, 1.0]


def test_load_network_on_the_sioux_falls_data():
    net = load_network(support.tntp_dir() / "SiouxFalls")
    assert (net.n_nodes, net.n_links, net.meta["n_zones"]) == (24, 76, 24)
    assert int(net.indptr[-1]) == 76  # directed links: one arc each
