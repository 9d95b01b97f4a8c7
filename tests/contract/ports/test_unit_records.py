"""`UnitRecords`: rows of one unit, each with an ETag; a commit is all or nothing (conftest: fake and
Azurite alike)."""

from __future__ import annotations

import pytest

from domain.errors import ConcurrentUpdateError
from domain.ports import RowWrite
from tests.contract.ports.conftest import Ports

UNIT = "tjam-tefe-vu"


def test_a_created_row_is_read_back_with_an_etag(ports: Ports) -> None:
    records = ports.appointments
    assert records.get(UNIT, "a.20261214.x") is None
    records.commit(
        UNIT, [RowWrite("a.20261214.x", {"status": "booked", "count": 2, "reminded": False}, "create")]
    )
    row = records.get(UNIT, "a.20261214.x")
    assert row is not None and row.etag
    assert row.fields["status"] == "booked" and row.fields["count"] == 2 and row.fields["reminded"] is False


def test_creating_a_row_that_exists_is_a_conflict(ports: Ports) -> None:
    ports.appointments.commit(UNIT, [RowWrite("b.1", {"holders": "x"}, "create")])
    with pytest.raises(ConcurrentUpdateError):
        ports.appointments.commit(UNIT, [RowWrite("b.1", {"holders": "y"}, "create")])
    assert (ports.appointments.get(UNIT, "b.1") or pytest.fail()).fields["holders"] == "x"


def test_a_stale_etag_fails_the_whole_commit(ports: Ports) -> None:
    records = ports.appointments
    records.commit(UNIT, [RowWrite("b.1", {"holders": "x"}, "create")])
    old = records.get(UNIT, "b.1") or pytest.fail()
    records.commit(UNIT, [RowWrite("b.1", {"holders": "x,y"}, "replace", old.etag)])
    with pytest.raises(ConcurrentUpdateError):
        records.commit(
            UNIT,
            [
                RowWrite("a.2.z", {"status": "booked"}, "create"),
                RowWrite("b.1", {"holders": "x,z"}, "replace", old.etag),
            ],
        )
    assert records.get(UNIT, "a.2.z") is None
    assert (records.get(UNIT, "b.1") or pytest.fail()).fields["holders"] == "x,y"


def test_merge_keeps_other_fields_and_replace_drops_them(ports: Ports) -> None:
    records = ports.appointments
    records.commit(UNIT, [RowWrite("a.1", {"status": "booked", "name": "Ana"}, "create")])
    records.commit(UNIT, [RowWrite("a.1", {"status": "cancelled"}, "merge")])
    assert (records.get(UNIT, "a.1") or pytest.fail()).fields == {"status": "cancelled", "name": "Ana"}
    records.commit(UNIT, [RowWrite("a.1", {"status": "missed"}, "replace")])
    assert (records.get(UNIT, "a.1") or pytest.fail()).fields == {"status": "missed"}


def test_a_guarded_write_on_a_row_that_is_gone_is_a_conflict(ports: Ports) -> None:
    with pytest.raises(ConcurrentUpdateError):
        ports.appointments.commit(UNIT, [RowWrite("a.1", {"status": "x"}, "merge", 'W/"1"')])


def test_a_query_is_a_key_range_in_key_order_filtered_by_field_values(ports: Ports) -> None:
    records = ports.appointments
    records.commit(
        UNIT,
        [
            RowWrite("a.20261215.b", {"status": "booked"}, "create"),
            RowWrite("a.20261214.c", {"status": "cancelled"}, "create"),
            RowWrite("a.20261214.a", {"status": "booked"}, "create"),
            RowWrite("b.202612141000", {"holders": "a"}, "create"),
        ],
    )
    records.commit("another-unit", [RowWrite("a.20261214.z", {"status": "booked"}, "create")])
    assert [r.key for r in records.query(UNIT, "a.", "a.~")] == [
        "a.20261214.a",
        "a.20261214.c",
        "a.20261215.b",
    ]
    assert [r.key for r in records.query(UNIT, "a.20261214.", "a.20261214.~")] == [
        "a.20261214.a",
        "a.20261214.c",
    ]
    booked = records.query(UNIT, "a.", "a.~", where={"status": "booked"})
    assert [r.key for r in booked] == ["a.20261214.a", "a.20261215.b"] and all(r.etag for r in booked)


def test_a_commit_changes_each_row_once_and_holds_at_most_one_hundred(ports: Ports) -> None:
    with pytest.raises(ValueError):
        ports.appointments.commit(UNIT, [RowWrite("a.1", {}, "create"), RowWrite("a.1", {}, "merge")])
    with pytest.raises(ValueError):
        ports.appointments.commit(UNIT, [RowWrite(f"a.{i:03d}", {}, "create") for i in range(101)])
    assert ports.appointments.query(UNIT, "a.", "a.~") == []
