"""The poll cadence the server asks of the citizen's page (issue 13, point 6)."""

from __future__ import annotations

import pytest

from domain.config import Limits
from domain.polling import called_poll_s, far_s, waiting_poll_s

DEFAULT = Limits()
EIGHT_MINUTES = 8 * 60.0


def test_the_new_defaults_wait_five_minutes_before_absence() -> None:
    # Issue 13 point 4: long enough for a phone that throttles a background page (not 90 s).
    assert DEFAULT.absent_after_s == 300
    assert (DEFAULT.near_front_position, DEFAULT.poll_near_s, DEFAULT.poll_far_s) == (3, 2, 30)


@pytest.mark.parametrize(
    ("position", "clerks", "service_s", "expected"),
    [
        (1, 1, EIGHT_MINUTES, 2),  # near the front: ~2 s
        (3, 1, EIGHT_MINUTES, 2),
        (4, 1, EIGHT_MINUTES, 30),  # one 8-minute service away from the front: the far cadence
        (40, 1, EIGHT_MINUTES, 30),
        (5, 5, EIGHT_MINUTES, 2),  # five clerks may call five people at once
        (4, 1, 20.0, 5),  # a fast line: a quarter of the 20 s before the citizen is near
        (4, 1, 4.0, 2),  # never faster than the near cadence
        (None, 1, EIGHT_MINUTES, 2),  # not placed (absent): as near
    ],
)
def test_waiting_cadence(position: int | None, clerks: int, service_s: float, expected: int) -> None:
    assert waiting_poll_s(DEFAULT, position, clerks, service_s) == expected


def test_the_far_cadence_stays_a_quarter_of_the_absence_time() -> None:
    short = Limits(absentAfterSeconds=60, pollFarSeconds=120)
    assert far_s(short) == 15
    assert waiting_poll_s(short, 50, 1, EIGHT_MINUTES) == 15


def test_called_polls_near_and_in_service_a_little_slower() -> None:
    assert called_poll_s(DEFAULT, in_service=False) == 2
    assert called_poll_s(DEFAULT, in_service=True) == 6
