"""The typed confirmation asked before anything is deleted."""

from __future__ import annotations

import os
import select
import sys
from typing import TextIO

from rich.console import Console
from rich.markup import escape

#: How often waiting for the answer returns to Python, where a pending signal is handled.
_POLL = 0.2


def wait_for_a_line(stream: TextIO) -> None:
    """Return once ``stream`` has something to read (a line, or its end).

    A blocking ``input()`` never sees a signal caught just before its ``read`` began (CPython
    checks for signals only when the read is interrupted), so Ctrl-C at the prompt was lost
    now and then. Waiting here in short ``select`` steps hands every signal to Python within
    ``_POLL`` seconds. Streams without a descriptor (tests) and Windows read directly.
    """
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    if os.name != "posix":
        return
    while not select.select([descriptor], [], [], _POLL)[0]:
        pass


def confirm_by_typing(console: Console, expected: str, *, what: str) -> bool:
    """Ask the person to type ``expected`` (a mailbox address, or the number of mailboxes of
    a list; any case) to go on; True if they did, False for anything else or end of input.

    Typing is deliberate where a y/N key press is not: the script this replaces went on at
    any key, which is how the wrong mailbox gets purged.
    """
    console.print(
        f"To {what}, type [bold]{escape(expected)}[/] and press Enter (anything else cancels):"
    )
    console.print("> ", end="")
    try:
        wait_for_a_line(sys.stdin)
        answer = console.input()
    except EOFError:
        return False
    return answer.strip().casefold() == expected.casefold()
