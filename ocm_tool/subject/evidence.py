"""The evidence of a subject request's attempt (``report.html``): what was searched, found,
exported or deleted, what a hold kept and why, and each file's SHA-256.

The page names records by entity and XrmId only: it is kept after a delete, so it must not
keep the data the delete removed.
"""

from __future__ import annotations

from ocm_tool import __version__
from ocm_tool.evidence import Evidence, RequestFacts, Table
from ocm_tool.evidence.model import Cell
from ocm_tool.export.evidence import FILE_COLUMNS, FILES_NOTE, file_rows
from ocm_tool.ledger import RequestKind
from ocm_tool.subject.erase import Outcome
from ocm_tool.subject.findings import SEARCHED
from ocm_tool.subject.outcome import SubjectOutcome

MATCHING = (
    "contacts whose e-mail address (any of three, any case) is the subject's, or whose name is "
    "the subject's without regard to case and accents; companies, deals, tasks, posts, "
    "activities and insights linked to those contacts or mentioning the address or name"
)
HOLD_WHY = (
    "the mailbox is on hold: the deleted record waits in Recoverable Items (Purges) and is "
    "deleted for good when the hold ends or is removed"
)
ORPHANS = (
    "No contact matched the subject: the records found link to or mention the subject (the "
    "contact itself may have been deleted earlier), and the operator chose to go on."
)


def subject_evidence(outcome: SubjectOutcome) -> Evidence:
    """The report of one attempt, as far as it went."""
    parameters = outcome.parameters
    request_id = str(outcome.request.id)
    if outcome.attempt > 1:
        request_id += f" (attempt {outcome.attempt})"
    scope: list[tuple[str, str]] = [("Mailboxes", ", ".join(outcome.mailboxes) or "none")]
    if parameters.me:
        scope.append(("Records", "every OCM record of the signed-in user's own mailbox"))
    else:
        scope.append(("Searched", ", ".join(dict.fromkeys(e.collection for e in SEARCHED))))
        scope.append(("Matching", MATCHING))
    if parameters.kind is RequestKind.DELETE:
        scope.append(
            (
                "Shared records",
                "deleted (--include-shared)" if parameters.include_shared else "kept",
            )
        )
        scope.append(("Export first", "yes" if parameters.export_first else "no"))
    tables: list[Table] = []
    if parameters.kind is RequestKind.EXPORT:
        tables.append(_export_counts(outcome))
        if not parameters.me:
            tables.append(_found(outcome))
    else:
        tables.extend(_delete_tables(outcome))
    if outcome.exports and outcome.folder is not None:
        folder = outcome.folder
        rows = tuple(row for report in outcome.exports for row in file_rows(report, folder))
        tables.append(Table("files", "Files", FILE_COLUMNS, rows, FILES_NOTE))
    return Evidence(
        title=f"ocm-tool subject {parameters.kind}: {outcome.subject}",
        request=RequestFacts(
            id=request_id,
            kind=f"subject {parameters.kind}",
            subject=outcome.subject,
            operator=outcome.operator,
            version=__version__,
            endpoint=outcome.endpoint,
            started_at=outcome.started_at,
            finished_at=outcome.finished_at,
        ),
        status=str(outcome.status),
        error=outcome.error,
        scope=tuple(scope),
        tables=tuple(tables),
        notes=(ORPHANS,) if outcome.orphans else (),
    )


def _export_counts(outcome: SubjectOutcome) -> Table:
    rows: list[tuple[Cell, ...]] = []
    found = {f.display: f.count() for f in outcome.findings}
    for report in outcome.exports:
        counts = found.get(report.mailbox)
        for file in report.files:
            if file.entity.endswith("-template"):
                continue
            rows.append(
                (
                    report.mailbox,
                    file.name,
                    counts[file.entity] if counts is not None else None,
                    file.rows,
                )
            )
    return Table(
        "counts",
        "Records",
        ("mailbox", "file", "found", "exported"),
        tuple(rows),
        "Records found by the search, and rows written to each file (a dash: not written).",
    )


def _found(outcome: SubjectOutcome) -> Table:
    rows = tuple(
        (
            found.display,
            finding.file,
            finding.xrm_id,
            "; ".join(finding.reasons),
            len(finding.shared_with) or None,
        )
        for found in outcome.findings
        for finding in found.findings
    )
    return Table(
        "records",
        "Records found",
        ("mailbox", "file", "XrmId", "why", "other contacts"),
        rows,
        "Why each record is the subject's; 'other contacts' counts the other people it is "
        "linked to as well.",
    )


def _delete_tables(outcome: SubjectOutcome) -> list[Table]:
    counted = (
        Outcome.DELETED,
        Outcome.RETAINED,
        Outcome.GONE,
        Outcome.KEPT,
        Outcome.REMAINING,
        Outcome.FAILED,
        Outcome.PLANNED,
    )
    counts: list[tuple[Cell, ...]] = []
    items: list[tuple[Cell, ...]] = []
    holds: list[tuple[Cell, ...]] = []
    for erasure in outcome.erasures:
        for entity in SEARCHED:
            of_entity = [i for i in erasure.items if i.finding.entity == entity.key]
            if not of_entity:
                continue
            by_outcome = [sum(1 for i in of_entity if i.outcome is o) for o in counted]
            counts.append((erasure.display, f"{entity.stem}", len(of_entity), *by_outcome))
            retained = by_outcome[1]
            if retained:
                holds.append((erasure.display, entity.stem, retained, HOLD_WHY))
        for item in erasure.items:
            note = item.error
            if item.outcome is Outcome.KEPT:
                note = f"shared with {len(item.finding.shared_with)} other contact(s)"
            items.append(
                (
                    erasure.display,
                    item.finding.file,
                    item.finding.xrm_id,
                    "; ".join(item.finding.reasons),
                    str(item.outcome),
                    note,
                )
            )
    return [
        Table(
            "counts",
            "Records",
            ("mailbox", "file", "found", *(str(o) for o in counted)),
            tuple(counts),
            "deleted: gone for good; retained: deleted, but kept by a hold; gone: already gone "
            "when the delete came; kept: shared with another contact; remaining: still there "
            "when read again; planned: not reached.",
        ),
        Table("holds", "Retained by a hold", ("mailbox", "file", "records", "why"), tuple(holds)),
        Table(
            "items",
            "Each record",
            ("mailbox", "file", "XrmId", "why", "outcome", "note"),
            tuple(items),
            "Records are named by XrmId only: this page is kept after the delete.",
        ),
    ]
