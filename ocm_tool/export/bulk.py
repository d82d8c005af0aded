"""Exporting every mailbox of a ``--mailboxes-file`` list: a folder per mailbox under one parent.

Contract of :func:`run_bulk_export` (``export-all-data --mailboxes-file FILE``):

- Refusals come first, before anything is asked of the service (``UsageError``, exit 2):
  ``--grant-access`` with app-only sign-in; a mailboxes file or a ``--resume`` report that
  cannot be read.
- The parent folder is a new run folder ``<account>_<yyyyMMddTHHmmssffff>`` under
  ``output_dir``; with ``resume`` it is the folder of the report given, and the export goes on
  there. In it, each mailbox gets its own run folder ``<mailbox>_<...>`` (what
  :func:`~ocm_tool.export.run.run_export` writes for one mailbox: its files, its manifest),
  and ``export-report.csv`` and ``export-report.json`` say how each mailbox ended; they are
  rewritten as mailboxes finish (:class:`~ocm_tool.output.livereport.LiveReport`).
- ``resume`` skips the mailboxes the report shows ``complete`` whose folder still holds a
  complete manifest; their rows are carried over. The others are exported again, in a new
  folder (the old one, if any, keeps its partial manifest).
- ``settings.concurrency`` mailboxes at a time; within a mailbox the client caps the calls in
  flight as for one export. ``grant_access``: FullAccess for the signed-in admin on each
  mailbox during its export, always taken back (:mod:`ocm_tool.mailboxes.grant`).
- How far an error reaches is its scope: a mailbox that cannot be read (403, 404) or whose
  files failed is recorded and the others go on (exit status 1); an error whose scope is the
  run (the sign-in, the service beyond its retries) starts nothing new, lets the mailboxes in
  progress stop at their next page, and is raised once the report is written.
- Ctrl-C: nothing new starts, mailboxes in progress stop at their next page and take back
  their grants, the report is written, and ``KeyboardInterrupt`` is raised again.

It returns ``OK`` when every mailbox is complete (in this run or the resumed one), else
``FAILED``. What it tells goes to the :class:`BulkExportView` it is given.
"""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from ocm_tool import __version__
from ocm_tool.errors import ExitStatus, OcmError, UsageError
from ocm_tool.export.entities import Entity
from ocm_tool.export.manifest import MANIFEST_NAME, ExportReport, RunStatus, utc_now
from ocm_tool.export.run import run_export
from ocm_tool.export.targets.model import Target
from ocm_tool.mailboxes import grant
from ocm_tool.mailboxes.addresses import read_mailbox_list
from ocm_tool.mailboxes.grant import GrantRecord
from ocm_tool.mailboxes.listrun import StopSignal, run_list
from ocm_tool.output import TableFormat
from ocm_tool.output.livereport import LiveReport
from ocm_tool.output.rundir import make_run_dir
from ocm_tool.runtime import Runtime

STEM = "export-report"
CSV_NAME = f"{STEM}.csv"
JSON_NAME = f"{STEM}.json"
COLUMNS: tuple[str, ...] = ("mailbox", "status", "runDir", "files", "rows", "error")


class MailboxStatus(StrEnum):
    """How the export of one mailbox ended."""

    COMPLETE = "complete"  # every file written
    PARTIAL = "partial"  # some files failed (their errors are in its manifest)
    FAILED = "failed"  # the mailbox could not be exported (access, the service, ...)
    INTERRUPTED = "interrupted"  # stopped by Ctrl-C or because the run stopped
    NOT_STARTED = "not-started"


class ListStatus(StrEnum):
    """How the whole list ended (``status`` of ``export-report.json``)."""

    RUNNING = "running"
    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class BulkOptions:
    """The options of ``export-all-data --mailboxes-file``."""

    mailboxes_file: Path
    output_dir: Path = Path(".")
    resume: Path | None = None
    grant_access: bool = False


@dataclass
class MailboxExport:
    """What happened to one mailbox of the list."""

    mailbox: str
    status: MailboxStatus = MailboxStatus.NOT_STARTED
    run_dir: str = ""  # the mailbox's folder, relative to the parent folder
    files: int = 0  # files complete
    rows: int = 0
    error: str = ""
    hint: str | None = None
    grant: GrantRecord | None = None
    carried_over: bool = False
    manifest: dict[str, Any] | None = None

    @property
    def done(self) -> bool:
        return self.status is MailboxStatus.COMPLETE

    def row(self) -> list[str | int]:
        return [self.mailbox, self.status, self.run_dir, self.files, self.rows, self.error]

    def to_json(self) -> dict[str, Any]:
        files = (self.manifest or {}).get("files", [])
        return {
            "mailbox": self.mailbox,
            "status": self.status,
            "runDir": self.run_dir or None,
            "files": self.files,
            "rows": self.rows,
            "error": self.error or None,
            "carriedOver": self.carried_over,
            "grant": self.grant.to_json() if self.grant else None,
            "manifest": [
                {k: f.get(k) for k in ("name", "rows", "sha256", "status")} for f in files
            ],
        }


class BulkReport:
    """``export-report.csv`` and ``.json`` of one list, rewritten as mailboxes are recorded
    (in the order of the list). Thread-safe."""

    def __init__(self, parent: Path, mailboxes: Sequence[str], meta: dict[str, Any]) -> None:
        self.parent = parent
        self._files = LiveReport(parent, STEM, COLUMNS)
        self.csv_path = self._files.csv_path
        self.json_path = self._files.json_path
        self._meta = {
            "tool": "ocm-tool",
            "version": __version__,
            **meta,
            "startedAt": utc_now(),
            "finishedAt": None,
            "status": ListStatus.RUNNING,
        }
        self._results = {m.casefold(): MailboxExport(m) for m in mailboxes}
        self._lock = threading.Lock()

    @property
    def results(self) -> list[MailboxExport]:
        with self._lock:
            return list(self._results.values())

    def record(self, result: MailboxExport) -> None:
        """Keep ``result`` (replacing the mailbox's earlier state); rewrite the files if due."""
        with self._lock:
            self._results[result.mailbox.casefold()] = result
            if self._files.due():
                self._write()

    def flush(self) -> None:
        """Rewrite the files now."""
        with self._lock:
            self._write()

    def finish(self, status: ListStatus) -> None:
        with self._lock:
            self._meta["status"] = status
            self._meta["finishedAt"] = utc_now()
            self._write()

    def to_json(self) -> dict[str, Any]:
        """The list as ``--output json`` gives it: ``export-report.json``'s document as of now,
        plus ``runDir`` (the parent folder), ``reportCsv`` and ``reportJson``."""
        with self._lock:
            document = self._document()
        return {
            **document,
            "runDir": str(self.parent),
            "reportCsv": str(self.csv_path),
            "reportJson": str(self.json_path),
        }

    def _document(self) -> dict[str, Any]:
        results = list(self._results.values())
        summary = {
            "mailboxes": len(results),
            "complete": sum(r.done for r in results),
            "carriedOver": sum(r.carried_over for r in results),
            "rows": sum(r.rows for r in results),
        }
        return {**self._meta, "summary": summary, "mailboxes": [r.to_json() for r in results]}

    def _write(self) -> None:
        results = list(self._results.values())
        self._files.write(self._document(), [r.row() for r in results])


class BulkExportView(Protocol):
    """What a list export tells while it runs (from its worker threads: thread-safe)."""

    def report_opened(self, report: BulkReport) -> None:
        """The parent folder and its report exist (before any mailbox starts)."""

    def carried_over(self, count: int, report: Path) -> None:
        """``count`` mailboxes are skipped: the ``--resume`` report shows them complete."""

    def note(self, mailbox: str | None, text: str) -> None:
        """Something to read (a grant step); ``mailbox`` None: about the whole list."""

    def finished(self, result: MailboxExport) -> None:
        """A mailbox ended (not told of mailboxes never started)."""


@dataclass
class _List:
    runtime: Runtime
    entities: Sequence[Entity]
    formats: Sequence[TableFormat]
    imports: Sequence[Target]
    options: BulkOptions
    view: BulkExportView
    parent: Path
    account: str | None
    signal: StopSignal = field(default_factory=StopSignal)


def _report_path(resume: Path) -> Path:
    """The report of a ``--resume``: the file given, or the one in the folder given."""
    return resume / CSV_NAME if resume.is_dir() else resume


def read_report(path: Path) -> dict[str, MailboxExport]:
    """The mailboxes of a previous ``export-report.csv``, by case-folded address; those shown
    ``complete`` are kept only when their folder still holds a complete manifest."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            reader = csv.DictReader(file)
            missing = set(COLUMNS) - set(reader.fieldnames or ())
            if missing:
                raise UsageError(
                    f"{path} is not an export report: it lacks the column(s) "
                    f"{', '.join(sorted(missing))}",
                    hint=f"pass the {CSV_NAME} of an earlier export-all-data --mailboxes-file run",
                )
            rows = list(reader)
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from error
    except (csv.Error, UnicodeDecodeError) as error:
        raise UsageError(
            f"{path} is not a readable CSV file: {error}",
            hint=f"pass the {CSV_NAME} of an earlier export-all-data --mailboxes-file run",
        ) from error
    found: dict[str, MailboxExport] = {}
    for row in rows:
        mailbox = (row.get("mailbox") or "").strip()
        if not mailbox or row.get("status") != MailboxStatus.COMPLETE:
            continue
        manifest = _manifest(path.parent / (row.get("runDir") or ""))
        if manifest is None or manifest.get("status") != RunStatus.COMPLETE:
            continue
        found[mailbox.casefold()] = MailboxExport(
            mailbox,
            MailboxStatus.COMPLETE,
            row.get("runDir") or "",
            int(row.get("files") or 0),
            int(row.get("rows") or 0),
            carried_over=True,
            manifest=manifest,
        )
    return found


def _manifest(folder: Path) -> dict[str, Any] | None:
    try:
        loaded = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def run_bulk_export(
    runtime: Runtime,
    entities: Sequence[Entity],
    options: BulkOptions,
    view: BulkExportView,
    *,
    formats: Sequence[TableFormat],
    imports: Sequence[Target] = (),
) -> ExitStatus:
    """Export ``entities`` of every mailbox of ``options.mailboxes_file`` (see the module)."""
    if runtime.settings.app_only and options.grant_access:
        raise UsageError(
            "--grant-access grants FullAccess to a signed-in admin; app-only sign-in has none",
            hint="app-only sign-in with full_access_as_app opens every mailbox: drop --grant-access",
        )
    listed = read_mailbox_list(options.mailboxes_file)
    report_path = _report_path(options.resume) if options.resume else None
    carried = read_report(report_path) if report_path else {}
    account = runtime.account  # signs in, once, before any thread starts
    if report_path is not None:
        parent = report_path.parent
    else:
        parent = make_run_dir(options.output_dir, account or options.mailboxes_file.stem)
    report = BulkReport(
        parent,
        listed,
        {
            "operation": "export-all-data",
            "account": account,
            "endpoint": runtime.settings.endpoint,
            "formats": [f.name for f in formats],
            "importFor": [t.name for t in imports],
            "grantAccess": options.grant_access,
            "mailboxesFile": str(options.mailboxes_file),
            "resumedFrom": str(report_path) if report_path else None,
        },
    )
    to_do = [m for m in listed if m.casefold() not in carried]
    for mailbox in listed:
        if mailbox.casefold() in carried:
            report.record(carried[mailbox.casefold()])
    report.flush()
    view.report_opened(report)
    if carried and report_path is not None:
        view.carried_over(len(carried), report_path)
    work = _List(runtime, entities, formats, imports, options, view, parent, account)

    def record(result: MailboxExport) -> None:
        report.record(result)
        if result.status is not MailboxStatus.NOT_STARTED:
            view.finished(result)

    interrupted = run_list(
        to_do,
        partial(_export_one, work),
        workers=runtime.settings.concurrency,
        record=record,
        signal=work.signal,
        note=partial(view.note, None),
        thread_name="export-list",
    )
    results = report.results
    if interrupted:
        report.finish(ListStatus.INTERRUPTED)
        raise KeyboardInterrupt
    if work.signal.fatal is not None:
        report.finish(ListStatus.FAILED)
        raise work.signal.fatal
    complete = all(r.done for r in results)
    report.finish(ListStatus.COMPLETE if complete else ListStatus.PARTIAL)
    return ExitStatus.OK if complete else ExitStatus.FAILED


def _export_one(work: _List, mailbox: str) -> MailboxExport:
    """Export one mailbox of the list; never raises an ``OcmError`` (it is recorded)."""
    result = MailboxExport(mailbox)
    if work.signal.stopping:
        return result
    try:
        exported = run_export(
            work.runtime,
            work.entities,
            mailbox=mailbox,
            output_dir=work.parent,
            formats=work.formats,
            imports=work.imports,
            stop=work.signal.event,
            grant_access=work.options.grant_access,
            say=partial(work.view.note, mailbox),
        )
        result.grant = exported.grant
        _settle(work, result, exported)
    except OcmError as error:
        result.status = MailboxStatus.FAILED
        result.error, result.hint = str(error), error.hint
        if error.ends_run:
            work.signal.stop(error)
    note = grant.left_behind_note(result.grant, mailbox)
    if note is not None:
        result.error = f"{result.error}; {note}" if result.error else note
    return result


def _settle(work: _List, result: MailboxExport, exported: ExportReport) -> None:
    """Take the mailbox's outcome from its export report."""
    result.run_dir = exported.run_dir.name
    result.manifest = exported.to_manifest()
    result.files = sum(f.status == "complete" for f in exported.files)
    result.rows = sum(f.rows or 0 for f in exported.files)
    if exported.error is not None:
        result.status = MailboxStatus.FAILED
        result.error, result.hint = str(exported.error), exported.error.hint
        if exported.error.ends_run:
            work.signal.stop(exported.error)
    elif work.signal.stopping and exported.status is not RunStatus.COMPLETE:
        result.status = MailboxStatus.INTERRUPTED
        result.error = "interrupted"
    elif exported.status is RunStatus.COMPLETE:
        result.status = MailboxStatus.COMPLETE
    else:
        result.status = MailboxStatus.PARTIAL
        failed = [f.name for f in exported.files if f.status == "failed"]
        result.error = f"file(s) not written: {', '.join(failed)} (see its {MANIFEST_NAME})"
