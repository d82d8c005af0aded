"""When and how long to wait before trying a call again: the retry policy.

Throttling (429, 503 with ``Retry-After``) is retried for every method after the time the
server asked for, bounded by time rather than by a count; transient failures (500, 502, 503,
504, dropped connections) are retried for idempotent calls only, a bounded number of times,
with capped exponential backoff and full jitter. A policy decides and each call keeps its own
:class:`RetryBudget`; the client (``_client.py``) sleeps, holds off the mailbox and sends again.
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


@dataclass
class RetryBudget:
    """What one call has spent of its policy so far (one per call; not shared).

    ``failures``: tries that failed without the server saying when to come back; ``throttled``
    and ``waited``: answers with a ``Retry-After`` and the seconds they asked for.
    """

    failures: int = 0
    throttled: int = 0
    waited: float = 0.0


@dataclass(frozen=True)
class RetryPolicy:
    """How failures are retried: adaptive to ``Retry-After``, as Microsoft's SDKs and GAM do.

    - An answer with a usable ``Retry-After`` (429, 503) is the server saying when it can take
      the call: it is waited out and tried again without spending an attempt. What bounds it
      is time: one call waits at most ``throttle_wait`` seconds in all (and at most
      ``max_throttled`` times); a single ``Retry-After`` longer than ``max_retry_after`` fails
      the call at once.
    - Every other failure (5xx, 429 without ``Retry-After``, a dropped connection) spends an
      attempt: ``max_attempts`` counts them, the first try included, with capped exponential
      backoff and full jitter between them.
    """

    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_retry_after: float = 300.0
    throttle_wait: float = 900.0
    max_throttled: int = 100

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
        budget: RetryBudget,
        where: str,
    ) -> RetryPlan | None:
        """How to retry an error answer, spending from ``budget``; ``None``: give up.

        ``retry_after`` is the answer's usable ``Retry-After`` (throttling statuses only).
        """
        if retry_after is not None:
            if not self.waits_for(retry_after):
                return None
            if (
                budget.throttled >= self.max_throttled
                or budget.waited + retry_after > self.throttle_wait
            ):
                return None
            budget.throttled += 1
            budget.waited += retry_after
            return RetryPlan(f"throttled ({status}) by {where}", retry_after, shared=True)
        budget.failures += 1
        if budget.failures >= self.max_attempts:
            return None
        if status == 429 or (status in TRANSIENT_STATUSES and idempotent):
            return RetryPlan(
                f"{where} answered {status}", self.backoff(budget.failures), shared=False
            )
        return None

    def after_failure(self, *, retryable: bool, budget: RetryBudget, what: str) -> RetryPlan | None:
        """How to retry a call that got no answer (``what`` failed); ``None``: give up."""
        budget.failures += 1
        if retryable and budget.failures < self.max_attempts:
            return RetryPlan(what, self.backoff(budget.failures), shared=False)
        return None
