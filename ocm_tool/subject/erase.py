"""Deleting a subject's records from one mailbox, and proving they are gone.

Contract of :func:`erase_mailbox`:

- Each planned item is deleted with ``DELETE {mailbox}/Items/{Id}`` (a hard delete), 20 to a
  ``$batch`` call; contacts go last, so that a run stopped half-way leaves the contact and a
  new search still finds what remains.
- Answers: 204 (or 200 without a hold) is ``deleted``; ``200 {"RetainedByHold": true}`` is
  ``retained`` (the mailbox is on hold: the item waits in Recoverable Items until the hold
  ends); 404 is ``gone`` (deleted since the search). A group mailbox that answers
  ``ErrorXrmSessionRequired`` gets ``StartXrmSession`` and the call again, at most
  :data:`MAX_SESSION_RESTARTS` times. Another error of one item fails that item.
- Then every item deleted, retained or gone is read again (``GET {collection}/{Id}``, in
  ``$batch`` calls): a 404 proves it gone from OCM; an item still there is ``remaining``.
- An error that ends the mailbox or the run (no access, the service gone) is raised at once;
  the items not reached stay ``planned``. Items that are not planned (shared records kept)
  are never sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import quote

from ocm_tool.client import BatchRequest, BatchResponse, GraphClient
from ocm_tool.errors import ItemNotFoundError, OcmError, XrmSessionRequiredError
from ocm_tool.export.entities import BY_KEY
from ocm_tool.subject.findings import Finding

#: Requests per ``$batch`` call (the contract's limit).
BATCH_SIZE = 20
#: A group mailbox's OCM session is restarted at most this many times per call.
MAX_SESSION_RESTARTS = 3

T = TypeVar("T")


class Outcome(StrEnum):
    """What happened to one record of a delete."""

    PLANNED = "planned"  # to be deleted; not reached (yet)
    KEPT = "kept"  # shared with another contact and --include-shared not given
    DELETED = "deleted"
    RETAINED = "retained"  # deleted, but a hold keeps it in Recoverable Items until it ends
    GONE = "gone"  # no longer there when the delete came
    REMAINING = "remaining"  # still there when read again
    FAILED = "failed"


#: Outcomes after which the record is no longer in OCM (read again to prove it).
GONE_FROM_OCM = frozenset({Outcome.DELETED, Outcome.RETAINED, Outcome.GONE})


@dataclass
class ItemResult:
    """One record of the delete and what happened to it."""

    finding: Finding
    outcome: Outcome
    error: str | None = None


@dataclass
class MailboxErasure:
    """The delete in one mailbox: every record found, planned or kept, and its outcome."""

    address: str | None
    display: str
    items: list[ItemResult] = field(default_factory=list)
    error: OcmError | None = None

    @classmethod
    def plan(
        cls, address: str | None, display: str, findings: Sequence[Finding], *, include_shared: bool
    ) -> MailboxErasure:
        """Every finding planned, shared ones kept unless ``include_shared``; contacts last."""
        ordered = sorted(findings, key=lambda f: f.is_contact)
        return cls(
            address,
            display,
            [
                ItemResult(f, Outcome.KEPT if f.shared and not include_shared else Outcome.PLANNED)
                for f in ordered
            ],
        )

    def with_outcome(self, *outcomes: Outcome) -> list[ItemResult]:
        return [item for item in self.items if item.outcome in outcomes]

    def count(self) -> Counter[Outcome]:
        return Counter(item.outcome for item in self.items)

    @property
    def done(self) -> bool:
        """Nothing planned is left, failed or remaining."""
        return self.error is None and not self.with_outcome(
            Outcome.PLANNED, Outcome.FAILED, Outcome.REMAINING
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "mailbox": self.display,
            "error": str(self.error) if self.error is not None else None,
            "counts": {str(outcome): n for outcome, n in sorted(self.count().items())},
            "records": [
                {**item.finding.to_json(), "outcome": str(item.outcome), "error": item.error}
                for item in self.items
            ],
        }


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), BATCH_SIZE):
        yield items[start : start + BATCH_SIZE]


def erase_mailbox(
    client: GraphClient, erasure: MailboxErasure, *, advance: Callable[[int], None]
) -> None:
    """Delete the planned items of ``erasure``, then read them again (see the contract).

    ``advance(n)`` is told of each batch done.
    """
    base = client.mailbox_path(erasure.address)
    for chunk in _chunks(erasure.with_outcome(Outcome.PLANNED)):
        answers = _send(client, base, [_delete(base, item) for item in chunk])
        for item, answer in zip(chunk, answers, strict=True):
            _record_delete(item, answer)
        advance(len(chunk))
    for chunk in _chunks([i for i in erasure.items if i.outcome in GONE_FROM_OCM]):
        answers = _send(client, base, [_read(base, item) for item in chunk])
        for item, answer in zip(chunk, answers, strict=True):
            _record_read(item, answer)


def _delete(base: str, item: ItemResult) -> Callable[[str], BatchRequest]:
    url = f"{base}/Items/{quote(item.finding.item_id, safe='')}"
    return lambda request_id: BatchRequest(request_id, "DELETE", url)


def _read(base: str, item: ItemResult) -> Callable[[str], BatchRequest]:
    collection = BY_KEY[item.finding.entity].collection
    url = f"{base}/{collection}/{quote(item.finding.item_id, safe='')}"
    return lambda request_id: BatchRequest(request_id, "GET", url)


def _send(
    client: GraphClient, base: str, requests: Sequence[Callable[[str], BatchRequest]]
) -> list[BatchResponse]:
    """One batch; answers in request order. Requests answered ``ErrorXrmSessionRequired``
    are sent again after ``StartXrmSession``; errors that end the mailbox are raised."""
    answers: dict[int, BatchResponse] = {}
    pending = list(range(len(requests)))
    for restart in range(MAX_SESSION_RESTARTS + 1):
        sent = client.batch([requests[n](str(n)) for n in pending])
        again = []
        for n, answer in zip(pending, sent, strict=True):
            error = answer.error()
            if isinstance(error, XrmSessionRequiredError) and restart < MAX_SESSION_RESTARTS:
                again.append(n)
                continue
            if error is not None and error.ends_mailbox:
                raise error
            answers[n] = answer
        if not again:
            break
        client.post(f"{base}/StartXrmSession", {}, idempotent=True)
        pending = again
    return [answers[n] for n in range(len(requests))]


def _record_delete(item: ItemResult, answer: BatchResponse) -> None:
    error = answer.error()
    if error is None:
        held = bool((answer.body or {}).get("RetainedByHold"))
        item.outcome = Outcome.RETAINED if held else Outcome.DELETED
    elif isinstance(error, ItemNotFoundError):
        item.outcome = Outcome.GONE
    else:
        item.outcome = Outcome.FAILED
        item.error = f"DELETE failed: {error}"


def _record_read(item: ItemResult, answer: BatchResponse) -> None:
    error = answer.error()
    if isinstance(error, ItemNotFoundError):
        return  # gone from OCM: what the read is for
    if error is None:
        item.outcome = Outcome.REMAINING
        item.error = "still there when read again after the delete"
    else:
        item.outcome = Outcome.FAILED
        item.error = f"could not be read again after the delete: {error}"
