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

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ocm_tool import __version__, rundir, ui
from ocm_tool.errors import EXIT_FAILED, EXIT_OK, UsageError
from ocm_tool.mailboxlist import read_mailbox_list
from ocm_tool.mailboxpurge import MailboxPurge, PlannedFolder, PurgeCancelled, PurgeRun
from ocm_tool.purgereport import (
    CANCELLED,
    INTERRUPTED,
    MAILBOX_PLANNED,
    NOT_STARTED,
    MailboxResult,
    ReportWriter,
    read_report,
)
from ocm_tool.runtime import Runtime

# --------------------------------------------------------------------------------------------
# The table: operation -> folders, in the script's order.

OCM = "Outlook Customer Manager"
COMPANY_CLASS = "IPF.Contact.Company"


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
            FolderStep("FolderClass", part[1:-1])
            if part.startswith("{") and part.endswith("}")
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
    ("purge-contacts-data", "the OCM contacts", (f"contacts/{OCM}",)),
    (
        "purge-companies-data",
        "the OCM companies",
        (f"contacts/{{{COMPANY_CLASS}}}", f"contacts/{{{COMPANY_CLASS}}}/{OCM}"),
    ),
    (
        "purge-deals-data",
        "the OCM deals",
        ("root/xrmprojects/Deals", f"root/xrmprojects/Deals/{OCM}"),
    ),
    (
        "purge-templates-data",
        "the OCM contact, company and deal templates",
        ("root/xrmprojects/Templates",),
    ),
    (
        "purge-ocm-personmeta-data",
        "the OCM person metadata",
        (f"msgfolderroot/personmetadata/{OCM}",),
    ),
    (
        "purge-xrm-activity-stream-data",
        "the OCM activity stream (posts and activities)",
        ("root/XrmActivityStream", f"root/XrmActivityStream/{OCM}"),
    ),
    ("purge-xrm-insights-data", "the OCM insights", ("root/XrmInsights",)),
    (
        "purge-xrm-deleted-items-data",
        "the OCM deleted items",
        ("root/XrmDeletedItems", f"root/XrmDeletedItems/{OCM}"),
    ),
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
# Options, outcome, and the option checks (the list of mailboxes: mailboxlist.py).


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
        with ui.purge_progress(console, total=len(to_do), single=listed is None) as view:
            run = PurgeRun(runtime, operation, options, view, run_dir)
            if listed is None:
                return _run_single(run, writer, to_do)
            return _run_list(run, writer, to_do)
    finally:
        ui.show_purge_summary(
            console, writer.results, csv_path=writer.csv_path, json_path=writer.json_path
        )


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


def _run_single(
    run: PurgeRun, writer: ReportWriter, to_do: list[tuple[str | None, str]]
) -> PurgeOutcome:
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
    writer.finish(
        "failed"
        if run.fatal
        else _run_status([result], interrupted=interrupted, dry_run=run.options.dry_run)
    )
    if interrupted:
        raise KeyboardInterrupt
    if result.status == CANCELLED:
        raise UsageError(f"cancelled: the address typed was not {display}; nothing was deleted")
    if purge.failure is not None:
        raise purge.failure
    return PurgeOutcome(
        _exit_code([result], dry_run=run.options.dry_run), writer.run_dir, writer.results
    )


def _reviewer(run: PurgeRun, display: str) -> Callable[[list[PlannedFolder]], None]:
    """Show the plan; unless --yes or --dry-run, have the person type the address."""

    def review(plan: list[PlannedFolder]) -> None:
        total = sum(p.before for p in plan)
        ui.show_purge_plan(
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
    ui.show_purge_list(
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
            writer.finish("cancelled")
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
        "failed"
        if run.fatal
        else _run_status(results, interrupted=interrupted, dry_run=options.dry_run)
    )
    if interrupted:
        raise KeyboardInterrupt
    if run.fatal is not None:
        raise run.fatal
    return PurgeOutcome(_exit_code(results, dry_run=options.dry_run), writer.run_dir, results)


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
    if result.status != NOT_STARTED:
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
