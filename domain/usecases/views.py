"""What the use cases return are views: frozen dataclasses of what one answer shows. Most of a view's
fields are a record's own (a unit's id, name, section...); `view_of` copies those by name, so a view
names only what it computes."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

V = TypeVar("V")


def view_of(view: type[V], source: object, **computed: Any) -> V:
    """`view` with `computed` values, and its other fields from the attributes of `source` of the same
    names (an attribute `source` lacks is an error, as a missing argument would be, and so is a computed
    value for a field the view does not have)."""
    names = [f.name for f in dataclasses.fields(view) if f.init]  # type: ignore[arg-type]
    unknown = set(computed) - set(names)
    if unknown:  # a misspelt name would otherwise let the record's attribute of the right name stand
        raise TypeError(f"{view.__name__} has no fields {sorted(unknown)}")
    return view(**{name: computed[name] if name in computed else getattr(source, name) for name in names})
