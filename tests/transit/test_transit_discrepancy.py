"""Discrepancies at entry or exit and the officer's decision on them, through the service and the API, on
SQLite and PostgreSQL; and the migration that added them."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlalchemy import select
from transit_factories import bearer, train_body

from corridor.transit.db import alembic_config, current_revision, head_revision
from corridor.transit.errors import Conflict, Forbidden
from corridor.transit.models import AuditRow, Declaration
from corridor.transit.schemas import CheckpointEvent, DecisionCreate, DeclarationCreate


def _entered(svc, people, ref="D-1", *, entry: CheckpointEvent | None = None):
    d = svc.submit(people.carrier, DeclarationCreate.model_validate(train_body(ref)))
    for act in ("accept", "assess", "release"):
        d = getattr(svc, act)(people.officer, d.id)
    return svc.enter(people.entry_rail, d.id, entry or CheckpointEvent(checkpoint="nrnadzor_rail"))


def _broken_at_exit(svc, people, ref="D-1"):
    d = _entered(svc, people, ref)
    ev = CheckpointEvent(checkpoint="agarak_rail", seals_intact=False, note="seal cut")
    return svc.exit(people.exit_rail, d.id, ev)


def test_a_broken_seal_at_exit_blocks_discharge_until_an_officer_decides(svc, people):
    d = _broken_at_exit(svc, people)
    assert d.state == "exit_discrepancy" and d.events[-1].discrepancies == ["seal_broken"]
    assert not d.events[-1].seals_intact and d.events[-1].note == "seal cut"
    with pytest.raises(Conflict) as e:
        svc.discharge(people.officer, d.id)
    assert e.value.code == "DISCREPANCY_UNDECIDED"
    assert "seal broken at Agarak rail checkpoint" in e.value.detail
    with pytest.raises(Conflict) as e:
        svc.decide(people.officer, d.id, DecisionCreate(outcome="proceed", reason="looks fine"))
    assert e.value.code == "DECISION_NOT_ALLOWED" and "discharge or recover" in e.value.detail
    with pytest.raises(Forbidden):
        svc.decide(people.exit_rail, d.id, DecisionCreate(outcome="discharge", reason="not mine to decide"))
    assert svc.get(people.officer, d.id).state == "exit_discrepancy"

    reason = "seal cut by the police in Meghri (report 41/7); goods counted as declared"
    d = svc.decide(people.officer, d.id, DecisionCreate(outcome="discharge", reason=reason))
    assert d.state == "discharged" and d.guarantee_released
    assert [(x.at_checkpoint, x.outcome, x.reason, x.officer) for x in d.decisions] == [
        ("exit", "discharge", reason, "officer")
    ]
    with svc.sessions() as s:
        row = s.execute(select(AuditRow).where(AuditRow.act == "decide_discharge")).scalar_one()
    assert (row.before, row.after, row.actor) == ("exit_discrepancy", "discharged", "officer")
    assert reason in row.detail
    assert svc.verify_audit().ok


def test_a_decision_needs_a_reason():
    with pytest.raises(ValidationError):
        DecisionCreate(outcome="discharge", reason="  ")
    with pytest.raises(ValidationError):
        DecisionCreate(outcome="forgive", reason="no such outcome")


def test_recovery_keeps_the_guarantee_and_ends_the_movement(svc, people):
    d = _broken_at_exit(svc, people)
    d = svc.decide(people.officer, d.id, DecisionCreate(outcome="recover", reason="two pallets missing"))
    assert d.state == "recovery" and not d.guarantee_released
    for act in (svc.discharge, svc.enquire):
        with pytest.raises(Conflict):
            act(people.officer, d.id)


def test_a_discrepancy_at_entry_stops_the_movement_until_it_may_proceed(svc, people):
    found = CheckpointEvent(checkpoint="nrnadzor_rail", discrepancies=["count_mismatch", "mass_mismatch"])
    d = _entered(svc, people, entry=found)
    assert d.state == "entry_discrepancy" and d.events[0].discrepancies == ["count_mismatch", "mass_mismatch"]
    assert d.events[0].seals_intact  # only a seal discrepancy makes the seals not intact
    with pytest.raises(Conflict) as e:  # it cannot leave before the officer decides
        svc.exit(people.exit_rail, d.id, CheckpointEvent(checkpoint="agarak_rail"))
    assert e.value.code == "OUT_OF_SEQUENCE"
    with pytest.raises(Conflict):
        svc.decide(people.officer, d.id, DecisionCreate(outcome="discharge", reason="wrong end"))
    d = svc.decide(people.officer, d.id, DecisionCreate(outcome="proceed", reason="spare tyre counted"))
    assert d.state == "entered"
    d = svc.exit(people.exit_rail, d.id, CheckpointEvent(checkpoint="agarak_rail"))
    assert d.state == "exited"
    assert svc.discharge(people.officer, d.id).state == "discharged"


def test_refused_at_entry_is_a_rejection_the_carrier_can_read(svc, people):
    found = CheckpointEvent(checkpoint="nrnadzor_rail", discrepancies=["seal_missing"])
    d = _entered(svc, people, entry=found)
    assert not d.events[0].seals_intact
    d = svc.decide(people.officer, d.id, DecisionCreate(outcome="refuse", reason="container opened"))
    mine = svc.get(people.carrier, d.id)
    assert (mine.state, mine.reject_code, mine.reject_detail) == (
        "rejected",
        "R04",
        "refused at entry: container opened",
    )


def test_no_discrepancy_no_decision(svc, people):
    d = _entered(svc, people)
    with pytest.raises(Conflict) as e:
        svc.decide(people.officer, d.id, DecisionCreate(outcome="proceed", reason="nothing to decide"))
    assert e.value.code == "NO_DISCREPANCY" and "in the corridor" in e.value.detail


def test_checkpoint_event_schema_counts_a_broken_seal_as_a_discrepancy():
    assert CheckpointEvent(checkpoint="x", seals_intact=False).discrepancies == ["seal_broken"]
    ev = CheckpointEvent(checkpoint="x", discrepancies=["seal_missing", "seal_missing"])
    assert ev.discrepancies == ["seal_missing"] and not ev.seals_intact
    with pytest.raises(ValidationError):
        CheckpointEvent(checkpoint="x", discrepancies=["tampered"])


def test_wrong_checkpoint_messages_name_places(svc, people):
    d = _entered(svc, people)
    with pytest.raises(Forbidden) as e:
        svc.exit(people.exit_rail, d.id, CheckpointEvent(checkpoint="nrnadzor_rail"))
    assert e.value.detail == "you record events at Agarak rail checkpoint, not at Nrnadzor rail checkpoint"


def test_the_api_takes_decisions_and_searches_by_part_of_the_mrn(client, svc, people):
    d = _broken_at_exit(svc, people, "API-D1")
    other = _entered(svc, people, "API-D2")
    url = f"/api/v1/declarations/{d.id}"
    r = client.post(f"{url}/discharge", headers=bearer(people, "officer"))
    assert r.status_code == 409 and r.json()["code"] == "DISCREPANCY_UNDECIDED"
    r = client.post(f"{url}/decision", json={"outcome": "discharge"}, headers=bearer(people, "officer"))
    assert r.status_code == 422 and r.json()["field"] == "/reason"
    body = {"outcome": "discharge", "reason": "seal replaced by customs"}
    r = client.post(f"{url}/decision", json=body, headers=bearer(people, "officer"))
    assert r.status_code == 200 and r.json()["state"] == "discharged"
    assert r.json()["decisions"][0]["reason"] == "seal replaced by customs"
    part = other.mrn[-6:]
    found = client.get(f"/api/v1/declarations?q={part}", headers=bearer(people, "officer")).json()
    assert [x["id"] for x in found["items"]] == [other.id]
    by_ref = client.get("/api/v1/declarations?q=api-d1", headers=bearer(people, "officer")).json()
    assert [x["id"] for x in by_ref["items"]] == [d.id]
    # LIKE wildcards are taken literally
    assert client.get("/api/v1/declarations?q=_", headers=bearer(people, "officer")).json()["total"] == 0


def test_waiting_time_counts_from_the_last_change_of_state(svc, people, clock):
    d = svc.submit(people.carrier, DeclarationCreate.model_validate(train_body("W-1")))
    assert d.state_since == clock.now
    clock.advance(minutes=30)
    d = svc.accept(people.officer, d.id)
    assert d.state_since == clock.now


def test_migration_0002_keeps_existing_declarations(svc, people):
    engine = svc.sessions.kw["bind"]
    d = svc.submit(people.carrier, DeclarationCreate.model_validate(train_body("MIG-1")))
    cfg = alembic_config(engine)
    ours = next(
        r for r in ScriptDirectory.from_config(cfg).walk_revisions() if r.path.endswith("_discrepancies.py")
    )
    command.downgrade(cfg, ours.down_revision)
    assert current_revision(engine) == ours.down_revision
    command.upgrade(cfg, "head")
    assert current_revision(engine) == head_revision()
    with svc.sessions() as s:
        row = s.get(Declaration, d.id)
        assert row.reference == "MIG-1" and row.state_at == row.updated_at
    assert svc.get(people.carrier, d.id).events == []
