"""The retry budget adapts to Retry-After (items 11 and 12 of issue 13): throttling the server
times does not spend attempts, retries of an outer ``$batch`` keep the mailbox's hold-off."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from ocm_tool import errors
from ocm_tool.client import GraphClient, RetryBudget, RetryPolicy
from ocm_tool.emulator.server import EmulatorHandle

from .conftest import RetryLog
from .tenant import ALICE, CONTACTS
from .test_batch import contact_requests

CONTACTS_PATH = f"/users/{ALICE}/XrmContacts"


def test_throttling_spends_time_not_attempts() -> None:
    policy = RetryPolicy(max_attempts=2, throttle_wait=1.0, max_throttled=5)
    budget = RetryBudget()
    for _ in range(4):  # four Retry-Afters of 0.25 s: one second in all, no attempt spent
        plan = policy.after_answer(429, 0.25, idempotent=True, budget=budget, where="m")
        assert plan is not None and plan.shared and plan.delay == 0.25
    assert budget.failures == 0
    assert policy.after_answer(429, 0.25, idempotent=True, budget=budget, where="m") is None
    # A failure without Retry-After spends an attempt: with 2 attempts, the first is the last.
    fresh = RetryBudget()
    assert policy.after_answer(504, None, idempotent=True, budget=fresh, where="m") is not None
    assert policy.after_answer(504, None, idempotent=True, budget=fresh, where="m") is None
    # And a count bounds Retry-After: 0 s, asked again and again, is not waited for ever.
    zero = RetryBudget()
    plans = [
        policy.after_answer(503, 0.0, idempotent=True, budget=zero, where="m") for _ in range(6)
    ]
    assert [p is not None for p in plans] == [True] * 5 + [False]


def test_heavy_throttling_is_absorbed_with_two_attempts(
    emulator: EmulatorHandle, make_client: Callable[..., GraphClient]
) -> None:
    # 60% of calls throttled: a call is throttled 3 times running now and then, which a count
    # of 2 attempts would have ended with exit 5; waiting out Retry-After absorbs it.
    retries = RetryLog()
    client = make_client(on_retry=retries, retry=RetryPolicy(max_attempts=2))
    emulator.set_faults(throttle_rate=0.6, retry_after=0.05, seed=5)
    for _ in range(5):
        assert len(list(client.items(CONTACTS_PATH, {"$top": 10}))) == CONTACTS
    stats = emulator.stats()
    assert stats["throttled"] >= 10
    assert stats["retry_after_violations"] == 0
    assert all(reason.startswith("throttled (429)") for reason, _ in retries.calls)


def test_throttling_past_the_time_budget_gives_up_in_one_line(
    emulator: EmulatorHandle, make_client: Callable[..., GraphClient]
) -> None:
    client = make_client(retry=RetryPolicy(throttle_wait=0.3))
    emulator.set_faults(throttle_rate=1.0, retry_after=0.25)
    with pytest.raises(errors.ThrottledError) as raised:
        client.get(CONTACTS_PATH)
    assert raised.value.exit_status is errors.ExitStatus.SERVICE
    assert emulator.stats()["throttled"] == 2  # waited once (0.25 s), the second is too much


@pytest.mark.slow
def test_outer_batch_retries_keep_the_mailbox_hold_off(
    emulator: EmulatorHandle, make_client: Callable[..., GraphClient]
) -> None:
    # Inner answers throttle the mailbox while outer $batch calls fail (504) and are sent
    # again: every try, outer or inner, must wait for the mailbox's Retry-After. (Before, an
    # outer retry waited for nothing: 11 violations and answers left 504 with this seed.)
    # Attempts enough that no inner request spends them all on 504s: what is checked here is
    # the waiting, not the giving up.
    client = make_client(retry=RetryPolicy(max_attempts=12, backoff_base=0.01, backoff_cap=0.05))
    requests = contact_requests(client)
    emulator.faults.reset_stats()
    emulator.set_faults(
        throttle_rate=0.15,
        gateway_timeout_rate=0.3,
        drop_rate=0.0,
        retry_after=1.0,
        seed=3,
    )
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: client.batch(requests), range(8)))
    assert all(a.status == 200 for batch in answers for a in batch)
    stats = emulator.stats()
    assert stats["throttled"] > 0 and stats["gateway_timeouts"] > 0
    assert stats["retry_after_violations"] == 0
