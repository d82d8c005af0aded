"""The typed confirmation asked before anything is deleted."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape


def confirm_by_typing(console: Console, expected: str, *, what: str) -> bool:
    """Ask the person to type ``expected`` (a mailbox address, or the number of mailboxes of
    a list; any case) to go on; True if they did, False for anything else or end of input.

    Typing is deliberate where a y/N key press is not: the script this replaces went on at
    any key, which is how the wrong mailbox gets purged.
    """
    console.print(
        f"To {what}, type [bold]{escape(expected)}[/] and press Enter (anything else cancels):"
    )
    try:
        answer = console.input("> ")
    except EOFError:
        return False
    return answer.strip().casefold() == expected.casefold()
