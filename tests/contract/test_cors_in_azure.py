"""In Azure the platform answers CORS preflights (OPTIONS) before the app runs: the Function App's
`cors.allowedOrigins` must be exactly the origins the app itself allows (`BALCAO_SITE_ORIGINS`), so that
a court's page on another origin can call the API and nobody else's can. Both come from one Bicep
parameter; this test keeps it that way."""

from __future__ import annotations

import re
from pathlib import Path

BICEP = Path(__file__).resolve().parents[2] / "infra" / "modules" / "functionapp.bicep"


def test_platform_cors_and_the_app_setting_come_from_the_same_origins() -> None:
    text = BICEP.read_text("utf-8")
    setting = re.search(r"name: 'BALCAO_SITE_ORIGINS'\s+value: join\((\w+), ','\)", text)
    platform = re.search(r"cors: \{\s+allowedOrigins: (\w+)\s+supportCredentials: false", text)
    assert setting and platform, "functionapp.bicep no longer sets CORS and BALCAO_SITE_ORIGINS as expected"
    assert setting.group(1) == platform.group(1) == "siteOrigins"
    assert "'*'" not in text.split("cors:")[1].split("}")[0]  # never every origin
