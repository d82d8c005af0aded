"""When and how long to wait before trying a call again: the retry policy.

Throttling (429, 503 with ``Retry-After``) is retried for every method after the time the
server asked for; transient failures (500, 502, 503, 504, dropped connections) are retried for
idempotent calls only, with capped exponential backoff and full jitter. A policy decides; the
client (``_client.py``) sleeps, holds off the mailbox and sends again.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import Retry

#: Answers that carry ``Retry-After`` and mean "not now": retried for every method.
THROTTLE_STATUSES = frozenset({429, 503})
#: Transient failures: retried for idempotent calls only.
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# urllib3 parses Retry-After (delay-seconds or HTTP-date); this instance only lends its parser.
_RETRY_AFTER_PARSER = Retry()


def parse_retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` value asks for (delay-seconds or HTTP-date); ``None`` if unusable.

    Fractional seconds (``"0.5"``), which RFC 9110 does not allow, are accepted as well.
    """
    if value is None:
        return None
    try:
        return float(_RETRY_AFTER_PARSER.parse_retry_after(value))
    except InvalidHeader:
        try:
            seconds = float(value)
        except ValueError:
            return None
        return max(seconds, 0.0) if math.isfinite(seconds) else None


@dataclass(frozen=True)
class RetryPlan:
    """Why and how long to wait before the next try.

    ``shared``: the wait is the mailbox's hold-off (already set on its gate), which the next
    try waits out; otherwise the calling thread sleeps ``delay`` on its own.
    """

    reason: str
    delay: float
    shared: bool


@dataclass(frozen=True)
class RetryPolicy:
    """How failures are retried (capped exponential backoff with full jitter).

    ``max_attempts`` counts every try of one call, the first included. A ``Retry-After``
    longer than ``max_retry_after`` is not waited for: the call fails at once.
    """

    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_retry_after: float = 300.0

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**(attempt-1))] after try ``attempt``."""
        return random.uniform(0.0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))

    def waits_for(self, retry_after: float | None) -> bool:
        """Whether a ``Retry-After`` of that many seconds is worth waiting for."""
        return retry_after is not None and retry_after <= self.max_retry_after

    def after_answer(
        self,
        status: int,
        retry_after: float | None,
        *,
        idempotent: bool,
        attempt: int,
        where: str,
    ) -> RetryPlan | None:
        """How to retry an error answer after try ``attempt``; ``None``: give up.

        ``retry_after`` is the answer's usable ``Retry-After`` (throttling statuses only).
        """
        if retry_after is not None and not self.waits_for(retry_after):
            return None
        if attempt >= self.max_attempts:
            return None
        if retry_after is not None:
            return RetryPlan(f"throttled ({status}) by {where}", retry_after, shared=True)
        if status == 429 or (status in TRANSIENT_STATUSES and idempotent):
            return RetryPlan(f"{where} answered {status}", self.backoff(attempt), shared=False)
        return None

    def after_failure(self, *, retryable: bool, attempt: int, what: str) -> RetryPlan | None:
        """How to retry a call that got no answer (``what`` failed); ``None``: give up."""
        if retryable and attempt < self.max_attempts:
            return RetryPlan(what, self.backoff(attempt), shared=False)
        return None
