"""A cap on a client's active bookings, as a count kept in storage (issue 16, "a cap on active bookings
per client"), over HTTP against two dev host instances sharing one Azurite (Flex Consumption runs many:
a client's requests reach any of them).

One client address (as Azure's front end appends it to `X-Forwarded-For`) books from both instances:
3 appointments are accepted, the 4th is refused with the count's own words whichever instance it
reaches; once the citizen cancels one, a booking is accepted at once (a count of what is booked, not a
rate of requests). Another address still books."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.cluster import ClusterSystem, running_cluster

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

UNIT = "tjam-tefe-vu"  # self-booking "always"
CAP = 3  # the cap, as documented in the README (at most 3 appointments booked per client)
CLIENT = {"X-Forwarded-For": "203.0.113.61"}
PERSON = {"role": "parte", "reason": "orientacao"}


@pytest.fixture(scope="module")
def cluster() -> Iterator[ClusterSystem]:
    with running_cluster(2) as running:
        yield running


def book(cluster: ClusterSystem, instance: int, name: str, start: str, headers: dict[str, str]) -> Any:
    return cluster.client(instance).post(
        f"/api/units/{UNIT}/appointments", json={**PERSON, "name": name, "startsAt": start}, headers=headers
    )


def test_a_client_holds_at_most_three_bookings_across_instances(cluster: ClusterSystem) -> None:
    offered = cluster.client(0).get(f"/api/units/{UNIT}/slots").json()
    free = [str(s["startsAt"]) for d in offered["days"] for s in d["slots"] if s["free"] > 0][:8]
    assert len(free) == 8, "the test needs 8 free slots"
    made = []
    for i in range(CAP):  # instances 0, 1, 0
        answer = book(cluster, i, f"Pessoa Agenda {i}", free[i], CLIENT)
        assert answer.status_code == 201, answer.text
        made.append(answer.json())
    for instance in (1, 0):
        refused = book(cluster, instance, "Pessoa Agenda Extra", free[CAP], CLIENT)
        assert refused.status_code == 429, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert f"já tem {CAP} agendamentos marcados" in refused.json()["detail"], refused.text

    first = made[0]
    cancelled = cluster.client(1).delete(
        f"/api/tickets/{first['appointmentId']}/appointment",
        headers={"Authorization": f"Bearer {first['token']}"},
    )
    assert cancelled.status_code in (200, 204), cancelled.text
    again = book(cluster, 1, "Pessoa Agenda Extra", free[CAP], CLIENT)
    assert again.status_code == 201, again.text  # the cancelled one no longer counts
    assert book(cluster, 0, "Pessoa Agenda Mais", free[CAP + 1], CLIENT).status_code == 429

    other = book(cluster, 0, "Cidadã De Outro Lugar", free[CAP + 2], {"X-Forwarded-For": "192.0.2.80"})
    assert other.status_code == 201, other.text
