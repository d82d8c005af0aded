"""The small tenant the purge tests run against (format: docs/tenant-fixture.md).

Every OCM folder of a "full" mailbox holds a different number of items (``OCM_COUNTS``), so a
count in the wrong folder cannot go unnoticed; the user's own contacts, tasks and mail
(``OTHER_COUNTS``) and OCM-linked tasks must survive every purge.

- ``alice``: user mailbox, full; nobody holds FullAccess on it (the admin needs --grant-access).
- ``sales``: group mailbox, full, members alice; needs ``StartXrmSession`` before a purge.
- ``holly``: user mailbox on litigation hold, full; the admin holds FullAccess on it.
- ``dave``: user mailbox, full; the admin's FullAccess on it pre-exists (a standing grant).
- ``bob``: a user without FullAccess anywhere and with an empty mailbox.
- ``admin``: Global Administrator. ``INSPECTOR_APP`` (full_access_as_app) is what the tests
  use to look at mailboxes over the API.
"""

from __future__ import annotations

ADMIN = "admin@contoso.com"
ALICE = "alice@contoso.com"
BOB = "bob@contoso.com"
SALES = "sales@contoso.com"
HOLLY = "holly@contoso.com"
DAVE = "dave@contoso.com"
PASSWORDS = {
    ADMIN: "Admin-Pass-1",
    ALICE: "Alice-Pass-1",
    BOB: "Bob-Pass-1",
    HOLLY: "Holly-Pass-1",
    DAVE: "Dave-Pass-1",
}
INSPECTOR_APP = "5a6b7c8d-1111-4222-8333-944455556666"
INSPECTOR_SECRET = "purge-tests-inspector"

SHARED_GUID = "11111111-2222-3333-4444-555555555555"

TOP = "Root/Top of Information Store"
CONTACTS = f"{TOP}/Contacts"
OCM = "Outlook Customer Manager"
#: Display path of every OCM folder -> items it holds in a full mailbox.
OCM_COUNTS: dict[str, int] = {
    f"{TOP}/personmetadata/{OCM}": 9,
    "Root/XrmActivityStream": 5,
    f"Root/XrmActivityStream/{OCM}": 7,
    "Root/XrmInsights": 8,
    "Root/XrmDeletedItems": 10,
    f"Root/XrmDeletedItems/{OCM}": 11,
    "Root/xrmprojects/Templates": 3,
    "Root/xrmprojects/Deals": 4,
    f"Root/xrmprojects/Deals/{OCM}": 2,
    f"{CONTACTS}/Companies": 3,
    f"{CONTACTS}/Companies/{OCM}": 1,
    f"{CONTACTS}/{OCM}": 6,
}
#: The user's own data (and OCM tasks): never purged.
OTHER_COUNTS: dict[str, int] = {
    f"{TOP}/Inbox": 3,
    CONTACTS: 2,
    f"{TOP}/Tasks": 2 + 1,  # two OCM-linked tasks and the user's own
}
DELETIONS = "Root/Recoverable Items/Deletions"
PURGES = "Root/Recoverable Items/Purges"


def _shared(record: dict, shared: bool) -> dict:
    return {**record, "SourceMailboxGuid": SHARED_GUID} if shared else record


def full_mailbox(address: str, **settings: object) -> dict:
    """A mailbox with ``OCM_COUNTS`` items in its OCM folders and ``OTHER_COUNTS`` of its own."""
    contact_link = {
        "Relationships": [
            {
                "ItemType": "IPM.AbchPerson",
                "ItemLinkId": "aaaaaaaa-0000-4000-8000-000000000001",
                "LinkType": "TaskPertainsTo",
            }
        ]
    }
    return {
        "address": address,
        "kind": "user",
        "members": [],
        "fullAccess": [],
        "onHold": False,
        **settings,
        "templates": {
            "contact": {
                "FieldList": [{"Id": "f1", "Label": "Segment", "_Type": {"Label": "Text"}}]
            },
            "company": {"FieldList": []},
            "deal": {
                "FieldList": [],
                "StatusList": [
                    {"Id": "s1", "Label": "Open", "Stages": [{"Id": "st1", "Label": "Qualify"}]}
                ],
            },
        },
        "contacts": [
            {"DisplayName": f"Contact {n}", "GivenName": "Jana", "Surname": "Dvořáková"}
            for n in range(6)
        ],
        "organizations": [_shared({"DisplayName": f"Company {n}"}, n >= 3) for n in range(4)],
        "deals": [_shared({"Name": f"Deal {n}", "Amount": 100 * n}, n >= 4) for n in range(6)],
        "activities": [
            _shared({"ActionVerb": "Post" if n % 2 else "Call", "Text": f"Activity {n}"}, n >= 5)
            for n in range(12)
        ],
        "insights": [{"InsightType": "Reminder", "Title": f"Insight {n}"} for n in range(8)],
        "personMetadata": [{"DisplayName": f"Person {n}"} for n in range(9)],
        "deletedItems": [_shared({"DisplayName": f"Deleted {n}"}, n >= 10) for n in range(21)],
        "tasks": [{"Subject": f"OCM task {n}", "InlineLinks": contact_link} for n in range(2)],
        "otherItems": {
            "contacts": [{"DisplayName": "Mum"}, {"DisplayName": "Dentist"}],
            "tasks": [{"Subject": "Buy milk"}],
            "inbox": [{"Subject": f"Hello {n}"} for n in range(3)],
        },
    }


def tenant() -> dict:
    """A fresh copy of the tenant dict."""
    return {
        "tenant": "contoso",
        "users": [
            {"upn": ADMIN, "password": PASSWORDS[ADMIN], "roles": ["Global Administrator"]},
            *({"upn": upn, "password": PASSWORDS[upn]} for upn in (ALICE, BOB, HOLLY, DAVE)),
        ],
        "apps": [
            {
                "clientId": INSPECTOR_APP,
                "clientSecret": INSPECTOR_SECRET,
                "certificateThumbprint": None,
                "roles": ["full_access_as_app"],
            }
        ],
        "mailboxes": [
            full_mailbox(ALICE),
            full_mailbox(SALES, kind="group", members=[ALICE], xrmSessionRequired=True),
            full_mailbox(HOLLY, onHold=True, fullAccess=[ADMIN]),
            full_mailbox(DAVE, fullAccess=[ADMIN]),
            {"address": BOB, "kind": "user", "members": [], "fullAccess": [], "onHold": False},
        ],
    }


def many_mailboxes_tenant(count: int, *, admin_access: bool = True) -> dict:
    """``count`` tiny mailboxes ``box000@contoso.com``...: 2 OCM contacts and 1 own contact
    each; the admin holds FullAccess on all of them (``admin_access``) or on none."""
    base = tenant()
    base["mailboxes"] = [
        {
            "address": box_address(n),
            "kind": "user",
            "members": [],
            "fullAccess": [ADMIN] if admin_access else [],
            "onHold": False,
            "contacts": [{"DisplayName": f"C{n}a"}, {"DisplayName": f"C{n}b"}],
            "otherItems": {"contacts": [{"DisplayName": "Own"}]},
        }
        for n in range(count)
    ]
    return base


def box_address(n: int) -> str:
    return f"box{n:03d}@contoso.com"
