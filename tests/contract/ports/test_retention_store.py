"""`RetentionStore`: what is personal (domain/retention.py) is blanked in expired unit-day partitions
(once: they are marked purged), in the records of days before the cutoff (once: a watermark per table),
and in one ticket on its holder's request; what is not personal stays (conftest: fake and Azurite
alike)."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.ports import RowWrite
from domain.queue import QueueState
from domain.tickets import Action, Status, TicketEvent, TicketWrite
from tests.contract.ports.conftest import Ports

UNIT = "trf1-sjac-01vf"
NOW = datetime(2027, 3, 1, 6, 30, tzinfo=UTC)
PERSONAL = {"name": "Maria da Silva", "oabNumber": "12345", "processNumber": "0000000-00.2026.4.01.3000"}
CONTACTS = {"whatsapp": "+5568999123456", "email": "maria@exemplo.com.br"}  # issue 13: notice contacts


def day_with_a_ticket(ports: Ports, day: str, short: str = "b") -> str:
    ticket_id = f"{UNIT}.{day}.{short:a<10}"
    at = datetime(int(day[:4]), int(day[4:6]), int(day[6:]), 15, tzinfo=UTC)
    event = TicketEvent(
        ticket_id, Action.REQUEUE, Status.WAITING, at, "ana@trf1.jus.br", "Maria pediu para voltar"
    )
    state, etag = ports.store.load(UNIT, day)
    ports.store.commit(
        state if etag else QueueState(unit_id=UNIT, day=day),
        etag,
        [TicketWrite(ticket_id, {"status": "waiting", "seq": 1, **PERSONAL}, create=True, event=event)],
    )
    ports.store.add_survey(ticket_id, {"score": 5, "comment": "Obrigada, Maria"})
    ports.store.write_heartbeat(UNIT, day, "w1", {short: 1})
    ports.store.put_contacts(ticket_id, CONTACTS)
    return ticket_id


def test_expired_partitions_are_purged_once(ports: Ports) -> None:
    old = day_with_a_ticket(ports, "20261130")
    recent = day_with_a_ticket(ports, "20270228")
    assert ports.retention.expired_partitions("20270101") == [(UNIT, "20261130")]
    changed, deleted = ports.retention.purge_partition(UNIT, "20261130", NOW)
    assert changed >= 2 and deleted == 1  # ticket, survey (and event); the heartbeat deleted
    ticket = ports.store.get_ticket(old) or {}
    assert all(not ticket.get(k) for k in PERSONAL) and ticket["status"] == "waiting" and ticket["seq"] == 1
    assert ports.store.read_heartbeats(UNIT, "20261130") == []
    [event] = ports.store.list_events(UNIT, "20261130")
    assert "Maria" not in str(event.get("reason", "")) and event["action"] == "requeue"
    assert ports.retention.expired_partitions("20270101") == []  # marked purged
    assert (ports.store.get_ticket(recent) or {})["name"] == "Maria da Silva"  # within the period
    assert ports.store.get_contacts(old) == {} and ports.store.get_contacts(recent) == CONTACTS


def test_records_before_the_cutoff_are_blanked_once(ports: Ports) -> None:
    table = ports.record_table
    ports.appointments.commit(
        UNIT,
        [
            RowWrite("a.20260101.aaa", {"status": "booked", **PERSONAL}, "create"),
            RowWrite("a.20260301.bbb", {"status": "booked", **PERSONAL}, "create"),
            RowWrite("b.202601011000", {"holders": "aaa"}, "create"),
        ],
    )
    assert ports.retention.purge_records(table, ("a.",), "20260215", NOW) == 1
    early = ports.appointments.get(UNIT, "a.20260101.aaa")
    late = ports.appointments.get(UNIT, "a.20260301.bbb")
    assert early is not None and late is not None
    assert early.fields["name"] == "" and early.fields["status"] == "booked"
    assert late.fields["name"] == "Maria da Silva"
    assert ports.retention.purge_records(table, ("a.",), "20260215", NOW) == 0  # already done
    assert ports.retention.purge_records(table, ("a.",), "20260302", NOW) == 1


def test_one_ticket_is_erased_on_request(ports: Ports) -> None:
    erased = day_with_a_ticket(ports, "20261130", "b")
    other = day_with_a_ticket(ports, "20261130", "c")
    ports.retention.erase_ticket(erased, NOW)
    ticket = ports.store.get_ticket(erased) or {}
    assert (
        all(not ticket.get(k) for k in PERSONAL) and ticket["dataErasedAt"] and ticket["status"] == "waiting"
    )
    events = {e["ticketId"]: e for e in ports.store.list_events(UNIT, "20261130")}
    assert "Maria" not in str(events[erased].get("reason", ""))
    assert "Maria" in str(events[other]["reason"])
    assert (ports.store.get_ticket(other) or {})["name"] == "Maria da Silva"
    assert ports.store.get_contacts(erased) == {} and ports.store.get_contacts(other) == CONTACTS


def test_the_markers_kept_under_a_scope_are_forgotten_before_the_cutoff(ports: Ports) -> None:
    """Issue 18: the once-markers of the WhatsApp messages applied (`whatsapp.{day}`), not a unit's."""
    for day in ("20261130", "20261201", "20270228"):
        for key in ("wa.m1", "wa.m2"):
            assert ports.store.claim_once("whatsapp", day, key, 1, 60_000) == "claimed"
            ports.store.settle_once("whatsapp", day, key, True)
    assert ports.store.claim_once(UNIT, "20261130", "c.joined.x.push", 1, 60_000) == "claimed"
    ports.store.settle_once(UNIT, "20261130", "c.joined.x.push", True)
    assert ports.retention.forget_markers("whatsapp", "20270101") == 4
    assert ports.store.claim_once("whatsapp", "20261201", "wa.m1", 2, 60_000) == "claimed"  # forgotten
    assert ports.store.claim_once("whatsapp", "20270228", "wa.m1", 2, 60_000) == "done"  # kept
    assert ports.store.claim_once(UNIT, "20261130", "c.joined.x.push", 2, 60_000) == "done"  # a unit's
    assert ports.retention.forget_markers("whatsapp", "20270101") == 1  # the one just claimed again
