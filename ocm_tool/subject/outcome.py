"""What one attempt of a subject request did, filled in as it goes.

The evidence (``evidence.py``), the summary on the terminal and ``--output json`` read it;
the ledger keeps its :meth:`SubjectOutcome.counts`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocm_tool.errors import ExitStatus
from ocm_tool.export.manifest import ExportReport
from ocm_tool.ledger import Request, RequestKind, RequestStatus
from ocm_tool.ledger.store import now
from ocm_tool.subject.erase import MailboxErasure, Outcome
from ocm_tool.subject.findings import MailboxFindings
from ocm_tool.subject.parameters import SubjectParameters


@dataclass
class SubjectOutcome:
    """What one attempt did, filled in as it goes; the evidence and the summary read it."""

    request: Request
    attempt: int
    parameters: SubjectParameters
    endpoint: str
    started_at: str = field(default_factory=now)
    finished_at: str = ""
    operator: str = ""
    subject: str = ""
    mailboxes: list[str] = field(default_factory=list)
    findings: list[MailboxFindings] = field(default_factory=list)
    #: The exports of a subject export (or of a delete's ``--export-first``), one per mailbox.
    exports: list[ExportReport] = field(default_factory=list)
    erasures: list[MailboxErasure] = field(default_factory=list)
    #: The request's folder (export, delete); ``report.html`` goes there.
    folder: Path | None = None
    #: No contact matched, and the request went on with the records that mention the subject.
    orphans: bool = False
    status: RequestStatus = RequestStatus.PROCESSING
    error: str | None = None

    @property
    def kind(self) -> RequestKind:
        return self.parameters.kind

    @property
    def exit_status(self) -> ExitStatus:
        return ExitStatus.OK if self.status is RequestStatus.COMPLETED else ExitStatus.FAILED

    def fail(self, reason: str) -> None:
        self.status = RequestStatus.FAILED
        self.error = f"{self.error}; {reason}" if self.error else reason

    def counts(self) -> dict[str, int]:
        """The request's counts, for the ledger and the summary."""
        counts = {"mailboxes": len(self.mailboxes)}
        if not self.parameters.me:
            counts["found"] = sum(len(f.findings) for f in self.findings)
            counts["contacts"] = sum(len(f.contacts) for f in self.findings)
        if self.exports:
            counts["exported"] = sum(
                f.rows or 0
                for report in self.exports
                for f in report.files
                if not f.entity.endswith("-template")
            )
        if self.kind is RequestKind.DELETE:
            done: Counter[Outcome] = Counter()
            for erasure in self.erasures:
                done.update(erasure.count())
            for outcome in Outcome:
                if outcome is not Outcome.PLANNED or done[outcome]:  # planned: not reached
                    counts[str(outcome)] = done[outcome]
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "request": self.request.id,
            "attempt": self.attempt,
            "kind": str(self.kind),
            "subject": self.subject,
            "status": str(self.status),
            "error": self.error,
            "operator": self.operator,
            "endpoint": self.endpoint,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
            "folder": str(self.folder) if self.folder else None,
            "orphans": self.orphans,
            "counts": self.counts(),
            "mailboxes": [f.to_json() for f in self.findings],
            "deletions": [e.to_json() for e in self.erasures],
        }
