"""The JSON shapes the API contract promises for the fields the files read, and what breaks them.

A server may send a field in another shape than ``docs/api.md`` promises: an address that is a
string, a relationship that is a string, a list where an object belongs. The columns read such
values leniently (the cell is left empty rather than the file lost); :func:`shape_problems`
names each one, so the manifest can say which record and field could not be written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Shape:
    """A JSON shape: ``object`` (with the shapes of some of its fields), ``list`` (of
    ``items``), or ``text`` (a string, number or boolean)."""

    kind: str
    fields: dict[str, Shape] = field(default_factory=dict)
    items: Shape | None = None

    @property
    def kind_name(self) -> str:
        return {"object": "an object", "list": "a list"}.get(self.kind, "text")


TEXT = Shape("text")
OBJECT = Shape("object")


def list_of(items: Shape) -> Shape:
    return Shape("list", items=items)


def object_with(**fields: Shape) -> Shape:
    return Shape("object", fields=fields)


_ADDRESS = object_with(Street=TEXT, City=TEXT, State=TEXT, PostalCode=TEXT, CountryOrRegion=TEXT)
_STAGE = object_with(Id=TEXT, Label=TEXT)

#: Field -> the shape api.md promises for it (fields not listed are not checked).
SHAPES: dict[str, Shape] = {
    "InlineLinks": object_with(
        Relationships=list_of(object_with(ItemType=TEXT, ItemLinkId=TEXT, LinkType=TEXT))
    ),
    "EmailAddresses": list_of(object_with(Address=TEXT, Name=TEXT, OriginalDisplayName=TEXT)),
    "BusinessAddress": _ADDRESS,
    "HomeAddress": _ADDRESS,
    "OtherAddress": _ADDRESS,
    "BusinessPhones": list_of(TEXT),
    "HomePhones": list_of(TEXT),
    "SingleValueExtendedProperties": list_of(object_with(PropertyId=TEXT)),
    "Template": object_with(
        FieldList=list_of(object_with(Id=TEXT, Label=TEXT, ValueOptions=list_of(_STAGE))),
        StatusList=list_of(object_with(Id=TEXT, Label=TEXT, Stages=list_of(_STAGE))),
    ),
}

_NAMES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}


@dataclass(frozen=True)
class Problem:
    """A value of a record that could not be written: the record (its ``Id``, else its
    position), the field, and what was wrong with it."""

    record: str
    field: str
    problem: str

    def to_manifest(self) -> dict[str, str]:
        return {"record": self.record, "field": self.field, "problem": self.problem}


def kind_of(value: Any) -> str:
    """``an object``, ``a list``, ``a string``, ``a number``, ``a boolean``."""
    return _NAMES.get(type(value), "a number" if isinstance(value, (int, float)) else "a value")


def _fits(value: Any, shape: Shape) -> bool:
    if shape.kind == "object":
        return isinstance(value, dict)
    if shape.kind == "list":
        return isinstance(value, list)
    return isinstance(value, (str, int, float, bool))


def _walk(value: Any, shape: Shape, path: str, found: list[tuple[str, str]]) -> None:
    if value is None:
        return  # absent: nothing to write, nothing lost
    if not _fits(value, shape):
        found.append((path, f"{kind_of(value)} where the API promises {shape.kind_name}"))
        return
    if shape.kind == "object":
        for name, inner in shape.fields.items():
            _walk(value.get(name), inner, f"{path}.{name}", found)
    elif shape.kind == "list" and shape.items is not None:
        for index, item in enumerate(value):
            _walk(item, shape.items, f"{path}[{index}]", found)


def shape_problems(record: dict[str, Any], fields: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(field path, what is wrong)`` for each value of ``fields`` not in its promised shape."""
    found: list[tuple[str, str]] = []
    for name in fields:
        shape = SHAPES.get(name)
        if shape is not None:
            _walk(record.get(name), shape, name, found)
    return found
