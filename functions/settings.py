"""Typed view of the app settings (local.settings.json `Values` locally, app settings in Azure), which
refuses placeholder secrets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from domain.retention import DEFAULT_RETENTION_DAYS

PLACEHOLDERS = ("", "change-me", "changeme", "<", "todo", "xxx")


class SettingsError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    env: Mapping[str, str]

    def get(self, name: str, default: str = "") -> str:
        value = self.env.get(name, default) or default
        # A Key Vault reference Azure could not resolve (secret not created yet) arrives verbatim.
        return default if value.startswith("@Microsoft.KeyVault(") else value

    def flag(self, name: str) -> bool:
        return self.get(name).strip().lower() in ("1", "true", "yes", "sim")

    def secret(self, name: str) -> str:
        value = self.get(name)
        if value.strip().lower().startswith(PLACEHOLDERS[1:]) or not value.strip():
            raise SettingsError(f"Setting {name} is missing or still a placeholder")
        return value

    @property
    def public_base_url(self) -> str:
        return self.get("BALCAO_PUBLIC_BASE_URL", "http://localhost:7071").rstrip("/")

    @property
    def site_origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.get("BALCAO_SITE_ORIGINS").split(",") if o.strip()]

    @property
    def always_open(self) -> bool:
        return self.flag("BALCAO_ALWAYS_OPEN")

    @property
    def config_ttl_s(self) -> float:
        return float(self.get("BALCAO_CONFIG_TTL_SECONDS", "30"))

    @property
    def retention_days(self) -> int:
        """How long personal data is kept (LGPD): BALCAO_RETENTION_DAYS, 30 days by default."""
        raw = self.get("BALCAO_RETENTION_DAYS", str(DEFAULT_RETENTION_DAYS))
        try:
            days = int(raw)
        except ValueError:
            raise SettingsError(
                f"BALCAO_RETENTION_DAYS must be a whole number of days, not {raw!r}"
            ) from None
        if days < 1:
            raise SettingsError("BALCAO_RETENTION_DAYS must be at least 1")
        return days

    def webhook_url(self, setting: str | None) -> str | None:
        """A unit's Teams webhook, from the setting its configuration names (`webhookSetting`)."""
        return self.get(setting) if setting else None
