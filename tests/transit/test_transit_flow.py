"""The life cycle through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from transit_factories import train_body, truck_body

from corridor.transit import codes
from corridor.transit.errors import Conflict, Forbidden, Missing, Unprocessable
from corridor.transit.models import Declaration
from corridor.transit.schemas import CheckpointEvent, DeclarationCreate, InspectionCreate, RejectReason
from corridor.transit.states import State


def _submit(svc, who, body):
    return svc.submit(who, DeclarationCreate.model_validate(body))


def test_green_train_runs_the_whole_cycle(svc, people, clock):
    d = _submit(svc, people.carrier, train_body())
    assert (d.state, d.entry_checkpoint, d.exit_checkpoint) == ("submitted", "nrnadzor_rail", "agarak_rail")
    d = svc.accept(people.officer, d.id)
    assert d.state == "accepted" and codes.mrn_problem(d.mrn) is None and d.mrn[2:4] == "AM"
    d = svc.assess(people.officer, d.id)
    assert (d.state, d.channel, d.risk_rule, d.risk_version) == ("assessed", "green", "NONE", "2026.1")
    clock.advance(minutes=10)
    d = svc.release(people.officer, d.id)
    seg = svc.corridor.segment("rail")
    assert d.deadline_at == clock.now + timedelta(hours=seg.length_km / seg.speed_kmh + 6.0)
    d = svc.enter(people.entry_rail, d.id, CheckpointEvent(checkpoint="nrnadzor_rail"))
    d = svc.exit(people.exit_rail, d.id, CheckpointEvent(checkpoint="agarak_rail", note="seals intact"))
    assert [e.kind for e in d.events] == ["entry", "exit"]
    assert not d.guarantee_released
    d = svc.discharge(people.officer, d.id)
    assert d.state == "discharged" and d.guarantee_released
    report = svc.verify_audit()
    # 7 users added + submit, accept, assess, release, entry, exit, discharge
    assert report.ok and report.rows == 14 + 7  # 7 users added and logged in, 7 acts


def test_out_of_sequence_acts_are_refused_with_their_code(svc, people):
    d = _submit(svc, people.carrier, train_body())
    with pytest.raises(Conflict) as e:
        svc.release(people.officer, d.id)
    assert e.value.code == "OUT_OF_SEQUENCE" and "submitted" in e.value.detail
    with pytest.raises(Conflict, match="cannot enter"):
        svc.enter(people.entry_rail, d.id, CheckpointEvent(checkpoint="nrnadzor_rail"))
    assert svc.get(people.officer, d.id).state == "submitted"  # nothing changed


def test_red_channel_needs_inspection_and_records_findings(svc, people):
    d = _submit(svc, people.carrier, train_body(hs="930190"))  # arms: HS-ARMS rule
    svc.accept(people.officer, d.id)
    d = svc.assess(people.officer, d.id)
    assert (d.channel, d.risk_rule) == ("red", "HS-ARMS")
    with pytest.raises(Conflict) as e:
        svc.release(people.officer, d.id)
    assert e.value.code == "INSPECTION_REQUIRED"
    svc.hold(people.officer, d.id)
    d = svc.inspect(
        people.officer, d.id, InspectionCreate(outcome="pass", findings="sporting rifles, licensed")
    )
    assert d.state == "released" and d.deadline_at is not None
    assert d.inspections[0].findings == "sporting rifles, licensed" and d.inspections[0].officer == "officer"


def test_failed_inspection_rejects_and_counts_against_the_carrier(svc, people):
    for i in range(2):
        d = _submit(svc, people.carrier, train_body(f"LRN-{i}", hs="930190"))
        svc.accept(people.officer, d.id)
        svc.assess(people.officer, d.id)
        svc.hold(people.officer, d.id)
        d = svc.inspect(people.officer, d.id, InspectionCreate(outcome="fail", findings="undeclared rifles"))
        assert (d.state, d.reject_code) == ("rejected", "R04")
    d = _submit(svc, people.carrier, train_body("LRN-next"))
    svc.accept(people.officer, d.id)
    d = svc.assess(people.officer, d.id)
    assert (d.channel, d.risk_rule) == ("yellow", "CARRIER-HISTORY")
    other = _submit(svc, people.carrier2, train_body("LRN-next"))  # same reference, other carrier: allowed
    svc.accept(people.officer, other.id)
    assert svc.assess(people.officer, other.id).risk_rule == "NONE"


def test_reject_with_code_and_cancel_only_before_release(svc, people):
    d = _submit(svc, people.carrier, train_body("A"))
    d = svc.reject(people.officer, d.id, RejectReason(code="R02", detail="manifest and invoice disagree"))
    assert (d.state, d.reject_code) == ("rejected", "R02")
    d = _submit(svc, people.carrier, train_body("B"))
    assert svc.cancel(people.carrier, d.id).state == "cancelled"
    d = _submit(svc, people.carrier, train_body("C"))
    for act in (svc.accept, svc.assess, svc.release):
        act(people.officer, d.id)
    with pytest.raises(Conflict, match="cancel"):
        svc.cancel(people.carrier, d.id)


def test_a_guarantee_shortfall_is_refused_at_submission_with_the_amount_missing(svc, people):
    body = train_body(value_usd=100_000)
    body["guarantee"]["amount_usd"] = 1_000
    rows_before = svc.verify_audit().rows
    with pytest.raises(Unprocessable) as e:
        _submit(svc, people.carrier, body)
    assert e.value.code == "GUARANTEE_INSUFFICIENT" and e.value.field == "/guarantee/amount_usd"
    assert e.value.detail == (
        "guarantee 1,000.00 USD is below the required 20,000.00 USD (20% of the declared value "
        "100,000.00 USD): raise it by 19,000.00 USD"
    )
    assert svc.list(people.carrier).total == 0 and svc.verify_audit().rows == rows_before


def test_acceptance_still_checks_the_guarantee_of_older_declarations(svc, people):
    d = _submit(svc, people.carrier, train_body(value_usd=100_000))
    with svc.sessions.begin() as s:  # lodged before the check at submission existed
        s.execute(update(Declaration).where(Declaration.id == d.id).values(guarantee_usd=1_000))
    with pytest.raises(Conflict) as e:
        svc.accept(people.officer, d.id)
    assert e.value.code == "GUARANTEE_INSUFFICIENT" and "raise it by 19,000.00 USD" in e.value.detail


def test_reference_is_unique_per_carrier(svc, people):
    _submit(svc, people.carrier, train_body("SAME"))
    with pytest.raises(Conflict) as e:
        _submit(svc, people.carrier, truck_body("SAME"))
    assert e.value.code == "DUPLICATE_REFERENCE"


def test_overdue_is_flagged_then_enquired(svc, people, clock):
    d = _submit(svc, people.carrier, truck_body())
    for act in (svc.accept, svc.assess, svc.release):
        d = act(people.officer, d.id)
    with pytest.raises(Conflict) as e:
        svc.enquire(people.officer, d.id)
    assert e.value.code == "NOT_OVERDUE"
    assert svc.flag_overdue(people.officer).total == 0
    clock.now = d.deadline_at + timedelta(minutes=1)
    flagged = svc.flag_overdue(people.officer)
    assert [x.id for x in flagged.items] == [d.id] and flagged.items[0].overdue
    assert svc.flag_overdue(people.officer).total == 0  # flagged once
    d = svc.enquire(people.officer, d.id)
    assert d.enquiry_opened and d.state == "released"
    board = svc.board(people.operator)
    assert (board.overdue, board.in_transit) == (1, 1)


def test_checkpoints_act_only_where_they_stand(svc, people):
    d = _submit(svc, people.carrier, train_body())  # westbound: enters at nrnadzor_rail
    for act in (svc.accept, svc.assess, svc.release):
        act(people.officer, d.id)
    with pytest.raises(Forbidden) as e:
        svc.enter(people.exit_rail, d.id, CheckpointEvent(checkpoint="agarak_rail"))
    assert e.value.code == "WRONG_CHECKPOINT"
    with pytest.raises(Forbidden):
        svc.enter(people.entry_rail, d.id, CheckpointEvent(checkpoint="agarak_rail"))
    road = _submit(svc, people.carrier, truck_body())  # a truck never passes a rail checkpoint
    with pytest.raises(Missing):
        svc.get(people.entry_rail, road.id)


def test_carriers_see_only_their_own(svc, people):
    mine = _submit(svc, people.carrier, train_body("MINE"))
    theirs = _submit(svc, people.carrier2, train_body("THEIRS"))
    assert [d.id for d in svc.list(people.carrier).items] == [mine.id]
    with pytest.raises(Missing):
        svc.get(people.carrier, theirs.id)
    with pytest.raises(Missing):
        svc.cancel(people.carrier, theirs.id)
    assert svc.get(people.carrier2, theirs.id).state == State.SUBMITTED


def test_list_filters_and_pagination(svc, people):
    ids = [_submit(svc, people.carrier, train_body(f"P{i}")).id for i in range(5)]
    svc.accept(people.officer, ids[0])
    page = svc.list(people.officer, offset=1, limit=2)
    assert page.total == 5 and [d.id for d in page.items] == ids[::-1][1:3]
    assert [d.id for d in svc.list(people.officer, state="accepted").items] == [ids[0]]
    assert svc.list(people.officer, carrier="ANATLJ").total == 0
    mrn = svc.get(people.officer, ids[0]).mrn
    assert [d.id for d in svc.list(people.auditor, mrn=mrn).items] == [ids[0]]
