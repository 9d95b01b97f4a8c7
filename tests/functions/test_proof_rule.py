"""When a join or a booking must carry a proof of work, and how hard it is (functions/proof.py), from the
rule as the issue states it: near the unit's cap (80 % of maxWaiting waiting, or its join bucket below
half) or a client that looks automated (its own bucket below half); harder the closer to the cap."""

from __future__ import annotations

import base64
import json

import altcha
import pytest

from domain.errors import ProofRequiredError
from functions.proof import Pressure, Proofs, tries

# (waiting / maxWaiting, unit bucket spent, client bucket spent) -> required
RULE = [
    ((0.0, 0.0, 0.0), False),
    ((0.79, 0.5, 0.5), False),  # everything just below its line: nothing changes for citizens
    ((0.8, 0.0, 0.0), True),
    ((0.0, 0.51, 0.0), True),
    ((0.0, 0.0, 0.6), True),
]


@pytest.mark.parametrize(("levels", "required"), RULE)
def test_a_proof_is_required_near_the_cap_or_for_an_automated_client(
    levels: tuple[float, float, float], required: bool
) -> None:
    assert Pressure(*levels).required is required


def test_the_work_grows_with_the_pressure() -> None:
    quiet, half, full = (tries(Pressure(p, 0, 0)) for p in (0.0, 0.5, 1.0))
    assert quiet < half < full == 4 * quiet


def solve(challenge: dict[str, object]) -> str:
    made = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(made, timeout=15)
    assert solution is not None
    return altcha.Payload(made, solution).to_base64()


def test_a_proof_is_checked_against_the_key_the_unit_and_the_algorithm() -> None:
    proofs = Proofs("a key for the tests only")
    payload = solve(proofs.challenge("unit-a", Pressure(0, 0, 0)))
    signature, expires = proofs.verify(payload, "unit-a")
    assert json.loads(base64.b64decode(payload))["challenge"]["signature"] == signature
    assert expires > 0
    for refused in (
        lambda: proofs.verify(payload, "unit-b"),
        lambda: Proofs("another key").verify(payload, "unit-a"),
        lambda: proofs.verify(payload[:-8], "unit-a"),
        lambda: proofs.verify("", "unit-a"),
    ):
        with pytest.raises(ProofRequiredError, match="não vale"):
            refused()
    cheap = altcha.create_challenge("SHA-256", 1, counter=1, data={"unit": "unit-a"}, hmac_secret=b"k")
    with pytest.raises(ProofRequiredError):
        Proofs("k").verify(solve(cheap.to_dict()), "unit-a")  # another algorithm, and no expiry
