"""What a purge reports and asks: the protocols its front end implements, and what they carry.

The engine (``run.py``, ``mailbox.py``) never prints and never reads a terminal. It tells a
:class:`PurgeView` what it is about to do and asks it for the confirmation; while mailboxes
are worked on it reports to the :class:`PurgeObserver` that the view hands out. The terminal
front end is ``ocm_tool.ui.purge_view.TerminalPurgeView``.

Threads: :class:`PurgeView` is called on the main thread only; a list's plan is shown and
confirmed before any mailbox starts, and a single mailbox's plan is shown and confirmed on the
main thread while its observer is open (so a view must be able to ask then). The
:class:`PurgeObserver` is called from the worker threads of a list run: it is thread-safe.

What is asked, and when, is the engine's decision (the safety contract of
:func:`ocm_tool.purge.run.run_purge`); a view only shows and asks.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from ocm_tool.mailboxes.grant import GrantRecord
from ocm_tool.purge.report import FolderResult, MailboxResult, ReportWriter
from ocm_tool.purge.table import FolderPath, PurgeOperation


@dataclass(frozen=True)
class PlannedFolder:
    """A folder of a mailbox's plan: its id (``None``: the mailbox has no such folder) and
    its item count. ``counted`` False: not looked at (a dry run that would need a grant)."""

    path: FolderPath
    folder_id: str | None
    before: int
    counted: bool = True

    @property
    def absent(self) -> bool:
        return self.counted and self.folder_id is None


class Access(StrEnum):
    """What the preflight of a listed mailbox found about opening it."""

    OK = "ok"  # it can be opened: its folders were counted
    NEEDS_GRANT = "needs-grant"  # --grant-access will grant FullAccess for the purge
    NOT_FOUND = "not-found"  # no such mailbox
    DENIED = "denied"  # this account may not open it
    FAILED = "failed"  # something else went wrong reading it

    @property
    def purgeable(self) -> bool:
        return self in (Access.OK, Access.NEEDS_GRANT)


@dataclass(frozen=True)
class Preflight:
    """What was read of one listed mailbox before the list is confirmed: whether it can be
    opened, its folders and their counts (none when it could not be counted), and whether a
    hold keeps what is deleted (``None``: this account cannot tell)."""

    mailbox: str
    access: Access
    folders: tuple[PlannedFolder, ...] = ()
    on_hold: bool | None = None
    error: str = ""

    @property
    def total(self) -> int | None:
        if not self.folders or not all(f.counted for f in self.folders):
            return None
        return sum(folder.before for folder in self.folders)


@dataclass(frozen=True)
class MailboxPlan:
    """What the purge of one mailbox will do, shown before anything is deleted.

    ``counted`` False: the folders are not counted (yet): FullAccess to count them is granted
    only once the purge is confirmed, and a dry run grants nothing.
    """

    operation: PurgeOperation
    mailbox: str
    folders: tuple[PlannedFolder, ...]
    soft_delete: bool
    dry_run: bool
    #: Whether a hold keeps what is hard-deleted; ``None``: this account cannot tell.
    on_hold: bool | None = None

    @property
    def total(self) -> int:
        return sum(folder.before for folder in self.folders)

    @property
    def counted(self) -> bool:
        return all(folder.counted for folder in self.folders)


@dataclass(frozen=True)
class ListPlan:
    """What the purge of a ``--mailboxes-file`` list will do: the operation's folders in each
    of ``mailboxes`` (those not skipped by ``--resume``), listed in ``source``, with what the
    preflight read of each (``preflight``, in the same order)."""

    operation: PurgeOperation
    mailboxes: tuple[str, ...]
    source: Path
    soft_delete: bool
    dry_run: bool
    preflight: tuple[Preflight, ...] = ()

    @property
    def purgeable(self) -> tuple[Preflight, ...]:
        return tuple(p for p in self.preflight if p.access.purgeable)


@dataclass(frozen=True)
class Confirmation:
    """The question asked before anything is deleted: the person types ``expected`` (a mailbox
    address, or the number of mailboxes of a list; any case) to ``what`` (e.g. ``purge 12
    item(s) of alice@contoso.com``)."""

    expected: str
    what: str


class PurgeObserver(Protocol):
    """What the mailboxes of a run report while they are worked on. Thread-safe."""

    def started(self, mailbox: str, folders: int) -> None:
        """Work on ``mailbox`` began; it has ``folders`` folders to go through."""

    def step(self, mailbox: str, text: str, *, advance: int = 0) -> None:
        """What ``mailbox`` is doing now; ``advance``: folders it finished with this step."""

    def folder_done(self, mailbox: str, folder: FolderResult) -> None:
        """A folder of ``mailbox`` was emptied (or failed) and counted again."""

    def note(self, mailbox: str | None, text: str) -> None:
        """Something the person should read (a grant step, a session restart, an export's end);
        ``mailbox`` ``None``: about the whole run."""

    def finished(self, result: MailboxResult) -> None:
        """The mailbox of ``result`` ended (not told of mailboxes never started)."""


class PurgeView(Protocol):
    """What a purge run shows and asks, on the main thread; hands out the observer."""

    def report_opened(self, report: ReportWriter) -> None:
        """The run folder and its report exist. ``report.results`` holds every mailbox's
        latest state from now on (a view reads it and never records into it)."""

    def carried_over(self, count: int, report: Path) -> None:
        """``count`` mailboxes are skipped: the ``--resume`` report shows them done."""

    def took_back(self, record: GrantRecord) -> None:
        """A FullAccess grant an interrupted earlier run left was taken back (or not: see
        ``record.left_behind``)."""

    def show_plan(self, plan: MailboxPlan) -> None:
        """The plan of one mailbox: each folder in order with its item count."""

    def show_list(self, plan: ListPlan) -> None:
        """The plan of a list: the operation, its folders and the mailboxes."""

    def confirm(self, confirmation: Confirmation) -> bool:
        """Ask the person to type ``confirmation.expected``; True when they did."""

    def progress(self, *, mailboxes: int, single: bool) -> AbstractContextManager[PurgeObserver]:
        """The observer of the work on ``mailboxes`` mailboxes (``single``: a run of one
        mailbox, not a list), open while they are worked on."""
