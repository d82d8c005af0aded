"""One attempt of a data subject request: search, then export or delete, then the evidence,
with the request's status kept in the ledger throughout.

Contract of :func:`run_request` (behind ``subject search|export|delete`` and
``requests retry``):

- The attempt is recorded ``Processing`` before anything is asked of the service and ends
  ``Completed`` or ``Failed`` (with the reason) whatever happens: an error, a dead server,
  Ctrl-C. ``report.html`` (export, delete) is written into the request's folder before the
  status is, so a ``Completed`` request always has its evidence.
- Every mailbox of the scope is searched (:func:`~ocm_tool.subject.search.search_mailbox`).
  A mailbox that cannot be searched fails on its own when the scope has several (the others
  go on; the request ends ``Failed``, exit status 1); with one mailbox, or when the error
  ends the run, the error is raised (its own exit status).
- No contact matches in any mailbox, but records link to or mention the subject: the
  portal's question. ``include_orphans`` goes on; otherwise the view asks on a terminal, and
  without one the request stops with a :class:`~ocm_tool.errors.UsageError` (exit 2).
- Export: the files of ``export-all-data`` holding only the records found, written by the
  export engine (``run_export`` with the findings' ``keep``), in one folder
  ``<address>_<yyyyMMddTHHmmssffff>`` under ``output_dir`` (one sub-folder per mailbox when
  the scope has several), each with a manifest naming the request. ``me``: every record of
  the signed-in user's own mailbox, in a folder named after the account.
- Delete: the plan (deleted and kept records) is shown; unless ``yes``, the subject's address
  must be typed (anything else cancels: ``UsageError``, nothing deleted). ``export_first``
  exports into ``export/`` of the request's folder first and deletes only if that export is
  complete. Shared records are kept unless ``include_shared``. Items are deleted and read
  again by :func:`~ocm_tool.subject.erase.erase_mailbox`; a record retained by a hold counts
  as done (the report says what the hold keeps and why); one failed or remaining fails the
  request.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ocm_tool.errors import OcmError, UsageError
from ocm_tool.evidence.render import write_report
from ocm_tool.export.entities import ENTITIES
from ocm_tool.export.manifest import RunStatus
from ocm_tool.export.run import keep_all, run_export
from ocm_tool.ledger import Ledger, Request, RequestKind, RequestStatus
from ocm_tool.ledger.store import now
from ocm_tool.output import TableFormat
from ocm_tool.output.atomic import output_error
from ocm_tool.output.rundir import make_run_dir, safe_name
from ocm_tool.runtime import Runtime
from ocm_tool.subject.erase import MailboxErasure, Outcome, erase_mailbox
from ocm_tool.subject.evidence import subject_evidence
from ocm_tool.subject.findings import MailboxFindings
from ocm_tool.subject.matching import Subject
from ocm_tool.subject.outcome import SubjectOutcome
from ocm_tool.subject.parameters import SubjectParameters
from ocm_tool.subject.search import search_mailbox
from ocm_tool.subject.view import Confirmation, DeletePlan, OrphanQuestion, SubjectView

#: The sub-folder of a delete's folder that ``--export-first`` exports into.
EXPORT_FIRST_FOLDER = "export"


def new_request(ledger: Ledger, parameters: SubjectParameters) -> Request:
    """Record a request for ``parameters`` (``Queued``)."""
    return ledger.create(
        parameters.kind,
        parameters.email or "me",
        name=parameters.name,
        scope=parameters.mailboxes,
        parameters=parameters.to_json(),
    )


def run_request(
    runtime: Runtime,
    ledger: Ledger,
    request: Request,
    parameters: SubjectParameters,
    view: SubjectView,
    *,
    formats: Sequence[TableFormat],
) -> SubjectOutcome:
    """One attempt of ``request`` (see the module contract); its outcome. An export writes
    its tables in ``formats`` (made from ``parameters.formats``).

    Errors are raised after the attempt is recorded ``Failed``; a run that reached its end
    returns, ``Completed`` or ``Failed`` (its ``exit_status``).
    """
    number = ledger.begin(request.id, endpoint=runtime.settings.endpoint or "")
    outcome = SubjectOutcome(request, number, parameters, runtime.settings.endpoint or "")
    outcome.subject = Subject(parameters.email, parameters.name).label if parameters.email else ""
    view.started(outcome)
    raised: BaseException | None = None
    try:
        _Attempt(runtime, outcome, view, formats).run()
    except KeyboardInterrupt as error:
        raised = error
        outcome.fail("interrupted (Ctrl-C)")
    except OcmError as error:
        raised = error
        outcome.fail(str(error))
    except BaseException as error:  # noqa: BLE001 - recorded as the reason, then raised again
        raised = error
        outcome.fail(f"stopped by an unexpected error: {error!r}")
    outcome.finished_at = now()
    if outcome.folder is not None:
        try:
            write_report(outcome.folder, subject_evidence(outcome))
        except OcmError as error:
            outcome.fail(f"report.html was not written: {error}")
            raised = raised or error
    ledger.end(
        request.id,
        number,
        RequestStatus.FAILED if outcome.status is RequestStatus.FAILED else RequestStatus.COMPLETED,
        operator=outcome.operator or None,
        counts=outcome.counts(),
        error=outcome.error,
        output=str(outcome.folder) if outcome.folder else None,
    )
    if raised is not None:
        raise raised
    return outcome


def _new_subfolder(folder: Path, name: str) -> Path:
    path = folder / name
    try:
        path.mkdir()
    except OSError as error:
        raise output_error(error, path) from error
    return path


class _Attempt:
    """The steps of one attempt; errors leave it (``run_request`` records them)."""

    def __init__(
        self,
        runtime: Runtime,
        outcome: SubjectOutcome,
        view: SubjectView,
        formats: Sequence[TableFormat],
    ) -> None:
        self.runtime = runtime
        self.formats = list(formats)
        self.outcome = outcome
        self.parameters = outcome.parameters
        self.view = view

    def run(self) -> None:
        account = self.runtime.account  # signs in
        self.outcome.operator = account or f"app {self.runtime.settings.client_id}"
        targets = [(m, m or account or "me") for m in self.parameters.mailboxes]
        self.outcome.mailboxes = [display for _, display in targets]
        if self.parameters.me:
            self.outcome.subject = f"{account} (export my data)"
            self._export_me(account or "me")
        else:
            self._search(targets)
            if self.parameters.kind is RequestKind.EXPORT:
                self._ask_about_orphans()
                self._export()
            elif self.parameters.kind is RequestKind.DELETE:
                self._ask_about_orphans()
                self._delete()
        self._settle()

    # -- search ----------------------------------------------------------------------------

    def _search(self, targets: list[tuple[str | None, str]]) -> None:
        subject = self.parameters.subject
        assert subject is not None  # checked: only --me goes without an address
        client = self.runtime.client
        for address, display in targets:
            self.view.searching(display)
            try:
                found = search_mailbox(client, address, display, subject)
            except OcmError as error:
                if error.ends_run or len(targets) == 1:
                    raise
                found = MailboxFindings(address, display, error=error)
            self.outcome.findings.append(found)
            self.view.found(found)

    def _ask_about_orphans(self) -> None:
        findings = self.outcome.findings
        records = sum(len(f.findings) for f in findings)
        if not records or any(f.contacts for f in findings):
            return
        self.outcome.orphans = True
        if self.parameters.include_orphans:
            return
        kind = self.parameters.kind
        question = OrphanQuestion(kind, self.parameters.email or "", records)
        what = (
            f"the contact {question.subject} cannot be found, but {records} record(s) link "
            "to or mention it"
        )
        if not self.runtime.settings.interactive:
            raise UsageError(
                f"{what}; nothing was done without the operator's word",
                hint=f"add --include-orphans to {kind} those records (run 'subject search' to see them)",
            )
        if not self.view.ask_orphans(question):
            raise UsageError(f"stopped: {what}, and the operator chose not to go on")

    # -- export ----------------------------------------------------------------------------

    def _new_folder(self) -> Path:
        self.outcome.folder = make_run_dir(
            self.parameters.output_folder, (self.parameters.email or "me").lower()
        )
        return self.outcome.folder

    def _manifest_request(self) -> dict[str, Any]:
        return {
            "id": self.outcome.request.id,
            "attempt": self.outcome.attempt,
            "kind": f"subject {self.parameters.kind}",
            "subject": self.outcome.subject,
        }

    def _export_me(self, account: str) -> None:
        folder = make_run_dir(self.parameters.output_folder, account)
        self.outcome.folder = folder
        with self.view.exporting(account) as progress:
            report = run_export(
                self.runtime,
                ENTITIES,
                mailbox=None,
                output_dir=folder.parent,
                formats=self.formats,
                progress=progress,
                keep=keep_all,
                request=self._manifest_request(),
                run_dir=folder,
            )
        self.outcome.exports.append(report)
        if report.error is not None:
            raise report.error

    def _export(self, folder: Path | None = None) -> None:
        """Export what each mailbox's search found into ``folder`` (a new request folder)."""
        folder = folder or self._new_folder()
        searched = [f for f in self.outcome.findings if f.error is None]
        several = len(self.outcome.findings) > 1
        for found in searched:
            run_dir = folder
            if several:  # one sub-folder per mailbox, named after it
                run_dir = _new_subfolder(folder, safe_name(found.display))
            with self.view.exporting(found.display) as progress:
                report = run_export(
                    self.runtime,
                    ENTITIES,
                    mailbox=found.address,
                    output_dir=folder,
                    formats=self.formats,
                    progress=progress,
                    keep=found.keep(),
                    request=self._manifest_request(),
                    run_dir=run_dir,
                )
            self.outcome.exports.append(report)
            if report.error is not None and (report.error.ends_run or not several):
                raise report.error

    # -- delete ----------------------------------------------------------------------------

    def _delete(self) -> None:
        parameters = self.parameters
        folder = self._new_folder()
        erasures = [
            MailboxErasure.plan(
                f.address, f.display, f.findings, include_shared=parameters.include_shared
            )
            for f in self.outcome.findings
            if f.error is None
        ]
        plan = DeletePlan(self.outcome.subject, tuple(erasures), parameters.include_shared)
        self.view.show_plan(plan)
        if not plan.planned:
            self.outcome.erasures = erasures
            self.view.note("nothing to delete")
            return
        if not parameters.yes:
            address = parameters.email or ""
            what = f"delete {plan.planned} record(s) of {address}"
            if not self.view.confirm(Confirmation(address, what)):
                raise UsageError(
                    f"cancelled: the address typed was not {address}; nothing was deleted"
                )
        if parameters.export_first:
            self._export_first(folder)
        client = self.runtime.client
        for erasure in erasures:
            self.outcome.erasures.append(erasure)
            total = len(erasure.with_outcome(Outcome.PLANNED))
            try:
                with self.view.erasing(erasure.display, total) as advance:
                    erase_mailbox(client, erasure, advance=advance)
            except OcmError as error:
                erasure.error = error
                if error.ends_run or len(erasures) == 1:
                    raise

    def _export_first(self, folder: Path) -> None:
        export_folder = _new_subfolder(folder, EXPORT_FIRST_FOLDER)
        self.view.note(f"exporting the records first, into {export_folder}")
        self._export(export_folder)
        unfinished = [r for r in self.outcome.exports if r.status is not RunStatus.COMPLETE]
        if unfinished:
            first = unfinished[0]
            raise OcmError(
                f"the export first ended {first.status!s} for {first.mailbox} (see "
                f"{first.run_dir}), so nothing was deleted",
                hint="fix the export's errors and retry the request, or delete without --export-first",
            )

    # -- the end ---------------------------------------------------------------------------

    def _settle(self) -> None:
        """``Completed`` when everything asked was done, else ``Failed`` with the reasons."""
        outcome = self.outcome
        for found in outcome.findings:
            if found.error is not None:
                outcome.fail(f"{found.display} was not searched: {found.error}")
        for report in outcome.exports:
            if report.status is not RunStatus.COMPLETE:
                failed = [f"{f.name}: {f.error}" for f in report.files if f.error]
                outcome.fail(
                    f"the export of {report.mailbox} is {report.status}"
                    + (f" ({'; '.join(failed)})" if failed else "")
                )
        for erasure in outcome.erasures:
            left = erasure.with_outcome(Outcome.FAILED, Outcome.REMAINING, Outcome.PLANNED)
            if erasure.error is not None:
                outcome.fail(f"{erasure.display}: {erasure.error}")
            elif left:
                outcome.fail(f"{erasure.display}: {len(left)} record(s) not deleted")
        if outcome.status is RequestStatus.PROCESSING:
            outcome.status = RequestStatus.COMPLETED
