"""Every validation case names the file, the line and the field."""

import numpy as np
import pytest

from corridor import ValidationError
from corridor.network import NetworkWarning, read_gmns
from factories import toy_tables, write_toy


def _links_with(tmp_path, **changes):
    nodes, links = toy_tables()
    row = changes.pop("row", 0)
    for k, v in changes.items():
        links.loc[row, k] = v
    return write_toy(tmp_path / "net", nodes, links)


def _err(folder) -> str:
    with pytest.raises(ValidationError) as e:
        read_gmns(folder)
    return str(e.value)


def test_valid_network_loads(tmp_path):
    assert read_gmns(write_toy(tmp_path / "ok")).n_links == 11


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"from_node_id": "nowhere"}, "from_node_id", "unknown node id"),
        ({"to_node_id": "atlantis", "row": 3}, "to_node_id", "unknown node id"),
        ({"length_km": -5.0}, "length_km", "positive"),
        ({"length_km": 0.0}, "length_km", "positive"),
        ({"length_km": np.nan}, "length_km", "missing"),
        ({"free_speed_kmh": np.nan}, "free_speed_kmh", "speed missing"),
        ({"mode": "hyperloop"}, "mode", "unknown mode"),
        ({"country": "XX"}, "country", "unknown country"),
        ({"status": "dreamt"}, "status", "unknown status"),
        ({"gauge_mm": np.nan}, "gauge_mm", "gauge"),
        ({"gauge_mm": 1000}, "gauge_mm", "gauge"),
        ({"capacity_unit": "bananas"}, "capacity_unit", "unknown capacity unit"),
        ({"length_km": 4000.0}, "length_km", "great-circle"),
    ],
)
def test_link_problems_name_file_line_field(tmp_path, changes, field, words):
    row = changes.get("row", 0)
    msg = _err(_links_with(tmp_path, **changes))
    assert "link.csv" in msg
    assert f"line {row + 2}" in msg
    assert f"field '{field}'" in msg
    assert words in msg


def test_duplicate_ids(tmp_path):
    nodes, links = toy_tables()
    links.loc[1, "link_id"] = links.loc[0, "link_id"]
    nodes.loc[2, "node_id"] = nodes.loc[1, "node_id"]
    msg = _err(write_toy(tmp_path / "dup", nodes, links))
    assert "duplicate link id" in msg and "line 3" in msg
    assert "duplicate node id" in msg and "node.csv" in msg


def test_not_a_number_names_the_value(tmp_path):
    folder = write_toy(tmp_path / "nan")
    text = (folder / "link.csv").read_text().splitlines()
    cols = text[0].split(",")
    cells = text[3].split(",")
    cells[cols.index("length_km")] = "12,5km".replace(",", ".")
    text[3] = ",".join(cells)
    (folder / "link.csv").write_text("\n".join(text) + "\n")
    msg = _err(folder)
    assert "line 4" in msg and "field 'length_km'" in msg and "not a number" in msg and "12.5km" in msg


def test_all_problems_reported_at_once(tmp_path):
    nodes, links = toy_tables()
    links.loc[0, "mode"] = "teleport"
    links.loc[4, "status"] = "imagined"
    nodes.loc[0, "y_coord"] = 123.0
    with pytest.raises(ValidationError) as e:
        read_gmns(write_toy(tmp_path / "many", nodes, links))
    assert len(e.value.problems) == 3


def test_missing_required_column(tmp_path):
    nodes, links = toy_tables()
    msg = _err(write_toy(tmp_path / "col", nodes, links.drop(columns=["mode"])))
    assert "missing required column(s): mode" in msg and "link.csv" in msg


def test_missing_file(tmp_path):
    (tmp_path / "empty").mkdir()
    assert "node.csv" in _err(tmp_path / "empty")


def test_mixed_layers_need_a_transfer(tmp_path):
    nodes, links = toy_tables()
    # connect the road layer straight to a rail node: Tabriz road -> Kars rail
    links.loc[3, "to_node_id"] = "kars_rail"
    msg = _err(write_toy(tmp_path / "layers", nodes, links))
    assert "several layers" in msg and "transfer link" in msg


def test_gauge_break_without_transfer_is_an_error(tmp_path):
    nodes, links = toy_tables()
    links.loc[links["link_id"] == "tbilisi_kars", "from_node_id"] = "tbilisi_1520"
    msg = _err(write_toy(tmp_path / "gauge", nodes, links))
    assert "rail/1435" in msg and "rail/1520" in msg


def test_unreachable_part_is_a_warning_or_strict_error(tmp_path):
    nodes, links = toy_tables()
    extra = nodes.iloc[[0]].assign(node_id="lonely", name="Lonely", place="lonely")
    folder = write_toy(tmp_path / "lonely", __import__("pandas").concat([nodes, extra]), links)
    with pytest.warns(NetworkWarning, match="lonely"):
        read_gmns(folder)
    with pytest.raises(ValidationError, match="lonely"):
        read_gmns(folder, strict=True)
