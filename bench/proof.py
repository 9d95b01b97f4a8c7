"""What a citizen's page does when the API answers 428 (site/assets/js/proof.js): find the counter of
the unit's ALTCHA challenge and answer the base64 payload it sends back in `X-Balcao-Proof`."""

from __future__ import annotations

from typing import Any

import altcha


def solve(challenge: dict[str, Any], timeout: float = 60) -> tuple[str, int]:
    """(the payload, the counter found); ("", 0) when not found within `timeout` seconds."""
    found = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(found, timeout=timeout)
    if solution is None:
        return "", 0
    return altcha.Payload(found, solution).to_base64(), solution.counter
