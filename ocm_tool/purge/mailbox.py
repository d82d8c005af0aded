"""Purging one mailbox: grant, plan, confirm, export first, empty, verify, take the grant back.

Contract of :class:`MailboxPurge` (the engine behind :func:`ocm_tool.purge.run.run_purge`):

- ``MailboxPurge(run, target).run(review)`` purges one mailbox for the operation of ``run``
  (a :class:`PurgeRun`, shared by every mailbox of one run) and returns its
  :class:`~ocm_tool.purge.report.MailboxResult`. It never raises an ``OcmError``: the error
  is recorded in the result and kept in ``failure``.
- Folders are found by walking from a well-known folder by display name (or folder class),
  never by id; a folder that is not there counts 0 items and is reported ``absent``.
- ``review`` sees the plan (and whether the mailbox is on hold: ``Get-Mailbox``, when this
  account may ask) before anything is deleted and may raise :class:`PurgeCancelled`;
  ``dry_run`` stops after the plan and changes nothing: with ``grant_access`` it only reads
  whether a grant would be needed (``Get-MailboxPermission``), and when one would, the
  folders are not counted (``NOT_COUNTED``).
- ``--grant-access``: the confirmation comes **before** the grant. When the admin has no
  FullAccess yet, ``review`` sees the folders uncounted and asks; then the grant is
  recorded (the report is rewritten at once, and :class:`~ocm_tool.purge.pending.PendingGrants`
  keeps it for the next run should this one die), made, the folders counted and the counted
  plan shown (``review`` does not ask twice). The grant is taken back however the mailbox
  ends, and its record forgotten once it is confirmed gone.
- ``preflight()`` reads, and changes nothing: whether the mailbox can be opened, its folders'
  counts and its hold (for the confirmation of a list).
- Each folder is emptied with ``EmptyFolder`` (``DeleteSubFolders: false``); a group mailbox
  that answers ``ErrorXrmSessionRequired`` gets ``StartXrmSession`` and the call again, at
  most :data:`MAX_SESSION_RESTARTS` times. Then the folder is counted again.
- How far an error reaches is its ``scope`` (``ocm_tool.errors``): a task-scope error of
  ``EmptyFolder`` or of the count afterwards fails that folder and the next one is done; an
  error that ends the mailbox skips its other folders; one that ends the run also stops the
  run (:meth:`PurgeRun.stop`). Before the first deletion, any error ends the mailbox: nothing
  is deleted without the whole plan, a granted access and a complete export first.
- Mailboxes in progress stop before their next folder once the run is stopping; Ctrl-C (main
  thread only) ends the mailbox as ``interrupted``. A grant taken is always taken back.
- Progress is reported to the run's :class:`~ocm_tool.purge.view.PurgeObserver`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import NamedTuple, TypeVar

from ocm_tool.client import GraphClient, JSONObject, segment
from ocm_tool.errors import (
    AccessDeniedError,
    ApiError,
    ItemNotFoundError,
    MailboxNotFoundError,
    OcmError,
    XrmSessionRequiredError,
)
from ocm_tool.export.entities import ENTITIES
from ocm_tool.export.run import run_export
from ocm_tool.mailboxes import grant
from ocm_tool.mailboxes.holds import mailbox_on_hold
from ocm_tool.mailboxes.listrun import StopSignal
from ocm_tool.output.csv import CsvFormat
from ocm_tool.purge.options import PurgeOptions
from ocm_tool.purge.pending import PendingGrants
from ocm_tool.purge.report import (
    ExportRecord,
    FolderResult,
    FolderStatus,
    MailboxResult,
    MailboxStatus,
    ReportWriter,
)
from ocm_tool.purge.table import FolderPath, FolderStep, PurgeOperation
from ocm_tool.purge.view import Access, PlannedFolder, Preflight, PurgeObserver
from ocm_tool.runtime import Runtime

T = TypeVar("T")

#: A group mailbox's OCM session is restarted at most this many times per call (as the script).
MAX_SESSION_RESTARTS = 3
#: The error of a folder a dry run did not count.
NOT_COUNTED = "not counted: the purge would grant FullAccess first; a dry run grants nothing"

#: Sees a mailbox's plan (its folders, uncounted before FullAccess is granted; and whether it
#: is on hold: ``None`` unknown) before anything is deleted; raises :class:`PurgeCancelled`
#: to stop.
Review = Callable[[Sequence[PlannedFolder], bool | None], None]


class Target(NamedTuple):
    """A mailbox to purge: ``address`` (``None``: the signed-in user's own, ``/me``) and
    ``display``, the address shown and reported."""

    address: str | None
    display: str


class PurgeCancelled(Exception):
    """The person did not type the confirmation."""


class PurgeRun(StopSignal):
    """What every mailbox of one run shares: client, operation, options, observer, and the
    run's :class:`~ocm_tool.mailboxes.listrun.StopSignal` (``stop``, ``stopping``, ``fatal``)."""

    def __init__(
        self,
        runtime: Runtime,
        operation: PurgeOperation,
        options: PurgeOptions,
        observer: PurgeObserver,
        run_dir: Path,
        *,
        report: ReportWriter | None = None,
        pending: PendingGrants | None = None,
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self.client: GraphClient = runtime.client
        self.account = runtime.account
        self.operation = operation
        self.options = options
        self.observer = observer
        self.run_dir = run_dir
        #: Where a grant is recorded before it is made: the report, and the pending grants.
        self.report = report
        self.pending = pending
        #: False once the admin API said no: holds are not asked again in this run.
        self._holds_readable = True

    def on_hold(self, mailbox: str | None) -> bool | None:
        """Whether ``mailbox`` is on hold (``holds.mailbox_on_hold``); ``None``: unknown."""
        if mailbox is None or not self._holds_readable:
            return None
        found = mailbox_on_hold(self.client, mailbox)
        if found is None:
            self._holds_readable = False
        return found


class MailboxPurge:
    """Purges one mailbox: grant, plan, confirm, export, empty and verify, take the grant back.

    :meth:`run` never raises an ``OcmError``: it records it in the result and keeps it in
    ``failure``.
    """

    def __init__(self, run: PurgeRun, target: Target) -> None:
        self.run_state = run
        self.client = run.client
        self.target = target
        self.display = target.display
        self.base = run.client.mailbox_path(target.address)
        self.failure: OcmError | None = None
        #: A dry run with --grant-access on a mailbox this account cannot open yet: nothing
        #: is granted, so nothing is counted.
        self.needs_grant = False
        self.on_hold: bool | None = None
        self._found: dict[str, JSONObject | None] = {}

    # -- the steps ------------------------------------------------------------------------

    def run(self, review: Review | None = None) -> MailboxResult:
        """Do the whole purge of the mailbox; ``review`` sees the plan before anything is
        deleted. Ctrl-C (main thread only) ends it as ``interrupted``."""
        result = MailboxResult(self.display)
        run = self.run_state
        if run.stopping:
            return result
        run.observer.started(self.display, len(run.operation.folders))
        interrupted = False
        try:
            self.on_hold = result.on_hold = run.on_hold(self.target.address or run.account)
            if review is not None and not run.options.yes and self._will_grant():
                review(self.uncounted(), self.on_hold)  # confirmed before FullAccess is granted
            with self._access(result) as record:
                result.grant = record  # filled in further while the grant is taken back
                plan = self.uncounted() if self.needs_grant else self.plan()
                result.folders = [
                    FolderResult(
                        str(p.path),
                        before=p.before,
                        status=FolderStatus.ABSENT if p.absent else FolderStatus.SKIPPED,
                        error="" if p.counted else NOT_COUNTED,
                    )
                    for p in plan
                ]
                if review is not None:
                    review(plan, self.on_hold)
                if run.options.dry_run:
                    for folder in result.folders:
                        if folder.status == FolderStatus.SKIPPED:
                            folder.status = FolderStatus.PLANNED
                    result.status = MailboxStatus.PLANNED
                else:
                    if run.options.export_first and not run.stopping:
                        self._export_first(result)
                    interrupted = not self._empty_all(plan, result)
        except KeyboardInterrupt:
            interrupted = True
        except PurgeCancelled:
            result.status = MailboxStatus.CANCELLED
        except OcmError as error:
            self._fail(result, error)
        self._forget_grant(result)
        self._note_grant(result)
        result.settle(interrupted=interrupted)
        return result

    def _access(self, result: MailboxResult) -> AbstractContextManager[grant.GrantRecord | None]:
        """``--grant-access`` for the block (``grant.access_if_asked``); a dry run grants
        nothing and only reads whether the purge would have to (:meth:`_check_grant`)."""
        run = self.run_state
        address = self.target.address
        own = address is None or bool(run.account and address.casefold() == run.account.casefold())
        if run.options.grant_access and run.options.dry_run and not own:
            assert address is not None
            self._check_grant(address)
            return nullcontext(None)
        return grant.access_if_asked(
            self.client,
            address,
            run.account,
            asked=run.options.grant_access,
            purpose="purge",
            say=self._say,
            before_adding=lambda record: self._record_first(result, record),
        )

    def _check_grant(self, address: str) -> None:
        """A dry run grants nothing: it only reads whether the purge would have to."""
        account = self.run_state.account
        assert account is not None  # app-only sign-in with --grant-access is refused up front
        if grant.has_full_access(self.client, address, account):
            self._say(f"--grant-access: {account} already holds FullAccess on {address}")
            return
        self.needs_grant = True
        self._say(
            f"--grant-access: the purge would grant {account} FullAccess on {address} and take "
            "it back afterwards; a dry run grants nothing, so the folders are not counted"
        )

    def uncounted(self) -> list[PlannedFolder]:
        """The operation's folders, not looked at (see ``needs_grant``)."""
        return [
            PlannedFolder(path, None, 0, counted=False) for path in self.run_state.operation.folders
        ]

    def preflight(self) -> Preflight:
        """Read-only, before a list is confirmed: can the mailbox be opened (or will a grant be
        needed), its folders and their counts, and its hold. Errors that end the run are
        raised; any other is the answer."""
        run = self.run_state
        address = self.target.address
        try:
            if run.options.grant_access and address is not None:
                account = run.account
                assert account is not None  # refused up front for app-only sign-in
                own = address.casefold() == account.casefold()
                if not own and not grant.has_full_access(self.client, address, account):
                    folders = tuple(self.uncounted())
                    return Preflight(
                        self.display, Access.NEEDS_GRANT, folders, run.on_hold(address)
                    )
            plan = tuple(self.plan())
            return Preflight(self.display, Access.OK, plan, run.on_hold(address or run.account))
        except OcmError as error:
            if error.ends_run:
                raise
            access = (
                Access.NOT_FOUND
                if isinstance(error, MailboxNotFoundError)
                else Access.DENIED
                if isinstance(error, AccessDeniedError)
                else Access.FAILED
            )
            if isinstance(error, AccessDeniedError) and not run.options.grant_access:
                error.hint = _access_hint(self.display, run.account)
            self.failure = error
            return Preflight(self.display, access, error=str(error))

    def _will_grant(self) -> bool:
        """Whether this mailbox is purged with a grant that is not there yet (read-only check)."""
        run, address = self.run_state, self.target.address
        own = address is None or bool(run.account and address.casefold() == run.account.casefold())
        if not run.options.grant_access or run.options.dry_run or own:
            return False
        assert address is not None and run.account is not None
        return not grant.has_full_access(self.client, address, run.account)

    def _record_first(self, result: MailboxResult, record: grant.GrantRecord) -> None:
        """Before ``Add-MailboxPermission``: the grant in the pending grants and the report."""
        run = self.run_state
        result.grant = record
        if run.pending is not None:
            run.pending.record(record.mailbox, record.user, run.run_dir)
        if run.report is not None:
            run.report.record(result, at_once=True)

    def _forget_grant(self, result: MailboxResult) -> None:
        """The grant is confirmed gone (or was never made): its pending record goes too."""
        record, pending = result.grant, self.run_state.pending
        if pending is None or record is None or not record.requested:
            return
        if not record.left_behind:
            pending.forget(record.mailbox, record.user)

    def _note_grant(self, result: MailboxResult) -> None:
        message = grant.left_behind_note(result.grant, self.display)
        if message is not None:
            result.error = f"{result.error}; {message}" if result.error else message

    def plan(self) -> list[PlannedFolder]:
        """Every folder of the operation, found by walking the tree, with its item count."""
        planned = []
        for path in self.run_state.operation.folders:
            self.run_state.observer.step(self.display, f"counting {path}")
            folder = self._find(path)
            planned.append(
                PlannedFolder(
                    path,
                    folder.get("Id") if folder else None,
                    int(folder.get("TotalItemCount") or 0) if folder else 0,
                )
            )
        return planned

    def _find(self, path: FolderPath) -> JSONObject | None:
        """The folder at ``path``, or ``None``; every prefix found is remembered."""
        folder: JSONObject | None = None
        for depth, prefix in enumerate(path.prefixes()):
            if prefix not in self._found:
                self._found[prefix] = (
                    self._well_known(path.well_known)
                    if depth == 0
                    else self._child(folder, path.steps[depth - 1])
                )
            folder = self._found[prefix]
            if folder is None:
                return None
        return folder

    def _well_known(self, name: str) -> JSONObject | None:
        try:
            return self._call(
                lambda: self.client.get(f"{self.base}/MailFolders/{segment(name)}"), []
            )
        except ItemNotFoundError:
            return None

    def _child(self, parent: JSONObject | None, step: FolderStep) -> JSONObject | None:
        assert parent is not None
        path = f"{self.base}/MailFolders/{segment(str(parent['Id']))}/ChildFolders"

        def first() -> JSONObject | None:
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
        run.observer.step(self.display, "exporting all data first (export-all-data)")
        report = run_export(
            run.runtime,
            ENTITIES,
            mailbox=self.target.address,
            output_dir=run.run_dir,
            formats=(CsvFormat(),),
        )
        result.export = ExportRecord(report.status, report.run_dir)
        self._say(f"export-all-data: {report.status}, in {report.run_dir}")
        if report.error is not None:  # keeps its scope and exit status, says what it stopped
            report.error.message = f"{report.error.message}; so nothing was purged"
            raise report.error
        if report.status != "complete":
            raise OcmError(
                f"export-all-data of {self.display} ended {report.status!r} (see "
                f"{report.run_dir}), so nothing was purged",
                hint="fix the export's errors and run again, or purge without --export-first",
            )

    def _empty_all(self, plan: list[PlannedFolder], result: MailboxResult) -> bool:
        """Empty each folder in order; False when stopped before the end."""
        observer = self.run_state.observer
        for planned, folder in zip(plan, result.folders, strict=True):
            if planned.absent:
                observer.step(self.display, f"{planned.path}: absent", advance=1)
                continue
            if self.run_state.stopping:
                return False
            observer.step(self.display, f"emptying {planned.path}")
            self._empty(planned, folder)
            observer.folder_done(self.display, folder)
        return True

    def _empty(self, planned: PlannedFolder, result: FolderResult) -> None:
        """EmptyFolder, then count what is left; raises the errors that end the mailbox."""
        folder_path = f"{self.base}/MailFolders/{segment(str(planned.folder_id))}"
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
            result.status = FolderStatus.ABSENT  # removed since it was counted: nothing to purge
            return
        except OcmError as error:
            failure = error
            result.error = f"EmptyFolder failed: {error}"
            self._keep_id(result.request_ids, error)
        # Until counted again, what was there and not reported deleted is taken as left.
        result.remaining = max(result.before - result.deleted - result.retained_by_hold, 0)
        if failure is None or not failure.ends_mailbox:
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
            result.status = FolderStatus.FAILED
        elif result.remaining:
            result.status = FolderStatus.REMAINING
            result.error = (
                f"{result.remaining} item(s) still in the folder after EmptyFolder "
                f"({result.deleted} deleted)"
            )
        else:
            result.status = FolderStatus.RETAINED if result.retained_by_hold else FolderStatus.OK
        if failure is not None and failure.ends_mailbox:
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
                self._say(
                    f"the OCM session must be started (ErrorXrmSessionRequired): "
                    f"StartXrmSession, try {restart + 1} of {MAX_SESSION_RESTARTS}"
                )
                self.client.post(f"{self.base}/StartXrmSession", {}, idempotent=True)
        raise AssertionError("unreachable")

    @staticmethod
    def _keep_id(request_ids: list[str], error: OcmError) -> None:
        request_id = error.trace_id if isinstance(error, ApiError) else None
        if request_id and request_id not in request_ids:
            request_ids.append(request_id)

    def _fail(self, result: MailboxResult, error: OcmError) -> None:
        run = self.run_state
        if isinstance(error, AccessDeniedError) and not run.options.grant_access:
            error.hint = _access_hint(self.display, run.account)
        self.failure = error
        result.error = str(error)
        self._keep_id(result.request_ids, error)
        if error.ends_run:
            run.stop(error)

    def _say(self, text: str) -> None:
        self.run_state.observer.note(self.display, text)


def _access_hint(mailbox: str, account: str | None) -> str:
    who = account or "this account"
    return (
        f"{who} needs FullAccess on {mailbox} (or membership of the group) to purge it: add "
        f"--grant-access when signed in as an Exchange or Global Administrator (FullAccess is "
        f"granted for the purge and removed afterwards), or have an admin run "
        f"'Add-MailboxPermission -Identity {mailbox} -User {who} -AccessRights FullAccess "
        f"-InheritanceType All' (and Remove-MailboxPermission afterwards)"
    )
