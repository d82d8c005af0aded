"""The typed confirmation asked before anything is deleted."""

from __future__ import annotations

from rich.markup import escape

from ocm_tool.ui.terminal import Terminal


def confirm_by_typing(terminal: Terminal | None, expected: str, *, what: str) -> bool:
    """Ask the person at ``terminal`` to type ``expected`` (a mailbox address, or the number of
    mailboxes of a list; any case) to go on; True if they did, False for anything else, end
    of input, or no terminal.

    Typing is deliberate where a y/N key press is not: the script this replaces went on at
    any key, which is how the wrong mailbox gets purged.
    """
    if terminal is None:
        return False
    terminal.console.print(
        f"To {what}, type [bold]{escape(expected)}[/] and press Enter (anything else cancels):"
    )
    answer = terminal.ask("> ")
    return answer is not None and answer.strip().casefold() == expected.casefold()
