"""The tenant file (``docs/tenant-fixture.md``) turned into rows: folder tree, placements, records.

Pure data and functions, no SQL: ``store.Store.load_tenant`` writes what this module yields.

- ``FOLDER_TREE``: every mailbox's folders, with the display names, classes and well-known
  names that purge code relies on.
- ``PLACEMENTS``: which fixture list goes to which folder (private or shared variant), with
  which ``ItemClass`` and in which API collection.
- ``RESOURCE_DEFAULTS``: the empty value of every property of a resource, so that a fixture
  record that leaves a field out still answers with the resource's whole shape.
- ``item_row``: one fixture record as an ``ItemRow`` (JSON text ready to serve, sort key, ids).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

# Ids are uuid5 in this namespace of "<mailbox>|<list>|<index>|<purpose>": stable for a file.
ID_NAMESPACE = uuid.UUID("6f1d0c3e-4c4b-5d55-9a70-0cf2b7a9e0c1")
NO_DATE = "0001-01-01T00:00:00Z"
#: Contact notes longer than this are cut in list answers (``docs/api.md``).
LIST_NOTES_LIMIT = 255
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
TEMPLATE_KINDS = {
    "contact": "XrmContactTemplate",
    "company": "XrmOrganizationTemplate",
    "deal": "XrmDealTemplate",
}


@dataclass(frozen=True)
class FolderSpec:
    """One folder of every mailbox. ``key`` is internal; ``parent`` is the parent's key."""

    key: str
    parent: str | None
    display_name: str
    folder_class: str | None = None
    well_known: str | None = None


OCM = "Outlook Customer Manager"

FOLDER_TREE: tuple[FolderSpec, ...] = (
    FolderSpec("root", None, "Root", None, "root"),
    FolderSpec("top", "root", "Top of Information Store", None, "msgfolderroot"),
    FolderSpec("inbox", "top", "Inbox", "IPF.Note", "inbox"),
    FolderSpec("contacts", "top", "Contacts", "IPF.Contact", "contacts"),
    FolderSpec("contacts.ocm", "contacts", OCM, "IPF.Contact"),
    FolderSpec("companies", "contacts", "Companies", "IPF.Contact.Company"),
    FolderSpec("companies.ocm", "companies", OCM, "IPF.Contact.Company"),
    FolderSpec("tasks", "top", "Tasks", "IPF.Task", "tasks"),
    FolderSpec("personmetadata", "top", "personmetadata", "IPF.Note"),
    FolderSpec("personmetadata.ocm", "personmetadata", OCM),
    FolderSpec("activitystream", "root", "XrmActivityStream"),
    FolderSpec("activitystream.ocm", "activitystream", OCM),
    FolderSpec("insights", "root", "XrmInsights"),
    FolderSpec("deleteditems", "root", "XrmDeletedItems"),
    FolderSpec("deleteditems.ocm", "deleteditems", OCM),
    FolderSpec("xrmprojects", "root", "xrmprojects"),
    FolderSpec("templates", "xrmprojects", "Templates"),
    FolderSpec("deals", "xrmprojects", "Deals"),
    FolderSpec("deals.ocm", "deals", OCM),
    FolderSpec("myocmcontacts", "root", "MyOCMContacts"),
    FolderSpec("recoverable", "root", "Recoverable Items", None, "recoverableitemsroot"),
    FolderSpec("deletions", "recoverable", "Deletions", None, "recoverableitemsdeletions"),
    FolderSpec("purges", "recoverable", "Purges", None, "recoverableitemspurges"),
)
DELETIONS_KEY = "deletions"
PURGES_KEY = "purges"


@dataclass(frozen=True)
class Placement:
    """Where the records of one fixture list live.

    ``shared_folder`` (when set) receives the records whose ``SourceMailboxGuid`` is set and
    not all zeros. ``collection`` is the API collection listing them; ``linked_only`` keeps
    records without ``InlineLinks`` relationships out of it (tasks). ``kind`` names the
    resource shape in ``RESOURCE_DEFAULTS``; ``ocm`` records get an ``XrmId``.
    """

    source: str
    folder: str
    item_class: str
    kind: str
    collection: str | None = None
    shared_folder: str | None = None
    linked_only: bool = False
    ocm: bool = True


PLACEMENTS: tuple[Placement, ...] = (
    Placement("contacts", "contacts.ocm", "IPM.Contact", "contact", "XrmContacts"),
    Placement(
        "organizations",
        "companies",
        "IPM.Contact.Company",
        "company",
        "XrmOrganizations",
        shared_folder="companies.ocm",
    ),
    Placement(
        "deals", "deals", "IPM.XrmProject.Deal", "deal", "XrmDeals", shared_folder="deals.ocm"
    ),
    Placement(
        "activities",
        "activitystream",
        "IPM.XrmActivityStream",
        "activity",
        "XrmActivityStreams",
        shared_folder="activitystream.ocm",
    ),
    Placement("insights", "insights", "IPM.XrmInsight", "insight", "XrmInsights"),
    Placement("tasks", "tasks", "IPM.Task", "task", "XrmTasks", linked_only=True),
    Placement("personMetadata", "personmetadata.ocm", "IPM.PersonMetadata", "record"),
    Placement(
        "deletedItems",
        "deleteditems",
        "IPM.XrmDeletedItem",
        "record",
        shared_folder="deleteditems.ocm",
    ),
    Placement("otherItems.contacts", "contacts", "IPM.Contact", "plain", ocm=False),
    Placement(
        "otherItems.tasks", "tasks", "IPM.Task", "plain", "XrmTasks", linked_only=True, ocm=False
    ),
    Placement("otherItems.inbox", "inbox", "IPM.Note", "plain", ocm=False),
)
TEMPLATE_PLACEMENTS: dict[str, Placement] = {
    kind: Placement(
        f"templates.{kind}", "templates", "IPM.XrmTemplate", "template", collection, ocm=False
    )
    for kind, collection in TEMPLATE_KINDS.items()
}
PLACEMENT_BY_SOURCE = {p.source: p for p in (*PLACEMENTS, *TEMPLATE_PLACEMENTS.values())}

#: Collection name -> the folder keys it lists (every folder a placement may use).
COLLECTION_FOLDERS: dict[str, tuple[str, ...]] = {}
for _p in PLACEMENTS:
    if _p.collection and _p.ocm:
        COLLECTION_FOLDERS[_p.collection] = tuple(f for f in (_p.folder, _p.shared_folder) if f)
for _collection in TEMPLATE_KINDS.values():
    COLLECTION_FOLDERS[_collection] = ("templates",)
COLLECTIONS: tuple[str, ...] = tuple(COLLECTION_FOLDERS)

_ADDRESS = None  # an address property: {"Street", "City", "State", "PostalCode", "CountryOrRegion"} or null
_COMMON: dict[str, object] = {
    "SourceMailboxGuid": None,
    "InlineLinks": {"Relationships": []},
}
RESOURCE_DEFAULTS: dict[str, dict[str, object]] = {
    "contact": {
        **_COMMON,
        "PersonaId": None,
        "DisplayName": None,
        "GivenName": None,
        "MiddleName": None,
        "Surname": None,
        "Birthday": None,
        "JobTitle": None,
        "CompanyName": None,
        "IsBusinessContact": False,
        "EmailAddresses": [],
        "BusinessAddress": _ADDRESS,
        "HomeAddress": _ADDRESS,
        "OtherAddress": _ADDRESS,
        "BusinessPhones": [],
        "HomePhones": [],
        "MobilePhone": None,
        "OtherPhone": None,
        "Notes": None,
    },
    "company": {
        **_COMMON,
        "DisplayName": None,
        "BusinessHomePage": None,
        "BusinessPhones": [],
        "EmailAddresses": [],
        "BusinessAddress": _ADDRESS,
        "Notes": None,
    },
    # Currency stays absent when not given: absent means USD (docs/api.md).
    "deal": {
        **_COMMON,
        "Name": None,
        "Amount": None,
        "Priority": None,
        "Status": None,
        "Stage": None,
        "CloseTime": None,
        "Owner": None,
        "Notes": None,
    },
    "activity": {
        **_COMMON,
        "ActionVerb": None,
        "Subtype": None,
        "Text": None,
        "EventTime": None,
        "DisplayName": None,
        "ModifiedProperties": None,
    },
    "insight": {
        **_COMMON,
        "InsightType": None,
        "Title": None,
        "Text": None,
        "EventTime": None,
        "Status": None,
    },
    "task": {
        **_COMMON,
        "Subject": None,
        "StartDateTime": None,
        "DueDateTime": None,
        "CreatedDateTime": None,
        "ReminderDateTime": None,
        "IsReminderOn": False,
        "Importance": "Normal",
        "Status": "NotStarted",
        "PercentComplete": 0,
        "Body": None,
    },
    "record": dict(_COMMON),
    "plain": {},
    "template": {},
}
EXTENDED = "SingleValueExtendedProperties"
#: The properties an item answers with in ``MailFolders/{id}/Items`` come from these, in order.
_SUBJECT_FIELDS = ("Subject", "DisplayName", "Name", "Title")


class ItemRow(NamedTuple):
    """One item as the store keeps it. ``body`` is the whole resource as JSON text; ``list_body``
    the list variant when it differs (contact notes cut); ``ext`` the extended properties.
    (A named tuple: a million are made per big load.)"""

    id: str
    folder: str  # folder key of FOLDER_TREE
    collection: str | None
    item_class: str
    subject: str | None
    xrm_id: str | None
    sort_time: str  # canonical LastModifiedDateTime, sortable as text
    action_verb: str | None
    body: str
    list_body: str | None
    ext: str | None


class StableIds:
    """uuid5 ids of ``"<prefix>|<index>|<purpose>"``, hashing the common prefix once."""

    def __init__(self, prefix: str) -> None:
        self._base = hashlib.sha1(ID_NAMESPACE.bytes + prefix.encode("utf-8"))

    def __call__(self, index: int, purpose: str) -> str:
        digest = self._base.copy()
        digest.update(f"|{index}|{purpose}".encode())
        # What uuid.UUID(bytes=..., version=5) does, at a third of its cost (1M items per load).
        raw = bytearray(digest.digest()[:16])
        raw[6] = (raw[6] & 0x0F) | 0x50
        raw[8] = (raw[8] & 0x3F) | 0x80
        h = raw.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def stable_id(name: str) -> str:
    """The uuid5 of ``name`` in the emulator's namespace (folders, mailboxes, users)."""
    return str(uuid.uuid5(ID_NAMESPACE, name))


_PLAIN_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")


def sort_time(value: object) -> str:
    """``LastModifiedDateTime`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC), which sorts as text.

    Raises ``ValueError`` for a value that is not an ISO 8601 date-time.
    """
    if value is None or value == "":
        return "0001-01-01T00:00:00.000000Z"
    if not isinstance(value, str):
        raise ValueError(f"LastModifiedDateTime must be an ISO 8601 string, not {value!r}")
    if _PLAIN_UTC.match(value):
        return value[:19] + ".000000Z"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        # fromisoformat's own message does not say which value of the tenant is wrong.
        raise ValueError(
            f"LastModifiedDateTime must be an ISO 8601 date-time, not {value!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def is_shared(record: dict) -> bool:
    """``SourceMailboxGuid`` set and not all zeros."""
    guid = record.get("SourceMailboxGuid")
    return bool(guid) and guid != ZERO_GUID


def has_links(record: dict) -> bool:
    links = record.get("InlineLinks") or {}
    return bool(links.get("Relationships")) if isinstance(links, dict) else False


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_SURROGATE = re.compile("[\ud800-\udfff]")

#: Fields whose JSON shape api.md promises: a record that breaks it is refused, so the
#: emulator never serves what the contract does not allow.
_OBJECTS = ("BusinessAddress", "HomeAddress", "OtherAddress", "InlineLinks")
_LISTS_OF_OBJECTS = ("EmailAddresses", "SingleValueExtendedProperties")
_LISTS_OF_TEXT = ("BusinessPhones", "HomePhones")
_JSON_KINDS = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}


def _kind(value: object) -> str:
    return _JSON_KINDS.get(type(value), "a number")


def _check_shapes(resource: dict, where: str) -> None:
    """Refuse (``ValueError``) a record whose structured fields break api.md's shapes."""
    for name in _OBJECTS:
        value = resource.get(name)
        if value is not None and not isinstance(value, dict):
            raise ValueError(f"{where}.{name} is {_kind(value)}, not an object")
    for name in _LISTS_OF_OBJECTS:
        value = resource.get(name)
        if value is None:
            continue
        if not isinstance(value, list):
            raise ValueError(f"{where}.{name} is {_kind(value)}, not a list")
        for index, entry in enumerate(value):
            if not isinstance(entry, dict):
                raise ValueError(f"{where}.{name}[{index}] is {_kind(entry)}, not an object")
    for name in _LISTS_OF_TEXT:
        value = resource.get(name)
        if value is not None and not isinstance(value, list):
            raise ValueError(f"{where}.{name} is {_kind(value)}, not a list")
    links = resource.get("InlineLinks")
    relationships = links.get("Relationships") if isinstance(links, dict) else None
    if relationships is not None and not isinstance(relationships, list):
        raise ValueError(f"{where}.InlineLinks.Relationships is {_kind(relationships)}, not a list")
    for index, relation in enumerate(relationships or []):
        if not isinstance(relation, dict):
            raise ValueError(
                f"{where}.InlineLinks.Relationships[{index}] is {_kind(relation)}, not an object"
            )


def _check_text(text: str, where: str) -> str:
    """``text`` if UTF-8 can hold it; a lone surrogate (half a character) is refused."""
    if _SURROGATE.search(text):
        raise ValueError(
            f"{where} holds a lone surrogate (half a character), which UTF-8 cannot hold"
        )
    return text


def dumps(value: object) -> str:
    """JSON text as served: compact, UTF-8 (not ASCII escapes)."""
    return _ENCODER.encode(value)


def _skeleton(placement: Placement) -> dict[str, object]:
    """The properties every record of ``placement`` starts with, in answer order."""
    skeleton: dict[str, object] = {"Id": None}
    if placement.ocm:
        skeleton["XrmId"] = None
    if placement.kind != "template":
        skeleton["LastModifiedDateTime"] = None
    skeleton.update(RESOURCE_DEFAULTS[placement.kind])
    return skeleton


_SKELETONS = {p.source: _skeleton(p) for p in PLACEMENT_BY_SOURCE.values()}


def item_row(placement: Placement, record: dict, index: int, ids: StableIds) -> ItemRow:
    """A fixture record of ``placement``'s list, at ``index``, as a row (fields filled in)."""
    where = f"{placement.source}[{index}]"
    if not isinstance(record, dict):
        raise ValueError(f"{where} is not an object")
    resource = _SKELETONS[placement.source].copy()
    resource.update(record)
    _check_shapes(resource, where)
    ext = resource.pop(EXTENDED, None)
    if not resource["Id"]:
        resource["Id"] = ids(index, "id")
    if placement.ocm and not resource["XrmId"]:
        resource["XrmId"] = ids(index, "xrm")
    if "LastModifiedDateTime" in resource and not resource["LastModifiedDateTime"]:
        resource["LastModifiedDateTime"] = NO_DATE
    if placement.kind == "contact" and not resource["PersonaId"]:
        resource["PersonaId"] = ids(index, "persona")
    folder = placement.folder
    if placement.shared_folder is not None and is_shared(resource):
        folder = placement.shared_folder
    collection = placement.collection
    if placement.linked_only and not has_links(resource):
        collection = None
    subject = None
    for name in _SUBJECT_FIELDS:
        if resource.get(name):
            subject = str(resource[name])
            break
    verb = resource.get("ActionVerb")
    xrm_id = resource.get("XrmId")
    return ItemRow(
        str(resource["Id"]),
        folder,
        collection,
        placement.item_class,
        subject,
        str(xrm_id) if xrm_id else None,
        sort_time(resource.get("LastModifiedDateTime")),
        verb if isinstance(verb, str) else None,
        _check_text(dumps(resource), where),
        _list_body(placement, resource),
        _check_text(dumps(ext), f"{where}.{EXTENDED}") if ext else None,
    )


def _list_body(placement: Placement, resource: dict) -> str | None:
    notes = resource.get("Notes")
    if placement.kind != "contact" or not isinstance(notes, str) or len(notes) <= LIST_NOTES_LIMIT:
        return None
    return dumps({**resource, "Notes": notes[:LIST_NOTES_LIMIT], "NotesTruncated": True})
