"""What every command shares: the click context settings, the run's Runtime, how a run ends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ocm_tool.errors import ExitStatus
from ocm_tool.runtime import Runtime

if TYPE_CHECKING:
    from ocm_tool.ui.terminal import Terminal

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: ``click.Context.meta`` key (root context): the run's :class:`~ocm_tool.ui.Terminal`, or None.
TERMINAL_KEY = "ocm_tool.terminal"

#: Passes the run's :class:`~ocm_tool.runtime.Runtime` (built by the root group) to a command.
pass_runtime = click.make_pass_decorator(Runtime)


def exit_with(status: ExitStatus) -> None:
    """End a command that ran to its end: return for ``OK``, else exit with ``status``.

    Errors are not ended here: they are raised, and the root group maps them (``_group.py``).
    """
    if status is not ExitStatus.OK:
        raise click.exceptions.Exit(int(status))


def terminal() -> Terminal | None:
    """Where a person answers the run's questions (``ui.find_terminal``), or ``None``."""
    ctx = click.get_current_context(silent=True)
    return ctx.find_root().meta.get(TERMINAL_KEY) if ctx is not None else None
