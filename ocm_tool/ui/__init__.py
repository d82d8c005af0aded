"""Terminal output: consoles, one-line errors, the typed confirmation, logs, and run views.

Nothing here decides what to do; it only shows and asks. ``export_view`` and ``purge_view``
show what the export and purge engines report through their observer protocols; ``terminal``
finds where a person answers; ``logs`` attaches the handlers of ``-v`` and ``--log-file``.
"""

from ocm_tool.ui.confirm import confirm_by_typing
from ocm_tool.ui.console import make_console, print_error
from ocm_tool.ui.terminal import Terminal, find_terminal

__all__ = ["Terminal", "confirm_by_typing", "find_terminal", "make_console", "print_error"]
