"""`BatchBus`: JSON objects, at least once; a drained batch is deleted by `complete()`, and a batch
not completed comes back when its visibility ends, counted as another delivery (conftest: fake and
Azurite alike)."""

from __future__ import annotations

from tests.contract.ports.conftest import VISIBILITY_S, Ports


def payloads(ports: Ports, most: int = 32) -> list[dict[str, object]]:
    batch = ports.bus.drain(ports.queue, most, visibility_timeout_s=VISIBILITY_S)
    found = [m.payload for m in batch.items]
    batch.complete()
    return found


def test_what_is_sent_is_drained_as_sent(ports: Ports) -> None:
    sent = [{"ticketId": f"t{i}", "n": i, "nome": "João", "ok": True} for i in range(3)]
    for payload in sent:
        ports.bus.send(ports.queue, payload)
    got = [{k: v for k, v in p.items() if k != "_trace"} for p in payloads(ports)]
    assert sorted(got, key=lambda p: str(p["n"])) == sent


def test_an_empty_queue_gives_an_empty_batch(ports: Ports) -> None:
    batch = ports.bus.drain(ports.queue, 32)
    assert list(batch.items) == []
    batch.complete()


def test_a_batch_holds_at_most_what_was_asked(ports: Ports) -> None:
    for i in range(5):
        ports.bus.send(ports.queue, {"n": i})
    assert len(payloads(ports, 2)) == 2
    assert len(payloads(ports)) == 3
    assert payloads(ports) == []


def test_a_batch_not_completed_comes_back_as_another_delivery(ports: Ports) -> None:
    ports.bus.send(ports.queue, {"n": 1})
    first = ports.bus.drain(ports.queue, 32, visibility_timeout_s=VISIBILITY_S)
    assert [m.dequeue_count for m in first.items] == [1]
    assert list(ports.bus.drain(ports.queue, 32).items) == []  # invisible while being processed
    ports.visibility_passes()
    again = ports.bus.drain(ports.queue, 32, visibility_timeout_s=VISIBILITY_S)
    assert [(m.payload["n"], m.dequeue_count) for m in again.items] == [(1, 2)]
    again.complete()
    ports.visibility_passes()
    assert list(ports.bus.drain(ports.queue, 32).items) == []


def test_a_message_tried_too_often_is_left_for_the_poison_queue(ports: Ports) -> None:
    ports.bus.send(ports.queue, {"n": 1})
    for _ in range(2):
        assert (
            len(ports.bus.drain(ports.queue, 32, visibility_timeout_s=VISIBILITY_S, max_dequeue=3).items) == 1
        )
        ports.visibility_passes()
    assert (
        list(ports.bus.drain(ports.queue, 32, visibility_timeout_s=VISIBILITY_S, max_dequeue=3).items) == []
    )


def test_a_long_queue_is_drained_in_one_batch_beyond_one_page_of_32(ports: Ports) -> None:
    for i in range(70):
        ports.bus.send(ports.queue, {"n": i})
    assert len(payloads(ports, 40)) == 40  # a page of 32, then 8 more
    assert len(payloads(ports, 100)) == 30  # what is left, however much was asked
    ports.bus.send(ports.queue, {"n": 70})
    assert payloads(ports, 0) == []  # zero asked: nothing taken
    assert len(payloads(ports)) == 1


def test_discard_deletes_only_the_matching_messages_and_leaves_the_others_visible(ports: Ports) -> None:
    for n, ticket in enumerate(["a", "b", "a", "c"]):
        ports.bus.send(ports.queue, {"ticketId": ticket, "n": n})
    assert ports.bus.discard(ports.queue, "ticketId", "a") == 2
    assert ports.bus.discard(ports.queue, "ticketId", "a") == 0
    left = sorted((str(p["ticketId"]), p["n"]) for p in payloads(ports))
    assert left == [("b", 1), ("c", 3)], "the others are visible again, right away"
