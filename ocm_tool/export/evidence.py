"""The evidence of an export (``report.html``): the run, its mailbox, each file and its SHA-256.

The export engine stays as it is: the command that ran it turns the returned
:class:`~ocm_tool.export.manifest.ExportReport` into :class:`~ocm_tool.evidence.Evidence`
(:func:`export_evidence`) and writes the page next to the files. A subject export reuses
:func:`file_rows` for each of its mailboxes.
"""

from __future__ import annotations

from pathlib import Path

from ocm_tool import __version__
from ocm_tool.evidence import Evidence, RequestFacts, Table
from ocm_tool.evidence.files import relative, sha256_of
from ocm_tool.evidence.model import Cell
from ocm_tool.export.manifest import ExportReport

FILE_COLUMNS = ("mailbox", "file", "entity", "rows", "SHA-256", "dangling links", "status")
FILES_NOTE = (
    "Rows written to each file and its SHA-256 (for a workbook, its own); dangling links count "
    "links to records that are not in the mailbox (a dash: not known). A file that failed was "
    "not written."
)


def file_rows(report: ExportReport, folder: Path) -> list[tuple[Cell, ...]]:
    """One row per file of the run as its manifest lists it (each format's tables, workbooks,
    import-ready files; paths relative to ``folder``), then the manifest itself."""
    rows: list[tuple[Cell, ...]] = []
    for entry in report.file_entries():
        status = str(entry["status"])
        rows.append(
            (
                report.mailbox,
                relative(report.run_dir / str(entry["name"]), folder),
                entry.get("entity") or entry.get("format") or entry.get("importFor"),
                entry.get("rows"),
                entry.get("sha256"),
                entry.get("danglingLinks"),
                f"{status}: {entry['error']}" if entry.get("error") else status,
            )
        )
    manifest = report.manifest_path
    if manifest.exists():
        rows.append(
            (
                report.mailbox,
                relative(manifest, folder),
                "manifest",
                None,
                sha256_of(manifest),
                None,
                str(report.status),
            )
        )
    return rows


def export_evidence(report: ExportReport, *, kind: str) -> Evidence:
    """The report of one export command's run (``kind``: the command, ``export-all-data``)."""
    return Evidence(
        title=f"ocm-tool {kind}: {report.mailbox}",
        request=RequestFacts(
            id=report.run_dir.name,
            kind=kind,
            subject=f"mailbox {report.mailbox}",
            operator=report.account,
            version=__version__,
            endpoint=report.endpoint,
            started_at=report.started_at,
            finished_at=report.finished_at,
        ),
        status=str(report.status),
        error=str(report.error) if report.error is not None else None,
        scope=(
            ("Mailbox", report.mailbox),
            ("Formats", ", ".join(report.formats)),
            ("Folder", str(report.run_dir)),
        ),
        tables=(
            Table(
                "files", "Files", FILE_COLUMNS, tuple(file_rows(report, report.run_dir)), FILES_NOTE
            ),
        ),
    )
