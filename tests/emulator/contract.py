"""The contract tests' tenant and HTTPS helper (``conftest.py`` has the fixtures; see its docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from ocm_tool.emulator.server import EmulatorHandle

ALICE = "alice@contoso.com"
BOB = "bob@contoso.com"
CAROL = "carol@contoso.com"
HOLLY = "holly@contoso.com"
ADMIN = "admin@contoso.com"
EXO = "exo@contoso.com"
SALES = "sales@contoso.com"
PASSWORD = "Pass-word-1"
PUBLIC_CLIENT = "d3590ed6-52b3-4102-aeff-aad2292ab01c"
FULL_APP = "11111111-1111-4111-8111-111111111111"
ADMIN_APP = "22222222-2222-4222-8222-222222222222"
BARE_APP = "33333333-3333-4333-8333-333333333333"
APP_SECRET = "app-secret"
SCOPE = "https://outlook.office365.com/.default"
OCM_SET = "{1a417774-4779-47c1-9851-e42057495fca}"
GROUP_GUID = "7c3b1a2e-5d4f-4e6a-9b8c-0d1e2f3a4b5c"
ZERO_GUID = "00000000-0000-0000-0000-000000000000"

ACTIVITIES = 30  # every third (0, 3, 6, ...) is a Post
POSTS = 10
ALICE_CONTACTS = 6
LONG_NOTE = "".join(chr(ord("a") + i % 26) for i in range(300))
SIZE_PROPERTY = f"Double {OCM_SET} Name size"
TIER_PROPERTY = f"String {OCM_SET} Name tier"


def _time(n: int) -> str:
    """The n-th LastModifiedDateTime of a list: distinct, increasing, plain UTC."""
    return f"2020-01-01T00:{n // 60:02d}:{n % 60:02d}Z"


def _contacts() -> list[dict]:
    contacts: list[dict[str, Any]] = [
        {
            "DisplayName": f"Contact {n}",
            "GivenName": "Contact",
            "Surname": str(n),
            "LastModifiedDateTime": _time(n),
        }
        for n in range(ALICE_CONTACTS)
    ]
    contacts[1].update(
        Notes=LONG_NOTE,
        SingleValueExtendedProperties=[
            {"PropertyId": SIZE_PROPERTY, "Value": "42"},
            {"PropertyId": TIER_PROPERTY, "Value": "gold"},
        ],
    )
    contacts[2].update(
        SourceMailboxGuid=GROUP_GUID,
        Notes="short note",
        EmailAddresses=[{"Address": "c2@example.com", "Name": "C2"}],
    )
    return contacts


def _activity(n: int) -> dict:
    return {
        "ActionVerb": "Post" if n % 3 == 0 else ("Call" if n % 3 == 1 else "Email"),
        "Text": f"activity {n}",
        "LastModifiedDateTime": _time(ACTIVITIES - n),  # listed newest fixture entry first
        "SourceMailboxGuid": GROUP_GUID if n % 5 == 0 else None,
        "InlineLinks": {
            "Relationships": [
                {"ItemType": "IPM.AbchPerson", "ItemLinkId": "x", "LinkType": "ActivityPertainsTo"}
            ]
        },
    }


def _link(kind: str = "IPM.AbchPerson") -> dict:
    return {
        "Relationships": [{"ItemType": kind, "ItemLinkId": "0f9a", "LinkType": "TaskPertainsTo"}]
    }


def contract_tenant() -> dict:
    """A fresh copy of the contract tests' tenant."""
    return {
        "tenant": "contoso",
        "users": [{"upn": upn, "password": PASSWORD} for upn in (ALICE, BOB, CAROL, HOLLY)]
        + [
            {"upn": ADMIN, "password": PASSWORD, "roles": ["Global Administrator"]},
            {"upn": EXO, "password": PASSWORD, "roles": ["Exchange Administrator"]},
        ],
        "apps": [
            {"clientId": FULL_APP, "clientSecret": APP_SECRET, "roles": ["full_access_as_app"]},
            {"clientId": ADMIN_APP, "clientSecret": APP_SECRET, "roles": ["Exchange.ManageAsApp"]},
            {"clientId": BARE_APP, "clientSecret": APP_SECRET, "roles": []},
        ],
        "mailboxes": [
            {
                "address": ALICE,
                "kind": "user",
                "members": [],
                "fullAccess": [],
                "onHold": False,
                "templates": {
                    "contact": {
                        "FieldList": [
                            {"Id": "size", "Label": "Size", "_Type": {"Label": "Numeric"}}
                        ],
                        "StatusList": [],
                    },
                    "company": {"FieldList": [], "StatusList": []},
                    "deal": {
                        "FieldList": [],
                        "StatusList": [
                            {
                                "Id": "s1",
                                "Label": "Open",
                                "Stages": [{"Id": "st1", "Label": "Qualify"}],
                            }
                        ],
                    },
                },
                "contacts": _contacts(),
                "organizations": [
                    {"DisplayName": "Private Co", "LastModifiedDateTime": _time(1)},
                    {
                        "DisplayName": "Shared Co",
                        "SourceMailboxGuid": GROUP_GUID,
                        "LastModifiedDateTime": _time(2),
                    },
                    {
                        "DisplayName": "Zero Co",
                        "SourceMailboxGuid": ZERO_GUID,
                        "LastModifiedDateTime": _time(3),
                    },
                ],
                "deals": [
                    {
                        "Name": "Private deal",
                        "Amount": 12500,
                        "Currency": "EUR",
                        "LastModifiedDateTime": _time(1),
                    },
                    {
                        "Name": "Shared deal",
                        "SourceMailboxGuid": GROUP_GUID,
                        "LastModifiedDateTime": _time(2),
                    },
                ],
                "activities": [_activity(n) for n in range(ACTIVITIES)],
                "insights": [
                    {"InsightType": "Birthday", "Title": "Soon", "LastModifiedDateTime": _time(1)}
                ],
                "tasks": [
                    {
                        "Subject": "Call Contact 0",
                        "InlineLinks": _link(),
                        "LastModifiedDateTime": _time(1),
                    },
                    {
                        "Subject": "Send offer",
                        "InlineLinks": _link("IPM.XrmProject.Deal"),
                        "LastModifiedDateTime": _time(2),
                    },
                ],
                "personMetadata": [{"Subject": "meta 1"}, {"Subject": "meta 2"}],
                "deletedItems": [
                    {"Subject": "gone 1"},
                    {"Subject": "gone 2", "SourceMailboxGuid": GROUP_GUID},
                ],
                "otherItems": {
                    "contacts": [{"DisplayName": "Mum"}],
                    "tasks": [{"Subject": "Dentist"}],
                    "inbox": [{"Subject": "Hello"}, {"Subject": "Lunch?"}],
                },
            },
            {
                "address": BOB,
                "kind": "user",
                "fullAccess": [ADMIN],
                "contacts": [{"DisplayName": "Bob's 1"}, {"DisplayName": "Bob's 2"}],
            },
            {
                "address": SALES,
                "kind": "group",
                "members": [ALICE, CAROL],
                "xrmSessionRequired": True,
                "guid": GROUP_GUID,
                "contacts": [{"DisplayName": "Group contact", "SourceMailboxGuid": GROUP_GUID}],
                "deals": [{"Name": "Group deal", "SourceMailboxGuid": GROUP_GUID}],
            },
            {
                "address": HOLLY,
                "kind": "user",
                "onHold": True,
                "fullAccess": [ADMIN],
                "contacts": [
                    {"DisplayName": f"Held {n}", "LastModifiedDateTime": _time(n)} for n in range(3)
                ],
                "deals": [{"Name": "Held deal"}],
            },
        ],
    }


@dataclass
class Api:
    """``requests`` against one emulator, as a given user or app, with real tokens."""

    handle: EmulatorHandle
    _tokens: dict[str, str] = field(default_factory=dict)

    def token(self, who: str) -> str:
        """An access token for a UPN (password grant) or an app's client id (client credentials)."""
        if who not in self._tokens:
            self._tokens[who] = self.new_token(who)
        return self._tokens[who]

    def new_token(self, who: str) -> str:
        if "@" in who:
            form = {
                "grant_type": "password",
                "client_id": PUBLIC_CLIENT,
                "username": who,
                "password": PASSWORD,
                "scope": f"{SCOPE} openid profile offline_access",
            }
        else:
            form = {
                "grant_type": "client_credentials",
                "client_id": who,
                "client_secret": APP_SECRET,
                "scope": SCOPE,
            }
        answer = requests.post(
            f"{self.handle.authority}/oauth2/v2.0/token",
            data=form,
            verify=str(self.handle.ca_bundle),
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]

    def call(
        self,
        method: str,
        path: str,
        *,
        who: str | None = ALICE,
        token: str | None = None,
        headers: dict | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """``path`` below the API base (or an absolute URL, e.g. a nextLink); ``who=None``: no token."""
        url = path if path.startswith("https://") else self.handle.api + path
        sent = dict(headers or {})
        if token is None and who is not None:
            token = self.token(who)
        if token is not None:
            sent.setdefault("Authorization", f"Bearer {token}")
        return requests.request(
            method, url, headers=sent, verify=str(self.handle.ca_bundle), timeout=30, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("DELETE", path, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> dict:
        answer = self.call(method, path, **kwargs)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def pages(self, path: str, **kwargs: Any) -> list[dict]:
        """Every page of a list, following ``@odata.nextLink`` verbatim (headers kept)."""
        pages = [self.ok("GET", path, **kwargs)]
        kwargs.pop("params", None)
        while "@odata.nextLink" in pages[-1]:
            pages.append(self.ok("GET", pages[-1]["@odata.nextLink"], **kwargs))
        return pages

    def items(self, path: str, **kwargs: Any) -> list[dict]:
        return [item for page in self.pages(path, **kwargs) for item in page["value"]]

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(
            method,
            f"{self.handle.base}/_emulator{path}",
            verify=str(self.handle.ca_bundle),
            timeout=30,
            **kwargs,
        )


def error_of(answer: requests.Response) -> tuple[int, str]:
    """``(status, error code)`` of an error answer, checking the body's shape and request id."""
    body = answer.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "innerError"}
    assert body["error"]["innerError"]["request-id"] == answer.headers["request-id"]
    return answer.status_code, body["error"]["code"]
