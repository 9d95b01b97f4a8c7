"""The court's declarative configuration (infra/config/balcao.json): courts, units, staff.

Parsed and validated here; a file that does not validate is refused as a whole with a pt-BR message
naming the place of each problem, and the last good configuration stays in force (the caller's job).
"""

from __future__ import annotations

import json
import re
from itertools import pairwise
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from domain.errors import InvalidInputError
from domain.ordering import Policy

_ID = r"^[a-z0-9][a-z0-9-]{1,62}$"
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Option(_Model):
    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1, max_length=80)


class Limits(_Model):
    """A unit's limits. `absentAfterSeconds` (5 minutes by default) is long enough for a phone that
    throttles a background page to one request a minute (DESIGN §6). The page polls every
    `pollNearSeconds` from `nearFrontPosition` on (and when called), and up to every `pollFarSeconds`
    farther back (domain/polling.py)."""

    max_waiting: int = Field(default=300, ge=1, le=5000, alias="maxWaiting")
    absent_after_s: int = Field(default=300, ge=15, alias="absentAfterSeconds")
    grace_s: int = Field(default=600, ge=0, alias="graceSeconds")
    no_show_s: int = Field(default=300, ge=30, alias="noShowSeconds")
    overtime_min: int = Field(default=60, ge=0, alias="overtimeMinutes")
    coverage_alert_min: int = Field(default=10, ge=1, alias="coverageAlertMinutes")
    default_service_min: float = Field(default=8, gt=0, alias="defaultServiceMinutes")
    near_front_position: int = Field(default=3, ge=1, le=50, alias="nearFrontPosition")
    poll_near_s: int = Field(default=2, ge=1, le=10, alias="pollNearSeconds")
    poll_far_s: int = Field(default=30, ge=2, le=120, alias="pollFarSeconds")


class SchedulingConfig(_Model):
    """Appointments (Res. 372 art. 4: the clerk may schedule a follow-up; citizens may book when allowed).

    Slots are cut from the unit's effective openings (weekly hours minus holidays and closures), each
    `slotMinutes` long, `capacity` appointments per slot (clerks attending in parallel), up to
    `daysAhead` days ahead. `selfBooking` says when a citizen may book on their own: `never` (only a
    clerk offers a follow-up), `when_unavailable` (the unit is closed now or its queue is full) or
    `always`. A citizen books at least `minNoticeMinutes` ahead; the clerks' Teams channel gets a
    reminder `reminderMinutes` before each appointment."""

    enabled: bool = False
    slot_minutes: int = Field(default=20, ge=5, le=240, alias="slotMinutes")
    capacity: int = Field(default=1, ge=1, le=20)
    days_ahead: int = Field(default=14, ge=1, le=90, alias="daysAhead")
    min_notice_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60, alias="minNoticeMinutes")
    self_booking: Literal["never", "when_unavailable", "always"] = Field(
        default="when_unavailable", alias="selfBooking"
    )
    reminder_minutes: int = Field(default=30, ge=1, le=24 * 60, alias="reminderMinutes")


RESPONSE_HOURS_MAX = 48
"""The longest `responseHours` a unit may declare for its asynchronous channel. The channel stands in
for a counter that must attend *immediately* (Res. 372 arts. 1 and 2 §1): an answer weeks later is no
counter at all. 48 hours counted in opening hours (the default, `openingHoursOnly`) is about five working
days of nine hours, the time the law gives a court's clerk to carry out an act (CPC art. 228, II); counted
in calendar hours it is two days. The former bound, 720 h (30 days), let a unit promise a month."""


class AsyncChannelConfig(_Model):
    """The asynchronous channel (Res. 372 art. 2 §1) for units where video is impractical: text
    messages answered within `responseHours` (at most `RESPONSE_HOURS_MAX`), counted in opening hours
    only when `openingHoursOnly`."""

    enabled: bool = False
    response_hours: float = Field(default=48, gt=0, le=RESPONSE_HOURS_MAX, alias="responseHours")
    opening_hours_only: bool = Field(default=True, alias="openingHoursOnly")
    max_length: int = Field(default=2000, ge=100, le=5000, alias="maxLength")


class NoticesConfig(_Model):
    """How citizens are told off the page (issue 13): the `channels` the court or unit enables (a
    channel listed but not set up in the deployment is not offered), the position from which a
    reachable citizen is told the turn is near and asked to confirm ("Estou aqui"), and what happens to
    a called citizen who does not join within `noShowSeconds`: put back `putBackPlaces` places behind,
    at most `putBackTimes` times, then marked no-show. A unit's `notices` replaces its court's."""

    channels: tuple[Literal["push", "whatsapp", "sms", "email"], ...] = ("push", "whatsapp", "sms", "email")
    near_front_position: int = Field(default=3, ge=1, le=50, alias="nearFrontPosition")
    put_back_places: int = Field(default=3, ge=1, le=50, alias="putBackPlaces")
    put_back_times: int = Field(default=1, ge=0, le=3, alias="putBackTimes")


class OrderingPolicy(_Model):
    """The order of service (domain/ordering.py). `interleave` alternates priority and other calls, so a
    waiting priority person can be passed; Decreto 5.296/2004 art. 6 §2 allows that only where priority
    people have a desk of their own, so a unit declares one (`dedicatedPriorityDesk`: true, a clerk who
    serves only priority people) to be allowed `interleave`; without it a waiting priority person is
    the next one called (`priority_first`)."""

    mode: Literal["priority_first", "interleave"] = "priority_first"
    priority_calls: int = Field(default=2, ge=1, alias="priorityCalls")
    normal_calls: int = Field(default=1, ge=1, alias="normalCalls")
    dedicated_priority_desk: bool = Field(default=False, alias="dedicatedPriorityDesk")

    @model_validator(mode="after")
    def _interleave_needs_a_priority_desk(self) -> OrderingPolicy:
        if self.mode == "interleave" and not self.dedicated_priority_desk:
            raise ValueError(
                "a intercalação (interleave) só é aceita numa unidade com balcão exclusivo para "
                "prioridades (dedicatedPriorityDesk: true; Decreto 5.296/2004, art. 6º, § 2º)"
            )
        return self

    def policy(self) -> Policy:
        return Policy(self.mode, self.priority_calls, self.normal_calls)


class MeetingConfig(_Model):
    provider: Literal["teams", "jitsi", "local"] = "local"
    organizer: str | None = None  # Teams: the unit's service account (UPN or object id)

    @model_validator(mode="after")
    def _organizer_for_teams(self) -> MeetingConfig:
        if self.provider == "teams" and not self.organizer:
            raise ValueError("o provedor 'teams' exige a conta organizadora (organizer)")
        return self


class Holiday(_Model):
    """A closed day: `date` (YYYY-MM-DD, or MM-DD every year), optionally up to `end`; or a movable
    `rule` ("carnival", "corpus_christi", ...: see domain/court_calendar.py)."""

    date: str | None = Field(default=None, pattern=r"^(\d{4}-)?\d{2}-\d{2}$")
    end: str | None = Field(default=None, pattern=r"^(\d{4}-)?\d{2}-\d{2}$")
    rule: str | None = Field(default=None, max_length=40)
    name: str = Field(min_length=1, max_length=120)

    @model_validator(mode="after")
    def _date_or_rule(self) -> Holiday:
        if (self.date is None) == (self.rule is None):
            raise ValueError("informe 'date' ou 'rule' em cada feriado")
        return self


class Closure(_Model):
    start: str
    end: str
    message: str = Field(min_length=1, max_length=300)


Phone = Annotated[str, Field(pattern=r"^[0-9()+\- ]{8,24}$")]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class DataProtectionOfficer(_Model):
    """The court's encarregado (LGPD art. 41): published with their contact on every citizen page."""

    name: str = Field(min_length=1, max_length=120)
    email: Email
    phone: Phone | Literal[""] = ""


class CourtPrivacy(_Model):
    """Who answers for the personal data of the court's units (domain/privacy.py): the controller (the
    court's name when empty) and its data protection officer."""

    controller: str = Field(default="", max_length=200)
    encarregado: DataProtectionOfficer


class Court(_Model):
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1, max_length=160)
    # "J.TR" of its process numbers (Res. CNJ 65/2008): "4.01" for TRF1, "8.01" for TJAC; a number with
    # another code gets a hint (not a refusal) on the join form
    cnj: str = Field(default="", pattern=r"^(\d\.\d{2})?$")
    calendar: Literal["federal", "state"] = "state"
    holidays: tuple[Holiday, ...] = ()
    closures: tuple[Closure, ...] = ()  # apply to every unit of the court
    privacy: CourtPrivacy
    notices: NoticesConfig | None = None  # the units' default (issue 13)


DEFAULT_REASONS = (
    Option(id="informacao-processual", label="Informação processual"),
    Option(id="orientacao", label="Orientação sobre atendimento"),
    Option(id="certidao", label="Certidões e documentos"),
    Option(id="outro", label="Outro assunto"),
)


class UnitConfig(_Model):
    id: str = Field(pattern=_ID)
    court: str = Field(pattern=_ID)
    name: str = Field(min_length=1, max_length=160)
    section: str = Field(default="", max_length=80)
    category: str = Field(default="", max_length=80)
    instance: str = Field(default="1ª instância", max_length=40)
    active: bool = True
    timezone: str = "America/Sao_Paulo"
    state: str = Field(default="", pattern=r"^([A-Z]{2})?$")
    municipality: str = Field(default="", max_length=80)
    hours: dict[str, tuple[tuple[str, str], ...]] = Field(default_factory=dict)
    holidays: tuple[Holiday, ...] = ()
    closures: tuple[Closure, ...] = ()
    meeting: MeetingConfig = MeetingConfig()
    webhook_setting: str | None = Field(
        default=None, alias="webhookSetting", pattern=r"^[A-Z][A-Z0-9_]{2,80}$"
    )
    limits: Limits = Limits()
    closing_policy: Literal["serve_waiting", "close_queue"] = Field(
        default="serve_waiting", alias="closingPolicy"
    )
    ordering: OrderingPolicy = OrderingPolicy()
    reasons: tuple[Option, ...] = DEFAULT_REASONS
    service_categories: tuple[Option, ...] = Field(default=(), alias="serviceCategories")
    alternatives: tuple[str, ...] = ()  # pt-BR texts: other ways to reach the unit
    # the unit's own phones and e-mails (Res. 372 art. 5: published with the counter's link and hours)
    phones: tuple[Phone, ...] = Field(default=(), max_length=5)
    emails: tuple[Email, ...] = Field(default=(), max_length=5)
    scheduling: SchedulingConfig = SchedulingConfig()
    async_channel: AsyncChannelConfig = Field(default=AsyncChannelConfig(), alias="asyncChannel")
    notices: NoticesConfig | None = None  # None: the court's (NoticesConfig's defaults without one)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"fuso horário desconhecido: {value}") from None
        return value

    @field_validator("hours")
    @classmethod
    def _valid_hours(
        cls, value: dict[str, tuple[tuple[str, str], ...]]
    ) -> dict[str, tuple[tuple[str, str], ...]]:
        for day, intervals in value.items():
            if day not in DAYS:
                raise ValueError(f"dia da semana desconhecido: {day} (use {', '.join(DAYS)})")
            spans = []
            for start, end in intervals:
                if not _TIME.match(start) or not _TIME.match(end):
                    raise ValueError(f"{day}: horário inválido {start}-{end} (use HH:MM)")
                if end <= start:
                    raise ValueError(f"{day}: o intervalo {start}-{end} termina antes de começar")
                spans.append((start, end))
            spans.sort()
            for (_, end_a), (start_b, _) in pairwise(spans):
                if start_b < end_a:
                    raise ValueError(f"{day}: intervalos sobrepostos ({end_a} > {start_b})")
        return value


class StaffRole(_Model):
    role: Literal["clerk", "court_manager", "admin", "interpreter"]
    units: tuple[str, ...] = ()
    court: str | None = None


class StaffMember(_Model):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    name: str = Field(min_length=1, max_length=120)
    roles: tuple[StaffRole, ...]

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class Configuration(_Model):
    courts: tuple[Court, ...]
    units: tuple[UnitConfig, ...]
    staff: tuple[StaffMember, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Configuration:
        court_ids = {c.id for c in self.courts}
        unit_ids: set[str] = set()
        for unit in self.units:
            if unit.id in unit_ids:
                raise ValueError(f"unidade repetida: {unit.id}")
            unit_ids.add(unit.id)
            if unit.court not in court_ids:
                raise ValueError(f"a unidade {unit.id} cita o tribunal desconhecido {unit.court}")
        served: set[str] = set()
        for member in self.staff:
            for role in member.roles:
                for unit_id in role.units:
                    if unit_id not in unit_ids:
                        raise ValueError(f"{member.email} é lotado(a) na unidade desconhecida {unit_id}")
                    if role.role == "clerk":
                        served.add(unit_id)
                if role.court is not None and role.court not in court_ids:
                    raise ValueError(f"{member.email} cita o tribunal desconhecido {role.court}")
        orphans = sorted(u.id for u in self.units if u.active and u.id not in served)
        if orphans:
            raise ValueError(f"unidade ativa sem servidor(a) designado(a): {', '.join(orphans)}")
        return self

    def unit(self, unit_id: str) -> UnitConfig | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def court(self, court_id: str) -> Court | None:
        return next((c for c in self.courts if c.id == court_id), None)

    def notices_for(self, unit: UnitConfig) -> NoticesConfig:
        """The unit's notice settings: its own, else its court's, else the defaults."""
        court = self.court(unit.court)
        return unit.notices or (court.notices if court else None) or NoticesConfig()


def parse_configuration(text: str | bytes) -> Configuration:
    """Parse and validate the configuration file, or raise InvalidInputError listing every problem."""
    try:
        raw: Any = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"Arquivo de configuração não é JSON válido: {exc}") from None
    try:
        return Configuration.model_validate(raw)
    except ValidationError as exc:
        problems = {
            ".".join(str(p) for p in err["loc"]) or "(raiz)": str(err["msg"]).removeprefix("Value error, ")
            for err in exc.errors()
        }
        summary = "; ".join(f"{k}: {v}" for k, v in problems.items())
        raise InvalidInputError(f"Configuração recusada: {summary}", fields=problems) from None
