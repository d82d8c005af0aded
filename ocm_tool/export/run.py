"""Exporting the OCM data of one mailbox to files in a run folder, with a manifest.

``run_export`` is the whole job: it creates the run folder ``<mailbox>_<yyyyMMddTHHmmssffff>``
(named after the mailbox exported), reads the templates first (custom-field columns and stage
labels need them), then downloads every other entity concurrently, streaming each page to
every format's writer so memory stays flat, then finishes the files written for the whole run
(the workbook, the import-ready files of ``--import-for``), and writes ``manifest.json`` last,
whatever happened. What each table holds is the entity table (``entities.py``); how it is
written are the table formats (``ocm_tool.output``), one or more per run.

Outcomes (which errors end what is each error's ``scope``, ``ocm_tool.errors``):

- every file written: status ``complete``, exit status 0;
- a file failed (its scope is the task): no file under its final name, the others are still
  written, the manifest says ``partial`` (``failed`` when no file was written) with the
  error, exit status 1;
- an error whose scope is the mailbox or the run (no access, token refused, the service gone
  beyond retries): the other downloads stop, the manifest says ``failed``, and the report
  carries the error (the command raises it: exit 4, 3 or 5);
- Ctrl-C: downloads stop at the next page, partial files are removed (and no workbook or
  import file is written), the manifest says ``partial``, and ``KeyboardInterrupt`` is raised
  again (exit 130).
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from ocm_tool.client import BATCH_LIMIT, BatchRequest, GraphClient, JSONObject, segment
from ocm_tool.errors import ItemNotFoundError, OcmError, UsageError
from ocm_tool.export.entities import LINK_TARGETS, Entity, Table, template_entity
from ocm_tool.export.links import LinkKind, xrm_id
from ocm_tool.export.manifest import ExportReport, FileReport, FileStatus, RunFile
from ocm_tool.export.resume import Resumed, resume_run
from ocm_tool.export.shapes import Problem, kind_of
from ocm_tool.export.targets.model import ImportRun, Target
from ocm_tool.export.templates import Template
from ocm_tool.mailboxes.addresses import check_address
from ocm_tool.mailboxes.grant import access_if_asked
from ocm_tool.output import FormatRun, TableFormat, TableWriter
from ocm_tool.output.rundir import make_run_dir
from ocm_tool.output.values import Links
from ocm_tool.runtime import Runtime

#: Items asked for per page (``$top``); the server may serve fewer, and caps at 1000.
DEFAULT_PAGE_SIZE = 1000
#: List views cut contact notes to this many characters.
NOTES_CUT = 255
#: Chunks of an entity with whole notes that may wait for them while its listing goes on.
PAGES_AHEAD = 4


#: ``keep(entity, item)``: whether a listed item of ``entity`` becomes rows of its file. A
#: subject export keeps one person's records; every item still counts as a link target.
Keep = Callable[[Entity, JSONObject], bool]


def keep_all(entity: Entity, item: JSONObject) -> bool:
    """Every item (``export-all-data`` and the other export commands)."""
    return True


class ExportProgress(Protocol):
    """What a run tells about its files while it runs (a terminal view, or nothing).

    Called from the download threads: implementations are thread-safe.
    """

    def add(self, key: str, file_name: str) -> None:
        """A file that will be written (before its download starts)."""

    def update(self, key: str, *, advance: int = 0, total: int | None = None) -> None:
        """``advance`` more items downloaded; ``total`` from ``@odata.count`` when known."""

    def finish(self, key: str, status: FileStatus) -> None:
        """The file ended."""


class _NoProgress:
    def add(self, key: str, file_name: str) -> None:
        pass

    def update(self, key: str, *, advance: int = 0, total: int | None = None) -> None:
        pass

    def finish(self, key: str, status: FileStatus) -> None:
        pass


NO_PROGRESS: ExportProgress = _NoProgress()


@dataclass
class _NotesWait:
    """A chunk of items waiting for the whole notes of its cut ones.

    ``fetches``: the batches holding its cut notes; ``open``: some are in the group not sent yet.
    """

    items: list[JSONObject]
    fetches: list[Future[set[int]]] = field(default_factory=list)
    open: bool = False

    def done(self) -> bool:
        return not self.open and all(fetch.done() for fetch in self.fetches)


class _Cancelled(Exception):
    """Raised inside a download when the run was interrupted or stopped as a whole."""


class TieOrder:
    """Re-orders items so that ties of ``LastModifiedDateTime`` come in ``Id`` order.

    The server orders by ``LastModifiedDateTime``, but ``api.md`` does not promise the order of
    ties. Only the current run of equal timestamps is buffered (runs are short), never the file.
    """

    def __init__(self) -> None:
        self._run: list[JSONObject] = []
        self._key: object = None

    def push(self, items: Iterable[JSONObject]) -> list[JSONObject]:
        """Take the next items; return those whose position is now final."""
        ready: list[JSONObject] = []
        for item in items:
            key = item.get("LastModifiedDateTime")
            if self._run and key != self._key:
                ready.extend(self._drain())
            self._key = key
            self._run.append(item)
        return ready

    def flush(self) -> list[JSONObject]:
        """The items still buffered (at the end of the list)."""
        return self._drain()

    def _drain(self) -> list[JSONObject]:
        run, self._run = self._run, []
        return sorted(run, key=lambda item: str(item.get("Id") or ""))


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
        formats: Sequence[TableFormat],
        imports: Sequence[Target] = (),
        progress: ExportProgress,
        page_size: int = DEFAULT_PAGE_SIZE,
        stop: threading.Event | None = None,
        keep: Keep = keep_all,
        kept: Mapping[str, FileReport] | None = None,
        on_file: Callable[[], None] | None = None,
    ) -> None:
        if not formats:
            raise ValueError("an export needs at least one table format")
        self.client = client
        self.mailbox_path = client.mailbox_path(mailbox)
        self.run_dir = run_dir
        self.entities = list(entities)
        self.formats = list(formats)
        self.imports = list(imports)
        self.progress = progress
        self.page_size = page_size
        self.keep = keep
        #: Set when this run must stop: Ctrl-C, or an error that ends the mailbox.
        self.cancel = threading.Event()
        #: Set from outside (a list of mailboxes stopping); never set by this run.
        self.stop = stop or threading.Event()
        self.fatal: OcmError | None = None
        self.files = {
            e.key: FileReport(
                self.file_name(e),
                e.key,
                names={f.name: f.table_name(e.stem) for f in self.formats},
            )
            for e in self.entities
        }
        #: Complete files of the run resumed, kept as they are (their entity is not exported).
        self.kept = dict(kept or {})
        self.files.update({key: report for key, report in self.kept.items() if key in self.files})
        #: Told when a file is complete (the manifest is rewritten).
        self.on_file = on_file
        #: Entity key -> values its file could not hold (named in the manifest).
        self.problems: dict[str, list[Problem]] = {}
        #: The workbooks and import-ready files, once written.
        self.run_files: list[RunFile] = []
        self._outputs: list[FormatRun] = []
        self._import_runs: list[ImportRun] = []
        self.templates: dict[LinkKind, Template] = {}
        self.template_errors: dict[LinkKind, str] = {}
        #: Link kind -> case-folded XrmIds of its records (None: could not be read).
        self.known_ids: dict[LinkKind, set[str] | None] = {}
        #: Entity key -> (kind, case-folded target) -> how often its file links there.
        self.links: dict[str, Counter[tuple[str, str]]] = {}
        self._lock = threading.Lock()
        #: Runs the ``$batch`` calls of whole notes (``_with_whole_notes``); set by ``execute``.
        self.notes: ThreadPoolExecutor

    def file_name(self, entity: Entity) -> str:
        """The entity's table as the first format names it (``Contacts.csv``)."""
        return self.formats[0].table_name(entity.stem)

    # The phases.

    def execute(self) -> None:
        """Templates first, then the other entities concurrently, then the dangling links,
        then the files of the whole run.

        On Ctrl-C: signal every download to stop, wait for them (each removes its partial file
        and ends with the call it has under way), leave the run's files unwritten and re-raise.
        """
        for entity in self.entities:
            self.progress.add(entity.key, self.file_name(entity))
            if entity.key in self.kept:  # --resume: whole already
                self.progress.finish(entity.key, FileStatus.COMPLETE)
        stems = [entity.stem for entity in self.entities]
        with ExitStack() as outputs:
            self._outputs = [
                outputs.enter_context(f.open(self.run_dir, stems)) for f in self.formats
            ]
            self._import_runs = [
                outputs.enter_context(target.open(self.run_dir)) for target in self.imports
            ]
            self._download_all()
            if not self.stopped:
                self._finish_run_files()

    @property
    def stopped(self) -> bool:
        """Whether the run was stopped from outside (``stop``)."""
        return self.stop.is_set()

    def _cancelled(self) -> bool:
        return self.cancel.is_set() or self.stop.is_set()

    def _download_all(self) -> None:
        with (
            ThreadPoolExecutor(
                max_workers=len(self.entities) + 3, thread_name_prefix="export"
            ) as pool,
            ThreadPoolExecutor(
                max_workers=self.client.concurrency, thread_name_prefix="export-notes"
            ) as self.notes,
        ):
            try:
                kinds = dict.fromkeys(e.template for e in self.entities if e.template)
                self._run_all(pool, [partial(self._read_template, kind) for kind in kinds])
                records = [e for e in self.entities if not e.is_template]
                self._run_all(pool, [partial(self._download, entity) for entity in records])
                self._count_dangling_links(pool)
            except BaseException:
                self.cancel.set()
                self.notes.shutdown(wait=True, cancel_futures=True)
                pool.shutdown(wait=True, cancel_futures=True)
                raise

    def _finish_run_files(self) -> None:
        """Write the workbooks, then the import-ready files, from the tables committed."""
        for table_format, output in zip(self.formats, self._outputs, strict=True):
            if table_format.run_file is None:
                continue
            entry = RunFile(table_format.run_file, FileStatus.FAILED, format=table_format.name)
            try:
                written = output.finish()
            except OcmError as error:
                entry.error = str(error)
            else:
                if written is None:
                    entry.error = "not written: no table of the run was complete"
                else:
                    entry.status, entry.sha256 = FileStatus.COMPLETE, written.sha256
            self.run_files.append(entry)
        for target, run in zip(self.imports, self._import_runs, strict=True):
            try:
                written_files = run.finish(self.templates)
            except OcmError as error:
                self.run_files.append(
                    RunFile(
                        target.folder, FileStatus.FAILED, import_for=target.name, error=str(error)
                    )
                )
                continue
            self.run_files.extend(
                RunFile(f.name, FileStatus.COMPLETE, f.sha256, rows=f.rows, import_for=target.name)
                for f in written_files
            )

    def _run_all(self, pool: ThreadPoolExecutor, jobs: Sequence[Callable[[], None]]) -> None:
        """Run jobs concurrently; wait in short steps so Ctrl-C is seen at once."""
        futures: list[Future[None]] = [pool.submit(job) for job in jobs]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
        for future in futures:
            future.result()  # a bug in a job is not swallowed

    # One entity.

    def _stopped_reason(self) -> str:
        return "interrupted" if self.fatal is None else f"stopped by an earlier error: {self.fatal}"

    def _guarded(self, entity: Entity, job: Callable[[], FileReport | None]) -> None:
        """Run a job for ``entity``'s file and record how it ended; never raises OcmError."""
        report = self.files.get(entity.key)
        try:
            if self._cancelled():
                raise _Cancelled
            done = job()
            if report is not None and done is not None:
                self.files[entity.key] = done
                self.progress.finish(entity.key, FileStatus.COMPLETE)
                if self.on_file is not None:
                    self.on_file()
        except _Cancelled:
            if report is not None:
                report.status = FileStatus.CANCELLED
                report.error = self._stopped_reason()
                self.progress.finish(entity.key, FileStatus.CANCELLED)
        except OcmError as error:
            if error.ends_mailbox:  # a run exports one mailbox: nothing else can go on
                with self._lock:
                    self.fatal = self.fatal or error
                self.cancel.set()
            if report is not None:
                report.status = FileStatus.FAILED
                report.error = str(error)
                report.hint = error.hint
                self.progress.finish(entity.key, FileStatus.FAILED)
            if entity.is_template and entity.template:
                self.template_errors[entity.template] = str(error)

    def _read_template(self, kind: LinkKind) -> None:
        entity = template_entity(kind)

        def job() -> FileReport | None:
            items = [item for page in self._pages(entity, {}) for item in page]
            template = Template.from_items(kind, items)
            self.templates[kind] = template
            if entity.key not in self.files or entity.key in self.kept:
                return None  # needed by another file, not (re-)exported itself
            return self._write(entity, entity.table(template), [items])

        self._guarded(entity, job)

    def _download(self, entity: Entity) -> None:
        if entity.key in self.kept:
            return

        def job() -> FileReport:
            template = None
            if entity.template:
                if entity.template not in self.templates:
                    source = self.file_name(template_entity(entity.template))
                    reason = self.template_errors.get(entity.template, "not read")
                    raise OcmError(
                        f"not written: the template for its columns ({source}) failed: {reason}"
                    )
                template = self.templates[entity.template]
            params = entity.query(template, page_size=self.page_size)
            chunks = self._ordered(self._pages(entity, params))
            return self._write(entity, entity.table(template), chunks)

        self._guarded(entity, job)

    def _pages(self, entity: Entity, params: dict[str, str]) -> Iterable[list[JSONObject]]:
        """The items of every page; stops between pages when the run is cancelled.

        An item that is not a JSON object cannot be a row: it is left out, and named in the
        file's problems.
        """
        problems = self.problems.setdefault(entity.key, [])
        position = 0
        for page in self.client.pages(f"{self.mailbox_path}/{entity.collection}", params or None):
            if self._cancelled():
                raise _Cancelled
            self.progress.update(entity.key, total=page.count)
            items = []
            for item in page.items:
                position += 1
                if isinstance(item, dict):
                    items.append(item)
                else:
                    what = f"{kind_of(item)} where the API promises an object"
                    problems.append(Problem(f"item {position} of the list", "", what))
            yield items
            if not entity.full_notes:  # those advance as their notes come in (_with_whole_notes)
                self.progress.update(entity.key, advance=len(page.items))

    def _ordered(self, pages: Iterable[list[JSONObject]]) -> Iterable[list[JSONObject]]:
        ties = TieOrder()
        for items in pages:
            yield ties.push(items)
        yield ties.flush()

    def _write(
        self, entity: Entity, table: Table, chunks: Iterable[list[JSONObject]]
    ) -> FileReport:
        """Stream ``chunks`` of items to the entity's file; return its complete report."""
        links: Counter[tuple[str, str]] = Counter()
        ids: set[str] = set()
        problems = self.problems.setdefault(entity.key, [])

        def kept(listed_chunks: Iterable[list[JSONObject]]) -> Iterator[list[JSONObject]]:
            # Every listed item is a link target; only the kept ones become rows (and only
            # theirs get their notes fetched).
            for listed in listed_chunks:
                if entity.link_target:
                    ids.update(key for key in map(xrm_id, listed) if key)
                chosen = [item for item in listed if self.keep(entity, item)]
                if entity.full_notes:  # the others advance once their notes are whole
                    self.progress.update(entity.key, advance=len(listed) - len(chosen))
                yield chosen

        chunks = kept(chunks)
        if entity.full_notes:
            chunks = self._with_whole_notes(entity, chunks)
        with ExitStack() as stack:
            writers: list[TableWriter] = [
                stack.enter_context(output.table(entity.stem, table.header))
                for output in self._outputs
            ]
            for run in self._import_runs:
                extra = run.table(entity.stem, table.header)
                if extra is not None:
                    writers.append(stack.enter_context(extra))
            for items in chunks:
                rows = [row for item in items for row in table.rows(item, problems)]
                for out in writers:
                    out.write(rows)
                for row in rows:
                    for position in table.link_columns:
                        value = row[position]
                        if isinstance(value, Links):
                            links.update((value.kind, t.casefold()) for t in value.targets)
            written = [out.commit() for out in writers]
        if entity.link_target:
            self.known_ids[entity.link_target] = ids
        self.links[entity.key] = links
        first = written[0]
        return FileReport(
            self.file_name(entity),
            entity.key,
            FileStatus.COMPLETE,
            first.rows,
            first.sha256,
            names=self.files[entity.key].names,
            # The formats' writers come first; the import targets' follow.
            written={f.name: w for f, w in zip(self.formats, written, strict=False)},
            problems=list(problems),
        )

    def _with_whole_notes(
        self, entity: Entity, chunks: Iterable[list[JSONObject]]
    ) -> Iterator[list[JSONObject]]:
        """``chunks`` in order, each once its cut notes are replaced by the whole text.

        The whole notes are fetched (``GET {collection}/{Id}``, ``BATCH_LIMIT`` per
        ``$batch``) by the notes pool while the listing goes on: cut notes are gathered across
        pages into full batches, each sent as soon as it is full, so the listing and up to
        ``concurrency`` batches share the mailbox's slots. At most ``PAGES_AHEAD`` chunks wait
        for their notes (memory stays flat); an item deleted since it was listed (404) is
        dropped, as the listing would now.
        """
        waiting: deque[_NotesWait] = deque()
        group: list[JSONObject] = []
        group_waits: list[_NotesWait] = []

        def send() -> None:
            fetch = self.notes.submit(self._fetch_notes, entity, list(group))
            for wait_ in group_waits:
                wait_.fetches.append(fetch)
                wait_.open = False
            group.clear()
            group_waits.clear()

        for items in chunks:
            current = _NotesWait(items)
            waiting.append(current)
            whole = 0  # items whose notes are whole already: they advance the progress now
            for item in items:
                if item.get("NotesTruncated") or len(str(item.get("Notes") or "")) >= NOTES_CUT:
                    group.append(item)
                    if not current.open:
                        current.open = True
                        group_waits.append(current)
                    if len(group) == BATCH_LIMIT:
                        send()
                else:
                    whole += 1
            self.progress.update(entity.key, advance=whole)
            while waiting and (len(waiting) > PAGES_AHEAD or waiting[0].done()):
                if waiting[0].open:
                    send()  # the oldest chunk must not wait for cut notes still to come
                yield self._notes_applied(waiting.popleft())
        if group:
            send()
        while waiting:
            yield self._notes_applied(waiting.popleft())

    def _notes_applied(self, wait_: _NotesWait) -> list[JSONObject]:
        """The chunk's items once its fetches are done (Ctrl-C is seen within 0.2 s)."""
        gone: set[int] = set()
        for fetch in wait_.fetches:
            while not fetch.done():
                if self._cancelled():
                    raise _Cancelled
                wait([fetch], timeout=0.2)
            gone |= fetch.result()  # the fetch's OcmError, or _Cancelled, is raised here
        return [item for item in wait_.items if id(item) not in gone] if gone else wait_.items

    def _fetch_notes(self, entity: Entity, items: list[JSONObject]) -> set[int]:
        """One ``$batch`` of whole notes, written into ``items``; the ``id()`` of those gone."""
        if self._cancelled():
            raise _Cancelled
        requests = [
            BatchRequest(
                id=str(n),
                method="GET",
                url=f"{self.mailbox_path}/{entity.collection}/{segment(str(item['Id']))}",
            )
            for n, item in enumerate(items)
        ]
        gone: set[int] = set()
        for response in self.client.batch(requests):
            item = items[int(response.id)]
            error = response.error()
            if isinstance(error, ItemNotFoundError):
                gone.add(id(item))
            elif error is not None:
                raise error
            else:
                item["Notes"] = (response.body or {}).get("Notes", item.get("Notes"))
                item.pop("NotesTruncated", None)
        # The file's progress moves as the notes come in, a $batch at a time.
        self.progress.update(entity.key, advance=len(items))
        return gone

    # Dangling links.

    def _count_dangling_links(self, pool: ThreadPoolExecutor) -> None:
        """Count, per complete file, links to records that are not in the mailbox.

        Kinds whose records were not exported in this run are listed (``XrmId`` only).
        """
        if self._cancelled():
            return
        wanted = {LinkKind(kind) for counts in self.links.values() for kind, _ in counts}
        missing = [kind for kind in wanted if kind not in self.known_ids and kind in LINK_TARGETS]
        self._run_all(pool, [partial(self._list_ids, kind) for kind in missing])
        for key, counts in self.links.items():
            report = self.files.get(key)
            if report is None:
                continue
            wanted_ids = {kind: self.known_ids.get(LinkKind(kind)) for kind, _ in counts}
            known = {kind: ids for kind, ids in wanted_ids.items() if ids is not None}
            if len(known) < len(wanted_ids):
                report.dangling_links = None
                continue
            report.dangling_links = sum(
                count for (kind, target), count in counts.items() if target not in known[kind]
            )

    def _list_ids(self, kind: LinkKind) -> None:
        entity = LINK_TARGETS[kind]
        try:
            ids = {
                key
                for page in self.client.pages(
                    f"{self.mailbox_path}/{entity.collection}",
                    {"$select": "XrmId", "$top": str(self.page_size)},
                )
                for key in map(xrm_id, page.items)
                if key
            }
        except OcmError:
            ids = None  # danglingLinks stays unknown for the files that link there
        self.known_ids[kind] = ids

    # The report.

    def file_reports(self) -> list[FileReport]:
        """The files in table order, as they stand (``pending``: not finished yet)."""
        return [self.files[e.key] for e in self.entities]

    def final_reports(self) -> list[FileReport]:
        """The files in table order once the run has ended; those not finished are cancelled."""
        reports = self.file_reports()
        for report in reports:
            if report.status in (FileStatus.PENDING, FileStatus.CANCELLED) and report.error is None:
                report.status = FileStatus.CANCELLED
                report.error = self._stopped_reason()
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
    formats: Sequence[TableFormat],
    imports: Sequence[Target] = (),
    progress: ExportProgress = NO_PROGRESS,
    page_size: int = DEFAULT_PAGE_SIZE,
    stop: threading.Event | None = None,
    grant_access: bool = False,
    say: Callable[[str], None] = lambda text: None,
    keep: Keep = keep_all,
    request: Mapping[str, Any] | None = None,
    run_dir: Path | None = None,
    resume: Path | None = None,
) -> ExportReport:
    """Export ``entities`` of ``mailbox`` (None: the signed-in user's) to a new run folder
    under ``output_dir``, named after the mailbox, in every one of ``formats`` (and the
    import-ready files of ``imports``), and write its ``manifest.json``.

    ``stop`` (set from another thread, e.g. by a list of mailboxes on Ctrl-C) stops the
    downloads at their next page as Ctrl-C would: the report says ``partial`` and is returned.
    ``grant_access``: FullAccess for the signed-in admin on ``mailbox`` during the export,
    always taken back (``mailboxes.grant``; every step told through ``say`` and kept in the
    manifest); a grant that cannot be made raises its error before any folder is created.
    ``keep`` chooses the items written (default: all); ``request`` names the request the run
    serves in the manifest (a subject request); ``run_dir`` is an existing empty folder to
    write into instead of a new run folder under ``output_dir``. ``resume``: an earlier run
    folder instead of a new one; its complete files whose SHA-256 still matches are kept, the
    others exported again (``export.resume``).

    Returns the report (see the module's outcomes; ``report.error`` is an error that stopped
    the run). Raises ``UsageError`` (not an address, app-only without a mailbox: before
    signing in), sign-in errors,
    ``OutputError`` (the run folder or manifest cannot be written), and ``KeyboardInterrupt``
    after writing a ``partial`` manifest.
    """
    if mailbox is not None:
        mailbox = check_address(mailbox)
    resumed: Resumed | None = None
    if resume is not None:
        if imports:
            raise UsageError(
                "--resume finishes the tables of a run, not its import files",
                hint="export anew with --import-for, or resume without it",
            )
        resumed = resume_run(
            resume, entities, formats, mailbox=mailbox, endpoint=runtime.settings.endpoint or ""
        )
        mailbox = resumed.mailbox
    if grant_access and runtime.settings.app_only:
        raise UsageError(
            "--grant-access grants FullAccess to a signed-in admin; app-only sign-in has none",
            hint="app-only sign-in with full_access_as_app opens every mailbox: drop --grant-access",
        )
    account, client = _account_and_client(runtime, mailbox)
    report: ExportReport | None = None
    try:
        with access_if_asked(
            client, mailbox, runtime.account, asked=grant_access, purpose="export", say=say
        ) as grant:
            escape = any(getattr(f, "escape_formulas", False) for f in formats)
            report = ExportReport(
                run_dir=(
                    resumed.run_dir
                    if resumed
                    else run_dir or make_run_dir(output_dir, mailbox or account)
                ),
                account=resumed.account if resumed else account,
                mailbox=mailbox or account,
                endpoint=runtime.settings.endpoint or "",
                formats={f.name: f.run_file is None for f in formats},
                grant=grant,
                request=dict(request) if request is not None else None,
                escape_formulas=escape,
                resumed_from=resumed.resumed_from if resumed else [],
            )
            run = ExportRun(
                client,
                mailbox,
                report.run_dir,
                entities,
                formats=formats,
                imports=imports,
                progress=progress,
                page_size=page_size,
                stop=stop,
                keep=keep,
                kept=resumed.kept if resumed else None,
                on_file=lambda: report.write_manifest(run.file_reports()),
            )
            _execute(report, run)
    finally:
        if report is not None and report.grant is not None:
            report.write_manifest()  # again: the grant was taken back after the first one
    assert report is not None  # made in the with block, which raises or runs
    return report


def _execute(report: ExportReport, run: ExportRun) -> None:
    """Run the export and write its manifest (``running`` at the start), however it ends."""
    try:
        report.write_manifest(run.file_reports())
        run.execute()
    except KeyboardInterrupt:
        report.finish(run.final_reports(), interrupted=True, fatal=False, run_files=run.run_files)
        raise
    except BaseException:
        report.finish(run.final_reports(), interrupted=False, fatal=True, run_files=run.run_files)
        raise
    report.error = run.fatal
    report.finish(
        run.final_reports(),
        interrupted=run.stopped,
        fatal=run.fatal is not None,
        run_files=run.run_files,
    )
