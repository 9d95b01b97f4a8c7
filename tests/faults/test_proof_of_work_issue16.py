"""A proof of work instead of a refusal for everyone (issue 16), over HTTP against the dev host, with the
ALTCHA library's own solver playing the citizen's browser.

The rule (functions/proof.py): a join must carry a solved challenge when the unit is near its cap (80 %
of `maxWaiting` waiting, or its join bucket below half its burst: a third of `maxWaiting`, at least 10,
so 16 for `tjam-tefe-vu`'s line of 50) or when the client looks automated (its own join bucket below
half: more than 5 of its 10 joins within a minute). Without one: 428 problem+json in pt-BR, nothing
written. A solved challenge is spent once. Each flood stays under 500 requests.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import altcha
import httpx
import pytest

from tests.support.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.azurite]

QUIET = "tjac-rbr-1vce"  # a line of 300: joins take 100 at once
BUSY = "tjam-tefe-vu"  # a line of 50: joins take 16 at once
JOIN = {"role": "parte", "reason": "orientacao"}
ASKED = "confirme que você não é um robô"


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as running:
        yield running


def join(
    system: System, unit: str, name: str, address: str | None = None, proof: str | None = None
) -> httpx.Response:
    headers = {"X-Forwarded-For": address} if address else {}
    if proof is not None:
        headers["X-Balcao-Proof"] = proof
    return system.client.post(f"/api/units/{unit}/tickets", json={**JOIN, "name": name}, headers=headers)


def solved(challenge: dict[str, Any]) -> str:
    """What the widget sends: the challenge and the counter the solver found, base64 JSON."""
    made = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(made, timeout=15)
    assert solution is not None, "the challenge could not be solved in 15 s"
    return altcha.Payload(made, solution).to_base64()


def fresh_proof(system: System, unit: str) -> str:
    answer = system.client.get(f"/api/units/{unit}/challenge")
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    return solved(answer.json())


def assert_asked(answer: httpx.Response, unit: str, words: str) -> None:
    assert answer.status_code == 428, f"{answer.status_code} {answer.text}"
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["type"].endswith("/verificacao-necessaria"), body
    assert words in body["detail"], body["detail"]
    assert body["challenge"] == f"/api/units/{unit}/challenge", body


def test_in_quiet_times_nothing_is_asked(system: System) -> None:
    """Below every threshold a join needs no proof: five people behind one address and five others
    join as before; the sixth join within a minute from that one address is asked to prove."""
    others = [join(system, QUIET, f"Vizinho Número {i}", f"192.0.2.{30 + i}") for i in range(5)]
    family = [join(system, QUIET, f"Pessoa Da Família {i}", "192.0.2.20") for i in range(5)]
    assert [a.status_code for a in others + family] == [202] * 10, [a.text for a in others + family]
    # the address's bucket refills one join every 6 s: the sixth comes well within that
    assert_asked(join(system, QUIET, "Sexta Da Mesma Casa", "192.0.2.20"), QUIET, ASKED)


def test_near_the_cap_a_join_without_proof_is_refused_and_a_solved_one_gets_in(system: System) -> None:
    """Bots from rotating addresses (one join each) drain the unit's join bucket to half: every later
    join without a proof is 428 with the pt-BR request and writes nothing; a citizen who solves one
    challenge is admitted; the same proof again, an expired one, a tampered one and another unit's are
    refused."""
    statuses = [join(system, BUSY, f"Robô Número {i}", f"198.51.100.{i}").status_code for i in range(40)]
    admitted = statuses.count(202)
    # the bucket holds 16 and refills 16 a minute: 9 take it below half, a few more refill meanwhile
    assert 9 <= admitted <= 12, statuses
    assert set(statuses[admitted:]) == {428}, statuses
    before = system.stored()
    assert_asked(join(system, BUSY, "Mais Um Robô", "198.51.100.200"), BUSY, ASKED)
    assert system.stored() == before

    started = time.perf_counter()
    proof = fresh_proof(system, BUSY)
    solving = time.perf_counter() - started
    citizen = join(system, BUSY, "Cidadã De Verdade", "192.0.2.44", proof)
    assert citizen.status_code == 202, citizen.text
    print(
        f"citizen solved one proof in {solving:.2f} s and was admitted; "
        f"{40 - admitted} of 40 bot joins were refused"
    )

    before = system.stored()
    replayed = join(system, BUSY, "Outro Com A Mesma Prova", "192.0.2.45", proof)
    assert_asked(replayed, BUSY, "já foi usada")
    expired = solved(
        altcha.create_challenge(
            "PBKDF2/SHA-256",
            100,
            counter=100,
            expires_at=int(time.time()) - 1,
            data={"unit": BUSY},
            hmac_secret=system.settings["BALCAO_ALTCHA_KEY"].encode(),
        ).to_dict()
    )
    assert_asked(join(system, BUSY, "Prova Vencida", "192.0.2.46", expired), BUSY, "expirou")
    assert_asked(
        join(system, BUSY, "Prova Alterada", "192.0.2.47", tampered(fresh_proof(system, BUSY))),
        BUSY,
        "foi alterada",
    )
    elsewhere = fresh_proof(system, QUIET)
    assert_asked(join(system, BUSY, "Prova De Outra Unidade", "192.0.2.48", elsewhere), BUSY, "não vale")
    assert_asked(join(system, BUSY, "Prova Quebrada", "192.0.2.49", "isto-nao-e-base64!"), BUSY, "não vale")
    assert system.stored() == before


def test_a_booking_at_a_unit_under_a_flood_needs_a_proof_too(system: System) -> None:
    """While the unit asks for proofs (the test above flooded it), a booking without one is 428 and one
    with a solved challenge is booked."""
    offered = system.client.get(f"/api/units/{BUSY}/slots").json()
    start = next(str(s["startsAt"]) for d in offered["days"] for s in d["slots"] if s["free"] > 0)
    body = {**JOIN, "name": "Cidadão Que Agenda", "startsAt": start}
    url = f"/api/units/{BUSY}/appointments"
    headers = {"X-Forwarded-For": "192.0.2.90"}
    assert_asked(system.client.post(url, json=body, headers=headers), BUSY, ASKED)
    proved = {**headers, "X-Balcao-Proof": fresh_proof(system, BUSY)}
    booked = system.client.post(url, json=body, headers=proved)
    assert booked.status_code == 201, booked.text


def tampered(payload: str) -> str:
    """The same solved proof with its expiry pushed a day later (the signature no longer matches)."""
    decoded = json.loads(base64.b64decode(payload))
    decoded["challenge"]["parameters"]["expiresAt"] += 86_400
    return base64.b64encode(json.dumps(decoded).encode()).decode()
