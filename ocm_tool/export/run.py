"""Exporting the OCM data of one mailbox to CSV files in a run folder, with a manifest.

``run_export`` is the whole job: it creates the run folder ``<account>_<yyyyMMddTHHmmssffff>``,
reads the templates first (custom-field columns and stage labels need them), then downloads
every other entity of the command concurrently, streaming each page to its CSV file so memory
stays flat, and writes ``manifest.json`` last, whatever happened. What each file holds is the
entity table (``entities.py``); export commands differ only by which rows they take.

Outcomes:

- every file written: status ``complete``, exit code 0;
- an entity failed: no CSV under its final name, the others are still written, the manifest says
  ``partial`` (``failed`` when no file was written) with the error, exit code 1;
- the mailbox cannot be opened at all (403/404) or the token is refused: the manifest says
  ``failed`` and the typed error is raised (the CLI prints it and exits 4 or 3);
- Ctrl-C: downloads stop at the next page, partial files are removed, the manifest says
  ``partial``, and ``KeyboardInterrupt`` is raised again (the CLI exits 130).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from ocm_tool import __version__
from ocm_tool.client import BatchRequest, GraphClient
from ocm_tool.errors import ExitStatus, ItemNotFoundError, OcmError, UsageError
from ocm_tool.export.entities import (
    LINK_TARGETS,
    Entity,
    Template,
    template_entity,
)
from ocm_tool.output.csv import CsvFile, write_atomically
from ocm_tool.output.rundir import make_run_dir
from ocm_tool.runtime import Runtime


class ExportProgress(Protocol):
    """What a run tells about its files while it runs (a terminal view, or nothing).

    Called from the download threads: implementations are thread-safe.
    """

    def add(self, key: str, file_name: str) -> None:
        """A file that will be written (before its download starts)."""

    def update(self, key: str, *, advance: int = 0, total: int | None = None) -> None:
        """``advance`` more items downloaded; ``total`` from ``@odata.count`` when known."""

    def finish(self, key: str, status: str) -> None:
        """The file ended: ``complete``, ``failed`` or ``cancelled``."""


class _NoProgress:
    def add(self, key: str, file_name: str) -> None:
        pass

    def update(self, key: str, *, advance: int = 0, total: int | None = None) -> None:
        pass

    def finish(self, key: str, status: str) -> None:
        pass


NO_PROGRESS: ExportProgress = _NoProgress()

#: Items asked for per page (``$top``); the server may serve fewer, and caps at 1000.
DEFAULT_PAGE_SIZE = 1000
#: List views cut contact notes to this many characters.
NOTES_CUT = 255
MANIFEST_NAME = "manifest.json"


# --- the report and the manifest -------------------------------------------------------------


@dataclass
class FileReport:
    """One file of the run: ``status`` is ``complete``, ``failed`` or ``cancelled``.

    ``rows`` and ``sha256`` describe the file under its final name (complete files only);
    ``dangling_links`` counts links to records not in the mailbox's export (None: unknown).
    """

    name: str
    entity: str
    status: str = "cancelled"
    rows: int | None = None
    sha256: str | None = None
    error: str | None = None
    hint: str | None = None  # the fix, for the error line (not part of the manifest)
    dangling_links: int | None = None

    def to_manifest(self) -> dict:
        entry: dict = {
            "name": self.name,
            "entity": self.entity,
            "rows": self.rows,
            "sha256": self.sha256,
            "status": self.status,
        }
        if self.error is not None:
            entry["error"] = self.error
        entry["danglingLinks"] = self.dangling_links
        return entry


@dataclass
class ExportReport:
    """What a run did. ``status``: complete | partial | failed; ``exit_status`` for the CLI."""

    run_dir: Path
    status: str
    exit_status: ExitStatus
    account: str = ""
    mailbox: str = ""
    endpoint: str = ""
    started_at: str = ""
    finished_at: str = ""
    files: list[FileReport] = field(default_factory=list)
    #: The error that ended the run before its end (its scope was the mailbox or the run).
    error: OcmError | None = None

    @property
    def manifest_path(self) -> Path:
        return self.run_dir / MANIFEST_NAME

    def to_manifest(self) -> dict:
        """``manifest.json`` as ``csv-output.md`` fixes it."""
        return {
            "tool": "ocm-tool",
            "version": __version__,
            "account": self.account,
            "mailbox": self.mailbox,
            "endpoint": self.endpoint,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
            "status": self.status,
            "files": [f.to_manifest() for f in self.files],
        }


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def run_status(
    files: Sequence[FileReport], *, interrupted: bool = False, fatal: bool = False
) -> str:
    """``complete`` when every file is, ``failed`` when none is (or the run could not start),
    ``partial`` otherwise and always after an interruption."""
    if interrupted:
        return "partial"
    if fatal or not any(f.status == "complete" for f in files):
        return "failed"
    return "complete" if all(f.status == "complete" for f in files) else "partial"


# --- one run ---------------------------------------------------------------------------------


class _Cancelled(Exception):
    """Raised inside a download when the run was interrupted or failed as a whole."""


class TieOrder:
    """Re-orders items so that ties of ``LastModifiedDateTime`` come in ``Id`` order.

    The server orders by ``LastModifiedDateTime``, but ``api.md`` does not promise the order of
    ties. Only the current run of equal timestamps is buffered (runs are short), never the file.
    """

    def __init__(self) -> None:
        self._run: list[dict] = []
        self._key: object = None

    def push(self, items: Iterable[dict]) -> list[dict]:
        """Take the next items; return those whose position is now final."""
        ready: list[dict] = []
        for item in items:
            key = item.get("LastModifiedDateTime")
            if self._run and key != self._key:
                ready.extend(self._drain())
            self._key = key
            self._run.append(item)
        return ready

    def flush(self) -> list[dict]:
        """The items still buffered (at the end of the list)."""
        return self._drain()

    def _drain(self) -> list[dict]:
        run, self._run = self._run, []
        return sorted(run, key=lambda item: str(item.get("Id") or ""))


@dataclass
class _EntityOutcome:
    """What a finished download learned for the manifest's danglingLinks."""

    links: Counter[tuple[str, str]] = field(default_factory=Counter)


class ExportRun:
    """The downloads of one run. Each entity runs in its own thread; all share the client,
    which caps the requests in flight per mailbox."""

    def __init__(
        self,
        client: GraphClient,
        mailbox: str | None,
        run_dir: Path,
        entities: Sequence[Entity],
        *,
        encoding: str,
        progress: ExportProgress,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self.client = client
        self.mailbox_path = client.mailbox_path(mailbox)
        self.run_dir = run_dir
        self.entities = list(entities)
        self.encoding = encoding
        self.progress = progress
        self.page_size = page_size
        self.cancel = threading.Event()
        self.fatal: OcmError | None = None
        self.files = {e.key: FileReport(e.file_name, e.key) for e in self.entities}
        self.templates: dict[str, Template] = {}
        self.template_errors: dict[str, str] = {}
        #: Link kind -> case-folded XrmIds of its records (None: could not be read).
        self.known_ids: dict[str, set[str] | None] = {}
        self.outcomes: dict[str, _EntityOutcome] = {}
        self._lock = threading.Lock()

    # The phases.

    def execute(self) -> None:
        """Templates first, then the other entities concurrently, then the dangling links.

        On Ctrl-C: signal every download to stop, wait for them (each removes its partial file)
        and re-raise.
        """
        for entity in self.entities:
            self.progress.add(entity.key, entity.file_name)
        with ThreadPoolExecutor(
            max_workers=len(self.entities) + 3, thread_name_prefix="export"
        ) as pool:
            try:
                kinds = dict.fromkeys(e.template for e in self.entities if e.template)
                self._run_all(pool, [partial(self._read_template, kind) for kind in kinds])
                records = [e for e in self.entities if not e.is_template]
                self._run_all(pool, [partial(self._download, entity) for entity in records])
                self._count_dangling_links(pool)
            except BaseException:
                self.cancel.set()
                pool.shutdown(wait=True, cancel_futures=True)
                raise

    def _run_all(self, pool: ThreadPoolExecutor, jobs: Sequence[Callable[[], None]]) -> None:
        """Run jobs concurrently; wait in short steps so Ctrl-C is seen at once."""
        futures: list[Future[None]] = [pool.submit(job) for job in jobs]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
        for future in futures:
            future.result()  # a bug in a job is not swallowed

    # One entity.

    def _guarded(self, entity: Entity, job: Callable[[], FileReport | None]) -> None:
        """Run a job for ``entity``'s file and record how it ended; never raises OcmError."""
        report = self.files.get(entity.key)
        try:
            if self.cancel.is_set():
                raise _Cancelled
            done = job()
            if report is not None and done is not None:
                self.files[entity.key] = done
                self.progress.finish(entity.key, "complete")
        except _Cancelled:
            if report is not None:
                report.status = "cancelled"
                report.error = (
                    "interrupted"
                    if self.fatal is None
                    else "stopped: the mailbox could not be read"
                )
                self.progress.finish(entity.key, "cancelled")
        except OcmError as error:
            if error.ends_mailbox:  # a run exports one mailbox: it cannot go on
                with self._lock:
                    self.fatal = self.fatal or error
                self.cancel.set()
            if report is not None:
                report.status = "failed"
                report.error = str(error)
                report.hint = error.hint
                self.progress.finish(entity.key, "failed")
            if entity.is_template:
                self.template_errors[entity.template or ""] = str(error)

    def _read_template(self, kind: str) -> None:
        entity = template_entity(kind)

        def job() -> FileReport | None:
            items = [item for page in self._pages(entity, {}) for item in page]
            template = Template.from_items(kind, items)
            self.templates[kind] = template
            if entity.key not in self.files:
                return None  # needed by another file, not exported itself
            return self._write(entity, template, [items])

        self._guarded(entity, job)

    def _download(self, entity: Entity) -> None:
        def job() -> FileReport:
            template = None
            if entity.template:
                if entity.template not in self.templates:
                    source = template_entity(entity.template).file_name
                    reason = self.template_errors.get(entity.template, "not read")
                    raise OcmError(
                        f"not written: the template for its columns ({source}) failed: {reason}"
                    )
                template = self.templates[entity.template]
            params = entity.query(template, page_size=self.page_size)
            return self._write(entity, template, self._ordered(self._pages(entity, params)))

        self._guarded(entity, job)

    def _pages(self, entity: Entity, params: dict) -> Iterable[list[dict]]:
        """The items of every page; stops between pages when the run is cancelled."""
        for page in self.client.pages(f"{self.mailbox_path}/{entity.collection}", params or None):
            if self.cancel.is_set():
                raise _Cancelled
            self.progress.update(entity.key, total=page.count)
            yield page.items
            self.progress.update(entity.key, advance=len(page.items))

    def _ordered(self, pages: Iterable[list[dict]]) -> Iterable[list[dict]]:
        ties = TieOrder()
        for items in pages:
            yield ties.push(items)
        yield ties.flush()

    def _write(
        self, entity: Entity, template: Template | None, chunks: Iterable[list[dict]]
    ) -> FileReport:
        """Stream ``chunks`` of items to the entity's CSV file; return its complete report."""
        outcome = _EntityOutcome()
        ids: set[str] | None = set() if entity.link_target else None
        with CsvFile(
            self.run_dir / entity.file_name, entity.header(template), encoding=self.encoding
        ) as out:
            for items in chunks:
                if entity.full_notes:
                    items = self._whole_notes(entity, items)
                out.write([row for item in items for row in entity.rows_of(item, template)])
                for item in items:
                    outcome.links.update(
                        (kind, target.casefold()) for kind, target in entity.links(item)
                    )
                    if ids is not None and item.get("XrmId"):
                        ids.add(str(item["XrmId"]).casefold())
            result = out.commit()
        if entity.link_target and ids is not None:
            self.known_ids[entity.link_target] = ids
        self.outcomes[entity.key] = outcome
        return FileReport(entity.file_name, entity.key, "complete", result.rows, result.sha256)

    def _whole_notes(self, entity: Entity, items: list[dict]) -> list[dict]:
        """Replace cut notes with the whole text (``GET {collection}/{Id}``, 20 per ``$batch``).

        An item deleted since it was listed (404) is dropped, as the listing would now.
        """
        cut = [
            item
            for item in items
            if item.get("NotesTruncated") or len(str(item.get("Notes") or "")) >= NOTES_CUT
        ]
        if not cut:
            return items
        requests = [
            BatchRequest(
                id=str(n),
                method="GET",
                url=f"{self.mailbox_path}/{entity.collection}/{quote(str(item['Id']), safe='')}",
            )
            for n, item in enumerate(cut)
        ]
        gone: set[int] = set()
        for response in self.client.batch(requests):
            item = cut[int(response.id)]
            error = response.error()
            if isinstance(error, ItemNotFoundError):
                gone.add(id(item))
            elif error is not None:
                raise error
            else:
                item["Notes"] = (response.body or {}).get("Notes", item.get("Notes"))
                item.pop("NotesTruncated", None)
        return [item for item in items if id(item) not in gone]

    # Dangling links.

    def _count_dangling_links(self, pool: ThreadPoolExecutor) -> None:
        """Count, per complete file, links to records that are not in the mailbox.

        Kinds whose records were not exported in this run are listed (``XrmId`` only).
        """
        if self.cancel.is_set():
            return
        wanted = {kind for outcome in self.outcomes.values() for kind, _ in outcome.links}
        missing = [kind for kind in wanted if kind not in self.known_ids and kind in LINK_TARGETS]
        self._run_all(pool, [partial(self._list_ids, kind) for kind in missing])
        for key, outcome in self.outcomes.items():
            report = self.files.get(key)
            if report is None:
                continue
            wanted_ids = {kind: self.known_ids.get(kind) for kind, _ in outcome.links}
            known = {kind: ids for kind, ids in wanted_ids.items() if ids is not None}
            if len(known) < len(wanted_ids):
                report.dangling_links = None
                continue
            report.dangling_links = sum(
                count
                for (kind, target), count in outcome.links.items()
                if target not in known[kind]
            )

    def _list_ids(self, kind: str) -> None:
        entity = LINK_TARGETS[kind]
        try:
            ids = {
                str(item["XrmId"]).casefold()
                for page in self.client.pages(
                    f"{self.mailbox_path}/{entity.collection}",
                    {"$select": "XrmId", "$top": str(self.page_size)},
                )
                for item in page.items
                if item.get("XrmId")
            }
        except OcmError:
            ids = None  # danglingLinks stays unknown for the files that link there
        self.known_ids[kind] = ids

    # The report.

    def file_reports(self) -> list[FileReport]:
        """The files in table order; those never started count as cancelled."""
        reports = [self.files[e.key] for e in self.entities]
        for report in reports:
            if report.status == "cancelled" and report.error is None:
                report.error = (
                    "interrupted"
                    if self.fatal is None
                    else "stopped: the mailbox could not be read"
                )
        return reports


def _account_and_client(runtime: Runtime, mailbox: str | None) -> tuple[str, GraphClient]:
    """Sign in; the folder's account is the signed-in UPN, or the mailbox for app-only."""
    if runtime.settings.app_only and not mailbox:
        raise UsageError(
            "--mailbox is required with app-only sign-in",
            hint="name the user or group mailbox to export: --mailbox alice@contoso.com",
        )
    client = runtime.client
    account = runtime.account or mailbox
    if not account:
        raise UsageError(
            "--mailbox is required with app-only sign-in",
            hint="name the user or group mailbox to export: --mailbox alice@contoso.com",
        )
    return account, client


def run_export(
    runtime: Runtime,
    entities: Sequence[Entity],
    *,
    mailbox: str | None,
    output_dir: Path,
    encoding: str,
    progress: ExportProgress | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> ExportReport:
    """Export ``entities`` of ``mailbox`` (None: the signed-in user's) to a new run
    folder under ``output_dir``, and write its ``manifest.json``.

    Returns the report: ``exit_status`` 0 or 1, or, when an error whose scope is the mailbox
    or the run stopped it (no access, the service gone), that error in ``report.error`` (the
    manifest says ``failed`` or ``partial``). Raises ``UsageError`` (app-only without a
    mailbox), sign-in errors, ``OutputError`` (the run folder or manifest cannot be written),
    and ``KeyboardInterrupt`` after writing a ``partial`` manifest.
    """
    account, client = _account_and_client(runtime, mailbox)
    report = ExportReport(
        run_dir=make_run_dir(output_dir, account),
        status="failed",
        exit_status=ExitStatus.FAILED,
        account=account,
        mailbox=mailbox or account,
        endpoint=runtime.settings.endpoint or "",
        started_at=_utc_now(),
    )
    progress = progress or NO_PROGRESS
    run = ExportRun(
        client,
        mailbox,
        report.run_dir,
        entities,
        encoding=encoding,
        progress=progress,
        page_size=page_size,
    )
    try:
        run.execute()
    except KeyboardInterrupt:
        _finish(report, run, interrupted=True)
        raise
    except BaseException:
        _finish(report, run, fatal=True)
        raise
    _finish(report, run)
    report.error = run.fatal
    if report.error is not None:
        report.exit_status = report.error.exit_status
    return report


def _finish(
    report: ExportReport, run: ExportRun, *, interrupted: bool = False, fatal: bool = False
) -> None:
    """Fill in the outcome and write ``manifest.json`` atomically."""
    report.files = run.file_reports()
    report.finished_at = _utc_now()
    report.status = run_status(
        report.files, interrupted=interrupted, fatal=fatal or run.fatal is not None
    )
    report.exit_status = ExitStatus.OK if report.status == "complete" else ExitStatus.FAILED
    text = json.dumps(report.to_manifest(), indent=2, ensure_ascii=False) + "\n"
    write_atomically(report.manifest_path, text.encode("utf-8"))
