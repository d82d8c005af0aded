"""Where the log of a run goes: ``-v``/``-vv`` on stderr, ``--log-file FILE``.

The client (``ocm_tool.client``) and the sign-in (``ocm_tool.auth``) log through Python
``logging`` under the ``ocm_tool`` logger: one INFO line per HTTP call (method, path, status,
milliseconds, try, request-id), INFO lines for every retry and hold-off, DEBUG lines with the
headers, redacted where they log them. This module only attaches handlers:

- ``verbose`` 0: nothing on stderr; 1 (``-v``): INFO; 2 (``-vv``): DEBUG too.
- ``log_file``: appended to, INFO (DEBUG with ``-vv``), with date and time on every line.

Lines are written whole and never wrapped (a plain formatter, not rich), to the ``sys.stderr``
of the moment (so a live progress display that redirects stderr keeps them above it).
Only the ``ocm_tool`` logger is configured: msal's and urllib3's own logs stay off.
:func:`configure_logging` returns a function that removes what it attached (a process that
runs several commands, like the tests, starts each clean).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ocm_tool.errors import UsageError

LOGGER = "ocm_tool"
_STDERR_FORMAT = "%(asctime)s.%(msecs)03d %(message)s"
_FILE_FORMAT = "%(asctime)s.%(msecs)03d %(levelname)s %(name)s: %(message)s"


class _CurrentStderr(logging.StreamHandler[TextIO]):
    """A stream handler that writes to whatever ``sys.stderr`` is when a line is logged."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure_logging(verbose: int, log_file: Path | None) -> Callable[[], None]:
    """Attach the handlers ``verbose`` and ``log_file`` ask for; return their removal."""
    logger = logging.getLogger(LOGGER)
    handlers: list[logging.Handler] = []
    if verbose > 0:
        handler: logging.Handler = _CurrentStderr()
        handler.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)
        handler.setFormatter(logging.Formatter(_STDERR_FORMAT, "%H:%M:%S"))
        handlers.append(handler)
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as error:
            raise UsageError(
                f"cannot write the log file {log_file}: {error.strerror or error}",
                hint="pass --log-file with a file in a folder you can write",
            ) from None
        handler.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)
        handler.setFormatter(logging.Formatter(_FILE_FORMAT, "%Y-%m-%dT%H:%M:%S"))
        handlers.append(handler)
    previous = logger.level
    for handler in handlers:
        logger.addHandler(handler)
    if handlers:
        logger.setLevel(min(h.level for h in handlers))

    def remove() -> None:
        for attached in handlers:
            logger.removeHandler(attached)
            attached.close()
        logger.setLevel(previous)

    return remove
