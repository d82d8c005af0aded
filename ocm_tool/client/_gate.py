"""What every thread calling one mailbox shares: its in-flight slots and its throttle deadline.

Exchange Online counts concurrency and throttling per mailbox (and app), so the client keeps
one :class:`MailboxGate` per mailbox it calls. A ``Retry-After`` seen by one thread holds off
every thread of the client until it has passed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

#: Key of calls that address no single mailbox (admin API, mixed ``$batch``).
TENANT_KEY = ""


class MailboxGate:
    """The in-flight slots and the hold-off deadline of one mailbox; thread-safe."""

    def __init__(self, key: str, concurrency: int) -> None:
        self.key = key
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._until = 0.0  # time.monotonic() before which nobody may call this mailbox

    def hold_off(self, seconds: float) -> None:
        """Nobody calls this mailbox again for ``seconds`` from now (a later deadline wins)."""
        with self._lock:
            self._until = max(self._until, time.monotonic() + seconds)

    def wait_clear(self) -> None:
        """Return once no hold-off is in force (at once when there is none)."""
        while True:
            with self._lock:
                remaining = self._until - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(remaining)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the mailbox's slots, once any hold-off has passed."""
        with self._slots:
            self.wait_clear()
            yield


@contextmanager
def slots(gates: Sequence[MailboxGate]) -> Iterator[None]:
    """Hold a slot of each gate, in order, once none of them is held off.

    A hold-off set on one gate while waiting for another is waited out too.
    """
    with ExitStack() as stack:
        for gate in gates:
            stack.enter_context(gate.slot())
        for gate in gates:
            gate.wait_clear()
        yield
