"""Personal data searched everywhere (issue 20, point 6): after the holder's erasure and after the
retention purge, every table, every queue (with its `-poison` queue) and every blob of the storage
account is dumped and searched for strings planted through the API, without using the domain's own list
of personal fields (tests/support/storage_dump.py).

Two sets of the same day of work are planted on one system (a stopped clock): one is erased by its
holder, the other is left for the purge. Each set has everything a person or a clerk types: a lawyer's
ticket (name, OAB, CNJ process number, a priority ground) called with a reason the clerk typed,
requeued with another, served and rated with a comment that carries a phone number and an e-mail
address (there is no phone or e-mail field: they go where the app takes free text); a ticket transferred
to another unit with a typed reason; an attendance that got a follow-up appointment; an attendance by
chat (a message each way) of a citizen who described an accessibility need at joining; an appointment
booked by the citizen; an asynchronous message (with a phone and an e-mail in its text) and the clerk's
reply. The erased set also has a join request that kept failing and went to `join-requests-poison`.

Issue 13: the lawyer of each set also chose to be told by Web Push (a subscription to a local push
service, which receives the notices): the subscription's endpoint and keys are searched like the rest.

The holder erases with `DELETE /api/tickets/{id}/data` and the token of each thing they hold (ticket,
appointment, message). Where the current code leaves data, the correct behaviour was asserted
in tests marked `xfail(strict=True)` naming issue 16, which closed them. A queue message is not
searchable away by the purge: the rule checked for queues after the retention period is that a copy
lives less than the period (its time to live).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.storage.queue import QueueServiceClient

from adapters.notice_push import WebPushChannel, new_vapid_keys
from devhost.clock import FakeClock
from domain.ports import JOIN_QUEUE, CitizenChannel
from domain.retention import DEFAULT_RETENTION_DAYS
from domain.usecases import admission
from functions import bootstrap
from functions.settings import Settings
from tests.fakes.fake_push import FakePush
from tests.fakes.fake_webhook import FakeWebhook
from tests.support.storage_dump import Record, dump_account, record, where_found
from tests.support.system import CONFIG_FILE, System, principal_header, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

UNIT = "tjam-tefe-vu"  # scheduling for everyone and the asynchronous channel; Manaus (UTC-4)
OTHER_UNIT = "tjac-rbr-1vce"  # where tickets are transferred to
CLERK = "elisa.prado@tjam.jus.br"
DAY = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)  # Tuesday, 09:00 in Manaus
# The purge after every record of the day of work (appointments up to 14 days ahead) is past retention.
PURGE_AT = datetime(2026, 4, 18, 6, 30, tzinfo=UTC)


def cnj(
    sequence: str, year: str = "2025", segment: str = "8", court: str = "04", origin: str = "0001"
) -> str:
    """A CNJ number with valid check digits (Res. CNJ 65/2008, ISO 7064 MOD 97-10), computed here."""
    digits = 98 - int(f"{sequence}{year}{segment}{court}{origin}00") % 97
    return f"{sequence}-{digits:02d}.{year}.{segment}.{court}.{origin}"


@dataclass
class Planted:
    """One set of the day's personal data: what was typed, by kind, and the holder's ids and tokens."""

    tag: str
    texts: dict[str, list[str]] = field(default_factory=dict)
    subscription: dict[str, Any] = field(default_factory=dict)  # Web Push (issue 13), made by the fixture
    held: list[dict[str, str]] = field(default_factory=list)  # {"id":..., "token":...} the holder keeps

    def of(self, *kinds: str) -> list[str]:
        return [text for kind in kinds for text in self.texts[kind]]


def person(tag: str, phones: tuple[str, str, str], oab: tuple[str, str], process: str) -> dict[str, Any]:
    """Everything one set types; every number in it is its own, so each string is found on its own."""
    low = tag.lower()
    return {
        "ticket": [f"Zebedeu {tag} Quintanilha", oab[0], process],
        "reasons": [
            f"Chamado antes: {tag} ligou do telefone {phones[0]}",
            f"Foi buscar documento, mandar para zebedeu.{low}@example.org",
            f"Precisa da vara civel, Berenice {tag} avisada",
        ],
        "comment": [f"Bom atendimento {tag}; fone {phones[1]}, e-mail comentario.{low}@example.org"],
        "transfer": [f"Berenice {tag} Souto"],
        "follow_up": [f"Doroteia {tag} Valadares"],
        "appointment": [f"Eleuterio {tag} Pimenta", oab[1]],
        "message": [
            f"Margarida {tag} Toledo",
            f"Escrevam para margarida.{low}@example.org ou liguem {phones[2]} sobre o prazo",
        ],
        "reply": [f"Resposta a Margarida {tag}: traga o documento"],
        "chat": [
            f"Teodoro {tag} Falcao",
            f"Pelo chat, {tag}: nao consigo abrir o video, quero saber do processo do meu filho",
            f"Servidor para {tag}: o processo do seu filho esta com o juiz desde segunda",
        ],
        "access": [f"Uso cadeira de rodas, {tag} precisa de rampa"],
    }


ERASED = Planted("Apagavel")
ERASED.texts = person(
    "Apagavel", ("92 98123-4455", "92 99111-2233", "97 98456-7788"), ("734519", "551288"), cnj("1234567")
)
ERASED.texts["appointment"].append(cnj("2345671"))
ERASED.texts["message"].append(cnj("3456712"))
ERASED.texts["grounds"] = ["gestante"]  # priority grounds: codes the API takes, one per set
ERASED.texts["poison"] = ["Jeremias Apagavel Barbosa"]  # searched after the erasure and the purge
RETAINED = Planted("Retido")
RETAINED.texts = person(
    "Retido", ("92 97654-3210", "92 98765-0987", "97 99321-6540"), ("629174", "448213"), cnj("4567123")
)
RETAINED.texts["appointment"].append(cnj("5671234"))
RETAINED.texts["message"].append(cnj("6712345"))
RETAINED.texts["grounds"] = ["lactante"]
# Waits all day ahead of everyone (80+), so that every call the clerk makes is out of order and records
# the reason the clerk typed. Not the holder's: erased by nobody, purged with the rest.
AHEAD = "Ambrosina Sempre Primeira"
# What erasure reached before issue 16 (the chat transcript and the accessibility note: issue 14).
KINDS_ERASED_TODAY = ("ticket", "reasons", "comment", "chat", "access")


# --- the day of work ---------------------------------------------------------------------------


class Citizen:
    """Drives the API as the citizen and the clerk do."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.client = system.client
        self.clerk = principal_header(CLERK)

    def join(self, name: str, unit: str = UNIT, **extra: Any) -> dict[str, Any]:
        body = {"name": name, "role": "parte", "reason": "orientacao", "consent": True, **extra}
        answer = self.client.post(f"/api/units/{unit}/tickets", json=body)
        assert answer.status_code == 202, answer.text
        ticket: dict[str, Any] = answer.json()
        return ticket

    def view(self, ticket_id: str, token: str) -> dict[str, Any]:
        answer = self.client.get(f"/api/tickets/{ticket_id}", headers={"Authorization": f"Bearer {token}"})
        result: dict[str, Any] = answer.json()
        return result

    def waiting(self, name: str, **extra: Any) -> dict[str, Any]:
        ticket = self.join(name, **extra)
        self.system.wait(lambda: self.view(ticket["ticketId"], ticket["token"]).get("status") == "waiting")
        return ticket

    def act(self, path: str, body: dict[str, Any], expect: int = 200) -> dict[str, Any]:
        answer = self.client.post(f"/api/clerk/units/{UNIT}/{path}", json=body, headers=self.clerk)
        assert answer.status_code == expect, f"{path}: {answer.status_code} {answer.text}"
        result: dict[str, Any] = answer.json()
        return result

    def free_slot(self) -> str:
        offered = self.client.get(f"/api/units/{UNIT}/slots").json()
        return next(str(s["startsAt"]) for d in offered["days"] for s in d["slots"] if s["free"] > 0)

    def day_of_work(self, planted: Planted) -> None:
        t = planted.texts
        name, oab, process = t["ticket"]
        call_reason, requeue_reason, transfer_reason = t["reasons"]
        lawyer = self.waiting(
            name,
            role="advogado",
            oabNumber=oab,
            oabState="AM",
            processNumber=process,
            priority=t["grounds"],
            notices=[{"channel": "push", "subscription": planted.subscription}],
        )
        self.act("call", {"ticketId": lawyer["ticketId"], "reason": call_reason})
        self.system.wait(  # the meeting is made and the unit's channel gets its card
            lambda: (self.view(lawyer["ticketId"], lawyer["token"]).get("meeting") or {}).get("joinUrl")
        )
        self.act(f"tickets/{lawyer['ticketId']}/requeue", {"reason": requeue_reason})
        self.act("call", {"ticketId": lawyer["ticketId"], "reason": call_reason})
        self.act(f"tickets/{lawyer['ticketId']}/start", {})
        self.act(f"tickets/{lawyer['ticketId']}/finish", {})
        survey = self.client.post(
            f"/api/tickets/{lawyer['ticketId']}/survey",
            json={"score": 4, "comment": t["comment"][0]},
            headers={"Authorization": f"Bearer {lawyer['token']}"},
        )
        assert survey.status_code == 201, survey.text

        moved = self.waiting(t["transfer"][0])
        self.act("call", {"ticketId": moved["ticketId"], "reason": "fila de transferência"})
        self.act(
            f"tickets/{moved['ticketId']}/transfer", {"targetUnit": OTHER_UNIT, "reason": transfer_reason}
        )
        there = self.system.wait(lambda: self.view(moved["ticketId"], moved["token"]).get("transferredTo"))
        self.system.wait(lambda: self.view(there["ticketId"], there["token"]).get("status") == "waiting")

        attended = self.waiting(t["follow_up"][0])
        self.act("call", {"ticketId": attended["ticketId"], "reason": "atendimento com retorno"})
        self.act(f"tickets/{attended['ticketId']}/finish", {})
        self.act(f"attendances/{attended['ticketId']}/follow-up", {"startsAt": self.free_slot()}, expect=201)

        booked = self.client.post(
            f"/api/units/{UNIT}/appointments",
            json={
                "name": t["appointment"][0],
                "role": "advogado",
                "oabNumber": t["appointment"][1],
                "oabState": "AM",
                "processNumber": t["appointment"][2],
                "reason": "orientacao",
                "consent": True,
                "startsAt": self.free_slot(),
            },
        )
        assert booked.status_code == 201, booked.text

        sent = self.client.post(
            f"/api/units/{UNIT}/messages",
            json={
                "name": t["message"][0],
                "role": "parte",
                "reason": "orientacao",
                "text": t["message"][1],
                "processNumber": t["message"][2],
                "consent": True,
            },
        )
        assert sent.status_code == 201, sent.text
        self.act(f"messages/{sent.json()['messageId']}/reply", {"text": t["reply"][0]})

        chatted = self.attended_by_chat(planted)

        planted.held += [
            {"id": x["ticketId"], "token": x["token"]} for x in (lawyer, moved, attended, chatted)
        ] + [
            {"id": booked.json()["appointmentId"], "token": booked.json()["token"]},
            {"id": sent.json()["messageId"], "token": sent.json()["token"]},
        ]

    def attended_by_chat(self, planted: Planted) -> dict[str, Any]:
        """A citizen who asked for accessibility at joining, attended by chat: one message each way."""
        name, citizen_says, clerk_says = planted.texts["chat"]
        ticket = self.waiting(
            name, accessibility=["libras", "outra"], accessibilityNote=planted.texts["access"][0]
        )
        tid, citizen = ticket["ticketId"], {"Authorization": f"Bearer {ticket['token']}"}
        self.act("call", {"ticketId": tid, "reason": "atendimento por chat"})
        mode = self.client.put(
            f"/api/clerk/units/{UNIT}/attendances/{tid}/mode", json={"mode": "chat"}, headers=self.clerk
        )
        assert mode.status_code == 200, mode.text
        said = self.client.post(f"/api/tickets/{tid}/chat", json={"text": citizen_says}, headers=citizen)
        assert said.status_code == 201, said.text
        self.act(f"attendances/{tid}/chat", {"text": clerk_says}, expect=201)
        self.act(f"tickets/{tid}/finish", {})
        return ticket


def poisoned_join(system: System, citizen: Citizen, planted: Planted) -> None:
    """A join whose admission keeps failing (a fault injected here) until the host moves it to
    `join-requests-poison`, as it does with any message that fails `maxDequeueCount` times."""
    name = planted.texts["poison"][0]
    original = admission.admit

    def failing(svc: Any, requests: Any, now: datetime) -> dict[str, str]:
        requests = list(requests)
        if any(r.get("name") == name for r in requests):
            raise RuntimeError("injected failure: admission of a poisoned join")
        return original(svc, requests, now)

    admission.admit = failing  # type: ignore[assignment]
    try:
        ticket = citizen.join(name)
        planted.held.append({"id": ticket["ticketId"], "token": ticket["token"]})
        poison = QueueServiceClient.from_connection_string(
            system.settings["AzureWebJobsStorage"]
        ).get_queue_client(f"{JOIN_QUEUE}-poison")
        system.wait(lambda: poison.get_queue_properties().approximate_message_count == 1, timeout=30)
        [kept] = poison.peek_messages()
        assert name in base64.b64decode(kept.content).decode(), "the poison copy carries the name"
    finally:
        admission.admit = original  # type: ignore[assignment]


# --- the system and the dumps ----------------------------------------------------------------------


@dataclass
class Dumps:
    after_erasure: list[Record]
    after_purge: list[Record]
    cards: list[Record]
    views: list[Record]


ADMIN = "gestao@balcao.jus.br"
CLERKS = {UNIT: CLERK, OTHER_UNIT: "diego.rocha@tjac.jus.br"}


def staff_views(system: System) -> list[Record]:
    """Every clerk and manager view of the two units over the days of the planted work (appointments
    up to 14 days ahead): the line, the appointments of each day, the messages, the audit trail and the
    indicators, as the console and the dashboard read them."""
    paths: list[tuple[str, str]] = []
    for unit, clerk in CLERKS.items():
        paths += [(clerk, f"/api/clerk/units/{unit}/queue"), (clerk, f"/api/clerk/units/{unit}/messages")]
        for n in range(15):
            day = f"{DAY + timedelta(days=n):%Y-%m-%d}"
            paths.append((clerk, f"/api/clerk/units/{unit}/appointments?day={day}"))
        paths.append((ADMIN, f"/api/gestao/audit?unit={unit}&day={DAY:%Y%m%d}"))
    paths += [(ADMIN, f"/api/metrics/{name}") for name in ("summary", "units", "compliance", "async")]
    views = []
    for who, path in paths:
        answer = system.client.get(path, headers=principal_header(who))
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:300]}"
        views.append(record(f"view {path}", answer.json()))
    return views


@pytest.fixture(scope="module")
def webhook() -> Iterator[FakeWebhook]:
    with FakeWebhook() as fake:
        yield fake


@pytest.fixture(scope="module")
def push() -> Iterator[FakePush]:
    with FakePush() as service:
        for planted in (ERASED, RETAINED):
            planted.subscription = service.subscribe()
            keys = planted.subscription["keys"]
            endpoint_id = planted.subscription["endpoint"].rpartition("/")[2]  # the host is the test's
            planted.texts["contacts"] = [f"/push/{endpoint_id}", keys["p256dh"], keys["auth"]]
        yield service


@pytest.fixture(scope="module")
def dumps(webhook: FakeWebhook, push: FakePush) -> Iterator[Dumps]:
    clock = FakeClock(DAY)
    public, private = new_vapid_keys()
    hooks = {
        "TEAMS_WEBHOOK_TJAM_TEFE_VU": webhook.url("/tefe"),
        "TEAMS_WEBHOOK_TJAC_RBR_1VCE": webhook.url("/rbr"),
        "PUSH_VAPID_PUBLIC_KEY": public,
        "PUSH_VAPID_PRIVATE_KEY": private,
        "PUSH_ENDPOINT_HOSTS": "127.0.0.1",
    }

    def push_channels(s: Settings) -> dict[str, CitizenChannel]:
        return {"push": WebPushChannel(private, "mailto:ti@tjam.jus.br", session=push.session())}

    with (
        bootstrap.replaced(channels=(push_channels,)),
        running_system(clock=clock, config=CONFIG_FILE.read_bytes(), extra_settings=hooks) as system,
    ):
        citizen = Citizen(system)
        poisoned_join(system, citizen, ERASED)
        citizen.waiting(AHEAD, priority=["idoso_80"])
        for planted in (ERASED, RETAINED):
            citizen.day_of_work(planted)
        assert system.host.wait_idle(15)
        assert push.received, "no notice reached the push service"
        for held in ERASED.held:
            erased = system.client.delete(
                f"/api/tickets/{held['id']}/data", headers={"Authorization": f"Bearer {held['token']}"}
            )
            assert erased.status_code == 204, f"erasing {held['id']}: {erased.status_code} {erased.text}"
        assert system.host.wait_idle(15)
        conn = system.settings["AzureWebJobsStorage"]
        after_erasure = dump_account(conn)
        views = staff_views(system)

        runs = system.host.invocations("purge_personal_data")
        clock.set(PURGE_AT)
        assert system.host.wait_for_invocations("purge_personal_data", runs + 1, timeout=30)
        assert system.host.wait_idle(30)
        after_purge = dump_account(conn)
        cards = [record(f"card {i}", r.body) for i, r in enumerate(webhook.received)]
        print(
            f"\npersonal data search: {len(after_erasure)} records after erasure, {len(after_purge)} after "
            f"the purge, {len(cards)} cards; planted strings: "
            f"{sum(len(v) for p in (ERASED, RETAINED) for v in p.texts.values()) + 2}"
        )
        yield Dumps(after_erasure, after_purge, cards, views)


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{text!r} found in: {', '.join(wheres[:6])}" for text, wheres in found.items())


def outliving_retention(records: list[Record], texts: list[str]) -> dict[str, list[str]]:
    """Where the texts are still found after the purge: any table or blob; a queue message only when
    it lives longer than the retention period (a shorter-lived copy expires before the period ends)."""
    period = timedelta(days=DEFAULT_RETENTION_DAYS)
    kept = [r for r in records if not r.where.startswith("queue ") or r.ttl is None or r.ttl > period]
    return where_found(kept, texts)


# --- the holder's erasure --------------------------------------------------------------------------


def test_the_dump_sees_what_was_planted(dumps: Dumps) -> None:
    """The search works: before the purge, the retained set is found, each string in full, and in
    every kind of place it was typed into (the poisoned join is checked in its queue before erasure)."""
    planted = RETAINED.of(*RETAINED.texts)
    missing = [t for t in planted if not any(t.lower() in r.text for r in dumps.after_erasure)]
    assert not missing, f"planted but not found in storage: {missing}"
    places = {
        w.split(" ")[1] for wheres in where_found(dumps.after_erasure, planted).values() for w in wheres
    }
    assert {"tickets", "appointments", "messages"} <= places, places


def test_erasure_leaves_nothing_of_the_ticket_the_survey_or_the_typed_reasons(dumps: Dumps) -> None:
    found = where_found(dumps.after_erasure, ERASED.of(*KINDS_ERASED_TODAY))
    assert not found, "after the holder's erasure:\n" + report(found)


ERASURE_REACHES = ["grounds", "transfer", "follow_up", "appointment", "message reply", "poison", "contacts"]


@pytest.mark.parametrize("kinds", ERASURE_REACHES)
def test_erasure_reaches(dumps: Dumps, kinds: str) -> None:
    """Issue 16: the priority grounds (health data, LGPD art. 11), the transferred ticket in the other
    unit, the follow-up appointment the clerk booked, an appointment and a message erased with their own
    tokens (name, OAB, process, text, reply), and the join request kept in `join-requests-poison`."""
    found = where_found(dumps.after_erasure, ERASED.of(*kinds.split()))
    assert not found, report(found)


def test_no_clerk_or_manager_view_shows_the_erased_holder(dumps: Dumps) -> None:
    shown = where_found(dumps.views, RETAINED.of("ticket", "appointment", "message", "reply"))
    assert len(shown) >= 4, f"the views must show the retained set to prove anything: {shown}"
    found = where_found(dumps.views, ERASED.of(*ERASED.texts))
    assert not found, "after the holder's erasure:\n" + report(found)


def test_teams_cards_carry_no_personal_data(dumps: Dumps) -> None:
    assert dumps.cards, "no card reached the unit's channel"
    texts = [t for p in (ERASED, RETAINED) for t in p.of(*p.texts)]
    found = where_found(dumps.cards, texts)
    assert not found, report(found)


# --- the retention purge ---------------------------------------------------------------------------


def test_the_purge_leaves_nothing_typed_after_the_retention_period(dumps: Dumps) -> None:
    texts = [AHEAD, *(t for p in (ERASED, RETAINED) for t in p.of(*p.texts) if t not in p.texts["grounds"])]
    found = outliving_retention(dumps.after_purge, texts)
    assert not found, f"after the purge of {PURGE_AT:%Y-%m-%d}:\n" + report(found)


def test_the_purge_removes_the_priority_grounds(dumps: Dumps) -> None:
    found = where_found(dumps.after_purge, [*ERASED.of("grounds"), *RETAINED.of("grounds")])
    assert not found, report(found)
