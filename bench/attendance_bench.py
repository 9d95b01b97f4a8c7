"""Cost per attendance (issue 17): one citizen from join to survey, every storage transaction and queue
message counted and attributed to the function that made it.

A private Azurite, the dev host serving `function_app`, and the unit's Teams webhook (a local fake that
records what it receives), so that the card is really sent (its dedup and pacing counted). `ATTENDANCES`
citizens go through the whole flow one after the other: join → admit → call → meeting → card → start →
finish → survey, each step awaited (the host idle) before the next, so that what is counted is one
attendance's work and nothing else. Counted by `adapters.storage.METER` (every request of the app's
storage clients, retries included; a queue message is one Put Message). Not counted: the Functions
runtime's own queue polling and deletes (the platform's work, the same for any app), and the
configuration's re-reads (once per TTL per worker, charged to no attendance; printed apart).
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.storage import METER
from bench.queue_bench import UNIT, Bench, _config
from bench.targets import Record
from tests.fakes.fake_webhook import FakeWebhook
from tests.support.system import running_system

ATTENDANCES = 10
Report = Callable[[str], None]
# The steps, by function, in the order of the flow.
STEPS = (
    ("join_queue", "join"),
    ("admit_join_requests", "admit"),
    ("clerk_call", "call next"),
    ("create_meeting", "meeting"),
    ("notify_clerks", "card"),
    ("clerk_ticket_action", "start + finish"),
    ("answer_survey", "survey"),
)
# The same line on main before issue 17 (commit 9309e26), for comparison: tx and messages by function.
BEFORE_TX = {
    "join_queue": 1.3,
    "admit_join_requests": 3.0,
    "clerk_call": 3.0,
    "create_meeting": 4.0,
    "notify_clerks": 6.0,
    "clerk_ticket_action": 4.0,
    "answer_survey": 3.0,
}
BEFORE_MESSAGES = {"join_queue": 1.0, "clerk_call": 1.0, "create_meeting": 1.0}


def attend(bench: Bench) -> None:
    """One citizen, join to survey, each step after the previous one's work is done."""
    ticket = bench.join(1)[0]
    bench.settle()
    ticket_id = bench.call_next()
    assert ticket_id == ticket["ticketId"], "the only citizen waiting is the one called"
    bench.settle()
    base = f"/api/clerk/units/{UNIT}/tickets/{ticket_id}"
    for action in ("start", "finish"):
        r = bench.client.post(f"{base}/{action}", headers=bench.clerk)
        assert r.status_code == 200, r.text
    bench.settle()
    auth = {"Authorization": f"Bearer {ticket['token']}"}
    r = bench.client.post(f"/api/tickets/{ticket_id}/survey", json={"score": 5}, headers=auth)
    assert r.status_code == 201, r.text
    bench.settle()


def run(report: Report, record: Record) -> None:
    report("")
    report(f"== Cost per attendance (join to survey, {ATTENDANCES} citizens one after the other) ==")
    with FakeWebhook() as hook:
        settings = {"TEAMS_WEBHOOK_TJAC_RBR_1VCE": hook.url("/1vce")}
        with running_system(config=_config(100), extra_settings=settings) as system:
            bench = Bench(system)
            attend(bench)  # the first of this process also creates queue and table clients: not counted
            bench.settle()
            METER.reset()
            cards_before = len(hook.received)
            for _ in range(ATTENDANCES):
                attend(bench)
            tx, messages = METER.by_operation(), METER.messages_by_operation()
            cards = len(hook.received) - cards_before
    _report(tx, messages, cards, report, record)


def _report(tx: dict[str, int], messages: dict[str, int], cards: int, report: Report, record: Record) -> None:
    """The steps' functions make the total; anything else that ran meanwhile (the timers: once a minute
    per unit or per worker, whatever the attendances) is printed apart, per attendance too."""
    per = {name: count / ATTENDANCES for name, count in tx.items()}
    sent = {name: count / ATTENDANCES for name, count in messages.items()}
    report(f"  {'step (function)':<40} {'tx':>6} {'before':>7} {'messages':>9} {'before':>7}")
    for name, label in STEPS:
        report(
            f"  {f'{label} ({name})':<40} {per.get(name, 0):>6.2f} {BEFORE_TX.get(name, 0):>7.2f}"
            f" {sent.get(name, 0):>9.2f} {BEFORE_MESSAGES.get(name, 0):>7.2f}"
        )
    total = sum(per.get(name, 0) for name, _ in STEPS)
    queued = sum(sent.get(name, 0) for name, _ in STEPS)
    total_before, queued_before = sum(BEFORE_TX.values()), sum(BEFORE_MESSAGES.values())
    report(
        f"  {'per attendance':<40} {total:>6.2f} {total_before:>7.2f} {queued:>9.2f} {queued_before:>7.2f}"
    )
    steps = {name for name, _ in STEPS}
    others = ", ".join(f"{name} {per[name]:.2f}" for name in sorted(set(per) - steps))
    report(
        f"  cards posted to the unit's webhook: {cards} for {ATTENDANCES} attendances; meanwhile, not"
        f" per attendance (timers, configuration re-reads by TTL), per attendance: {others or 'none'}"
    )
    record("tx per attendance", total)
    record("queue messages per attendance", queued)
    record("cards per attendance beyond one", abs(cards / ATTENDANCES - 1))
