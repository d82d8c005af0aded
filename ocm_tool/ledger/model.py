"""What the ledger keeps: a request, its attempts, their statuses.

A request is made once (``Queued``) and tried one or more times: each try is an
:class:`Attempt` (``Processing`` until it ends ``Completed`` or ``Failed``). The request shows
its last attempt: its status, times, counts, error and output folder. Only a ``Failed``
request is tried again (``ocm-tool requests retry``), with the parameters it was made with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class RequestKind(StrEnum):
    """What a request asks for."""

    SEARCH = "search"
    EXPORT = "export"
    DELETE = "delete"


class RequestStatus(StrEnum):
    """The four statuses of OCM's privacy portal."""

    QUEUED = "Queued"  # recorded, not started
    PROCESSING = "Processing"  # an attempt is running
    FAILED = "Failed"  # the last attempt failed (the reason is its error); can be retried
    COMPLETED = "Completed"  # the last attempt did everything asked

    @classmethod
    def parse(cls, text: str) -> RequestStatus:
        """A status from its name in any case (``failed``, ``Failed``)."""
        for status in cls:
            if status.value.casefold() == text.strip().casefold():
                return status
        raise ValueError(f"not a request status: {text!r}")


@dataclass(frozen=True)
class Attempt:
    """One try of a request: when, by whom, against which endpoint, and how it ended."""

    number: int
    started_at: str
    status: RequestStatus
    endpoint: str
    local_user: str
    operator: str | None = None
    finished_at: str | None = None
    error: str | None = None
    output: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "attempt": self.number,
            "status": str(self.status),
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
            "operator": self.operator,
            "localUser": self.local_user,
            "endpoint": self.endpoint,
            "counts": self.counts,
            "error": self.error,
            "output": self.output,
        }


@dataclass(frozen=True)
class Request:
    """A data subject request: its kind, subject, scope and parameters, and its attempts.

    ``subject`` is the e-mail address searched for (the signed-in account for ``--me``);
    ``scope`` the mailboxes, as given (``None``: the signed-in user's own). ``parameters`` are
    what the subject engine needs to run it again.
    """

    id: int
    kind: RequestKind
    subject: str
    name: str | None
    scope: tuple[str | None, ...]
    parameters: dict[str, Any]
    created_at: str
    attempts: tuple[Attempt, ...] = ()

    @property
    def last(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def status(self) -> RequestStatus:
        return self.last.status if self.last else RequestStatus.QUEUED

    @property
    def started_at(self) -> str | None:
        return self.last.started_at if self.last else None

    @property
    def finished_at(self) -> str | None:
        return self.last.finished_at if self.last else None

    @property
    def error(self) -> str | None:
        return self.last.error if self.last else None

    @property
    def output(self) -> str | None:
        return self.last.output if self.last else None

    @property
    def operator(self) -> str | None:
        return self.last.operator if self.last else None

    @property
    def counts(self) -> dict[str, int]:
        return self.last.counts if self.last else {}

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": str(self.kind),
            "subject": self.subject,
            "name": self.name,
            "scope": list(self.scope),
            "status": str(self.status),
            "createdAt": self.created_at,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
            "operator": self.operator,
            "counts": self.counts,
            "error": self.error,
            "output": self.output,
            "parameters": self.parameters,
            "attempts": [attempt.to_json() for attempt in self.attempts],
        }
