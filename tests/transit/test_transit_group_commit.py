"""Group commit: concurrent write acts share one transaction and one COMMIT of the writer thread, and nothing
about an act's answer changes: all persisted and audited in arrival order, one act's error stays its own,
and a failed COMMIT acknowledges nothing."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from transit_factories import train_body, truck_body

from corridor.transit import audit, writer
from corridor.transit.errors import Busy, Conflict
from corridor.transit.models import AuditRow, Declaration
from corridor.transit.schemas import DeclarationCreate
from corridor.transit.service import Idem, TransitService


class Held:
    """Keeps the writer thread busy until released, so that acts queued meanwhile form one batch."""

    def __init__(self, svc):
        self.svc, self.gate, self.started = svc, threading.Event(), threading.Event()
        self.thread = threading.Thread(target=svc._by_writer, args=(self._wait,))

    def _wait(self, _s: Session) -> None:
        self.started.set()
        assert self.gate.wait(30)

    def __enter__(self):
        self.thread.start()
        assert self.started.wait(30)
        return self

    def queued(self, n: int) -> None:
        deadline = time.monotonic() + 30
        while len(self.svc._writer._queue) < n:
            assert time.monotonic() < deadline, "acts did not reach the writer's queue"
            time.sleep(0.005)

    def __exit__(self, *exc):
        self.gate.set()
        self.thread.join(30)


def _submit_in_order(svc, who, bodies, keys=None, held=None):
    """Submit ``bodies`` from threads, each queued after the one before (arrival order = list order); the
    outcome of each (result or exception)."""
    pool = ThreadPoolExecutor(len(bodies))
    futures = []
    for i, body in enumerate(bodies):
        idem = Idem(keys[i], f"hash-{keys[i]}-{body['reference']}") if keys else None
        data = DeclarationCreate.model_validate(body)
        futures.append(pool.submit(svc.submit, who, data, idem=idem))
        held.queued(i + 1)
    return pool, futures


def _outcome(f):
    try:
        return f.result(30)
    except Exception as e:
        return e


def _audit_seqs(svc, ids) -> list[int]:
    with svc.sessions() as s:
        rows = s.execute(
            select(AuditRow.seq, AuditRow.entity_id).where(AuditRow.act == "submit").order_by(AuditRow.seq)
        ).all()
    by_id = {int(e): q for q, e in rows}
    return [by_id[i] for i in ids]


def _verified(svc) -> audit.Verification:
    with svc.reads() as s:
        return audit.verify(s, svc.audit_key)


def test_concurrent_submissions_commit_together_all_persisted_and_audited_in_order(svc, people):
    who = people.carrier
    bodies = [train_body(f"GC-{i}") for i in range(10)]
    batches0 = svc._writer.batches
    with Held(svc) as held:
        pool, futures = _submit_in_order(svc, who, bodies, keys=[f"k{i}" for i in range(10)], held=held)
    results = [f.result(30) for f in futures]
    pool.shutdown()
    assert svc._writer.batches - batches0 == 2  # the held act, then all ten in one transaction
    assert [r.reference for r in results] == [b["reference"] for b in bodies]
    ids = [r.id for r in results]
    assert ids == sorted(ids) and len(set(ids)) == 10
    seqs = _audit_seqs(svc, ids)
    assert seqs == list(range(seqs[0], seqs[0] + 10))  # consecutive, in arrival order
    v = _verified(svc)
    assert v.ok, v.problems
    for r in results:  # what was answered is what is stored
        assert svc.get(who, r.id).model_dump() == r.model_dump()


def test_a_failing_act_in_a_batch_fails_alone_and_a_replay_gets_its_result(svc, people):
    who = people.carrier
    first = svc.submit(who, DeclarationCreate.model_validate(truck_body("GC-OLD")), idem=Idem("old", "h-old"))
    with svc.sessions() as s:
        rows0 = s.execute(select(func.count()).select_from(AuditRow)).scalar_one()
    bodies = [
        truck_body("GC-A"),
        truck_body("GC-OLD"),  # taken by `first`, another key: 409
        truck_body("GC-B"),
        truck_body("GC-OLD"),  # the retry of `first` (same key and request): its stored answer
        truck_body("GC-C"),
    ]
    keys = ["a", "dup", "b", "old", "c"]
    with Held(svc) as held:
        pool = ThreadPoolExecutor(5)
        futures = []
        for i, body in enumerate(bodies):
            idem = Idem(keys[i], "h-old" if keys[i] == "old" else f"h-{i}")
            futures.append(pool.submit(svc.submit, who, DeclarationCreate.model_validate(body), idem=idem))
            held.queued(i + 1)
    out = [_outcome(f) for f in futures]
    pool.shutdown()
    assert isinstance(out[1], Conflict) and out[1].code == "DUPLICATE_REFERENCE"
    assert out[3].id == first.id and out[3].reference == "GC-OLD"
    assert [o.reference for o in (out[0], out[2], out[4])] == ["GC-A", "GC-B", "GC-C"]
    with svc.sessions() as s:
        assert s.execute(select(func.count()).select_from(AuditRow)).scalar_one() == rows0 + 3
        refs = set(s.execute(select(Declaration.reference)).scalars())
    assert {"GC-A", "GC-B", "GC-C", "GC-OLD"} <= refs
    assert _audit_seqs(svc, [out[0].id, out[2].id, out[4].id]) == sorted(
        _audit_seqs(svc, [out[0].id, out[2].id, out[4].id])
    )
    v = _verified(svc)
    assert v.ok, v.problems


def test_a_failed_commit_acknowledges_nothing_and_a_retry_with_the_key_records_each_once(
    svc, people, monkeypatch
):
    who = people.carrier
    bodies = [train_body(f"GC-F{i}") for i in range(4)]
    keys = [f"f{i}" for i in range(4)]
    real_commit, calls = TransitService._commit, []

    class FailingCommit:  # the batch's COMMIT fails (its ROLLBACK is real); the held act commits on its own
        def __init__(self, tx):
            self.tx = tx

        def commit(self):
            calls.append(1)
            raise OSError("disk I/O error")

        def rollback(self):
            self.tx.rollback()

    monkeypatch.setattr(svc, "_commit", lambda tx, jobs, results: real_commit(FailingCommit(tx), jobs, results))
    with Held(svc) as held:
        pool, futures = _submit_in_order(svc, who, bodies, keys=keys, held=held)
    out = [_outcome(f) for f in futures]
    pool.shutdown()
    monkeypatch.setattr(svc, "_commit", real_commit)
    assert calls == [1]  # one COMMIT for the four
    assert all(isinstance(o, Busy) and o.status == 503 and o.code == "COMMIT_FAILED" for o in out), out
    with svc.sessions() as s:
        assert not s.execute(select(Declaration).where(Declaration.reference.like("GC-F%"))).first()
    again = [
        svc.submit(who, DeclarationCreate.model_validate(b), idem=Idem(k, f"hash-{k}-{b['reference']}"))
        for b, k in zip(bodies, keys, strict=True)
    ]
    assert [a.reference for a in again] == [b["reference"] for b in bodies]
    assert _verified(svc).ok


def test_the_writer_thread_ends_when_idle_and_comes_back(svc, people, monkeypatch):
    monkeypatch.setattr(writer, "IDLE_S", 0.05)
    who = people.carrier
    svc.submit(who, DeclarationCreate.model_validate(truck_body("GC-I1")))
    deadline = time.monotonic() + 10
    while svc._writer._thread is not None:
        assert time.monotonic() < deadline, "the idle writer thread did not end"
        time.sleep(0.01)
    assert svc.submit(who, DeclarationCreate.model_validate(truck_body("GC-I2"))).reference == "GC-I2"


def test_an_act_queued_from_inside_a_batch_is_refused_not_deadlocked(svc):
    def nested(_s: Session) -> None:
        svc._by_writer(lambda s: None)

    with pytest.raises(RuntimeError, match="wait for itself"):
        svc._by_writer(nested)


def test_a_bug_in_a_batch_reaches_every_caller():
    def broken(jobs):
        raise ZeroDivisionError("bug")

    w = writer.GroupCommit(broken, max_batch=4)
    job = writer.Job(lambda: None)
    with pytest.raises(ZeroDivisionError):
        w.submit(job).result(10)
    with pytest.raises(ValueError, match="max_batch"):
        writer.GroupCommit(broken, max_batch=0)
