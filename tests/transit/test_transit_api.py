"""HTTP behaviour: problem details, idempotency, validation of bad input (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from transit_factories import bearer, changed, container, train_body, truck_body, wagon

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "field"}


def _problem(r, status: int, code: str, field: str | None = "*") -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body.keys() >= PROBLEM_KEYS and body["status"] == status and body["code"] == code, body
    if field != "*":
        assert body["field"] == field, body
    return body


def test_login_and_bad_credentials(client, people):
    r = client.post("/api/v1/auth/token", json={"username": "officer", "password": "correct horse battery"})
    assert r.status_code == 200 and r.json()["token_type"] == "bearer"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
    assert (me["role"], me["country"], me["agency"]) == ("officer", "AM", "customs")
    _problem(
        client.post("/api/v1/auth/token", json={"username": "officer", "password": "nope"}),
        401,
        "BAD_CREDENTIALS",
    )
    _problem(client.get("/api/v1/me", headers={"Authorization": "Bearer forged"}), 401, "BAD_TOKEN")
    assert client.get("/api/v1/me").headers["www-authenticate"] == "Bearer"


def test_expired_token_is_refused(client, people, clock):
    clock.advance(hours=13)
    _problem(client.get("/api/v1/me", headers=bearer(people, "officer")), 401, "BAD_TOKEN")


def test_idempotent_submit_returns_the_original_and_refuses_a_changed_body(client, people):
    h = {**bearer(people, "carrier"), "Idempotency-Key": "k-001"}
    first = client.post("/api/v1/declarations", json=train_body("IDEM"), headers=h)
    again = client.post("/api/v1/declarations", json=train_body("IDEM"), headers=h)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    _problem(
        client.post("/api/v1/declarations", json=train_body("OTHER"), headers=h),
        422,
        "IDEMPOTENCY_KEY_REUSED",
        "Idempotency-Key",
    )
    assert client.get("/api/v1/declarations", headers=bearer(people, "carrier")).json()["total"] == 1
    # without a key a retry is a new submission, caught by the business key (reference unique per carrier)
    _problem(
        client.post("/api/v1/declarations", json=train_body("IDEM"), headers=bearer(people, "carrier")),
        409,
        "DUPLICATE_REFERENCE",
        "reference",
    )


def test_submit_answers_the_same_on_its_short_path_and_on_fastapis(client, people):
    """`SubmitRoute` serves plain JSON bodies itself and hands everything else to FastAPI's handler of the same
    route: a retry that takes the other path still replays (same request digest), and an error found after
    the short path started (a bad key, an invalid body, a bad token) is answered as FastAPI answers it."""
    import json

    from corridor.transit.api import SubmitRoute, router

    posts = [r for r in router.routes if r.path == "/api/v1/declarations" and "POST" in r.methods]
    assert len(posts) == 1 and isinstance(posts[0], SubmitRoute)
    raw = json.dumps(train_body("PATHS")).encode()
    h = {**bearer(people, "carrier"), "Idempotency-Key": "paths-1"}
    fast = client.post("/api/v1/declarations", content=raw, headers={**h, "Content-Type": "application/json"})
    # a +json media type goes through FastAPI's own body parsing and dependencies
    slow = client.post(
        "/api/v1/declarations", content=raw, headers={**h, "Content-Type": "application/x+json"}
    )
    assert fast.status_code == slow.status_code == 201 and fast.json() == slow.json()
    assert fast.json()["reference"] == "PATHS" and fast.json()["state"] == "submitted"
    ctype = {"Content-Type": "application/json; charset=utf-8"}
    _problem(
        client.post("/api/v1/declarations", content=raw, headers={**h, **ctype, "Idempotency-Key": " "}),
        422,
        "VALIDATION",
        "header:Idempotency-Key",
    )
    bad = changed(train_body("PATHS-2"), seal_count=7)
    _problem(
        client.post(
            "/api/v1/declarations", content=json.dumps(bad), headers={**bearer(people, "carrier"), **ctype}
        ),
        422,
        "VALIDATION",
    )
    _problem(
        client.post("/api/v1/declarations", content=raw, headers={"Authorization": "Bearer forged", **ctype}),
        401,
        "BAD_TOKEN",
    )
    _problem(client.post("/api/v1/declarations", content=b"{", headers={**h, **ctype}), 422, "VALIDATION")
    # text the bytes cannot vouch for (an escape) is still walked: a NUL is refused with its place
    nul = raw.replace(b'"PATHS"', b'"PATHS-3"').replace(b'"wheat"', b'"wh\\u0000eat"')
    body = _problem(
        client.post("/api/v1/declarations", content=nul, headers={**bearer(people, "carrier"), **ctype}),
        422,
        "VALIDATION",
    )
    assert "NUL" in body["detail"] and "consignments/0/description" in body["detail"], body


def test_idempotent_act_replays_instead_of_409(client, people):
    did = client.post("/api/v1/declarations", json=train_body(), headers=bearer(people, "carrier")).json()[
        "id"
    ]
    h = {**bearer(people, "officer"), "Idempotency-Key": "accept-1"}
    a = client.post(f"/api/v1/declarations/{did}/accept", headers=h)
    b = client.post(f"/api/v1/declarations/{did}/accept", headers=h)
    assert a.status_code == b.status_code == 200 and a.json()["mrn"] == b.json()["mrn"]
    _problem(
        client.post(f"/api/v1/declarations/{did}/accept", headers=bearer(people, "officer")),
        409,
        "OUT_OF_SEQUENCE",
        "state",
    )
    # keys are per user: the same key from another user is a different request
    r = client.post(
        f"/api/v1/declarations/{did}/cancel",
        headers={**bearer(people, "carrier"), "Idempotency-Key": "accept-1"},
    )
    assert r.status_code == 200 and r.json()["state"] == "cancelled"


@pytest.mark.parametrize(
    ("mutation", "field_part", "message"),
    [
        (
            {"containers.0": "CSQU3054384", "consignments.0.container": "CSQU3054384"},
            "/containers/0",
            "check digit is 4, expected 3",
        ),
        ({"transport.wagons.0": "21812471217" + "4"}, "/transport/train/wagons/0", "UIC check digit is 4"),
        ({"consignments.0.hs_code": "770100"}, "/consignments/0/hs_code", "chapter 77"),
        ({"consignments.0.hs_code": "12AB56"}, "/consignments/0/hs_code", "6, 8 or 10 digits"),
        ({"consignments.0.gross_mass_kg": -5}, "/consignments/0/gross_mass_kg", "greater than or equal to 1"),
        ({"consignments.0.value_usd": 0}, "/consignments/0/value_usd", "greater than or equal to 0.01"),
        ({"seals": ["A1", "A1"]}, "body", "repeated: A1"),
        ({"seal_count": 3}, "body", "seal_count is 3 but 2"),
        ({"consignments.0.gross_mass_kg": 200_000}, "body", "implausible"),
        ({"consignments.0.container": container(999)}, "body", "undeclared container"),
        ({"smuggled": True}, "/smuggled", "Extra inputs are not permitted"),
        ({"transport.colour": "red"}, "/transport/train/colour", "Extra inputs"),
        ({"direction": "northbound"}, "/direction", "westbound"),
        ({"reference": "bad ref with spaces"}, "/reference", "Latin letters"),
    ],
)
def test_bad_declarations_get_422_naming_the_field(client, people, mutation, field_part, message):
    body = changed(train_body(), **mutation)
    r = client.post("/api/v1/declarations", json=body, headers=bearer(people, "carrier"))
    p = _problem(r, 422, "VALIDATION")
    assert p["field"] == field_part and message in p["detail"], p


def test_latin_plates_are_canonicalised_and_bad_plates_refused(client, people):
    r = client.post(
        "/api/v1/declarations",
        json=truck_body(plates=("51 ot 123", "１０-AB-123")),  # lower case and full-width digits fold
        headers=bearer(people, "carrier"),
    )
    assert r.status_code == 201 and r.json()["body"]["transport"]["plates"] == ["51 OT 123", "10-AB-123"]
    p = _problem(
        client.post(
            "/api/v1/declarations", json=truck_body("T2", plates=("!!",)), headers=bearer(people, "carrier")
        ),
        422,
        "VALIDATION",
    )
    assert p["field"] == "/transport/truck/plates/0"


def test_nul_bytes_and_huge_ids_are_422_or_404_not_500(client, people):
    _problem(
        client.post(
            "/api/v1/declarations",
            json=changed(train_body(), **{"reference": "A\x00B"}),
            headers=bearer(people, "carrier"),
        ),
        422,
        "VALIDATION",
    )
    _problem(
        client.get("/api/v1/declarations/99999999999", headers=bearer(people, "officer")),
        422,
        "VALIDATION",
        "path:declaration_id",
    )
    _problem(client.get("/api/v1/declarations/424242", headers=bearer(people, "officer")), 404, "NOT_FOUND")
    _problem(client.get("/api/v1/nowhere"), 404, "NOT_FOUND")
    _problem(
        client.post(
            "/api/v1/declarations",
            content=b"{not json",
            headers={**bearer(people, "carrier"), "content-type": "application/json"},
        ),
        422,
        "VALIDATION",
    )


def test_pagination_and_filters_over_http(client, people):
    for i in range(3):
        client.post("/api/v1/declarations", json=train_body(f"PG-{i}"), headers=bearer(people, "carrier"))
    r = client.get("/api/v1/declarations?limit=2&offset=0&state=submitted", headers=bearer(people, "officer"))
    page = r.json()
    assert (page["total"], page["limit"], len(page["items"])) == (3, 2, 2)
    _problem(
        client.get("/api/v1/declarations?limit=0", headers=bearer(people, "officer")),
        422,
        "VALIDATION",
        "query:limit",
    )
    _problem(
        client.get("/api/v1/declarations?state=lost", headers=bearer(people, "officer")),
        422,
        "VALIDATION",
        "query:state",
    )


def test_openapi_documents_problem_responses_and_idempotency_header(client):
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/api/v1/declarations"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in op["parameters"])
    assert {"401", "403", "404", "409", "422"} <= set(op["responses"])


def test_wagon_factory_matches_the_anchor_examples():
    # the anchors' worked examples: 21 81 2471217-3 and 21 80 1559084-5 (Luhn), ISO 6346 CSQU305438 -> 3
    from corridor.transit.codes import container_problem, wagon_problem

    assert wagon_problem("21 81 2471217-3") is None and wagon_problem("21 80 1559084-5") is None
    assert container_problem("CSQU3054383") is None
    assert wagon_problem(wagon(5)) is None and container_problem(container(5)) is None


def test_logout_revokes_the_token_at_once(client, people, svc):
    token = svc.login("officer", "correct horse battery").access_token
    h = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=h).status_code == 200  # the principal is now cached
    assert client.post("/api/v1/auth/logout", headers=h).status_code == 204
    _problem(client.get("/api/v1/me", headers=h), 401, "BAD_TOKEN")
    _problem(client.post("/api/v1/auth/logout", headers=h), 401, "BAD_TOKEN")
    _problem(client.post("/api/v1/auth/logout"), 401, "BAD_TOKEN")
    assert (
        client.get("/api/v1/me", headers=bearer(people, "officer")).status_code == 200
    )  # other sessions stay


def test_deactivation_refuses_cached_tokens_and_is_audited(client, people, svc):
    h = bearer(people, "carrier")
    assert client.get("/api/v1/me", headers=h).status_code == 200
    svc.set_active("carrier", False, actor="test")
    _problem(client.get("/api/v1/me", headers=h), 401, "BAD_TOKEN")
    _problem(
        client.post("/api/v1/auth/token", json={"username": "carrier", "password": "correct horse battery"}),
        401,
        "BAD_CREDENTIALS",
    )
    svc.set_active("carrier", True, actor="test")
    _problem(client.get("/api/v1/me", headers=h), 401, "BAD_TOKEN")  # deactivation revoked the old tokens
    auditor = svc.authenticate(people.tokens["auditor"])
    acts = [r.act for r in svc.audit_rows(auditor, entity_id="carrier").items]
    assert acts[-3:] == ["user_deactivate", "login_failed", "user_activate"] and svc.verify_audit().ok


def test_replay_of_an_act_that_could_succeed_twice_writes_nothing_new(client, people, svc):
    """Setting a slot twice would succeed: the key's unique index must roll the second run back whole."""
    h = {**bearer(people, "operator"), "Idempotency-Key": "slot-1"}
    body = {"day": "2026-03-03", "direction": "eastbound", "mode": "road", "capacity": 5, "fee_usd": 10}
    auditor = svc.authenticate(people.tokens["auditor"])
    first = client.post("/api/v1/slots", json=body, headers=h)
    rows = svc.audit_rows(auditor).total
    again = client.post("/api/v1/slots", json=body, headers=h)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert svc.audit_rows(auditor).total == rows  # no second audit row: the replay's transaction rolled back
    _problem(
        client.post("/api/v1/slots", json={**body, "capacity": 9}, headers=h),
        422,
        "IDEMPOTENCY_KEY_REUSED",
        "Idempotency-Key",
    )
    assert client.get("/api/v1/slots", headers=bearer(people, "operator")).json()["items"][0]["capacity"] == 5
    assert svc.verify_audit().ok


def test_validation_messages_are_words_not_patterns(client, people):
    body = changed(train_body(), **{"guarantee.reference": "GRN-NEW-1"})
    p = _problem(
        client.post("/api/v1/declarations", json=body, headers=bearer(people, "carrier")), 422, "VALIDATION"
    )
    assert p["detail"] == (
        "/guarantee/reference: use capital letters A-Z and digits only, as on the guarantee certificate "
        "(e.g. GRN0001); 'GRN-NEW-1' has '-' (did you mean GRNNEW1?)"
    )
    assert p["errors"][0]["message"].startswith("use capital letters")  # no "Value error, " prefix
