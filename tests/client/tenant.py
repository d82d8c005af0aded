"""The small tenant the client tests run against (format: docs/tenant-fixture.md).

alice's mailbox holds ``ACTIVITIES`` activities, every third a ``Post``, and ``CONTACTS``
contacts; bob's mailbox is empty. ``APP`` may open every mailbox; ``NO_ROLE_APP`` none.
"""

from __future__ import annotations

APP_ID = "6f1d2c3b-0a1b-4c5d-8e9f-101112131415"
APP_SECRET = "client-tests-secret"
NO_ROLE_APP_ID = "0b0c0d0e-1a2b-4c3d-9e8f-a1b2c3d4e5f6"
NO_ROLE_APP_SECRET = "no-role-secret"

ALICE = "alice@contoso.com"
BOB = "bob@contoso.com"
ACTIVITIES = 30
POSTS = 10  # activities 0, 3, 6, ... are posts
CONTACTS = 45


def _activity(n: int) -> dict:
    return {
        "ActionVerb": "Post" if n % 3 == 0 else "Call",
        "Text": f"activity {n}",
        "EventTime": f"2019-03-{1 + n % 28:02d}T10:00:00Z",
        "LastModifiedDateTime": f"2019-04-{1 + n % 28:02d}T{n % 24:02d}:00:00Z",
    }


def _contact(n: int) -> dict:
    return {"DisplayName": f"Contact {n:02d}", "GivenName": "Contact", "Surname": f"{n:02d}"}


def tenant() -> dict:
    """A fresh copy of the tenant dict."""
    return {
        "tenant": "contoso",
        "users": [
            {
                "upn": "admin@contoso.com",
                "password": "Admin-Pass-1",
                "roles": ["Global Administrator"],
            },
            {"upn": ALICE, "password": "Alice-Pass-1"},
            {"upn": BOB, "password": "Bob-Pass-1"},
        ],
        "apps": [
            {
                "clientId": APP_ID,
                "clientSecret": APP_SECRET,
                "certificateThumbprint": None,
                "roles": ["full_access_as_app"],
            },
            {
                "clientId": NO_ROLE_APP_ID,
                "clientSecret": NO_ROLE_APP_SECRET,
                "certificateThumbprint": None,
                "roles": [],
            },
        ],
        "mailboxes": [
            {
                "address": ALICE,
                "kind": "user",
                "members": [],
                "fullAccess": [],
                "onHold": False,
                "contacts": [_contact(n) for n in range(CONTACTS)],
                "activities": [_activity(n) for n in range(ACTIVITIES)],
            },
            {"address": BOB, "kind": "user", "members": [], "fullAccess": [], "onHold": False},
        ],
    }
