import json

import numpy as np
import pyogrio
import pytest

from corridor.network import Network, export_geo, great_circle_km, load_network, read_gmns, write_gmns
from factories import toy_network, toy_tables, write_toy


def test_csr_expands_undirected_links_to_two_arcs():
    net = toy_network()
    assert net.n_arcs == 2 * net.n_links
    # every arc leaving node i sits in indptr[i]:indptr[i+1]
    for i in range(net.n_nodes):
        assert (net.arc_tail[net.indptr[i]:net.indptr[i + 1]] == i).all()
    # the reverse arc of a link swaps its ends
    lid = net.link_index["kars_nakh"]
    arcs = np.flatnonzero(net.arc_link == lid)
    ends = {(net.arc_tail[a], net.arc_head[a]) for a in arcs}
    k, n = net.node_index["kars_road"], net.node_index["nakh_road"]
    assert ends == {(k, n), (n, k)}


def test_directed_link_gives_one_arc():
    nodes, links = toy_tables()
    links.loc[links["link_id"] == "kars_nakh", "directed"] = True
    net = Network.from_tables(nodes, links)
    assert net.n_arcs == 2 * net.n_links - 1


def test_places_group_layers():
    net = toy_network()
    baku = net.places.set_index("place").loc["baku"]
    assert sorted(baku["node_ids"]) == ["baku_rail", "baku_road"]
    assert sorted(net.place_nodes("tbilisi").tolist()) == sorted(
        [net.node_index["tbilisi_1520"], net.node_index["tbilisi_1435"]])


def test_great_circle_known_distance():
    # Baku–Tbilisi is about 450 km as the crow flies
    assert great_circle_km(49.882, 40.395, 44.783, 41.717) == pytest.approx(452, abs=5)


def test_gmns_round_trip(tmp_path):
    net = toy_network()
    write_gmns(net, tmp_path / "out")
    back = read_gmns(tmp_path / "out")
    assert back.links["link_id"].tolist() == net.links["link_id"].tolist()
    np.testing.assert_allclose(back.link_array("length_km"), net.link_array("length_km"))
    assert back.links["border"].tolist() == net.links["border"].tolist()
    assert back.nodes["alt_names"].tolist() == net.nodes["alt_names"].tolist()


def test_load_network_reads_a_folder_or_its_csv(tmp_path):
    folder = write_toy(tmp_path / "toy")
    assert load_network(folder).n_links == 11
    assert load_network(folder / "link.csv").n_nodes == 10


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_geo_export_reads_back(tmp_path, suffix):
    net = toy_network()
    files = export_geo(net, tmp_path / f"toy{suffix}")
    assert files == [tmp_path / f"toy{suffix}"]
    if suffix == ".gpkg":
        layers = {name for name, _ in pyogrio.list_layers(files[0])}
        assert layers == {"nodes", "links"}
        info = pyogrio.read_info(files[0], layer="links")
        assert info["features"] == net.n_links
        assert info["geometry_type"] == "LineString"
    else:  # one file, the layer as a property
        data = json.loads(files[0].read_text())
        layers = [f["properties"]["layer"] for f in data["features"]]
        assert layers.count("nodes") == net.n_nodes and layers.count("links") == net.n_links
        assert {f["geometry"]["type"] for f in data["features"]} == {"Point", "LineString"}
        info = pyogrio.read_info(files[0])
        assert info["features"] == net.n_nodes + net.n_links
    assert "length_km" in list(info["fields"])
