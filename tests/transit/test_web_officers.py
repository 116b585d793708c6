"""The officers' and carriers' workflow on the pages over HTTP (SQLite and PostgreSQL): confirmation of
destructive acts, discrepancies and decisions, place names, the queue's columns, search, and the messages a carrier
reads at submission."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from test_web_http import csrf, login
from transit_factories import train_body

from corridor.transit.schemas import CheckpointEvent, DeclarationCreate, RejectReason


def _text(page: str) -> str:
    """What a person reads: the page without tags, scripts' attributes or entities."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _released(svc, people, ref: str):
    d = svc.submit(people.carrier, DeclarationCreate.model_validate(train_body(ref)))
    for act in ("accept", "assess", "release"):
        d = getattr(svc, act)(people.officer, d.id)
    return d


def _exited(svc, people, ref: str, **exit_kw):
    d = _released(svc, people, ref)
    svc.enter(people.entry_rail, d.id, CheckpointEvent(checkpoint="nrnadzor_rail"))
    return svc.exit(people.exit_rail, d.id, CheckpointEvent(checkpoint="agarak_rail", **exit_kw))


@pytest.mark.parametrize(
    ("who", "act", "ready", "form", "after"),
    [
        ("officer", "discharge", "exited", {}, "discharged"),
        ("carrier", "cancel", "submitted", {}, "cancelled"),
        (
            "officer",
            "reject",
            "submitted",
            {"code": "R02", "detail": "invoice and manifest disagree"},
            "rejected",
        ),
    ],
)
def test_destructive_acts_ask_for_confirmation_first(client, svc, people, who, act, ready, form, after):
    if ready == "exited":
        d = _exited(svc, people, f"CONF-{act}")
    else:
        d = svc.submit(people.carrier, DeclarationCreate.model_validate(train_body(f"CONF-{act}")))
    login(client, who)
    token = csrf(client)
    url = f"/web/declarations/{d.id}/{act}"
    r = client.post(url, data={"csrf_token": token, **form})
    assert r.status_code == 200 and 'id="confirm"' in r.text
    assert 'name="confirm" value="yes" required' in r.text  # the box must be ticked, no script needed
    for k, v in form.items():  # the officer's input is carried to the confirmation
        assert f'name="{k}" value="{v}"' in r.text
    assert svc.get(people.officer, d.id).state == ready  # nothing happened yet
    r = client.post(url, data={"csrf_token": token, "confirm": "no", **form})  # not ticked: asked again
    assert 'id="confirm"' in r.text and svc.get(people.officer, d.id).state == ready
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', r.text))
    r = client.post(url, data={**hidden, "confirm": "yes"})
    assert r.status_code == 200 and 'id="flash"' in r.text
    assert svc.get(people.officer, d.id).state == after


def test_a_seal_broken_at_exit_goes_to_the_officer_and_only_a_decision_discharges_it(client, svc, people):
    d = _released(svc, people, "SEAL-1")
    svc.enter(people.entry_rail, d.id, CheckpointEvent(checkpoint="nrnadzor_rail"))
    login(client, "exit_rail")
    r = client.post(
        f"/web/declarations/{d.id}/exit",
        data={"csrf_token": csrf(client, "/web/checkpoint"), "finding": "seal_broken", "note": "seal cut"},
    )
    assert "recorded with a discrepancy (seal broken); it now waits for an officer's decision" in _text(
        r.text
    )
    client.cookies.clear()
    login(client, "officer")
    queue = client.get("/web/queue").text
    lane = queue[queue.index('id="queue-discrepancy"') : queue.index('id="lane-red"')]
    assert f'data-id="{d.id}"' in lane and "seal broken at Agarak rail checkpoint" in _text(lane)
    assert f'href="/web/declarations/{d.id}#decision" data-act="decide"' in lane
    exited = queue[queue.index('id="queue-exited"') :]
    assert f'data-id="{d.id}"' not in exited  # not among the ones to discharge with one click
    page = client.get(f"/web/declarations/{d.id}").text
    assert 'data-act="discharge"' not in page and 'id="decision"' in page
    assert "Discrepancy at Agarak rail checkpoint" in _text(page) and "seal cut" in page
    token = csrf(client, f"/web/declarations/{d.id}")
    r = client.post(f"/web/declarations/{d.id}/discharge", data={"csrf_token": token, "confirm": "yes"})
    assert "record an officer's decision" in _text(r.text)  # the one-click path is closed
    form = {"csrf_token": token, "outcome": "discharge", "reason": "police seal check, report 41/7"}
    r = client.post(f"/web/declarations/{d.id}/decision", data=form)
    assert 'id="confirm"' in r.text and "Accept and discharge?" in _text(r.text)
    assert "police seal check, report 41/7" in _text(r.text)
    r = client.post(f"/web/declarations/{d.id}/decision", data={**form, "confirm": "yes"})
    assert "decision recorded; now discharged, guarantee released" in _text(r.text)
    got = svc.get(people.officer, d.id)
    assert got.state == "discharged" and got.decisions[0].reason == "police seal check, report 41/7"
    assert "police seal check" in _text(r.text)  # the decision is listed on the page


def test_pages_name_places_not_checkpoint_ids(client, svc, people):
    d = _exited(svc, people, "PLACE-1")
    login(client, "entry_rail")
    for path in ("/web/checkpoint", f"/web/declarations/{d.id}", "/web/declarations"):
        page = client.get(path).text
        assert "nrnadzor_rail" not in page and "agarak_rail" not in page, path
    page = _text(client.get(f"/web/declarations/{d.id}").text)
    assert "enter at Nrnadzor rail checkpoint → leave at Agarak rail checkpoint" in page
    assert "entry at Nrnadzor rail checkpoint" in page and "exit at Agarak rail checkpoint" in page
    assert "entry_rail · checkpoint · Nrnadzor rail checkpoint" in page


def test_the_queue_shows_goods_times_and_marks_overdue(client, svc, people, clock):
    waiting = svc.submit(people.carrier, DeclarationCreate.model_validate(train_body("QUEUE-1", hs="100199")))
    late = _released(svc, people, "QUEUE-2")
    svc.enter(people.entry_rail, late.id, CheckpointEvent(checkpoint="nrnadzor_rail"))
    clock.advance(hours=9)  # past the deadline (running time + 6 h)
    svc.flag_overdue(people.officer)
    login(client, "officer")
    page = client.get("/web/queue").text
    head = page[page.index('id="queue-submitted"') :]
    assert all(h in head for h in ("Goods (HS code)", "Submitted", "Waiting", "Deadline"))
    row = re.search(rf'<tr data-id="{waiting.id}".*?</tr>', page, re.S).group(0)
    text = _text(row)
    assert "100199 wheat" in text and clock.now.strftime("%d %b") in text and "9 h 00 min" in text
    assert "at release" in text  # no deadline before release
    row = re.search(rf'<tr data-id="{late.id}"[^>]*>.*?</tr>', page, re.S).group(0)
    assert 'class="late"' in row and "overdue" in _text(row)
    assert late.deadline_at.strftime("%d %b %H:%M") in _text(row)


def test_search_by_part_of_the_mrn_filters_the_lists(client, svc, people):
    a = _released(svc, people, "FIND-A")
    b = _released(svc, people, "FIND-B")
    login(client, "officer")
    page = client.get("/web/declarations", params={"q": a.mrn[-5:]}).text
    assert f'data-id="{a.id}"' in page and f'data-id="{b.id}"' not in page
    client.cookies.clear()
    login(client, "entry_rail")
    page = client.get("/web/checkpoint", params={"mrn": b.mrn.lower()}).text
    arriving = page[page.index('id="arriving"') :]
    assert f'data-id="{b.id}"' in arriving and f'data-id="{a.id}"' not in arriving
    assert f'data-id="{a.id}"' in client.get("/web/checkpoint").text  # without a search: everything


def test_carriers_read_why_at_submission_and_after_rejection(client, svc, people):
    login(client, "carrier")
    form = {
        "csrf_token": csrf(client),
        "reference": "CAR-1",
        "direction": "westbound",
        "kind": "truck",
        "vehicles": "51 OT 123",
        "c0_hs_code": "081010",
        "c0_description": "strawberries",
        "c0_mass": "12000",
        "c0_value": "30000",
        "seals": "S1",
        "guarantee_reference": "GRN-NEW-1",
        "guarantee_amount_usd": "9000",
    }
    r = client.post("/web/declarations/new", data=form)
    assert r.status_code == 422
    assert (
        "Guarantee reference: use capital letters A-Z and digits only, as on the guarantee certificate "
        "(e.g. GRN0001); 'GRN-NEW-1' has '-' (did you mean GRNNEW1?)" in _text(r.text)
    )
    assert "[A-Z0-9]" not in r.text
    r = client.post(
        "/web/declarations/new", data={**form, "guarantee_reference": "GRN1", "guarantee_amount_usd": "1000"}
    )
    assert r.status_code == 422
    assert (
        "Guarantee › Guarantee amount (USD): guarantee 1,000.00 USD is below the required 6,000.00 USD "
        "(20% of the declared value 30,000.00 USD): raise it by 5,000.00 USD" in _text(r.text)
    )
    assert svc.list(people.carrier).total == 0  # refused, not "submitted" forever
    r = client.post(
        "/web/declarations/new", data={**form, "guarantee_reference": "GRN1"}, follow_redirects=False
    )
    assert r.status_code == 303
    d = svc.list(people.carrier).items[0]
    svc.reject(people.officer, d.id, RejectReason(code="R02", detail="invoice and manifest disagree"))
    reason = "R02 documents inconsistent: invoice and manifest disagree"
    assert reason in _text(client.get("/web/declarations").text)
    assert reason in _text(client.get(f"/web/declarations/{d.id}").text)


def test_waiting_counts_hours_and_days():
    from corridor.transit.web.pages import duration

    assert [duration(timedelta(minutes=m)) for m in (-5, 7, 125, 60 * 24 * 3 + 250)] == [
        "0 min",
        "7 min",
        "2 h 05 min",
        "3 d 4 h",
    ]


def test_a_failed_inspection_is_confirmed_a_passed_one_is_not(client, svc, people):
    fail = svc.submit(people.carrier, DeclarationCreate.model_validate(train_body("INSP-F", hs="930190")))
    ok = svc.submit(people.carrier, DeclarationCreate.model_validate(train_body("INSP-P", hs="930190")))
    for d in (fail, ok):
        for act in ("accept", "assess", "hold"):
            getattr(svc, act)(people.officer, d.id)
    login(client, "officer")
    token = csrf(client, "/web/queue")
    form = {"csrf_token": token, "outcome": "fail", "findings": "undeclared rifles", "reject_code": "R03"}
    r = client.post(f"/web/declarations/{fail.id}/inspection", data=form)
    assert "Record a failed inspection?" in r.text
    assert "R03 prohibited or restricted goods: undeclared rifles" in _text(r.text)
    assert svc.get(people.officer, fail.id).state == "held"
    client.post(f"/web/declarations/{fail.id}/inspection", data={**form, "confirm": "yes"})
    assert svc.get(people.officer, fail.id).state == "rejected"
    passed = {"csrf_token": token, "outcome": "pass", "findings": "sporting rifles, licence checked"}
    r = client.post(f"/web/declarations/{ok.id}/inspection", data=passed)
    assert 'id="confirm"' not in r.text and svc.get(people.officer, ok.id).state == "released"
