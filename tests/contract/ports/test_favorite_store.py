"""`FavoriteStore`: each person's favourite units, one row per favourite; adding twice and removing what
is not there change nothing; one person's stars are not another's; e-mails that a table key could not
hold (`/`, `#`, `?`) are fine (the fake and the Table Storage adapter over Azurite alike)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from adapters.favorites_table import TableFavoriteStore
from adapters.storage import table_service
from domain.ports import FavoriteStore
from tests.contract.ports.conftest import KINDS
from tests.fakes.memory_favorites import MemoryFavoriteStore

AT = datetime(2027, 3, 1, 12, tzinfo=UTC)
ANA, BRUNO = "ana.souza@trf1.jus.br", "bruno.lima@trf1.jus.br"


@pytest.fixture(params=KINDS)
def favorites(request: pytest.FixtureRequest) -> Iterator[FavoriteStore]:
    if request.param == "memory":
        yield MemoryFavoriteStore()
        return
    env: dict[str, str] = request.getfixturevalue("storage_env")
    yield TableFavoriteStore(table_service(env), table=request.getfixturevalue("unique") + "f")


def test_a_new_person_has_no_favorites(favorites: FavoriteStore) -> None:
    assert favorites.units(ANA) == []


def test_add_and_remove_are_idempotent_and_sorted(favorites: FavoriteStore) -> None:
    for unit in ("trf1-sjac-02vf", "trf1-sjac-01vf", "trf1-sjac-02vf"):
        favorites.add(ANA, unit, AT)
    assert favorites.units(ANA) == ["trf1-sjac-01vf", "trf1-sjac-02vf"]
    favorites.remove(ANA, "trf1-sjac-02vf")
    favorites.remove(ANA, "trf1-sjac-02vf")  # not there any more: nothing changes, no error
    favorites.remove(ANA, "tjac-rbr-1vce")  # never starred
    assert favorites.units(ANA) == ["trf1-sjac-01vf"]


def test_each_person_has_their_own_list(favorites: FavoriteStore) -> None:
    favorites.add(ANA, "trf1-sjac-01vf", AT)
    favorites.add(BRUNO, "tjac-rbr-1vce", AT)
    favorites.remove(BRUNO, "trf1-sjac-01vf")
    assert favorites.units(ANA) == ["trf1-sjac-01vf"]
    assert favorites.units(BRUNO) == ["tjac-rbr-1vce"]


def test_the_email_is_matched_without_case_and_may_hold_key_characters(favorites: FavoriteStore) -> None:
    odd = "o'neil/#?x@trf1.jus.br"
    favorites.add(odd, "trf1-sjac-01vf", AT)
    assert favorites.units(odd.upper()) == ["trf1-sjac-01vf"]
    assert favorites.units(ANA) == []
