"""The terminal a person answers on, even when stdout is piped (``purge ... | tee log``).

:func:`find_terminal` picks it once per run:

- stdin is a terminal: answers are read from stdin; the question goes to stdout when it is a
  terminal, else to stderr when that is one (``| tee`` leaves stderr on the terminal), else
  to the controlling terminal;
- stdin is not a terminal (a pipe, a file): the controlling terminal, when the process has
  one (``/dev/tty``; ``CONIN$``/``CONOUT$`` on Windows), for the question and the answer;
- neither: ``None``. Nobody can answer; the engines refuse what needs a confirmation.
"""

from __future__ import annotations

import os
import select
import sys
from dataclasses import dataclass
from typing import TextIO

from rich.console import Console

#: How often waiting for the answer returns to Python, where a pending signal is handled.
_POLL = 0.2


@dataclass
class Terminal:
    """Where a question is written (``console``) and its answer read (``input``)."""

    console: Console
    input: TextIO

    def ask(self, prompt: str) -> str | None:
        """Show ``prompt`` (markup) and read one line; ``None`` at end of input."""
        self.console.print(prompt, end="", soft_wrap=True)
        self.console.file.flush()
        wait_for_a_line(self.input)
        line = self.input.readline()
        return None if not line else line.rstrip("\r\n")


def wait_for_a_line(stream: TextIO) -> None:
    """Return once ``stream`` has something to read (a line, or its end).

    A blocking read never sees a signal caught just before it began (CPython checks for
    signals only when the read is interrupted), so Ctrl-C at the prompt was lost now and
    then. Waiting here in short ``select`` steps hands every signal to Python within
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


def _controlling_terminal() -> tuple[TextIO, TextIO] | None:
    try:
        if os.name == "nt":
            return open("CONIN$", encoding="utf-8"), open("CONOUT$", "w", encoding="utf-8")
        tty = open("/dev/tty", "r+", encoding="utf-8")  # noqa: SIM115 - kept for the run
    except OSError:
        return None
    return tty, tty


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):  # closed
        return False


def find_terminal() -> Terminal | None:
    """The terminal to ask on (see the module docstring), or ``None``."""
    if _is_terminal(sys.stdin):
        if _is_terminal(sys.stdout):
            output: TextIO = sys.stdout
        elif _is_terminal(sys.stderr):
            output = sys.stderr
        else:
            found = _controlling_terminal()
            output = found[1] if found else sys.stderr
        return Terminal(Console(file=output, highlight=False), sys.stdin)
    found = _controlling_terminal()
    if found is None:
        return None
    reader, writer = found
    return Terminal(Console(file=writer, highlight=False, force_terminal=True), reader)
