"""Terminal output: consoles, error lines, and the typed confirmation before anything is deleted.

Export- and purge-specific views (progress bars, plans, summaries) live further down this module;
nothing here decides what to do, it only shows and asks.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape

from ocm_tool.errors import OcmError


def make_console(*, quiet: bool) -> Console:
    """The console for normal output; ``quiet`` silences it (errors go to ``stderr``)."""
    return Console(quiet=quiet, highlight=False)


def stdio_is_interactive() -> bool:
    """True when a person can answer prompts: stdin and stdout are terminals."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def print_error(console: Console, error: OcmError | str) -> None:
    """One line ``error: ...``, then ``hint: ...`` when the error knows the fix."""
    console.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True)
    hint = getattr(error, "hint", None)
    if hint:
        console.print(f"[yellow]hint:[/] {escape(hint)}", soft_wrap=True)


def confirm_by_typing(console: Console, expected: str, *, what: str) -> bool:
    """Ask the person to type ``expected`` (a mailbox address) to go on; True if they did.

    Typing is deliberate where a y/N key press is not: the script this replaces went on at
    any key, which is how the wrong mailbox gets purged.
    """
    console.print(f"To {what}, type [bold]{escape(expected)}[/] and press Enter (anything else cancels):")
    try:
        answer = console.input("> ")
    except EOFError:
        return False
    return answer.strip().casefold() == expected.casefold()
