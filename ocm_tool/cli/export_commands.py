"""The export commands: one click command per row of ``export.commands.EXPORT_OPERATIONS``.

Each command's help page is generated from its row too (:func:`export_manual`). Only the
tables are imported here; the export engine (client, writers) loads when a command runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from ocm_tool.cli._context import CONTEXT_SETTINGS, exit_with, pass_runtime
from ocm_tool.cli._help import Example, Items, Manual
from ocm_tool.export.commands import EXPORT_ALL, EXPORT_OPERATIONS, ExportOperation
from ocm_tool.runtime import Runtime

_RUN_FOLDER = (
    "Each run writes a new folder `<account>_<yyyyMMddTHHmmssffff>` under `--output-dir` "
    "(the signed-in account, or with app-only sign-in the mailbox, and the local time), with "
    "`manifest.json`: the rows, size and SHA-256 of each file, the run's status and the links "
    "that point at nothing. A file under its final name is always whole; a file that failed "
    "is not written, the others still are, and the run ends with exit status 1."
)
_FILES = (
    "The CSV files are the script's, column for column: RFC 4180, every field quoted, CRLF, "
    "UTF-8 with the BOM Excel needs (`--encoding utf-8` leaves it out); custom fields of the "
    "templates become columns of their own. docs/export.md describes every column."
)
_PERMISSIONS = (
    "Read access to the mailbox: your own, a Microsoft 365 group you are a member of, one you "
    "hold FullAccess on, or any mailbox with app-only sign-in (`full_access_as_app`; "
    "`--mailbox` is then required). Shared OCM data lives in the group's mailbox, private "
    "data in each user's."
)
_NEVER = (
    "It only reads: nothing in any mailbox is changed. It writes only inside the new run "
    "folder, which no other run shares."
)
_ENDPOINT = (
    "The examples assume the endpoint is set (`--endpoint` or `OCM_ENDPOINT`) and sign-in "
    "is cached (`ocm-tool login`); with `--demo` they run against the built-in emulator."
)


def _files(operation: ExportOperation) -> str:
    if operation is EXPORT_ALL:
        return "every OCM file"
    return " and ".join(f"{entity.stem}.csv" for entity in operation.entities)


def export_manual(operation: ExportOperation) -> Manual:
    """The help page of one export operation, written around the entities of its row."""
    name, files = operation.name, _files(operation)
    siblings = [op.name for op in EXPORT_OPERATIONS if op is not operation]
    return Manual(
        summary=operation.synopsis,
        description=(
            "Writes these files of the mailbox (`--mailbox`, by default your own), in this order:",
            Items(tuple((f"`{e.stem}.csv`", e.about) for e in operation.entities)),
            _RUN_FOLDER,
            _FILES,
        ),
        examples=(
            Example(
                f"ocm-tool {name}",
                f"Writes {files} of your own mailbox into a new run folder in the current "
                "directory.",
            ),
            Example(
                f"ocm-tool --demo {name} --output-dir exports",
                f"Writes {files} of the sample tenant's first user into a run folder under "
                "exports, against the built-in emulator: no tenant needed.",
            ),
            Example(
                f"ocm-tool {name} --mailbox sales@contoso.com --output-dir exports",
                "Exports the shared OCM data of the Microsoft 365 group sales@contoso.com, "
                "which you are a member of, into a run folder under exports.",
            ),
            Example(
                "OCM_CLIENT_SECRET=$SECRET ocm-tool --auth client-secret --tenant "
                f"contoso.onmicrosoft.com --client-id $APP_ID {name} --mailbox alice@contoso.com",
                "Signs in as an app with full_access_as_app (the secret comes from the "
                "environment, never from the command line) and exports Alice's mailbox.",
            ),
        ),
        permissions=_PERMISSIONS,
        never_touches=_NEVER,
        notes=(_ENDPOINT,),
        related=(*(siblings if operation is EXPORT_ALL else [EXPORT_ALL.name]), "purge-all-data"),
        pages=("export.md", "original-script.md"),
    )


def export_command(operation: ExportOperation) -> click.Command:
    """The click command of one export operation."""

    @click.command(operation.name, context_settings=CONTEXT_SETTINGS)
    @click.option(
        "--mailbox",
        metavar="ADDRESS",
        show_default="the signed-in user's mailbox",
        help="User or group mailbox to export.",
    )
    @click.option(
        "--output-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Where the run folder is created.",
    )
    @click.option(
        "--encoding",
        type=click.Choice(["utf-8-sig", "utf-8"]),
        default="utf-8-sig",
        show_default=True,
        help="CSV encoding; utf-8-sig has the BOM Excel needs.",
    )
    @pass_runtime
    def command(runtime: Runtime, mailbox: str | None, output_dir: Path, encoding: str) -> None:
        from ocm_tool.export.run import run_export
        from ocm_tool.output.csv import CsvFormat
        from ocm_tool.ui.export_view import ExportProgress, show_export_result

        with ExportProgress(runtime.console) as progress:
            report = run_export(
                runtime,
                operation.entities,
                mailbox=mailbox,
                output_dir=output_dir,
                table_format=CsvFormat(encoding=encoding),
                progress=progress,
            )
        if report.error is not None:
            raise report.error
        show_export_result(runtime.console, runtime.err_console, report)
        exit_with(report.exit_status)

    return command


#: Each export command and its manual, in the script's order.
EXPORT_COMMANDS: tuple[tuple[click.Command, Manual], ...] = tuple(
    (export_command(op), export_manual(op)) for op in EXPORT_OPERATIONS
)
