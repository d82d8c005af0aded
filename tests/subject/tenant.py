"""The tenant the subject tests run against (format: docs/tenant-fixture.md).

The subject is Jana Dvořáková <jana.dvorakova@example.cz>. Every record says in its name
whether it is hers (``hers``), shared with Petr Novák (``shared``) or someone else's
(``other``), so that an expected set is read off the data, not worked out again.

- ``alice`` (user, the operator): Jana's contact by her 3rd e-mail address in capitals, two
  more of her by name only (no accents, and surname first), Petr Novák, and near misses (a
  Jana Dvořák, ``xjana.dvorakova@...``, ``jana.dvorakova@example.cz.evil``); companies, deals,
  tasks, posts, activities and insights that are hers by a link (either side), by mentioning
  her address, or shared with Petr; and an orphan: activities about Karel Svoboda, whose
  contact was deleted (links to a contact that no longer exists).
- ``sales`` (group, alice a member, needs ``StartXrmSession``): Jana's contact by her 1st
  address, a deal and an activity of hers, someone else's deal.
- ``holly`` (user on hold, alice holds FullAccess): Jana's contact and an activity of hers.
- ``bob`` (user, nobody else may open it): Jana's contact too, never in the scope: it must
  never change.
"""

from __future__ import annotations

from typing import Any

ALICE = "alice@contoso.com"
SALES = "sales@contoso.com"
HOLLY = "holly@contoso.com"
BOB = "bob@contoso.com"
PASSWORDS = {ALICE: "Alice-Subject-1", BOB: "Bob-Subject-1"}
SHARED_GUID = "22222222-3333-4444-5555-666666666666"

EMAIL = "jana.dvorakova@example.cz"
NAME = "Jana Dvořáková"
ORPHAN_EMAIL = "karel.svoboda@example.cz"
ORPHAN_NAME = "Karel Svoboda"

JANA = "c0000000-0000-4000-8000-00000000000a"  # her contact in alice's mailbox
JANA_BY_NAME = "c0000000-0000-4000-8000-00000000000b"
JANA_SURNAME_FIRST = "c0000000-0000-4000-8000-00000000000c"
PETR = "c0000000-0000-4000-8000-00000000000d"
JANA_DVORAK = "c0000000-0000-4000-8000-00000000000e"
XJANA = "c0000000-0000-4000-8000-00000000000f"
EVIL = "c0000000-0000-4000-8000-000000000010"
KAREL_DELETED = "c0000000-0000-4000-8000-0000000000ff"  # no such contact any more
SALES_JANA = "c5000000-0000-4000-8000-00000000000a"
SALES_OTHER = "c5000000-0000-4000-8000-00000000000b"
HOLLY_JANA = "c6000000-0000-4000-8000-00000000000a"


def _link(item_type: str, target: str, link_type: str = "Association") -> dict[str, str]:
    return {"ItemType": item_type, "ItemLinkId": target, "LinkType": link_type}


def _contact_link(target: str, link_type: str = "ActivityPertainsTo") -> dict[str, str]:
    return _link("IPM.AbchPerson", target, link_type)


def _links(*relationships: dict[str, str]) -> dict[str, Any]:
    return {"Relationships": list(relationships)}


def _emails(*addresses: str) -> list[dict[str, str]]:
    return [{"Address": a, "Name": a, "OriginalDisplayName": a} for a in addresses]


TEMPLATES = {
    "contact": {
        "FieldList": [{"Id": "cf-note", "Label": "Remark", "_Type": {"Label": "Text"}}],
        "StatusList": [],
    },
    "company": {"FieldList": [], "StatusList": []},
    "deal": {
        "FieldList": [],
        "StatusList": [
            {"Id": "s1", "Label": "Open", "Stages": [{"Id": "st1", "Label": "Qualify"}]}
        ],
    },
}


def _stamp(n: int) -> str:
    return f"2020-02-{1 + n // 24:02d}T{n % 24:02d}:00:00Z"


def _numbered(records: list[dict[str, Any]], prefix: str, start: int) -> list[dict[str, Any]]:
    """Ids and distinct modification times (an order the tests can rely on)."""
    return [
        {"Id": f"AAMk-{prefix}-{n:03d}", "LastModifiedDateTime": _stamp(start + n), **record}
        for n, record in enumerate(records)
    ]


def alice_mailbox() -> dict[str, Any]:
    contacts: list[dict[str, Any]] = [
        {
            "XrmId": JANA,
            "DisplayName": "Jana Dvořáková (hers: e-mail 3)",
            "GivenName": "Jana",
            "Surname": "Dvořáková",
            "EmailAddresses": _emails("j.d@firma.cz", "jana@home.cz", "JANA.DVORAKOVA@EXAMPLE.CZ"),
            "Notes": "Prefers calls in the morning. " * 20,  # cut in lists: fetched whole
            "InlineLinks": _links(
                _link("IPM.Contact.Company", "a0000000-0000-4000-8000-000000000004"),
                _link("IPM.XrmProject.Deal", "d0000000-0000-4000-8000-000000000005"),
            ),
            "SingleValueExtendedProperties": [
                {
                    "PropertyId": "String {1a417774-4779-47c1-9851-e42057495fca} Name cf-note",
                    "Value": "met at the fair",
                }
            ],
        },
        {"XrmId": JANA_BY_NAME, "DisplayName": "JANA DVORAKOVA", "GivenName": "JANA"},
        {
            "XrmId": JANA_SURNAME_FIRST,
            "DisplayName": "Dvořáková, J.",
            "GivenName": "Jana",
            "Surname": "Dvořáková",
            "EmailAddresses": _emails("jd@elsewhere.cz"),
        },
        {
            "XrmId": PETR,
            "DisplayName": "Petr Novák (other)",
            "GivenName": "Petr",
            "Surname": "Novák",
            "EmailAddresses": _emails("petr.novak@example.cz"),
            "Notes": "Colleague of jana.dvorakova@example.cz",  # a contact is judged by its own data
            "InlineLinks": _links(
                _link("IPM.Contact.Company", "a0000000-0000-4000-8000-000000000002")
            ),
        },
        {
            "XrmId": JANA_DVORAK,
            "DisplayName": "Jana Dvořák (other)",
            "GivenName": "Jana",
            "Surname": "Dvořák",
        },
        {
            "XrmId": XJANA,
            "DisplayName": "X (other)",
            "EmailAddresses": _emails("xjana.dvorakova@example.cz"),
        },
        {
            "XrmId": EVIL,
            "DisplayName": "Y (other)",
            "EmailAddresses": _emails("jana.dvorakova@example.cz.evil"),
        },
    ]
    organizations: list[dict[str, Any]] = [
        {
            "XrmId": "a0000000-0000-4000-8000-000000000001",
            "DisplayName": "Dvořák s.r.o. (hers: linked)",
            "InlineLinks": _links(_contact_link(JANA, "Association")),
        },
        {
            "XrmId": "a0000000-0000-4000-8000-000000000002",
            "DisplayName": "Acme (shared: Petr links to it)",
            "InlineLinks": _links(_contact_link(JANA, "Association")),
        },
        {
            "XrmId": "a0000000-0000-4000-8000-000000000003",
            "DisplayName": "Contoso Ltd (other)",
            "InlineLinks": _links(_contact_link(PETR, "Association")),
        },
        {
            "XrmId": "a0000000-0000-4000-8000-000000000004",
            "DisplayName": "Firma a.s. (hers: her contact links to it)",
        },
        {
            "XrmId": "a0000000-0000-4000-8000-000000000006",
            "DisplayName": "Mail Corp (hers: mentions her address)",
            "EmailAddresses": _emails("info@mail.cz", "Jana.Dvorakova@example.cz"),
        },
    ]
    deals: list[dict[str, Any]] = [
        {
            "XrmId": "d0000000-0000-4000-8000-000000000001",
            "Name": "Licence (hers: linked)",
            "Amount": 1000,
            "Currency": "CZK",
            "Stage": "st1",
            "InlineLinks": _links(_contact_link(JANA, "Association")),
        },
        {
            "XrmId": "d0000000-0000-4000-8000-000000000002",
            "Name": "Framework (shared: with Petr)",
            "Amount": 5000,
            "InlineLinks": _links(
                _contact_link(JANA, "Association"), _contact_link(PETR, "Association")
            ),
        },
        {
            "XrmId": "d0000000-0000-4000-8000-000000000003",
            "Name": "Offer (hers: mentions her address)",
            "Notes": "Send the offer to <jana.dvorakova@example.cz> by Friday.",
        },
        {
            "XrmId": "d0000000-0000-4000-8000-000000000004",
            "Name": "Renewal (other)",
            "Notes": "nothing",
        },
        {
            "XrmId": "d0000000-0000-4000-8000-000000000005",
            "Name": "Upsell (hers: her contact links to it)",
        },
    ]
    tasks: list[dict[str, Any]] = [
        {
            "XrmId": "e0000000-0000-4000-8000-000000000001",
            "Subject": "Call back (hers: linked)",
            "InlineLinks": _links(_contact_link(JANA, "TaskPertainsTo")),
        },
        {
            "XrmId": "e0000000-0000-4000-8000-000000000002",
            "Subject": "Visit (other)",
            "InlineLinks": _links(_contact_link(PETR, "TaskPertainsTo")),
        },
        {
            "XrmId": "e0000000-0000-4000-8000-000000000003",
            "Subject": "Call Karel Svoboda (orphan)",
            "InlineLinks": _links(_contact_link(KAREL_DELETED, "TaskPertainsTo")),
        },
    ]
    activities: list[dict[str, Any]] = [
        {
            "XrmId": "f0000000-0000-4000-8000-000000000001",
            "ActionVerb": "Post",
            "Text": "Met Jana (hers: linked post)",
            "InlineLinks": _links(_contact_link(JANA)),
        },
        {
            "XrmId": "f0000000-0000-4000-8000-000000000002",
            "ActionVerb": "Call",
            "Text": "Call (hers: linked)",
            "InlineLinks": _links(_contact_link(JANA)),
        },
        {
            "XrmId": "f0000000-0000-4000-8000-000000000003",
            "ActionVerb": "Email",
            "Text": "Mail from Jana.Dvorakova@Example.cz (hers: mentions her address)",
        },
        {
            "XrmId": "f0000000-0000-4000-8000-000000000004",
            "ActionVerb": "Call",
            "Text": "Call (other)",
            "InlineLinks": _links(_contact_link(PETR)),
        },
        {
            "XrmId": "f0000000-0000-4000-8000-000000000005",
            "ActionVerb": "Email",
            "Text": "Offer sent to karel.svoboda@example.cz (orphan)",
            "InlineLinks": _links(_contact_link(KAREL_DELETED)),
        },
        {
            "XrmId": "f0000000-0000-4000-8000-000000000006",
            "ActionVerb": "Post",
            "Text": "Karel Svoboda called about the invoice (orphan)",
            "InlineLinks": _links(_contact_link(KAREL_DELETED)),
        },
    ]
    insights: list[dict[str, Any]] = [
        {
            "XrmId": "b0000000-0000-4000-8000-000000000001",
            "InsightType": "FollowUpReminder",
            "Title": "Follow up (hers: linked)",
            "InlineLinks": _links(_contact_link(JANA)),
        },
        {
            "XrmId": "b0000000-0000-4000-8000-000000000002",
            "InsightType": "NoRecentActivity",
            "Title": "No news (other)",
            "Text": "nothing heard from xjana.dvorakova@example.cz",
        },
    ]
    return {
        "address": ALICE,
        "kind": "user",
        "members": [],
        "fullAccess": [],
        "onHold": False,
        "templates": TEMPLATES,
        "contacts": _numbered(contacts, "alice-contact", 0),
        "organizations": _numbered(organizations, "alice-company", 10),
        "deals": _numbered(deals, "alice-deal", 20),
        "tasks": _numbered(tasks, "alice-task", 30),
        "activities": _numbered(activities, "alice-activity", 40),
        "insights": _numbered(insights, "alice-insight", 50),
        "personMetadata": [{"DisplayName": "Person metadata (not a collection)"}],
        "otherItems": {
            "contacts": [{"DisplayName": "Jana Dvořáková (alice's own contact, not OCM)"}],
            "tasks": [{"Subject": "Buy milk"}],
            "inbox": [{"Subject": "Mail from jana.dvorakova@example.cz (not OCM)"}],
        },
    }


def _shared(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "SourceMailboxGuid": SHARED_GUID}


def sales_mailbox() -> dict[str, Any]:
    return {
        "address": SALES,
        "kind": "group",
        "guid": SHARED_GUID,
        "members": [ALICE],
        "fullAccess": [],
        "onHold": False,
        "xrmSessionRequired": True,
        "templates": TEMPLATES,
        "contacts": _numbered(
            [
                {
                    "XrmId": SALES_JANA,
                    "DisplayName": "Jana Dvořáková (hers: e-mail 1)",
                    "EmailAddresses": _emails(EMAIL),
                },
                {"XrmId": SALES_OTHER, "DisplayName": "Eva Malá (other)"},
            ],
            "sales-contact",
            0,
        ),
        "deals": _numbered(
            [
                _shared(
                    {
                        "XrmId": "d5000000-0000-4000-8000-000000000001",
                        "Name": "Group deal (hers: linked)",
                        "InlineLinks": _links(_contact_link(SALES_JANA, "Association")),
                    }
                ),
                _shared(
                    {
                        "XrmId": "d5000000-0000-4000-8000-000000000002",
                        "Name": "Group deal (other)",
                        "InlineLinks": _links(_contact_link(SALES_OTHER, "Association")),
                    }
                ),
            ],
            "sales-deal",
            20,
        ),
        "activities": _numbered(
            [
                _shared(
                    {
                        "XrmId": "f5000000-0000-4000-8000-000000000001",
                        "ActionVerb": "Meeting",
                        "Text": "Meeting (hers: linked)",
                        "InlineLinks": _links(_contact_link(SALES_JANA)),
                    }
                )
            ],
            "sales-activity",
            40,
        ),
    }


def holly_mailbox() -> dict[str, Any]:
    return {
        "address": HOLLY,
        "kind": "user",
        "members": [],
        "fullAccess": [ALICE],
        "onHold": True,
        "templates": TEMPLATES,
        "contacts": _numbered(
            [
                {
                    "XrmId": HOLLY_JANA,
                    "DisplayName": "Jana Dvořáková (hers: e-mail 2)",
                    "EmailAddresses": _emails("jd@x.cz", EMAIL),
                }
            ],
            "holly-contact",
            0,
        ),
        "activities": _numbered(
            [
                {
                    "XrmId": "f6000000-0000-4000-8000-000000000001",
                    "ActionVerb": "Call",
                    "Text": "Call (hers: linked)",
                    "InlineLinks": _links(_contact_link(HOLLY_JANA)),
                },
                {
                    "XrmId": "f6000000-0000-4000-8000-000000000002",
                    "ActionVerb": "Call",
                    "Text": "Call (other)",
                },
            ],
            "holly-activity",
            40,
        ),
    }


def tenant() -> dict[str, Any]:
    """A fresh copy of the tenant."""
    return {
        "tenant": "contoso",
        "users": [{"upn": upn, "password": password} for upn, password in PASSWORDS.items()],
        "apps": [],
        "mailboxes": [
            alice_mailbox(),
            sales_mailbox(),
            holly_mailbox(),
            {
                "address": BOB,
                "kind": "user",
                "members": [],
                "fullAccess": [],
                "onHold": False,
                "contacts": [
                    {"DisplayName": "Jana Dvořáková (bob's)", "EmailAddresses": _emails(EMAIL)}
                ],
            },
        ],
    }


def hers(label: str) -> bool:
    """Whether a record's name says it is the subject's (shared ones too)."""
    return "(hers" in label or "(shared" in label
