"""When the citizen's page polls next (issue 13, point 6): the answer to a poll says so, so the cadence
is tuned on the server, per unit (`Limits`), not in every page already open.

- Near the front (position ≤ `nearFrontPosition`, or ≤ the clerks online, who may each call at once),
  called, absent or not yet admitted: every `pollNearSeconds` (2 s), so that the turn reaches a visible
  page within about two seconds plus the ≤ 1 s age of the shared state.
- Farther back: a quarter of the expected time before the citizen can be near the front (people between
  them and the front × the seconds between two calls), at least `pollNearSeconds` and at most
  `pollFarSeconds` (30 s). A line that moves fast (short services, several clerks) is polled faster.
- In service (the citizen is in the meeting, often in another app): three times `pollNearSeconds` (6 s,
  at most the far cadence), so that the survey, a transfer or a return to the line show soon after.

The far cadence never exceeds a quarter of `absentAfterSeconds`, so a visible page that follows it (or a
hidden page, which the page slows to at most three times it, see site/assets/js/citizen.js) is never
marked absent for silence.
"""

from __future__ import annotations

from domain.config import Limits


def far_s(limits: Limits) -> int:
    """The slowest cadence the unit asks for: `pollFarSeconds`, at most a quarter of the absence time."""
    return max(limits.poll_near_s, min(limits.poll_far_s, limits.absent_after_s // 4))


def near_front(limits: Limits, position: int, clerks_online: int) -> bool:
    return position <= max(limits.near_front_position, clerks_online)


def waiting_poll_s(limits: Limits, position: int | None, clerks_online: int, service_s: float) -> int:
    """The cadence for a citizen in line at `position` (None: not placed, e.g. absent), with
    `service_s` the average service time (DESIGN: the wait estimate's)."""
    if position is None or near_front(limits, position, clerks_online):
        return limits.poll_near_s
    between = position - max(limits.near_front_position, clerks_online)
    before_near_s = between * service_s / max(1, clerks_online)
    return int(max(limits.poll_near_s, min(far_s(limits), before_near_s // 4)))


def called_poll_s(limits: Limits, in_service: bool) -> int:
    return min(far_s(limits), 3 * limits.poll_near_s) if in_service else limits.poll_near_s
