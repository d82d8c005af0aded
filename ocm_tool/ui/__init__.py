"""Terminal output: consoles, one-line errors, the typed confirmation, and the views of runs.

Nothing here decides what to do; it only shows and asks. ``export_view`` and ``purge_view``
show what the export and purge engines report through their observer protocols.
"""

from ocm_tool.ui.confirm import confirm_by_typing
from ocm_tool.ui.console import make_console, print_error, stdio_is_interactive

__all__ = ["confirm_by_typing", "make_console", "print_error", "stdio_is_interactive"]
