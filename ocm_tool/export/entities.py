"""THE entity table: one row per exported file, in the order of ``export-all-data``.

Each :class:`Entity` says where its records come from (collection, ``$filter``), the file's
stem, and its columns; ``$select`` and the header are derived from the columns, and custom-field
columns are appended from the template. Export commands differ only by which rows of
:data:`ENTITIES` they take; ``run.py`` runs any of them the same way.

Columns and values follow ``docs/export.md``: the original script's columns in its order, then
custom-field columns headed by their FieldLabel in template order (contacts, companies and
deals), then new columns at the very end.

Adding a column is one line in its entity's ``columns``; adding an entity is one ``Entity``
here (and, for its own command, one row in ``commands.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ocm_tool.export import columns as c
from ocm_tool.export.columns import Column
from ocm_tool.export.links import LinkKind, last_relationship
from ocm_tool.export.shapes import SHAPES, Problem, shape_problems
from ocm_tool.export.templates import (
    CustomField,
    Template,
    custom_headers,
    custom_values,
    expand_clause,
)
from ocm_tool.output.values import Value

if TYPE_CHECKING:
    from ocm_tool.client import JSONObject  # the client (requests) loads only at run time

#: Fields every list asks for: ``Id`` (notes, ties), ``LastModifiedDateTime`` (the order),
#: ``XrmId`` (what links point at), ``InlineLinks`` (links).
ALWAYS_SELECTED = ("Id", "XrmId", "LastModifiedDateTime", "InlineLinks")

#: ``records(item, template)``: the records one API item stands for (each becomes a row).
Records = Callable[["JSONObject", Template | None], Iterable[Any]]


def each_item(item: JSONObject, template: Template | None) -> Iterable[Any]:
    """One record per item (most files)."""
    return (item,)


def linked_tasks(item: JSONObject, template: Template | None) -> Iterable[Any]:
    """Tasks.csv holds only tasks that carry an OCM link."""
    return (item,) if last_relationship(item) is not None else ()


def custom_fields_of(item: JSONObject, template: Template | None) -> Iterable[Any]:
    """ContactSchema/CompanySchema/DealSchema: one record per custom field of the template."""
    return Template.from_items("", [item]).custom_fields


@dataclass(frozen=True)
class Entity:
    """One exported file.

    ``template`` names the template (contact, company, deal) whose custom fields the file
    carries as columns, or, when ``is_template``, whose fields it lists. ``link_target`` is the
    link kind this entity's records are the targets of. ``full_notes``: list responses cut
    ``Notes``, and the whole text is fetched item by item. ``about`` is the file's line in the
    commands' help.
    """

    key: str
    collection: str
    stem: str
    about: str
    columns: tuple[Column, ...]
    filter: str | None = None
    template: LinkKind | None = None
    is_template: bool = False
    full_notes: bool = False
    link_target: LinkKind | None = None
    records: Records = each_item

    @cached_property
    def select(self) -> tuple[str, ...]:
        """``$select``: the fields the columns read, and those every list needs."""
        fields = (name for column in self.columns for name in column.fields)
        return tuple(dict.fromkeys((*ALWAYS_SELECTED, *fields)))

    def custom_fields(self, template: Template | None) -> tuple[CustomField, ...]:
        """The custom fields that become columns of this file (none for templates)."""
        if self.is_template or template is None:
            return ()
        return template.custom_fields

    def table(self, template: Template | None) -> Table:
        """The file's columns for this template: built-in ones, then custom fields."""
        return Table(self, template, self.custom_fields(template))

    def query(self, template: Template | None, *, page_size: int) -> dict[str, str]:
        """The list query: ``$select``, ``$filter``, ``$expand``, ordering, count and page size.

        Templates are fetched as they are (one small item, no query options).
        """
        if self.is_template:
            return {}
        params = {
            "$select": ",".join(self.select),
            "$orderby": "LastModifiedDateTime asc",
            "$count": "true",
            "$top": str(page_size),
        }
        if self.filter:
            params["$filter"] = self.filter
        expand = expand_clause(self.custom_fields(template))
        if expand:
            params["$expand"] = expand
        return params


@dataclass(frozen=True)
class Table:
    """The layout of one file: an entity's columns for one template."""

    entity: Entity
    template: Template | None
    custom: tuple[CustomField, ...]

    @cached_property
    def header(self) -> list[str]:
        built_in = [column.header for column in self.entity.columns]
        return [*built_in, *custom_headers(built_in, self.custom)]

    @cached_property
    def link_columns(self) -> tuple[int, ...]:
        """Positions of the columns that hold record links."""
        return tuple(n for n, column in enumerate(self.entity.columns) if column.links)

    @cached_property
    def _checked(self) -> tuple[str, ...]:
        """The fields read whose shape the contract promises (``shapes.SHAPES``)."""
        fields = (*self.entity.select, "SingleValueExtendedProperties", "Template")
        return tuple(f for f in dict.fromkeys(fields) if f in SHAPES)

    def rows(
        self, item: JSONObject, problems: list[Problem] | None = None
    ) -> Iterator[list[Value]]:
        """The rows of one API item, custom-field values appended.

        Never raises for what a server sent: a value in another shape than the contract
        promises is written as far as it can be (its cell empty when it cannot) and, with
        ``problems``, named there (record, field, what was wrong).
        """
        template = self.template
        name = record_name(item)
        if problems is not None:
            problems.extend(
                Problem(name, path, what) for path, what in shape_problems(item, self._checked)
            )
        for record in self._records(item, name, problems):
            row: list[Value] = []
            for column in self.entity.columns:
                try:
                    row.append(column.read(record, template))
                except (AttributeError, TypeError, ValueError, KeyError, IndexError) as error:
                    row.append("")
                    if problems is not None:
                        fields = ", ".join(column.fields) or column.header
                        problems.append(
                            Problem(name, fields, f"not readable ({type(error).__name__})")
                        )
            if self.custom:
                row.extend(custom_values(item, self.custom))
            yield row

    def _records(
        self, item: JSONObject, name: str, problems: list[Problem] | None
    ) -> Iterable[Any]:
        try:
            return list(self.entity.records(item, self.template))
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as error:
            if problems is not None:
                problems.append(Problem(name, "", f"not readable ({type(error).__name__})"))
            return ()


def record_name(item: Any) -> str:
    """How the manifest names a record: its ``Id`` (else its ``XrmId``)."""
    if not isinstance(item, dict):
        return ""
    return str(item.get("Id") or item.get("XrmId") or "")


# --- the table ---------------------------------------------------------------------------------

_SCHEMA = (
    c.attribute("FieldId", "field_id"),
    c.attribute("FieldLabel", "label"),
    c.attribute("FieldType", "field_type"),
    c.attribute("FieldInfo", "info"),
)
_LINKED = (
    c.links("LinkedContactIds", LinkKind.CONTACT),
    c.links("LinkedDealIds", LinkKind.DEAL),
    c.links("LinkedCompanyIds", LinkKind.COMPANY),
)


def _schema(kind: LinkKind, collection: str, stem: str, about: str) -> Entity:
    return Entity(
        f"{kind}-template",
        collection,
        stem,
        about,
        _SCHEMA,
        template=kind,
        is_template=True,
        records=custom_fields_of,
    )


ENTITIES: tuple[Entity, ...] = (
    _schema(
        LinkKind.CONTACT,
        "XrmContactTemplate",
        "ContactSchema",
        "custom fields of the contact template (XrmContactTemplate): "
        "FieldId, FieldLabel, FieldType, FieldInfo",
    ),
    _schema(
        LinkKind.COMPANY,
        "XrmOrganizationTemplate",
        "CompanySchema",
        "custom fields of the company template (XrmOrganizationTemplate)",
    ),
    _schema(
        LinkKind.DEAL,
        "XrmDealTemplate",
        "DealSchema",
        "custom fields of the deal template (XrmDealTemplate); its stages name the deals' Stage",
    ),
    Entity(
        "contacts",
        "XrmContacts",
        "Contacts",
        "OCM contacts (XrmContacts): names, 3 e-mail addresses, 3 postal addresses, phones, "
        "the whole note, company and deal links, then a column per custom field",
        (
            c.text("PersonaId"),
            c.text("XrmId"),
            c.text("DisplayName"),
            c.text("GivenName"),
            c.text("MiddleName"),
            c.text("LastName", "Surname"),
            c.timestamp("BirthDay", "Birthday"),
            c.text("JobTitle"),
            c.text("CompanyName"),
            c.boolean("IsBusinessContact"),
            c.shared(),
            *c.emails(3),
            *c.address(
                "BusinessAddress",
                (
                    "WorkAddressStreet",
                    "WorkAddressCity",
                    "WorkAddressStateOrProvince",
                    "WorkAddressPostalCode",
                    "WorkAddressCountry",
                ),
            ),
            *c.address(
                "HomeAddress",
                (
                    "HomeAddressStreet",
                    "HomeAddressCity",
                    "HomeAddressStateOrProvince",
                    "HomeAddressPostalCode",
                    "HomeAddressCountry",
                ),
            ),
            *c.address(
                "OtherAddress",
                (
                    "OtherAddressStreet",
                    "OtherAddressCity",
                    "OtherAddressStateOrProvince",
                    "OtherAddressPostalCode",
                    "OtherAddressCountry",
                ),
            ),
            c.texts("BusinessTelephoneNumber", "BusinessPhones"),
            c.text("MobileTelephoneNumber", "MobilePhone"),
            c.texts("HomeTelephoneNumber", "HomePhones"),
            c.text("OtherTelephoneNumber", "OtherPhone"),
            c.text("Notes"),
            c.links("CompanyLinks", LinkKind.COMPANY),
            c.links("DealLinks", LinkKind.DEAL),
            c.text("ItemId", "Id"),
        ),
        template=LinkKind.CONTACT,
        full_notes=True,
        link_target=LinkKind.CONTACT,
    ),
    Entity(
        "companies",
        "XrmOrganizations",
        "Companies",
        "OCM companies (XrmOrganizations): name, web page, all phones and e-mail addresses, "
        "address, note, contact and deal links, then a column per custom field",
        (
            c.text("XrmId"),
            c.text("DisplayName"),
            c.text("BusinessHomePage"),
            c.texts("BusinessPhone", "BusinessPhones"),
            c.email_addresses("EmailAddress"),
            *c.address(
                "BusinessAddress",
                (
                    "BusinessAddressStreet",
                    "BusinessAddressCity",
                    "BusinessAddressState",
                    "BusinessAddressPostalCode",
                    "BusinessAddressCountry/Region",
                ),
            ),
            c.text("Notes"),
            c.shared(),
            c.text("ItemId", "Id"),
            c.links("ContactLinks", LinkKind.CONTACT),
            c.links("DealLinks", LinkKind.DEAL),
        ),
        template=LinkKind.COMPANY,
        link_target=LinkKind.COMPANY,
    ),
    Entity(
        "deals",
        "XrmDeals",
        "Deals",
        "OCM deals (XrmDeals): name, amount with its currency, stage label, close date, owner, "
        "company and contact links, then a column per custom field",
        (
            c.text("XrmId"),
            c.text("DealName", "Name"),
            c.amount(),
            c.text("Priority"),
            c.text("Status"),
            c.stage(),
            c.day("CloseDate", "CloseTime"),
            c.text("Owner"),
            c.shared(),
            c.text("Notes"),
            c.links("CompanyLink", LinkKind.COMPANY),
            c.links("ContactLinks", LinkKind.CONTACT),
            c.text("ItemId", "Id"),
        ),
        template=LinkKind.DEAL,
        link_target=LinkKind.DEAL,
    ),
    Entity(
        "tasks",
        "XrmTasks",
        "Tasks",
        "tasks linked to a contact, company or deal (XrmTasks); the parent is the last link",
        (
            c.parent_type(),
            c.parent_link(),
            c.text("XrmID", "XrmId"),
            c.text("Subject"),
            c.day("StartDate", "StartDateTime"),
            c.day("DueDate", "DueDateTime"),
            c.timestamp("DateTimeCreated", "CreatedDateTime"),
            c.timestamp("LastModifiedTime", "LastModifiedDateTime"),
            c.boolean("ReminderIsSet", "IsReminderOn"),
            c.timestamp("ReminderDueBy", "ReminderDateTime"),
            c.text("Priority", "Importance"),
            c.text("Status"),
            c.number("PercentComplete"),
            c.body("Notes"),
            c.text("ItemId", "Id"),
        ),
        records=linked_tasks,
    ),
    Entity(
        "posts",
        "XrmActivityStreams",
        "Posts",
        "posts of the activity stream (XrmActivityStreams, ActionVerb Post) and what each "
        "pertains to",
        (
            c.text("XrmId"),
            c.text("PostType", "Subtype"),
            c.text("PostText", "Text"),
            c.event_time("EventDateTime"),
            c.parent_type("ActivityPertainsTo"),
            c.parent_link("ActivityPertainsTo"),
            c.text("ItemId", "Id"),
        ),
        filter="ActionVerb eq 'Post'",
    ),
    Entity(
        "activities",
        "XrmActivityStreams",
        "Activities",
        "every other activity-stream entry (not Post): who, what, when, linked records",
        (
            c.text("SourceUserName", "DisplayName"),
            c.text("SubType", "Subtype"),
            c.text("ActionVerb"),
            c.event_time("EventTime"),
            c.text("ModifiedProperties"),
            *_LINKED,
            c.text("XrmId"),
            c.text("ItemId", "Id"),
        ),
        filter="ActionVerb ne 'Post'",
    ),
    Entity(
        "insights",
        "XrmInsights",
        "Insights",
        "OCM insights (XrmInsights), never exported by the original script",
        (
            c.text("XrmId"),
            c.text("InsightType"),
            c.text("Title"),
            c.text("Text"),
            c.event_time("EventTime"),
            c.text("Status"),
            *_LINKED,
            c.text("ItemId", "Id"),
        ),
    ),
)
BY_KEY: dict[str, Entity] = {entity.key: entity for entity in ENTITIES}
#: Link kind -> the entity whose records are its targets.
LINK_TARGETS: dict[LinkKind, Entity] = {e.link_target: e for e in ENTITIES if e.link_target}


def template_entity(kind: LinkKind) -> Entity:
    """The template entity (``ContactSchema``, ...) of a template kind."""
    return next(e for e in ENTITIES if e.is_template and e.template == kind)
