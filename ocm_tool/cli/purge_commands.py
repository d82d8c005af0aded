"""The purge commands: one click command per row of ``purge.table.PURGE_OPERATIONS``.

Each command builds :class:`~ocm_tool.purge.options.PurgeOptions`, runs
:func:`~ocm_tool.purge.run.run_purge` with the terminal view
(:class:`~ocm_tool.ui.purge_view.TerminalPurgeView`), prints the summary and ends with the
run's exit status; errors are left to the root group. The help (what survives, permissions,
safety, examples) is written here, around the folders of the table row. Only the table is
imported at start-up; the engine and the view load when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ocm_tool.cli._context import CONTEXT_SETTINGS, exit_with, pass_runtime
from ocm_tool.cli._help import examples, exit_statuses
from ocm_tool.purge.table import PURGE_OPERATIONS, FolderPath, PurgeOperation
from ocm_tool.runtime import Runtime

_SURVIVES = (
    "Nothing else is touched: tasks (OCM tasks included), the user's own contacts, mail, "
    "calendar, and the OCM folders of other purge operations all stay. Sub-folders are kept."
)
_PERMISSIONS = (
    "Permissions: your own mailbox, a Microsoft 365 group you are a member of, a mailbox on "
    "which you hold FullAccess, or app-only sign-in with full_access_as_app. An Exchange or "
    "Global Administrator may add --grant-access: FullAccess is granted for the purge and "
    "always removed afterwards (a grant you already held is left alone). Shared OCM data lives "
    "in the group's mailbox, private data in each user's: purge both."
)
_SAFETY = (
    "The plan (each folder and its item count) is shown first; then type the mailbox address "
    "(for --mailboxes-file: the number of mailboxes) to go on. --yes skips the question and is "
    "required without a terminal; --dry-run only shows the plan. Items are deleted for good "
    "(--soft-delete moves them to Recoverable Items instead); in a mailbox on hold they stay "
    "in Recoverable Items until the hold ends. Afterwards every folder is counted again; "
    "purge-report.csv and purge-report.json go to a new run folder under --output-dir."
)


def _help(what: str, folders: tuple[FolderPath, ...]) -> str:
    listing = "\n".join(f"  {n}. {folder}" for n, folder in enumerate(folders, 1))
    return (
        f"Purge {what} of a user or group mailbox.\n\n"
        f"Empties these folders of ADDRESS (default: your own mailbox), in this order:\n\n"
        f"\b\n{listing}\n\n{_SURVIVES}\n\n{_PERMISSIONS}\n\n{_SAFETY}\n\n{exit_statuses()}"
    )


def _examples(name: str) -> str:
    return examples(
        (
            f"ocm-tool {name} --dry-run",
            f"ocm-tool {name}",
            f"ocm-tool {name} sales@contoso.com",
            f"ocm-tool {name} alice@contoso.com --grant-access --export-first",
            f"ocm-tool {name} --mailboxes-file mailboxes.txt --yes",
            f"ocm-tool {name} --mailboxes-file mailboxes.txt --yes --resume RUN/purge-report.csv",
        )
    )


def purge_command(operation: PurgeOperation) -> click.Command:
    """The click command of one purge operation."""

    @click.command(
        operation.name,
        help=_help(operation.what, operation.folders),
        epilog=_examples(operation.name),
        context_settings=CONTEXT_SETTINGS,
    )
    @click.argument("mailbox", required=False, metavar="[ADDRESS]")
    @click.option(
        "--mailboxes-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Purge every mailbox listed (one address a line, or a CSV with an 'address' column).",
    )
    @click.option(
        "--resume",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        metavar="REPORT",
        help="Skip the mailboxes a previous purge-report.csv shows as done.",
    )
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
    @click.option("--dry-run", is_flag=True, help="Show the plan and delete nothing.")
    @click.option(
        "--soft-delete",
        is_flag=True,
        help="Move items to Recoverable Items instead of deleting them for good.",
    )
    @click.option(
        "--export-first",
        is_flag=True,
        help="Run export-all-data on each mailbox first; purge only if it completed.",
    )
    @click.option(
        "--grant-access",
        is_flag=True,
        help="Grant yourself FullAccess for the purge and always remove it afterwards.",
    )
    @click.option(
        "--output-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Where the run folder is created.",
    )
    @pass_runtime
    def command(runtime: Runtime, mailbox: str | None, **options: Any) -> None:
        from ocm_tool.purge.options import PurgeOptions
        from ocm_tool.purge.run import run_purge
        from ocm_tool.ui.purge_view import TerminalPurgeView, show_purge_summary

        view = TerminalPurgeView(runtime.console)
        try:
            status = run_purge(runtime, operation, PurgeOptions(mailbox=mailbox, **options), view)
        finally:
            # Also when the run was stopped (a cancelled confirmation, Ctrl-C, an error): what
            # was done comes before the error line. Refusals stop it before there is a report.
            if view.report is not None:
                show_purge_summary(runtime.console, view.report)
        exit_with(status)

    return command


PURGE_COMMANDS: tuple[click.Command, ...] = tuple(purge_command(op) for op in PURGE_OPERATIONS)
