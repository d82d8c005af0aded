"""Injected faults: throttling, failures, dropped connections, latency, and Exchange's limits.

All are off by default. ``FaultConfig`` is set by ``serve`` flags, by the in-process handle
(``EmulatorHandle.set_faults``) and by the control API (``POST /_emulator/faults``).
Like Microsoft's Dev Proxy, the emulator remembers every ``Retry-After`` it sent and notices a
client that calls again before it has passed: it answers 429 again and counts the violation,
so tests can assert that a client never does that. The other inner requests of the ``$batch``
whose inner answer set the ``Retry-After`` are not violations: the client sent them together,
before it could know (the server runs them one after another, which may take longer than the
grace).

The app calls ``admit`` before every API call and ``release`` after it; ``admit`` raises the
fault's ``ApiProblem`` (429, 503, 504) or returns a ``Ticket`` (whose ``drop`` asks the app to
close the connection without an answer). Faults never apply to identity or control paths.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

from ocm_tool.emulator.api.exceptions import (
    ApiProblem,
    gateway_timeout,
    service_unavailable,
    too_many_requests,
)

#: A call this soon after a 429/503 was sent is not a violation: it was already on its way.
VIOLATION_GRACE = 0.2
COUNTERS = (
    "requests",
    "round_trips",
    "mailbox_calls",
    "throttled",
    "unavailable",
    "gateway_timeouts",
    "dropped",
    "retry_after_violations",
    "budget_exhausted",
    "concurrency_limited",
)


@dataclass
class FaultConfig:
    """What to inject. Rates are fractions of calls in [0, 1]; times are seconds."""

    throttle_rate: float = 0.0  # answered 429 TooManyRequests with Retry-After
    unavailable_rate: float = 0.0  # answered 503 ServiceUnavailable with Retry-After
    gateway_timeout_rate: float = 0.0  # answered 504 GatewayTimeout
    drop_rate: float = 0.0  # connection dropped without an answer
    retry_after: float = 1.0  # the Retry-After sent with 429 and 503
    latency: float = 0.0  # added to every API round trip (a $batch's inner calls add none)
    max_concurrent: int | None = None  # per mailbox and app; Exchange's limit is 4
    budget: int | None = None  # requests per mailbox per window; Exchange: 10000
    budget_window: float = 600.0  # Exchange: 10 minutes
    seed: int | None = None  # for repeatable fault sequences
    paths: list[str] = field(
        default_factory=list
    )  # only paths containing one of these; [] = all API paths

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Ticket:
    """An admitted call: release it when the answer is done. ``drop``: close the connection."""

    client: str
    mailbox: str | None
    drop: bool = False


def retry_after_header(seconds: float) -> str:
    """Whole seconds (rounded up) from 1 s on; below that the fraction (``"0.25"``), which
    RFC 9110 does not allow but lets tests run fast. ocm-tool's client reads both."""
    if seconds >= 1:
        return str(math.ceil(seconds - 1e-9))
    return f"{max(seconds, 0.001):.3f}".rstrip("0").rstrip(".")


class Faults:
    """The fault state of one server: its configuration and its counters. Thread-safe.

    Keys: ``client`` is who calls (the token's app and user), ``mailbox`` the lower-case
    address called, or ``None`` for calls that address no mailbox (``$batch``, admin API),
    which budgets, concurrency limits and in-flight peaks leave alone.
    """

    def __init__(
        self, config: FaultConfig | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config or FaultConfig()
        #: What ``reset`` goes back to (a copy: ``paths`` is a list).
        self._initial = FaultConfig(**self.config.as_dict())
        self._clock = clock
        self._lock = threading.Lock()
        self._random = random.Random(self.config.seed)
        self._counters = dict.fromkeys(COUNTERS, 0)
        self._in_flight: dict[tuple[str, str], int] = defaultdict(int)
        self._mailbox_in_flight: dict[str, int] = defaultdict(int)
        self._peaks: dict[str, int] = defaultdict(int)
        self._budgets: dict[str, list[float]] = {}  # mailbox -> [window start, used]
        #: (client, mailbox) -> (sent at, until, the $batch whose inner answer set it)
        self._holds: dict[tuple[str, str | None], tuple[float, float, str | None]] = {}
        self._batch: str | None = None  # the $batch of the call being admitted

    # -- configuration and counters -------------------------------------------------------------

    def configure(self, **changes: object) -> FaultConfig:
        """Change some fields of the configuration (unknown names raise ``TypeError``)."""
        known = {f.name for f in fields(FaultConfig)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(f"unknown fault settings: {', '.join(unknown)}")
        with self._lock:
            self.config = FaultConfig(**{**self.config.as_dict(), **changes})  # type: ignore[arg-type]
            if "seed" in changes:
                self._random = random.Random(self.config.seed)
            if "budget" in changes or "budget_window" in changes:
                self._budgets.clear()
            return self.config

    def stats(self) -> dict[str, int]:
        """Counters: ``requests`` (every API call, a ``$batch``'s inner calls included),
        ``round_trips`` (HTTP calls: inner calls travel in their batch's), ``mailbox_calls``
        (calls on one mailbox: what Exchange's budget counts), ``throttled`` (every 429),
        ``unavailable``, ``gateway_timeouts``, ``dropped``, ``retry_after_violations``,
        ``budget_exhausted``, ``concurrency_limited``, and ``max_in_flight``: the highest
        number of calls in flight at once on one mailbox."""
        with self._lock:
            return {**self._counters, "max_in_flight": max(self._peaks.values(), default=0)}

    def in_flight_peaks(self) -> dict[str, int]:
        """The highest number of calls in flight at once, per mailbox."""
        with self._lock:
            return dict(self._peaks)

    def reset_stats(self) -> None:
        """Zero the counters and peaks; forget budgets and the Retry-Afters sent."""
        with self._lock:
            self._counters = dict.fromkeys(COUNTERS, 0)
            self._peaks.clear()
            self._budgets.clear()
            self._holds.clear()

    def reset(self) -> None:
        """Back to the configuration this was made with, counters and peaks zeroed, budgets and
        Retry-Afters forgotten, the random sequence restarted from its seed.

        Calls in flight keep their slots (they release them when answered), so a call still
        running from before cannot drive a concurrency count below zero.
        """
        with self._lock:
            self.config = FaultConfig(**self._initial.as_dict())
            self._random = random.Random(self.config.seed)
            self._counters = dict.fromkeys(COUNTERS, 0)
            self._peaks.clear()
            self._budgets.clear()
            self._holds.clear()

    # -- the request hook -------------------------------------------------------------------------

    def admit(
        self,
        client: str,
        mailbox: str | None,
        path: str,
        *,
        inner: bool = False,
        batch: str | None = None,
    ) -> Ticket:
        """Decide the fate of one API call: raise its fault, or admit it (then ``release``).

        In order: a call during a Retry-After it was sent is refused (a violation); then, on
        the configured ``paths``: the mailbox's budget, the concurrency limit, and the random
        faults. An admitted call then waits ``latency`` seconds, holding its in-flight slot.
        ``inner`` calls (inside a ``$batch``) travel in the batch's round trip: they are never
        dropped and add no latency of their own; ``batch`` is the id of their ``$batch``.
        """
        config = self.config
        with self._lock:
            now = self._clock()
            self._counters["requests"] += 1
            self._counters["round_trips"] += not inner
            self._counters["mailbox_calls"] += mailbox is not None
            self._refuse_violation(client, mailbox, now, batch)
            self._batch = batch  # who sets a hold now (read by _hold, with the lock held)
            faulty = not config.paths or any(p in path for p in config.paths)
            drop = False
            if faulty:
                self._spend_budget(config, client, mailbox, now)
                self._limit_concurrency(config, client, mailbox, now)
                drop = self._random_fault(config, client, mailbox, now, can_drop=not inner)
            if mailbox is not None:
                self._in_flight[(client, mailbox)] += 1
                self._mailbox_in_flight[mailbox] += 1
                self._peaks[mailbox] = max(self._peaks[mailbox], self._mailbox_in_flight[mailbox])
        ticket = Ticket(client, mailbox, drop)
        if faulty and config.latency > 0 and not drop and not inner:
            time.sleep(config.latency)
        return ticket

    def release(self, ticket: Ticket) -> None:
        """The call of ``ticket`` has been answered (or dropped)."""
        if ticket.mailbox is None:
            return
        with self._lock:
            self._in_flight[(ticket.client, ticket.mailbox)] -= 1
            self._mailbox_in_flight[ticket.mailbox] -= 1

    # -- the faults, each with the lock held ------------------------------------------------------

    def _refuse_violation(
        self, client: str, mailbox: str | None, now: float, batch: str | None
    ) -> None:
        hold = self._holds.get((client, mailbox))
        if hold is None:
            return
        sent, until, set_by = hold
        if now >= until:
            del self._holds[(client, mailbox)]
        elif now - sent > VIOLATION_GRACE and (batch is None or batch != set_by):
            self._counters["retry_after_violations"] += 1
            self._counters["throttled"] += 1
            raise _too_many(until - now, "Retry-After was not honoured: wait before calling again")

    def _hold(self, client: str, mailbox: str | None, now: float, seconds: float) -> None:
        """Remember a Retry-After sent to ``client`` for ``mailbox`` (and the ``$batch`` of the
        call it answered)."""
        self._holds[(client, mailbox)] = (now, now + seconds, self._batch)

    def _spend_budget(
        self, config: FaultConfig, client: str, mailbox: str | None, now: float
    ) -> None:
        if config.budget is None or mailbox is None:
            return
        window = self._budgets.get(mailbox)
        if window is None or now - window[0] >= config.budget_window:
            window = self._budgets[mailbox] = [now, 0]
        if window[1] >= config.budget:
            wait = window[0] + config.budget_window - now
            self._counters["budget_exhausted"] += 1
            self._counters["throttled"] += 1
            self._hold(client, mailbox, now, wait)
            raise _too_many(
                wait,
                f"The mailbox's budget of {config.budget} calls per "
                f"{config.budget_window:g} s is spent",
            )
        window[1] += 1

    def _limit_concurrency(
        self, config: FaultConfig, client: str, mailbox: str | None, now: float
    ) -> None:
        if config.max_concurrent is None or mailbox is None:
            return
        if self._in_flight[(client, mailbox)] >= config.max_concurrent:
            self._counters["concurrency_limited"] += 1
            self._counters["throttled"] += 1
            self._hold(client, mailbox, now, config.retry_after)
            raise _too_many(
                config.retry_after,
                f"More than {config.max_concurrent} concurrent calls on this mailbox",
            )

    def _random_fault(
        self, config: FaultConfig, client: str, mailbox: str | None, now: float, *, can_drop: bool
    ) -> bool:
        """Raise a random 429/503/504, or return ``True`` to drop the connection."""
        draw = self._random.random
        if config.throttle_rate and draw() < config.throttle_rate:
            self._counters["throttled"] += 1
            self._hold(client, mailbox, now, config.retry_after)
            raise _too_many(config.retry_after, "Too many requests (injected)")
        if config.unavailable_rate and draw() < config.unavailable_rate:
            self._counters["unavailable"] += 1
            self._hold(client, mailbox, now, config.retry_after)
            raise service_unavailable(
                "The service is unavailable (injected)",
                retry_after=retry_after_header(config.retry_after),
            )
        if config.gateway_timeout_rate and draw() < config.gateway_timeout_rate:
            self._counters["gateway_timeouts"] += 1
            raise gateway_timeout("The gateway timed out (injected)")
        if can_drop and config.drop_rate and draw() < config.drop_rate:
            self._counters["dropped"] += 1
            return True
        return False


def _too_many(seconds: float, message: str) -> ApiProblem:
    return too_many_requests(message, retry_after=retry_after_header(seconds))
