"""What the configuration accepts where the law bounds a unit's choice (issue 16, observation 13):
`interleave` only for a unit that declares a dedicated priority desk (Decreto 5.296/2004 art. 6 §2: with
no such desk a waiting priority person is the next one called), and the asynchronous channel's
`responseHours` at most 48 (the reason is written beside `RESPONSE_HOURS_MAX` in domain/config.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from domain.config import parse_configuration
from domain.errors import InvalidInputError

CONFIG_FILE = Path(__file__).resolve().parents[2] / "infra" / "config" / "balcao.json"
UNIT = "trf1-sjac-02vf"


def with_unit(**changes: Any) -> bytes:
    raw = json.loads(CONFIG_FILE.read_bytes())
    for unit in raw["units"]:
        if unit["id"] == UNIT:
            unit.update(changes)
    return json.dumps(raw).encode()


def test_the_demo_configuration_declares_the_desk_of_its_interleaving_unit() -> None:
    unit = parse_configuration(CONFIG_FILE.read_bytes()).unit(UNIT)
    assert unit is not None and unit.ordering.mode == "interleave"
    assert unit.ordering.dedicated_priority_desk


def test_interleave_without_a_dedicated_priority_desk_is_refused() -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_configuration(with_unit(ordering={"mode": "interleave", "priorityCalls": 2, "normalCalls": 1}))
    assert "balcão exclusivo para prioridades" in str(refused.value)
    desk = {"mode": "interleave", "priorityCalls": 2, "normalCalls": 1, "dedicatedPriorityDesk": True}
    assert parse_configuration(with_unit(ordering=desk)).unit(UNIT) is not None
    assert parse_configuration(with_unit(ordering={"mode": "priority_first"})).unit(UNIT) is not None


@pytest.mark.parametrize(("hours", "accepted"), [(48, True), (24, True), (49, False), (720, False)])
def test_the_response_time_of_the_asynchronous_channel_is_bounded(hours: int, accepted: bool) -> None:
    config = with_unit(asyncChannel={"enabled": True, "responseHours": hours})
    if accepted:
        assert parse_configuration(config).unit(UNIT) is not None
        return
    with pytest.raises(InvalidInputError) as refused:
        parse_configuration(config)
    assert "responseHours" in str(refused.value)


def test_every_court_names_its_encarregado() -> None:
    """LGPD art. 41 §1: the identity and contact of the data protection officer are published; a court
    without them is refused, so no page can be left without it."""
    raw = json.loads(CONFIG_FILE.read_bytes())
    del raw["courts"][0]["privacy"]
    with pytest.raises(InvalidInputError) as refused:
        parse_configuration(json.dumps(raw))
    assert "privacy" in str(refused.value)
