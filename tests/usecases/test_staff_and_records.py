"""Smaller flows on the fakes: the survey, calling in a colleague, the public directory and the staff's
home, the audit trail, applying the configuration file, the optimistic-update loop."""

from __future__ import annotations

import json

import pytest

from domain.errors import (
    ConcurrentUpdateError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    InvalidTransitionError,
    UnauthenticatedError,
    UnitNotFoundError,
)
from domain.people import COMMENT_MAX
from domain.queue import QueueState
from domain.tickets import Action
from domain.usecases import audit, colleagues, directory, meetings, surveys
from domain.usecases.configuration import APPLIED, UNCHANGED, sync_configuration
from domain.usecases.unit_day import NoChange, mutate, retry_on_conflict
from tests.fakes.context import CONFIG_FILE, CountingBackoff
from tests.fakes.memory_config import MemoryConfigFile, MemoryConfigStore
from tests.usecases.conftest import ADMIN, ANA, BRUNO, DAY, MANAGER, NOW, OTHER, UNIT, World

INTERPRETER = "helena.libras@trf1.jus.br"

# --- the survey -----------------------------------------------------------------------------------


def finished(world: World) -> tuple[str, str]:
    ticket = world.arrive()
    world.call(ticket)
    world.act(ticket, Action.FINISH)
    return ticket.ticket_id, ticket.token


def test_a_survey_is_answered_once_after_the_attendance(world: World) -> None:
    ticket_id, token = finished(world)
    surveys.submit_survey(world.ctx, ticket_id, token, 5, "  Muito bom  ", world.now)
    stored = world.stored(ticket_id)
    assert stored["surveyed"] is True and stored["surveyScore"] == 5
    with pytest.raises(ConflictError):
        surveys.submit_survey(world.ctx, ticket_id, token, 4, "", world.now)


@pytest.mark.parametrize("score", [0, 6, -1, True])
def test_a_score_outside_one_to_five_is_refused(world: World, score: int) -> None:
    ticket_id, token = finished(world)
    with pytest.raises(InvalidInputError):
        surveys.submit_survey(world.ctx, ticket_id, token, score, "", world.now)


def test_a_comment_over_the_limit_is_refused(world: World) -> None:
    ticket_id, token = finished(world)
    with pytest.raises(InvalidInputError):
        surveys.submit_survey(world.ctx, ticket_id, token, 3, "x" * (COMMENT_MAX + 1), world.now)


def test_no_survey_before_the_attendance_ends(world: World) -> None:
    ticket = world.arrive()
    with pytest.raises(InvalidTransitionError):
        surveys.submit_survey(world.ctx, ticket.ticket_id, ticket.token, 5, "", world.now)


def test_the_survey_needs_the_tickets_token(world: World) -> None:
    ticket_id, _ = finished(world)
    other = world.arrive("Outra Pessoa")
    with pytest.raises(UnauthenticatedError):
        surveys.submit_survey(world.ctx, ticket_id, other.token, 5, "", world.now)


# --- colleagues -----------------------------------------------------------------------------------


def in_meeting(world: World) -> str:
    ticket = world.arrive()
    world.call(ticket)
    meetings.attach_meeting(world.ctx, ticket.ticket_id, world.now, last_try=False)
    return ticket.ticket_id


def test_the_colleagues_are_the_units_clerks_then_the_courts_interpreters(world: World) -> None:
    found = colleagues.list_colleagues(world.ctx, UNIT, world.who(ANA), world.now).colleagues
    assert [(c.email, c.role, c.status) for c in found] == [
        (BRUNO, "clerk", "offline"),
        (INTERPRETER, "interpreter", "offline"),
    ]


def test_an_invitation_is_recorded_once_and_tells_the_channel(world: World) -> None:
    ticket_id = in_meeting(world)
    made = colleagues.invite_colleague(world.ctx, UNIT, ticket_id, world.who(ANA), INTERPRETER, world.now)
    assert made.invitee.label == colleagues.INTERPRETER_LABEL and made.join_url
    [invited] = json.loads(world.stored(ticket_id)["invitations"])
    assert invited["email"] == INTERPRETER and invited["by"] == ANA
    assert [e["action"] for e in world.ctx.store.list_events(UNIT, DAY)][-1] == "invite"
    assert world.stored(ticket_id)["status"] == "called"  # an invitation is not a transition
    with pytest.raises(ConflictError):
        colleagues.invite_colleague(world.ctx, UNIT, ticket_id, world.who(ANA), INTERPRETER, world.now)


def test_only_colleagues_are_invited_and_only_once_the_meeting_exists(world: World) -> None:
    ticket = world.arrive()
    world.call(ticket)
    with pytest.raises(InvalidTransitionError):
        colleagues.invite_colleague(world.ctx, UNIT, ticket.ticket_id, world.who(ANA), BRUNO, world.now)
    with pytest.raises(InvalidInputError):
        colleagues.invite_colleague(
            world.ctx, UNIT, ticket.ticket_id, world.who(ANA), "alguem@x.br", world.now
        )


# --- directory and the staff's home ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"court": "tjam"}, ["tjam-tefe-vu"]),
        ({"section": "SJAC"}, ["trf1-sjac-01vf", "trf1-sjac-02vf"]),
        ({"q": "  Manaus "}, ["trf1-sjam-01vf", "trf1-sjam-02vf"]),
        (
            {"court": "trf1", "q": "vara federal"},
            ["trf1-sjac-01vf", "trf1-sjac-02vf", "trf1-sjam-01vf", "trf1-sjam-02vf"],
        ),
        ({"court": "nenhum"}, []),
    ],
)
def test_the_directory_filters_by_court_section_and_words(
    world: World, filters: dict[str, str], expected: list[str]
) -> None:
    assert [u.id for u in directory.list_units(world.ctx, world.now, **filters)] == expected


def test_a_unit_summary_says_who_waits_and_who_serves(world: World) -> None:
    world.arrive("Pessoa Um")
    world.arrive("Pessoa Dois")
    world.call(world.arrive("Pessoa Três"))
    summary = directory.get_unit(world.ctx, UNIT, world.now)
    assert summary.people_waiting == 2 and summary.clerks_online == 1 and summary.open_now
    assert summary.court.name.startswith("Tribunal Regional Federal") and summary.hours_text


def test_an_unknown_unit_is_not_in_the_directory(world: World) -> None:
    with pytest.raises(UnitNotFoundError):
        directory.get_unit(world.ctx, "nao-existe", world.now)


def test_the_staff_home_lists_what_each_may_open(world: World) -> None:
    ana = directory.staff_home(world.ctx, world.who(ANA))
    assert [u.id for u in ana.units] == [UNIT, OTHER] and not ana.admin and ana.manager_of == ()
    manager = directory.staff_home(world.ctx, world.who(MANAGER))
    assert manager.units == () and manager.manager_of == ("trf1",)
    assert directory.staff_home(world.ctx, world.who(ADMIN)).admin
    assert "trf1-coger" not in {u.id for u in ana.transfer_targets}


# --- the audit trail ------------------------------------------------------------------------------


def test_the_audit_trail_lists_the_days_events_in_time_order(world: World) -> None:
    ticket = world.arrive()
    world.call(ticket, reason="")
    world.act(ticket, Action.FINISH)
    trail = audit.audit_day(world.ctx, world.who(MANAGER), UNIT, "", world.now)
    assert [e.action for e in trail.entries] == ["admit", "call", "finish"]
    assert trail.entries[1].who == ANA and trail.entries[0].who == "system"
    assert trail.unit.id == UNIT and trail.day.isoformat() == "2026-11-30"


@pytest.mark.parametrize("who", [ANA, BRUNO])
def test_clerks_do_not_read_the_audit_trail(world: World, who: str) -> None:
    with pytest.raises(ForbiddenError):
        audit.audit_day(world.ctx, world.who(who), UNIT, "", world.now)


def test_the_audit_trail_of_another_court_is_refused_to_a_manager(world: World) -> None:
    with pytest.raises(ForbiddenError):
        audit.audit_day(world.ctx, world.who(MANAGER), "tjam-tefe-vu", "", world.now)


@pytest.mark.parametrize("day", ["2026-11-30", "ontem", "20261399"])
def test_a_bad_day_is_refused(world: World, day: str) -> None:
    with pytest.raises(InvalidInputError):
        audit.audit_day(world.ctx, world.who(ADMIN), UNIT, day, world.now)


def test_an_unknown_unit_is_not_found_by_an_admin_and_forbidden_to_others(world: World) -> None:
    with pytest.raises(UnitNotFoundError):
        audit.audit_day(world.ctx, world.who(ADMIN), "nao-existe", "", world.now)
    with pytest.raises(ForbiddenError):
        audit.audit_day(world.ctx, world.who(MANAGER), "nao-existe", "", world.now)


# --- applying the configuration file ---------------------------------------------------------------


def test_a_valid_file_is_applied_once_and_a_bad_one_refused_keeping_the_last_good() -> None:
    source, store = MemoryConfigFile(CONFIG_FILE.read_bytes()), MemoryConfigStore()
    assert sync_configuration(source, store, NOW) == APPLIED
    good = store.current()
    assert good is not None and json.loads(good[0])["units"]
    assert sync_configuration(source, store, NOW) == UNCHANGED
    source.upload(b'{"units": "nao"}')
    assert sync_configuration(source, store, NOW).startswith("refused")
    assert store.current() == good and (store.status() or {})["outcome"].startswith("recusada")
    assert sync_configuration(source, store, NOW) == UNCHANGED  # the bad file is not validated again
    source.upload(CONFIG_FILE.read_bytes())
    assert sync_configuration(source, store, NOW) == APPLIED


def test_nothing_deployed_is_nothing_to_apply() -> None:
    assert sync_configuration(MemoryConfigFile(), MemoryConfigStore(), NOW) == UNCHANGED


# --- the optimistic-update loop --------------------------------------------------------------------


def test_a_lost_update_is_tried_again_after_a_pause() -> None:
    backoff, tries = CountingBackoff(), []

    def attempt() -> str:
        tries.append(1)
        if len(tries) < 3:
            raise ConcurrentUpdateError()
        return "feito"

    assert retry_on_conflict(attempt, backoff, max_attempts=5) == "feito"
    assert len(tries) == 3 and backoff.pauses == 2


def test_too_many_lost_updates_give_up() -> None:
    backoff = CountingBackoff()

    def attempt() -> None:
        raise ConcurrentUpdateError()

    with pytest.raises(ConcurrentUpdateError):
        retry_on_conflict(attempt, backoff, max_attempts=4)
    assert backoff.pauses == 4


def test_mutate_commits_the_change_with_a_new_version(world: World) -> None:
    def change(state: QueueState) -> tuple[int, list[object]]:
        state.seq += 10
        return state.seq, []

    assert mutate(world.ctx, UNIT, DAY, change) == 10  # type: ignore[arg-type]
    state = world.ctx.store.load(UNIT, DAY)[0]
    assert state.seq == 10 and state.version == 1


def test_a_change_with_nothing_to_do_writes_nothing(world: World) -> None:
    def change(state: QueueState) -> tuple[str, list[object]]:
        raise NoChange("nada")

    assert mutate(world.ctx, UNIT, DAY, change) == "nada"  # type: ignore[arg-type]
    assert world.fakes.store.commits == 0


def test_mutate_reads_again_when_someone_else_wrote_first(world: World) -> None:
    seen: list[int] = []

    def change(state: QueueState) -> tuple[None, list[object]]:
        seen.append(state.seq)
        if len(seen) == 1:  # another worker commits between our read and our write
            other, etag = world.ctx.store.load(UNIT, DAY)
            other.seq = 7
            world.ctx.store.commit(other, etag)
        state.seq += 1
        return None, []

    mutate(world.ctx, UNIT, DAY, change)  # type: ignore[arg-type]
    assert seen == [0, 7] and world.ctx.store.load(UNIT, DAY)[0].seq == 8
    assert world.fakes.backoff.pauses == 1 and world.fakes.store.conflicts == 1
