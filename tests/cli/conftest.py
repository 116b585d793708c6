import pytest
import yaml

from factories import write_toy, write_toy_spec


@pytest.fixture
def toy_case(tmp_path):
    """A toy GMNS network and two scenario files for it."""
    net = write_toy(tmp_path / "toy")
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump({"name": "base", "description": "toy today",
                                    "od_pairs": [["baku", "nakhchivan"], ["baku", "kars"]]}))
    tripp = tmp_path / "tripp.yaml"
    tripp.write_text(yaml.safe_dump({
        "name": "withtripp", "description": "toy with the corridor",
        "open_links": [{"link": "baku_meghri", "reason": "test"}, "tripp_meghri_nakh"],
        "od_pairs": [["baku", "nakhchivan"], ["baku", "kars"]]}))
    return net, base, tripp


@pytest.fixture
def toy_spec(tmp_path):
    """A corridor spec for the toy network (its folder also holds the network and a demand table)."""
    return write_toy_spec(tmp_path / "spec")
