"""What a subject request shows and asks: the protocol its front end implements.

The engine (``request.py``) never prints and never reads a terminal. It tells a
:class:`SubjectView` what it found and is about to do, asks it the two questions of the
portal (go on when no contact matches; type the subject's address before a delete), and
reports progress through it. Which question is asked, and when, is the engine's decision; a
view only shows and asks. All calls come from the main thread. The terminal front end is
``ocm_tool.ui.subject_view.TerminalSubjectView``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ocm_tool.export.run import ExportProgress
from ocm_tool.ledger import RequestKind
from ocm_tool.subject.erase import MailboxErasure, Outcome
from ocm_tool.subject.findings import MailboxFindings

if TYPE_CHECKING:
    from ocm_tool.subject.outcome import SubjectOutcome


@dataclass(frozen=True)
class OrphanQuestion:
    """No contact matches the subject, but ``records`` records link to or mention it (the
    contact may have been deleted): go on with them?"""

    kind: RequestKind
    subject: str
    records: int


@dataclass(frozen=True)
class DeletePlan:
    """What a delete will do in each mailbox: the records deleted and those kept (shared)."""

    subject: str
    erasures: tuple[MailboxErasure, ...]
    include_shared: bool

    @property
    def planned(self) -> int:
        return sum(len(e.with_outcome(Outcome.PLANNED)) for e in self.erasures)

    @property
    def kept(self) -> int:
        return sum(len(e.with_outcome(Outcome.KEPT)) for e in self.erasures)


@dataclass(frozen=True)
class Confirmation:
    """The question before anything is deleted: type ``expected`` (the subject's address, any
    case) to ``what`` (e.g. ``delete 7 record(s) of jana@example.cz``)."""

    expected: str
    what: str


class SubjectView(Protocol):
    """What a subject request shows and asks (see the module docstring)."""

    def started(self, outcome: SubjectOutcome) -> None:
        """An attempt of the request began; ``outcome`` is filled in as it goes (a view reads
        it, never changes it)."""

    def searching(self, mailbox: str) -> None:
        """The search of ``mailbox`` began."""

    def found(self, findings: MailboxFindings) -> None:
        """What the search of one mailbox found (or why it failed)."""

    def ask_orphans(self, question: OrphanQuestion) -> bool:
        """Ask whether to go on although no contact matches; True to go on."""

    def show_plan(self, plan: DeletePlan) -> None:
        """What a delete will delete and keep, in every mailbox, before anything is deleted."""

    def confirm(self, confirmation: Confirmation) -> bool:
        """Ask the person to type ``confirmation.expected``; True when they did."""

    def exporting(self, mailbox: str) -> AbstractContextManager[ExportProgress]:
        """The progress of the export of ``mailbox``, open while it runs."""

    def erasing(self, mailbox: str, total: int) -> AbstractContextManager[Callable[[int], None]]:
        """Progress of the delete of ``total`` records in ``mailbox``: call with each batch
        done (the number of records in it)."""

    def note(self, text: str) -> None:
        """Something the person should read."""
