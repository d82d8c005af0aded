"""What an export shows while it runs and when it ends: progress bars and the summary."""

from __future__ import annotations

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
    from ocm_tool.export.run import ExportReport


class ExportProgress:
    """Live progress of an export: one bar per file with its count, total and rate.

    Bars are shown only when the console is a terminal and not quiet; otherwise every method
    does nothing (the summary at the end is the only output). Thread-safe: entities report
    from their own threads.
    """

    def __init__(self, console: Console, *, live: bool = True) -> None:
        self._tasks: dict[str, TaskID] = {}
        self._progress: Progress | None = None
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
        if self._progress is not None:
            self._tasks[key] = self._progress.add_task(
                file_name, total=None, rate="", state="waiting"
            )

    def update(self, key: str, *, advance: int = 0, total: int | None = None) -> None:
        """``advance`` items more downloaded; ``total`` from ``@odata.count`` when known."""
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

    def _task(self, task_id: TaskID) -> Task:
        assert self._progress is not None
        return next(task for task in self._progress.tasks if task.id == task_id)

    def finish(self, key: str, status: str) -> None:
        """The file is done: ``complete``, ``failed`` or ``cancelled``."""
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
        [(f.name, f.error or "", f.hint) for f in report.files if f.status == "failed"],
    )
    print_export_summary(
        runtime_console,
        [(f.name, f.rows, f.status) for f in report.files],
        run_dir=str(report.run_dir),
        status=report.status,
    )


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
