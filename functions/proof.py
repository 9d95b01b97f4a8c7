"""A proof of work instead of a refusal for everyone (issue 16): ALTCHA (altcha.org, PoW v2), self-hosted,
no tracking. Near a unit's cap, or from a client that looks automated, a join or a booking must carry a
solved challenge; a real citizen's browser solves one in a second or two, while a bot filling a line pays
that for every ticket (and still meets its own per-client limits).

**When a proof is required** (`required`), for `POST /api/units/{unit}/tickets` and
`POST /api/units/{unit}/appointments`:

- the unit is near its cap: `NEAR_CAP` (80 %) of its `maxWaiting` or more waiting (the shared, ≤ 1 s
  state: no read of its own), or its join bucket, the one every instance shares, below `UNIT_LOW`
  (half its burst: the copy this instance last saw, no read when it has one);
- or, for a join, the client looks automated: its own join bucket, in this instance's memory, below
  `CLIENT_LOW` (half): the 6th join within a minute from one address. Not for a booking: a client's
  bookings are bounded by an exact count in storage (3 active, functions/limits.py), checked first,
  which a proof would not lift anyway.

Once a unit is near its cap, an instance keeps asking for `HOLD_S` (5 minutes) after it last saw it so
(`Limiter.keep_asking`): the bucket refills, and without this every refill would let a proof-less bot in
again while the flood lasts. Below all of these nothing is asked: in quiet times nothing changes for
citizens. A request that carries a proof has it checked whether one is required or not (a tampered proof
is never let through).

**The answer without a valid proof: 428 Precondition Required** (RFC 6585 §3: the server requires the
request to carry a condition; here, the solved challenge), problem+json in pt-BR with the code
`verificacao-necessaria` and `challenge`, the URL to fetch one from. Not 429: a 429 tells a client to
wait and send the same request again (`Retry-After`), and waiting does not help here; the page must
solve the check and send again. A 428 also lets a page tell this apart from the per-client 429s.

**The proof** travels in the `X-Balcao-Proof` header (the widget's base64 payload), so the bodies' strict
schemas are unchanged. `GET /api/units/{unit}/challenge` (public, limited per client in memory like the
other cheap reads) answers a challenge for that unit: PBKDF2/SHA-256, `COST` iterations per try, a secret
counter drawn between `lo` and `2·lo` tries where `lo` grows with the pressure (`tries`), signed with
`BALCAO_ALTCHA_KEY` (HMAC-SHA-256; the expected key is signed too, so verifying is one HMAC, never a
derivation), bound to the unit (`data.unit`), valid `EXPIRES_S` (10 minutes).

A solved challenge is accepted **once**: its signature is recorded in storage when it is spent (across
instances: adapters/limits_table.py, `spend`, kept until the table of its expiry day is dropped); a
replay is refused with the same 428. A valid proof spares the unit's join bucket (the one a flood drains:
that is what lets a citizen who solved it in when bots are refused), never the client's own buckets, the
active-ticket or active-booking caps, nor the line's `maxWaiting`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import altcha

from domain.errors import ProofRequiredError

HEADER = "x-balcao-proof"
ALGORITHM = "PBKDF2/SHA-256"
COST = 100  # PBKDF2 iterations per try
BASE_TRIES = 1000  # the least `lo`; a citizen's browser tries 1.5 times that on average
EXPIRES_S = 600
HOLD_S = 300.0
NEAR_CAP = 0.8
UNIT_LOW = 0.5
CLIENT_LOW = 0.5
GUARDED: frozenset[tuple[str, str]] = frozenset(
    {("POST", "units/{unit}/tickets"), ("POST", "units/{unit}/appointments")}
)

ASK = (
    "Muitas pessoas estão usando esta fila agora. Para continuar, confirme que você não é um robô: "
    "o seu navegador faz uma verificação automática que leva alguns segundos. Depois, envie de novo."
)
INVALID = (
    "A verificação enviada não vale (expirou, já foi usada ou foi alterada). Confirme de novo que você "
    "não é um robô e envie outra vez."
)


@dataclass(frozen=True)
class Pressure:
    """How close a unit (and a client) is to being refused, each in 0..1."""

    waiting: float  # waiting / maxWaiting
    unit_spent: float  # 1 - the unit's join bucket level
    client_spent: float  # 1 - the client's own bucket level

    @property
    def near_cap(self) -> bool:
        return self.waiting >= NEAR_CAP or self.unit_spent > 1 - UNIT_LOW

    @property
    def required(self) -> bool:
        return self.near_cap or self.client_spent > 1 - CLIENT_LOW

    @property
    def level(self) -> float:
        return min(1.0, max(self.waiting, self.unit_spent, self.client_spent))


def tries(pressure: Pressure) -> int:
    """The least secret counter (`lo`): `BASE_TRIES` in quiet times, four times that at the cap."""
    return int(BASE_TRIES * (1 + 3 * pressure.level))


def challenge_url(unit_id: str) -> str:
    return f"/api/units/{unit_id}/challenge"


class Proofs:
    """Makes and checks the challenges with the app's key (`BALCAO_ALTCHA_KEY`)."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()
        self._key_secret = hmac.new(self._key, b"altcha derived key", hashlib.sha256).hexdigest()

    def challenge(self, unit_id: str, pressure: Pressure, wall: float | None = None) -> dict[str, Any]:
        lo = tries(pressure)
        made = altcha.create_challenge(
            ALGORITHM,
            COST,
            counter=lo + random.randrange(lo),
            expires_at=int((wall if wall is not None else time.time()) + EXPIRES_S),
            data={"unit": unit_id},
            hmac_secret=self._key,
            hmac_key_secret=self._key_secret,
        )
        answer: dict[str, Any] = made.to_dict()
        return answer

    def verify(self, payload: str, unit_id: str) -> tuple[str, float]:
        """(the challenge's signature, its expiry in wall seconds) of a valid solved challenge for
        `unit_id`; ProofRequiredError (INVALID) otherwise: malformed, tampered, expired, another unit's,
        another algorithm."""
        try:
            result = altcha.verify_solution(payload, self._key, hmac_key_secret=self._key_secret)
            params = _parameters(payload)
        except Exception:  # malformed base64 or JSON: the library or our parse
            raise ProofRequiredError(INVALID, challenge_url(unit_id)) from None
        data = params.get("data")
        if (
            not result.verified
            or params.get("algorithm") != ALGORITHM
            or not isinstance(data, Mapping)
            or data.get("unit") != unit_id
            or not isinstance(params.get("expiresAt"), int)
        ):
            raise ProofRequiredError(INVALID, challenge_url(unit_id))
        signature = _signature(payload)
        return signature, float(params["expiresAt"])


def _decoded(payload: str) -> dict[str, Any]:
    decoded = json.loads(base64.b64decode(payload, validate=True))
    if not isinstance(decoded, dict):
        raise ValueError("not an object")
    return decoded


def _parameters(payload: str) -> dict[str, Any]:
    params = _decoded(payload)["challenge"]["parameters"]
    if not isinstance(params, dict):
        raise ValueError("no parameters")
    return params


def _signature(payload: str) -> str:
    return str(_decoded(payload)["challenge"]["signature"])
