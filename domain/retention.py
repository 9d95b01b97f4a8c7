"""LGPD (Lei 13.709/2018): personal data is kept for the retention period only; a holder can erase theirs.

What counts as personal data is declared here, once, by the names of the stored fields:
`PERSONAL_FIELDS` (what a citizen typed or what identifies them: name, OAB, process number, comments,
contact, the keyed hash of the person, the text of a message) and the free-text reasons clerks type
(`scrub_reason`). A purged field keeps its name and becomes "" (so readers need no change); counts,
statuses, times and the metric rollups (table `metrics`, which hold no personal data) stay.

Where it lives (the adapter walks it): the tickets table, one partition per unit-day (tickets `t.*`,
surveys `s.*`, events `e.*`, the queue state's `person` hashes; presence heartbeats `h.*`, which name
clerks, are deleted), and the unit-partitioned records of `RECORD_TABLES` (appointments, asynchronous
messages), whose row keys start with a prefix and the day. **A new kind of stored personal data** adds
its field names to `PERSONAL_FIELDS` or its table to `RECORD_TABLES`.

The daily purge and the holder's own erasure are use cases (domain/usecases/retention.py) over the
`RetentionStore` port.

Poison-queue copies of join requests (which carry a name) are deleted by the holder's erasure and
otherwise expire with the queue's time to live (7 days by default, under the retention period); queue
messages in flight live at most a day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

DEFAULT_RETENTION_DAYS = 30
PURGED = ""  # what a purged text field holds
REMOVED_REASON = "[removido]"

PERSONAL_FIELDS = frozenset(
    {
        "name",
        "oabNumber",
        "oabState",
        "oab",
        "processNumber",
        "comment",
        "contact",
        "contacts",  # how a citizen asked to be told: phones, e-mail, Web Push subscription (issue 13)
        "email",
        "phone",
        "person",
        "text",
        "reply",
        "replyText",
        "answer",
        "callReason",
        "requeueReason",
        "transferReason",
        "meetingError",
        "accessibilityNote",
        "chat",  # the transcript of an attendance by chat (domain/usecases/chat.py)
        "grounds",  # priority grounds: health data (LGPD art. 11)
    }
)

# table → row-key prefixes of rows keyed `{prefix}{YYYYMMDD}...` in one partition per unit
RECORD_TABLES: Mapping[str, tuple[str, ...]] = {"appointments": ("a.",), "messages": ("m.",)}

# Reasons the system writes into the event log (kept); anything a person typed is removed.
_SYSTEM_ACTORS = frozenset({"system", "citizen"})


def scrub_fields(entity: Mapping[str, Any]) -> dict[str, Any]:
    """The changes that purge `entity`'s personal fields ({} when there is nothing to purge)."""
    return {k: PURGED for k, v in entity.items() if k in PERSONAL_FIELDS and v not in (PURGED, None)}


def scrub_reason(action: str, by: str, reason: str) -> str:
    """An event's reason without what a clerk typed. Calls out of order keep their kind ("servidor:"),
    reasons the system writes (legal priority, category, rejections) are kept as they are."""
    if not reason or reason == REMOVED_REASON:
        return reason
    if action == "call":
        return "servidor: " + REMOVED_REASON if reason.startswith("servidor:") else reason
    if by in _SYSTEM_ACTORS:
        return reason
    return REMOVED_REASON


def cutoff_day(now: datetime, retention_days: int) -> str:
    """Partitions and records of days before this one (YYYYMMDD, UTC) are past the retention period."""
    if retention_days < 1:
        raise ValueError("the retention period is at least one day")
    return (now.astimezone(UTC).date() - timedelta(days=retention_days)).strftime("%Y%m%d")
