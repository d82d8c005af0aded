"""Consoles and the one-line error format.

Normal output goes to the console ``make_console`` builds (silenced by ``--quiet``); errors and
warnings go to stderr, so redirected or quiet runs still show them.
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
    """One line: ``error: <what went wrong>; fix: <how>`` (the fix when the error knows it)."""
    hint = getattr(error, "hint", None)
    fix = f"; [yellow]fix:[/] {escape(hint)}" if hint else ""
    console.print(f"[bold red]error:[/] {escape(str(error))}{fix}", soft_wrap=True)
