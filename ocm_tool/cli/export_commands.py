"""The export commands: one click command per row of ``export.commands.EXPORT_OPERATIONS``.

Each command's help page is generated from its row too (:func:`export_manual`). Only the
tables are imported here (the entity table, the import targets); the export engine (client,
writers) loads when a command runs. A row with ``lists`` (export-all-data) also takes
``--mailboxes-file`` and ``--resume`` and then runs ``export.bulk.run_bulk_export``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from ocm_tool.cli._context import CONTEXT_SETTINGS, pass_runtime
from ocm_tool.cli._evidence import write_evidence
from ocm_tool.cli._help import Example, Items, Manual
from ocm_tool.cli._output import Reply, respond
from ocm_tool.cli._signals import orderly_stop
from ocm_tool.errors import UsageError
from ocm_tool.export.commands import EXPORT_ALL, EXPORT_OPERATIONS, ExportOperation
from ocm_tool.export.targets.tables import BY_NAME as TARGETS
from ocm_tool.runtime import Runtime

#: ``--format`` names, in the order of the help.
FORMAT_NAMES = ("csv", "xlsx")

_RUN_FOLDER = (
    "Each run writes a new folder `<mailbox>_<yyyyMMddTHHmmssffff>` under `--output-dir` (the "
    "mailbox exported, by default the signed-in account, and the local time; the account that "
    "exported it stays in the manifest), with `manifest.json`: the rows, size and SHA-256 of "
    "each file, the run's status and the links that point at nothing, and `report.html`: "
    "the same as a page to keep and print. A file under its final name is always whole; a "
    "file that failed is not written, the others still are, and the run ends with exit "
    "status 1."
)
_FILES = (
    "The CSV files are the script's, column for column: RFC 4180, every field quoted, CRLF, "
    "UTF-8 with the BOM Excel needs (`--encoding utf-8` leaves it out); custom fields of the "
    "templates become columns of their own. docs/export.md describes every column."
)
_WORKBOOK = (
    "`--format xlsx` writes `OCM-Export.xlsx` instead: a sheet per file with the same rows and "
    "columns, typed cells (dates, amounts in their currency, booleans), the header frozen and "
    "filtered; texts stay texts, never formulas or links. `--format csv,xlsx` writes both. "
    "`--import-for TARGET` (outlook, google, hubspot, dynamics, salesforce) adds "
    "`import/TARGET/`: files that product imports as they are, with a `README.txt` of the "
    "steps (docs/import-targets.md)."
)
_LISTS = (
    "`--mailboxes-file FILE` exports every mailbox listed (one address a line, or a CSV with an "
    "`address` or `PrimarySmtpAddress` column, as `Get-Mailbox | Export-Csv` writes it), "
    "`--concurrency` mailboxes at a time: one run folder per mailbox under one new folder, "
    "with `export-report.csv` and `export-report.json` rewritten as mailboxes finish. "
    "`--resume REPORT` goes on in that report's folder and skips the mailboxes it shows "
    "complete."
)
_SCRIPTS = (
    "With `--output json` one document goes to stdout, the manifest with the run folder and, "
    "per file, its path and the fix of its error (for a list: `export-report.json` with the "
    "paths of the report); progress and the summary go to stderr then. With `--quiet` the run "
    "folder's path is printed alone (docs/json-output.md)."
)
_PERMISSIONS = (
    "Read access to the mailbox: your own, a Microsoft 365 group you are a member of, one you "
    "hold FullAccess on, or any mailbox with app-only sign-in (`full_access_as_app`; "
    "`--mailbox` is then required). An Exchange or Global Administrator may add "
    "`--grant-access`: FullAccess is granted for the export and always removed afterwards (a "
    "grant you already held is left alone). Shared OCM data lives in the group's mailbox, "
    "private data in each user's."
)
_NEVER = (
    "It only reads: nothing in any mailbox is changed (a FullAccess grant of `--grant-access` "
    "is taken back). It writes only inside the new run folder, which no other run shares."
)
_ENDPOINT = (
    "The examples assume the endpoint is set (`--endpoint` or `OCM_ENDPOINT`) and sign-in "
    "is cached (`ocm-tool login`); with `--demo` they run against the built-in emulator."
)


def _files(operation: ExportOperation) -> str:
    if operation is EXPORT_ALL:
        return "every OCM file"
    return " and ".join(f"{entity.stem}.csv" for entity in operation.entities)


def _list_examples(operation: ExportOperation) -> tuple[Example, ...]:
    if not operation.lists:
        return ()
    name = operation.name
    return (
        Example(
            f"ocm-tool {name} --mailboxes-file mailboxes.csv --grant-access",
            "Exports every mailbox of the list, a few at a time, each into its own folder "
            "under one new folder, granting you FullAccess on each for its export only.",
        ),
        Example(
            f"ocm-tool {name} --mailboxes-file mailboxes.csv --resume RUN/export-report.csv",
            "Goes on with an interrupted list in its folder: the mailboxes already complete "
            "are skipped.",
        ),
        Example(
            f"ocm-tool {name} --import-for hubspot --import-for outlook",
            "Also writes the files HubSpot and Outlook import as they are, each with its "
            "README.txt.",
        ),
    )


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
            _WORKBOOK,
            *((_LISTS,) if operation.lists else ()),
            _SCRIPTS,
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
                f"ocm-tool {name} --format csv,xlsx",
                f"Writes {files} as CSV files and as one Excel workbook, OCM-Export.xlsx.",
            ),
            Example(
                "OCM_CLIENT_SECRET=$SECRET ocm-tool --auth client-secret --tenant "
                f"contoso.onmicrosoft.com --client-id $APP_ID {name} --mailbox alice@contoso.com",
                "Signs in as an app with full_access_as_app (the secret comes from the "
                "environment, never from the command line) and exports Alice's mailbox.",
            ),
            *_list_examples(operation),
        ),
        permissions=_PERMISSIONS,
        never_touches=_NEVER,
        notes=(_ENDPOINT,),
        related=(*(siblings if operation is EXPORT_ALL else [EXPORT_ALL.name]), "purge-all-data"),
        pages=("export.md", "import-targets.md", "original-script.md"),
    )


class FormatList(click.ParamType):
    """``csv``, ``xlsx`` or ``csv,xlsx``: table formats, comma-separated."""

    name = "formats"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        names = tuple(part.strip().casefold() for part in str(value).split(",") if part.strip())
        unknown = [n for n in names if n not in FORMAT_NAMES]
        if unknown or not names:
            self.fail(
                f"{value!r}: formats are {', '.join(FORMAT_NAMES)}, comma-separated", param, ctx
            )
        return names


def format_option() -> click.Option:
    """``--format``, for every command that writes tables (the export commands, and any other
    that writes a run folder); its value goes to :func:`table_formats`."""
    return click.Option(
        ["--format", "table_formats"],
        type=FormatList(),
        multiple=True,
        metavar="FORMATS",
        help="csv (the default), xlsx (OCM-Export.xlsx, a sheet per file), or both: csv,xlsx.",
    )


def table_formats(
    names: Sequence[tuple[str, ...]], encoding: str, *, escape_formulas: bool = False
) -> list[Any]:
    """The table formats of ``--format`` (each once, in the order given; csv when none);
    ``escape_formulas``: ``--escape-formulas`` (``output.cells``)."""
    from ocm_tool.output.csv import CsvFormat
    from ocm_tool.output.xlsx import XlsxFormat

    chosen = dict.fromkeys(name for group in names for name in group) or {"csv": None}
    made: dict[str, Callable[[], Any]] = {
        "csv": lambda: CsvFormat(encoding=encoding, escape_formulas=escape_formulas),
        "xlsx": lambda: XlsxFormat(escape_formulas=escape_formulas),
    }
    return [made[name]() for name in chosen]


def _targets(operation: ExportOperation, names: Sequence[str]) -> list[Any]:
    """The import targets of ``--import-for``; refused when the command lacks their tables."""
    chosen = [TARGETS[name] for name in dict.fromkeys(names)]
    for target in chosen:
        missing = [key for key in target.needs if key not in operation.entity_keys]
        if missing:
            raise UsageError(
                f"--import-for {target.name} is made from {', '.join(target.needs)}, and "
                f"{operation.name} does not export {', '.join(missing)}",
                hint=f"use export-all-data --import-for {target.name}",
            )
    return chosen


def export_command(operation: ExportOperation) -> click.Command:
    """The click command of one export operation."""

    def command(runtime: Runtime, **options: Any) -> None:
        with respond(runtime, operation.name) as reply:
            formats = table_formats(
                options.pop("table_formats"),
                options.pop("encoding"),
                escape_formulas=options.pop("escape_formulas"),
            )
            imports = _targets(operation, options.pop("import_for"))
            resume = options.get("resume")
            if options.get("mailboxes_file") is not None:
                _export_list(runtime, reply, operation, formats, imports, **options)
            elif resume is not None and not Path(resume).is_dir():
                raise UsageError(
                    "--resume REPORT goes with --mailboxes-file",
                    hint="add --mailboxes-file, or pass --resume the run folder of one export",
                )
            else:
                options.pop("mailboxes_file", None)
                _export_one(runtime, reply, operation, formats, imports, **options)

    parameters: list[click.Parameter] = [
        click.Option(
            ["--mailbox"],
            metavar="ADDRESS",
            show_default="the signed-in user's mailbox",
            help="User or group mailbox to export.",
        ),
        click.Option(
            ["--output-dir"],
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("."),
            show_default=True,
            help="Where the run folder is created.",
        ),
        format_option(),
        click.Option(
            ["--encoding"],
            type=click.Choice(["utf-8-sig", "utf-8"]),
            default="utf-8-sig",
            show_default=True,
            help="CSV encoding; utf-8-sig has the BOM Excel needs.",
        ),
        click.Option(
            ["--import-for", "import_for"],
            type=click.Choice(list(TARGETS)),
            multiple=True,
            metavar="TARGET",
            help=f"Also write import/TARGET/, ready to import ({', '.join(TARGETS)}); repeatable.",
        ),
        click.Option(
            ["--grant-access"],
            is_flag=True,
            help="Grant yourself FullAccess for the export and always remove it afterwards.",
        ),
        click.Option(
            ["--escape-formulas"],
            is_flag=True,
            help="Start text cells a spreadsheet would run as formulas (=, +, -, @, tab, CR) "
            "with an apostrophe: for files opened in Excel; not for files a program imports.",
        ),
    ]
    if operation.lists:
        parameters += [
            click.Option(
                ["--mailboxes-file"],
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help="Export every mailbox listed (one address a line, or a CSV with an "
                "'address' or 'PrimarySmtpAddress' column).",
            ),
            click.Option(
                ["--resume"],
                type=click.Path(exists=True, path_type=Path),
                metavar="RUN_FOLDER|REPORT",
                help="Alone: finish an earlier run in its RUN_FOLDER, keeping its complete files "
                "whose SHA-256 still matches. With --mailboxes-file: skip the mailboxes a "
                "previous export-report.csv (or its folder) shows complete.",
            ),
        ]
    else:
        parameters.append(
            click.Option(
                ["--resume"],
                type=click.Path(exists=True, file_okay=False, path_type=Path),
                metavar="RUN_FOLDER",
                help="Finish an earlier run in its folder, keeping its complete files whose "
                "SHA-256 still matches the manifest (--output-dir is not used).",
            )
        )
    return click.Command(
        operation.name,
        callback=pass_runtime(command),
        params=parameters,
        context_settings=CONTEXT_SETTINGS,
    )


def _export_one(
    runtime: Runtime,
    reply: Reply,
    operation: ExportOperation,
    formats: list[Any],
    imports: list[Any],
    *,
    mailbox: str | None,
    output_dir: Path,
    grant_access: bool,
    resume: Path | None = None,
) -> None:
    from ocm_tool.export.evidence import export_evidence
    from ocm_tool.export.run import run_export
    from ocm_tool.ui.export_view import ExportProgress, show_export_result, show_note

    with orderly_stop(), ExportProgress(runtime.console) as progress:
        report = run_export(
            runtime,
            operation.entities,
            mailbox=mailbox,
            output_dir=output_dir,
            formats=formats,
            imports=imports,
            progress=progress,
            grant_access=grant_access,
            say=lambda text: show_note(runtime.err_console, text),
            resume=resume,
        )
    written = write_evidence(
        runtime, report.run_dir, lambda: export_evidence(report, kind=operation.name)
    )
    if report.error is None:  # else its one error line says it all
        show_export_result(runtime.console, runtime.err_console, report)
    reply.done(report.to_json(), max(report.exit_status, written), error=report.error)


def _export_list(
    runtime: Runtime,
    reply: Reply,
    operation: ExportOperation,
    formats: list[Any],
    imports: list[Any],
    *,
    mailbox: str | None,
    output_dir: Path,
    grant_access: bool,
    mailboxes_file: Path,
    resume: Path | None,
) -> None:
    from ocm_tool.export.bulk import BulkOptions, run_bulk_export
    from ocm_tool.ui.export_view import TerminalBulkView, show_bulk_summary

    if mailbox:
        raise UsageError("give either --mailbox or --mailboxes-file, not both")
    view = TerminalBulkView(runtime.console)
    options = BulkOptions(mailboxes_file, output_dir, resume, grant_access)
    try:
        with orderly_stop():  # SIGTERM and SIGHUP stop the list as Ctrl-C does
            status = run_bulk_export(
                runtime, operation.entities, options, view, formats=formats, imports=imports
            )
    finally:
        # Also when the list was stopped (Ctrl-C, an error): what was done comes first.
        if view.report is not None:
            show_bulk_summary(runtime.console, view.report)
            reply.result = view.report.to_json()
    reply.status = status


#: Each export command and its manual, in the script's order.
EXPORT_COMMANDS: tuple[tuple[click.Command, Manual], ...] = tuple(
    (export_command(op), export_manual(op)) for op in EXPORT_OPERATIONS
)
