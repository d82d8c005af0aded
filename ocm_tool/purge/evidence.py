"""The evidence of a purge run (``report.html``): mailboxes, folders, counts, holds, files.

The purge engine stays as it is: the command turns the run's
:class:`~ocm_tool.purge.report.ReportWriter` (which the view holds however the run ended)
into :class:`~ocm_tool.evidence.Evidence` with :func:`purge_evidence`.
"""

from __future__ import annotations

from ocm_tool import __version__
from ocm_tool.evidence import Evidence, RequestFacts, Table
from ocm_tool.evidence.files import relative, sha256_of
from ocm_tool.evidence.model import Cell
from ocm_tool.purge.report import ReportWriter

HOLD_WHY = (
    "the mailbox is on hold: hard-deleted items wait in Recoverable Items (Purges) and are "
    "deleted for good when the hold ends or is removed"
)


def purge_evidence(report: ReportWriter) -> Evidence:
    """The report of a purge run, as far as it went."""
    document = report.document()
    results = report.results
    mailboxes = [r.mailbox for r in results]
    counts: list[tuple[Cell, ...]] = []
    holds: list[tuple[Cell, ...]] = []
    exports: list[tuple[Cell, ...]] = []
    for result in results:
        for folder in result.folders:
            counts.append(
                (
                    result.mailbox,
                    folder.folder,
                    folder.before,
                    folder.deleted,
                    folder.retained_by_hold,
                    folder.remaining,
                    str(folder.status),
                    folder.error or None,
                )
            )
            if folder.retained_by_hold:
                holds.append((result.mailbox, folder.folder, folder.retained_by_hold, HOLD_WHY))
        if not result.folders or result.error:
            counts.append(
                (
                    result.mailbox,
                    None,
                    None,
                    None,
                    None,
                    None,
                    str(result.status),
                    result.error or None,
                )
            )
        if result.export is not None:
            exports.append(
                (
                    result.mailbox,
                    relative(result.export.run_dir, report.run_dir),
                    result.export.status,
                )
            )
    files = tuple(
        (path.name, sha256_of(path), path.stat().st_size)
        for path in (report.csv_path, report.json_path)
        if path.exists()
    )
    subject = mailboxes[0] if len(mailboxes) == 1 else f"{len(mailboxes)} mailboxes"
    return Evidence(
        title=f"ocm-tool {document['operation']}: {subject}",
        request=RequestFacts(
            id=report.run_dir.name,
            kind=str(document["operation"]),
            subject=subject,
            operator=str(document.get("account") or "app-only sign-in"),
            version=__version__,
            endpoint=str(document.get("endpoint") or ""),
            started_at=str(document["startedAt"]),
            finished_at=str(document.get("finishedAt") or ""),
        ),
        status=str(document["status"]),
        scope=(
            ("Mailboxes", ", ".join(mailboxes)),
            ("Folders", "; ".join(document["folders"])),
            ("Delete type", str(document["deleteType"])),
            ("Dry run", "yes" if document["dryRun"] else "no"),
            ("Mailboxes file", str(document.get("mailboxesFile") or "none")),
        ),
        tables=(
            Table(
                "counts",
                "Folders",
                (
                    "mailbox",
                    "folder",
                    "before",
                    "deleted",
                    "retained by hold",
                    "remaining",
                    "status",
                    "error",
                ),
                tuple(counts),
                "Items counted before, deleted, retained by a hold, and counted again afterwards.",
            ),
            Table(
                "holds", "Retained by a hold", ("mailbox", "folder", "items", "why"), tuple(holds)
            ),
            Table(
                "exports",
                "Exports made first (--export-first)",
                ("mailbox", "folder", "status"),
                tuple(exports),
            ),
            Table(
                "files",
                "Files",
                ("file", "SHA-256", "bytes"),
                files,
                "The purge report next to this page, as it was when the page was written.",
            ),
        ),
    )
