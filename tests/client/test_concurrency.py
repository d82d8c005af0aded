"""Per-mailbox concurrency cap and the shared Retry-After pause, across threads."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from ocm_tool.client import GraphClient
from ocm_tool.emulator.server import EmulatorHandle

from .conftest import RetryLog
from .tenant import ALICE, CONTACTS

THREADS = 8
CALLS = 32


def count_contacts(client: GraphClient, _: int) -> int:
    return len(list(client.items(f"/users/{ALICE}/XrmContacts", {"$top": 50})))


def run_pool(client: GraphClient) -> list[int]:
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(lambda n: count_contacts(client, n), range(CALLS)))


def test_at_most_four_in_flight_per_mailbox(
    emulator: EmulatorHandle, make_client: Callable[..., GraphClient]
) -> None:
    retries = RetryLog()
    client = make_client(concurrency=4, on_retry=retries)
    emulator.set_faults(max_concurrent=4, latency=0.02)
    assert run_pool(client) == [CONTACTS] * CALLS
    stats = emulator.stats()
    assert stats["throttled"] == 0
    assert stats["max_in_flight"] <= 4
    assert retries.calls == []


def test_retry_after_is_honoured_by_every_thread(
    emulator: EmulatorHandle, make_client: Callable[..., GraphClient]
) -> None:
    retries = RetryLog()
    client = make_client(concurrency=4, on_retry=retries)
    emulator.set_faults(throttle_rate=0.1, retry_after=1, max_concurrent=4, seed=3)
    assert run_pool(client) == [CONTACTS] * CALLS
    stats = emulator.stats()
    assert stats["throttled"] > 0
    assert stats["retry_after_violations"] == 0
    assert stats["max_in_flight"] <= 4
