"""Pure units: identifiers, state machine, risk selection, corridor loading, settings."""

from __future__ import annotations

import random
import secrets
from collections import Counter
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from pydantic import ValidationError as PydanticError

from corridor._errors import ValidationError
from corridor.transit import codes
from corridor.transit.errors import Conflict
from corridor.transit.risk import DEFAULT_RULES, Facts, RuleSet, assess
from corridor.transit.route import FALLBACK, Direction, load_corridor
from corridor.transit.settings import DEV_AUDIT_KEY, Settings
from corridor.transit.states import TRANSITIONS, Act, State, next_state


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("CSQU3054383", None),
        ("csqu 305438-3", None),
        ("CSQU3054384", "expected 3"),
        ("CSQ3054383", "ISO 6346"),
    ],
)
def test_container_numbers(value, problem):
    got = codes.container_problem(value)
    assert got is None if problem is None else problem in got


def test_movement_reference_check_digit_catches_most_single_substitutions():
    """The NCTS/ISO 6346 scheme (mod 11, then mod 10) misses substitutions whose values differ by 11 (A/L, K/V)
    and collapses remainders 10 and 0; it still catches the great majority of single-character errors."""
    ref = codes.movement_reference(2026, "AM", 4711)
    assert len(ref) == 18 and ref.startswith("26AM000000004711J") and codes.mrn_problem(ref) is None
    tampered = [
        ref[:i] + c + ref[i + 1 :]
        for i in range(17)
        for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        if c != ref[i]
    ]
    caught = sum(codes.mrn_problem(t) is not None for t in tampered)
    assert caught / len(tampered) > 0.85
    assert "check digit is" in codes.mrn_problem(ref[:17] + str((int(ref[17]) + 1) % 10))


def test_hs_and_plates():
    assert codes.hs_problem("1001.99") is None and codes.hs_problem("0101210000") is None
    assert "chapter 00" in codes.hs_problem("000000") and "chapter 98" in codes.hs_problem("980000")
    assert codes.plate_problem("51 OT 123") is None and codes.plate_problem("10-AB-123") is None
    assert codes.plate_problem("51 ՕՏ 123") is not None  # Armenian look-alikes of O and T: confusable
    assert codes.plate_problem("A  B") is not None and codes.plate_problem("X") is not None


def test_every_act_outside_its_table_is_out_of_sequence():
    for act, table in TRANSITIONS.items():
        for state in State:
            if state in table:
                assert next_state(state, act) == table[state]
            else:
                with pytest.raises(Conflict) as e:
                    next_state(state, act)
                assert e.value.code == "OUT_OF_SEQUENCE"
    # cancel only before release
    assert not {State.RELEASED, State.ENTERED, State.EXITED} & set(TRANSITIONS[Act.CANCEL])


def _facts(**kw):
    base = dict(
        hs_codes=("100199",),
        total_mass_kg=20_000,
        total_value_usd=5_000,
        payload_kg=27_000,
        carrier_incidents=0,
    )
    return Facts(**{**base, **kw})


def test_rules_fire_and_name_themselves():
    rng = random.Random(0)
    no_random = RuleSet(version="t", rules=DEFAULT_RULES.rules)
    assert assess(_facts(), no_random, rng=rng, random_used_today={}).rule == "NONE"
    d = assess(_facts(total_mass_kg=30_000, hs_codes=("240220",)), no_random, rng=rng, random_used_today={})
    assert (d.channel, d.rule, d.hits) == ("red", "OVERLOAD", ("OVERLOAD", "HS-SENSITIVE"))
    assert assess(_facts(total_value_usd=100), no_random, rng=rng, random_used_today={}).rule == "LOW-VALUE"


def test_random_selection_rate_and_quota():
    rules = RuleSet(
        version="t",
        rules=(),
        random_rate={"red": 0.1, "yellow": 0.2},
        daily_quota={"red": 10_000, "yellow": 10_000},
    )
    rng = random.Random(42)
    n = 20_000
    counts = Counter(assess(_facts(), rules, rng=rng, random_used_today={}).channel for _ in range(n))
    assert abs(counts["red"] / n - 0.1) < 0.01 and abs(counts["yellow"] / n - 0.2) < 0.01
    full = assess(
        _facts(),
        rules.model_copy(update={"daily_quota": {"red": 3, "yellow": 3}}),
        rng=random.Random(1),
        random_used_today={"red": 3, "yellow": 3},
    )
    assert full.channel == "green"  # quotas used up: nothing more selected at random today
    a = [assess(_facts(), rules, rng=random.Random(5), random_used_today={}).channel for _ in range(3)]
    assert len(set(a)) == 1  # seeded: reproducible


def _write_net(tmp_path, *, drop_border=False):
    nodes = pd.DataFrame(
        [
            ("aghband_rail", "Aghband", "AZ"),
            ("nrnadzor_rail", "Nrnadzor", "AM"),
            ("meghri_rail", "Meghri", "AM"),
            ("agarak_rail", "Agarak", "AM"),
            ("ordubad_rail", "Ordubad", "AZ"),
        ],
        columns=["node_id", "name", "country"],
    )
    links = pd.DataFrame(
        [
            ("b1", "aghband_rail", "nrnadzor_rail", 2.0, 30, "true"),
            ("l1", "nrnadzor_rail", "meghri_rail", 16.0, 40, "false"),
            ("l2", "meghri_rail", "agarak_rail", 24.0, 60, "false"),
            ("b2", "agarak_rail", "ordubad_rail", 3.0, 30, "false" if drop_border else "true"),
        ],
        columns=["link_id", "from_node_id", "to_node_id", "length_km", "free_speed_kmh", "border"],
    )
    links["mode"] = "rail"
    links["length_source"] = "test"
    nodes.to_csv(tmp_path / "node.csv", index=False)
    links.to_csv(tmp_path / "link.csv", index=False)


def test_corridor_from_network_files(tmp_path):
    _write_net(tmp_path)
    with pytest.raises(ValidationError, match="no road border link"):
        load_corridor(tmp_path)  # rail present, road missing: the file is named, no silent fallback


def test_rail_segment_and_deadline(tmp_path):
    _write_net(tmp_path)
    links = pd.read_csv(tmp_path / "link.csv")
    road = links.assign(
        mode="road",
        link_id=links["link_id"] + "r",
        from_node_id=links["from_node_id"].str.replace("_rail", "_road"),
        to_node_id=links["to_node_id"].str.replace("_rail", "_road"),
    )
    pd.concat([links, road]).to_csv(tmp_path / "link.csv", index=False)
    nodes = pd.read_csv(tmp_path / "node.csv")
    pd.concat([nodes, nodes.assign(node_id=nodes["node_id"].str.replace("_rail", "_road"))]).to_csv(
        tmp_path / "node.csv", index=False
    )
    seg = load_corridor(tmp_path).segment("rail")
    assert (seg.east.code, seg.west.code) == ("nrnadzor_rail", "agarak_rail")
    assert seg.length_km == 40.0 and seg.speed_kmh == pytest.approx(40.0 / (16 / 40 + 24 / 60))
    assert seg.checkpoints(Direction.EASTBOUND) == (seg.west, seg.east)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    assert seg.deadline(t0, allowance_h=1.0) == t0 + timedelta(hours=0.8 + 1.0)


def test_fallback_only_when_files_are_absent(tmp_path):
    assert load_corridor(tmp_path / "missing") is FALLBACK
    assert all("fallback" in s.source for s in FALLBACK.segments.values())


def test_settings_refuse_the_development_key_elsewhere(monkeypatch):
    assert Settings().audit_key == DEV_AUDIT_KEY
    with pytest.raises(PydanticError, match="development key may not be used"):
        Settings(environment="production")
    monkeypatch.setenv("CORRIDOR_TRANSIT_ENVIRONMENT", "production")
    monkeypatch.setenv("CORRIDOR_TRANSIT_AUDIT_KEY", "a-real-secret-from-the-vault-Xq7#pL2v9ZmK")
    monkeypatch.setenv("CORRIDOR_TRANSIT_CSRF_KEY", "another-secret-for-forms-8HwR2kq%Yt5s")
    assert Settings().environment == "production"
    with pytest.raises(PydanticError):
        Settings(typo_setting=1)


def test_bundled_network_gives_the_tripp_checkpoints():
    corridor = load_corridor()
    for mode in ("rail", "road"):
        seg = corridor.segment(mode)
        assert (seg.east.code, seg.west.code) == (f"nrnadzor_{mode}", f"agarak_{mode}")
        assert 10 < seg.length_km < 60 and type(seg.length_km) is float  # Syunik strip, facts[4]-[9]


@pytest.mark.parametrize(
    "audit_key,csrf_key,message",
    [
        ("aaaaaaaaaaaaaaaa", "x" * 40, "audit_key has 16 characters"),  # the example
        ("a" * 40, secrets.token_urlsafe(32), "audit_key has ~0 bits"),
        ("abababababababababababababababab", secrets.token_urlsafe(32), "audit_key has ~32 bits"),
        (secrets.token_urlsafe(32), None, "csrf_key: production needs its own key"),
        ("same-" + "k3y" * 12, "same-" + "k3y" * 12, "must differ from audit_key"),
        (secrets.token_urlsafe(32), "0123456789abcdef", "csrf_key has 16 characters"),
    ],
)
def test_production_refuses_weak_or_shared_keys(audit_key, csrf_key, message):
    with pytest.raises(PydanticError, match=message):
        Settings(environment="production", audit_key=audit_key, csrf_key=csrf_key)


def test_production_accepts_random_keys_and_turns_the_api_docs_off():
    s = Settings(
        environment="production", audit_key=secrets.token_urlsafe(32), csrf_key=secrets.token_hex(32)
    )
    assert not s.docs_enabled and Settings().docs_enabled
    assert Settings(
        environment="production", audit_key=s.audit_key, csrf_key=s.csrf_key, api_docs=True
    ).docs_enabled
