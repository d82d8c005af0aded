"""Consoles and the one-line error format.

Normal output goes to the console ``make_console`` builds (silenced by ``--quiet``; on stderr
with ``--output json``, so stdout carries the JSON document alone); errors and warnings go to
stderr, so redirected or quiet runs still show them. A console that is not a terminal (a pipe,
a log file) never wraps a line: each line is written whole.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from ocm_tool.errors import OcmError


def make_console(*, quiet: bool = False, stderr: bool = False) -> Console:
    """A console for normal output; ``quiet`` silences it, ``stderr`` sends it there."""
    console = Console(quiet=quiet, stderr=stderr, highlight=False)
    console.soft_wrap = not console.is_terminal
    return console


def print_error(console: Console, error: OcmError | str) -> None:
    """One line: ``error: <what went wrong>; fix: <how>`` (the fix when the error knows it)."""
    hint = getattr(error, "hint", None)
    fix = f"; [yellow]fix:[/] {escape(hint)}" if hint else ""
    console.print(f"[bold red]error:[/] {escape(str(error))}{fix}", soft_wrap=True)
