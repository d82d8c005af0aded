"""What an export shows while it runs and when it ends: progress bars and the summary; for a
``--mailboxes-file`` list, a line per mailbox and the list's summary."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from ocm_tool.errors import OcmError
from ocm_tool.ui.console import print_error

if TYPE_CHECKING:
    from pathlib import Path

    from ocm_tool.export.bulk import BulkReport, MailboxExport
    from ocm_tool.export.run import ExportReport


class ExportProgress:
    """Live progress of an export: one bar per file with its count, total and rate.

    Bars are shown when the console is a terminal and not quiet. On anything else (a pipe, a
    log file) plain lines are printed instead, whole: a file that takes longer than
    :data:`PLAIN_INTERVAL` seconds gets a line with its count that often, and one when it
    ends, so a long piped run is never silent until the end (a short one prints only the
    summary). Quiet: nothing. Thread-safe: entities report from their own threads.
    """

    #: Seconds between two plain progress lines of one file.
    PLAIN_INTERVAL = 10.0

    def __init__(self, console: Console, *, live: bool = True) -> None:
        self._console = console
        self._tasks: dict[str, TaskID] = {}
        self._progress: Progress | None = None
        self._plain = not console.quiet and not (live and console.is_terminal)
        self._lock = threading.Lock()
        self._names: dict[str, str] = {}
        self._counts: dict[str, tuple[int, int | None]] = {}
        self._printed: dict[str, float] = {}
        self._told: set[str] = set()  # files a plain progress line was printed for
        if live and console.is_terminal and not console.quiet:
            self._progress = Progress(
                TextColumn("{task.description:<18}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:>10}"),
                TextColumn("{task.fields[state]}"),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            )

    def __enter__(self) -> ExportProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def add(self, key: str, file_name: str) -> None:
        """A file that will be written (before its download starts)."""
        with self._lock:
            self._names[key] = file_name
            self._counts[key] = (0, None)
            self._printed[key] = time.monotonic()
        if self._progress is not None:
            self._tasks[key] = self._progress.add_task(
                file_name, total=None, rate="", state="waiting"
            )

    def update(self, key: str, *, advance: int = 0, total: int | None = None) -> None:
        """``advance`` items more downloaded; ``total`` from ``@odata.count`` when known."""
        if self._plain:
            self._plain_update(key, advance, total)
        if self._progress is None or key not in self._tasks:
            return
        task_id = self._tasks[key]
        task = self._task(task_id)
        changes: dict[str, object] = {"advance": advance, "state": "downloading"}
        if total is not None:
            changes["total"] = total
        speed = task.speed
        changes["rate"] = f"{speed:,.0f}/s" if speed else ""
        self._progress.update(task_id, **changes)  # type: ignore[arg-type]

    def _plain_update(self, key: str, advance: int, total: int | None) -> None:
        with self._lock:
            if key not in self._counts:
                return
            done, known = self._counts[key]
            self._counts[key] = (done + advance, total if total is not None else known)
            now = time.monotonic()
            if now - self._printed[key] < self.PLAIN_INTERVAL:
                return
            self._printed[key] = now
            self._told.add(key)
            done, known = self._counts[key]
        of = f" of {known:,}" if known is not None else ""
        self._console.print(f"{escape(self._names[key])}: {done:,}{of} items", soft_wrap=True)

    def _task(self, task_id: TaskID) -> Task:
        assert self._progress is not None
        return next(task for task in self._progress.tasks if task.id == task_id)

    def finish(self, key: str, status: str) -> None:
        """The file is done: ``complete``, ``failed`` or ``cancelled``."""
        if self._plain and key in self._told:
            with self._lock:
                done = self._counts[key][0]
            self._console.print(
                f"{escape(self._names[key])}: {status} ({done:,} items)", soft_wrap=True
            )
        if self._progress is None or key not in self._tasks:
            return
        task_id = self._tasks[key]
        task = self._task(task_id)
        style = {"complete": "green", "failed": "bold red"}.get(status, "yellow")
        total = task.completed if status == "complete" or task.total is None else task.total
        self._progress.update(task_id, total=total, rate="", state=f"[{style}]{status}[/]")


def print_export_errors(console: Console, failures: list[tuple[str, str, str | None]]) -> None:
    """One ``error:`` line per file that failed: ``(file name, error message, fix)``."""
    for name, message, hint in failures:
        print_error(console, OcmError(f"{name}: {message}", hint=hint))


def show_export_result(
    runtime_console: Console, err_console: Console, report: ExportReport
) -> None:
    """After a run that reached its end: an error line per failed file, then the summary."""
    print_export_errors(
        err_console,
        [(f.name, f.error or "", f.hint) for f in report.files if f.status == "failed"]
        + [(f.name, f.error or "", None) for f in report.run_files if f.status == "failed"],
    )
    print_export_errors(
        err_console,
        [
            (
                f.name,
                f"{len(f.problems)} value(s) could not be written, their cells are empty "
                f"(first: record {f.problems[0].record or '-'}, "
                f"{f.problems[0].field or 'the record'}: {f.problems[0].problem}); "
                f"{report.manifest_path} names them all",
                "the server sent data in another shape than the API contract; tell whoever runs it",
            )
            for f in report.files
            if f.problems
        ],
    )
    for f in report.files:
        replaced = sum(w.replaced for w in f.written.values())
        if replaced:
            err_console.print(
                f"note: {escape(f.name)}: {replaced} character(s) the server sent were half "
                "characters (lone surrogates) and are written as U+FFFD",
                soft_wrap=True,
            )
    print_export_summary(
        runtime_console,
        [(f.name, f.rows, str(f.status)) for f in report.files]
        + [(f.name, f.rows, str(f.status)) for f in report.run_files],
        run_dir=str(report.run_dir),
        status=report.status,
    )


def show_note(console: Console, text: str) -> None:
    """A line the person should read while an export runs (a grant step)."""
    console.print(escape(text), soft_wrap=True, highlight=False)


def print_export_summary(
    console: Console, rows: list[tuple[str, int | None, str]], *, run_dir: str, status: str
) -> None:
    """The files (file, rows, status), then the run folder and the run's status.

    A table on a terminal; plain ``file: N rows, status`` lines otherwise (logs, pipes).
    """
    if not console.is_terminal:
        for name, count, file_status in rows:
            shown = "-" if count is None else f"{count}"
            console.print(f"{escape(name)}: {shown} rows, {file_status}", soft_wrap=True)
        console.print(f"Run folder: {escape(run_dir)}", soft_wrap=True)
        console.print(f"Export {status}.")
        return
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("file")
    table.add_column("rows", justify="right")
    table.add_column("status")
    for name, count, file_status in rows:
        style = {"complete": "green", "failed": "bold red"}.get(file_status, "yellow")
        table.add_row(
            escape(name), "" if count is None else f"{count:,}", f"[{style}]{file_status}[/]"
        )
    console.print(table)
    console.print(f"Run folder: {escape(run_dir)}", soft_wrap=True)
    style = "green" if status == "complete" else "bold red" if status == "failed" else "yellow"
    console.print(f"Export [{style}]{status}[/].")


def bulk_mailbox_line(result: MailboxExport) -> str:
    """One line for a mailbox of a list: its status, files, rows and folder (markup)."""
    style = {"complete": "green", "not-started": "dim", "interrupted": "yellow"}.get(
        result.status, "bold red"
    )
    line = f"{escape(result.mailbox)}: [{style}]{result.status}[/]"
    if result.run_dir:
        line += f" ({result.files} files, {result.rows:,} rows, in {escape(result.run_dir)})"
    if result.carried_over:
        line += " [dim](earlier run)[/]"
    if result.error:
        line += f" [red]{escape(result.error)}[/]"
    return line


class TerminalBulkView:
    """The :class:`~ocm_tool.export.bulk.BulkExportView` of a terminal or a log: a line per
    mailbox as it ends, grant steps as they happen. ``report`` once it exists."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._lock = threading.Lock()
        self.report: BulkReport | None = None

    def _print(self, text: str) -> None:
        with self._lock:
            self._console.print(text, soft_wrap=True, highlight=False)

    def report_opened(self, report: BulkReport) -> None:
        self.report = report
        self._print(
            f"Exporting {len(report.results)} mailbox(es) into {escape(str(report.parent))}"
        )

    def carried_over(self, count: int, report: Path) -> None:
        self._print(f"{count} mailbox(es) already exported in {escape(str(report))}: skipped.")

    def note(self, mailbox: str | None, text: str) -> None:
        prefix = f"{escape(mailbox)}: " if mailbox else ""
        self._print(f"{prefix}{escape(text)}")

    def finished(self, result: MailboxExport) -> None:
        self._print(bulk_mailbox_line(result))


def show_bulk_summary(console: Console, report: BulkReport) -> None:
    """After a list: counts per status, the first 20 mailboxes not complete, the report."""
    results = report.results
    by_status: dict[str, int] = {}
    for result in results:
        by_status[result.status] = by_status.get(result.status, 0) + 1
    counts = ", ".join(f"{n} {status}" for status, n in by_status.items())
    console.print(f"{len(results)} mailboxes: {counts}", soft_wrap=True)
    unfinished = [r for r in results if not r.done]
    for result in unfinished[:20]:
        console.print(f"  {bulk_mailbox_line(result)}", soft_wrap=True)
    if len(unfinished) > 20:
        console.print(f"  ... and {len(unfinished) - 20} more (see the report)")
    console.print(
        f"Report: {escape(str(report.csv_path))} (and {escape(report.json_path.name)})",
        soft_wrap=True,
    )
