"""Purging OCM folders of user and group mailboxes, safely: plan, confirm, empty, verify, report.

Contract of :func:`run_purge` (one function behind the nine purge commands):

- ``PURGE_OPERATIONS`` is THE table: each operation of OCM-Script.ps1 and the folders it
  empties, in the script's order; ``purge-all-data`` is the concatenation of the others in the
  order of :data:`PURGE_ALL_ORDER`. Folders are found by walking from a well-known folder by
  display name (or, for companies, by folder class), never by id; a folder that is not there
  counts 0 items and is reported ``absent``.
- Each folder is emptied with ``EmptyFolder`` (hard delete unless ``soft_delete``,
  ``DeleteSubFolders: false``); nothing else is touched. A group mailbox that answers
  ``ErrorXrmSessionRequired`` gets ``StartXrmSession`` and the call again, at most 3 times.
- Then every folder is read again: nothing is reported done that was not checked (defect 10
  of the original). A folder with items left, or an error, makes the exit status 1.
- Before anything is deleted the plan is shown and the person types the mailbox address (for
  a list: the number of mailboxes); ``yes`` skips that; without a terminal and without
  ``yes`` the run is refused (``UsageError``, exit 2) before any call is made. ``dry_run``
  shows the plan, deletes nothing and exits 0.
- ``grant_access``: FullAccess for the signed-in admin during the purge, always taken back
  (see :mod:`ocm_tool.grant`). ``export_first``: export-all-data first, purge only if it
  completed.
- Many mailboxes run ``settings.concurrency`` at a time. ``purge-report.csv`` and
  ``purge-report.json`` are rewritten in the run folder after every mailbox (see
  :mod:`ocm_tool.purgereport`); ``resume`` skips the mailboxes a previous report shows done.
- Ctrl-C: nothing new is started, mailboxes in progress stop at the next folder and take back
  their grants, the report is written, and ``KeyboardInterrupt`` is raised again (exit 130).
  A service failure beyond the client's retries stops the run the same way and is raised
  (exit 5). A single mailbox's access error is raised too (exit 4), after the report.
"""

from __future__ import annotations

import copy
import csv
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console

from ocm_tool import __version__, export, grant, rundir, ui
from ocm_tool.errors import (
    EXIT_FAILED,
    EXIT_OK,
    AccessDeniedError,
    ApiError,
    AuthenticationError,
    ConfigurationError,
    InvalidTokenError,
    ItemNotFoundError,
    MailboxNotFoundError,
    OcmError,
    OutputError,
    ServiceError,
    ThrottledError,
    TransportError,
    UsageError,
    XrmSessionRequiredError,
)
from ocm_tool.graph import GraphClient
from ocm_tool.purgereport import (
    ABSENT,
    CANCELLED,
    FAILED,
    INTERRUPTED,
    MAILBOX_PLANNED,
    NOT_STARTED,
    OK,
    PLANNED,
    REMAINING,
    RETAINED,
    SKIPPED,
    FolderResult,
    MailboxResult,
    ReportWriter,
    read_report,
)
from ocm_tool.runtime import Runtime

T = TypeVar("T")

# --------------------------------------------------------------------------------------------
# The table: operation -> folders, in the script's order.

OCM = "Outlook Customer Manager"
COMPANY_CLASS = "IPF.Contact.Company"
#: A group mailbox's OCM session is restarted at most this many times per call (as the script).
MAX_SESSION_RESTARTS = 3


@dataclass(frozen=True)
class FolderStep:
    """One step down the folder tree: the child whose ``DisplayName`` (or ``FolderClass``) is ``value``."""

    attribute: str
    value: str

    @property
    def filter(self) -> str:
        """The OData ``$filter`` that finds the child (quotes doubled, as OData escapes them)."""
        return f"{self.attribute} eq '{self.value.replace(chr(39), chr(39) * 2)}'"


@dataclass(frozen=True)
class FolderPath:
    """A folder as a path from a well-known folder, e.g. ``root/XrmActivityStream/Outlook Customer Manager``.

    The first segment is a well-known name (``root``, ``msgfolderroot``, ``contacts``, ...);
    the others are display names, except ``{IPF.Contact.Company}``, which matches the child
    of that folder class. The text is also the folder's name in the report.
    """

    text: str

    @property
    def well_known(self) -> str:
        return self.text.split("/")[0]

    @property
    def steps(self) -> tuple[FolderStep, ...]:
        return tuple(
            FolderStep("FolderClass", part[1:-1]) if part.startswith("{") and part.endswith("}")
            else FolderStep("DisplayName", part)
            for part in self.text.split("/")[1:]
        )

    def prefixes(self) -> Iterator[str]:
        """``root``, ``root/xrmprojects``, ``root/xrmprojects/Deals``: the path, step by step."""
        parts = self.text.split("/")
        for end in range(1, len(parts) + 1):
            yield "/".join(parts[:end])

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class PurgeOperation:
    """One purge operation of the script: its command name, help, and the folders it empties."""

    name: str
    help: str
    examples: str = ""
    folders: tuple[FolderPath, ...] = ()


#: name, what it purges (for its help), and the folders it empties, in order. Listed in the
#: order the script listed them; purge-all-data (first) is built from these rows below.
_ROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("purge-contacts-data", "the OCM contacts",
     (f"contacts/{OCM}",)),
    ("purge-companies-data", "the OCM companies",
     (f"contacts/{{{COMPANY_CLASS}}}", f"contacts/{{{COMPANY_CLASS}}}/{OCM}")),
    ("purge-deals-data", "the OCM deals",
     ("root/xrmprojects/Deals", f"root/xrmprojects/Deals/{OCM}")),
    ("purge-templates-data", "the OCM contact, company and deal templates",
     ("root/xrmprojects/Templates",)),
    ("purge-ocm-personmeta-data", "the OCM person metadata",
     (f"msgfolderroot/personmetadata/{OCM}",)),
    ("purge-xrm-activity-stream-data", "the OCM activity stream (posts and activities)",
     ("root/XrmActivityStream", f"root/XrmActivityStream/{OCM}")),
    ("purge-xrm-insights-data", "the OCM insights",
     ("root/XrmInsights",)),
    ("purge-xrm-deleted-items-data", "the OCM deleted items",
     ("root/XrmDeletedItems", f"root/XrmDeletedItems/{OCM}")),
)
#: purge-all-data empties the folders of these operations, in this order (the script's).
PURGE_ALL_ORDER: tuple[str, ...] = (
    "purge-ocm-personmeta-data",
    "purge-xrm-activity-stream-data",
    "purge-xrm-insights-data",
    "purge-xrm-deleted-items-data",
    "purge-templates-data",
    "purge-deals-data",
    "purge-companies-data",
    "purge-contacts-data",
)

_SURVIVES = (
    "Nothing else is touched: tasks (OCM tasks included), the user's own contacts, mail, "
    "calendar, and the OCM folders of other purge operations all stay. Sub-folders are kept."
)
_PERMISSIONS = (
    "Permissions: your own mailbox, a Microsoft 365 group you are a member of, a mailbox on "
    "which you hold FullAccess, or app-only sign-in with full_access_as_app. An Exchange or "
    "Global Administrator may add --grant-access: FullAccess is granted for the purge and "
    "always removed afterwards (a grant you already held is left alone). Shared OCM data lives "
    "in the group's mailbox, private data in each user's: purge both."
)
_SAFETY = (
    "The plan (each folder and its item count) is shown first; then type the mailbox address "
    "(for --mailboxes-file: the number of mailboxes) to go on. --yes skips the question and is "
    "required without a terminal; --dry-run only shows the plan. Items are deleted for good "
    "(--soft-delete moves them to Recoverable Items instead); in a mailbox on hold they stay "
    "in Recoverable Items until the hold ends. Afterwards every folder is counted again; "
    "purge-report.csv and purge-report.json go to a new run folder under --output-dir. "
    "Exit status: 0 done, 1 items left or a folder failed, 2 refused, 4 no access, "
    "5 service failure, 130 interrupted."
)


def _help(what: str, folders: tuple[FolderPath, ...]) -> str:
    listing = "\n".join(f"  {n}. {folder}" for n, folder in enumerate(folders, 1))
    return (
        f"Purge {what} of a user or group mailbox.\n\n"
        f"Empties these folders of ADDRESS (default: your own mailbox), in this order:\n\n"
        f"\b\n{listing}\n\n{_SURVIVES}\n\n{_PERMISSIONS}\n\n{_SAFETY}"
    )


def _examples(name: str) -> str:
    return (
        "\b\nExamples:\n"
        f"  ocm-tool {name} --dry-run\n"
        f"  ocm-tool {name}\n"
        f"  ocm-tool {name} sales@contoso.com\n"
        f"  ocm-tool {name} alice@contoso.com --grant-access --export-first\n"
        f"  ocm-tool {name} --mailboxes-file mailboxes.txt --yes\n"
        f"  ocm-tool {name} --mailboxes-file mailboxes.txt --yes --resume RUN/purge-report.csv"
    )


def _operation(name: str, what: str, folders: tuple[str, ...]) -> PurgeOperation:
    paths = tuple(FolderPath(text) for text in folders)
    return PurgeOperation(name, _help(what, paths), _examples(name), paths)


def _operations() -> tuple[PurgeOperation, ...]:
    rows = {name: (what, folders) for name, what, folders in _ROWS}
    every_folder = tuple(folder for name in PURGE_ALL_ORDER for folder in rows[name][1])
    all_data = _operation("purge-all-data", "all OCM data", every_folder)
    return (all_data, *(_operation(name, what, folders) for name, what, folders in _ROWS))


PURGE_OPERATIONS: tuple[PurgeOperation, ...] = _operations()


# --------------------------------------------------------------------------------------------
# Options, outcome, and the list of mailboxes.

@dataclass(frozen=True)
class PurgeOptions:
    """The purge command's options (``cli.py`` passes them through unchanged)."""

    mailbox: str | None = None
    mailboxes_file: Path | None = None
    resume: Path | None = None
    yes: bool = False
    dry_run: bool = False
    soft_delete: bool = False
    export_first: bool = False
    grant_access: bool = False
    output_dir: Path = Path(".")


@dataclass
class PurgeOutcome:
    """How the run ended: the exit status, the run folder and every mailbox's result."""

    exit_code: int
    run_dir: Path | None = None
    results: list[MailboxResult] = field(default_factory=list)


_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")


def read_mailbox_list(path: Path) -> list[str]:
    """The addresses in ``path``, in order, duplicates (any case) dropped.

    Either one address a line (blank lines and lines starting with ``#`` ignored), or a CSV
    file whose header has an ``address`` column (any case; other columns ignored). Raises
    :class:`UsageError` for an unreadable or empty file, or a value that is not an address.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read the mailboxes file {path}: {error}") from error
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1)]
    lines = [(number, line) for number, line in lines if line and not line.startswith("#")]
    if lines:
        header = [cell.strip().casefold() for cell in next(csv.reader([lines[0][1]]))]
        if "address" in header:
            column = header.index("address")
            lines = [(number, row[column].strip() if column < len(row) else "")
                     for number, line in lines[1:] for row in csv.reader([line])]
    addresses: dict[str, str] = {}
    for number, value in lines:
        if not _ADDRESS.match(value):
            raise UsageError(f"{path}, line {number}: {value!r} is not a mailbox address",
                             hint="one SMTP address a line, or a CSV with an 'address' column")
        addresses.setdefault(value.casefold(), value)
    if not addresses:
        raise UsageError(f"the mailboxes file {path} lists no mailbox")
    return list(addresses.values())


def _check_options(runtime: Runtime, options: PurgeOptions) -> None:
    """Refuse what cannot be done, before anything is asked of the service."""
    settings = runtime.settings
    if options.mailbox and options.mailboxes_file:
        raise UsageError("give either ADDRESS or --mailboxes-file, not both")
    if not options.dry_run and not options.yes and not settings.interactive:
        raise UsageError(
            "refusing to purge without a confirmation: there is no terminal to type it in",
            hint="add --yes to confirm from a script, or --dry-run to see the plan",
        )
    if settings.app_only and not (options.mailbox or options.mailboxes_file):
        raise UsageError("app-only sign-in has no mailbox of its own: give the mailbox ADDRESS",
                         hint="or --mailboxes-file FILE")
    if settings.app_only and options.grant_access:
        raise UsageError(
            "--grant-access grants FullAccess to a signed-in admin; app-only sign-in has none",
            hint="app-only sign-in with full_access_as_app opens every mailbox: drop --grant-access",
        )


# --------------------------------------------------------------------------------------------
# One mailbox: find the folders, plan, empty, verify.

#: The service, the network or the sign-in failed beyond retries: stop the whole run.
_RUN_FATAL = (ServiceError, ThrottledError, TransportError, InvalidTokenError,
              AuthenticationError, ConfigurationError, OutputError)
#: This mailbox cannot be opened: stop it, go on with the others.
_MAILBOX_FATAL = (AccessDeniedError, MailboxNotFoundError)


@dataclass
class PlannedFolder:
    """A folder of the plan: its id (``None`` when the mailbox has no such folder) and count."""

    path: FolderPath
    folder_id: str | None
    before: int


def _request_id(error: OcmError) -> str | None:
    if isinstance(error, ApiError):
        return error.request_id or error.client_request_id
    return None


class _Cancelled(Exception):
    """The person did not type the confirmation."""


class _Run:
    """What every mailbox of one run shares: client, operation, options, view, stop signal."""

    def __init__(self, runtime: Runtime, operation: PurgeOperation, options: PurgeOptions,
                 view: ui.PurgeView, run_dir: Path) -> None:
        self.runtime = runtime
        self.client: GraphClient = runtime.client
        self.account = runtime.account
        self.operation = operation
        self.options = options
        self.view = view
        self.run_dir = run_dir
        self.stop_event = threading.Event()
        self.fatal: OcmError | None = None
        self._lock = threading.Lock()
        #: Exports of a list run side by side under the purge's live view: they stay quiet
        #: (their status and folder go to the report). Same sign-in and client.
        self.export_runtime = runtime
        if options.mailboxes_file is not None:
            self.export_runtime = copy.copy(runtime)
            self.export_runtime.console = Console(quiet=True)

    def stop(self, error: OcmError | None = None) -> None:
        """Start nothing new; mailboxes in progress stop before their next folder."""
        with self._lock:
            if error is not None and self.fatal is None:
                self.fatal = error
            self.stop_event.set()

    @property
    def stopping(self) -> bool:
        return self.stop_event.is_set()


class MailboxPurge:
    """Purges one mailbox: grant, plan, confirm, export, empty and verify, take the grant back.

    ``address`` is ``None`` for the signed-in user's own mailbox (``/me``); ``display`` is the
    address shown and reported. :meth:`run` never raises an ``OcmError``: it records it in
    the result and keeps it in ``failure``.
    """

    def __init__(self, run: _Run, address: str | None, display: str) -> None:
        self.run_state = run
        self.client = run.client
        self.address = address
        self.display = display
        self.base = run.client.mailbox_path(address)
        self.failure: OcmError | None = None
        self._found: dict[str, dict | None] = {}

    # -- the steps ------------------------------------------------------------------------

    def run(self, review: Callable[[list[PlannedFolder]], None] | None = None) -> MailboxResult:
        """Do the whole purge of the mailbox; ``review`` sees the plan before anything is deleted
        and may raise ``_Cancelled``. Ctrl-C (main thread only) ends it as ``interrupted``."""
        result = MailboxResult(self.display)
        run = self.run_state
        if run.stopping:
            return result
        run.view.started(self.display, len(run.operation.folders))
        interrupted = False
        try:
            with self._access(result):
                plan = self.plan()
                result.folders = [FolderResult(str(p.path), before=p.before,
                                               status=ABSENT if p.folder_id is None else SKIPPED)
                                  for p in plan]
                if review is not None:
                    review(plan)
                if run.options.dry_run:
                    for folder in result.folders:
                        folder.status = PLANNED if folder.status == SKIPPED else folder.status
                    result.status = MAILBOX_PLANNED
                elif run.options.export_first and not run.stopping:
                    self._export_first(result)
                if result.status != MAILBOX_PLANNED:
                    interrupted = not self._empty_all(plan, result)
        except KeyboardInterrupt:
            interrupted = True
        except _Cancelled:
            result.status = CANCELLED
        except OcmError as error:
            self._fail(result, error)
        self._note_grant(result)
        result.settle(interrupted=interrupted)
        return result

    def _access(self, result: MailboxResult) -> AbstractContextManager[Any]:
        run = self.run_state
        if not run.options.grant_access:
            return nullcontext()
        if self.address is None or (run.account and self.address.casefold() == run.account.casefold()):
            self._say("--grant-access: this is your own mailbox, no grant is needed")
            return nullcontext()
        return self._granted(result)

    @contextmanager
    def _granted(self, result: MailboxResult) -> Iterator[None]:
        assert self.address is not None and self.run_state.account is not None
        grants = grant.temporary_full_access(self.client, self.address, self.run_state.account,
                                             say=self._say)
        records: list[grant.GrantRecord] = []
        try:
            with grants as record:
                records.append(record)
                yield
        finally:
            if records:
                result.grant = records[0].to_json()

    def _note_grant(self, result: MailboxResult) -> None:
        if result.grant and result.grant.get("leftBehind"):
            message = (f"FullAccess of {result.grant['user']} on {self.display} may still be "
                       f"there: {grant.manual_removal_command(self.display, result.grant['user'])}")
            result.error = f"{result.error}; {message}" if result.error else message

    def plan(self) -> list[PlannedFolder]:
        """Every folder of the operation, found by walking the tree, with its item count."""
        planned = []
        for path in self.run_state.operation.folders:
            self.run_state.view.step(self.display, f"counting {path}")
            folder = self._find(path)
            planned.append(PlannedFolder(
                path, folder.get("Id") if folder else None,
                int(folder.get("TotalItemCount") or 0) if folder else 0,
            ))
        return planned

    def _find(self, path: FolderPath) -> dict | None:
        """The folder at ``path``, or ``None``; every prefix found is remembered."""
        folder: dict | None = None
        for depth, prefix in enumerate(path.prefixes()):
            if prefix not in self._found:
                self._found[prefix] = (
                    self._well_known(path.well_known) if depth == 0
                    else self._child(folder, path.steps[depth - 1])
                )
            folder = self._found[prefix]
            if folder is None:
                return None
        return folder

    def _well_known(self, name: str) -> dict | None:
        try:
            return self._call(lambda: self.client.get(f"{self.base}/MailFolders/{name}"), [])
        except ItemNotFoundError:
            return None

    def _child(self, parent: dict | None, step: FolderStep) -> dict | None:
        assert parent is not None
        path = f"{self.base}/MailFolders/{parent['Id']}/ChildFolders"

        def first() -> dict | None:
            for page in self.client.pages(path, {"$filter": step.filter}):
                if page.items:
                    return page.items[0]
            return None

        try:
            return self._call(first, [])
        except ItemNotFoundError:
            return None

    def _export_first(self, result: MailboxResult) -> None:
        run = self.run_state
        run.view.step(self.display, "exporting all data first (export-all-data)")
        report = export.run_export(run.export_runtime, export.EXPORT_ALL, mailbox=self.address,
                                   output_dir=run.run_dir, encoding="utf-8-sig")
        result.export = {"status": report.status, "runDir": str(report.run_dir)}
        self._say(f"export-all-data: {report.status}, in {report.run_dir}")
        if report.status != "complete":
            raise OcmError(
                f"export-all-data of {self.display} ended {report.status!r} (see "
                f"{report.run_dir}), so nothing was purged",
                hint="fix the export's errors and run again, or purge without --export-first",
            )

    def _empty_all(self, plan: list[PlannedFolder], result: MailboxResult) -> bool:
        """Empty each folder in order; False when stopped before the end."""
        for planned, folder in zip(plan, result.folders):
            if planned.folder_id is None:
                self.run_state.view.step(self.display, f"{planned.path}: absent", advance=1)
                continue
            if self.run_state.stopping:
                return False
            self.run_state.view.step(self.display, f"emptying {planned.path}")
            self._empty(planned, folder)
            self.run_state.view.folder_done(self.display, folder)
        return True

    def _empty(self, planned: PlannedFolder, result: FolderResult) -> None:
        """EmptyFolder, then count what is left; raises errors that end the mailbox."""
        folder_path = f"{self.base}/MailFolders/{planned.folder_id}"
        delete_type = "SoftDelete" if self.run_state.options.soft_delete else "HardDelete"
        body = {"DeleteType": delete_type, "DeleteSubFolders": False}
        failure: OcmError | None = None
        try:
            answer = self._call(
                lambda: self.client.post(f"{folder_path}/EmptyFolder", body, idempotent=True),
                result.request_ids,
            )
            result.deleted = int(answer.get("DeletedItemCount") or 0)
            result.retained_by_hold = int(answer.get("RetainedByHoldCount") or 0)
        except ItemNotFoundError:
            result.status = ABSENT  # removed since it was counted: nothing left to purge
            return
        except OcmError as error:
            failure = error
            result.error = f"EmptyFolder failed: {error}"
            self._keep_id(result.request_ids, error)
        # Until counted again, what was there and not reported deleted is taken as left.
        result.remaining = max(result.before - result.deleted - result.retained_by_hold, 0)
        if not isinstance(failure, _RUN_FATAL + _MAILBOX_FATAL):
            try:
                after = self._call(lambda: self.client.get(folder_path), result.request_ids)
                result.remaining = int(after.get("TotalItemCount") or 0)
            except ItemNotFoundError:
                result.remaining = 0
            except OcmError as error:
                failure = failure or error
                result.error = result.error or f"cannot count the folder afterwards: {error}"
                self._keep_id(result.request_ids, error)
        if failure is not None:
            result.status = FAILED
        elif result.remaining:
            result.status = REMAINING
            result.error = (f"{result.remaining} item(s) still in the folder after EmptyFolder "
                            f"({result.deleted} deleted)")
        else:
            result.status = RETAINED if result.retained_by_hold else OK
        if isinstance(failure, _RUN_FATAL + _MAILBOX_FATAL):
            raise failure

    # -- calls ------------------------------------------------------------------------------

    def _call(self, send: Callable[[], T], request_ids: list[str]) -> T:
        """``send()``; on ``ErrorXrmSessionRequired``, ``StartXrmSession`` and again (3 times at most)."""
        for restart in range(MAX_SESSION_RESTARTS + 1):
            try:
                return send()
            except XrmSessionRequiredError as error:
                self._keep_id(request_ids, error)
                if restart == MAX_SESSION_RESTARTS:
                    raise
                self._say(f"the OCM session must be started (ErrorXrmSessionRequired): "
                          f"StartXrmSession, try {restart + 1} of {MAX_SESSION_RESTARTS}")
                self.client.post(f"{self.base}/StartXrmSession", {}, idempotent=True)
        raise AssertionError("unreachable")

    @staticmethod
    def _keep_id(request_ids: list[str], error: OcmError) -> None:
        request_id = _request_id(error)
        if request_id and request_id not in request_ids:
            request_ids.append(request_id)

    def _fail(self, result: MailboxResult, error: OcmError) -> None:
        run = self.run_state
        if isinstance(error, AccessDeniedError) and not run.options.grant_access:
            error.hint = _access_hint(self.display, run.account)
        self.failure = error
        result.error = str(error)
        self._keep_id(result.request_ids, error)
        if isinstance(error, _RUN_FATAL):
            run.stop(error)

    def _say(self, text: str) -> None:
        self.run_state.view.note(self.display, text)


def _access_hint(mailbox: str, account: str | None) -> str:
    who = account or "this account"
    return (
        f"{who} needs FullAccess on {mailbox} (or membership of the group) to purge it: add "
        f"--grant-access when signed in as an Exchange or Global Administrator (FullAccess is "
        f"granted for the purge and removed afterwards), or have an admin run "
        f"'Add-MailboxPermission -Identity {mailbox} -User {who} -AccessRights FullAccess "
        f"-InheritanceType All' (and Remove-MailboxPermission afterwards)"
    )


# --------------------------------------------------------------------------------------------
# The run: one mailbox or a list, the report, the exit status.

def run_purge(runtime: Runtime, operation: PurgeOperation, options: PurgeOptions) -> PurgeOutcome:
    """Run ``operation`` on the mailbox (or list) of ``options``; see the module contract."""
    _check_options(runtime, options)
    listed = read_mailbox_list(options.mailboxes_file) if options.mailboxes_file else None
    previous = read_report(options.resume) if options.resume else {}
    account = runtime.account  # signs in, once, before any thread starts
    targets: list[tuple[str | None, str]]
    if listed is not None:
        targets = [(address, address) for address in listed]
    else:
        address = options.mailbox
        targets = [(address, address or account or "me")]
    folders = [str(f) for f in operation.folders]
    carried = {key: result for key, result in previous.items()
               if _done_for(result, folders)}
    to_do = [(a, d) for a, d in targets if d.casefold() not in carried]
    run_dir = rundir.make_run_dir(
        options.output_dir,
        account or (targets[0][1] if listed is None else Path(str(options.mailboxes_file)).stem),
    )
    writer = ReportWriter(run_dir, [d for _, d in targets], {
        "version": __version__,
        "operation": operation.name,
        "folders": folders,
        "account": account,
        "endpoint": runtime.settings.endpoint,
        "deleteType": "SoftDelete" if options.soft_delete else "HardDelete",
        "dryRun": options.dry_run,
        "grantAccess": options.grant_access,
        "exportFirst": options.export_first,
        "mailboxesFile": str(options.mailboxes_file) if options.mailboxes_file else None,
        "resumedFrom": str(options.resume) if options.resume else None,
    })
    for _, display in targets:
        if display.casefold() in carried:
            old = carried[display.casefold()]
            old.carried_over = True
            writer.record(old)
    console = runtime.console
    skipped = len(targets) - len(to_do)
    if skipped:
        console.print(f"{skipped} mailbox(es) already purged in {options.resume}: skipped.")
    try:
        if listed is not None:
            _confirm_list(runtime, operation, options, writer, to_do)
        with ui.purge_progress(console, total=len(to_do), single=listed is None) as view:
            run = _Run(runtime, operation, options, view, run_dir)
            if listed is None:
                return _run_single(run, writer, to_do)
            return _run_list(run, writer, to_do)
    finally:
        ui.show_purge_summary(console, writer.results, csv_path=writer.csv_path,
                              json_path=writer.json_path)


def _done_for(result: MailboxResult, folders: list[str]) -> bool:
    """Whether a previous report shows every folder of this operation purged for the mailbox."""
    by_folder = {f.folder: f for f in result.folders}
    return result.done and all(f in by_folder and by_folder[f].done for f in folders)


def _run_status(results: list[MailboxResult], *, interrupted: bool, dry_run: bool) -> str:
    if interrupted:
        return "interrupted"
    if dry_run:
        return "planned"
    if all(r.done for r in results):
        return "complete"
    return "partial"


def _exit_code(results: list[MailboxResult], *, dry_run: bool) -> int:
    wanted = (MAILBOX_PLANNED,) if dry_run else ()
    fine = all(r.done or r.carried_over or r.status in wanted for r in results)
    return EXIT_OK if fine else EXIT_FAILED


def _run_single(run: _Run, writer: ReportWriter,
                to_do: list[tuple[str | None, str]]) -> PurgeOutcome:
    """One mailbox in this thread: plan, show, ask, purge; errors raised after the report."""
    if not to_do:
        writer.finish("complete")
        return PurgeOutcome(EXIT_OK, writer.run_dir, writer.results)
    address, display = to_do[0]
    purge = MailboxPurge(run, address, display)
    result = purge.run(review=_reviewer(run, display))
    run.view.finished(result)
    writer.record(result)
    interrupted = result.status == INTERRUPTED
    writer.finish("failed" if run.fatal else
                  _run_status([result], interrupted=interrupted, dry_run=run.options.dry_run))
    if interrupted:
        raise KeyboardInterrupt
    if result.status == CANCELLED:
        raise UsageError(f"cancelled: the address typed was not {display}; nothing was deleted")
    if purge.failure is not None:
        raise purge.failure
    return PurgeOutcome(_exit_code([result], dry_run=run.options.dry_run), writer.run_dir,
                        writer.results)


def _reviewer(run: _Run, display: str) -> Callable[[list[PlannedFolder]], None]:
    """Show the plan; unless --yes or --dry-run, have the person type the address."""

    def review(plan: list[PlannedFolder]) -> None:
        total = sum(p.before for p in plan)
        ui.show_purge_plan(
            run.runtime.console, run.operation.name, display,
            [(str(p.path), None if p.folder_id is None else p.before) for p in plan],
            soft_delete=run.options.soft_delete, dry_run=run.options.dry_run,
        )
        if run.options.dry_run or run.options.yes:
            return
        what = f"purge {total} item(s) of {display}"
        if not ui.confirm_by_typing(run.runtime.console, display, what=what):
            raise _Cancelled

    return review


def _confirm_list(runtime: Runtime, operation: PurgeOperation, options: PurgeOptions,
                  writer: ReportWriter, to_do: list[tuple[str | None, str]]) -> None:
    """Show what a list run will do; unless --yes or --dry-run, have the number of mailboxes
    typed (one confirmation for the whole list)."""
    ui.show_purge_list(runtime.console, operation.name, [str(f) for f in operation.folders],
                       [d for _, d in to_do], source=str(options.mailboxes_file),
                       soft_delete=options.soft_delete, dry_run=options.dry_run)
    if to_do and not (options.yes or options.dry_run):
        count = str(len(to_do))
        if not ui.confirm_by_typing(runtime.console, count, what=f"purge these {count} mailboxes"):
            writer.finish("cancelled")
            raise UsageError(f"cancelled: the number typed was not {count}; nothing was deleted")


def _run_list(run: _Run, writer: ReportWriter,
              to_do: list[tuple[str | None, str]]) -> PurgeOutcome:
    """Many mailboxes, ``settings.concurrency`` at a time; the report is written as they end."""
    options = run.options
    interrupted = False
    recorded: set[Future[MailboxResult]] = set()
    workers = max(1, min(run.runtime.settings.concurrency, len(to_do)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="purge") as pool:
        futures = [pool.submit(_purge_listed, run, address, display) for address, display in to_do]
        try:
            for future in as_completed(futures):
                _record(run, writer, future, recorded)
        except BaseException as error:
            interrupted = isinstance(error, KeyboardInterrupt)
            run.stop()
            if interrupted:
                run.view.note(None, "interrupted: finishing the calls in flight and taking "
                                    "back access grants (the report is written next)")
            _drain(run, writer, futures, recorded)
            if not interrupted:
                raise
    results = writer.results
    writer.finish("failed" if run.fatal else
                  _run_status(results, interrupted=interrupted, dry_run=options.dry_run))
    if interrupted:
        raise KeyboardInterrupt
    if run.fatal is not None:
        raise run.fatal
    return PurgeOutcome(_exit_code(results, dry_run=options.dry_run), writer.run_dir, results)


def _purge_listed(run: _Run, address: str | None, display: str) -> MailboxResult:
    return MailboxPurge(run, address, display).run()


def _record(run: _Run, writer: ReportWriter, future: Future[MailboxResult],
            recorded: set[Future[MailboxResult]]) -> None:
    """Write a finished mailbox to the report and show it (once)."""
    if future in recorded:
        return
    result = future.result()
    recorded.add(future)
    writer.record(result)
    if result.status != NOT_STARTED:
        run.view.finished(result)


def _drain(run: _Run, writer: ReportWriter, futures: list[Future[MailboxResult]],
           recorded: set[Future[MailboxResult]]) -> None:
    """Wait for every mailbox still running (they stop at their next folder) and record it."""
    for future in futures:
        while True:
            try:
                _record(run, writer, future, recorded)
            except KeyboardInterrupt:
                run.view.note(None, "still taking back access grants and writing the report; "
                                    "please wait")
                continue
            except Exception:  # noqa: BLE001 - a bug in that mailbox; the first one is raised
                pass
            break
