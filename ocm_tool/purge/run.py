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

This module holds the table, the options and the run of one mailbox or a list; the purge of
one mailbox is :class:`ocm_tool.mailboxpurge.MailboxPurge`, the ``--mailboxes-file`` reader
:func:`ocm_tool.mailboxlist.read_mailbox_list` (importable from here too).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path

from ocm_tool import __version__, ui
from ocm_tool.errors import ExitStatus, UsageError
from ocm_tool.mailboxes.addresses import read_mailbox_list
from ocm_tool.output import rundir
from ocm_tool.purge.mailbox import MailboxPurge, PlannedFolder, PurgeCancelled, PurgeRun
from ocm_tool.purge.options import PurgeOptions, PurgeOutcome
from ocm_tool.purge.report import (
    MailboxResult,
    MailboxStatus,
    ReportWriter,
    RunStatus,
    read_report,
)
from ocm_tool.purge.table import PurgeOperation
from ocm_tool.runtime import Runtime
from ocm_tool.ui import purge_view


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
        raise UsageError(
            "app-only sign-in has no mailbox of its own: give the mailbox ADDRESS",
            hint="or --mailboxes-file FILE",
        )
    if settings.app_only and options.grant_access:
        raise UsageError(
            "--grant-access grants FullAccess to a signed-in admin; app-only sign-in has none",
            hint="app-only sign-in with full_access_as_app opens every mailbox: drop --grant-access",
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
    carried = {key: result for key, result in previous.items() if _done_for(result, folders)}
    to_do = [(a, d) for a, d in targets if d.casefold() not in carried]
    run_dir = rundir.make_run_dir(
        options.output_dir,
        account or (targets[0][1] if listed is None else Path(str(options.mailboxes_file)).stem),
    )
    writer = ReportWriter(
        run_dir,
        [d for _, d in targets],
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
            "mailboxesFile": str(options.mailboxes_file) if options.mailboxes_file else None,
            "resumedFrom": str(options.resume) if options.resume else None,
        },
    )
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
        with purge_view.purge_progress(console, total=len(to_do), single=listed is None) as view:
            run = PurgeRun(runtime, operation, options, view, run_dir)
            if listed is None:
                return _run_single(run, writer, to_do)
            return _run_list(run, writer, to_do)
    finally:
        purge_view.show_purge_summary(
            console, writer.results, csv_path=writer.csv_path, json_path=writer.json_path
        )


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
    fine = all(
        r.done or r.carried_over or (dry_run and r.status == MailboxStatus.PLANNED) for r in results
    )
    return ExitStatus.OK if fine else ExitStatus.FAILED


def _run_single(
    run: PurgeRun, writer: ReportWriter, to_do: list[tuple[str | None, str]]
) -> PurgeOutcome:
    """One mailbox in this thread: plan, show, ask, purge; errors raised after the report."""
    if not to_do:
        writer.finish(RunStatus.COMPLETE)
        return PurgeOutcome(ExitStatus.OK, writer.run_dir, writer.results)
    address, display = to_do[0]
    purge = MailboxPurge(run, address, display)
    result = purge.run(review=_reviewer(run, display))
    run.view.finished(result)
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
        raise UsageError(f"cancelled: the address typed was not {display}; nothing was deleted")
    if purge.failure is not None:
        raise purge.failure
    return PurgeOutcome(
        _exit_status([result], dry_run=run.options.dry_run), writer.run_dir, writer.results
    )


def _reviewer(run: PurgeRun, display: str) -> Callable[[list[PlannedFolder]], None]:
    """Show the plan; unless --yes or --dry-run, have the person type the address."""

    def review(plan: list[PlannedFolder]) -> None:
        total = sum(p.before for p in plan)
        purge_view.show_purge_plan(
            run.runtime.console,
            run.operation.name,
            display,
            [(str(p.path), None if p.folder_id is None else p.before) for p in plan],
            soft_delete=run.options.soft_delete,
            dry_run=run.options.dry_run,
        )
        if run.options.dry_run or run.options.yes:
            return
        what = f"purge {total} item(s) of {display}"
        if not ui.confirm_by_typing(run.runtime.console, display, what=what):
            raise PurgeCancelled

    return review


def _confirm_list(
    runtime: Runtime,
    operation: PurgeOperation,
    options: PurgeOptions,
    writer: ReportWriter,
    to_do: list[tuple[str | None, str]],
) -> None:
    """Show what a list run will do; unless --yes or --dry-run, have the number of mailboxes
    typed (one confirmation for the whole list)."""
    purge_view.show_purge_list(
        runtime.console,
        operation.name,
        [str(f) for f in operation.folders],
        [d for _, d in to_do],
        source=str(options.mailboxes_file),
        soft_delete=options.soft_delete,
        dry_run=options.dry_run,
    )
    if to_do and not (options.yes or options.dry_run):
        count = str(len(to_do))
        if not ui.confirm_by_typing(runtime.console, count, what=f"purge these {count} mailboxes"):
            writer.finish(RunStatus.CANCELLED)
            raise UsageError(f"cancelled: the number typed was not {count}; nothing was deleted")


def _run_list(
    run: PurgeRun, writer: ReportWriter, to_do: list[tuple[str | None, str]]
) -> PurgeOutcome:
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
                run.view.note(
                    None,
                    "interrupted: finishing the calls in flight and taking "
                    "back access grants (the report is written next)",
                )
            _drain(run, writer, futures, recorded)
            if not interrupted:
                raise
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
    return PurgeOutcome(_exit_status(results, dry_run=options.dry_run), writer.run_dir, results)


def _purge_listed(run: PurgeRun, address: str | None, display: str) -> MailboxResult:
    return MailboxPurge(run, address, display).run()


def _record(
    run: PurgeRun,
    writer: ReportWriter,
    future: Future[MailboxResult],
    recorded: set[Future[MailboxResult]],
) -> None:
    """Write a finished mailbox to the report and show it (once)."""
    if future in recorded:
        return
    result = future.result()
    recorded.add(future)
    writer.record(result)
    if result.status != MailboxStatus.NOT_STARTED:
        run.view.finished(result)


def _drain(
    run: PurgeRun,
    writer: ReportWriter,
    futures: list[Future[MailboxResult]],
    recorded: set[Future[MailboxResult]],
) -> None:
    """Wait for every mailbox still running (they stop at their next folder) and record it."""
    for future in futures:
        while True:
            try:
                _record(run, writer, future, recorded)
            except KeyboardInterrupt:
                run.view.note(
                    None, "still taking back access grants and writing the report; please wait"
                )
                continue
            except Exception:  # noqa: BLE001 - a bug in that mailbox; the first one is raised
                pass
            break
