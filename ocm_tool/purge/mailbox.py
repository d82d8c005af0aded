"""Purging one mailbox: grant, plan, confirm, export first, empty, verify, take the grant back.

Contract of :class:`MailboxPurge` (the engine behind :func:`ocm_tool.purge.run_purge`):

- ``MailboxPurge(run, address, display).run(review)`` purges one mailbox for the operation of
  ``run`` (a :class:`PurgeRun`, shared by every mailbox of one run) and returns its
  :class:`~ocm_tool.purgereport.MailboxResult`; it never raises an ``OcmError``: the error is
  recorded in the result and kept in ``failure``. A failure that ends the whole run (service,
  network, sign-in) also stops the run (:meth:`PurgeRun.stop`).
- Folders are found by walking from a well-known folder by display name (or folder class),
  never by id; a folder that is not there counts 0 items and is reported ``absent``.
- ``review`` sees the plan (:class:`PlannedFolder` list) before anything is deleted and may
  raise :class:`PurgeCancelled`; ``dry_run`` stops after the plan.
- Each folder is emptied with ``EmptyFolder`` (``DeleteSubFolders: false``); a group mailbox
  that answers ``ErrorXrmSessionRequired`` gets ``StartXrmSession`` and the call again, at
  most :data:`MAX_SESSION_RESTARTS` times. Then the folder is counted again.
- Mailboxes in progress stop before their next folder once the run is stopping; Ctrl-C (main
  thread only) ends the mailbox as ``interrupted``. A grant taken is always taken back.

Which errors end a folder, the mailbox or the run is each error's ``scope``
(``ocm_tool.errors``), as for every command.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console

from ocm_tool.client import GraphClient
from ocm_tool.errors import (
    AccessDeniedError,
    ApiError,
    ItemNotFoundError,
    OcmError,
    XrmSessionRequiredError,
)
from ocm_tool.export.entities import ENTITIES
from ocm_tool.export.run import run_export
from ocm_tool.mailboxes import grant
from ocm_tool.purge.options import PurgeOptions
from ocm_tool.purge.report import (
    ExportRecord,
    FolderResult,
    FolderStatus,
    MailboxResult,
    MailboxStatus,
)
from ocm_tool.purge.table import FolderPath, FolderStep, PurgeOperation
from ocm_tool.runtime import Runtime
from ocm_tool.ui.purge_view import PurgeView

T = TypeVar("T")

# --------------------------------------------------------------------------------------------
# One mailbox: find the folders, plan, empty, verify.

#: A group mailbox's OCM session is restarted at most this many times per call (as the script).
MAX_SESSION_RESTARTS = 3


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


class PurgeCancelled(Exception):
    """The person did not type the confirmation."""


class PurgeRun:
    """What every mailbox of one run shares: client, operation, options, view, stop signal."""

    def __init__(
        self,
        runtime: Runtime,
        operation: PurgeOperation,
        options: PurgeOptions,
        view: PurgeView,
        run_dir: Path,
    ) -> None:
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

    def __init__(self, run: PurgeRun, address: str | None, display: str) -> None:
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
        and may raise ``PurgeCancelled``. Ctrl-C (main thread only) ends it as ``interrupted``."""
        result = MailboxResult(self.display)
        run = self.run_state
        if run.stopping:
            return result
        run.view.started(self.display, len(run.operation.folders))
        interrupted = False
        try:
            with self._access(result):
                plan = self.plan()
                result.folders = [
                    FolderResult(
                        str(p.path),
                        before=p.before,
                        status=FolderStatus.ABSENT if p.folder_id is None else FolderStatus.SKIPPED,
                    )
                    for p in plan
                ]
                if review is not None:
                    review(plan)
                if run.options.dry_run:
                    for folder in result.folders:
                        if folder.status == FolderStatus.SKIPPED:
                            folder.status = FolderStatus.PLANNED
                    result.status = MailboxStatus.PLANNED
                elif run.options.export_first and not run.stopping:
                    self._export_first(result)
                if result.status != MailboxStatus.PLANNED:
                    interrupted = not self._empty_all(plan, result)
        except KeyboardInterrupt:
            interrupted = True
        except PurgeCancelled:
            result.status = MailboxStatus.CANCELLED
        except OcmError as error:
            self._fail(result, error)
        self._note_grant(result)
        result.settle(interrupted=interrupted)
        return result

    def _access(self, result: MailboxResult) -> AbstractContextManager[Any]:
        run = self.run_state
        if not run.options.grant_access:
            return nullcontext()
        if self.address is None or (
            run.account and self.address.casefold() == run.account.casefold()
        ):
            self._say("--grant-access: this is your own mailbox, no grant is needed")
            return nullcontext()
        return self._granted(result)

    @contextmanager
    def _granted(self, result: MailboxResult) -> Iterator[None]:
        assert self.address is not None and self.run_state.account is not None
        with grant.temporary_full_access(
            self.client, self.address, self.run_state.account, say=self._say
        ) as record:
            result.grant = record  # filled in further while the grant is taken back
            yield

    def _note_grant(self, result: MailboxResult) -> None:
        record = result.grant
        if record is not None and record.left_behind:
            message = (
                f"FullAccess of {record.user} on {self.display} may still be "
                f"there: {grant.manual_removal_command(self.display, record.user)}"
            )
            result.error = f"{result.error}; {message}" if result.error else message

    def plan(self) -> list[PlannedFolder]:
        """Every folder of the operation, found by walking the tree, with its item count."""
        planned = []
        for path in self.run_state.operation.folders:
            self.run_state.view.step(self.display, f"counting {path}")
            folder = self._find(path)
            planned.append(
                PlannedFolder(
                    path,
                    folder.get("Id") if folder else None,
                    int(folder.get("TotalItemCount") or 0) if folder else 0,
                )
            )
        return planned

    def _find(self, path: FolderPath) -> dict | None:
        """The folder at ``path``, or ``None``; every prefix found is remembered."""
        folder: dict | None = None
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
        report = run_export(
            run.export_runtime,
            ENTITIES,
            mailbox=self.address,
            output_dir=run.run_dir,
            encoding="utf-8-sig",
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
        for planned, folder in zip(plan, result.folders, strict=False):
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
        if error.ends_run:
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
