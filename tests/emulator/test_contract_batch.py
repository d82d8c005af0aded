"""Contract: JSON batching (api.md "JSON batching")."""

from __future__ import annotations

import uuid

import pytest

from .contract import ACTIVITIES, ALICE, BOB, FULL_APP, SALES, Api, error_of


def batch(api: Api, requests: list[dict], **kwargs: object):
    return api.post("/$batch", json={"requests": requests}, **kwargs)


def by_id(answer) -> dict[str, dict]:
    assert answer.status_code == 200, answer.text
    return {r["id"]: r for r in answer.json()["responses"]}


def test_inner_requests_answer_each_with_its_own_status_headers_and_body(served: Api) -> None:
    outer = batch(
        served,
        [
            {
                "id": "page",
                "method": "GET",
                "url": f"/users/{ALICE}/XrmActivityStreams?$top=4&$count=true",
            },
            {"id": "denied", "method": "GET", "url": f"/users/{BOB}/XrmContacts"},
            {"id": "missing", "method": "DELETE", "url": f"/users/{ALICE}/Items/no-such-item"},
            {
                "id": "folder",
                "method": "GET",
                "url": "/me/MailFolders/inbox",
                "headers": {"client-request-id": "inner-1"},
            },
        ],
        headers={"client-request-id": "outer-1"},
    )
    answers = by_id(outer)
    assert set(answers) == {"page", "denied", "missing", "folder"}
    page = answers["page"]
    assert (page["status"], len(page["body"]["value"]), page["body"]["@odata.count"]) == (
        200,
        4,
        ACTIVITIES,
    )
    rest = served.items(page["body"]["@odata.nextLink"])  # inner nextLinks work outside a batch
    assert len(rest) == ACTIVITIES - 4
    assert (answers["denied"]["status"], answers["denied"]["body"]["error"]["code"]) == (
        403,
        "ErrorAccessDenied",
    )
    assert (answers["missing"]["status"], answers["missing"]["body"]["error"]["code"]) == (
        404,
        "ErrorItemNotFound",
    )
    assert answers["folder"]["body"]["DisplayName"] == "Inbox"
    assert answers["folder"]["headers"]["client-request-id"] == "inner-1"
    request_ids = {a["headers"]["request-id"] for a in answers.values()} | {
        outer.headers["request-id"]
    }
    assert len(request_ids) == 5 and all(uuid.UUID(r) for r in request_ids)
    assert outer.headers["client-request-id"] == "outer-1"
    assert (
        answers["denied"]["body"]["error"]["innerError"]["request-id"]
        == answers["denied"]["headers"]["request-id"]
    )


def test_inner_writes_with_bodies(fresh: Api) -> None:
    item = fresh.items(f"/users/{ALICE}/MailFolders/inbox/Items")[0]["Id"]
    answers = by_id(
        batch(
            fresh,
            [
                {
                    "id": "1",
                    "method": "POST",
                    "url": "/me/MailFolders/tasks/EmptyFolder",
                    "headers": {"Content-Type": "application/json"},
                    "body": {"DeleteType": "SoftDelete", "DeleteSubFolders": False},
                },
                {"id": "2", "method": "DELETE", "url": f"/users/{ALICE}/Items/{item}"},
                {"id": "3", "method": "POST", "url": f"/users/{SALES}/StartXrmSession"},
            ],
        )
    )
    assert (answers["1"]["status"], answers["1"]["body"]) == (
        200,
        {"DeletedItemCount": 3, "RetainedByHoldCount": 0},
    )
    assert (answers["2"]["status"], answers["2"]["body"]) == (204, None)
    assert answers["3"]["status"] == 200
    assert fresh.ok("GET", "/me/MailFolders/inbox")["TotalItemCount"] == 1


def test_inner_requests_use_the_batch_token_unless_they_bring_their_own(served: Api) -> None:
    url = f"/users/{BOB}/XrmContacts"
    answers = by_id(
        batch(
            served,
            [
                {"id": "own", "method": "GET", "url": url},
                {
                    "id": "app",
                    "method": "GET",
                    "url": url,
                    "headers": {"Authorization": f"Bearer {served.token(FULL_APP)}"},
                },
            ],
        )
    )
    assert (answers["own"]["status"], answers["app"]["status"]) == (403, 200)


def test_twenty_requests_are_allowed_and_twenty_one_refused(served: Api) -> None:
    inner = [{"id": str(n), "method": "GET", "url": "/me/MailFolders/inbox"} for n in range(21)]
    assert {r["status"] for r in by_id(batch(served, inner[:20])).values()} == {200}
    assert error_of(batch(served, inner)) == (400, "BadRequest")


@pytest.mark.parametrize(
    "requests",
    [
        [],
        [{"method": "GET", "url": "/me/XrmContacts"}],
        [
            {"id": "1", "method": "GET", "url": "/me/XrmContacts"},
            {"id": "1", "method": "GET", "url": "/me/XrmDeals"},
        ],
        "not a list",
    ],
)
def test_malformed_batches_are_refused(served: Api, requests: object) -> None:
    assert error_of(served.post("/$batch", json={"requests": requests})) == (400, "BadRequest")


def test_inner_requests_that_cannot_be_dispatched_answer_400(served: Api) -> None:
    answers = by_id(
        batch(
            served,
            [
                {"id": "nested", "method": "POST", "url": "/$batch", "body": {"requests": []}},
                {"id": "verb", "method": "PATCH", "url": "/me/XrmContacts"},
                {"id": "route", "method": "GET", "url": "/me/NoSuchThing"},
            ],
        )
    )
    assert {k: (v["status"], v["body"]["error"]["code"]) for k, v in answers.items()} == {
        "nested": (400, "BadRequest"),
        "verb": (400, "BadRequest"),
        "route": (400, "BadRequest"),
    }


def test_inner_throttling_carries_its_own_retry_after(fresh: Api) -> None:
    fresh.handle.set_faults(throttle_rate=1.0, retry_after=7, paths=["XrmContacts"])
    answers = by_id(
        batch(
            fresh,
            [
                {"id": "a", "method": "GET", "url": "/me/XrmContacts"},
                {"id": "b", "method": "GET", "url": "/me/XrmDeals"},
            ],
        )
    )
    assert (answers["a"]["status"], answers["a"]["headers"]["Retry-After"]) == (429, "7")
    assert answers["a"]["body"]["error"]["code"] == "TooManyRequests"
    assert answers["b"]["status"] == 200 and "Retry-After" not in answers["b"]["headers"]
    stats = fresh.handle.stats()
    assert (stats["requests"], stats["throttled"]) == (3, 1)  # the batch and its two inner requests
