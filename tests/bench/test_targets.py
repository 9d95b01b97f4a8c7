"""The benchmark's target table: a figure over its target, or never recorded, is a miss."""

from __future__ import annotations

from bench.__main__ import SECTIONS, chosen
from bench.targets import TARGETS as TARGET_TABLE
from bench.targets import Figures, Target

TARGETS = (
    Target("call next tx at * waiting", 3, "call next"),
    Target("load errors", 0, "no error"),
)


def test_every_figure_a_pattern_names_must_meet_the_target() -> None:
    figures = Figures()
    figures.record("call next tx at 100 waiting", 3.0)
    figures.record("call next tx at 5000 waiting", 3.1)
    figures.record("load errors", 0)
    verdicts = {v.figure: v.met for v in figures.check(TARGETS)}
    assert verdicts == {
        "call next tx at 100 waiting": True,
        "call next tx at 5000 waiting": False,
        "load errors": True,
    }


def test_a_target_whose_figure_was_never_recorded_is_missed() -> None:
    figures = Figures()
    figures.record("call next tx at 100 waiting", 2)
    missed = [v for v in figures.check(TARGETS) if not v.met]
    assert [(v.figure, v.value) for v in missed] == [("load errors", None)]
    assert "MISSED load errors = not measured" in str(missed[0])


def test_a_run_of_some_sections_checks_their_targets_only() -> None:
    targets = (
        Target("call next tx at * waiting", 3, "call next", section="queue"),
        Target("push called notices lost", 0, "push", section="push"),
        Target("load errors", 0, "no error", section="load"),
    )
    figures = Figures()
    figures.record("push called notices lost", 0)
    checked = [(v.figure, v.met) for v in figures.check(targets, sections=["queue", "push"])]
    assert checked == [("call next tx at * waiting", False), ("push called notices lost", True)]


def test_sections_are_named_in_run_order_and_an_unknown_name_is_refused() -> None:
    assert chosen(["push", "queue"]) == ["queue", "push"]
    assert chosen([]) == list(SECTIONS)
    assert chosen(["queue", "pushes"]) is None


def test_every_target_belongs_to_a_section_that_runs() -> None:
    assert {t.section for t in TARGET_TABLE} <= set(SECTIONS)
