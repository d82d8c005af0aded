"""Retries: Retry-After honoured, transient answers and dropped connections retried, give-up."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable

import pytest

from ocm_tool import errors
from ocm_tool.client import GraphClient, RetryPolicy
from ocm_tool.emulator.server import EmulatorHandle

from .conftest import RetryLog
from .tenant import ALICE, CONTACTS

CONTACTS_PATH = f"/users/{ALICE}/XrmContacts"
RETRY_AFTER = 1  # well above the emulator's 0.2 s grace, so an early call would count


def list_contacts(client: GraphClient, times: int) -> None:
    """List alice's contacts ``times`` times and check every listing is whole."""
    for _ in range(times):
        assert len(list(client.items(CONTACTS_PATH, {"$top": 50}))) == CONTACTS


def test_throttled_calls_wait_retry_after(
    emulator: EmulatorHandle, make_client: Callable[..., GraphClient]
) -> None:
    retries = RetryLog()
    client = make_client(on_retry=retries)
    emulator.set_faults(throttle_rate=0.5, retry_after=RETRY_AFTER, seed=11)
    list_contacts(client, 6)
    stats = emulator.stats()
    assert stats["throttled"] > 0
    assert stats["retry_after_violations"] == 0
    assert len(retries.calls) == stats["throttled"]
    assert {delay for _, delay in retries.calls} == {RETRY_AFTER}
    assert all(reason.startswith("throttled (429)") for reason, _ in retries.calls)


@pytest.mark.parametrize(
    ("fault", "status"), [("unavailable_rate", 503), ("gateway_timeout_rate", 504)]
)
def test_transient_answers_are_retried(
    emulator: EmulatorHandle, make_client: Callable[..., GraphClient], fault: str, status: int
) -> None:
    retries = RetryLog()
    client = make_client(on_retry=retries)
    emulator.set_faults(**{fault: 0.5}, retry_after=0.25, seed=1)
    list_contacts(client, 6)
    assert retries.calls
    assert all(
        f"({status})" in reason or f"answered {status}" in reason for reason, _ in retries.calls
    )
    assert emulator.stats()["retry_after_violations"] == 0


def test_dropped_connections_are_retried(
    emulator: EmulatorHandle, make_client: Callable[..., GraphClient]
) -> None:
    retries = RetryLog()
    client = make_client(on_retry=retries)
    emulator.set_faults(drop_rate=0.4, seed=7)
    list_contacts(client, 6)
    assert retries.calls
    assert all(reason.startswith("connection to 127.0.0.1") for reason, _ in retries.calls)


def test_gives_up_after_max_attempts_with_the_ids(
    emulator: EmulatorHandle, make_client: Callable[..., GraphClient]
) -> None:
    retries = RetryLog()
    client = make_client(on_retry=retries, retry=RetryPolicy(max_attempts=3, backoff_base=0.01))
    emulator.set_faults(gateway_timeout_rate=1.0)
    with pytest.raises(errors.ServiceError) as raised:
        client.get(CONTACTS_PATH)
    error = raised.value
    assert (error.status, error.code, error.exit_status) == (
        504,
        "GatewayTimeout",
        errors.ExitStatus.SERVICE,
    )
    assert uuid.UUID(error.request_id)
    assert uuid.UUID(error.client_request_id).version == 4
    assert error.request_id is not None
    assert error.request_id in str(error)
    assert len(retries.calls) == 2


def test_gives_up_on_throttling_without_violating(
    emulator: EmulatorHandle, make_client: Callable[..., GraphClient]
) -> None:
    # Throttling spends time, not attempts: one Retry-After fits the 1.5 s, a second does not.
    client = make_client(retry=RetryPolicy(max_attempts=2, throttle_wait=1.5))
    emulator.set_faults(throttle_rate=1.0, retry_after=RETRY_AFTER)
    with pytest.raises(errors.ThrottledError) as raised:
        client.get(CONTACTS_PATH)
    assert (raised.value.status, raised.value.code) == (429, "TooManyRequests")
    assert raised.value.request_id
    stats = emulator.stats()
    assert (stats["throttled"], stats["retry_after_violations"]) == (2, 0)


def test_retry_after_longer_than_allowed_fails_at_once(
    emulator: EmulatorHandle, make_client: Callable[..., GraphClient]
) -> None:
    retries = RetryLog()
    client = make_client(on_retry=retries, retry=RetryPolicy(max_retry_after=0.5))
    emulator.set_faults(throttle_rate=1.0, retry_after=RETRY_AFTER)
    with pytest.raises(errors.ThrottledError):
        client.get(CONTACTS_PATH)
    assert retries.calls == []


def test_persistent_drops_raise_transport_error(
    emulator: EmulatorHandle, make_client: Callable[..., GraphClient]
) -> None:
    client = make_client(retry=RetryPolicy(max_attempts=3, backoff_base=0.01))
    emulator.set_faults(drop_rate=1.0)
    with pytest.raises(errors.TransportError) as raised:
        client.get(CONTACTS_PATH)
    assert f"127.0.0.1:{emulator.port}" in str(raised.value)
    assert raised.value.hint is not None
    assert "--endpoint" in raised.value.hint


def test_non_idempotent_post_is_not_retried_after_a_drop(
    emulator: EmulatorHandle, make_client: Callable[..., GraphClient]
) -> None:
    retries = RetryLog()
    client = make_client(on_retry=retries)
    emulator.set_faults(drop_rate=1.0)
    with pytest.raises(errors.TransportError):
        client.post(
            f"/users/{ALICE}/MailFolders/inbox/EmptyFolder",
            {"DeleteType": "SoftDelete", "DeleteSubFolders": False},
        )
    assert retries.calls == []


def test_nobody_listening_raises_transport_error(tokens) -> None:
    with socket.socket() as probe:  # a loopback port that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = GraphClient(
        f"https://127.0.0.1:{port}/api/v1",
        tokens,
        retry=RetryPolicy(max_attempts=2, backoff_base=0.01),
    )
    with client, pytest.raises(errors.TransportError) as raised:
        client.get(CONTACTS_PATH)
    assert f"127.0.0.1:{port}" in str(raised.value)
    assert raised.value.hint is not None
    assert "--ca-bundle" in raised.value.hint
