"""The purge report: what happened to every folder of every mailbox, as CSV and JSON.

Contract:

- Statuses are :class:`FolderStatus`, :class:`MailboxStatus` and, for the run,
  :class:`RunStatus`; their values are the words the report files hold.
- One row per mailbox folder, columns :data:`COLUMNS` in that order. A row whose ``folder``
  is empty speaks for the whole mailbox (an error before or after its folders, or a mailbox
  that was never started).
- ``purge-report.csv`` uses the dialect of the export files (every field quoted, CRLF, UTF-8
  with a BOM); ``requestIds`` are joined with ``|``. ``purge-report.json`` holds the same rows
  grouped by mailbox, with the grants, exports and run details. Records stay typed
  (:class:`~ocm_tool.mailboxes.grant.GrantRecord`, :class:`ExportRecord`) until the files
  are written.
- :class:`ReportWriter` rewrites both files as mailboxes finish (at most every
  ``min_interval`` seconds, and always at the end) through
  :class:`~ocm_tool.output.livereport.LiveReport`, each to a temporary name renamed over the
  old one: an interrupted run always leaves a whole, readable report.
- :func:`read_report` reads a previous ``purge-report.csv`` back (``--resume``).
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from ocm_tool.errors import UsageError
from ocm_tool.mailboxes.grant import GrantRecord
from ocm_tool.output.livereport import LiveReport

STEM = "purge-report"
CSV_NAME = f"{STEM}.csv"
JSON_NAME = f"{STEM}.json"
COLUMNS: tuple[str, ...] = (
    "mailbox",
    "folder",
    "before",
    "deleted",
    "retainedByHold",
    "remaining",
    "status",
    "error",
    "requestIds",
)

#: One row of ``purge-report.csv``, by column.
Row = dict[str, str | int]


class FolderStatus(StrEnum):
    """What happened to one folder of one mailbox."""

    OK = "ok"  # emptied and verified empty
    ABSENT = "absent"  # the mailbox has no such folder: nothing to purge
    RETAINED = "retained"  # emptied, but a hold keeps the items in Recoverable Items/Purges
    REMAINING = "remaining"  # items are still in the folder after EmptyFolder (defect 10)
    FAILED = "failed"  # EmptyFolder or the check afterwards failed
    SKIPPED = "skipped"  # not attempted (interrupted, or the mailbox failed before it)
    PLANNED = "planned"  # --dry-run: counted, not touched


class MailboxStatus(StrEnum):
    """How the purge of one mailbox ended."""

    COMPLETE = "complete"  # every folder ok or absent
    ON_HOLD = "complete-on-hold"  # every folder empty; some items wait for a hold to end
    INCOMPLETE = "incomplete"  # a folder failed, kept items or was not reached
    FAILED = "failed"  # the mailbox could not be purged at all (access, export, ...)
    INTERRUPTED = "interrupted"  # stopped by Ctrl-C or because the service failed
    NOT_STARTED = "not-started"
    CANCELLED = "cancelled"  # the confirmation was not given
    PLANNED = "planned"  # --dry-run


class RunStatus(StrEnum):
    """How the whole run ended (``status`` of ``purge-report.json``)."""

    RUNNING = "running"  # not ended yet (or the process died)
    COMPLETE = "complete"  # every mailbox done
    PARTIAL = "partial"  # a mailbox is not done
    FAILED = "failed"  # an error stopped the run (the service, the sign-in, ...)
    INTERRUPTED = "interrupted"  # Ctrl-C
    PLANNED = "planned"  # --dry-run
    CANCELLED = "cancelled"  # the confirmation of a list was not given


#: Folder statuses after which nothing of the folder is left to purge.
FOLDER_DONE = frozenset({FolderStatus.OK, FolderStatus.ABSENT, FolderStatus.RETAINED})
#: Mailbox statuses that count as purged (``--resume`` skips them, exit status 0).
MAILBOX_DONE = frozenset({MailboxStatus.COMPLETE, MailboxStatus.ON_HOLD})


@dataclass(frozen=True)
class ExportRecord:
    """The ``--export-first`` export of a mailbox: its status and its run folder."""

    status: str
    run_dir: Path

    def to_json(self) -> dict[str, str]:
        return {"status": self.status, "runDir": str(self.run_dir)}


@dataclass
class FolderResult:
    """One folder of one mailbox: counts before, deleted, retained by hold and left after."""

    folder: str
    before: int = 0
    deleted: int = 0
    retained_by_hold: int = 0
    remaining: int = 0
    status: FolderStatus = FolderStatus.SKIPPED
    error: str = ""
    request_ids: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.status in FOLDER_DONE and self.remaining == 0

    def row(self, mailbox: str) -> Row:
        return {
            "mailbox": mailbox,
            "folder": self.folder,
            "before": self.before,
            "deleted": self.deleted,
            "retainedByHold": self.retained_by_hold,
            "remaining": self.remaining,
            "status": self.status,
            "error": self.error,
            "requestIds": "|".join(self.request_ids),
        }


@dataclass
class MailboxResult:
    """Everything that happened to one mailbox."""

    mailbox: str
    folders: list[FolderResult] = field(default_factory=list)
    status: MailboxStatus = MailboxStatus.NOT_STARTED
    error: str = ""
    request_ids: list[str] = field(default_factory=list)
    grant: GrantRecord | None = None
    export: ExportRecord | None = None
    #: True when the rows come from the report given to ``--resume`` (done in an earlier run).
    carried_over: bool = False
    #: Whether a hold keeps what is hard-deleted (read before the purge); ``None``: unknown.
    on_hold: bool | None = None

    @property
    def done(self) -> bool:
        return self.status in MAILBOX_DONE

    @property
    def deleted(self) -> int:
        return sum(f.deleted for f in self.folders)

    @property
    def retained_by_hold(self) -> int:
        return sum(f.retained_by_hold for f in self.folders)

    @property
    def remaining(self) -> int:
        return sum(f.remaining for f in self.folders)

    @property
    def before(self) -> int:
        return sum(f.before for f in self.folders)

    def settle(self, *, interrupted: bool = False) -> None:
        """Set ``status`` from the folders and the error (call once the work has ended)."""
        if self.status in (MailboxStatus.CANCELLED, MailboxStatus.PLANNED):
            return
        if interrupted:
            self.status = MailboxStatus.INTERRUPTED
        elif self.error and all(f.status == FolderStatus.SKIPPED for f in self.folders):
            self.status = MailboxStatus.FAILED
        elif self.error or not all(f.done for f in self.folders):
            self.status = MailboxStatus.INCOMPLETE
        elif any(f.status == FolderStatus.RETAINED for f in self.folders):
            self.status = MailboxStatus.ON_HOLD
        else:
            self.status = MailboxStatus.COMPLETE

    def rows(self) -> list[Row]:
        """The CSV rows: one per folder, plus one mailbox row when there is no folder row,
        or when the mailbox has an error or a status its folders do not tell."""
        rows = [f.row(self.mailbox) for f in self.folders]
        if (
            not rows
            or self.error
            or self.status in (MailboxStatus.INTERRUPTED, MailboxStatus.CANCELLED)
        ):
            rows.append(
                {
                    **FolderResult("").row(self.mailbox),
                    "status": self.status,
                    "error": self.error,
                    "requestIds": "|".join(self.request_ids),
                }
            )
        return rows

    def to_json(self) -> dict[str, Any]:
        return {
            "mailbox": self.mailbox,
            "status": self.status,
            "error": self.error or None,
            "requestIds": self.request_ids,
            "carriedOver": self.carried_over,
            "onHold": self.on_hold,
            "before": self.before,
            "deleted": self.deleted,
            "retainedByHold": self.retained_by_hold,
            "remaining": self.remaining,
            "grant": self.grant.to_json() if self.grant else None,
            "export": self.export.to_json() if self.export else None,
            "folders": [
                {k: v for k, v in f.row(self.mailbox).items() if k != "mailbox"}
                | {"requestIds": f.request_ids}
                for f in self.folders
            ],
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class ReportWriter:
    """The report of one run, rewritten atomically as mailboxes are recorded.

    ``mailboxes`` fixes the row order (the order of the list given); every mailbox starts as
    ``not-started``. A record is on disk at most ``min_interval`` seconds after it was made
    (the files are rewritten whole: not after every one of hundreds of mailboxes); ``finish``
    writes at once. Thread-safe.
    """

    def __init__(
        self,
        run_dir: Path,
        mailboxes: Sequence[str],
        meta: dict[str, Any],
        *,
        min_interval: float = 0.5,
    ) -> None:
        self.run_dir = run_dir
        self._files = LiveReport(run_dir, STEM, COLUMNS, min_interval=min_interval)
        self.csv_path = self._files.csv_path
        self.json_path = self._files.json_path
        self._meta = {
            "tool": "ocm-tool",
            **meta,
            "startedAt": _now(),
            "finishedAt": None,
            "status": RunStatus.RUNNING,
        }
        self._results: dict[str, MailboxResult] = {
            m.casefold(): MailboxResult(m) for m in mailboxes
        }
        self._lock = threading.Lock()

    @property
    def results(self) -> list[MailboxResult]:
        """Every mailbox's latest result, in the order of the list."""
        with self._lock:
            return list(self._results.values())

    def record(self, result: MailboxResult, *, at_once: bool = False) -> None:
        """Keep ``result`` (replacing the mailbox's earlier state) and rewrite the files;
        ``at_once``: now, whatever ``min_interval`` says (a grant about to be made)."""
        with self._lock:
            self._results[result.mailbox.casefold()] = result
            if at_once or self._files.due():
                self._write()

    def finish(self, status: RunStatus) -> None:
        """Stamp the run's final ``status`` and end time and write the files a last time."""
        with self._lock:
            self._meta["status"] = status
            self._meta["finishedAt"] = _now()
            self._write()

    def document(self) -> dict[str, Any]:
        """What ``purge-report.json`` holds now: the run's details, summary and mailboxes."""
        with self._lock:
            return self._document()

    def to_json(self) -> dict[str, Any]:
        """The run as ``--output json`` gives it: ``purge-report.json``'s document as of now,
        plus ``runDir``, ``reportCsv`` and ``reportJson`` (the paths of the two files)."""
        return {
            **self.document(),
            "runDir": str(self.run_dir),
            "reportCsv": str(self.csv_path),
            "reportJson": str(self.json_path),
        }

    def _write(self) -> None:
        results = list(self._results.values())
        rows = [[row[column] for column in COLUMNS] for result in results for row in result.rows()]
        self._files.write(self._document(), rows)

    def _document(self) -> dict[str, Any]:
        results = list(self._results.values())
        summary = {
            "mailboxes": len(results),
            "done": sum(r.done for r in results),
            "carriedOver": sum(r.carried_over for r in results),
            "deleted": sum(r.deleted for r in results),
            "retainedByHold": sum(r.retained_by_hold for r in results),
            "remaining": sum(r.remaining for r in results),
        }
        return {**self._meta, "summary": summary, "mailboxes": [r.to_json() for r in results]}


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _folder_status(value: str | None) -> FolderStatus:
    # A status this version does not know reads as failed: not done, so it is purged again.
    try:
        return FolderStatus(value or "")
    except ValueError:
        return FolderStatus.FAILED


def _mailbox_status(value: str | None) -> MailboxStatus:
    try:
        return MailboxStatus(value or "")
    except ValueError:
        return MailboxStatus.FAILED


def _results_from_rows(rows: Iterable[dict[str, str]]) -> dict[str, MailboxResult]:
    """Mailbox results rebuilt from report rows, keyed by case-folded address."""
    results: dict[str, MailboxResult] = {}
    for row in rows:
        mailbox = (row.get("mailbox") or "").strip()
        if not mailbox:
            continue
        result = results.setdefault(
            mailbox.casefold(), MailboxResult(mailbox, status=MailboxStatus.COMPLETE)
        )
        ids = [i for i in (row.get("requestIds") or "").split("|") if i]
        if row.get("folder"):
            result.folders.append(
                FolderResult(
                    folder=row["folder"],
                    before=_int(row.get("before")),
                    deleted=_int(row.get("deleted")),
                    retained_by_hold=_int(row.get("retainedByHold")),
                    remaining=_int(row.get("remaining")),
                    status=_folder_status(row.get("status")),
                    error=row.get("error") or "",
                    request_ids=ids,
                )
            )
        else:
            result.status = _mailbox_status(row.get("status"))
            result.error = row.get("error") or ""
            result.request_ids = ids
    for result in results.values():
        if result.status == MailboxStatus.COMPLETE:
            result.settle()
    return results


def read_report(path: Path) -> dict[str, MailboxResult]:
    """The mailboxes of a previous ``purge-report.csv`` (``--resume``), by case-folded address.

    Raises :class:`~ocm_tool.errors.UsageError` when the file is not such a report.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            reader = csv.DictReader(file)
            missing = set(COLUMNS) - set(reader.fieldnames or ())
            if missing:
                raise UsageError(
                    f"{path} is not a purge report: it lacks the column(s) {', '.join(sorted(missing))}",
                    hint=f"pass the {CSV_NAME} of an earlier run to --resume",
                )
            return _results_from_rows(reader)
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from error
    except (csv.Error, UnicodeDecodeError) as error:
        raise UsageError(
            f"{path} is not a readable CSV file: {error}",
            hint=f"pass the {CSV_NAME} of an earlier run to --resume",
        ) from error
