"""Capacity slots: set by the front office, booked by carriers, never overbooked (threads, both databases)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import select
from transit_factories import train_body

from corridor.transit.errors import Conflict, Missing, TransitError
from corridor.transit.models import Booking, Slot
from corridor.transit.schemas import DeclarationCreate, SlotBook, SlotSet

DAY = date(2026, 3, 2)


def _decls(svc, people, n):
    return [
        svc.submit(people.carrier, DeclarationCreate.model_validate(train_body(f"S-{i}"))).id
        for i in range(n)
    ]


def test_book_until_full_then_refuse(svc, people):
    svc.set_slot(
        people.operator, SlotSet(day=DAY, direction="westbound", mode="rail", capacity=2, fee_usd=900)
    )
    a, b, c = _decls(svc, people, 3)
    assert svc.book_slot(people.carrier, a, SlotBook(day=DAY)).slot_day == DAY
    svc.book_slot(people.carrier, b, SlotBook(day=DAY))
    with pytest.raises(Conflict) as e:
        svc.book_slot(people.carrier, c, SlotBook(day=DAY))
    assert e.value.code == "SLOT_FULL"
    with pytest.raises(Conflict, match="already has a slot"):
        svc.book_slot(people.carrier, a, SlotBook(day=DAY))
    with pytest.raises(Missing, match="no rail westbound capacity"):
        svc.book_slot(people.carrier, c, SlotBook(day=date(2026, 3, 9)))
    # cancelling frees the slot for someone else
    svc.cancel(people.carrier, a)
    svc.book_slot(people.carrier, c, SlotBook(day=DAY))
    slot = svc.list_slots(people.carrier, day_from=DAY, day_to=DAY, mode="rail").items[0]
    assert (slot.capacity, slot.booked, slot.fee_usd) == (2, 2, 900)
    with pytest.raises(Conflict) as e:
        svc.set_slot(
            people.operator, SlotSet(day=DAY, direction="westbound", mode="rail", capacity=1, fee_usd=1)
        )
    assert e.value.code == "CAPACITY_BELOW_BOOKED"


def test_concurrent_bookings_never_overbook(svc, people):
    capacity, contenders = 5, 24
    svc.set_slot(
        people.operator, SlotSet(day=DAY, direction="westbound", mode="rail", capacity=capacity, fee_usd=1)
    )
    ids = _decls(svc, people, contenders)

    def book(did):
        try:
            svc.book_slot(people.carrier, did, SlotBook(day=DAY))
            return "ok"
        except TransitError as e:
            return e.code

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(book, ids))
    assert outcomes.count("ok") == capacity and outcomes.count("SLOT_FULL") == contenders - capacity
    with svc.sessions() as s:
        slot = s.execute(select(Slot)).scalar_one()
        bookings = s.execute(select(Booking)).scalars().all()
    assert slot.booked == capacity == len(bookings)
    assert svc.verify_audit().ok


def test_concurrent_acts_keep_the_audit_chain_linear(svc, people):
    ids = _decls(svc, people, 12)
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda i: svc.accept(people.officer, i), ids))
    report = svc.verify_audit()
    assert report.ok and report.rows == 14 + 12 + 12  # users added and logged in, submits, accepts
    mrns = {svc.get(people.officer, i).mrn for i in ids}
    assert len(mrns) == 12
