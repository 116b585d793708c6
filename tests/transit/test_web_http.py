"""The web pages over HTTP without a browser (runs everywhere, on SQLite and PostgreSQL): cookies, form tokens,
redirect safety, error pages, replay of re-sent forms, bundled assets and the form-to-schema mapping."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from transit_factories import PASSWORD, train_body

from corridor.transit.models import AuditRow
from corridor.transit.schemas import DeclarationCreate
from corridor.transit.web._forms import declaration_payload, error_messages, parse_declaration
from corridor.transit.web.pages import safe_next

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def login(client, user: str, password: str = PASSWORD, next: str = ""):
    page = client.get("/web/login")
    token = TOKEN.search(page.text).group(1)
    form = {"username": user, "password": password, "csrf_token": token, "next": next}
    return client.post("/web/login", data=form, follow_redirects=False)


def csrf(client, path: str = "/web/declarations") -> str:
    return TOKEN.search(client.get(path).text).group(1)


def test_login_cookie_is_httponly_strict_and_pages_send_security_headers(client, people):
    r = login(client, "carrier")
    assert r.status_code == 303 and r.headers["location"] == "/web/declarations"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("corridor_session="))
    attrs = {a.strip().split("=")[0].lower() for a in cookie.split(";")}
    assert {"httponly", "path"} <= attrs and "samesite=strict" in cookie.lower() and "Path=/web" in cookie
    # as long as the token, on the service's clock (here a fixed test clock, months from the wall clock)
    assert "Max-Age=43200" in cookie
    page = client.get("/web/declarations")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["cache-control"] == "no-store"


def test_login_needs_its_nonce_cookie_and_token(client, people):
    r = client.post(
        "/web/login",
        data={"username": "carrier", "password": PASSWORD, "csrf_token": "x"},
        follow_redirects=False,
    )
    assert r.status_code == 403 and "needs cookies" in r.text
    client.get("/web/login")  # sets the nonce cookie, but the form token below is forged
    r = client.post(
        "/web/login",
        data={"username": "carrier", "password": PASSWORD, "csrf_token": "0" * 64},
        follow_redirects=False,
    )
    assert r.status_code == 403 and "did not come from this site" in r.text
    assert "corridor_session" not in client.cookies


def test_wrong_password_is_a_message_on_the_login_page(client, people):
    r = login(client, "carrier", "not the password")
    assert r.status_code == 401 and "unknown user or wrong password" in r.text
    assert TOKEN.search(r.text)  # a fresh form to try again


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/web/board", "/web/board"),
        ("//evil.example/web/", "/web/queue"),
        ("https://evil.example/", "/web/queue"),
        ("/web/\\evil", "/web/queue"),
        ("javascript:alert(1)", "/web/queue"),
    ],
)
def test_login_redirects_only_to_local_pages(client, people, target, lands):
    r = login(client, "officer", next=target)
    assert r.headers["location"] == lands


def test_safe_next():
    assert safe_next("/web/declarations/3", "/d") == "/web/declarations/3"
    assert safe_next("/api/v1/declarations", "/d") == "/d"
    assert safe_next(None, "/d") == "/d"


def test_errors_are_pages_with_their_status_never_a_trace(client, people, svc):
    assert (
        client.get("/web/queue", follow_redirects=False).headers["location"] == "/web/login?next=/web/queue"
    )
    login(client, "carrier")
    theirs = svc.submit(people.carrier2, DeclarationCreate.model_validate(train_body("THEIRS-1")))
    for path, status in (
        ("/web/no-such-page", 404),
        ("/web/declarations/abc", 404),
        ("/web/declarations/0", 404),
        (f"/web/declarations/{theirs.id}", 404),
        ("/web/queue", 403),
        ("/web/board", 403),
    ):
        r = client.get(path)
        assert r.status_code == status, path
        assert r.headers["content-type"].startswith("text/html") and 'id="problem"' in r.text
        assert "Traceback" not in r.text and "THEIRS-1" not in r.text


def test_a_resent_form_replays_instead_of_acting_twice(client, people, svc):
    d = svc.submit(people.carrier, DeclarationCreate.model_validate(train_body("RESEND-1")))
    login(client, "officer")
    form = {"csrf_token": csrf(client), "form_id": "once-123", "next": f"/web/declarations/{d.id}"}
    for _ in range(2):
        r = client.post(f"/web/declarations/{d.id}/accept", data=form)
        assert r.status_code == 200 and "RESEND-1 (id" in r.text and "accepted" in r.text
        assert "OUT_OF_SEQUENCE" not in r.text
    with svc.sessions() as s:
        n = s.execute(
            select(func.count()).where(AuditRow.act == "accept", AuditRow.entity_id == str(d.id))
        ).scalar_one()
    assert n == 1
    # without a form id the second accept is out of sequence, shown as a message
    r = client.post(f"/web/declarations/{d.id}/accept", data={"csrf_token": form["csrf_token"]})
    assert r.status_code == 200 and "OUT_OF_SEQUENCE" in r.text


def test_board_json_needs_a_session_and_a_role_that_may_see_it(client, people, svc):
    assert client.get("/web/board.json").status_code == 401
    login(client, "carrier")
    assert client.get("/web/board.json").status_code == 403
    client.cookies.clear()
    login(client, "operator")
    data = client.get("/web/board.json").json()
    assert data["in_transit"] == svc.board(people.operator).in_transit and set(data["by_channel"]) == {
        "green",
        "yellow",
        "red",
    }


def test_assets_are_bundled_and_nothing_is_loaded_from_elsewhere(client):
    js = client.get("/web/static/board.js")
    css = client.get("/web/static/style.css")
    assert js.status_code == css.status_code == 200 and "fetch(" in js.text and ".tile" in css.text
    web = resources.files("corridor.transit.web")
    texts = [f.read_text() for d in ("templates", "static") for f in (web / d).iterdir() if f.is_file()]
    external = [
        m for t in texts for m in re.findall(r"(?:src|href)=\"(?:https?:)?//[^\"]+\"|@import|url\(", t)
    ]
    assert external == [] and len(texts) >= 10


def _form(**over) -> dict[str, str]:
    form = {
        "reference": "F-1",
        "direction": "westbound",
        "kind": "truck",
        "vehicles": "51 OT 123, 52 SS 456",
        "c0_hs_code": "0810.10",
        "c0_description": "strawberries",
        "c0_mass": "12000",
        "c0_value": "30000",
        "seals": "S1\nS2",
        "guarantee_reference": "GRN1",
        "guarantee_amount_usd": "9000",
    }
    return form | over


def test_form_maps_to_the_api_schema():
    d = parse_declaration(_form(c2_hs_code="", c2_description=""))  # blank rows are ignored
    assert d.transport.plates == ["51 OT 123", "52 SS 456"] and d.seals == ["S1", "S2"] and d.seal_count == 2
    assert [c.hs_code for c in d.consignments] == ["081010"] and d.guarantee.amount_usd == 9000
    payload = declaration_payload(_form(kind="train", vehicles="x\ny", seal_count="3"))
    assert payload["transport"] == {"kind": "train", "wagons": ["x", "y"]} and payload["seal_count"] == "3"


def test_form_errors_name_the_fields():
    with pytest.raises(ValidationError) as e:
        parse_declaration(
            _form(c1_hs_code="12", c1_description="x", c1_mass="1", c1_value="-1", seal_count="5")
        )
    msgs = error_messages(e.value)
    assert any(m.startswith("Consignments › row 2 › HS code:") for m in msgs)
    assert any(m.startswith("Consignments › row 2 › Value (USD):") for m in msgs)
    with pytest.raises(ValidationError) as e:
        parse_declaration(_form(guarantee_reference="bad ref"))
    assert error_messages(e.value)[0].startswith("Guarantee reference:")
    with pytest.raises(ValidationError) as e:
        parse_declaration(_form(seal_count="5"))
    assert "seal_count is 5 but 2 seal(s) are listed" in error_messages(e.value)[0]


def test_logout_revokes_the_token_not_just_the_cookie(client, people):
    login(client, "carrier")
    token = client.cookies.get("corridor_session")
    assert token and client.get("/web/declarations").status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    r = client.post("/web/logout", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/web/login")
    # the old token no longer authenticates anywhere, even if someone kept a copy of the cookie
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
    client.cookies.set("corridor_session", token, path="/web")
    assert client.get("/web/declarations", follow_redirects=False).status_code in (303, 401)
