"""The vocabulary of the entity table: a :class:`Column` and the kinds of column OCM's files have.

A column is its header, the API fields it reads (so ``$select`` is derived from the columns),
and a function from a record to a typed :data:`~ocm_tool.output.values.Value`. The
constructors below are the kinds of column; ``entities.py`` composes them into files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ocm_tool.export import cells
from ocm_tool.export.links import LinkKind, last_relationship, links_of
from ocm_tool.export.templates import Template
from ocm_tool.output.values import Links, Value

#: ``read(record, template)``: a record (an API item, or a template's custom field) as a value.
Read = Callable[[Any, Template | None], Value]


@dataclass(frozen=True, slots=True)
class Column:
    """One column: ``header``, the API ``fields`` it reads, and ``read``.

    ``links``: the column holds record links (:class:`~ocm_tool.output.values.Links` values),
    which the manifest checks for targets missing from the export (``danglingLinks``).
    """

    header: str
    fields: tuple[str, ...]
    read: Read
    links: bool = False


def _field(header: str, field: str | None) -> str:
    return field or header


def text(header: str, field: str | None = None) -> Column:
    """The field as text (lists ``|``-joined); ``field`` defaults to the header."""
    name = _field(header, field)
    return Column(header, (name,), lambda item, _: cells.text(item.get(name)))


def texts(header: str, field: str) -> Column:
    """A list field (phones) as its non-empty texts."""
    return Column(header, (field,), lambda item, _: cells.texts(item.get(field)))


def boolean(header: str, field: str | None = None) -> Column:
    name = _field(header, field)
    return Column(header, (name,), lambda item, _: cells.boolean(item.get(name)))


def number(header: str, field: str | None = None) -> Column:
    """A number; empty when absent."""
    name = _field(header, field)

    def read(item: Any, _: Template | None) -> Value:
        raw = item.get(name)
        return "" if raw is None else cells.number(raw)

    return Column(header, (name,), read)


def timestamp(header: str, field: str | None = None) -> Column:
    """A timestamp as the server sent it ("no value" dates empty)."""
    name = _field(header, field)
    return Column(header, (name,), lambda item, _: cells.timestamp(item.get(name)))


def day(header: str, field: str) -> Column:
    """The UTC day of a timestamp."""
    return Column(header, (field,), lambda item, _: cells.utc_date(item.get(field)))


def event_time(header: str, field: str = "EventTime") -> Column:
    """An event's instant in UTC (written with a 2-digit fraction)."""
    return Column(header, (field,), lambda item, _: cells.event_time(item.get(field)))


def shared() -> Column:
    """``Shared``: the record comes from a group's mailbox (``SourceMailboxGuid`` set, non-zero)."""
    return Column(
        "Shared",
        ("SourceMailboxGuid",),
        lambda item, _: cells.is_shared(item.get("SourceMailboxGuid")),
    )


def links(header: str, kind: LinkKind) -> Column:
    """The XrmIds of the record's ``kind`` links, in order, duplicates dropped."""
    return Column(
        header, ("InlineLinks",), lambda item, _: Links(kind, links_of(item, kind)), links=True
    )


def parent_type(link_type: str | None = None) -> Column:
    """``ParentType``: the kind of the last relationship (of ``link_type``); an unknown
    ItemType is written as given."""

    def read(item: Any, _: Template | None) -> Value:
        link = last_relationship(item, link_type)
        if link is None:
            return ""
        return link.kind.parent_type if link.kind else link.item_type

    return Column("ParentType", ("InlineLinks",), read)


def parent_link(link_type: str | None = None) -> Column:
    """``ParentLink``: the target of the last relationship (of ``link_type``)."""

    def read(item: Any, _: Template | None) -> Value:
        link = last_relationship(item, link_type)
        if link is None:
            return ""
        return Links(link.kind, (link.target,)) if link.kind and link.target else link.target

    return Column("ParentLink", ("InlineLinks",), read, links=True)


def emails(count: int) -> tuple[Column, ...]:
    """``Email{N}Address``, ``Email{N}DisplayName``, ``Email{N}OriginalDisplayName`` for the
    first ``count`` entries of ``EmailAddresses``."""

    def part(index: int, key: str) -> Read:
        def read(item: Any, _: Template | None) -> Value:
            listed = item.get("EmailAddresses") or []
            entry = listed[index] if index < len(listed) else None
            return cells.text(entry.get(key)) if isinstance(entry, dict) else ""

        return read

    return tuple(
        Column(f"Email{index + 1}{suffix}", ("EmailAddresses",), part(index, key))
        for index in range(count)
        for suffix, key in (
            ("Address", "Address"),
            ("DisplayName", "Name"),
            ("OriginalDisplayName", "OriginalDisplayName"),
        )
    )


def email_addresses(header: str) -> Column:
    """Every ``EmailAddresses[].Address``, in order."""

    def read(item: Any, _: Template | None) -> Value:
        listed = item.get("EmailAddresses") or []
        found = (cells.text(e.get("Address")) for e in listed if isinstance(e, dict))
        return tuple(address for address in found if address)

    return Column(header, ("EmailAddresses",), read)


#: The parts of an API address, in the order the files write them.
ADDRESS_PARTS = ("Street", "City", "State", "PostalCode", "CountryOrRegion")


def address(field: str, headers: tuple[str, str, str, str, str]) -> tuple[Column, ...]:
    """The five parts of the address ``field``, under ``headers`` (street, city, state,
    postal code, country), as each file names them."""

    def part(key: str) -> Read:
        def read(item: Any, _: Template | None) -> Value:
            value = item.get(field)
            return cells.text(value.get(key)) if isinstance(value, dict) else ""

        return read

    return tuple(
        Column(header, (field,), part(key))
        for header, key in zip(headers, ADDRESS_PARTS, strict=True)
    )


def stage() -> Column:
    """A deal's stage, by its label in the deal template (the id when unknown)."""

    def read(item: Any, template: Template | None) -> Value:
        raw = item.get("Stage")
        return template.stage_label(raw) if template else cells.text(raw)

    return Column("Stage", ("Stage",), read)


def amount() -> Column:
    """A deal's ``Amount`` in its ``Currency`` (USD when absent)."""
    return Column(
        "Amount",
        ("Amount", "Currency"),
        lambda item, _: cells.amount(item.get("Amount"), item.get("Currency")),
    )


def body(header: str, field: str = "Body") -> Column:
    """A task body: text, or Graph's ``{"ContentType", "Content"}`` shape should a server send it."""

    def read(item: Any, _: Template | None) -> Value:
        value = item.get(field)
        return cells.text(value.get("Content") if isinstance(value, dict) else value)

    return Column(header, (field,), read)


def attribute(header: str, name: str) -> Column:
    """An attribute of a non-API record (a template's custom field: ``field_id``, ``label``...)."""
    return Column(header, (), lambda record, _: getattr(record, name))
