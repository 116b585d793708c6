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
from corridor.transit.route import Direction, corridor_from_network, load_corridor
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


def _net(*, road: bool = False):
    """A strip of the controlled country between two border links (rail, and road with ``road``)."""
    from corridor.network import Network

    rows = [("aghband", "Aghband", "AZ", 46.57), ("nrnadzor", "Nrnadzor", "AM", 46.44),
            ("meghri", "Meghri", "AM", 46.25), ("agarak", "Agarak", "AM", 46.20), ("ordubad", "Ordubad", "AZ", 46.02)]
    modes = ("rail", "road") if road else ("rail",)
    nodes = pd.DataFrame([(f"{n}_{m}", name, n, "station", c, x, 38.9) for m in modes for n, name, c, x in rows],
                         columns=["node_id", "name", "place", "kind", "country", "x_coord", "y_coord"])
    nodes["source"] = "test"
    spans = [("b1", "aghband", "nrnadzor", 2.0, 30, True), ("l1", "nrnadzor", "meghri", 16.0, 40, False),
             ("l2", "meghri", "agarak", 24.0, 60, False), ("b2", "agarak", "ordubad", 3.0, 30, True)]
    links = pd.DataFrame([(f"{lid}{m}", f"{a}_{m}", f"{b}_{m}", m, km, v, "AM", border, "existing")
                          for m in modes for lid, a, b, km, v, border in spans],
                         columns=["link_id", "from_node_id", "to_node_id", "mode", "length_km", "free_speed_kmh",
                                  "country", "border", "status"])
    links["directed"] = False
    links["length_source"] = "test"
    return Network.from_tables(nodes, links, name="strip", validate=False)


ENDS = {"rail": ("nrnadzor_rail", "agarak_rail"), "road": ("nrnadzor_road", "agarak_road")}


def test_corridor_from_the_network_names_the_missing_mode():
    with pytest.raises(ValidationError, match=r"transit\.segments\.road"):
        corridor_from_network(_net(), ENDS, country="AM")  # rail present, road missing: no silent fallback
    with pytest.raises(ValidationError, match="not in network 'strip' or not in AM"):
        corridor_from_network(_net(road=True), {"rail": ("aghband_rail", "agarak_rail")}, country="AM")


def test_rail_segment_and_deadline():
    seg = corridor_from_network(_net(road=True), ENDS, country="AM").segment("rail")
    assert (seg.east.code, seg.west.code) == ("nrnadzor_rail", "agarak_rail") and seg.east.name == "Nrnadzor"
    assert seg.length_km == 40.0 and seg.speed_kmh == pytest.approx(40.0 / (16 / 40 + 24 / 60))
    assert seg.checkpoints(Direction.EASTBOUND) == (seg.west, seg.east)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    assert seg.deadline(t0, allowance_h=1.0) == t0 + timedelta(hours=0.8 + 1.0)


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


def test_second_corridor_without_transit_control_says_so():
    with pytest.raises(ValidationError, match="has no transit checkpoints"):
        load_corridor("kars-dilucu")


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
