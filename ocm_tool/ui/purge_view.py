"""The terminal view of a purge: the plan, the typed confirmation, live progress, the summary.

:class:`TerminalPurgeView` implements the purge engine's :class:`~ocm_tool.purge.view.PurgeView`
(and hands out its :class:`~ocm_tool.purge.view.PurgeObserver`s); :func:`show_purge_summary`
is what the CLI prints once a run has ended, stopped or not. Nothing here decides what to do.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn
from rich.table import Table

from ocm_tool.mailboxes.grant import GrantRecord, manual_removal_command
from ocm_tool.purge.report import (
    FolderResult,
    FolderStatus,
    MailboxResult,
    MailboxStatus,
    ReportWriter,
)
from ocm_tool.purge.view import Access, Confirmation, ListPlan, MailboxPlan, PurgeObserver
from ocm_tool.ui.confirm import confirm_by_typing
from ocm_tool.ui.terminal import Terminal

#: Statuses not shown in bold red (failed, remaining, incomplete, ...).
_STYLES: dict[FolderStatus | MailboxStatus, str] = {
    MailboxStatus.COMPLETE: "green",
    FolderStatus.OK: "green",
    MailboxStatus.ON_HOLD: "yellow",
    FolderStatus.RETAINED: "yellow",
    FolderStatus.PLANNED: "cyan",
    MailboxStatus.PLANNED: "cyan",
    FolderStatus.ABSENT: "dim",
    MailboxStatus.NOT_STARTED: "dim",
    MailboxStatus.CANCELLED: "yellow",
    MailboxStatus.INTERRUPTED: "yellow",
}
#: How many mailboxes of a list the plan shows one by one.
LIST_SHOWN = 20
_ACCESS_LABELS = {
    Access.OK: "[green]ok[/]",
    Access.NEEDS_GRANT: "[cyan]granted for the purge[/]",
    Access.NOT_FOUND: "[bold red]does not exist[/]",
    Access.DENIED: "[bold red]may not be opened[/]",
    Access.FAILED: "[bold red]could not be read[/]",
}
_LEFT_OUT = {
    Access.NOT_FOUND: "they do not exist",
    Access.DENIED: "this account may not open them (--grant-access, or FullAccess)",
    Access.FAILED: "they could not be read (see the report)",
}
HOLD_NOTE = (
    "they sit in Recoverable Items (Purges) and are deleted for good only when the "
    "hold ends or is removed"
)


def _styled(status: FolderStatus | MailboxStatus, label: str | None = None) -> str:
    return f"[{_STYLES.get(status, 'bold red')}]{escape(label or status)}[/]"


def _how(*, soft_delete: bool, on_hold: bool | None = False) -> str:
    """What happens to the items, said before anything is deleted (the hold included)."""
    if soft_delete:
        return "soft delete: items move to Recoverable Items"
    if on_hold:
        return (
            "hard delete, but the mailbox is [yellow]ON HOLD[/]: the items leave their folders "
            f"and {HOLD_NOTE}"
        )
    if on_hold is None:
        return (
            "hard delete: items are gone for good, unless the mailbox is on hold (this "
            "account cannot check holds: that takes an Exchange administrator)"
        )
    return "hard delete: items are gone for good"


def _hold(on_hold: bool | None) -> str:
    return "[yellow]on hold[/]" if on_hold else "no" if on_hold is False else "[dim]unknown[/]"


def purge_mailbox_line(result: MailboxResult) -> str:
    """One line for a finished mailbox: its status and counts (markup)."""
    mailbox = escape(result.mailbox)
    folders = f"{len(result.folders)} folder(s)"
    if result.status in (
        MailboxStatus.PLANNED,
        MailboxStatus.NOT_STARTED,
        MailboxStatus.CANCELLED,
    ):
        counts = f"{result.before:,} item(s) in {folders}"
    else:
        counts = f"{result.deleted:,} deleted"
        if result.retained_by_hold:
            counts += f", [yellow]{result.retained_by_hold:,} retained by hold[/]"
        counts += (
            f", {result.remaining:,} remaining"
            if not result.remaining
            else f", [bold red]{result.remaining:,} remaining[/]"
        )
        counts += f" in {folders}"
    line = f"{mailbox}: {_styled(result.status)} ({counts})"
    if result.error:
        line += f" [red]{escape(result.error)}[/]"
    return line


class TerminalPurgeView:
    """The :class:`~ocm_tool.purge.view.PurgeView` of a terminal (or of redirected output).

    Plans are tables, the confirmation is typed (:func:`~ocm_tool.ui.confirm.confirm_by_typing`),
    progress is live lines for a list on a terminal and plain lines otherwise. ``report`` is
    the run's report once it exists, for :func:`show_purge_summary`. The confirmation is
    asked at ``terminal`` (:func:`~ocm_tool.ui.terminal.find_terminal`), which may be another
    stream than ``console``'s: ``purge ... | tee log`` asks on the terminal, not in the log.
    """

    def __init__(self, console: Console, terminal: Terminal | None = None) -> None:
        self._console = console
        self._terminal = terminal
        self.report: ReportWriter | None = None

    def report_opened(self, report: ReportWriter) -> None:
        self.report = report

    def carried_over(self, count: int, report: Path) -> None:
        self._console.print(
            f"{count} mailbox(es) already purged in {escape(str(report))}: skipped."
        )

    def took_back(self, record: GrantRecord) -> None:
        what = f"FullAccess of {record.user} on {record.mailbox}, left by an interrupted run"
        if record.left_behind:
            self._console.print(
                f"[bold red]{escape(what)}: could not be taken back[/] ({escape(record.error or '')})"
                f"; remove it by hand: {escape(manual_removal_command(record.mailbox, record.user))}",
                soft_wrap=True,
            )
        else:
            self._console.print(f"{escape(what)}: taken back.", soft_wrap=True)

    def show_plan(self, plan: MailboxPlan) -> None:
        """Each folder in order with its item count (or ``absent``), and the total."""
        console = self._console
        console.print(
            f"Plan: [bold]{escape(plan.operation.name)}[/] on [bold]{escape(plan.mailbox)}[/] "
            f"({_how(soft_delete=plan.soft_delete, on_hold=plan.on_hold)})",
            soft_wrap=True,
        )
        if not plan.counted and not plan.dry_run:  # asked before FullAccess is granted
            console.print(
                "Folders, in this order: "
                + ", ".join(escape(str(f)) for f in plan.operation.folders),
                soft_wrap=True,
            )
            console.print(
                "Their items are counted once FullAccess is granted, after you confirm; "
                "the grant is removed when the purge ends.",
                soft_wrap=True,
            )
            return
        table = Table(show_edge=False, pad_edge=False)
        table.add_column("#", justify="right")
        table.add_column("folder")
        table.add_column("items", justify="right")
        for number, folder in enumerate(plan.folders, 1):
            count = (
                "[dim]not counted[/]"
                if not folder.counted
                else "[dim]absent[/]"
                if folder.absent
                else f"{folder.before:,}"
            )
            table.add_row(str(number), escape(str(folder.path)), count)
        total = f"[bold]{plan.total:,}[/]" if plan.counted else "[dim]?[/]"
        table.add_row("", "[bold]total[/]", total)
        console.print(table)
        if plan.dry_run:
            console.print("Dry run: nothing is changed (nothing deleted, no access granted).")

    def show_list(self, plan: ListPlan) -> None:
        """The operation and its folders, then what the preflight read: per mailbox its items,
        hold and access (the first :data:`LIST_SHOWN`), the totals, and the mailboxes that do
        not exist or may not be opened, which are left out."""
        console, checks = self._console, plan.preflight
        console.print(
            f"Plan: [bold]{escape(plan.operation.name)}[/] on [bold]{len(plan.mailboxes)}[/] "
            f"mailbox(es) from {escape(str(plan.source))} ({_how(soft_delete=plan.soft_delete)})",
            soft_wrap=True,
        )
        console.print(
            "Folders, in this order: " + ", ".join(escape(str(f)) for f in plan.operation.folders),
            soft_wrap=True,
        )
        if checks:
            table = Table(show_edge=False, pad_edge=False)
            table.add_column("mailbox")
            table.add_column("items", justify="right")
            table.add_column("on hold")
            table.add_column("access")
            for check in checks[:LIST_SHOWN]:
                total = check.total
                shown = "[dim]?[/]" if total is None else f"{total:,}"
                access = _ACCESS_LABELS[check.access]
                table.add_row(escape(check.mailbox), shown, _hold(check.on_hold), access)
            console.print(table)
            if len(checks) > LIST_SHOWN:
                console.print(f"... and {len(checks) - LIST_SHOWN} more (see the report)")
        purgeable = plan.purgeable
        items = sum(check.total or 0 for check in purgeable)
        held = sum(1 for check in purgeable if check.on_hold)
        console.print(
            f"To purge: {len(purgeable)} mailbox(es), {items:,} item(s) counted"
            + (
                f", [yellow]{held} on hold[/] (their items are kept until the hold ends)"
                if held
                else ""
            ),
            soft_wrap=True,
        )
        for access in (Access.NOT_FOUND, Access.DENIED, Access.FAILED):
            left = [check.mailbox for check in checks if check.access is access]
            if left:
                shown = ", ".join(escape(m) for m in left[:LIST_SHOWN])
                more = f" and {len(left) - LIST_SHOWN} more" if len(left) > LIST_SHOWN else ""
                console.print(
                    f"[bold red]Left out[/], {_LEFT_OUT[access]}: {shown}{more}", soft_wrap=True
                )
        if plan.dry_run:
            console.print("Dry run: nothing is changed (nothing deleted, no access granted).")

    def confirm(self, confirmation: Confirmation) -> bool:
        """Asked at the run's terminal (also when stdout is piped); no terminal: no."""
        return confirm_by_typing(self._terminal, confirmation.expected, what=confirmation.what)

    @contextmanager
    def progress(self, *, mailboxes: int, single: bool) -> Iterator[PurgeObserver]:
        """Live lines on a terminal for a list; plain lines otherwise (one mailbox, logs)."""
        console = self._console
        if single or not console.is_terminal or console.quiet:
            yield _PlainObserver(console, single=single)
            return
        with _LiveObserver(console, mailboxes) as observer:
            yield observer


class _PlainObserver:
    """Lines only: for one mailbox, a line per folder; for a list, a line per mailbox."""

    def __init__(self, console: Console, *, single: bool) -> None:
        self._console = console
        self._single = single
        self._lock = threading.Lock()

    def _print(self, text: str) -> None:
        with self._lock:
            self._console.print(text, soft_wrap=True)

    def started(self, mailbox: str, folders: int) -> None:
        pass

    def step(self, mailbox: str, text: str, *, advance: int = 0) -> None:
        pass

    def folder_done(self, mailbox: str, folder: FolderResult) -> None:
        if not self._single:
            return
        counts = f"{folder.before:,} before, {folder.deleted:,} deleted"
        if folder.retained_by_hold:
            counts += f", {folder.retained_by_hold:,} retained by hold"
        counts += f", {folder.remaining:,} remaining"
        self._print(f"  {escape(folder.folder)}: {_styled(folder.status)} ({counts})")

    def note(self, mailbox: str | None, text: str) -> None:
        prefix = "" if self._single or mailbox is None else f"{escape(mailbox)}: "
        self._print(f"{prefix}{escape(text)}")

    def finished(self, result: MailboxResult) -> None:
        if not self._single:
            self._print(purge_mailbox_line(result))


class _LiveObserver(_PlainObserver):
    """A live line per mailbox in progress (with a bar over its folders) and an overall bar."""

    def __init__(self, console: Console, mailboxes: int) -> None:
        super().__init__(console, single=False)
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=20),
            MofNCompleteColumn(),
            TextColumn("{task.fields[step]}"),
            console=console,
            transient=True,
        )
        self._overall = self._progress.add_task("mailboxes", total=mailboxes, step="")
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _LiveObserver:
        self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()

    def _print(self, text: str) -> None:
        self._progress.console.print(text, soft_wrap=True)

    def started(self, mailbox: str, folders: int) -> None:
        with self._lock:
            self._tasks[mailbox] = self._progress.add_task(
                escape(mailbox), total=folders, step="starting"
            )

    def step(self, mailbox: str, text: str, *, advance: int = 0) -> None:
        task = self._tasks.get(mailbox)
        if task is not None:
            self._progress.update(task, step=escape(text), advance=advance)

    def folder_done(self, mailbox: str, folder: FolderResult) -> None:
        self.step(mailbox, f"{folder.folder}: {folder.status}", advance=1)

    def finished(self, result: MailboxResult) -> None:
        with self._lock:
            task = self._tasks.pop(result.mailbox, None)
        if task is not None:
            self._progress.remove_task(task)
        self._progress.advance(self._overall)
        self._print(purge_mailbox_line(result))


def show_purge_summary(console: Console, report: ReportWriter) -> None:
    """After the run: one line for one mailbox (its folders were shown as they were emptied),
    counts per status for a list and the mailboxes not done; holds; where the report is."""
    results = report.results
    if len(results) == 1:
        for folder in results[0].folders:
            if folder.error:
                console.print(
                    f"[red]{escape(folder.folder)}:[/] {escape(folder.error)}", soft_wrap=True
                )
        console.print(purge_mailbox_line(results[0]), soft_wrap=True)
    elif results:
        _show_list_summary(console, results)
    held = [r for r in results if r.retained_by_hold and not r.carried_over]
    if held:
        items = sum(r.retained_by_hold for r in held)
        console.print(
            f"[yellow]On hold:[/] {items:,} item(s) of {len(held)} mailbox(es) left their "
            f"folders but are retained by a hold: {HOLD_NOTE}.",
            soft_wrap=True,
        )
    console.print(
        f"Report: {escape(str(report.csv_path))} (and {escape(report.json_path.name)})",
        soft_wrap=True,
    )


def _show_list_summary(console: Console, results: Sequence[MailboxResult]) -> None:
    """How many mailboxes ended in each status, then the first 20 not done."""
    by_status: dict[tuple[MailboxStatus, bool], int] = {}
    for result in results:
        key = (result.status, result.carried_over)
        by_status[key] = by_status.get(key, 0) + 1
    counts = ", ".join(
        f"{n} {_styled(status, f'{status} (earlier run)' if carried else status)}"
        for (status, carried), n in by_status.items()
    )
    console.print(f"{len(results)} mailboxes: {counts}", soft_wrap=True)
    unfinished = [
        r for r in results if not (r.done or r.carried_over or r.status == MailboxStatus.PLANNED)
    ]
    for result in unfinished[:20]:
        console.print(f"  {purge_mailbox_line(result)}", soft_wrap=True)
    if len(unfinished) > 20:
        console.print(f"  ... and {len(unfinished) - 20} more (see the report)")
