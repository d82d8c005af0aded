"""Contract: the error body, request ids and unknown routes (api.md "Errors")."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from .contract import ALICE, Api, error_of


def test_every_answer_has_a_request_id_and_echoes_client_request_id(served: Api) -> None:
    ok = served.get("/me/XrmContacts", headers={"client-request-id": "c-1"})
    failed = served.get(
        "/users/nobody@contoso.com/XrmContacts", headers={"client-request-id": "c-2"}
    )
    assert (ok.headers["client-request-id"], failed.headers["client-request-id"]) == ("c-1", "c-2")
    ids = {
        ok.headers["request-id"],
        failed.headers["request-id"],
        served.get("/me/XrmContacts").headers["request-id"],
    }
    assert len(ids) == 3 and all(uuid.UUID(i) for i in ids)
    assert "client-request-id" not in served.get("/me/XrmContacts").headers


def test_the_error_body_has_code_message_and_inner_error(served: Api) -> None:
    answer = served.get("/users/nobody@contoso.com/XrmContacts")
    body = answer.json()["error"]
    assert (answer.status_code, body["code"]) == (404, "ErrorInvalidMailbox")
    assert "nobody@contoso.com" in body["message"]
    assert body["innerError"]["request-id"] == answer.headers["request-id"]
    datetime.fromisoformat(body["innerError"]["date"])
    assert answer.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/me/NoSuchCollection", 400),
        ("GET", "/nothing/here", 400),
        ("GET", f"/users/{ALICE}", 400),
        ("PUT", "/me/XrmContacts", 405),
        ("DELETE", "/me/MailFolders/inbox", 405),
    ],
)
def test_unknown_routes_and_methods_answer_the_error_body(
    served: Api, method: str, path: str, status: int
) -> None:
    assert error_of(served.call(method, path)) == (status, "BadRequest")


def test_paths_outside_the_api_answer_the_error_body_too(served: Api) -> None:
    answer = served.call("GET", f"{served.handle.base}/no/such/page", who=None)
    assert error_of(answer) == (400, "BadRequest")


def test_an_internal_failure_is_500_with_the_body(new_server: Api) -> None:
    new_server.token(ALICE)
    new_server.handle.store.close()  # every store call now fails
    assert error_of(new_server.get("/me/XrmContacts")) == (500, "InternalServerError")


def test_a_body_that_is_not_json_is_a_bad_request(served: Api) -> None:
    answer = served.post(
        "/me/MailFolders/inbox/EmptyFolder",
        data=b"DeleteType=HardDelete",
        headers={"Content-Type": "application/json"},
    )
    assert error_of(answer) == (400, "BadRequest")
