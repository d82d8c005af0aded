"""The purge commands: one click command per row of ``purge.table.PURGE_OPERATIONS``.

Each command builds :class:`~ocm_tool.purge.options.PurgeOptions`, runs
:func:`~ocm_tool.purge.run.run_purge` with the terminal view
(:class:`~ocm_tool.ui.purge_view.TerminalPurgeView`), prints the summary and ends with the
run's exit status through ``_output.respond`` (text, or one JSON document); errors are left
to the root group. The help page (what survives, permissions, safety, examples) is written
here around the folders of the table row (:func:`purge_manual`). Only the table is imported
at start-up; the engine and the view load when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ocm_tool.cli._context import CONTEXT_SETTINGS, pass_runtime, terminal
from ocm_tool.cli._evidence import write_evidence
from ocm_tool.cli._help import Example, Items, Manual
from ocm_tool.cli._output import respond
from ocm_tool.cli._signals import orderly_stop
from ocm_tool.errors import ExitStatus, UsageError
from ocm_tool.purge.table import PURGE_OPERATIONS, PurgeOperation
from ocm_tool.runtime import Runtime

_SURVIVES = (
    "Everything but the folders listed: tasks (OCM tasks included), the user's own contacts, "
    "mail, calendar, and the OCM folders of other purge operations all stay. Sub-folders of "
    "the folders emptied are kept."
)
_PERMISSIONS = (
    "Your own mailbox, a Microsoft 365 group you are a member of, a mailbox on which you hold "
    "FullAccess, or app-only sign-in with `full_access_as_app`. An Exchange or Global "
    "Administrator may add `--grant-access`: FullAccess is granted for the purge and always "
    "removed afterwards (a grant you already held is left alone)."
)
_SAFETY = (
    "The plan (each folder and its item count) is shown first; then type the mailbox address "
    "(for `--mailboxes-file`: the number of mailboxes to purge, once each mailbox was read and "
    "those that do not exist or may not be opened were left out) to go on; it is asked at the "
    "terminal also when stdout is piped. The plan says whether the mailbox is on hold when the "
    "account may ask. `--yes` skips the question and is required without a terminal (no "
    "variable stands in for it); `--dry-run` only shows the plan and changes nothing (no grant "
    "either)."
)
_DELETION = (
    "Items are deleted for good (`--soft-delete` moves them to Recoverable Items instead); in "
    "a mailbox on hold they stay in Recoverable Items until the hold ends. Afterwards every "
    "folder is counted again, and `purge-report.csv`, `purge-report.json` and `report.html` "
    "(the evidence to keep and print) go to a new run folder under `--output-dir`."
)
_SCRIPTS = (
    "With `--output json` one document goes to stdout: `purge-report.json`'s, with the run "
    "folder and the paths of the two report files; the plan, the question and the summary go "
    "to stderr then. With `--quiet` the run folder's path is printed alone "
    "(docs/json-output.md)."
)
_BOTH = (
    "Shared OCM data lives in the Microsoft 365 group's mailbox, private data in each user's: "
    "purge both. The examples assume the endpoint is set (`--endpoint` or `OCM_ENDPOINT`); "
    "with `--demo` they run against the built-in emulator."
)


def purge_manual(operation: PurgeOperation) -> Manual:
    """The help page of one purge operation, written around the folders of its row."""
    name = operation.name
    return Manual(
        summary=f"Purge {operation.what} of a user or group mailbox.",
        description=(
            "Empties these folders of ADDRESS (by default your own mailbox), in this order:",
            Items(tuple((f"`{folder}`", "") for folder in operation.folders), numbered=True),
            _SAFETY,
            _DELETION,
            _SCRIPTS,
        ),
        examples=(
            Example(
                f"ocm-tool {name} --dry-run",
                "Shows the plan for your own mailbox, each folder and how many items it holds, "
                "and deletes nothing.",
            ),
            Example(
                f"ocm-tool --demo {name} --yes",
                f"Purges {operation.what} of the sample tenant's first user in the built-in "
                "emulator without asking: try it without a tenant.",
            ),
            Example(
                f"ocm-tool {name} sales@contoso.com",
                f"Purges {operation.what} of the Microsoft 365 group sales@contoso.com after "
                "you type its address to confirm.",
            ),
            Example(
                f"ocm-tool {name} --mailbox sales@contoso.com --dry-run",
                "Shows the plan for the group sales@contoso.com, given as an option instead of "
                "ADDRESS, and deletes nothing.",
            ),
            Example(
                f"ocm-tool {name} alice@contoso.com --grant-access --export-first",
                "As an Exchange administrator: grants you FullAccess to Alice's mailbox, "
                "exports all its OCM data, purges only if the export completed, and removes the "
                "grant.",
            ),
            Example(
                f"ocm-tool {name} --mailboxes-file mailboxes.txt --yes",
                "Purges every mailbox listed in mailboxes.txt (one address a line) without "
                "asking, as a script would; the report gives each mailbox's outcome.",
            ),
            Example(
                f"ocm-tool {name} --mailboxes-file mailboxes.txt --yes "
                "--resume previous-run/purge-report.csv",
                "Runs the same list again after an interruption, skipping the mailboxes the "
                "earlier report shows as done.",
            ),
        ),
        permissions=_PERMISSIONS,
        never_touches=_SURVIVES,
        exit_statuses=tuple(ExitStatus),
        notes=(_BOTH,),
        related=(
            *(op.name for op in PURGE_OPERATIONS if op is not operation),
            "export-all-data",
        )
        if operation is PURGE_OPERATIONS[0]
        else ("purge-all-data", "export-all-data"),
        pages=("purge.md", "original-script.md"),
        arguments={"address": "The user or group mailbox to purge; by default your own."},
    )


def purge_command(operation: PurgeOperation) -> click.Command:
    """The click command of one purge operation."""

    @click.command(operation.name, context_settings=CONTEXT_SETTINGS)
    @click.argument("address", required=False, metavar="[ADDRESS]")
    @click.option(
        "--mailbox",
        metavar="ADDRESS",
        show_default="your own",
        help="The user or group mailbox to purge (the same as ADDRESS).",
    )
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
    def command(runtime: Runtime, address: str | None, mailbox: str | None, **options: Any) -> None:
        from ocm_tool.purge.evidence import purge_evidence
        from ocm_tool.purge.options import PurgeOptions
        from ocm_tool.purge.run import run_purge
        from ocm_tool.ui.purge_view import TerminalPurgeView, show_purge_summary

        with respond(runtime, operation.name) as reply:
            if address and mailbox and address.casefold() != mailbox.casefold():
                raise UsageError(
                    f"two mailboxes: ADDRESS {address} and --mailbox {mailbox}",
                    hint="give the mailbox once, as ADDRESS or as --mailbox",
                )
            view = TerminalPurgeView(runtime.console, terminal())
            written = ExitStatus.OK
            try:
                with orderly_stop():  # SIGTERM and SIGHUP stop it as Ctrl-C does
                    status = run_purge(
                        runtime,
                        operation,
                        PurgeOptions(mailbox=address or mailbox, **options),
                        view,
                    )
            finally:
                # Also when the run was stopped (a cancelled confirmation, Ctrl-C, an error):
                # what was done comes before the error line. Refusals stop it before there is
                # a report.
                report = view.report
                if report is not None:
                    show_purge_summary(runtime.console, report)
                    written = write_evidence(
                        runtime, report.run_dir, lambda: purge_evidence(report)
                    )
                    reply.result = report.to_json()
            reply.status = max(status, written)

    return command


#: Each purge command and its manual, in the script's order.
PURGE_COMMANDS: tuple[tuple[click.Command, Manual], ...] = tuple(
    (purge_command(op), purge_manual(op)) for op in PURGE_OPERATIONS
)
