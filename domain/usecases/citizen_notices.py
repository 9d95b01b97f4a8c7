"""Notices to a citizen off the page (issue 13, the `citizen-notices` queue): queued by the use cases
when something the citizen must know happens, delivered on every channel the ticket has.

- **Queued** (`queue_citizen_notice`) with the ticket id, the kind and a dedup key only: never the
  contact (personal data, read from the ticket's companion row at delivery: domain/contacts.py).
- **Rendered** here in plain pt-BR (`TEXTS`), with a link to the citizen's own page (the token only in
  the URL fragment) or, once called, to the meeting.
- **Sent once per dedup key and channel** across instances and replays (domain/usecases/once.py).
  Pacing per channel across instances is the channel adapter's (in storage: functions/bootstrap.py).
- **Retried with back-off**: a channel that failed for a reason worth retrying (`TransientProviderError`:
  429, 5xx, timeouts) is queued again for that channel alone, after `BACKOFF_S[attempt]` seconds; after
  the last attempt it is recorded as failed. `ContactGoneError` (Web Push 404/410) drops the channel
  from the ticket and sets `channelLost` (the page offers to subscribe again); another `ProviderError`
  is recorded as failed at once.
- **Recorded** on the ticket (`notices`: kind, channel, outcome, time: the console's "avisado por
  WhatsApp às 10:42") and in the audit trail (a `notice` event), in one commit per message. A WhatsApp
  delivery keeps the ACS message id (`ref`), by which its delivery reports find it
  (domain/usecases/delivery_reports.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.config import UnitConfig
from domain.errors import ContactGoneError, ProviderError, TransientProviderError
from domain.ports import CITIZEN_NOTICE_QUEUE, CitizenNotice, NoticeChannelName
from domain.queue import QueueState
from domain.tickets import TicketId, TicketWrite
from domain.times import iso_utc, ms
from domain.usecases import once
from domain.usecases.context import Context
from domain.usecases.delivery_reports import drop_reach, keep_receipt, notice_event
from domain.usecases.notice_subjects import Subject, record_on_row, subject_of
from domain.usecases.unit_day import NoChange, mutate, ticket_day
from domain.usecases.whatsapp_chat import CHAT, relay_chat
from domain.usecases.whatsapp_survey import SURVEY, ask_survey

BACKOFF_S = (2, 8, 30, 120)  # before attempts 2, 3, 4, 5
MAX_ATTEMPTS = len(BACKOFF_S) + 1
KEPT_RECORDS = 20  # deliveries kept on the ticket (the latest)
SENT, FAILED, GONE = "sent", "failed", "gone"

ACTIONS_NEAR = (("open", "Abrir a página"), ("here", "Estou aqui"))
ACTIONS_CALLED = (("open", "Entrar no atendimento"), ("here", "Estou aqui"))


@dataclass(frozen=True)
class Text:
    title: str
    body: str  # {unit}, {number}, {link}, {places} are filled in
    actions: tuple[tuple[str, str], ...] = ()


# Plain words for someone with little schooling: who, what to do now, the link.
TEXTS: Mapping[str, Text] = {
    "joined": Text(
        "Você entrou na fila",
        "Você entrou na fila de {unit}. Sua senha é {number}. Vamos avisar quando estiver perto da "
        "sua vez. Para ver a fila: {link}",
    ),
    "near_front": Text(
        "Falta pouco para a sua vez",
        "Falta pouco para a sua vez em {unit} (senha {number}). Fique perto do celular. Abra a página e "
        'toque em "Estou aqui": {link}',
        ACTIONS_NEAR,
    ),
    "called": Text(
        "Chegou a sua vez!",
        "Chegou a sua vez em {unit} (senha {number}). Entre agora no atendimento por este link: {link}",
        ACTIONS_CALLED,
    ),
    "meeting_retry": Text(
        "Estamos abrindo a sala de novo",
        "A sala do seu atendimento em {unit} (senha {number}) não abriu. Estamos tentando de novo. "
        "Fique na página: {link}",
    ),
    "put_back": Text(
        "Você voltou para a fila",
        "Você foi chamado(a) em {unit}, mas não entrou a tempo. Sua senha {number} voltou para a fila, "
        "{places} lugares atrás. Fique atento(a) ao próximo aviso: {link}",
    ),
    "reminder": Text(
        "Lembrete do seu atendimento",
        "Lembrete: você tem atendimento marcado em {unit} no dia {number}. Na hora, abra a página para "
        "entrar: {link}",
    ),
    "reply": Text(
        "Sua mensagem foi respondida",
        "{unit} respondeu à sua mensagem (protocolo {number}). Leia a resposta na página: {link}",
    ),
}
KINDS = tuple(TEXTS)


def queue_citizen_notice(ctx: Context, kind: str, ticket_id: str, dedup_key: str = "") -> None:
    """Queue a notice to the ticket's citizen (delivered on each of its channels, once per key)."""
    if kind not in TEXTS:
        raise ValueError(f"unknown citizen notice {kind}")
    short = TicketId.parse(ticket_id).short
    ctx.bus.send(
        CITIZEN_NOTICE_QUEUE,
        {"ticketId": ticket_id, "kind": kind, "dedupKey": dedup_key or f"{kind}.{short}"},
    )


def queue_if_reachable(
    ctx: Context, state: QueueState, kind: str, ticket_id: str, dedup_key: str = ""
) -> None:
    """Queue the notice when the ticket has a channel in `state` (nothing to send otherwise)."""
    if state.reachable(TicketId.parse(ticket_id).short):
        queue_citizen_notice(ctx, kind, ticket_id, dedup_key)


def offered_channels(ctx: Context, unit: UnitConfig) -> tuple[str, ...]:
    """The channels the unit enables (its `notices`, else its court's) that this deployment set up."""
    enabled = ctx.config().notices_for(unit).channels
    channels = ctx.citizen_channels
    return tuple(name for name in enabled if channels is not None and channels.get(name) is not None)


def carry_contacts(ctx: Context, from_ticket: str, to_ticket: str, target: UnitConfig) -> tuple[str, ...]:
    """A transfer: the citizen keeps being told on the channels chosen, on the new ticket (those the
    target unit offers). The contacts move to the new ticket's row before its join request is queued
    (the admission reads the channel names from the request); the old ticket keeps none (personal data
    with no use left there). Erasure and purge reach them where they are (domain/usecases/retention.py
    follows the transfer both ways). Returns the channel names carried, in the unit's order."""
    contacts = ctx.store.get_contacts(from_ticket)
    carried = tuple(name for name in offered_channels(ctx, target) if contacts.get(name))
    if carried:
        ctx.store.put_contacts(to_ticket, {name: contacts[name] for name in carried})
    return carried


def drop_contacts(ctx: Context, ticket_id: str) -> None:
    if ctx.store.get_contacts(ticket_id):
        ctx.store.put_contacts(ticket_id, {})


# --- near the front ---------------------------------------------------------------------------


def mark_near_front(ctx: Context, state: QueueState, unit: UnitConfig, now: datetime) -> list[str]:
    """In a change of `state`: the reachable citizens now at position ≤ `nearFrontPosition` who were not
    told yet are marked told (their notices are queued by the caller after the commit: `tell_near`)."""
    limit = ctx.config().notices_for(unit).near_front_position
    told = []
    for position, entry in enumerate(state.order(unit.ordering.policy()), start=1):
        if position > limit:
            break
        reach = state.reach.get(entry.short)
        if reach is not None and reach.channels and not reach.near_ms:
            reach.near_ms = ms(now)
            told.append(f"{unit.id}.{state.day}.{entry.short}")
    return told


def tell_near(ctx: Context, ticket_ids: Sequence[str]) -> None:
    for ticket_id in ticket_ids:
        queue_citizen_notice(ctx, "near_front", ticket_id)


def sweep_near_front(ctx: Context, unit: UnitConfig, day: str, now: datetime) -> None:
    """After the line moved (a call, an admission): tell who just came near the front. Reads the shared
    state first and writes only when someone is to be told."""
    if not _someone_to_tell(ctx, ctx.store.load_for_change(unit.id, day)[0], unit):
        return

    def change(state: QueueState) -> tuple[list[str], list[TicketWrite]]:
        told = mark_near_front(ctx, state, unit, now)
        if not told:
            raise NoChange([])
        return told, []

    tell_near(ctx, mutate(ctx, unit.id, day, change) or [])


def _someone_to_tell(ctx: Context, state: QueueState, unit: UnitConfig) -> bool:
    if not state.reach:
        return False
    limit = ctx.config().notices_for(unit).near_front_position
    head = state.order(unit.ordering.policy())[:limit]
    return any(state.reachable(e.short) and not state.reach_of(e.short).near_ms for e in head)


# --- delivery ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    channel: str
    outcome: str  # sent | failed | gone (the survey: domain/usecases/whatsapp_survey.py's outcomes)
    retry: bool = False  # failed for now: queued again
    ref: str = ""  # the provider's message id (WhatsApp: its delivery reports find the notice by it)


def deliver_citizen_notice(ctx: Context, message: Mapping[str, Any], now: datetime) -> list[Delivery]:
    """Send one queued notice on the ticket's channels (module docstring). Returns what happened on
    each channel tried; a channel already sent for this key is skipped."""
    ticket_id, kind = str(message["ticketId"]), str(message["kind"])
    if kind == SURVEY:  # not a notice: the WhatsApp conversation asks the survey (issue 18)
        return [Delivery("whatsapp", ask_survey(ctx, message, now))]
    if kind == CHAT:  # nor this: a clerk's chat message relayed to WhatsApp (issue 18)
        return [Delivery("whatsapp", relay_chat(ctx, message, now))]
    key = str(message.get("dedupKey") or kind)
    attempt = int(message.get("attempt") or 1)
    only = tuple(message.get("channels") or ())
    tid = TicketId.parse(ticket_id)
    unit = ctx.config().unit(tid.unit_id)
    subject = subject_of(ctx, unit, tid, kind) if unit is not None and kind in TEXTS else None
    if unit is None or subject is None or not subject.contacts:
        return []
    contacts = subject.contacts
    day = ticket_day(tid)
    deliveries: list[Delivery] = []
    again: list[str] = []
    busy = False
    for name, contact in contacts.items():
        channel = ctx.citizen_channels.get(name) if ctx.citizen_channels else None
        if (only and name not in only) or channel is None or not contact:
            continue
        marker = f"c.{key}.{name}"
        claimed = once.claim(ctx, unit.id, day, marker, now)
        if claimed != "claimed":
            busy = busy or claimed == "busy"
            continue
        notice = render(unit.name, subject, kind, channel.name, contact, key)
        try:
            ref = channel.send(notice)
        except ContactGoneError:
            once.settle(ctx, unit.id, day, [marker], done=True)
            deliveries.append(Delivery(name, GONE))
        except TransientProviderError:
            last = attempt >= MAX_ATTEMPTS
            once.settle(ctx, unit.id, day, [marker], done=last)
            deliveries.append(Delivery(name, FAILED, retry=not last))
            if not last:
                again.append(name)
        except ProviderError:
            once.settle(ctx, unit.id, day, [marker], done=True)
            deliveries.append(Delivery(name, FAILED))
        else:
            once.settle(ctx, unit.id, day, [marker], done=True)
            deliveries.append(Delivery(name, SENT, ref=ref if name == "whatsapp" else ""))
            if name == "whatsapp" and not subject.record_key:
                keep_receipt(ctx, ref, ticket_id, kind, now)
    if again:
        ctx.bus.send(
            CITIZEN_NOTICE_QUEUE,
            {"ticketId": ticket_id, "kind": kind, "dedupKey": key, "attempt": attempt + 1, "channels": again},
            delay_s=BACKOFF_S[attempt - 1],
        )
    done = [d for d in deliveries if not d.retry]
    if subject.record_key:
        log = [{"kind": kind, "channel": d.channel, "outcome": d.outcome, "at": iso_utc(now)} for d in done]
        if log:
            record_on_row(ctx, unit, subject, log, [d.channel for d in done if d.outcome == GONE])
    else:
        record(ctx, tid, kind, done, now)
    if busy:
        raise once.in_flight()
    return deliveries


def render(
    unit_name: str, subject: Subject, kind: str, channel: NoticeChannelName, contact: str, dedup_key: str
) -> CitizenNotice:
    """The notice as the channel sends it (pt-BR text, link, actions). The WhatsApp template is named
    by the kind, its values are the unit, the number and the link (adapters/notice_whatsapp.py)."""
    text = TEXTS[kind]
    body = text.body.format(unit=unit_name, number=subject.number, link=subject.link, places=subject.places)
    return CitizenNotice(
        kind=kind,
        channel=channel,
        contact=contact,
        title=text.title,
        text=body,
        link=subject.link,
        dedup_key=dedup_key,
        template=kind,
        template_values=(unit_name, subject.number, subject.link),
        actions=text.actions,
    )


def record(ctx: Context, tid: TicketId, kind: str, deliveries: list[Delivery], now: datetime) -> None:
    """Write what happened on the ticket and in the audit trail; drop channels that are gone."""
    if not deliveries:
        return
    ticket_id = str(tid)
    gone = [d.channel for d in deliveries if d.outcome == GONE]

    def change(state: QueueState) -> tuple[None, list[TicketWrite]]:
        stored = ctx.store.get_ticket(ticket_id)
        if stored is None:
            raise NoChange()
        drop_reach(state, tid.short, gone)
        log = json.loads(str(stored.get("notices") or "[]"))
        log += [
            {"kind": kind, "channel": d.channel, "outcome": d.outcome, "at": iso_utc(now)}
            | ({"ref": d.ref} if d.ref else {})
            for d in deliveries
        ]
        said = ", ".join(f"{d.channel}: {d.outcome}" for d in deliveries)
        event = notice_event(ticket_id, stored, now, f"aviso {kind} ({said})")
        return None, [TicketWrite(ticket_id, {"notices": json.dumps(log[-KEPT_RECORDS:])}, event=event)]

    mutate(ctx, tid.unit_id, ticket_day(tid), change)
    if gone:  # the contact no longer answers: forget it (personal data with no use)
        kept = {k: v for k, v in ctx.store.get_contacts(ticket_id).items() if k not in gone}
        ctx.store.put_contacts(ticket_id, kept)
