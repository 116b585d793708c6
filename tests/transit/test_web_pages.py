"""The web pages in real headless Chromium (Playwright) against a live uvicorn server on a tmp SQLite database.

Each role does its job through the pages; the service (same database) is the independent witness of what the
pages did. Setup that is not under test (users, capacity, earlier acts) goes straight through the service.
"""

from __future__ import annotations

import random
import re
import socket
import threading
import time
from datetime import date, timedelta

import pytest
import uvicorn
from transit_factories import container, train_body, truck_body

from corridor.transit.api import create_app
from corridor.transit.schemas import CheckpointEvent, DeclarationCreate, SlotSet
from corridor.transit.service import TransitService
from corridor.transit.settings import Settings

pytestmark = pytest.mark.browser

PASSWORD = "pages-test-password"
USERS = {
    # username: (role, country, agency, scope)
    "ady": ("carrier", "AZ", "ADY Express", "ADYEXP"),
    "anat": ("carrier", "TR", "Anatolia Lojistik", "ANATLJ"),
    "officer": ("officer", "AM", "customs", None),
    "cp-in": ("checkpoint", "AM", "border", "nrnadzor_rail"),
    "cp-out": ("checkpoint", "AM", "border", "agarak_rail"),
    "operator": ("operator", "AM", "TRIPP Development Company", None),
}


class Live:
    def __init__(self, base: str, service: TransitService):
        self.base, self.service = base, service
        self.who = {u: service.authenticate(service.login(u, PASSWORD).access_token) for u in USERS}

    def url(self, path: str) -> str:
        return self.base + path

    def submit(self, user: str, body: dict):
        return self.service.submit(self.who[user], DeclarationCreate.model_validate(body))

    def released_train(self, ref: str):
        d = self.submit("ady", train_body(ref))
        for act in ("accept", "assess", "release"):
            d = getattr(self.service, act)(self.who["officer"], d.id)
        return d


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    db = tmp_path_factory.mktemp("web") / "transit.db"
    settings = Settings(
        database_url=f"sqlite:///{db}", environment="test", audit_key="web-test-audit-key-0001"
    )
    service = TransitService.from_settings(settings, rng=random.Random(7))
    for name, (role, country, agency, scope) in USERS.items():
        service.add_user(name, PASSWORD, role, country=country, agency=agency, scope=scope, actor="test")
    app = create_app(service=service)
    app.state.web_board_refresh_s = 1.0  # the board polls every second here (5 s by default)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", ws="none", http="h11", lifespan="off", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield Live(f"http://127.0.0.1:{port}", service)
    server.should_exit = True
    thread.join(10)
    sock.close()
    service.sessions.kw["bind"].dispose()


def login(page, live: Live, user: str) -> None:
    page.goto(live.url("/web/login"))
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")
    page.wait_for_selector("#whoami")
    assert page.locator("#whoami").inner_text().startswith(user)


def flash(page) -> str:
    return page.locator("#flash").inner_text()


def test_carrier_submits_a_declaration_sees_it_listed_and_books_a_slot(page, live):
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    login(page, live, "ady")
    assert page.url.endswith("/web/declarations")
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["corridor_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict" and session["path"] == "/web"
    assert page.evaluate("document.cookie") == ""  # the token is out of reach of scripts

    page.click("text=New declaration >> nth=-1")
    box = container(4242)
    page.fill("input[name=reference]", "WEB-0001")
    page.select_option("select[name=direction]", "eastbound")
    page.select_option("select[name=kind]", "truck")
    page.fill("textarea[name=vehicles]", "51 OT 123\n52 SS 456")
    page.fill("textarea[name=containers]", box)
    page.fill("input[name=c0_hs_code]", "0810.10")
    page.fill("input[name=c0_description]", "strawberries")
    page.fill("input[name=c0_mass]", "12000")
    page.fill("input[name=c0_value]", "30000")
    page.fill("input[name=c0_container]", box)
    page.fill("textarea[name=seals]", "AMT0001")
    page.fill("input[name=guarantee_reference]", "GRN7001")
    page.fill("input[name=guarantee_amount_usd]", "9000")
    page.click("#declare button[type=submit]")
    assert "Declaration WEB-0001" in flash(page) and "submitted" in flash(page)
    assert page.locator("#state").inner_text().strip() == "submitted"
    assert "enter at Agarak road checkpoint" in page.locator("#summary").inner_text()

    mine = live.service.list(live.who["ady"], carrier=None).items
    stored = next(d for d in mine if d.reference == "WEB-0001")
    assert stored.body.consignments[0].hs_code == "081010" and stored.body.containers == [box]
    assert stored.body.transport.plates == ["51 OT 123", "52 SS 456"]
    assert stored.total_value_usd == 30000 and stored.guarantee_usd == 9000

    # capacity offered by the front office; the carrier books it on the page
    day = date.today() + timedelta(days=1)
    live.service.set_slot(
        live.who["operator"], SlotSet(day=day, direction="eastbound", mode="road", capacity=3, fee_usd=120)
    )
    page.fill("#slot input[name=day]", day.isoformat())
    page.click("#slot button")
    assert "booked on a slot" in flash(page)
    assert live.service.get(live.who["ady"], stored.id).slot_day == day

    page.click("text=My declarations")
    row = page.locator(f"#declarations tr[data-id='{stored.id}']")
    assert row.count() == 1 and "WEB-0001" in row.inner_text() and "submitted" in row.inner_text()
    assert all(u.startswith(live.base) for u in urls)  # nothing from a CDN or any other origin


def test_declaration_form_shows_field_errors_and_keeps_the_input(page, live):
    login(page, live, "ady")
    page.goto(live.url("/web/declarations/new"))
    page.fill("input[name=reference]", "WEB-BAD")
    page.select_option("select[name=kind]", "train")
    page.fill("textarea[name=vehicles]", "31571234567")  # wrong UIC check digit
    page.fill("input[name=c0_hs_code]", "12")  # too short for an HS code
    page.fill("input[name=c0_description]", "wheat")
    page.fill("input[name=c0_mass]", "-5")
    page.fill("input[name=c0_value]", "100")
    page.fill("textarea[name=seals]", "S1\nS1")
    page.fill("input[name=guarantee_reference]", "GRN1")
    page.fill("input[name=guarantee_amount_usd]", "50")
    page.click("#declare button[type=submit]")
    errors = page.locator("#errors").inner_text()
    assert "Wagon numbers" in errors and "HS code" in errors and "Gross mass (kg)" in errors
    assert "Traceback" not in page.content()
    assert page.input_value("input[name=reference]") == "WEB-BAD"  # the user's input survives
    assert not [d for d in live.service.list(live.who["ady"]).items if d.reference == "WEB-BAD"]


def test_officer_decides_from_the_queue_by_channel(page, live):
    green = live.submit("ady", train_body("Q-GREEN"))
    red = live.submit("anat", train_body("Q-RED", hs="930190"))  # arms: rule HS-ARMS sends it to red
    login(page, live, "officer")
    assert page.url.endswith("/web/queue")
    for d in (green, red):
        page.click(f"#queue-submitted tr[data-id='{d.id}'] button[data-act=accept]")
        assert "accepted" in flash(page)
        page.click(f"#queue-accepted tr[data-id='{d.id}'] button[data-act=assess]")
        assert "risk-assessed" in flash(page)
    chan = {d.id: live.service.get(live.who["officer"], d.id).channel for d in (green, red)}
    assert chan[red.id] == "red"
    # each sits in the lane of its channel; red offers no release
    assert page.locator(f"#queue-{chan[green.id]} tr[data-id='{green.id}']").count() == 1
    red_row = page.locator(f"#queue-red tr[data-id='{red.id}']")
    assert red_row.count() == 1 and red_row.locator("button[data-act=release]").count() == 0

    if chan[green.id] != "red":
        page.click(f"#queue-{chan[green.id]} tr[data-id='{green.id}'] button[data-act=release]")
        assert "released for transit" in flash(page)
    red_row.locator("button[data-act=hold]").click()
    assert "held for inspection" in flash(page)
    page.click(f"#queue-held tr[data-id='{red.id}'] a >> nth=0")
    page.select_option("#inspection select[name=outcome]", "pass")
    page.fill("#inspection textarea[name=findings]", "sporting rifles, licence checked")
    page.click("#inspection button")
    assert "inspected" in flash(page)
    assert page.locator("#state").inner_text().strip() == "released"
    assert "sporting rifles" in page.locator("#inspections").inner_text()
    got = live.service.get(live.who["officer"], red.id)
    assert got.state == "released" and got.inspections[0].officer == "officer"

    # an out-of-sequence act is a message on the page, not a crash
    page.goto(live.url(f"/web/declarations/{red.id}"))
    csrf = page.locator("input[name=csrf_token]").first.input_value()
    r = page.request.post(live.url(f"/web/declarations/{red.id}/accept"), form={"csrf_token": csrf})
    assert r.ok and "cannot accept a declaration that is released" in r.text()


def test_checkpoint_staff_record_entry_and_exit(page, live):
    d = live.released_train("CP-1")
    login(page, live, "cp-in")
    assert page.url.endswith("/web/checkpoint")
    row = page.locator(f"#arriving tr[data-id='{d.id}']")
    assert row.count() == 1 and d.mrn in row.inner_text()
    row.locator("input[name=note]").fill("all seals intact")
    row.locator("button[data-act=entry]").click()
    assert "recorded as entered" in flash(page)
    assert page.locator(f"#arriving tr[data-id='{d.id}']").count() == 0
    page.click("text=Log out")
    login(page, live, "cp-out")
    other = live.released_train("CP-2")
    live.service.enter(live.who["cp-in"], other.id, CheckpointEvent(checkpoint="nrnadzor_rail"))
    page.fill("input[name=mrn]", d.mrn[-6:])  # part of the MRN is enough, and only matches are listed
    page.click("form.filters button")
    assert page.locator("#leaving tr[data-id]").count() == 1
    assert d.mrn in page.locator(f"#leaving tr[data-id='{d.id}']").inner_text()
    page.locator(f"#leaving tr[data-id='{d.id}'] button[data-act=exit]").click()
    assert "recorded as exited" in flash(page)
    got = live.service.get(live.who["officer"], d.id)
    assert got.state == "exited"
    assert [(e.kind, e.checkpoint, e.by, e.note) for e in got.events] == [
        ("entry", "nrnadzor_rail", "cp-in", "all seals intact"),
        ("exit", "agarak_rail", "cp-out", ""),
    ]


def _numbers(page) -> dict[str, int]:
    keys = ("in_transit", "overdue", "held", "throughput_today", "by_channel.red")
    return {k: int(page.locator(f"#board [data-key='{k}']").inner_text()) for k in keys}


def test_board_shows_the_counts_and_refreshes_itself(page, live):
    login(page, live, "operator")
    assert page.url.endswith("/web/board")
    b = live.service.board(live.who["operator"])
    want = {
        "in_transit": b.in_transit,
        "overdue": b.overdue,
        "held": b.held,
        "throughput_today": b.throughput_today,
        "by_channel.red": b.by_channel["red"],
    }
    assert _numbers(page) == want
    # a movement released and another one exiting elsewhere: the page updates without a reload
    live.released_train("BOARD-1")
    d = live.released_train("BOARD-2")
    live.service.enter(live.who["cp-in"], d.id, CheckpointEvent(checkpoint="nrnadzor_rail"))
    live.service.exit(live.who["cp-out"], d.id, CheckpointEvent(checkpoint="agarak_rail"))
    page.wait_for_function(
        "n => document.querySelector(\"#board [data-key='in_transit']\").textContent === String(n)",
        arg=want["in_transit"] + 1,
        timeout=10_000,
    )
    assert _numbers(page)["throughput_today"] == want["throughput_today"] + 1
    assert int(page.locator("#board").get_attribute("data-updates")) >= 1


def test_carrier_cannot_open_or_act_on_another_carriers_declaration(page, live):
    theirs = live.submit("ady", truck_body("SECRET-REF-9"))
    login(page, live, "anat")
    resp = page.goto(live.url(f"/web/declarations/{theirs.id}"))
    assert resp.status == 404
    assert "not found" in page.locator("#problem").inner_text()
    assert "SECRET-REF-9" not in page.content() and "Traceback" not in page.content()
    # nor in the list, nor by posting a (well-formed, own-session) cancel form to it
    page.goto(live.url("/web/declarations"))
    assert "SECRET-REF-9" not in page.content()
    csrf = page.locator("input[name=csrf_token]").first.input_value()
    r = page.request.post(live.url(f"/web/declarations/{theirs.id}/cancel"), form={"csrf_token": csrf})
    assert r.status == 404
    assert live.service.get(live.who["ady"], theirs.id).state == "submitted"
    # and the board is not for carriers
    assert page.goto(live.url("/web/board")).status == 403


def test_forms_without_the_session_form_token_are_refused(page, live):
    d = live.submit("ady", truck_body("CSRF-1"))
    login(page, live, "ady")
    r = page.request.post(live.url(f"/web/declarations/{d.id}/cancel"), form={"csrf_token": "forged"})
    assert r.status == 403 and "did not come from this site" in r.text()
    r = page.request.post(live.url(f"/web/declarations/{d.id}/cancel"), form={})
    assert r.status == 403
    assert live.service.get(live.who["ady"], d.id).state == "submitted"
    # the real form does it
    page.goto(live.url(f"/web/declarations/{d.id}"))
    page.click("button[data-act=cancel]")
    page.check("#confirm-form input[name=confirm]")
    page.click("#confirm-form button[data-act=confirm]")
    assert "cancelled" in flash(page)


def test_logged_out_pages_redirect_to_login_and_bad_logins_say_so(page, live):
    page.goto(live.url("/web/queue"))
    assert re.search(r"/web/login\?next=/web/queue$", page.url)
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "wrong password")
    page.click("#login button[type=submit]")
    assert "unknown user or wrong password" in page.locator("#errors").inner_text()
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")
    page.wait_for_selector("#whoami")
    assert page.url.endswith("/web/queue")  # back where the user wanted to go


def test_a_broken_seal_at_exit_is_decided_by_an_officer_on_a_confirmation_page(page, live):
    d = live.released_train("SEAL-WEB-1")
    live.service.enter(live.who["cp-in"], d.id, CheckpointEvent(checkpoint="nrnadzor_rail"))
    login(page, live, "cp-out")
    row = page.locator(f"#leaving tr[data-id='{d.id}']")
    row.locator("select[name=finding]").select_option("seal_broken")
    row.locator("input[name=note]").fill("seal cut")
    row.locator("button[data-act=exit]").click()
    assert "waits for an officer's decision" in flash(page)
    page.click("text=Log out")

    login(page, live, "officer")
    lane = page.locator(f"#queue-discrepancy tr[data-id='{d.id}']")
    assert "seal broken at Agarak rail checkpoint" in lane.inner_text()
    assert page.locator(f"#queue-exited tr[data-id='{d.id}']").count() == 0
    lane.locator("a").first.click()
    assert page.locator("button[data-act=discharge]").count() == 0
    assert "seal cut" in page.locator("#discrepancy").inner_text()
    page.check("#decision input[value=discharge]")
    page.fill("#decision textarea[name=reason]", "seal cut by the police in Meghri, report seen")
    page.click("#decision button[data-act=decision]")
    assert page.locator("#confirm h1").inner_text() == "Accept and discharge?"
    assert "seal cut by the police in Meghri" in page.locator("#effect").inner_text()
    # the browser does not send the form until the box is ticked (no script involved)
    page.click("#confirm-form button[data-act=confirm]")
    assert page.locator("#confirm").count() == 1
    assert live.service.get(live.who["officer"], d.id).state == "exit_discrepancy"
    page.check("#confirm-form input[name=confirm]")
    page.click("#confirm-form button[data-act=confirm]")
    assert "decision recorded; now discharged" in flash(page)
    got = live.service.get(live.who["officer"], d.id)
    assert got.state == "discharged" and got.guarantee_released
    assert got.decisions[0].reason == "seal cut by the police in Meghri, report seen"
    assert "seal cut by the police" in page.locator("#decisions").inner_text()


def test_discharge_from_the_queue_asks_first_and_going_back_changes_nothing(page, live):
    d = live.released_train("DIS-WEB-1")
    live.service.enter(live.who["cp-in"], d.id, CheckpointEvent(checkpoint="nrnadzor_rail"))
    live.service.exit(live.who["cp-out"], d.id, CheckpointEvent(checkpoint="agarak_rail"))
    login(page, live, "officer")
    page.click(f"#queue-exited tr[data-id='{d.id}'] button[data-act=discharge]")
    assert page.locator("#confirm h1").inner_text() == "Discharge this movement?"
    page.click("#confirm-back")
    assert page.url.endswith("/web/queue")
    assert live.service.get(live.who["officer"], d.id).state == "exited"
    page.click(f"#queue-exited tr[data-id='{d.id}'] button[data-act=discharge]")
    page.check("#confirm-form input[name=confirm]")
    page.click("#confirm-form button[data-act=confirm]")
    assert "discharged" in flash(page) and page.url.endswith("/web/queue")
    assert live.service.get(live.who["officer"], d.id).state == "discharged"
