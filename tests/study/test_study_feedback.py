"""`run_study` with the simulation feedback of the spec: the project and do-minimum of the listed years are
assigned with the simulated delays (short runs here: a few days, one replication, two rounds)."""

from __future__ import annotations

import json

import pytest

from corridor._errors import ValidationError
from corridor.study import Figure, load_spec, read_spec, run_study, tables
from corridor.study.result import DelayFeedback


def _short(spec, **update):
    sim = spec.simulation.model_copy(update={"feedback": True, "days": Figure(value=20, source="test: short run"),
                                             "replications": Figure(value=1, source="test"),
                                             "max_rounds": Figure(value=2, source="test"), **update})
    return spec.model_copy(update={"simulation": sim})


@pytest.fixture(scope="module")
def fed_back():
    return run_study(_short(load_spec("tripp")))


def _crossing_h(net, link: str) -> float:
    row = net.links.set_index("link_id").loc[link]
    return float(row["length_km"]) / float(row["free_speed_kmh"])


def test_feedback_loops_run_for_the_listed_years_and_feed_the_assignment(fed_back):
    r = fed_back
    assert isinstance(r.delays, DelayFeedback)
    assert set(r.delays.runs) == {("tripp", 2030), ("do-minimum", 2030)}  # the spec's years: [2030]
    fb = r.delays.runs[("tripp", 2030)]
    assert r.assignment.get("tripp", 2030) is fb.assignment  # the study's flows are the loop's last round
    used = fb.delays()
    for link in ("alat_aktau_ferry", "alat_kuryk_ferry"):
        # the last round's fixed time: the service part of the delay (none at a ferry: its delay is waiting for
        # a sailing, carried by the calibrated queue wait instead of added on top of it)
        free = fb.assignment.links.set_index("link_id").loc[link, "free_flow_time_h"].iloc[0]
        assert free == pytest.approx(_crossing_h(r.network, link) + fb.fixed_h[link])
        if fb.n_rounds >= 2 and used[link] > 0:
            assert fb.fixed_h[link] == 0.0 and "wait_factor" in fb.queue_overrides[link]
    first = fb.rounds[fb.rounds["round"] == 1].set_index("link_id")
    assert first.at["alat_aktau_ferry", "assumed_h"] == 24.0  # round 1: the network's assumption
    if fb.n_rounds == 2:  # round 2 assigned with round 1's simulated delays
        assert used["alat_aktau_ferry"] == pytest.approx(first.at["alat_aktau_ferry", "simulated_h"])
        assert used["alat_aktau_ferry"] != 24.0
    # 2024 is not in the loop: its assignment keeps the network's assumptions
    a24 = r.assignment.get("tripp", 2024).links.set_index("link_id")
    assert a24.loc["alat_aktau_ferry", "free_flow_time_h"].iloc[0] == pytest.approx(
        _crossing_h(r.network, "alat_aktau_ferry") + 24.0)


def test_delay_table_headline_and_json(fed_back):
    r = fed_back
    t = tables.delays_table(r)
    assert set(t["scenario"]) == {"tripp", "do-minimum"} and (t["rounds"] >= 1).all()
    ferry = t[(t["scenario"] == "tripp") & (t["facility"] == "Alat–Aktau ferry")].iloc[0]
    assert ferry["assumed h"] == 24.0 and ferry["simulated h"] == ferry["simulated h"]  # observed: a number
    none = t[t["state"].str.startswith("no traffic")]
    assert none["simulated h"].isna().all()  # nothing reached them: no simulated figure, the assumption stays
    line = tables.delays_headline(r)
    for (sc, y), fb in r.delays.runs.items():
        assert (f"{sc} {y} converged in {fb.n_rounds} rounds" in line) == fb.converged
        assert (f"{sc} {y} NOT converged after {fb.n_rounds} rounds" in line) == (not fb.converged)
    d = json.loads(json.dumps(r.to_dict()["delays"], default=str))
    assert d["settings"]["years"] == [2030] and d["settings"]["max_rounds"] == 2
    assert {(x["scenario"], x["year"]) for x in d["runs"]} == {("tripp", 2030), ("do-minimum", 2030)}
    assert d["converged"] == all(x["converged"] for x in d["runs"])
    from corridor.run import report_html

    html = report_html(r)
    assert "Simulated delays in the assignment" in html and "Alat–Aktau ferry" in html
    assert ("<b>NOT converged</b>" in html) == (not r.delays.converged)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("years: [2030]", "years: [2031]", r"simulation.years \[2031\] have no demand table"),
    ("days: {value: 365,", "days: {value: 0,", "days must be a whole number >= 1"),
    ("tolerance_flow: {value: 0.05,", "tolerance_flow: {value: 1.5,", r"tolerance_flow must be in \[0, 1\)"),
])
def test_simulation_section_is_validated(tmp_path, old, new, message):
    spec = load_spec("tripp")
    raw = spec.path("tripp.yaml").read_text(encoding="utf-8")
    assert old in raw
    f = tmp_path / "tripp.yaml"
    f.write_text(raw.replace(old, new), encoding="utf-8")
    with pytest.raises(ValidationError, match=message) as e:
        read_spec(f)
    assert "simulation" in str(e.value)


def test_simulate_without_a_simulation_section_is_refused(tmp_path):
    from typer.testing import CliRunner

    from corridor.cli import app
    from factories import write_toy_spec

    with pytest.raises(ValidationError, match="no simulation section") as e:
        run_study(write_toy_spec(tmp_path), simulate=True)
    assert "simulate" in str(e.value)
    r = CliRunner().invoke(app, ["run", "--corridor", "kars-dilucu", "--simulate", "-o", str(tmp_path / "out")])
    assert r.exit_code != 0 and "--simulate" in r.output and "no simulation section" in r.output
    assert "Traceback" not in r.output


def test_report_simulation_section_is_the_loops_last_round(fed_back):
    from corridor.run import simulation_section

    r = fed_back
    fb = r.delays.runs[("tripp", 2030)]
    section, data = simulation_section(r)
    assert data["replications"] == fb.replications == 1 and data["days"] == fb.days == 20  # the loop's runs
    assert f"loop's last round (round {fb.n_rounds})" in data["flows"] and f"last round (round {fb.n_rounds})" in section.html
    # its delays are the last round's simulated ones (the study's flows rest on them)
    last = fb.converged_delays().set_index("link_id")
    shown = {d["link_id"]: d["delay_h"] for d in data["delays"]}
    assert shown["alat_aktau_ferry"] == pytest.approx(last.at["alat_aktau_ferry", "simulated_h"])
