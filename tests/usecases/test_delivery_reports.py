"""Issue 18 on the fakes: the delivery reports of WhatsApp notices (`AdvancedMessageDeliveryStatusUpdated`)
recorded on the notice, by its ACS message id, whatever their order and however often replayed; a failed
delivery makes the citizen not reachable on WhatsApp; the console and the audit trail show it."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest

from domain.errors import TransientProviderError
from domain.usecases.clerk_queue import clerk_queue
from domain.usecases.delivery_reports import receipt_key, report
from tests.usecases.conftest import ANA, DAY, UNIT, World
from tests.usecases.test_citizen_notices import WHATSAPP, deliver, notices

# The rule (issue 18): a status never moves back; sent < delivered < read; failed is recorded once.
FINAL = {
    ("sent",): "sent",
    ("delivered",): "delivered",
    ("sent", "delivered", "read"): "read",
    ("delivered", "read"): "read",
    ("read", "delivered", "sent"): "read",
    ("sent", "failed"): "failed",
    ("failed", "sent", "delivered"): "failed",
}


def told(world: World) -> tuple[str, dict[str, str]]:
    """A citizen in line with WhatsApp, told "joined" and "near_front": (ticket id, kind → ACS id)."""
    ticket = world.arrive(notices=notices(WHATSAPP))
    deliver(world)
    refs = {e["kind"]: e["ref"] for e in entries(world, ticket.ticket_id)}
    assert set(refs) == {"joined", "near_front"} and all(refs.values())
    return ticket.ticket_id, refs


def entries(world: World, ticket_id: str) -> list[dict[str, str]]:
    return list(json.loads(str(world.stored(ticket_id).get("notices") or "[]")))


def status_of(world: World, ticket_id: str, kind: str) -> str:
    return next(e.get("status", "sent") for e in entries(world, ticket_id) if e["kind"] == kind)


def audited(world: World, ticket_id: str) -> list[str]:
    return [
        str(e["reason"])
        for e in world.ctx.store.list_events(UNIT, DAY)
        if e["action"] == "notice"
        and e["ticketId"] == ticket_id
        and str(e["reason"]).endswith(("enviado)", "entregue)", "lido)", "falhou)"))  # the reports' own
    ]


@pytest.mark.parametrize("statuses", sorted(FINAL))
def test_every_order_of_the_reports_ends_in_the_same_status(world: World, statuses: tuple[str, ...]) -> None:
    ticket_id, refs = told(world)
    for order in itertools.permutations(statuses):
        for status in order + order:  # each delivered twice (at least once)
            report(world.ctx, refs["joined"], status, world.tick())
        assert status_of(world, ticket_id, "joined") == FINAL[statuses], order
        assert status_of(world, ticket_id, "near_front") == "sent"  # another message: untouched
    for status in statuses:  # replayed after everything: nothing more is written
        assert report(world.ctx, refs["joined"], status, world.tick()) == "unchanged"


def test_each_status_is_audited_once_and_a_late_one_changes_nothing(world: World) -> None:
    ticket_id, refs = told(world)
    assert report(world.ctx, refs["joined"], "Read", world.tick()) == "recorded"
    assert report(world.ctx, refs["joined"], "Delivered", world.tick()) == "unchanged"
    assert report(world.ctx, refs["joined"], "Read", world.tick()) == "unchanged"
    assert audited(world, ticket_id) == ["aviso joined (whatsapp: lido)"]


def test_the_console_says_the_notice_was_read(world: World) -> None:
    _, refs = told(world)
    report(world.ctx, refs["near_front"], "delivered", world.tick())
    first = clerk_queue(world.ctx, UNIT, world.who(ANA), world.tick()).waiting[0]
    assert first.noticed.endswith(", entregue") and first.noticed.startswith("avisado por WhatsApp às ")
    report(world.ctx, refs["near_front"], "read", world.tick())
    first = clerk_queue(world.ctx, UNIT, world.who(ANA), world.tick()).waiting[0]
    assert first.noticed.endswith(", lido")


def test_a_failed_delivery_makes_the_citizen_unreachable_on_whatsapp(world: World) -> None:
    ticket = world.arrive(notices=notices(WHATSAPP))
    deliver(world)
    assert world.view(ticket)["reachable"] is True
    refs = [e["ref"] for e in entries(world, ticket.ticket_id)]
    assert report(world.ctx, refs[-1], "failed", world.tick()) == "recorded"
    view = world.view(ticket)
    assert view["reachable"] is False and view["channelLost"] == "whatsapp" and view["noticeChannels"] == []
    first = clerk_queue(world.ctx, UNIT, world.who(ANA), world.tick()).waiting[0]
    assert "falh" not in first.noticed and first.noticed.startswith("avisado por WhatsApp")  # the one before
    assert report(world.ctx, refs[-1], "failed", world.tick()) == "unchanged"  # recorded once
    assert len(audited(world, ticket.ticket_id)) == 1


def test_a_report_of_a_message_that_is_no_notice_is_ignored(world: World) -> None:
    told(world)
    assert report(world.ctx, "some-reply-of-the-conversation", "read", world.tick()) == "unknown"
    assert report(world.ctx, "", "read", world.tick()) == "unknown"


def test_a_report_before_the_notice_is_recorded_comes_back_later(world: World) -> None:
    ticket_id, _ = told(world)
    world.ctx.conversations.save(  # type: ignore[union-attr]
        receipt_key("acs-early"), {"ticketId": ticket_id, "kind": "called", "lastMs": 0}, None
    )
    world.ctx.conversations.save(  # type: ignore[union-attr]
        receipt_key("acs-racing"),
        {"ticketId": ticket_id, "kind": "called", "lastMs": int(world.now.timestamp() * 1000)},
        None,
    )
    with pytest.raises(TransientProviderError):  # Event Grid delivers it again
        report(world.ctx, "acs-racing", "delivered", world.tick())
    later = world.tick(timedelta(minutes=5).seconds)
    assert report(world.ctx, "acs-early", "delivered", later) == "unchanged"


def test_the_receipt_holds_no_number(world: World) -> None:
    told(world)
    rows = {k: v for k, v in world.fakes.conversations.rows.items() if k.startswith("receipt.")}
    assert len(rows) == 2 and not [v for v in rows.values() if "99912" in v[0] or "5568" in v[0]]
