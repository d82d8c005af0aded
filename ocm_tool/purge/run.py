"""A purge run: one mailbox or a ``--mailboxes-file`` list, its report and its exit status.

Contract of :func:`run_purge` (one function behind the nine purge commands):

- The operation is a row of ``purge.table.PURGE_OPERATIONS``; each mailbox is purged by
  :class:`~ocm_tool.purge.mailbox.MailboxPurge` (find, empty with ``EmptyFolder``, count
  again; see there). Nothing is reported done that was not checked (defect 10 of the
  original): a folder with items left, or an error, makes the exit status 1.
- Refusals come first, before anything is asked of the service (``UsageError``, exit 2):
  ADDRESS and ``--mailboxes-file`` together; no terminal and neither ``yes`` nor ``dry_run``;
  app-only sign-in without a mailbox, or with ``grant_access``; a mailboxes file or a
  ``resume`` report that cannot be read. Then the run folder is made and
  ``purge-report.csv`` and ``purge-report.json`` are written in it after every mailbox (see
  :mod:`ocm_tool.purge.report`); ``resume`` skips the mailboxes a previous report shows done
  for this operation.
- Before anything is deleted the view shows the plan (each folder's count, and whether the
  mailbox is on hold) and, unless ``yes`` or ``dry_run``, asks the person to type the mailbox
  address. A list is read first (the preflight, ``MailboxPurge.preflight``: access, counts,
  holds, changing nothing); the view shows it, mailboxes that do not exist or may not be
  opened are recorded as failed and left out, and the number of the others is typed, once
  for the whole list. Anything else cancels: ``UsageError``, nothing deleted. ``dry_run``
  shows the plan, changes nothing (no grant either) and exits 0; for a list the preflight
  is the plan.
- ``grant_access``: FullAccess for the signed-in admin during the purge, granted only after
  the confirmation, recorded before it is made, always taken back
  (:mod:`ocm_tool.mailboxes.grant`, :mod:`ocm_tool.purge.pending`). A grant an earlier run
  recorded and left (it was killed) is taken back first, by any purge run against the same
  endpoint signed in as that admin or with ``grant_access``; the report lists it
  (``leftoverGrants``). ``export_first``: export-all-data first, purge only if it completed.
- A list runs ``settings.concurrency`` mailboxes at a time. A mailbox's own failure (no
  access, a failed folder) is recorded and the others go on: exit status 1. An error whose
  scope is the run (the service, the network, the sign-in) starts nothing new, lets the
  mailboxes in progress stop at their next folder, and is raised once the report is written.
- A single mailbox's error is raised after the report is written (the CLI maps it to its
  exit status: 4 for no access, 5 for the service, 1 for an incomplete export, ...).
- Ctrl-C: nothing new is started, mailboxes in progress stop at their next folder and take
  back their grants, the report is written, and ``KeyboardInterrupt`` is raised again.

It returns the exit status of a run that reached its end (``OK`` or ``FAILED``). What it
shows and asks goes through the :class:`~ocm_tool.purge.view.PurgeView` it is given, which is
told of the report as soon as it exists (so a front end can sum the run up however it ends).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from ocm_tool import __version__
from ocm_tool.errors import ExitStatus, UsageError
from ocm_tool.mailboxes import grant
from ocm_tool.mailboxes.addresses import check_address, read_mailbox_list
from ocm_tool.mailboxes.listrun import run_list
from ocm_tool.output.rundir import make_run_dir
from ocm_tool.purge.mailbox import (
    NOT_COUNTED,
    MailboxPurge,
    PurgeCancelled,
    PurgeRun,
    Review,
    Target,
)
from ocm_tool.purge.options import PurgeOptions
from ocm_tool.purge.pending import PendingGrants
from ocm_tool.purge.pending import default_folder as pending_folder
from ocm_tool.purge.report import (
    FolderResult,
    FolderStatus,
    MailboxResult,
    MailboxStatus,
    ReportWriter,
    RunStatus,
    read_report,
)
from ocm_tool.purge.table import PurgeOperation
from ocm_tool.purge.view import (
    Confirmation,
    ListPlan,
    MailboxPlan,
    PlannedFolder,
    Preflight,
    PurgeView,
)
from ocm_tool.runtime import Runtime


def _check_options(runtime: Runtime, options: PurgeOptions) -> None:
    """Refuse what cannot be done, before anything is asked of the service."""
    settings = runtime.settings
    if options.mailbox and options.mailboxes_file:
        raise UsageError("give either ADDRESS (--mailbox) or --mailboxes-file, not both")
    if options.mailbox:
        check_address(options.mailbox, source="ADDRESS")
    if not options.dry_run and not options.yes and not settings.interactive:
        raise UsageError(
            "refusing to purge without a confirmation: there is no terminal to type it in",
            hint="add --yes to confirm from a script, or --dry-run to see the plan",
        )
    if settings.app_only and not (options.mailbox or options.mailboxes_file):
        raise UsageError(
            "app-only sign-in has no mailbox of its own: give the mailbox ADDRESS",
            hint="name it (ADDRESS or --mailbox ADDRESS), or list several in --mailboxes-file",
        )
    if settings.app_only and options.grant_access:
        raise UsageError(
            "--grant-access grants FullAccess to a signed-in admin; app-only sign-in has none",
            hint="app-only sign-in with full_access_as_app opens every mailbox: drop --grant-access",
        )


def run_purge(
    runtime: Runtime, operation: PurgeOperation, options: PurgeOptions, view: PurgeView
) -> ExitStatus:
    """Run ``operation`` on the mailbox (or list) of ``options``; see the module contract."""
    _check_options(runtime, options)
    source = options.mailboxes_file
    listed = read_mailbox_list(source) if source is not None else None
    previous = read_report(options.resume) if options.resume else {}
    account = runtime.account  # signs in, once, before any thread starts
    pending = PendingGrants(pending_folder(), runtime.settings.endpoint or "")
    leftovers = _take_back_leftovers(runtime, options, pending, view)
    if listed is not None:
        targets = [Target(address, address) for address in listed]
    else:
        address = check_address(options.mailbox, source="ADDRESS") if options.mailbox else None
        targets = [Target(address, address or account or "me")]
    folders = [str(f) for f in operation.folders]
    carried = {key: result for key, result in previous.items() if _done_for(result, folders)}
    to_do = [t for t in targets if t.display.casefold() not in carried]
    writer = ReportWriter(
        make_run_dir(options.output_dir, account or _run_name(source, targets)),
        [t.display for t in targets],
        {
            "version": __version__,
            "operation": operation.name,
            "folders": folders,
            "account": account,
            "endpoint": runtime.settings.endpoint,
            "deleteType": "SoftDelete" if options.soft_delete else "HardDelete",
            "dryRun": options.dry_run,
            "grantAccess": options.grant_access,
            "exportFirst": options.export_first,
            "mailboxesFile": str(source) if source else None,
            "resumedFrom": str(options.resume) if options.resume else None,
            "leftoverGrants": [record.to_json() for record in leftovers],
        },
    )
    for target in targets:
        if target.display.casefold() in carried:
            old = carried[target.display.casefold()]
            old.carried_over = True
            writer.record(old)
    view.report_opened(writer)
    skipped = len(targets) - len(to_do)
    if skipped and options.resume is not None:
        view.carried_over(skipped, options.resume)
    try:
        if source is not None:
            try:
                checks = _preflight(
                    PurgeRun(runtime, operation, options, _SILENT, writer.run_dir), to_do
                )
            except BaseException as error:  # the service or Ctrl-C: nothing was changed
                interrupted = isinstance(error, KeyboardInterrupt)
                writer.finish(RunStatus.INTERRUPTED if interrupted else RunStatus.FAILED)
                raise
            to_do = _confirm_list(view, operation, options, writer, checks, source)
            if options.dry_run:
                return _planned(writer, checks)
        with view.progress(mailboxes=len(to_do), single=source is None) as observer:
            run = PurgeRun(
                runtime,
                operation,
                options,
                observer,
                writer.run_dir,
                report=writer,
                pending=pending,
            )
            if source is None:
                return _run_single(run, view, writer, to_do)
            return _run_list(run, writer, to_do)
    finally:
        pending.release()


def _take_back_leftovers(
    runtime: Runtime, options: PurgeOptions, pending: PendingGrants, view: PurgeView
) -> list[grant.GrantRecord]:
    """Take back the grants earlier runs against this endpoint recorded and left behind:
    those of the signed-in admin, or any with ``grant_access``."""
    account = runtime.account
    if account is None:  # app-only sign-in makes no grants
        return []
    records = []
    for left in pending.left_behind():
        if not options.grant_access and left.user.casefold() != account.casefold():
            continue
        record = grant.take_back(runtime.client, left.mailbox, left.user, say=lambda _: None)
        if not record.left_behind:
            pending.forget(left.mailbox, left.user)
        view.took_back(record)
        records.append(record)
    return records


class _Silent:
    """The observer of the preflight: it reads, and has nothing to report as it goes."""

    def started(self, mailbox: str, folders: int) -> None:
        pass

    def step(self, mailbox: str, text: str, *, advance: int = 0) -> None:
        pass

    def folder_done(self, mailbox: str, folder: FolderResult) -> None:
        pass

    def note(self, mailbox: str | None, text: str) -> None:
        pass

    def finished(self, result: MailboxResult) -> None:
        pass


_SILENT = _Silent()


def _preflight(run: PurgeRun, to_do: list[Target]) -> list[tuple[Target, Preflight]]:
    """Every listed mailbox read (access, counts, hold), ``settings.concurrency`` at a time,
    before the one confirmation; nothing is changed."""
    if not to_do:
        return []
    workers = max(1, min(run.runtime.settings.concurrency, len(to_do)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="preflight") as pool:
        checks = list(pool.map(lambda target: MailboxPurge(run, target).preflight(), to_do))
    return list(zip(to_do, checks, strict=True))


def _result_of(check: Preflight) -> MailboxResult:
    """A mailbox as its preflight left it: planned (a dry run), or failed (not purgeable)."""
    folders = [
        FolderResult(
            str(f.path),
            before=f.before,
            status=FolderStatus.ABSENT if f.absent else FolderStatus.PLANNED,
            error="" if f.counted else NOT_COUNTED,
        )
        for f in check.folders
    ]
    status = MailboxStatus.PLANNED if check.access.purgeable else MailboxStatus.FAILED
    return MailboxResult(check.mailbox, folders, status, error=check.error, on_hold=check.on_hold)


def _planned(writer: ReportWriter, checks: list[tuple[Target, Preflight]]) -> ExitStatus:
    """A dry run of a list: the preflight is the plan; nothing more is asked of the service."""
    results = [_result_of(check) for _, check in checks]
    for result in results:
        writer.record(result)
    writer.finish(RunStatus.PLANNED)
    return _exit_status(writer.results, dry_run=True)


def _run_name(source: Path | None, targets: Sequence[Target]) -> str:
    """What names the run folder when no account is signed in (app-only): the list's file
    name, or the mailbox."""
    return source.stem if source is not None else targets[0].display


def _done_for(result: MailboxResult, folders: list[str]) -> bool:
    """Whether a previous report shows every folder of this operation purged for the mailbox."""
    by_folder = {f.folder: f for f in result.folders}
    return result.done and all(f in by_folder and by_folder[f].done for f in folders)


def _run_status(results: list[MailboxResult], *, interrupted: bool, dry_run: bool) -> RunStatus:
    if interrupted:
        return RunStatus.INTERRUPTED
    if dry_run:
        return RunStatus.PLANNED
    if all(r.done for r in results):
        return RunStatus.COMPLETE
    return RunStatus.PARTIAL


def _exit_status(results: list[MailboxResult], *, dry_run: bool) -> ExitStatus:
    """``OK`` when every mailbox is done (or done in the resumed report, or planned by a dry
    run), else ``FAILED``."""
    fine = all(
        r.done or r.carried_over or (dry_run and r.status == MailboxStatus.PLANNED) for r in results
    )
    return ExitStatus.OK if fine else ExitStatus.FAILED


def _run_single(
    run: PurgeRun, view: PurgeView, writer: ReportWriter, to_do: list[Target]
) -> ExitStatus:
    """One mailbox in this thread: plan, show, ask, purge; errors raised after the report."""
    if not to_do:
        writer.finish(RunStatus.COMPLETE)
        return ExitStatus.OK
    target = to_do[0]
    purge = MailboxPurge(run, target)
    result = purge.run(review=_reviewer(run, view, target))
    run.observer.finished(result)
    writer.record(result)
    interrupted = result.status == MailboxStatus.INTERRUPTED
    writer.finish(
        RunStatus.FAILED
        if run.fatal
        else _run_status([result], interrupted=interrupted, dry_run=run.options.dry_run)
    )
    if interrupted:
        raise KeyboardInterrupt
    if result.status == MailboxStatus.CANCELLED:
        raise UsageError(
            f"cancelled: the address typed was not {target.display}; nothing was deleted"
        )
    if purge.failure is not None:
        raise purge.failure
    return _exit_status([result], dry_run=run.options.dry_run)


def _reviewer(run: PurgeRun, view: PurgeView, target: Target) -> Review:
    """Show the plan; unless --yes or --dry-run, have the person type the address."""
    options = run.options

    confirmed = False

    def review(folders: Sequence[PlannedFolder], on_hold: bool | None) -> None:
        nonlocal confirmed
        plan = MailboxPlan(
            run.operation,
            target.display,
            tuple(folders),
            soft_delete=options.soft_delete,
            dry_run=options.dry_run,
            on_hold=on_hold,
        )
        view.show_plan(plan)
        if options.dry_run or options.yes or confirmed:
            return
        what = (
            f"purge {plan.total} item(s) of {target.display}"
            if plan.counted
            else f"grant yourself FullAccess on {target.display} and purge these folders"
        )
        if not view.confirm(Confirmation(target.display, what)):
            raise PurgeCancelled
        confirmed = True

    return review


def _confirm_list(
    view: PurgeView,
    operation: PurgeOperation,
    options: PurgeOptions,
    writer: ReportWriter,
    checks: list[tuple[Target, Preflight]],
    source: Path,
) -> list[Target]:
    """Show what the preflight found and what a list run will do; unless --yes or --dry-run,
    have the number of mailboxes to purge typed (one confirmation for the whole list). The
    mailboxes that do not exist or may not be opened are recorded as failed and left out;
    the others are returned."""
    plan = ListPlan(
        operation,
        tuple(t.display for t, _ in checks),
        source,
        soft_delete=options.soft_delete,
        dry_run=options.dry_run,
        preflight=tuple(check for _, check in checks),
    )
    view.show_list(plan)
    if not options.dry_run:
        for _, check in checks:
            if not check.access.purgeable:
                writer.record(_result_of(check))
    purgeable = [target for target, check in checks if check.access.purgeable]
    if purgeable and not (options.yes or options.dry_run):
        count = str(len(purgeable))
        if not view.confirm(Confirmation(count, f"purge these {count} mailboxes")):
            writer.finish(RunStatus.CANCELLED)
            raise UsageError(f"cancelled: the number typed was not {count}; nothing was deleted")
    return purgeable


def _run_list(run: PurgeRun, writer: ReportWriter, to_do: list[Target]) -> ExitStatus:
    """Many mailboxes, ``settings.concurrency`` at a time; the report is written as they end."""
    options = run.options

    def record(result: MailboxResult) -> None:
        writer.record(result)
        if result.status != MailboxStatus.NOT_STARTED:
            run.observer.finished(result)

    interrupted = run_list(
        to_do,
        partial(_purge_listed, run),
        workers=run.runtime.settings.concurrency,
        record=record,
        signal=run,
        note=partial(run.observer.note, None),
        thread_name="purge",
    )
    results = writer.results
    writer.finish(
        RunStatus.FAILED
        if run.fatal
        else _run_status(results, interrupted=interrupted, dry_run=options.dry_run)
    )
    if interrupted:
        raise KeyboardInterrupt
    if run.fatal is not None:
        raise run.fatal
    return _exit_status(results, dry_run=options.dry_run)


def _purge_listed(run: PurgeRun, target: Target) -> MailboxResult:
    return MailboxPurge(run, target).run()
