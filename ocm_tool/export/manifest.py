"""What an export run did, and ``manifest.json``: the record an admin keeps of it.

The manifest says what was exported, when, from where, how many rows and the SHA-256 of each
file (``docs/export.md`` gives the format). It is written atomically when the run starts
(``running``), again as each table is complete, and last, whatever happened: a run that was
killed still leaves a manifest naming the files it finished, and ``--resume`` keeps them.

A run writes its tables (one :class:`FileReport` per entity) in one or more formats: a format
with a file per table (CSV) lists each table's file; a format with one file for the run (the
workbook) lists that file with its sheets. Files made from the tables for another product
(``--import-for``) are :class:`RunFile` entries too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from ocm_tool import __version__
from ocm_tool.errors import ExitStatus, OcmError, UsageError
from ocm_tool.export.shapes import Problem
from ocm_tool.mailboxes.grant import GrantRecord
from ocm_tool.output import WrittenTable
from ocm_tool.output.atomic import write_atomically

MANIFEST_NAME = "manifest.json"
#: The problems a table's entry lists; more are counted (``problemCount``).
PROBLEMS_LISTED = 100


class FileStatus(StrEnum):
    PENDING = "pending"  # not finished yet (a manifest written while the run goes on)
    COMPLETE = "complete"
    FAILED = "failed"
    CANCELLED = "cancelled"


class RunStatus(StrEnum):
    RUNNING = "running"  # written at the start; a run that was killed stays so
    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILED = "failed"


@dataclass
class FileReport:
    """One file of the run.

    ``rows`` and ``sha256`` describe the file under its final name (complete files only);
    ``dangling_links`` counts links to records not in the mailbox's export (None: unknown).
    ``problems``: values that could not be written (their cells are empty); ``kept``: a
    complete file of the run resumed, whose checksum still matched, kept as it was.
    """

    name: str
    entity: str
    status: FileStatus = FileStatus.PENDING
    rows: int | None = None
    sha256: str | None = None
    error: str | None = None
    hint: str | None = None  # the fix, for the error line (not part of the manifest)
    dangling_links: int | None = None
    #: Format name -> the table's name in that format.
    names: dict[str, str] = field(default_factory=dict)
    #: Format name -> what that format wrote of the table (complete tables only).
    written: dict[str, WrittenTable] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    kept: bool = False
    #: Formula cells and replaced characters of a kept file, as its earlier entry said.
    kept_counts: tuple[int | None, int | None] = (None, None)

    def _counts(self, written: WrittenTable | None) -> dict[str, Any]:
        """``formulaCells``, ``replacedCharacters`` (see ``output.cells``) and the problems."""
        formulas, replaced = (written.formulas, written.replaced) if written else self.kept_counts
        entry: dict[str, Any] = {
            "formulaCells": formulas,
            "replacedCharacters": replaced,
            "problemCount": len(self.problems),
            "problems": [p.to_manifest() for p in self.problems[:PROBLEMS_LISTED]],
        }
        if self.kept:
            entry["kept"] = True
        return entry

    @classmethod
    def from_manifest(cls, entry: dict[str, Any]) -> FileReport:
        """An entry of an earlier manifest (``--resume``); problems are not read back."""
        try:
            status = FileStatus(str(entry.get("status")))
        except ValueError:
            status = FileStatus.FAILED

        def number(key: str) -> int | None:
            value = entry.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        sha256 = entry.get("sha256")
        return cls(
            name=str(entry.get("name") or ""),
            entity=str(entry.get("entity") or ""),
            status=status,
            rows=number("rows"),
            sha256=sha256 if isinstance(sha256, str) else None,
            dangling_links=number("danglingLinks"),
            kept_counts=(number("formulaCells"), number("replacedCharacters")),
        )

    def to_manifest(self, table_format: str | None = None) -> dict[str, Any]:
        """The table's entry; for ``table_format``, its file in that format (the first
        format's when None)."""
        written = self.written.get(table_format) if table_format else None
        name = self.names.get(table_format, self.name) if table_format else self.name
        entry: dict[str, Any] = {
            "name": written.name if written else name,
            "entity": self.entity,
            "rows": self.rows,
            "sha256": written.sha256 if written else self.sha256,
            "status": str(self.status),
        }
        if self.error is not None:
            entry["error"] = self.error
        entry["danglingLinks"] = self.dangling_links
        return entry | self._counts(written or self.written.get(next(iter(self.written), "")))

    def sheet_entry(self, table_format: str) -> dict[str, Any]:
        """The table's entry in a run file (a workbook): its sheets and the cells cut."""
        written = self.written.get(table_format)
        entry: dict[str, Any] = {
            "entity": self.entity,
            "sheets": list(written.parts) if written else [],
            "rows": self.rows,
            "status": str(self.status),
            "cutCells": written.cut_cells if written else None,
        }
        if self.error is not None:
            entry["error"] = self.error
        entry["danglingLinks"] = self.dangling_links
        return entry | self._counts(written)


@dataclass
class RunFile:
    """A file written for the whole run: a workbook (``format``), or an import-ready file
    (``import_for``, its path relative to the run folder). ``rows`` is None for a workbook."""

    name: str
    status: FileStatus
    sha256: str | None = None
    rows: int | None = None
    format: str | None = None
    import_for: str | None = None
    error: str | None = None

    def to_manifest(self, tables: Sequence[FileReport]) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name}
        if self.format is not None:
            entry["format"] = self.format
        if self.import_for is not None:
            entry["importFor"] = self.import_for
            entry["rows"] = self.rows
        entry |= {"sha256": self.sha256, "status": str(self.status)}
        if self.error is not None:
            entry["error"] = self.error
        if self.format is not None:
            entry["tables"] = [table.sheet_entry(self.format) for table in tables]
        return entry


@dataclass
class ExportReport:
    """What a run did, for the manifest and for the command that prints it.

    ``error`` is the error that ended the run before its end (its scope was the mailbox or the
    run); ``exit_status`` is then that error's.
    """

    run_dir: Path
    account: str
    mailbox: str
    endpoint: str
    started_at: str = field(default_factory=lambda: utc_now())
    finished_at: str = ""
    status: RunStatus = RunStatus.RUNNING
    #: The tables, one per entity, in table order (named as in the first format).
    files: list[FileReport] = field(default_factory=list)
    #: The formats the tables were written in, in ``--format`` order, and whether each has a
    #: file per table (else one file for the run, in ``run_files``).
    formats: dict[str, bool] = field(default_factory=lambda: {"csv": True})
    #: Files written for the whole run: workbooks, then import-ready files.
    run_files: list[RunFile] = field(default_factory=list)
    error: OcmError | None = None
    #: ``--grant-access``: the FullAccess granted for the export and taken back.
    grant: GrantRecord | None = None
    #: The request the run serves (a subject request: id, kind, subject), for the manifest.
    request: dict[str, Any] | None = None
    #: Text cells that are formulas to a spreadsheet got a leading ``'`` (--escape-formulas).
    escape_formulas: bool = False
    #: When earlier runs of this folder started (``--resume``), oldest first.
    resumed_from: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def manifest_path(self) -> Path:
        return self.run_dir / MANIFEST_NAME

    @property
    def exit_status(self) -> ExitStatus:
        if self.error is not None:
            return self.error.exit_status
        if self.status is not RunStatus.COMPLETE or any(f.problems for f in self.files):
            return ExitStatus.FAILED
        return ExitStatus.OK

    def to_manifest(self) -> dict[str, Any]:
        return {
            "tool": "ocm-tool",
            "version": __version__,
            "account": self.account,
            "mailbox": self.mailbox,
            "endpoint": self.endpoint,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at or None,
            "status": str(self.status),
            "escapeFormulas": self.escape_formulas,
            "resumedFrom": self.resumed_from,
            **({"request": self.request} if self.request is not None else {}),
            "formats": list(self.formats),
            "files": self.file_entries(),
            **({"grant": self.grant.to_json()} if self.grant else {}),
        }

    def file_entries(self) -> list[dict[str, Any]]:
        """Every file of the run folder but the manifest: the tables' files in each format
        with a file per table, then the run's own files."""
        return [entry for entry, _, _ in self._listed_files()]

    def _listed_files(self) -> list[tuple[dict[str, Any], FileStatus, str | None]]:
        """Each entry of :meth:`file_entries`, with its file's status and the fix of its
        error."""
        tables = [
            (table.to_manifest(name), table.status, table.hint)
            for name, per_table in self.formats.items()
            if per_table
            for table in self.files
        ]
        return tables + [
            (run_file.to_manifest(self.files), run_file.status, None) for run_file in self.run_files
        ]

    def to_json(self) -> dict[str, Any]:
        """The run as ``--output json`` gives it: the manifest, plus ``runDir``, ``manifest``
        (its path), and per file its ``path`` (complete files) and the ``fix`` of its error."""
        document = self.to_manifest()
        document["runDir"] = str(self.run_dir)
        document["manifest"] = str(self.manifest_path)
        document["files"] = [
            {
                **entry,
                "path": str(self.run_dir / entry["name"])
                if status is FileStatus.COMPLETE
                else None,
                "fix": fix,
            }
            for entry, status, fix in self._listed_files()
        ]
        return document

    def finish(
        self,
        files: Sequence[FileReport],
        *,
        interrupted: bool,
        fatal: bool,
        run_files: Sequence[RunFile] = (),
    ) -> None:
        """Record how the run ended and write ``manifest.json`` atomically."""
        self.files = list(files)
        self.run_files = list(run_files)
        self.finished_at = utc_now()
        self.status = run_status(self.files, interrupted=interrupted, fatal=fatal)
        if self.status is RunStatus.COMPLETE and any(
            f.status is not FileStatus.COMPLETE for f in self.run_files
        ):
            self.status = RunStatus.PARTIAL
        self.write_manifest()

    def write_manifest(self, files: Sequence[FileReport] | None = None) -> None:
        """Write ``manifest.json`` atomically: at the start, as tables are complete (``files``
        as they stand), at the end, and once a grant was taken back. Thread-safe."""
        with self._lock:
            if files is not None:
                self.files = list(files)
            text = json.dumps(self.to_manifest(), indent=2, ensure_ascii=False) + "\n"
            write_atomically(self.manifest_path, text.encode("utf-8"))


def utc_now() -> str:
    """Now in UTC, ``yyyy-MM-ddTHH:mm:ss.fffZ``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def run_status(
    files: Sequence[FileReport], *, interrupted: bool = False, fatal: bool = False
) -> RunStatus:
    """``complete`` when every file is (and nothing stopped the run), ``failed`` when none
    is, ``partial`` otherwise: some whole files, and always after an interruption."""
    if interrupted:
        return RunStatus.PARTIAL
    if not any(f.status is FileStatus.COMPLETE for f in files):
        return RunStatus.FAILED
    if not fatal and all(f.status is FileStatus.COMPLETE for f in files):
        return RunStatus.COMPLETE
    return RunStatus.PARTIAL


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """The ``manifest.json`` of an earlier run folder (``--resume``); ``UsageError`` when
    there is none or it is not one."""
    path = Path(run_dir) / MANIFEST_NAME
    hint = "pass --resume the run folder of an earlier export (the folder with manifest.json)"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"{run_dir} has no {MANIFEST_NAME}: it is not a run folder", hint=hint
        ) from None
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read {path}: {error}", hint=hint) from None
    if (
        not isinstance(document, dict)
        or document.get("tool") != "ocm-tool"
        or not isinstance(document.get("files"), list)
    ):
        raise UsageError(f"{path} is not the manifest of an ocm-tool export", hint=hint)
    return document
