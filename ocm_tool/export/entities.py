"""THE entity table: one row per exported file, in the order of ``export-all-data``.

Each :class:`Entity` says where its records come from (collection, ``$select``, ``$filter``),
which file and columns it writes, and how one API item becomes rows. Export commands differ only
by which rows of :data:`ENTITIES` they take; ``export.py`` runs any of them the same way.

Columns and values follow ``shared/spec/csv-output.md``: the original script's columns in its
order, then custom-field columns headed by their FieldLabel in template order (contacts,
companies and deals), then new columns at the very end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from ocm_tool.export import cells

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

# --- links --------------------------------------------------------------------------------

CONTACT, COMPANY, DEAL = "contact", "company", "deal"
#: Relationship ItemType (case-folded) -> link kind.
LINK_KINDS: dict[str, str] = {
    "ipm.abchperson": CONTACT,
    "ipm.contact": CONTACT,
    "ipm.contact.company": COMPANY,
    "ipm.xrmproject.deal": DEAL,
}
#: Link kind -> the ParentType written in Tasks.csv and Posts.csv.
PARENT_TYPES: dict[str, str] = {CONTACT: "Contact", COMPANY: "Company", DEAL: "Deal"}


class Link(NamedTuple):
    """A relationship as written in a cell: its kind (``None`` for an unknown ItemType)."""

    kind: str | None
    item_type: str
    target: str


def _relationships(item: dict) -> list[tuple[Link, str]]:
    """Every relationship of ``InlineLinks.Relationships`` with its ``LinkType``, in order."""
    inline = item.get("InlineLinks") or {}
    found: list[tuple[Link, str]] = []
    for relation in inline.get("Relationships") or []:
        if not isinstance(relation, dict):
            continue
        item_type = str(relation.get("ItemType") or "")
        target = cells.text(relation.get("ItemLinkId"))
        link = Link(LINK_KINDS.get(item_type.casefold()), item_type, target)
        found.append((link, str(relation.get("LinkType") or "")))
    return found


def links_of(item: dict, kind: str) -> list[str]:
    """The targets of ``kind`` links, in order, duplicates (case-insensitive) dropped."""
    seen: set[str] = set()
    targets: list[str] = []
    for relation in (item.get("InlineLinks") or {}).get("Relationships") or ():
        if LINK_KINDS.get(str(relation.get("ItemType") or "").casefold()) != kind:
            continue
        target = cells.text(relation.get("ItemLinkId"))
        key = target.casefold()
        if target and key not in seen:
            seen.add(key)
            targets.append(target)
    return targets


def last_relationship(item: dict, link_type: str | None = None) -> Link | None:
    """The last relationship (of ``link_type``, case-insensitive, when given), or None."""
    candidates = [
        link
        for link, kind in _relationships(item)
        if link_type is None or kind.casefold() == link_type.casefold()
    ]
    return candidates[-1] if candidates else None


def parent_cells(link: Link | None) -> list[str]:
    """``ParentType, ParentLink`` of a relationship; an unknown ItemType is written as given."""
    if link is None:
        return ["", ""]
    return [PARENT_TYPES.get(link.kind or "", link.item_type), link.target]


# --- templates ----------------------------------------------------------------------------


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

    def cell(self, value: Any) -> str:
        """A value of this field's extended property, by the value rules of its type."""
        if self.field_type == "Boolean":
            return cells.boolean(value)
        if self.field_type in ("Numeric", "Currency"):
            return cells.number(value) if value not in (None, "") else ""
        if self.field_type == "Date":
            return cells.timestamp(value)
        return cells.text(value)

    @classmethod
    def from_api(cls, entry: dict) -> CustomField:
        field_type = entry.get("_Type") or {}
        return cls(
            field_id=cells.text(entry.get("Id")),
            label=cells.text(entry.get("Label")),
            field_type=cells.text(
                field_type.get("Label") if isinstance(field_type, dict) else field_type
            ),
            options=tuple(
                cells.text(option.get("Label"))
                for option in entry.get("ValueOptions") or []
                if isinstance(option, dict)
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
    def from_items(cls, kind: str, items: Sequence[dict]) -> Template:
        """Build from the items of a template collection (``{"Id", "Template": {...}}``)."""
        fields: list[CustomField] = []
        stages: dict[str, str] = {}
        for item in items:
            body = item.get("Template") or {}
            fields.extend(
                CustomField.from_api(e) for e in body.get("FieldList") or [] if isinstance(e, dict)
            )
            for status in body.get("StatusList") or []:
                for stage in (status or {}).get("Stages") or []:
                    stages.setdefault(cells.text(stage.get("Id")), cells.text(stage.get("Label")))
        return cls(kind=kind, fields=tuple(fields), stages=stages)


def custom_headers(built_in: Sequence[str], fields: Sequence[CustomField]) -> list[str]:
    """Column names for custom fields: the label; `` (custom)`` when it equals a built-in
    column; `` (2)``, `` (3)``... when an earlier custom column already has that name."""
    taken = set(built_in)
    headers: list[str] = []
    for custom in fields:
        name = custom.label or custom.field_id
        if name in built_in:
            name = f"{name} (custom)"
        if name in taken:
            number = 2
            while f"{name} ({number})" in taken:
                number += 1
            name = f"{name} ({number})"
        taken.add(name)
        headers.append(name)
    return headers


def custom_values(item: dict, fields: Sequence[CustomField]) -> list[str]:
    """The cells of ``fields`` from the item's ``SingleValueExtendedProperties``."""
    by_name: dict[str, Any] = {}
    for prop in item.get("SingleValueExtendedProperties") or []:
        _, named, name = str(prop.get("PropertyId") or "").rpartition(" Name ")
        if named:
            by_name.setdefault(name.strip(), prop.get("Value"))
    return [custom.cell(by_name.get(custom.field_id)) for custom in fields]


def expand_clause(fields: Sequence[CustomField]) -> str | None:
    """``$expand`` asking for exactly these fields' extended properties; None when none."""
    if not fields:
        return None
    wanted = " or ".join(f"PropertyId eq '{f.property_id}'" for f in fields)
    return f"SingleValueExtendedProperties($filter={wanted})"


# --- row mappings -------------------------------------------------------------------------

Row = list[str]
RowsOf = Callable[[dict, "Template | None"], Iterator[Row]]


def _address(item: dict, name: str) -> Row:
    address = item.get(name) or {}
    return [
        cells.text(address.get(k))
        for k in ("Street", "City", "State", "PostalCode", "CountryOrRegion")
    ]


def _email(item: dict, index: int) -> Row:
    emails = item.get("EmailAddresses") or []
    email = emails[index] if index < len(emails) and isinstance(emails[index], dict) else {}
    return [cells.text(email.get(k)) for k in ("Address", "Name", "OriginalDisplayName")]


def _links(item: dict, kind: str) -> str:
    return "|".join(links_of(item, kind))


def schema_rows(item: dict, template: Template | None) -> Iterator[Row]:
    """ContactSchema/CompanySchema/DealSchema: one row per custom field of the template."""
    for custom in Template.from_items("", [item]).custom_fields:
        yield [custom.field_id, custom.label, custom.field_type, custom.info]


def contact_row(item: dict, template: Template | None) -> Row:
    return [
        *(
            cells.text(item.get(k))
            for k in ("PersonaId", "XrmId", "DisplayName", "GivenName", "MiddleName", "Surname")
        ),
        cells.timestamp(item.get("Birthday")),
        cells.text(item.get("JobTitle")),
        cells.text(item.get("CompanyName")),
        cells.boolean(item.get("IsBusinessContact")),
        cells.is_shared(item.get("SourceMailboxGuid")),
        *_email(item, 0),
        *_email(item, 1),
        *_email(item, 2),
        *_address(item, "BusinessAddress"),
        *_address(item, "HomeAddress"),
        *_address(item, "OtherAddress"),
        cells.text(item.get("BusinessPhones")),
        cells.text(item.get("MobilePhone")),
        cells.text(item.get("HomePhones")),
        cells.text(item.get("OtherPhone")),
        cells.text(item.get("Notes")),
        _links(item, COMPANY),
        _links(item, DEAL),
        cells.text(item.get("Id")),
    ]


def company_row(item: dict, template: Template | None) -> Row:
    return [
        cells.text(item.get("XrmId")),
        cells.text(item.get("DisplayName")),
        cells.text(item.get("BusinessHomePage")),
        cells.text(item.get("BusinessPhones")),
        cells.joined(
            cells.text(e.get("Address"))
            for e in item.get("EmailAddresses") or []
            if isinstance(e, dict)
        ),
        *_address(item, "BusinessAddress"),
        cells.text(item.get("Notes")),
        cells.is_shared(item.get("SourceMailboxGuid")),
        cells.text(item.get("Id")),
        _links(item, CONTACT),
        _links(item, DEAL),
    ]


def deal_row(item: dict, template: Template | None) -> Row:
    stage = item.get("Stage")
    return [
        cells.text(item.get("XrmId")),
        cells.text(item.get("Name")),
        cells.amount(item.get("Amount"), item.get("Currency")),
        cells.text(item.get("Priority")),
        cells.text(item.get("Status")),
        template.stage_label(stage) if template else cells.text(stage),
        cells.utc_date(item.get("CloseTime")),
        cells.text(item.get("Owner")),
        cells.is_shared(item.get("SourceMailboxGuid")),
        cells.text(item.get("Notes")),
        _links(item, COMPANY),
        _links(item, CONTACT),
        cells.text(item.get("Id")),
    ]


def _body_text(body: Any) -> str:
    if isinstance(body, dict):  # Graph's {"ContentType", "Content"} shape, should a server send it
        return cells.text(body.get("Content"))
    return cells.text(body)


def task_rows(item: dict, template: Template | None) -> Iterator[Row]:
    """Tasks.csv: only tasks that carry an OCM link; the parent is the last relationship."""
    parent = last_relationship(item)
    if parent is None:
        return
    yield [
        *parent_cells(parent),
        cells.text(item.get("XrmId")),
        cells.text(item.get("Subject")),
        cells.utc_date(item.get("StartDateTime")),
        cells.utc_date(item.get("DueDateTime")),
        cells.timestamp(item.get("CreatedDateTime")),
        cells.timestamp(item.get("LastModifiedDateTime")),
        cells.boolean(item.get("IsReminderOn")),
        cells.timestamp(item.get("ReminderDateTime")),
        cells.text(item.get("Importance")),
        cells.text(item.get("Status")),
        cells.number(item.get("PercentComplete"))
        if item.get("PercentComplete") is not None
        else "",
        _body_text(item.get("Body")),
        cells.text(item.get("Id")),
    ]


def post_row(item: dict, template: Template | None) -> Row:
    return [
        cells.text(item.get("XrmId")),
        cells.text(item.get("Subtype")),
        cells.text(item.get("Text")),
        cells.event_time(item.get("EventTime")),
        *parent_cells(last_relationship(item, "ActivityPertainsTo")),
        cells.text(item.get("Id")),
    ]


def _linked_ids(item: dict) -> Row:
    return [_links(item, CONTACT), _links(item, DEAL), _links(item, COMPANY)]


def activity_row(item: dict, template: Template | None) -> Row:
    return [
        cells.text(item.get("DisplayName")),
        cells.text(item.get("Subtype")),
        cells.text(item.get("ActionVerb")),
        cells.event_time(item.get("EventTime")),
        cells.text(item.get("ModifiedProperties")),
        *_linked_ids(item),
        cells.text(item.get("XrmId")),
        cells.text(item.get("Id")),
    ]


def insight_row(item: dict, template: Template | None) -> Row:
    return [
        cells.text(item.get("XrmId")),
        cells.text(item.get("InsightType")),
        cells.text(item.get("Title")),
        cells.text(item.get("Text")),
        cells.event_time(item.get("EventTime")),
        cells.text(item.get("Status")),
        *_linked_ids(item),
        cells.text(item.get("Id")),
    ]


def one_row(mapping: Callable[[dict, Template | None], Row]) -> RowsOf:
    """Adapt a one-item-one-row mapping to :data:`RowsOf`."""

    def rows(item: dict, template: Template | None) -> Iterator[Row]:
        yield mapping(item, template)

    rows.__doc__ = mapping.__doc__
    return rows


# --- links written per file (for the manifest's danglingLinks) ------------------------------

LinksOf = Callable[[dict], list[tuple[str, str]]]


def cell_links(*kinds: str) -> LinksOf:
    """The links written in the ``kinds`` link columns: ``(kind, target)`` pairs."""

    def links(item: dict) -> list[tuple[str, str]]:
        return [(kind, target) for kind in kinds for target in links_of(item, kind)]

    return links


def parent_link(link_type: str | None = None) -> LinksOf:
    """The parent link written in ``ParentLink`` (an unknown ItemType is not a record link)."""

    def links(item: dict) -> list[tuple[str, str]]:
        parent = last_relationship(item, link_type)
        return [(parent.kind, parent.target)] if parent and parent.kind and parent.target else []

    return links


def no_links(item: dict) -> list[tuple[str, str]]:
    return []


# --- the table ----------------------------------------------------------------------------

SCHEMA_COLUMNS = ("FieldId", "FieldLabel", "FieldType", "FieldInfo")
CONTACT_COLUMNS = (
    "PersonaId",
    "XrmId",
    "DisplayName",
    "GivenName",
    "MiddleName",
    "LastName",
    "BirthDay",
    "JobTitle",
    "CompanyName",
    "IsBusinessContact",
    "Shared",
    "Email1Address",
    "Email1DisplayName",
    "Email1OriginalDisplayName",
    "Email2Address",
    "Email2DisplayName",
    "Email2OriginalDisplayName",
    "Email3Address",
    "Email3DisplayName",
    "Email3OriginalDisplayName",
    "WorkAddressStreet",
    "WorkAddressCity",
    "WorkAddressStateOrProvince",
    "WorkAddressPostalCode",
    "WorkAddressCountry",
    "HomeAddressStreet",
    "HomeAddressCity",
    "HomeAddressStateOrProvince",
    "HomeAddressPostalCode",
    "HomeAddressCountry",
    "OtherAddressStreet",
    "OtherAddressCity",
    "OtherAddressStateOrProvince",
    "OtherAddressPostalCode",
    "OtherAddressCountry",
    "BusinessTelephoneNumber",
    "MobileTelephoneNumber",
    "HomeTelephoneNumber",
    "OtherTelephoneNumber",
    "Notes",
    "CompanyLinks",
    "DealLinks",
    "ItemId",
)
COMPANY_COLUMNS = (
    "XrmId",
    "DisplayName",
    "BusinessHomePage",
    "BusinessPhone",
    "EmailAddress",
    "BusinessAddressStreet",
    "BusinessAddressCity",
    "BusinessAddressState",
    "BusinessAddressPostalCode",
    "BusinessAddressCountry/Region",
    "Notes",
    "Shared",
    "ItemId",
    "ContactLinks",
    "DealLinks",
)
DEAL_COLUMNS = (
    "XrmId",
    "DealName",
    "Amount",
    "Priority",
    "Status",
    "Stage",
    "CloseDate",
    "Owner",
    "Shared",
    "Notes",
    "CompanyLink",
    "ContactLinks",
    "ItemId",
)
TASK_COLUMNS = (
    "ParentType",
    "ParentLink",
    "XrmID",
    "Subject",
    "StartDate",
    "DueDate",
    "DateTimeCreated",
    "LastModifiedTime",
    "ReminderIsSet",
    "ReminderDueBy",
    "Priority",
    "Status",
    "PercentComplete",
    "Notes",
    "ItemId",
)
POST_COLUMNS = (
    "XrmId",
    "PostType",
    "PostText",
    "EventDateTime",
    "ParentType",
    "ParentLink",
    "ItemId",
)
ACTIVITY_COLUMNS = (
    "SourceUserName",
    "SubType",
    "ActionVerb",
    "EventTime",
    "ModifiedProperties",
    "LinkedContactIds",
    "LinkedDealIds",
    "LinkedCompanyIds",
    "XrmId",
    "ItemId",
)
INSIGHT_COLUMNS = (
    "XrmId",
    "InsightType",
    "Title",
    "Text",
    "EventTime",
    "Status",
    "LinkedContactIds",
    "LinkedDealIds",
    "LinkedCompanyIds",
    "ItemId",
)

_COMMON = ("Id", "XrmId", "LastModifiedDateTime", "InlineLinks")
_ADDRESSES = ("BusinessAddress", "HomeAddress", "OtherAddress")
_STREAM = ("Subtype", "Text", "EventTime")


@dataclass(frozen=True)
class Entity:
    """One exported file.

    ``rows`` maps one API item to its rows (templates: one per field; tasks without an OCM
    link: none); custom-field columns and values are appended by :meth:`header` and
    :meth:`rows_of`, never by the mapping. ``template`` names the template (contact, company,
    deal) whose custom fields the file carries, or whose fields it lists when ``is_template``.
    ``link_target`` is the link kind this entity's records are the targets of; ``links`` the
    links its rows write, for the manifest's danglingLinks. ``full_notes``: list responses cut
    ``Notes`` and the whole text must be fetched item by item. ``about`` is the file's line in
    the commands' help.
    """

    key: str
    collection: str
    file_name: str
    columns: tuple[str, ...]
    rows: RowsOf
    about: str = ""
    select: tuple[str, ...] = ()
    filter: str | None = None
    template: str | None = None
    is_template: bool = False
    full_notes: bool = False
    link_target: str | None = None
    links: LinksOf = no_links

    def custom_fields(self, template: Template | None) -> tuple[CustomField, ...]:
        """The custom fields that become columns of this file (none for templates)."""
        if self.is_template or template is None:
            return ()
        return template.custom_fields

    def header(self, template: Template | None) -> list[str]:
        """The built-in columns, then custom-field columns in template order."""
        return [*self.columns, *custom_headers(self.columns, self.custom_fields(template))]

    def rows_of(self, item: dict, template: Template | None) -> Iterator[Row]:
        """The rows of one item, custom-field values appended."""
        fields = self.custom_fields(template)
        for row in self.rows(item, template):
            yield [*row, *custom_values(item, fields)] if fields else row

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


ENTITIES: tuple[Entity, ...] = (
    Entity(
        "contact-template",
        "XrmContactTemplate",
        "ContactSchema.csv",
        SCHEMA_COLUMNS,
        schema_rows,
        about="custom fields of the contact template (XrmContactTemplate): FieldId, FieldLabel, FieldType, FieldInfo",
        template=CONTACT,
        is_template=True,
    ),
    Entity(
        "company-template",
        "XrmOrganizationTemplate",
        "CompanySchema.csv",
        SCHEMA_COLUMNS,
        schema_rows,
        about="custom fields of the company template (XrmOrganizationTemplate)",
        template=COMPANY,
        is_template=True,
    ),
    Entity(
        "deal-template",
        "XrmDealTemplate",
        "DealSchema.csv",
        SCHEMA_COLUMNS,
        schema_rows,
        about="custom fields of the deal template (XrmDealTemplate); its stages name the deals' Stage",
        template=DEAL,
        is_template=True,
    ),
    Entity(
        "contacts",
        "XrmContacts",
        "Contacts.csv",
        CONTACT_COLUMNS,
        one_row(contact_row),
        about="OCM contacts (XrmContacts): names, 3 e-mail addresses, 3 postal addresses, phones, the whole note, company and deal links, then a column per custom field",
        select=(
            *_COMMON,
            "PersonaId",
            "DisplayName",
            "GivenName",
            "MiddleName",
            "Surname",
            "Birthday",
            "JobTitle",
            "CompanyName",
            "IsBusinessContact",
            "SourceMailboxGuid",
            "EmailAddresses",
            *_ADDRESSES,
            "BusinessPhones",
            "HomePhones",
            "MobilePhone",
            "OtherPhone",
            "Notes",
        ),
        template=CONTACT,
        full_notes=True,
        link_target=CONTACT,
        links=cell_links(COMPANY, DEAL),
    ),
    Entity(
        "companies",
        "XrmOrganizations",
        "Companies.csv",
        COMPANY_COLUMNS,
        one_row(company_row),
        about="OCM companies (XrmOrganizations): name, web page, all phones and e-mail addresses, address, note, contact and deal links, then a column per custom field",
        select=(
            *_COMMON,
            "DisplayName",
            "BusinessHomePage",
            "BusinessPhones",
            "EmailAddresses",
            "BusinessAddress",
            "Notes",
            "SourceMailboxGuid",
        ),
        template=COMPANY,
        link_target=COMPANY,
        links=cell_links(CONTACT, DEAL),
    ),
    Entity(
        "deals",
        "XrmDeals",
        "Deals.csv",
        DEAL_COLUMNS,
        one_row(deal_row),
        about="OCM deals (XrmDeals): name, amount with its currency, stage label, close date, owner, company and contact links, then a column per custom field",
        select=(
            *_COMMON,
            "Name",
            "Amount",
            "Currency",
            "Priority",
            "Status",
            "Stage",
            "CloseTime",
            "Owner",
            "Notes",
            "SourceMailboxGuid",
        ),
        template=DEAL,
        link_target=DEAL,
        links=cell_links(COMPANY, CONTACT),
    ),
    Entity(
        "tasks",
        "XrmTasks",
        "Tasks.csv",
        TASK_COLUMNS,
        task_rows,
        about="tasks linked to a contact, company or deal (XrmTasks); the parent is the last link",
        select=(
            *_COMMON,
            "Subject",
            "StartDateTime",
            "DueDateTime",
            "CreatedDateTime",
            "ReminderDateTime",
            "IsReminderOn",
            "Importance",
            "Status",
            "PercentComplete",
            "Body",
        ),
        links=parent_link(),
    ),
    Entity(
        "posts",
        "XrmActivityStreams",
        "Posts.csv",
        POST_COLUMNS,
        one_row(post_row),
        about="posts of the activity stream (XrmActivityStreams, ActionVerb Post) and what each pertains to",
        select=(*_COMMON, "ActionVerb", *_STREAM),
        filter="ActionVerb eq 'Post'",
        links=parent_link("ActivityPertainsTo"),
    ),
    Entity(
        "activities",
        "XrmActivityStreams",
        "Activities.csv",
        ACTIVITY_COLUMNS,
        one_row(activity_row),
        about="every other activity-stream entry (not Post): who, what, when, linked records",
        select=(*_COMMON, "ActionVerb", *_STREAM, "DisplayName", "ModifiedProperties"),
        filter="ActionVerb ne 'Post'",
        links=cell_links(CONTACT, DEAL, COMPANY),
    ),
    Entity(
        "insights",
        "XrmInsights",
        "Insights.csv",
        INSIGHT_COLUMNS,
        one_row(insight_row),
        about="OCM insights (XrmInsights), never exported by the original script",
        select=(*_COMMON, "InsightType", "Title", "Text", "EventTime", "Status"),
        links=cell_links(CONTACT, DEAL, COMPANY),
    ),
)
BY_KEY: dict[str, Entity] = {entity.key: entity for entity in ENTITIES}
#: Link kind -> the entity whose records are its targets.
LINK_TARGETS: dict[str, Entity] = {e.link_target: e for e in ENTITIES if e.link_target}


def template_entity(kind: str) -> Entity:
    """The template entity (``ContactSchema.csv``, ...) of a template kind."""
    return next(e for e in ENTITIES if e.is_template and e.template == kind)
