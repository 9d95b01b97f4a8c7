"""`QueueStore`: one unit-day partition, its state guarded by an ETag, tickets and events committed with
it in one all-or-nothing transaction (tests/contract/ports/conftest.py: fake and Azurite alike)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.storage import METER
from domain.errors import ConcurrentUpdateError, ConflictError
from domain.ports import DuplicateTicketError
from domain.queue import QueueState, Reach
from domain.tickets import Action, Status, TicketEvent, TicketWrite
from tests.contract.ports.conftest import Ports

UNIT, DAY = "trf1-sjac-01vf", "20261130"
AT = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def tid(short: str) -> str:
    return f"{UNIT}.{DAY}.{short:a<10}"


def admitted(short: str, at: datetime = AT) -> TicketWrite:
    ticket_id = tid(short)
    event = TicketEvent(ticket_id, Action.ADMIT, Status.WAITING, at, "system", data={"position": 1})
    return TicketWrite(ticket_id, {"status": "waiting", "name": "Ana"}, create=True, event=event)


def first_commit(ports: Ports, *writes: TicketWrite) -> tuple[QueueState, str]:
    state, etag = ports.store.load(UNIT, DAY)
    state.seq = len(writes)
    ports.store.commit(state, etag, writes)
    state, etag = ports.store.load(UNIT, DAY)
    assert etag is not None
    return state, etag


def test_a_day_without_state_loads_empty_without_an_etag(ports: Ports) -> None:
    state, etag = ports.store.load(UNIT, DAY)
    assert etag is None and state.unit_id == UNIT and state.day == DAY and state.seq == 0 and not state.line
    assert ports.store.list_tickets(UNIT, DAY) == [] and ports.store.get_ticket(tid("x")) is None


def test_a_commit_stores_state_tickets_and_events_and_changes_the_etag(ports: Ports) -> None:
    state, etag = first_commit(ports, admitted("b"), admitted("c"))
    assert state.seq == 2
    assert {t["ticketId"] for t in ports.store.list_tickets(UNIT, DAY)} == {tid("b"), tid("c")}
    assert (ports.store.get_ticket(tid("b")) or {})["name"] == "Ana"
    state.seq = 3
    ports.store.commit(state, etag, [])
    again, newer = ports.store.load(UNIT, DAY)
    assert again.seq == 3 and newer not in (None, etag)


def test_a_stale_etag_writes_nothing(ports: Ports) -> None:
    state, etag = first_commit(ports, admitted("b"))
    state.seq = 5
    ports.store.commit(state, etag, [])
    state.seq = 9
    with pytest.raises(ConcurrentUpdateError):
        ports.store.commit(state, etag, [admitted("c")])  # lost to the commit above
    assert ports.store.load(UNIT, DAY)[0].seq == 5 and ports.store.get_ticket(tid("c")) is None


def test_creating_a_state_that_exists_is_a_conflict(ports: Ports) -> None:
    first_commit(ports, admitted("b"))
    with pytest.raises(ConcurrentUpdateError):
        ports.store.commit(QueueState(unit_id=UNIT, day=DAY, seq=7), None, [])
    assert ports.store.load(UNIT, DAY)[0].seq == 1


def test_creating_a_ticket_that_exists_is_a_duplicate_and_writes_nothing(ports: Ports) -> None:
    state, etag = first_commit(ports, admitted("b"))
    state.seq = 2
    with pytest.raises(DuplicateTicketError):
        ports.store.commit(state, etag, [admitted("c"), admitted("b")])
    assert ports.store.load(UNIT, DAY)[1] == etag and ports.store.get_ticket(tid("c")) is None


def test_a_ticket_write_merges_its_fields(ports: Ports) -> None:
    state, etag = first_commit(ports, admitted("b"))
    ports.store.commit(state, etag, [TicketWrite(tid("b"), {"status": "called", "calledBy": "ana"})])
    stored = ports.store.get_ticket(tid("b")) or {}
    assert stored["status"] == "called" and stored["calledBy"] == "ana" and stored["name"] == "Ana"
    ports.store.merge_ticket(tid("b"), {"meetingStatus": "ready"})
    stored = ports.store.get_ticket(tid("b")) or {}
    assert stored["meetingStatus"] == "ready" and stored["status"] == "called"


def test_events_are_listed_in_row_key_order_with_their_fields(ports: Ports) -> None:
    first_commit(ports, admitted("c", AT + timedelta(seconds=2)), admitted("b", AT))
    events = ports.store.list_events(UNIT, DAY)
    assert [e["ticketId"] for e in events] == [tid("b"), tid("c")]
    assert events[0]["RowKey"].startswith("e.") and events[0]["action"] == "admit"
    assert events[0]["status"] == "waiting" and events[0]["by"] == "system"


def test_a_survey_is_answered_once(ports: Ports) -> None:
    first_commit(ports, admitted("b"))
    ports.store.add_survey(tid("b"), {"score": 5})
    with pytest.raises(ConflictError):
        ports.store.add_survey(tid("b"), {"score": 1})


def test_a_side_effect_is_claimed_by_one_worker_and_done_once(ports: Ports) -> None:
    # claim -> "claimed"; a second claim while the first is fresh -> "busy"; once settled done -> "done"
    assert ports.store.claim_once(UNIT, DAY, "card.1", 1_000, 60_000) == "claimed"
    assert ports.store.claim_once(UNIT, DAY, "card.1", 2_000, 60_000) == "busy"
    assert ports.store.claim_once(UNIT, DAY, "card.2", 2_000, 60_000) == "claimed"  # keys apart
    ports.store.settle_once(UNIT, DAY, "card.1", True)
    assert ports.store.claim_once(UNIT, DAY, "card.1", 3_000, 60_000) == "done"


def test_a_released_or_stale_claim_is_taken_again(ports: Ports) -> None:
    assert ports.store.claim_once(UNIT, DAY, "card.1", 1_000, 60_000) == "claimed"
    ports.store.settle_once(UNIT, DAY, "card.1", False)  # the send failed: a retry may claim it
    assert ports.store.claim_once(UNIT, DAY, "card.1", 2_000, 60_000) == "claimed"
    # a claim older than stale_after_ms is a dead worker's: taken over
    assert ports.store.claim_once(UNIT, DAY, "card.1", 62_001, 60_000) == "claimed"
    assert ports.store.claim_once(UNIT, DAY, "card.1", 62_002, 60_000) == "busy"


def test_each_worker_keeps_its_latest_heartbeat(ports: Ports) -> None:
    assert ports.store.read_heartbeats(UNIT, DAY) == []
    ports.store.write_heartbeat(UNIT, DAY, "w1", {"abc": 1})
    ports.store.write_heartbeat(UNIT, DAY, "w1", {"abc": 2, "clerk:ana@x": 3})
    ports.store.write_heartbeat(UNIT, DAY, "w2", {"def": 4})
    beats = sorted(ports.store.read_heartbeats(UNIT, DAY), key=len)
    assert beats == [{"def": 4}, {"abc": 2, "clerk:ana@x": 3}]


def test_a_fresh_peek_sees_the_last_commit(ports: Ports) -> None:
    state, etag = first_commit(ports, admitted("b"))
    state.seq = 4
    ports.store.commit(state, etag, [])
    assert ports.store.peek(UNIT, DAY, max_age_s=0.0).seq == 4


def test_a_transaction_over_one_hundred_operations_is_refused_before_writing(ports: Ports) -> None:
    state, etag = ports.store.load(UNIT, DAY)
    writes = [admitted(f"{i:03d}".translate(str.maketrans("01", "ab"))) for i in range(50)]  # 1 + 2 × 50
    with pytest.raises(ValueError):
        ports.store.commit(state, etag, writes)
    assert ports.store.load(UNIT, DAY)[1] is None and ports.store.list_tickets(UNIT, DAY) == []


def test_a_worker_changes_its_last_commit_without_reading_it(ports: Ports) -> None:
    first_commit(ports, admitted("b"))
    state, etag = ports.store.load_for_change(UNIT, DAY)
    state.seq = 7
    ports.store.commit(state, etag, [])
    requests = METER.total()
    again, again_etag = ports.store.load_for_change(UNIT, DAY)
    if ports.kind == "azurite":  # the copy it committed, with the etag the commit got: no request
        assert METER.total() == requests
    assert again.seq == 7
    again.seq = 8  # a change to the copy handed out is not the worker's copy
    ports.store.commit(again, again_etag, [])
    assert ports.store.load(UNIT, DAY)[0].seq == 8


def test_a_change_to_a_copy_another_worker_made_stale_is_refused_and_a_fresh_read_sees_theirs(
    ports: Ports,
) -> None:
    first_commit(ports, admitted("b"))
    mine, my_etag = ports.store.load_for_change(UNIT, DAY)
    theirs, their_etag = ports.another_worker().load(UNIT, DAY)
    theirs.seq = 40
    ports.another_worker().commit(theirs, their_etag, [])
    mine.seq = 2
    with pytest.raises(ConcurrentUpdateError):
        ports.store.commit(mine, my_etag, [admitted("c")])
    assert ports.store.get_ticket(tid("c")) is None
    fresh, fresh_etag = ports.store.load(UNIT, DAY)
    assert fresh.seq == 40
    fresh.seq = 41
    ports.store.commit(fresh, fresh_etag, [])
    assert ports.store.load_for_change(UNIT, DAY)[0].seq == 41


def test_a_survey_and_its_mark_on_the_ticket_are_written_together_once(ports: Ports) -> None:
    first_commit(ports, admitted("b"))
    ports.store.add_survey(tid("b"), {"score": 4}, {"surveyed": True, "surveyScore": 4})
    assert ports.store.get_ticket(tid("b"))["surveyScore"] == 4  # type: ignore[index]
    with pytest.raises(ConflictError):
        ports.store.add_survey(tid("b"), {"score": 1}, {"surveyed": True, "surveyScore": 1})
    assert ports.store.get_ticket(tid("b"))["surveyScore"] == 4  # type: ignore[index]


def test_a_finished_attendance_opens_its_survey_once_and_the_answer_closes_it(ports: Ports) -> None:
    """Issue 17: answering through the slot the end of the attendance opened is one transaction and
    reads nothing; without a slot (not finished, already answered) nothing is written."""
    state, etag = first_commit(ports, admitted("b"), admitted("c"))
    mark = {"surveyed": True, "surveyScore": 4}
    assert not ports.store.answer_survey(tid("b"), {"score": 4}, mark)  # waiting: no slot
    assert "surveyed" not in ports.store.get_ticket(tid("b"))  # type: ignore[operator]
    finish = TicketWrite(tid("b"), {"status": "done"}, opens_survey=True)
    ports.store.commit(state, etag, [finish])
    before = METER.total()
    assert ports.store.answer_survey(tid("b"), {"score": 4}, mark)
    assert METER.total() - before <= 1  # one request on Azurite (the fake makes none)
    assert ports.store.get_ticket(tid("b"))["surveyScore"] == 4  # type: ignore[index]
    assert not ports.store.answer_survey(tid("b"), {"score": 1}, {"surveyed": True, "surveyScore": 1})
    assert ports.store.get_ticket(tid("b"))["surveyScore"] == 4  # type: ignore[index]
    with pytest.raises(ConflictError):  # and the survey itself is there, once
        ports.store.add_survey(tid("b"), {"score": 1})
    assert not ports.store.answer_survey(tid("c"), {"score": 2}, mark)  # another ticket: its own slot


def test_contacts_live_beside_the_ticket_and_are_replaced_whole(ports: Ports) -> None:
    assert ports.store.get_contacts(tid("b")) == {}
    ports.store.put_contacts(tid("b"), {"sms": "+5568999123456", "push": '{"endpoint":"https://x"}'})
    first_commit(ports, admitted("b"))  # admission creates the ticket after its contacts were kept
    assert ports.store.get_contacts(tid("b")) == {"sms": "+5568999123456", "push": '{"endpoint":"https://x"}'}
    ports.store.put_contacts(tid("b"), {"email": "a@b.com.br"})
    assert ports.store.get_contacts(tid("b")) == {"email": "a@b.com.br"}
    assert ports.store.get_contacts(tid("c")) == {}
    assert [t["ticketId"] for t in ports.store.list_tickets(UNIT, DAY)] == [tid("b")]  # not a ticket


def test_the_channels_and_marks_of_each_ticket_are_kept_in_the_state(ports: Ports) -> None:
    state, etag = first_commit(ports, admitted("b"))
    state.reach["bbbbbbbbbb"] = Reach(["push", "sms"], lost="email", near_ms=5, here_ms=6, put_back=1)
    ports.store.commit(state, etag)
    again, _ = ports.store.load(UNIT, DAY)
    assert again.reach == {"bbbbbbbbbb": Reach(["push", "sms"], "email", 5, 6, 1)}
