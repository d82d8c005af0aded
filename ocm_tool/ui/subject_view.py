"""The terminal view of a data subject request: findings, the plan of a delete, the two
questions, progress and the summary; and the listing of the requests ledger.

:class:`TerminalSubjectView` implements the subject engine's
:class:`~ocm_tool.subject.view.SubjectView`; :func:`show_subject_result` is what the command
prints once an attempt has ended, stopped or not. Nothing here decides what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from ocm_tool.ui.confirm import confirm_by_typing
from ocm_tool.ui.export_view import ExportProgress
from ocm_tool.ui.terminal import Terminal

if TYPE_CHECKING:
    from ocm_tool.ledger import Request
    from ocm_tool.subject.erase import MailboxErasure
    from ocm_tool.subject.findings import Finding, MailboxFindings
    from ocm_tool.subject.outcome import SubjectOutcome
    from ocm_tool.subject.view import Confirmation, DeletePlan, OrphanQuestion

_STATUS_STYLES = {"Completed": "green", "Failed": "bold red", "Processing": "yellow"}
HOLD_NOTE = (
    "a hold keeps them in Recoverable Items (Purges): they are deleted for good when the hold "
    "ends or is removed"
)


def _status(status: str) -> str:
    return f"[{_STATUS_STYLES.get(status, 'cyan')}]{escape(status)}[/]"


def _why(finding: Finding) -> str:
    return "; ".join(finding.reasons)


class TerminalSubjectView:
    """Shows a subject request on ``console``; asks at ``terminal``
    (:func:`~ocm_tool.ui.terminal.find_terminal`: also when stdout is piped; none: every
    question is answered no). ``outcome`` is the attempt under way (for the summary, however
    it ends)."""

    def __init__(self, console: Console, terminal: Terminal | None = None) -> None:
        self.console = console
        self._terminal = terminal
        self.outcome: SubjectOutcome | None = None

    # -- SubjectView --------------------------------------------------------------------------

    def started(self, outcome: SubjectOutcome) -> None:
        self.outcome = outcome
        what = outcome.subject or "your own data"
        attempt = f", attempt {outcome.attempt}" if outcome.attempt > 1 else ""
        self.console.print(
            f"Request {outcome.request.id}{attempt}: subject {outcome.kind} of {escape(what)}",
            soft_wrap=True,
        )

    def searching(self, mailbox: str) -> None:
        self.console.print(f"Searching {escape(mailbox)} ...", soft_wrap=True)

    def found(self, findings: MailboxFindings) -> None:
        if findings.error is not None:
            self.console.print(
                f"[bold red]{escape(findings.display)} was not searched:[/] {escape(str(findings.error))}",
                soft_wrap=True,
            )
            return
        contacts = len(findings.contacts)
        others = len(findings.findings) - contacts
        self.console.print(
            f"{escape(findings.display)}: {contacts} contact(s) match, {others} other record(s) "
            "link to or mention the subject",
            soft_wrap=True,
        )
        if findings.findings and (self.outcome is None or str(self.outcome.kind) != "delete"):
            self._findings_table(findings.findings)

    def ask_orphans(self, question: OrphanQuestion) -> bool:
        self.console.print(
            f"[yellow]The contact {escape(question.subject)} cannot be found[/], but "
            f"{question.records} record(s) link to or mention it (the contact may have been "
            f"deleted). {question.kind.capitalize()} them?",
            soft_wrap=True,
        )
        if self._terminal is None:
            return False
        answer = self._terminal.ask(escape("Go on? [y/N] "))
        return answer is not None and answer.strip().casefold() in ("y", "yes")

    def show_plan(self, plan: DeletePlan) -> None:
        for erasure in plan.erasures:
            self._plan_table(erasure)
        kept = plan.kept
        self.console.print(
            f"[bold]{plan.planned} record(s) will be deleted for good[/] (hard delete)"
            + (
                f"; {kept} shared record(s) are kept (--include-shared deletes them)"
                if kept
                else ""
            )
            + ". Nothing else in the mailboxes changes.",
            soft_wrap=True,
        )

    def confirm(self, confirmation: Confirmation) -> bool:
        return confirm_by_typing(self._terminal, confirmation.expected, what=confirmation.what)

    @contextmanager
    def exporting(self, mailbox: str) -> Iterator[ExportProgress]:
        self.console.print(f"Exporting from {escape(mailbox)} ...", soft_wrap=True)
        with ExportProgress(self.console) as progress:
            yield progress

    @contextmanager
    def erasing(self, mailbox: str, total: int) -> Iterator[Callable[[int], None]]:
        if not (self.console.is_terminal and not self.console.quiet) or not total:
            self.console.print(
                f"Deleting {total} record(s) of {escape(mailbox)} ...", soft_wrap=True
            )
            yield lambda done: None
            return
        progress = Progress(
            TextColumn(f"deleting in {escape(mailbox)}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=self.console,
        )
        task = progress.add_task("delete", total=total)
        with progress:
            yield lambda done: progress.advance(task, done)

    def note(self, text: str) -> None:
        self.console.print(escape(text), soft_wrap=True)

    # -- tables -----------------------------------------------------------------------------

    def _findings_table(self, findings: Sequence[Finding]) -> None:
        table = Table(box=box.SIMPLE_HEAD)
        for column in ("file", "record", "XrmId", "why", "shared"):
            table.add_column(column)
        for finding in findings:
            table.add_row(
                finding.file,
                escape(finding.label),
                finding.xrm_id or "",
                escape(_why(finding)),
                f"with {len(finding.shared_with)}" if finding.shared else "",
            )
        self.console.print(table)

    def _plan_table(self, erasure: MailboxErasure) -> None:
        self.console.print(f"[bold]{escape(erasure.display)}[/]", soft_wrap=True)
        if not erasure.items:
            self.console.print("  nothing found")
            return
        table = Table(box=box.SIMPLE_HEAD)
        for column in ("action", "file", "record", "XrmId", "why"):
            table.add_column(column)
        for item in erasure.items:
            finding = item.finding
            kept = str(item.outcome) == "kept"
            action = (
                f"[yellow]keep[/] (shared with {len(finding.shared_with)})"
                if kept
                else "[bold red]delete[/]"
            )
            table.add_row(
                action,
                finding.file,
                escape(finding.label),
                finding.xrm_id or "",
                escape(_why(finding)),
            )
        self.console.print(table)


def show_subject_result(console: Console, outcome: SubjectOutcome) -> None:
    """After an attempt, whatever ended it: its status, counts, folder and report."""
    counts = ", ".join(f"{name} {value}" for name, value in outcome.counts().items())
    console.print(
        f"Request {outcome.request.id}: {_status(str(outcome.status))} ({escape(counts)})",
        soft_wrap=True,
    )
    retained = outcome.counts().get("retained", 0)
    if retained:
        console.print(
            f"[yellow]{retained} record(s) retained by a hold:[/] {HOLD_NOTE}.", soft_wrap=True
        )
    if outcome.folder is not None:
        console.print(f"Folder: {escape(str(outcome.folder))} (report.html)", soft_wrap=True)


def _counts(counts: dict[str, int]) -> str:
    """The counts that say something: ``found 8, deleted 3, kept 5``."""
    return ", ".join(f"{k} {v}" for k, v in counts.items() if v and k != "mailboxes")


def _scope(request: Request) -> str:
    return ", ".join(m or "own mailbox" for m in request.scope)


def show_requests(console: Console, requests: Sequence[Request]) -> None:
    """The ledger's requests, one row each: a table on a terminal, plain lines otherwise."""
    if not requests:
        console.print("No requests.")
        return
    if not console.is_terminal:
        for r in requests:
            console.print(
                escape(
                    f"{r.id}\t{r.kind}\t{r.status}\t{r.subject}\t{_scope(r)}\t"
                    f"{r.finished_at or r.started_at or r.created_at}\t{_counts(r.counts)}"
                ),
                soft_wrap=True,
                highlight=False,
            )
        return
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("id", "kind", "status", "subject", "scope", "when", "counts"):
        table.add_column(column, no_wrap=column in ("id", "status", "when"), overflow="fold")
    for r in requests:
        table.add_row(
            str(r.id),
            str(r.kind),
            _status(str(r.status)),
            escape(r.subject),
            escape(_scope(r)),
            r.finished_at or r.started_at or r.created_at,
            escape(_counts(r.counts)),
        )
    console.print(table)


def show_request(console: Console, request: Request) -> None:
    """One request in full: what it asks and each attempt."""
    lines = [
        ("Request", str(request.id)),
        ("Kind", str(request.kind)),
        ("Status", _status(str(request.status))),
        ("Subject", escape(request.subject + (f" ({request.name})" if request.name else ""))),
        ("Scope", escape(_scope(request))),
        ("Created", request.created_at),
    ]
    for name, value in lines:
        console.print(f"{name + ':':<10} {value}", soft_wrap=True)
    for attempt in request.attempts:
        console.print(
            f"Attempt {attempt.number}: {_status(str(attempt.status))}, {attempt.started_at} .. "
            f"{attempt.finished_at or ''}, by {escape(attempt.operator or '?')} "
            f"(local user {escape(attempt.local_user)}) against {escape(attempt.endpoint)}",
            soft_wrap=True,
        )
        if attempt.counts:
            console.print(
                "  counts: " + escape(", ".join(f"{k} {v}" for k, v in attempt.counts.items())),
                soft_wrap=True,
            )
        if attempt.output:
            console.print(f"  folder: {escape(attempt.output)}", soft_wrap=True)
        if attempt.error:
            console.print(f"  [bold red]error:[/] {escape(attempt.error)}", soft_wrap=True)
