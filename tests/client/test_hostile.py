"""Hostile and broken servers (small loopback servers): where the token may go, and lists
that never end. The client follows links only on the endpoint's origin, never redirects,
and stops a nextLink chain that loops."""

from __future__ import annotations

import pytest

from ocm_tool import errors
from ocm_tool.client import GraphClient, RetryPolicy, segment
from tests.hostile import Body, Seen, hostile, page

from .test_units import StaticTokens

TOKEN = "Bearer unused"
LIST = "/users/alice@contoso.com/XrmContacts"


def client_of(endpoint: str) -> GraphClient:
    return GraphClient(endpoint, StaticTokens(), retry=RetryPolicy(max_attempts=2))


def test_a_next_link_to_another_origin_is_not_followed() -> None:
    with hostile(lambda seen: (200, {}, page([{"Id": "stolen"}]))) as elsewhere:

        def answer(seen: Seen) -> tuple[int, dict[str, str], Body]:
            return 200, {}, page([{"Id": "1"}], f"{elsewhere.api}{LIST}?$skiptoken=2")

        with hostile(answer) as server, client_of(server.api) as client:
            pages = client.pages(LIST)
            assert next(pages).items == [{"Id": "1"}]
            with pytest.raises(errors.TransportError, match="another origin") as raised:
                next(pages)
        assert elsewhere.seen == []  # the token never went there
        assert server.seen[0].headers["authorization"] == TOKEN
        assert raised.value.exit_status is errors.ExitStatus.SERVICE
        assert raised.value.hint and "--endpoint" in raised.value.hint


@pytest.mark.parametrize(
    "link", ["https://127.0.0.1:{port}/api/v1/x", "http://user:pw@127.0.0.1:{port}/api/v1/x"]
)
def test_a_next_link_with_another_scheme_or_credentials_is_refused(link: str) -> None:
    def answer(seen: Seen) -> tuple[int, dict[str, str], Body]:
        return 200, {}, page([], link.format(port=seen.headers["host"].rpartition(":")[2]))

    with hostile(answer) as server, client_of(server.api) as client:
        with pytest.raises(errors.TransportError, match="not followed") as raised:
            list(client.pages(LIST))
        assert len(server.seen) == 1
        assert "pw" not in str(raised.value)


def test_a_redirect_is_not_followed() -> None:
    with hostile(lambda seen: (200, {}, page([{"Id": "stolen"}]))) as elsewhere:
        answer = (302, {"Location": f"{elsewhere.api}{LIST}"}, None)
        with (
            hostile(lambda seen: answer) as server,
            client_of(server.api) as client,
            pytest.raises(errors.TransportError, match="redirect"),
        ):
            client.get(LIST)
        assert elsewhere.seen == []


def test_a_next_link_cycle_ends_in_an_error_not_duplicated_rows() -> None:
    def answer(seen: Seen) -> tuple[int, dict[str, str], Body]:
        # A -> B -> A -> ...: each page a new item, so a loop would duplicate rows forever.
        host = f"http://{seen.headers['host']}/api/v1{LIST}"
        if "skiptoken=B" in seen.path:
            return 200, {}, page([{"Id": "b"}], f"{host}?$skiptoken=A")
        return 200, {}, page([{"Id": "a"}], f"{host}?$skiptoken=B")

    with hostile(answer) as server, client_of(server.api) as client:
        with pytest.raises(errors.TransportError, match="came back to a page") as raised:
            list(client.items(LIST))
        assert len(server.seen) == 3  # the first page, B, then A again: not followed further
        assert raised.value.ends_run


def test_the_first_page_linking_to_itself_is_a_cycle() -> None:
    def answer(seen: Seen) -> tuple[int, dict[str, str], Body]:
        return 200, {}, page([{"Id": "a"}], f"http://{seen.headers['host']}{seen.path}")

    with hostile(answer) as server, client_of(server.api) as client:
        with pytest.raises(errors.TransportError, match="without end"):
            list(client.items(LIST))
        assert len(server.seen) == 1


@pytest.mark.parametrize(
    ("endpoint", "says"),
    [
        ("http://ocm.contoso.com/api/v1", "plain HTTP"),
        ("http://10.0.0.5:8080/api/v1", "plain HTTP"),
        ("https://admin:S3cret!@ocm.contoso.com/api/v1", "user name or password"),
        ("ftp://ocm.contoso.com/api/v1", "not an https:// URL"),
    ],
)
def test_unsafe_endpoints_are_refused_before_any_request(endpoint: str, says: str) -> None:
    with pytest.raises(errors.ConfigurationError, match=says) as raised:
        GraphClient(endpoint, StaticTokens())
    assert "S3cret" not in str(raised.value)
    assert raised.value.exit_status is errors.ExitStatus.USAGE


@pytest.mark.parametrize(
    "endpoint", ["http://127.0.0.1:9/api", "http://localhost/api", "http://[::1]:9/"]
)
def test_plain_http_is_accepted_for_loopback(endpoint: str) -> None:
    GraphClient(endpoint, StaticTokens()).close()


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("a/b@x.com", "a%2Fb@x.com"),
        ("AAMk/x=?#", "AAMk%2Fx%3D%3F%23"),
        ("o'brien@x.com", "o%27brien@x.com"),
    ],
)
def test_every_value_in_a_path_is_one_segment(value: str, encoded: str) -> None:
    assert segment(value) == encoded
    with GraphClient("https://h/api", StaticTokens()) as client:
        assert client.mailbox_path(value) == f"/users/{encoded}"
