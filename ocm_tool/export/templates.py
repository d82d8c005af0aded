"""OCM's templates: the custom fields of contacts, companies and deals, and the deal stages.

A template collection (``XrmContactTemplate``, ...) answers items ``{"Id", "Template":
{"FieldList": [...], "StatusList": [...]}}``. Each custom field's value sits on a record as an
extended property in OCM's property set, named by the field's ``FieldId`` and typed by its
``FieldType``; a file asks for exactly its fields' properties with ``$expand``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ocm_tool.export import cells
from ocm_tool.output.values import Value

if TYPE_CHECKING:
    from ocm_tool.client import JSONObject  # the client (requests) loads only at run time

#: The property set of OCM's custom-field extended properties.
OCM_PROPERTY_SET = "1a417774-4779-47c1-9851-e42057495fca"
#: FieldType label -> extended property type.
PROPERTY_TYPES: dict[str, str] = {
    "Boolean": "Boolean",
    "Choice": "String",
    "Currency": "Double",
    "Numeric": "Double",
    "Date": "SystemTime",
    "Link": "String",
    "Text": "String",
}
#: Template fields that are built-in deal columns, not custom fields.
BUILT_IN_FIELD_LABELS = frozenset({"Status", "Stage"})


@dataclass(frozen=True)
class CustomField:
    """One field of a template: ``FieldId``, ``FieldLabel``, ``FieldType`` and option labels."""

    field_id: str
    label: str
    field_type: str
    options: tuple[str, ...] = ()

    @property
    def property_id(self) -> str:
        """The extended property carrying the value: ``<Type> {set} Name <FieldId>``."""
        kind = PROPERTY_TYPES.get(self.field_type, "String")
        return f"{kind} {{{OCM_PROPERTY_SET}}} Name {self.field_id}"

    @property
    def info(self) -> str:
        """FieldInfo: the option labels joined by ``|`` for Choice and Currency, else empty."""
        return "|".join(self.options) if self.field_type in ("Choice", "Currency") else ""

    def value(self, raw: Any) -> Value:
        """A value of this field's extended property, by the value rules of its type."""
        if self.field_type == "Boolean":
            return cells.boolean(raw)
        if self.field_type in ("Numeric", "Currency"):
            return cells.number(raw) if raw not in (None, "") else ""
        if self.field_type == "Date":
            return cells.timestamp(raw)
        return cells.text(raw)

    @classmethod
    def from_api(cls, entry: JSONObject) -> CustomField:
        field_type = entry.get("_Type") or {}
        return cls(
            field_id=cells.text(entry.get("Id")),
            label=cells.text(entry.get("Label")),
            field_type=cells.text(
                field_type.get("Label") if isinstance(field_type, dict) else field_type
            ),
            options=tuple(
                cells.text(option.get("Label")) for option in _objects(entry.get("ValueOptions"))
            ),
        )


@dataclass(frozen=True)
class Template:
    """A contact, company or deal template: its custom fields and deal stage labels."""

    kind: str
    fields: tuple[CustomField, ...] = ()
    stages: dict[str, str] = field(default_factory=dict)

    @cached_property
    def custom_fields(self) -> tuple[CustomField, ...]:
        """The fields that become schema rows and columns (all but Status and Stage)."""
        return tuple(f for f in self.fields if f.label not in BUILT_IN_FIELD_LABELS)

    def stage_label(self, stage_id: Any) -> str:
        """The stage's label; the id itself when the template does not know it."""
        stage = cells.text(stage_id)
        return self.stages.get(stage, stage)

    @classmethod
    def from_items(cls, kind: str, items: Sequence[JSONObject]) -> Template:
        """Build from the items of a template collection (``{"Id", "Template": {...}}``)."""
        fields: list[CustomField] = []
        stages: dict[str, str] = {}
        for item in items:
            body = _object(item.get("Template")) if isinstance(item, dict) else {}
            fields.extend(CustomField.from_api(e) for e in _objects(body.get("FieldList")))
            for status in _objects(body.get("StatusList")):
                for stage in _objects(status.get("Stages")):
                    stages.setdefault(cells.text(stage.get("Id")), cells.text(stage.get("Label")))
        return cls(kind=kind, fields=tuple(fields), stages=stages)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _objects(value: Any) -> list[dict[str, Any]]:
    """The objects of a list; anything else in the list (or no list) is left out (the
    manifest names it: ``shapes.py``)."""
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def custom_headers(built_in: Sequence[str], fields: Sequence[CustomField]) -> list[str]:
    """Column names for custom fields, each one line and unique without regard to case (as
    PowerShell's ``Import-Csv`` and Excel tell columns apart): the label with line breaks and
    runs of spaces made one space (the field id when empty); `` (custom)`` when it equals a
    built-in column; `` (2)``, `` (3)``... when an earlier column already has that name."""
    built = {name.casefold() for name in built_in}
    taken = set(built)
    headers: list[str] = []
    for custom in fields:
        name = " ".join(custom.label.split()) or custom.field_id
        if name.casefold() in built:
            name = f"{name} (custom)"
        if name.casefold() in taken:
            number = 2
            while f"{name} ({number})".casefold() in taken:
                number += 1
            name = f"{name} ({number})"
        taken.add(name.casefold())
        headers.append(name)
    return headers


def custom_values(item: JSONObject, fields: Sequence[CustomField]) -> list[Value]:
    """The values of ``fields`` from the item's ``SingleValueExtendedProperties``."""
    by_name: dict[str, Any] = {}
    for prop in _objects(item.get("SingleValueExtendedProperties")):
        _, named, name = str(prop.get("PropertyId") or "").rpartition(" Name ")
        if named:
            by_name.setdefault(name.strip(), prop.get("Value"))
    return [custom.value(by_name.get(custom.field_id)) for custom in fields]


def expand_clause(fields: Sequence[CustomField]) -> str | None:
    """``$expand`` asking for exactly these fields' extended properties; None when none."""
    if not fields:
        return None
    wanted = " or ".join(f"PropertyId eq '{f.property_id}'" for f in fields)
    return f"SingleValueExtendedProperties($filter={wanted})"
