"""The Teams provider with the real msgraph-sdk against a local fake Graph (tests/fakes/fake_graph.py)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.core.credentials import AccessToken

from adapters.meetings_teams import GraphRetries, TeamsMeetingProvider
from domain.errors import ProviderError, TransientProviderError
from domain.ports import MeetingRequest
from tests.fakes.fake_graph import FakeGraph, ScriptedResponse

pytestmark = [  # msgraph-sdk's generated code warns about its own request-configuration classes
    pytest.mark.filterwarnings("ignore:This class is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:GetQueryParameters is deprecated:DeprecationWarning"),
]

ORGANIZER = "balcao.1vc@tj.example.jus.br"
TOKEN = "fixed-test-token"
STARTS_AT = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)


class FixedTokenCredential:
    """An azure-core TokenCredential that always returns the same token (and counts the calls)."""

    def __init__(self) -> None:
        self.calls = 0

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.calls += 1
        return AccessToken(TOKEN, int(time.time()) + 3600)


def request(ticket: str = "T-0001", **overrides: Any) -> MeetingRequest:
    fields: dict[str, Any] = {
        "ticket_id": ticket,
        "unit_id": "tjex-1vc",
        "unit_name": "1ª Vara Cível",
        "display_number": "A012",
        "provider": "teams",
        "organizer": ORGANIZER,
        "starts_at": STARTS_AT,
    }
    fields.update(overrides)
    return MeetingRequest(**fields)


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


FAST = GraphRetries(
    max_retries=3,
    backoff_factor=0.01,
    backoff_max=0.05,
    backoff_jitter=0.0,
    max_retry_after=5.0,
    request_timeout=5.0,
    call_timeout=15.0,
)


def make_provider(graph: FakeGraph, **overrides: Any) -> TeamsMeetingProvider:
    settings: dict[str, Any] = {
        "credential": FixedTokenCredential(),
        "base_url": graph.base_url,
        "retries": FAST,
    }
    settings.update(overrides)
    return TeamsMeetingProvider(**settings)


@pytest.fixture
def provider(graph: FakeGraph) -> Iterator[TeamsMeetingProvider]:
    with make_provider(graph) as p:
        yield p


def test_create_or_get_carries_external_id_subject_and_times(
    graph: FakeGraph, provider: TeamsMeetingProvider
) -> None:
    meeting = provider.create(request())

    [post] = graph.requests_to("POST", "/createOrGet")
    assert post.path == "/v1.0/users/balcao.1vc%40tj.example.jus.br/onlineMeetings/createOrGet"
    assert post.headers["authorization"] == f"Bearer {TOKEN}"
    assert post.body["externalId"] == "T-0001"
    assert post.body["subject"] == "Balcão Virtual — 1ª Vara Cível — senha A012"
    assert datetime.fromisoformat(post.body["startDateTime"]) == STARTS_AT
    assert datetime.fromisoformat(post.body["endDateTime"]) == STARTS_AT + timedelta(hours=1)
    [stored] = graph.meetings_for("T-0001")
    assert meeting.provider == "teams"
    assert meeting.meeting_id == stored["id"]
    assert meeting.join_url == stored["joinWebUrl"]


def test_patch_puts_the_citizen_in_the_lobby(graph: FakeGraph, provider: TeamsMeetingProvider) -> None:
    meeting = provider.create(request())

    [patch] = graph.requests_to("PATCH")
    assert patch.path == f"/v1.0/users/balcao.1vc%40tj.example.jus.br/onlineMeetings/{meeting.meeting_id}"
    assert patch.body["lobbyBypassSettings"] == {"scope": "organization", "isDialInBypassEnabled": False}
    assert set(patch.body) <= {"@odata.type", "lobbyBypassSettings"}  # nothing else is changed
    [stored] = graph.meetings_for("T-0001")
    assert stored["lobbyBypassSettings"] == {"scope": "organization", "isDialInBypassEnabled": False}
    # The PATCH comes after the meeting exists.
    assert graph.requests.index(patch) > graph.requests.index(graph.requests_to("POST")[0])


def test_lobby_scope_is_configurable(graph: FakeGraph) -> None:
    with make_provider(graph, lobby_scope="organizer") as provider:
        provider.create(request())
    [patch] = graph.requests_to("PATCH")
    assert patch.body["lobbyBypassSettings"] == {"scope": "organizer", "isDialInBypassEnabled": False}


def test_unknown_lobby_scope_is_refused_at_construction(graph: FakeGraph) -> None:
    with pytest.raises(ValueError, match="lobbyBypassScope"):
        make_provider(graph, lobby_scope="anyone-at-all")


def test_same_ticket_twice_yields_one_meeting_and_one_patch(
    graph: FakeGraph, provider: TeamsMeetingProvider
) -> None:
    first = provider.create(request())
    second = provider.create(request())

    assert first == second
    assert len(graph.meetings_for("T-0001")) == 1
    assert len(graph.requests_to("POST", "/createOrGet")) == 2
    assert len(graph.requests_to("PATCH")) == 1  # the retry sees the lobby already set


def test_throttled_then_success_yields_one_meeting_after_retry_after(
    graph: FakeGraph, provider: TeamsMeetingProvider
) -> None:
    graph.script("POST", "/createOrGet", ScriptedResponse(429, {"Retry-After": "1"}))

    meeting = provider.create(request())

    posts = graph.requests_to("POST", "/createOrGet")
    assert len(posts) == 2
    assert posts[1].at - posts[0].at >= 0.95  # the SDK waited for Retry-After
    assert posts[1].body == posts[0].body
    assert [m["id"] for m in graph.meetings_for("T-0001")] == [meeting.meeting_id]


def test_service_unavailable_is_retried_then_succeeds(
    graph: FakeGraph, provider: TeamsMeetingProvider
) -> None:
    graph.script("PATCH", "", ScriptedResponse(503), ScriptedResponse(503))

    provider.create(request())

    assert len(graph.requests_to("PATCH")) == 3
    [stored] = graph.meetings_for("T-0001")
    assert stored["lobbyBypassSettings"]["scope"] == "organization"


def test_retry_after_longer_than_the_cap_fails_fast_as_transient(graph: FakeGraph) -> None:
    graph.script("POST", "/createOrGet", ScriptedResponse(429, {"Retry-After": "120"}))
    with make_provider(graph, retries=replace(FAST, max_retry_after=2.0)) as provider:
        started = time.monotonic()
        with pytest.raises(TransientProviderError) as caught:
            provider.create(request())
        assert time.monotonic() - started < 5
    assert caught.value.details["status"] == 429
    assert len(graph.requests_to("POST")) == 1
    assert graph.meetings_for("T-0001") == []


def test_persistent_500_is_transient_and_creates_nothing(
    graph: FakeGraph, provider: TeamsMeetingProvider
) -> None:
    graph.fail_always(500)

    with pytest.raises(TransientProviderError) as caught:
        provider.create(request())

    assert caught.value.details["status"] == 500
    assert caught.value.message.startswith("O Microsoft Teams está indisponível")
    assert graph.meetings_for("T-0001") == []


def test_persistent_503_is_retried_a_bounded_number_of_times(graph: FakeGraph) -> None:
    graph.fail_always(503)
    provider = make_provider(graph, retries=replace(FAST, max_retries=2))
    with provider, pytest.raises(TransientProviderError):
        provider.create(request())
    assert len(graph.requests_to("POST")) == 3  # first attempt + 2 retries


def test_the_queue_retry_after_a_failure_gets_the_meeting(
    graph: FakeGraph, provider: TeamsMeetingProvider
) -> None:
    graph.fail_always(500, method="PATCH")
    with pytest.raises(TransientProviderError):
        provider.create(request())  # meeting created, lobby not yet set
    graph.heal()

    meeting = provider.create(request())  # the queue delivers the message again

    [stored] = graph.meetings_for("T-0001")
    assert meeting.meeting_id == stored["id"]
    assert stored["lobbyBypassSettings"] == {"scope": "organization", "isDialInBypassEnabled": False}


@pytest.mark.parametrize("status", [400, 403, 404])
def test_client_errors_are_not_transient(
    graph: FakeGraph, provider: TeamsMeetingProvider, status: int
) -> None:
    graph.fail_always(status)

    with pytest.raises(ProviderError) as caught:
        provider.create(request())

    assert not isinstance(caught.value, TransientProviderError)
    assert caught.value.details["status"] == status
    assert len(graph.requests) == 1  # not retried


def test_timeout_is_transient(graph: FakeGraph) -> None:
    graph.script("POST", "/createOrGet", ScriptedResponse(201, body={}, delay=1.0))
    provider = make_provider(graph, retries=replace(FAST, request_timeout=0.2))
    with provider, pytest.raises(TransientProviderError):
        provider.create(request())


def test_call_timeout_bounds_the_whole_call(graph: FakeGraph) -> None:
    graph.script("POST", "/createOrGet", ScriptedResponse(201, body={}, delay=1.5))
    with make_provider(graph, retries=replace(FAST, call_timeout=0.3)) as provider:
        started = time.monotonic()
        with pytest.raises(TransientProviderError):
            provider.create(request())
        assert time.monotonic() - started < 1.2


def test_missing_organizer_is_a_configuration_error(graph: FakeGraph, provider: TeamsMeetingProvider) -> None:
    with pytest.raises(ProviderError) as caught:
        provider.create(request(organizer=None))
    assert not isinstance(caught.value, TransientProviderError)
    assert graph.requests == []


def test_default_organizer_is_used_when_the_request_has_none(graph: FakeGraph) -> None:
    with make_provider(graph, default_organizer="svc-default") as provider:
        provider.create(request(organizer=None))
    [post] = graph.requests_to("POST")
    assert post.path == "/v1.0/users/svc-default/onlineMeetings/createOrGet"


def test_answer_without_join_url_is_a_provider_error(
    graph: FakeGraph, provider: TeamsMeetingProvider
) -> None:
    graph.script("POST", "/createOrGet", ScriptedResponse(201, body={"id": "x"}))
    with pytest.raises(ProviderError):
        provider.create(request())


def test_concurrent_calls_from_many_threads_share_one_loop(
    graph: FakeGraph, provider: TeamsMeetingProvider
) -> None:
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def call(ticket: str) -> None:
        try:
            results[ticket] = provider.create(request(ticket)).meeting_id
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(f"T-{i:03d}",)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert errors == []
    assert len(set(results.values())) == 12
    assert len(graph.meetings) == 12
    assert sum(t.name == "teams-graph-loop" for t in threading.enumerate()) == 1


def test_close_stops_the_loop_and_a_later_call_starts_again(graph: FakeGraph) -> None:
    provider = make_provider(graph)
    provider.create(request("T-1"))
    provider.close()
    assert not any(t.name == "teams-graph-loop" for t in threading.enumerate())
    provider.create(request("T-2"))
    provider.close()
    assert len(graph.meetings) == 2


def test_secrets_stay_out_of_repr_and_logs(graph: FakeGraph, caplog: pytest.LogCaptureFixture) -> None:
    secret = "very-secret-client-secret-value"
    unused = TeamsMeetingProvider(tenant_id="t", client_id="c", client_secret=secret, base_url=graph.base_url)
    assert secret not in repr(unused)
    graph.fail_always(500)
    caplog.set_level(logging.DEBUG)
    with make_provider(graph) as provider, pytest.raises(TransientProviderError) as caught:
        provider.create(request())
    assert TOKEN not in caplog.text
    assert TOKEN not in str(caught.value.details)


def test_a_credential_is_required() -> None:
    with pytest.raises(ValueError, match="credential"):
        TeamsMeetingProvider(tenant_id="t", client_id="c")


def test_plain_http_is_refused_outside_loopback() -> None:
    with pytest.raises(ValueError, match="https"):
        TeamsMeetingProvider(credential=FixedTokenCredential(), base_url="http://graph.example.com/v1.0")


@pytest.mark.parametrize("retries", [-1, 11])  # the SDK's RetryHandlerOption allows 0 to 10
def test_retries_outside_what_the_sdk_allows_are_refused(retries: int) -> None:
    with pytest.raises(ValueError, match="max_retries"):
        GraphRetries(max_retries=retries)
