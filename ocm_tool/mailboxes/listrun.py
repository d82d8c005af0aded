"""Working through a list of mailboxes a few at a time: what purge and bulk export share.

Contract of :func:`run_list`:

- ``work(target)`` runs for every target, at most ``workers`` at a time, each in a thread;
  ``record(result)`` is called on the calling thread as each one ends, in the order they end
  (a report rewritten as mailboxes finish).
- ``work`` reports its own failures in its result and never raises an ``OcmError``; it checks
  ``signal.stopping`` between its steps and ends early once it is set. A mailbox whose error
  ends the whole run calls ``signal.stop(error)``: nothing new is started after it.
- Ctrl-C (on the calling thread) sets the signal, tells ``note`` once, then waits for every
  mailbox in progress to end (each stops at its next step and takes back what it granted) and
  records it; a second Ctrl-C while waiting only tells ``note`` again. :func:`run_list` then
  returns ``True`` (interrupted). Any other exception escaping ``record`` or the wait is
  raised after the same draining.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Generic, TypeVar

from ocm_tool.errors import OcmError

T = TypeVar("T")
R = TypeVar("R")

INTERRUPTED_NOTE = (
    "interrupted: finishing the calls in flight and taking back access grants "
    "(the report is written next)"
)
STILL_DRAINING_NOTE = "still taking back access grants and writing the report; please wait"


class StopSignal:
    """What every mailbox of a list shares: the signal to stop, and the error that ended the
    run (the first one given)."""

    def __init__(self) -> None:
        self.fatal: OcmError | None = None
        self.event = threading.Event()
        self._lock = threading.Lock()

    def stop(self, error: OcmError | None = None) -> None:
        """Start nothing new; mailboxes in progress stop at their next step."""
        with self._lock:
            if error is not None and self.fatal is None:
                self.fatal = error
            self.event.set()

    @property
    def stopping(self) -> bool:
        return self.event.is_set()


class _Recorder(Generic[R]):
    def __init__(self, record: Callable[[R], None]) -> None:
        self._record = record
        self._done: set[Future[R]] = set()

    def __call__(self, future: Future[R]) -> None:
        """Record a finished mailbox (once)."""
        if future in self._done:
            return
        result = future.result()
        self._done.add(future)
        self._record(result)


def run_list(
    targets: Sequence[T],
    work: Callable[[T], R],
    *,
    workers: int,
    record: Callable[[R], None],
    signal: StopSignal,
    note: Callable[[str], None],
    thread_name: str = "mailbox",
) -> bool:
    """Run ``work`` on every target (see the module contract); True when interrupted."""
    recorder = _Recorder(record)
    interrupted = False
    workers = max(1, min(workers, len(targets)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=thread_name) as pool:
        futures = [pool.submit(work, target) for target in targets]
        try:
            for future in as_completed(futures):
                recorder(future)
        except BaseException as error:
            interrupted = isinstance(error, KeyboardInterrupt)
            signal.stop()
            if interrupted:
                note(INTERRUPTED_NOTE)
            _drain(futures, recorder, note)
            if not interrupted:
                raise
    return interrupted


def _drain(
    futures: Sequence[Future[R]], recorder: _Recorder[R], note: Callable[[str], None]
) -> None:
    """Wait for every mailbox still running (they stop at their next step) and record it."""
    for future in futures:
        while True:
            try:
                recorder(future)
            except KeyboardInterrupt:
                note(STILL_DRAINING_NOTE)
                continue
            except Exception:  # noqa: BLE001 - a bug in that mailbox; the first one is raised
                pass
            break
