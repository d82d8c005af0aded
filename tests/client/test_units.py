"""The client's pure helpers: Retry-After parsing, backoff bounds, URLs and mailbox keys."""

from __future__ import annotations

import email.utils
import time

import pytest

from ocm_tool import errors
from ocm_tool.client import BatchResponse, GraphClient, RetryPolicy, parse_retry_after


class StaticTokens:
    """A token provider that never talks to anybody (for tests that send nothing)."""

    account: str | None = "Alice@Contoso.com"

    def token(self, *, force_refresh: bool = False) -> str:
        return "unused"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        (" 7 ", 7.0),
        ("0.25", 0.25),
        ("0", 0.0),
        ("-2", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_retry_after_seconds(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_parse_retry_after_http_date() -> None:
    date = email.utils.formatdate(time.time() + 120, usegmt=True)
    seconds = parse_retry_after(date)
    assert seconds is not None
    assert 100 < seconds <= 120


def test_backoff_is_full_jitter_under_the_cap() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=4.0)
    for attempt in range(1, 10):
        ceiling = min(4.0, 0.5 * 2 ** (attempt - 1))
        assert all(0.0 <= policy.backoff(attempt) <= ceiling for _ in range(50))


def test_urls_and_mailbox_keys() -> None:
    with GraphClient("https://h:1/api/v1/", StaticTokens()) as client:
        assert client.mailbox_path(None) == "/me"
        assert client.mailbox_path("a+b@x.com") == "/users/a%2Bb@x.com"
        assert client._url(
            "/me/XrmDeals", {"$filter": "Name eq 'A B'", "$top": 5, "$count": True}
        ) == ("https://h:1/api/v1/me/XrmDeals?$filter=Name%20eq%20'A%20B'&$top=5&$count=true")
        link = "https://H:1/x/users/B%40X.com/XrmDeals?$skiptoken=abc"
        assert client._url(link) == link  # the endpoint's origin (host names in any case)
        with pytest.raises(ValueError, match="absolute URL"):
            client._url(link, {"$top": 1})
        for elsewhere in ("https://other:1/x", "https://h:2/x", "http://h:1/x", "//other/x"):
            with pytest.raises(errors.TransportError, match="another origin"):
                client._url(elsewhere)
        assert client._mailbox_key("https://h:1/api/v1/users/Bob%40X.com/XrmDeals") == "bob@x.com"
        assert client._mailbox_key(link) == "b@x.com"
        assert client._mailbox_key("https://h:1/api/v1/me/XrmDeals") == "alice@contoso.com"
        assert client._mailbox_key("https://h:1/api/v1/$batch") == ""
        assert client._mailbox_key("https://h:1/api/v1/adminapi/InvokeCommand") == ""


def test_batch_response_maps_its_error() -> None:
    answer = BatchResponse(
        id="1",
        status=404,
        body={
            "error": {
                "code": "ErrorItemNotFound",
                "message": "gone",
                "innerError": {"request-id": "r-1"},
            }
        },
        headers={},
        client_request_id="c-1",
    )
    with pytest.raises(errors.ItemNotFoundError) as raised:
        answer.raise_for_status()
    assert (raised.value.status, raised.value.request_id, raised.value.client_request_id) == (
        404,
        "r-1",
        "c-1",
    )
    assert BatchResponse(id="2", status=204, body=None).raise_for_status().ok
