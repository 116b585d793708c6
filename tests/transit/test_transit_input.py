"""Canonical input (issue 13, finding 'poison declaration' and the low findings on identifiers and amounts).

Before: plates were normalised with ``upper()`` after the check, so ``ǰ`` was stored as ``J`` + combining caron
and ``ß`` x 12 as 24 characters; every read re-validated the body and answered 500 for every officer's list."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert
from transit_factories import bearer, changed, train_body, truck_body

from corridor.transit import codes
from corridor.transit.models import Declaration


@pytest.mark.parametrize("raw", ["ǰ", "ß", "ﬁ", "Ⅻ", "ǅ", "ŉ", "ΐ", "ﷺ", "ᾈ", "１２ab"])
def test_canonical_form_is_idempotent(raw):
    once = codes.canonical(raw)
    assert codes.canonical(once) == once


@pytest.mark.parametrize(
    "plates",
    [("ǰǰ 12",), ("ßßßßßßßßßßßß",), ("АВ 123",), ("51 ՕՏ 123",), ("12 ΑΒ 34",)],
    ids=["j-caron", "sharp-s-x12", "cyrillic", "armenian", "greek"],
)
def test_plates_that_do_not_canonicalise_to_latin_are_422_at_submission(client, people, plates):
    r = client.post("/api/v1/declarations", json=truck_body(plates=plates), headers=bearer(people, "carrier"))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "/transport/truck/plates/0"


@pytest.mark.parametrize("hs", ["١٠٠١٩٩", "१००१९९", "100١99"])
def test_hs_codes_in_non_ascii_digits_are_422(client, people, hs):
    body = changed(train_body(), **{"consignments.0.hs_code": hs})
    r = client.post("/api/v1/declarations", json=body, headers=bearer(people, "carrier"))
    assert r.status_code == 422 and r.json()["field"] == "/consignments/0/hs_code", r.text


def test_full_width_hs_digits_fold_to_ascii(client, people):
    body = changed(train_body(), **{"consignments.0.hs_code": "１００１．９９"})
    r = client.post("/api/v1/declarations", json=body, headers=bearer(people, "carrier"))
    assert r.status_code == 201 and r.json()["body"]["consignments"][0]["hs_code"] == "100199"


@pytest.mark.parametrize(
    "path,value",
    [
        ("consignments.0.gross_mass_kg", 5e-324),
        ("consignments.0.gross_mass_kg", 0.5),
        ("consignments.0.value_usd", 5e-324),
        ("guarantee.amount_usd", 1e-9),
    ],
)
def test_absurdly_small_masses_and_amounts_are_422(client, people, path, value):
    r = client.post(
        "/api/v1/declarations", json=changed(train_body(), **{path: value}), headers=bearer(people, "carrier")
    )
    assert r.status_code == 422 and r.json()["field"] == "/" + path.replace(".", "/"), r.text


def _store_raw(svc, body: dict, ref: str) -> int:
    """A declaration as an older version stored it (not canonical), written past the service."""
    now = svc.clock()
    with svc.sessions.begin() as s:
        return s.execute(
            insert(Declaration).values(
                carrier="ADYEXP",
                reference=ref,
                state="submitted",
                direction="westbound",
                mode="road",
                entry_checkpoint="x",
                exit_checkpoint="y",
                route_km=1.0,
                total_mass_kg=1.0,
                total_value_usd=1.0,
                guarantee_reference="G",
                guarantee_usd=1.0,
                guarantee_released=False,
                submitted_at=now,
                updated_at=now,
                body=body,
            )
        ).inserted_primary_key[0]


def test_a_stored_poison_body_never_makes_reads_fail(client, svc, people):
    poison = truck_body("OLD-1", plates=("x",))
    poison["transport"]["plates"] = ["J\u030c" * 2, "SS" * 12]  # what upper() used to store
    new_id = _store_raw(svc, poison, "OLD-1")
    for who, url in (
        ("officer", "/api/v1/declarations"),
        ("officer", f"/api/v1/declarations/{new_id}"),
        ("carrier", "/api/v1/declarations"),
        ("auditor", f"/api/v1/declarations/{new_id}"),
    ):
        r = client.get(url, headers=bearer(people, who))
        assert r.status_code == 200, (who, url, r.text)
    r = client.post(f"/api/v1/declarations/{new_id}/accept", headers=bearer(people, "officer"))
    assert r.status_code == 200 and r.json()["body"]["transport"]["plates"][0] == "J\u030c" * 2


_ANY = st.text(st.characters(codec="utf-8"), min_size=0, max_size=24)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plate=_ANY, hs=_ANY, wagon_text=_ANY)
def test_any_text_is_422_or_stored_as_every_read_returns_it(client, people, plate, hs, wagon_text):
    """Property: for any Unicode text in an identifier, submission answers 422 or stores a body that the
    carrier's and the officer's reads return unchanged (and that passes submission again, unchanged)."""
    ref = f"P{abs(hash((plate, hs, wagon_text))) % 10**12}"
    carrier, officer = bearer(people, "carrier"), bearer(people, "officer")
    for body in (
        changed(truck_body(ref + "T"), **{"transport.plates.0": plate, "consignments.0.hs_code": hs}),
        changed(train_body(ref + "W"), **{"transport.wagons.0": wagon_text}),
    ):
        r = client.post("/api/v1/declarations", json=body, headers=carrier)
        if r.status_code == 409:  # the same example drawn twice
            continue
        assert r.status_code in (201, 422), r.text
        if r.status_code == 422:
            continue
        stored = r.json()
        for h in (carrier, officer):
            got = client.get(f"/api/v1/declarations/{stored['id']}", headers=h)
            assert got.status_code == 200 and got.json()["body"] == stored["body"]
        lst = client.get("/api/v1/declarations", params={"limit": 1}, headers=officer)
        assert lst.status_code == 200
        again = changed(stored["body"], reference=ref + "R")
        from corridor.transit.schemas import DeclarationCreate

        assert DeclarationCreate.model_validate(again).model_dump(mode="json") == again
        json.dumps(stored)
