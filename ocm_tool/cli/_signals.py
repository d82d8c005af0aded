"""SIGINT, SIGTERM and SIGHUP: one orderly stop for the commands that write files or grant access.

Inside :func:`orderly_stop` (the export and purge commands run in it):

- **the first** of these signals raises ``KeyboardInterrupt`` in the main thread, as Ctrl-C
  always did: downloads stop, temporary files are removed, FullAccess grants are taken back,
  the manifest or report is written, and the command exits 130. A ``kill`` (SIGTERM) from a
  scheduler and a closed terminal (SIGHUP) get the same orderly stop as Ctrl-C;
- **a second** one does not interrupt that stop (which is what left temporary files and grants
  behind): it says that the stop is under way;
- **a third** one quits at once, exit 130, after removing every temporary file still open
  (``output.atomic.discard_all``); a grant not yet taken back stays recorded, and the next
  purge run takes it back.

After SIGHUP the terminal is gone: the standard streams that were on it are pointed at
``/dev/null``, so that writing to them cannot fail the stop.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from ocm_tool.errors import ExitStatus
from ocm_tool.output.atomic import discard_all

#: The signals that stop a run, where the platform has them.
STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_STILL_STOPPING = (
    "still stopping: taking back access grants, removing temporary files and writing the "
    "report or manifest; press Ctrl-C again to quit at once\n"
)
_QUIT = "quit at once: temporary files removed; a grant still recorded is taken back by the next purge run\n"


#: Set by the console entry point (``cli.main``): the process ends with the command, so once a
#: stop is done later signals are ignored. Run in-process (a test runner), handlers are put back.
_ENDS_WITH_THE_COMMAND = False


def the_process_ends_with_the_command() -> None:
    """Called by ``cli.main``: this process exits when the command ends."""
    global _ENDS_WITH_THE_COMMAND
    _ENDS_WITH_THE_COMMAND = True


class _Stop:
    """The signal handler of one :func:`orderly_stop` block: counts the signals it got."""

    def __init__(self) -> None:
        self.signals = 0

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.signals += 1
        if signum == getattr(signal, "SIGHUP", None):
            _leave_the_terminal()
        if self.signals == 1:
            raise KeyboardInterrupt
        if self.signals == 2:
            _say(_STILL_STOPPING)
            return
        discard_all()
        _say(_QUIT)
        os._exit(int(ExitStatus.INTERRUPTED))


def _say(text: str) -> None:
    # os.write, not print: a handler may run while the main thread is inside a print.
    with contextlib.suppress(OSError):
        os.write(2, text.encode("utf-8", "replace"))


def _leave_the_terminal() -> None:
    """Point the standard streams that are on a terminal at /dev/null (it hung up)."""
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for descriptor in (0, 1, 2):
            with contextlib.suppress(OSError):
                if os.isatty(descriptor):
                    os.dup2(null, descriptor)
    finally:
        os.close(null)


@contextmanager
def orderly_stop() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP stop the block in order (see the module docstring).

    Once a signal came and the stop is done, later ones are ignored when the process ends
    with the command (:func:`the_process_ends_with_the_command`): it is only printing its last
    line and exiting 130, and a signal then must not kill it with a traceback or the signal's
    default action (which Python puts back while it exits). Otherwise the handlers that were
    there are put back.
    Outside the main thread (a test runner's worker) signals cannot be handled.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = _Stop()
    previous = {number: signal.signal(number, handler) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, old in previous.items():
            ignore = handler.signals and _ENDS_WITH_THE_COMMAND
            signal.signal(number, signal.SIG_IGN if ignore else old)
