"""Contract: authentication and access rules (api.md "Authentication") and the admin API."""

from __future__ import annotations

import base64
import json

import pytest

from .contract import (
    ADMIN,
    ADMIN_APP,
    ALICE,
    BARE_APP,
    BOB,
    CAROL,
    EXO,
    FULL_APP,
    HOLLY,
    SALES,
    Api,
    error_of,
)


@pytest.mark.parametrize(
    ("who", "mailbox", "status", "code"),
    [
        (ALICE, ALICE, 200, None),  # own mailbox
        (ALICE, ALICE.upper(), 200, None),  # addresses match case-insensitively
        (ALICE, SALES, 200, None),  # a group she is a member of
        (CAROL, SALES, 200, None),
        (BOB, SALES, 403, "ErrorAccessDenied"),  # not a member
        (ALICE, BOB, 403, "ErrorAccessDenied"),
        (ADMIN, BOB, 200, None),  # FullAccess grant
        (ADMIN, HOLLY, 200, None),
        (ADMIN, ALICE, 403, "ErrorAccessDenied"),  # an admin role alone opens nothing
        (FULL_APP, ALICE, 200, None),  # full_access_as_app opens everything
        (FULL_APP, SALES, 200, None),
        (ADMIN_APP, ALICE, 403, "ErrorAccessDenied"),  # Exchange.ManageAsApp is for the admin API
        (BARE_APP, ALICE, 403, "ErrorAccessDenied"),
        (ALICE, "nobody@contoso.com", 404, "ErrorInvalidMailbox"),
        (FULL_APP, "nobody@contoso.com", 404, "ErrorInvalidMailbox"),
    ],
)
def test_access_rules(served: Api, who: str, mailbox: str, status: int, code: str | None) -> None:
    for path in ("XrmContacts", "MailFolders/contacts"):
        answer = served.get(f"/users/{mailbox}/{path}", who=who)
        if code is None:
            assert answer.status_code == status
        else:
            assert error_of(answer) == (status, code)


def test_access_rules_hold_for_writes_too(served: Api) -> None:
    assert error_of(
        served.post(
            f"/users/{BOB}/MailFolders/inbox/EmptyFolder", json={"DeleteType": "HardDelete"}
        )
    ) == (403, "ErrorAccessDenied")
    assert error_of(served.delete(f"/users/{BOB}/Items/anything")) == (403, "ErrorAccessDenied")
    assert error_of(served.post(f"/users/{BOB}/StartXrmSession")) == (403, "ErrorAccessDenied")


def test_me_needs_a_delegated_token(served: Api) -> None:
    assert error_of(served.get("/me/XrmContacts", who=FULL_APP)) == (400, "BadRequest")
    assert error_of(served.get("/me/XrmContacts", who=CAROL)) == (
        404,
        "ErrorInvalidMailbox",
    )  # no mailbox of her own


def _forged(token: str) -> str:
    """The token with its payload changed (another upn) and the old signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["upn"] = BOB
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Basic YWxpY2U6cGFzcw==", "Bearer not-a-jwt", "forged"],
)
def test_a_missing_or_bad_token_is_401(served: Api, authorization: str | None) -> None:
    if authorization == "forged":
        authorization = f"Bearer {_forged(served.token(ALICE))}"
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = served.get(f"/users/{ALICE}/XrmContacts", who=None, headers=headers)
    assert error_of(answer) == (401, "InvalidAuthenticationToken")


def test_an_expired_token_is_401_and_a_new_one_works(fresh: Api) -> None:
    fresh.handle.identity.token_lifetime = 0
    expired = fresh.new_token(ALICE)
    assert error_of(fresh.get("/me/XrmContacts", token=expired)) == (
        401,
        "InvalidAuthenticationToken",
    )
    fresh.handle.identity.token_lifetime = 3600
    assert fresh.get("/me/XrmContacts", token=fresh.new_token(ALICE)).status_code == 200


def test_tokens_are_checked_on_every_api_route(served: Api) -> None:
    for method, path in [
        ("GET", "/$batch"),
        ("POST", "/$batch"),
        ("POST", "/adminapi/InvokeCommand"),
        ("GET", f"/users/{ALICE}/MailFolders/inbox/Items"),
    ]:
        answer = served.call(method, path, who=None, json={})
        if method == "GET" and path == "/$batch":
            assert answer.status_code == 405
        else:
            assert error_of(answer) == (401, "InvalidAuthenticationToken")


# -- admin API -----------------------------------------------------------------------------------


def invoke(api: Api, cmdlet: str, who: str = ADMIN, **parameters: object):
    return api.post(
        "/adminapi/InvokeCommand",
        who=who,
        json={"CmdletInput": {"CmdletName": cmdlet, "Parameters": parameters}},
    )


def test_full_access_is_granted_listed_used_and_removed(fresh: Api) -> None:
    assert fresh.get(f"/users/{ALICE}/XrmContacts", who=ADMIN).status_code == 403
    added = invoke(
        fresh,
        "Add-MailboxPermission",
        Identity=ALICE,
        User=ADMIN,
        AccessRights=["FullAccess"],
        InheritanceType="All",
    )
    assert (added.status_code, added.json()) == (
        200,
        {
            "value": [
                {
                    "Identity": ALICE,
                    "User": ADMIN,
                    "AccessRights": ["FullAccess"],
                    "IsInherited": False,
                }
            ]
        },
    )
    assert fresh.get(f"/users/{ALICE}/XrmContacts", who=ADMIN).status_code == 200
    listed = invoke(fresh, "Get-MailboxPermission", Identity=ALICE)
    assert listed.json() == added.json()
    assert invoke(fresh, "Get-MailboxPermission", Identity=ALICE, User=ADMIN).json() == added.json()
    removed = invoke(
        fresh, "Remove-MailboxPermission", Identity=ALICE, User=ADMIN, AccessRights=["FullAccess"]
    )
    assert (removed.status_code, removed.json()) == (200, {"value": []})
    assert invoke(fresh, "Get-MailboxPermission", Identity=ALICE).json() == {"value": []}
    assert error_of(fresh.get(f"/users/{ALICE}/XrmContacts", who=ADMIN)) == (
        403,
        "ErrorAccessDenied",
    )


def test_granting_twice_keeps_one_grant(fresh: Api) -> None:
    for _ in range(2):
        invoke(
            fresh, "Add-MailboxPermission", Identity=BOB, User=ADMIN, AccessRights=["FullAccess"]
        )
    assert invoke(fresh, "Get-MailboxPermission", Identity=BOB).json()["value"] == [
        {"Identity": BOB, "User": ADMIN, "AccessRights": ["FullAccess"], "IsInherited": False}
    ]


@pytest.mark.parametrize(
    ("who", "status"), [(ADMIN, 200), (EXO, 200), (ADMIN_APP, 200), (ALICE, 403), (FULL_APP, 403)]
)
def test_the_admin_api_needs_an_exchange_admin(served: Api, who: str, status: int) -> None:
    answer = invoke(served, "Get-MailboxPermission", who=who, Identity=HOLLY)
    if status == 200:
        assert answer.status_code == 200
        assert [p["User"] for p in answer.json()["value"]] == [ADMIN]
    else:
        assert error_of(answer) == (403, "ErrorAccessDenied")


@pytest.mark.parametrize(
    ("cmdlet", "parameters", "expected"),
    [
        (
            "Add-MailboxPermission",
            {"Identity": "nobody@contoso.com", "User": ADMIN},
            (404, "ErrorInvalidMailbox"),
        ),
        (
            "Add-MailboxPermission",
            {"Identity": ALICE, "User": "nobody@contoso.com"},
            (400, "BadRequest"),
        ),
        (
            "Add-MailboxPermission",
            {"Identity": ALICE, "User": ADMIN, "AccessRights": ["ReadPermission"]},
            (400, "BadRequest"),
        ),
        ("Remove-MailboxPermission", {"Identity": ALICE}, (400, "BadRequest")),
        ("Set-Mailbox", {"Identity": ALICE}, (400, "BadRequest")),
    ],
)
def test_the_admin_api_refuses_bad_commands(
    served: Api, cmdlet: str, parameters: dict, expected: tuple
) -> None:
    assert error_of(invoke(served, cmdlet, **parameters)) == expected
