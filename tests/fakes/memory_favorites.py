"""In-memory `FavoriteStore`: each person's favourite unit ids (tests/contract/ports runs the same suite
against this and `adapters.favorites_table.TableFavoriteStore`)."""

from __future__ import annotations

import threading
from datetime import datetime


class MemoryFavoriteStore:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, datetime]] = {}  # lower-cased e-mail → unit id → when starred
        self._lock = threading.Lock()

    def units(self, email: str) -> list[str]:
        with self._lock:
            return sorted(self.rows.get(email.strip().lower(), {}))

    def add(self, email: str, unit_id: str, at: datetime) -> None:
        with self._lock:
            self.rows.setdefault(email.strip().lower(), {})[unit_id] = at

    def remove(self, email: str, unit_id: str) -> None:
        with self._lock:
            self.rows.get(email.strip().lower(), {}).pop(unit_id, None)
