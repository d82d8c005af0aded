"""Typed errors: 401 refresh once, 403 and 404, TLS with and without the CA bundle."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

import certifi
import pytest

from ocm_tool import errors
from ocm_tool.client import GraphClient, TokenProvider
from ocm_tool.emulator.server import EmulatorHandle, running_emulator

from .conftest import FAST_RETRY, RetryLog, sign_in_app
from .tenant import ALICE, CONTACTS, NO_ROLE_APP_ID, NO_ROLE_APP_SECRET, tenant

FORGED = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJub2JvZHkifQ."


class HeldTokens:
    """Hands out ``first`` (or the real provider's first token) until asked to refresh.

    Wraps a real sign-in; counts the refreshes the client asked for.
    """

    def __init__(
        self, real: TokenProvider, first: str | None = None, *, always: bool = False
    ) -> None:
        self.account = real.account
        self._real = real
        self._current = first if first is not None else real.token()
        self._always = always
        self.refreshes = 0

    def token(self, *, force_refresh: bool = False) -> str:
        if force_refresh:
            self.refreshes += 1
            if not self._always:
                self._current = self._real.token(force_refresh=True)
        return self._current


def test_rejected_token_is_refreshed_once(
    make_client: Callable[..., GraphClient], tokens: TokenProvider
) -> None:
    held = HeldTokens(tokens, FORGED)
    client = make_client(tokens=held)
    assert len(list(client.items(f"/users/{ALICE}/XrmContacts"))) == CONTACTS
    assert held.refreshes == 1


def test_second_401_raises_invalid_token(
    make_client: Callable[..., GraphClient], tokens: TokenProvider
) -> None:
    held = HeldTokens(tokens, FORGED, always=True)
    client = make_client(tokens=held)
    with pytest.raises(errors.InvalidTokenError) as raised:
        client.get(f"/users/{ALICE}/XrmContacts")
    assert (raised.value.status, raised.value.code) == (401, "InvalidAuthenticationToken")
    assert raised.value.request_id
    assert held.refreshes == 1


def test_expired_token_is_refreshed(tmp_path: Path) -> None:
    with running_emulator(tenant(), token_lifetime=1) as handle:
        held = HeldTokens(sign_in_app(handle, tmp_path))
        time.sleep(2.1)  # let the held token expire
        with GraphClient(
            handle.api, held, verify=str(handle.ca_bundle), retry=FAST_RETRY
        ) as client:
            assert client.get(f"/users/{ALICE}/XrmContacts", {"$top": 1})["value"]
        assert held.refreshes == 1


def test_forbidden_mailbox(emulator: EmulatorHandle, tmp_path: Path) -> None:
    denied = sign_in_app(emulator, tmp_path, NO_ROLE_APP_ID, NO_ROLE_APP_SECRET)
    with (
        GraphClient(emulator.api, denied, verify=str(emulator.ca_bundle)) as client,
        pytest.raises(errors.AccessDeniedError) as raised,
    ):
        client.get(f"/users/{ALICE}/XrmContacts")
    error = raised.value
    assert (error.status, error.code, error.exit_status) == (
        403,
        "ErrorAccessDenied",
        errors.ExitStatus.ACCESS,
    )
    assert uuid.UUID(error.request_id)
    assert uuid.UUID(error.client_request_id).version == 4
    assert error.hint


def test_unknown_mailbox(client: GraphClient) -> None:
    with pytest.raises(errors.MailboxNotFoundError) as raised:
        client.get("/users/nobody@contoso.com/XrmContacts")
    assert raised.value.status == 404
    assert raised.value.request_id


def test_unknown_item(client: GraphClient) -> None:
    with pytest.raises(errors.ItemNotFoundError) as raised:
        client.get(f"/users/{ALICE}/XrmContacts/AAMkADoesNotExist")
    assert (raised.value.status, raised.value.code) == (404, "ErrorItemNotFound")


def test_ca_bundle_wins_over_requests_ca_bundle(
    monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., GraphClient]
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())
    client = make_client()  # verify = the emulator's CA
    assert len(list(client.items(f"/users/{ALICE}/XrmContacts"))) == CONTACTS


def test_without_ca_bundle_tls_fails_with_a_hint(
    monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., GraphClient]
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    retries = RetryLog()
    client = make_client(verify=True, on_retry=retries)
    with pytest.raises(errors.ConfigurationError) as raised:
        client.get(f"/users/{ALICE}/XrmContacts")
    assert raised.value.hint is not None
    assert "--ca-bundle" in raised.value.hint
    assert raised.value.exit_status == errors.ExitStatus.USAGE
    assert retries.calls == []
