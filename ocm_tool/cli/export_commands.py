"""The export commands: one click command per row of ``export.commands.EXPORT_OPERATIONS``.

Only the tables are imported here; the export engine (client, writers) loads when a command
runs.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import click

from ocm_tool.cli._context import CONTEXT_SETTINGS, exit_with, pass_runtime
from ocm_tool.cli._help import examples, exit_statuses
from ocm_tool.export.commands import EXPORT_OPERATIONS, ExportOperation
from ocm_tool.runtime import Runtime

_PERMISSIONS = (
    "Needs read access to the mailbox: your own, a Microsoft 365 group you are a member of, "
    "one you hold FullAccess on, or any mailbox with app-only sign-in (full_access_as_app; "
    "--mailbox is then required)."
)
_OUTPUT = (
    "Files go to a new folder <account>_<yyyyMMddTHHmmssffff> under --output-dir, with "
    "manifest.json (rows and SHA-256 of each file). A file under its final name is always "
    "whole; a file that failed is not written, and the others still are."
)


def _help(operation: ExportOperation) -> str:
    files = "\n".join(
        textwrap.fill(
            f"{entity.stem}.csv: {entity.about}.",
            width=78,
            initial_indent="  ",
            subsequent_indent="      ",
        )
        for entity in operation.entities
    )
    return (
        f"{operation.synopsis}\n\n\b\nWrites:\n{files}\n\n{_OUTPUT}\n\n{_PERMISSIONS}\n\n"
        f"{exit_statuses()}"
    )


def _examples(name: str) -> str:
    return examples(
        (
            f"ocm-tool {name}",
            f"ocm-tool {name} --mailbox sales-team@contoso.com --output-dir ./exports",
            f"OCM_CLIENT_SECRET=... ocm-tool --tenant contoso.onmicrosoft.com "
            f"--client-id <app id> {name} --mailbox alice@contoso.com",
        )
    )


def export_command(operation: ExportOperation) -> click.Command:
    """The click command of one export operation."""

    @click.command(
        operation.name,
        help=_help(operation),
        epilog=_examples(operation.name),
        context_settings=CONTEXT_SETTINGS,
    )
    @click.option(
        "--mailbox",
        metavar="ADDRESS",
        help="User or group mailbox to export [default: the signed-in user's].",
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


EXPORT_COMMANDS: tuple[click.Command, ...] = tuple(export_command(op) for op in EXPORT_OPERATIONS)
