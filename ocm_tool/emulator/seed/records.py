"""The records of a generated tenant: every OCM record, template and own item of a plan.

``RecordGenerator`` builds each record from (seed, collection, global index) alone, with
``random.Random`` seeded per record and ``uuid5`` ids, never the clock, so the same options
give the same records in any order and at any size. ``lazy_tenant`` is the whole tenant with
every record list (and the mailbox list) as an iterator, for the streaming writer;
``generate_tenant`` is the same tenant as a dict.

What the records are made of (names, places, phrases, template fields) is in ``data``.
"""

from __future__ import annotations

import base64
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from ocm_tool.emulator.seed.data import (
    AMOUNTS,
    COMPANIES,
    CURRENCIES,
    LOCALES,
    OWN_ITEMS,
    TEMPLATE_FIELDS,
    Locale,
)
from ocm_tool.emulator.seed.plan import (
    COLLECTIONS,
    SAMPLE_OPTIONS,
    TENANT,
    PlannedMailbox,
    SeedOptions,
    apps,
    plan_tenant,
)

PROPERTY_SET = "1a417774-4779-47c1-9851-e42057495fca"
NO_VALUE_DATE = "1601-01-01T00:00:00Z"
MIN_DATE = "0001-01-01T00:00:00Z"
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
PERTAINS_TO = "ActivityPertainsTo"
ASSOCIATION = "Association"

ITEM_TYPE = {
    "contacts": "IPM.AbchPerson",
    "organizations": "IPM.Contact.Company",
    "deals": "IPM.XrmProject.Deal",
}
#: Extended-property type of each custom field type (as ``docs/export.md`` reads them back).
PROPERTY_TYPE = {
    "Boolean": "Boolean",
    "Choice": "String",
    "Currency": "Double",
    "Numeric": "Double",
    "Date": "SystemTime",
    "Link": "String",
    "Text": "String",
}

_NAMESPACE = uuid.UUID("0c3e7a52-5d1b-4f7e-9a43-6b2d8e1f0a77")
_EPOCH = 1514764800  # 2018-01-01T00:00:00Z
_SPAN = 1593475200 - _EPOCH  # up to OCM's retirement, 2020-06-30


@dataclass(frozen=True)
class _Field:
    """One custom field of a template."""

    id: str
    label: str
    type: str
    options: tuple[str, ...] = ()

    def definition(self, option_id: Callable[[str], str]) -> dict:
        return {
            "Id": self.id,
            "Label": self.label,
            "_Type": {"Label": self.type},
            "ValueOptions": [{"Id": option_id(label), "Label": label} for label in self.options],
        }

    @property
    def property_id(self) -> str:
        return f"{PROPERTY_TYPE[self.type]} {{{PROPERTY_SET}}} Name {self.id}"


_TEMPLATE_OF = {"contacts": "contact", "organizations": "company", "deals": "deal"}
_STATUSES = (
    ("Open", ("Qualify", "Meet and present", "Propose", "Negotiate", "Close")),
    ("Won", ()),
    ("Lost", ()),
)
_VERBS = (
    ("Post", 30),
    ("Email", 20),
    ("Update", 15),
    ("Create", 10),
    ("Meeting", 10),
    ("Call", 10),
    ("Delete", 5),
)
_SUBTYPES = {
    "Post": ("Note", "Comment"),
    "Email": ("EmailSent", "EmailReceived"),
    "Meeting": ("Appointment",),
    "Call": ("PhoneCall",),
    "Create": ("Contact", "Company", "Deal"),
    "Update": ("Contact", "Company", "Deal"),
    "Delete": ("Contact", "Company", "Deal"),
}


def _iso(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _number(value: float) -> float | int:
    """A JSON number in its shortest exact form (``50``, ``12.5``)."""
    return int(value) if float(value).is_integer() else value


@dataclass(frozen=True)
class _Person:
    """A contact's names; ``ascii`` is the mail local part, ``locale`` an index of ``LOCALES``."""

    given: str
    middle: str | None
    surname: str
    display: str
    ascii: str
    locale: int


class RecordGenerator:
    """Builds every record of one seed; a record depends only on (seed, collection, index)."""

    def __init__(
        self, options: SeedOptions, ns: uuid.UUID, mailboxes: list[PlannedMailbox]
    ) -> None:
        self.options = options
        self.ns = ns
        self.users = {box.address: box for box in mailboxes if box.kind == "user"}
        self.position = {box.address: n for n, box in enumerate(mailboxes)}
        self.templates = {
            name: [
                _Field(self.guid(f"field/{name}/{n}"), label, kind, options_)
                for n, (label, kind, options_) in enumerate(fields_)
            ]
            for name, fields_ in TEMPLATE_FIELDS.items()
        }
        self.statuses = [
            (label, [(self.guid(f"stage/{label}/{stage}"), stage) for stage in stages])
            for label, stages in _STATUSES
        ]

    # ids and derived values ------------------------------------------------------------
    def guid(self, name: str) -> str:
        return str(uuid.uuid5(self.ns, name))

    def opaque(self, prefix: str, name: str) -> str:
        raw = uuid.uuid5(self.ns, name).bytes
        return prefix + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def xrm_id(self, collection: str, index: int) -> str:
        return self.guid(f"{collection}/{index}")

    def item_id(self, collection: str, index: int) -> str:
        return self.opaque("AAMkA", f"item/{collection}/{index}")

    def rng(self, *key: object) -> random.Random:
        return random.Random("/".join(map(str, (self.options.seed, *key))))

    def modified(self, collection: str, index: int, xrm_uuid: uuid.UUID) -> str:
        """``LastModifiedDateTime``: every tenth record ties with the one before it."""
        if index % 10 == 9:
            xrm_uuid = uuid.uuid5(self.ns, f"{collection}/{index - 1}")
        return _iso(_EPOCH + xrm_uuid.int % _SPAN)

    def person(self, index: int) -> _Person:
        """The person behind contact ``index`` (also named by tasks and insights)."""
        rng = self.rng("person", index)
        locale = rng.randrange(len(LOCALES))
        lang = LOCALES[locale]
        given, given_ascii, sex = rng.choice(lang.given)
        male, female, male_ascii, female_ascii = rng.choice(lang.surnames)
        surname, surname_ascii = (female, female_ascii) if sex == "f" else (male, male_ascii)
        middle = (
            rng.choice(("Maria", "J.", "Anne"))
            if not lang.family_first and rng.random() < 0.15
            else None
        )
        if lang.family_first:
            display = f"{surname}{given}"
        elif rng.random() < 0.1:
            display = f"{surname}, {given}"
        else:
            display = " ".join(part for part in (given, middle, surname) if part)
        return _Person(given, middle, surname, display, f"{given_ascii}.{surname_ascii}", locale)

    @staticmethod
    def company(index: int) -> tuple[str, str, int]:
        name, domain, locale = COMPANIES[index % len(COMPANIES)]
        branch = index // len(COMPANIES)
        return (f"{name} ({branch + 1})" if branch else name), domain, locale

    # shared parts of records -----------------------------------------------------------
    def notes(self, rng: random.Random, lang: Locale, local: int) -> str | None:
        """None, short, tricky (comma, quote, newline) or long (over 255 characters)."""
        if local % 5 == 2:  # long, with text around the 255-character cut
            parts: list[str] = []
            target = rng.randint(300, 700)
            while sum(map(len, parts)) < target:
                parts.append(rng.choice(lang.phrases))
            return " ".join(parts)
        if local % 5 == 1:
            return f'{lang.phrases[1]}\n{lang.phrases[0]}\r\n"{lang.phrases[2]}"'
        if rng.random() < 0.2:
            return None
        return rng.choice(("\n", " ", ", ")).join(rng.sample(lang.phrases, rng.randint(1, 3)))

    def links(
        self,
        rng: random.Random,
        box: PlannedMailbox,
        owner: str,
        link_type: str,
        wanted: dict[str, int],
        *,
        dangling: bool,
        variant: bool,
    ) -> dict:
        """``InlineLinks`` of record ``owner``: 1 to ``wanted[c]`` links to records of collection
        ``c`` in ``box`` (none when it has none), then a dangling one if asked. ``variant``
        spells deal links ``IPM.XRMProject.Deal``."""
        relationships = []
        for collection, most in wanted.items():
            pool = box.ranges[collection]
            for _ in range(rng.randint(1, most) if pool else 0):
                target = self.xrm_id(collection, rng.choice(pool))
                relationships.append(self.link(collection, target, link_type, variant=variant))
        if dangling:
            missing = self.guid(f"missing/{owner}")
            relationships.append(self.link(rng.choice(tuple(ITEM_TYPE)), missing, link_type))
        return {"Relationships": relationships}

    @staticmethod
    def oddities(local: int) -> dict[str, bool]:
        """Which records of a mailbox get a dangling link (1 in 13) or the deal-type casing
        variant (1 in 11), by their position ``local`` in the mailbox."""
        return {"dangling": local % 13 == 7, "variant": local % 11 == 5}

    @staticmethod
    def link(collection: str, xrm_id: str, link_type: str, *, variant: bool = False) -> dict:
        item_type = ITEM_TYPE[collection]
        if variant and collection == "deals":
            item_type = "IPM.XRMProject.Deal"  # the casing the original script also met
        return {"ItemType": item_type, "ItemLinkId": xrm_id, "LinkType": link_type}

    def common(self, collection: str, index: int, box: PlannedMailbox, rng: random.Random) -> dict:
        """The fields every OCM record has; shared in group mailboxes, private in users'."""
        xrm_uuid = uuid.uuid5(self.ns, f"{collection}/{index}")
        record: dict[str, Any] = {
            "Id": self.item_id(collection, index),
            "XrmId": str(xrm_uuid),
            "LastModifiedDateTime": self.modified(collection, index, xrm_uuid),
        }
        if box.kind == "group":
            record["SourceMailboxGuid"] = box.guid
        elif rng.random() < 0.5:
            record["SourceMailboxGuid"] = ZERO_GUID
        return record

    def custom(self, collection: str, rng: random.Random, local: int, lang: Locale) -> list[dict]:
        """``SingleValueExtendedProperties``: values of the record's template fields."""
        values = []
        for fld in self.templates[_TEMPLATE_OF[collection]]:
            if fld.label in ("Status", "Stage") or (local and rng.random() < 0.3):
                continue
            values.append(
                {"PropertyId": fld.property_id, "Value": self.custom_value(fld, rng, local, lang)}
            )
        return values

    @staticmethod
    def custom_value(fld: _Field, rng: random.Random, local: int, lang: Locale) -> str:
        if fld.type == "Boolean":
            return rng.choice(("true", "false"))
        if fld.type == "Choice":
            return rng.choice(fld.options)
        if fld.type in ("Currency", "Numeric"):
            return str(_number(rng.choice((*AMOUNTS, rng.randrange(10**6) / 4))))
        if fld.type == "Date":
            return (
                NO_VALUE_DATE
                if local % 4 == 1
                else _iso(_EPOCH + rng.randrange(_SPAN))[:10] + "T00:00:00Z"
            )
        if fld.type == "Link":
            return f"https://intranet.example.com/crm/{rng.randrange(10**6)}?tab=details&lang=de"
        return rng.choice(lang.phrases)

    def address(self, rng: random.Random, lang: Locale) -> dict:
        city, postal, state, country = rng.choice(lang.cities)
        street = lang.street_format.format(
            street=rng.choice(lang.streets), number=rng.randint(1, 200)
        )
        return {
            "Street": street,
            "City": city,
            "State": state,
            "PostalCode": postal,
            "CountryOrRegion": country,
        }

    def date(self, rng: random.Random, no_value: bool) -> str:
        return NO_VALUE_DATE if no_value else _iso(_EPOCH + rng.randrange(_SPAN))

    def event_time(self, rng: random.Random) -> str:
        """Exchange's seven fraction digits (exports cut them to two)."""
        return f"{_iso(_EPOCH + rng.randrange(_SPAN))[:-1]}.{rng.randrange(10**7):07d}Z"

    # the collections -------------------------------------------------------------------
    def contact(self, box: PlannedMailbox, index: int, local: int) -> dict:
        rng = self.rng("contacts", index)
        who = self.person(index)
        lang = LOCALES[who.locale]
        record = self.common("contacts", index, box, rng)
        company_pool = box.ranges["organizations"]
        company = (
            self.company(rng.choice(company_pool))[0]
            if company_pool and rng.random() < 0.7
            else None
        )
        emails = [
            {
                "Address": f"{who.ascii}{n or ''}@{lang.mail_domain}",
                "Name": who.display,
                "OriginalDisplayName": f"{who.ascii}@{lang.mail_domain}",
            }
            for n in range(local % 4)
        ]
        birthday = (
            NO_VALUE_DATE,
            MIN_DATE,
            f"{rng.randint(1950, 2000)}-{rng.randint(1, 12):02d}-"
            f"{rng.randint(1, 28):02d}T00:00:00Z",
        )[local % 3]
        record.update(
            {
                "PersonaId": self.opaque("AAUQA", f"persona/{index}"),
                "DisplayName": who.display,
                "GivenName": who.given,
                "MiddleName": who.middle,
                "Surname": who.surname,
                "Birthday": birthday,
                "JobTitle": rng.choice(
                    ("Einkaufsleiterin", "Jednatel", "采购经理", "CTO", "Sales, EMEA")
                ),
                "CompanyName": company,
                "IsBusinessContact": rng.random() < 0.8,
                "EmailAddresses": emails,
                "BusinessAddress": self.address(rng, lang),
                "HomeAddress": self.address(rng, lang) if rng.random() < 0.4 else None,
                "OtherAddress": self.address(rng, lang) if rng.random() < 0.1 else None,
                "BusinessPhones": [lang.phone(rng) for _ in range(rng.randint(0, 2))],
                "HomePhones": [lang.phone(rng)] if rng.random() < 0.3 else [],
                "MobilePhone": lang.phone(rng) if rng.random() < 0.6 else None,
                "OtherPhone": lang.phone(rng) if rng.random() < 0.1 else None,
                "Notes": self.notes(rng, lang, local),
                "InlineLinks": self.links(
                    rng,
                    box,
                    f"contacts/{index}",
                    ASSOCIATION,
                    {"organizations": 1, "deals": 2},
                    **self.oddities(local),
                ),
                "SingleValueExtendedProperties": self.custom("contacts", rng, local, lang),
            }
        )
        return record

    def organization(self, box: PlannedMailbox, index: int, local: int) -> dict:
        rng = self.rng("organizations", index)
        name, domain, locale = self.company(index)
        lang = LOCALES[locale]
        record = self.common("organizations", index, box, rng)
        record.update(
            {
                "DisplayName": name,
                "BusinessHomePage": f"https://www.{domain}/",
                "BusinessPhones": [lang.phone(rng) for _ in range(rng.randint(1, 3))],
                "EmailAddresses": [
                    {"Address": f"{mailbox}@{domain}", "Name": name}
                    for mailbox in ("info", "sales", "einkauf")[: rng.randint(0, 3)]
                ],
                "BusinessAddress": self.address(rng, lang),
                "Notes": self.notes(rng, lang, local),
                "InlineLinks": self.links(
                    rng,
                    box,
                    f"organizations/{index}",
                    ASSOCIATION,
                    {"contacts": 3, "deals": 2},
                    **self.oddities(local),
                ),
                "SingleValueExtendedProperties": self.custom("organizations", rng, local, lang),
            }
        )
        return record

    def deal(self, box: PlannedMailbox, index: int, local: int) -> dict:
        rng = self.rng("deals", index)
        lang = LOCALES[rng.randrange(len(LOCALES))]
        status, stages = self.statuses[0] if local % 3 != 2 else rng.choice(self.statuses[1:])
        stage = rng.choice(stages)[0] if stages else None
        if local % 8 == 6:
            stage = self.guid(f"stage/unknown/{index}")  # not in the template: exported as its id
        record = self.common("deals", index, box, rng)
        record.update(
            {
                "Name": f"{rng.choice(('Rahmenvertrag', 'Licence renewal', 'Dodávka serverů', '年度合同'))} "
                f"{self.company(index)[0]}",
                "Amount": None
                if local % 10 == 7
                else _number(rng.choice((*AMOUNTS, rng.randrange(10**7) / 4))),
                "Priority": rng.choice(("High", "Normal", "Low")),
                "Status": status,
                "Stage": stage,
                "CloseTime": self.date(rng, no_value=local % 5 == 3),
                "Owner": self.actor(rng, box),
                "Notes": self.notes(rng, lang, local),
                "InlineLinks": self.links(
                    rng,
                    box,
                    f"deals/{index}",
                    ASSOCIATION,
                    {"organizations": 1, "contacts": 3},
                    **self.oddities(local),
                ),
                "SingleValueExtendedProperties": self.custom("deals", rng, local, lang),
            }
        )
        if local % 3 != 0:  # absent Currency means USD
            record["Currency"] = rng.choice(CURRENCIES)
        return record

    def actor(self, rng: random.Random, box: PlannedMailbox) -> str:
        if box.kind == "user":
            return box.display_name
        return self.users[rng.choice(box.members)].display_name if box.members else box.display_name

    def activity(self, box: PlannedMailbox, index: int, local: int) -> dict:
        rng = self.rng("activities", index)
        lang = LOCALES[rng.randrange(len(LOCALES))]
        verb = (
            "Post"
            if local % 4 == 0
            else rng.choices([v for v, _ in _VERBS], [w for _, w in _VERBS])[0]
        )
        subtype = rng.choice(_SUBTYPES[verb])
        links = self.links(
            rng,
            box,
            f"activities/{index}",
            PERTAINS_TO,
            {"contacts": 1, "organizations": 1, "deals": 1},
            **self.oddities(local),
        )
        if local % 7 == 3:  # a relationship of another kind after the ones it pertains to
            links["Relationships"].append(
                {
                    "ItemType": "IPM.Appointment",
                    "ItemLinkId": self.guid(f"appointment/{index}"),
                    "LinkType": "ActivityMentions",
                }
            )
        text = (
            self.notes(rng, lang, local) or rng.choice(lang.phrases)
            if verb == "Post"
            else f"{verb} {subtype}: {rng.choice(lang.phrases)}"
        )
        record = self.common("activities", index, box, rng)
        record.update(
            {
                "ActionVerb": verb,
                "Subtype": subtype,
                "Text": text,
                "EventTime": self.event_time(rng),
                "DisplayName": self.actor(rng, box),
                "ModifiedProperties": "Stage,Amount,CloseTime" if verb == "Update" else None,
                "InlineLinks": links,
                "SingleValueExtendedProperties": [],
            }
        )
        return record

    def insight(self, box: PlannedMailbox, index: int, local: int) -> dict:
        rng = self.rng("insights", index)
        lang = LOCALES[rng.randrange(len(LOCALES))]
        kind = rng.choice(
            ("FollowUpReminder", "NoRecentActivity", "DealCloseDateApproaching", "EmailNotAnswered")
        )
        contacts = box.ranges["contacts"]
        name = self.person(rng.choice(contacts)).display if contacts else box.display_name
        record = self.common("insights", index, box, rng)
        record.update(
            {
                "InsightType": kind,
                "Title": f"{kind}: {name}",
                "Text": rng.choice(lang.phrases),
                "EventTime": self.event_time(rng),
                "Status": rng.choice(("Active", "Dismissed", "Completed")),
                "InlineLinks": self.links(
                    rng,
                    box,
                    f"insights/{index}",
                    PERTAINS_TO,
                    {"contacts": 1, "deals": 1},
                    **self.oddities(local),
                ),
                "SingleValueExtendedProperties": [],
            }
        )
        return record

    def task(self, box: PlannedMailbox, index: int, local: int) -> dict:
        rng = self.rng("tasks", index)
        lang = LOCALES[rng.randrange(len(LOCALES))]
        status, percent = rng.choice(
            (
                ("NotStarted", 0),
                ("InProgress", 50),
                ("Completed", 100),
                ("WaitingOnOthers", 25),
                ("Deferred", 0),
            )
        )
        parent = rng.choice([c for c in ITEM_TYPE if box.ranges[c]] or list(ITEM_TYPE))
        pool = box.ranges[parent]
        odd = self.oddities(local)
        target = (
            self.guid(f"missing/tasks/{index}")
            if odd["dangling"] or not pool
            else self.xrm_id(parent, rng.choice(pool))
        )
        link = self.link(parent, target, PERTAINS_TO, variant=odd["variant"])
        if parent == "contacts" and local % 9 == 4:
            link["ItemType"] = "IPM.Contact"
        reminder = rng.random() < 0.5
        subject_of = (
            self.person(rng.choice(pool)).display
            if parent == "contacts" and pool
            else self.company(index)[0]
        )
        record = self.common("tasks", index, box, rng)
        record.update(
            {
                "Subject": rng.choice(
                    ("Call {}", "Angebot an {} senden", "Zavolat: {}", "发送报价给 {}")
                ).format(subject_of),
                "StartDateTime": self.date(rng, no_value=local % 4 == 1),
                "DueDateTime": self.date(rng, no_value=local % 6 == 5),
                "CreatedDateTime": self.date(rng, no_value=False),
                "ReminderDateTime": self.date(rng, no_value=not reminder),
                "IsReminderOn": reminder,
                "Importance": rng.choice(("High", "Normal", "Low")),
                "Status": status,
                "PercentComplete": percent,
                "Body": self.notes(rng, lang, local),
                "InlineLinks": {"Relationships": [link]},
                "SingleValueExtendedProperties": [],
            }
        )
        return record

    # folders that are not collections --------------------------------------------------
    def person_metadata(self, box: PlannedMailbox) -> Iterator[dict]:
        """OCM person-metadata items: one for every second contact of the mailbox."""
        for index in box.ranges.get("contacts", range(0))[::2]:
            record = self.common("personMetadata", index, box, self.rng("personMetadata", index))
            yield {**record, "Subject": self.person(index).display}

    def deleted_items(self, box: PlannedMailbox) -> Iterator[dict]:
        """Three OCM records deleted in OCM (a contact, a company, a deal): ``XrmDeletedItems``."""
        if not box.ocm:
            return
        for n, collection in enumerate(ITEM_TYPE):
            index = len(ITEM_TYPE) * self.position[box.address] + n
            record = self.common("deletedItems", index, box, self.rng("deletedItems", index))
            name = (
                self.person(index).display if collection == "contacts" else self.company(index)[0]
            )
            yield {**record, "Subject": f"{name} ({ITEM_TYPE[collection]})"}

    def other_items(self, box: PlannedMailbox) -> dict[str, list[dict]]:
        """The user's own contacts, tasks and inbox mail: no purge may touch them."""
        items: dict[str, list[dict]] = {}
        for kind, subjects in OWN_ITEMS.items():
            name_key = "DisplayName" if kind == "contacts" else "Subject"
            items[kind] = [
                {"Id": self.opaque("AAMkA", f"own/{box.address}/{kind}/{n}"), name_key: subject}
                for n, subject in enumerate(subjects)
            ]
        return items

    def option_id(self, field_id: str, label: str) -> str:
        return self.guid(f"option/{field_id}/{label}")

    def template(self, name: str) -> dict:
        status_list = []
        if name == "deal":
            status_list = [
                {
                    "Id": self.guid(f"status/{label}"),
                    "Label": label,
                    "Stages": [{"Id": sid, "Label": stage} for sid, stage in stages],
                }
                for label, stages in self.statuses
            ]
        return {
            "FieldList": [
                f.definition(partial(self.option_id, f.id)) for f in self.templates[name]
            ],
            "StatusList": status_list,
        }

    def records(self, box: PlannedMailbox, collection: str) -> Iterator[dict]:
        make = {
            "contacts": self.contact,
            "organizations": self.organization,
            "deals": self.deal,
            "activities": self.activity,
            "insights": self.insight,
            "tasks": self.task,
        }[collection]
        span = box.ranges.get(collection, range(0))
        for index in span:
            yield make(box, index, index - span.start)

    def mailbox(self, box: PlannedMailbox) -> dict[str, Any]:
        """A mailbox entry; its record collections are iterators (``_materialize`` lists them)."""
        entry: dict[str, Any] = {
            "address": box.address,
            "kind": box.kind,
            "guid": box.guid,
            "members": list(box.members),
            "fullAccess": list(box.full_access),
            "onHold": box.on_hold,
        }
        if box.kind == "group":
            entry["xrmSessionRequired"] = True
        entry["templates"] = (
            {name: self.template(name) for name in TEMPLATE_FIELDS} if box.ocm else {}
        )
        for collection in COLLECTIONS:
            entry[collection] = self.records(box, collection)
        entry["personMetadata"] = self.person_metadata(box)
        entry["deletedItems"] = self.deleted_items(box)
        entry["otherItems"] = self.other_items(box)
        return entry


def lazy_tenant(options: SeedOptions) -> dict[str, Any]:
    """The tenant with every record list (and the mailbox list) as an iterator."""
    ns = uuid.uuid5(_NAMESPACE, f"seed/{options.seed}")
    users, boxes = plan_tenant(options, ns)
    generator = RecordGenerator(options, ns, boxes)
    return {
        "tenant": TENANT,
        "users": users,
        "apps": apps(),
        "mailboxes": (generator.mailbox(box) for box in boxes),
    }


def _materialize(value: Any) -> Any:
    """``value`` with every iterator turned into a list, recursively."""
    if isinstance(value, dict):
        return {key: _materialize(item) for key, item in value.items()}
    if isinstance(value, (list, Iterator)):
        return [_materialize(item) for item in value]
    return value


def generate_tenant(options: SeedOptions = SAMPLE_OPTIONS) -> dict:
    """The tenant of ``options`` (the sample tenant by default) as a dict
    (``docs/tenant-fixture.md``)."""
    return _materialize(lazy_tenant(options))
