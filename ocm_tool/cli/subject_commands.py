"""The data subject request commands: ``subject search``, ``subject export``, ``subject delete``.

Each command builds :class:`~ocm_tool.subject.parameters.SubjectParameters`, records the
request in the ledger and runs one attempt of it
(:func:`~ocm_tool.subject.request.run_request`) with the terminal view, and ends through
``_output.respond`` (with ``--output json``, the outcome is the document's result);
``requests retry`` runs a failed one again through :func:`run_attempt`. Only click is
imported at start-up: the engine, the ledger and the view load when a command runs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ocm_tool.cli._context import CONTEXT_SETTINGS, pass_runtime, terminal
from ocm_tool.cli._help import Example, Manual
from ocm_tool.cli._output import Reply, respond
from ocm_tool.cli.export_commands import format_option, table_formats
from ocm_tool.runtime import Runtime

if TYPE_CHECKING:
    from ocm_tool.ledger import Ledger, Request
    from ocm_tool.subject.parameters import SubjectParameters

_MATCHING = (
    "A contact is the subject's when one of its three e-mail addresses is `--email` (any "
    "case), or, with `--name`, when its name is that name without regard to case and accents "
    "(`Jana Dvorakova` finds Jana Dvořáková). Companies, deals, tasks, posts, activities and "
    "insights are the subject's when they are linked to such a contact or mention the address "
    "(or the name) in their text; one also linked to another contact is shared."
)
_SCOPE = (
    "The scope is your own mailbox, or the user and group mailboxes of `--mailbox` "
    "(repeatable) or `--mailboxes-file`; app-only sign-in needs one of them. Shared OCM data "
    "lives in group mailboxes: search them too."
)
_LEDGER = (
    "Every run is a request with an id in the requests ledger (Queued, Processing, Completed, "
    "Failed): 'ocm-tool requests list' shows them, 'ocm-tool requests retry' runs a failed one "
    "again."
)
_ORPHANS = (
    "When no contact matches but records link to or mention the subject (the contact was "
    "deleted, its activities remain), it says so and asks whether to go on; "
    "`--include-orphans` goes on without asking, and without a terminal it stops (exit 2)."
)
_READ = (
    "Read access to each mailbox of the scope: your own, a Microsoft 365 group you are a "
    "member of, one you hold FullAccess on, or any with app-only sign-in "
    "(`full_access_as_app`)."
)
_ENDPOINT = (
    "The examples assume the endpoint is set (`--endpoint` or `OCM_ENDPOINT`) and sign-in is "
    "cached (`ocm-tool login`); with `--demo` they run against the built-in emulator."
)
_PAGES = ("subject-requests.md", "export.md")

SEARCH_MANUAL = Manual(
    summary="List a data subject's OCM records in each mailbox of the scope, and why each is theirs.",
    description=(
        "Lists, per mailbox, the records of the person with the address `--email`: file, "
        "name, XrmId, why it is theirs (`e-mail 3`, `name`, `linked to the subject's "
        "contact`, `mentions the address`, ...) and whether it is shared with another contact. "
        "With `--output json` the same is the result of one JSON document, for a script.",
        _MATCHING,
        _SCOPE,
        _LEDGER,
    ),
    examples=(
        Example(
            "ocm-tool subject search --email jana@example.cz",
            "Lists Jana's contacts in your own mailbox and the records linked to them or "
            "mentioning her address.",
        ),
        Example(
            "ocm-tool subject search --email jana@example.cz --name 'Jana Dvořáková' "
            "--mailbox alice@contoso.com --mailbox sales@contoso.com",
            "Searches Alice's mailbox and the group sales@contoso.com, finding contacts by name "
            "too, with or without the accents.",
        ),
        Example(
            "ocm-tool subject search --email jana@example.cz --mailboxes-file mailboxes.txt "
            "--output json",
            "Searches every mailbox listed in mailboxes.txt and prints the findings as JSON.",
        ),
    ),
    permissions=_READ,
    never_touches=(
        "Anything in any mailbox: it only reads. It writes nothing but the request in the ledger."
    ),
    notes=(_ENDPOINT,),
    related=("subject export", "subject delete", "requests list"),
    pages=_PAGES,
)
EXPORT_MANUAL = Manual(
    summary="Export a data subject's OCM records: the files of export-all-data, only their rows.",
    description=(
        "Searches the scope as 'subject search' does, then writes the files of "
        "export-all-data holding only the subject's rows, byte for byte the rows "
        "export-all-data writes for those records, into one new folder "
        "`<address>_<yyyyMMddTHHmmssffff>` under `--output-dir` (one sub-folder per mailbox "
        "when the scope has several). Each `manifest.json` names the request; `report.html` "
        "says what was searched and found, and the rows and SHA-256 of each file.",
        '`--me` is "export my data": every OCM record of your own mailbox, no search.',
        _MATCHING,
        _SCOPE,
        _ORPHANS,
        _LEDGER,
    ),
    examples=(
        Example(
            "ocm-tool subject export --email jana@example.cz --output-dir requests",
            "Exports Jana's records in your own mailbox into a new folder under requests, "
            "ready to hand over.",
        ),
        Example(
            "ocm-tool subject export --email jana@example.cz --mailbox sales@contoso.com "
            "--include-orphans",
            "Exports her records from the group's mailbox, also when her contact is gone and "
            "only activities about her remain.",
        ),
        Example(
            "ocm-tool subject export --me",
            "Exports every OCM record of your own mailbox, as the privacy portal's \"export my "
            'data" did.',
        ),
    ),
    permissions=_READ,
    never_touches=(
        "Anything in any mailbox: it only reads. It writes only inside the request's new folder "
        "and the ledger."
    ),
    notes=(_ENDPOINT,),
    related=("subject search", "subject delete", "export-all-data", "requests list"),
    pages=_PAGES,
)
DELETE_MANUAL = Manual(
    summary="Delete a data subject's OCM records, and prove they are gone.",
    description=(
        "Searches the scope as 'subject search' does and shows exactly what will be deleted "
        "and what is kept, then asks you to type the subject's address (`--yes` for scripts; "
        "refused without a terminal). Records are deleted for good (hard delete) in JSON "
        "batches and read again afterwards; in a mailbox on hold they wait in Recoverable "
        "Items until the hold ends, and the report says so.",
        "A record also linked to another contact (a deal or company of several people) is kept "
        "and listed unless `--include-shared`. `--export-first` exports the records first (into "
        "`export/` of the request's folder) and deletes only if that export is complete. "
        "`report.html` goes to a new folder `<address>_<yyyyMMddTHHmmssffff>` under "
        "`--output-dir`.",
        _MATCHING,
        _SCOPE,
        _ORPHANS,
        _LEDGER,
    ),
    examples=(
        Example(
            "ocm-tool subject delete --email jana@example.cz --export-first",
            "Shows what of Jana's goes and what stays, asks for her address, exports her "
            "records, then deletes them.",
        ),
        Example(
            "ocm-tool subject delete --email jana@example.cz --mailboxes-file mailboxes.txt --yes",
            "Deletes her records in every mailbox listed without asking, as a script would; "
            "shared records stay.",
        ),
        Example(
            "ocm-tool subject delete --email jana@example.cz --include-shared --include-orphans",
            "Deletes her records, the shared ones too, also when her contact is already gone.",
        ),
    ),
    permissions=(
        "Write access to each mailbox of the scope: your own, a Microsoft 365 group you are a "
        "member of, one you hold FullAccess on, or any with app-only sign-in "
        "(`full_access_as_app`)."
    ),
    never_touches=(
        "Anything but the subject's records: other people's records, the shared records kept, "
        "the user's own contacts, mail and tasks all stay."
    ),
    notes=(_ENDPOINT,),
    related=("subject search", "subject export", "requests retry"),
    pages=_PAGES,
)
SUBJECT_MANUAL = Manual(
    summary="Find one person's OCM records, export them, or delete them (GDPR/CCPA requests).",
    description=(
        "What OCM's privacy portal did for a data subject request: 'subject search' finds a "
        "business contact's or customer's records by e-mail address and name, 'subject export' "
        "writes them to files, 'subject delete' erases them; 'subject export --me' exports your "
        "own data.",
        _LEDGER,
    ),
    examples=(
        Example(
            "ocm-tool subject search --email jana@example.cz",
            "Lists Jana's records in your own mailbox and why each is hers.",
        ),
        Example(
            "ocm-tool subject delete --email jana@example.cz --export-first",
            "Exports Jana's records, then deletes them after you type her address.",
        ),
    ),
    permissions=_READ + " Deleting needs write access to them.",
    never_touches=("Anything but the subject's records; search and export only read."),
    notes=(_ENDPOINT,),
    related=("subject search", "subject export", "subject delete", "requests"),
    pages=_PAGES,
    subcommands={"search": SEARCH_MANUAL, "export": EXPORT_MANUAL, "delete": DELETE_MANUAL},
)


def _options(*decorators: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(function: Any) -> Any:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


_EMAIL = click.option("--email", metavar="ADDRESS", help="The subject's e-mail address.")
_NAME = click.option(
    "--name", metavar="NAME", help="The subject's name (contacts match by name too)."
)
_MAILBOX = click.option(
    "--mailbox",
    "mailboxes",
    metavar="ADDRESS",
    multiple=True,
    help="A user or group mailbox to search (repeatable) [default: your own].",
)
_MAILBOXES_FILE = click.option(
    "--mailboxes-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Search every mailbox listed (one address a line, or a CSV with an 'address' column).",
)
_OUTPUT_DIR = click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where the request's folder is created.",
)
_ENCODING = click.option(
    "--encoding",
    type=click.Choice(["utf-8-sig", "utf-8"]),
    default="utf-8-sig",
    show_default=True,
    help="CSV encoding; utf-8-sig has the BOM Excel needs.",
)
_INCLUDE_ORPHANS = click.option(
    "--include-orphans",
    is_flag=True,
    help="Go on without asking when no contact matches but records mention the subject.",
)


def _scope(mailboxes: tuple[str, ...], mailboxes_file: Path | None) -> tuple[str | None, ...]:
    from ocm_tool.errors import UsageError
    from ocm_tool.mailboxes.addresses import read_mailbox_list

    if mailboxes and mailboxes_file:
        raise UsageError("give either --mailbox or --mailboxes-file, not both")
    if mailboxes_file is not None:
        return tuple(read_mailbox_list(mailboxes_file))
    if mailboxes:
        return tuple(dict.fromkeys(mailboxes))  # in order, once each
    return (None,)


def run_attempt(
    runtime: Runtime,
    ledger: Ledger,
    request: Request,
    parameters: SubjectParameters,
    reply: Reply,
) -> None:
    """Run one attempt of ``request``, show it, and give ``reply`` (of the command's
    ``respond``, which ends the run) its outcome and status."""
    from ocm_tool.subject.request import run_request
    from ocm_tool.ui.subject_view import TerminalSubjectView, show_subject_result

    view = TerminalSubjectView(runtime.console, terminal())
    formats = table_formats([parameters.formats], parameters.encoding)
    try:
        outcome = run_request(runtime, ledger, request, parameters, view, formats=formats)
    finally:
        # Also when the attempt was stopped: what was done comes before the error line.
        if view.outcome is not None:
            show_subject_result(runtime.console, view.outcome)
            reply.result = view.outcome.to_json()
    reply.status = outcome.exit_status


def _submit(runtime: Runtime, parameters: SubjectParameters, command: str) -> None:
    from ocm_tool.ledger import Ledger
    from ocm_tool.subject.parameters import check
    from ocm_tool.subject.request import new_request

    with respond(runtime, command) as reply:
        check(runtime.settings, parameters)
        runtime.require_endpoint()  # a command that cannot reach any service is no request
        with Ledger() as ledger:
            request = new_request(ledger, parameters)
            run_attempt(runtime, ledger, request, parameters, reply)


def _format_names(chosen: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """``--format`` as the ledger keeps it: each name once, in order; csv when none."""
    return tuple(dict.fromkeys(name for group in chosen for name in group)) or ("csv",)


def _parameters(kind: str, **values: Any) -> SubjectParameters:
    from ocm_tool.ledger import RequestKind
    from ocm_tool.subject.parameters import SubjectParameters

    output_dir = values.pop("output_dir", None)
    return SubjectParameters(
        kind=RequestKind(kind),
        # Where the request's folders go, whatever the directory of a later retry.
        output_dir=str(Path(output_dir).resolve()) if output_dir is not None else ".",
        **values,
    )


@click.group("subject", context_settings=CONTEXT_SETTINGS)
def subject() -> None:
    """The data subject request commands."""


@subject.command("search", context_settings=CONTEXT_SETTINGS)
@_options(_EMAIL, _NAME, _MAILBOX, _MAILBOXES_FILE)
@pass_runtime
def search(
    runtime: Runtime,
    email: str | None,
    name: str | None,
    mailboxes: tuple[str, ...],
    mailboxes_file: Path | None,
) -> None:
    parameters = _parameters(
        "search", email=email, name=name, mailboxes=_scope(mailboxes, mailboxes_file)
    )
    _submit(runtime, parameters, "subject search")


@subject.command("export", context_settings=CONTEXT_SETTINGS)
@_options(_EMAIL, _NAME)
@click.option("--me", is_flag=True, help="Export your own data: every record of your mailbox.")
@_options(_MAILBOX, _MAILBOXES_FILE, _OUTPUT_DIR, _ENCODING, _INCLUDE_ORPHANS)
@pass_runtime
def export(
    runtime: Runtime,
    email: str | None,
    name: str | None,
    me: bool,
    mailboxes: tuple[str, ...],
    mailboxes_file: Path | None,
    output_dir: Path,
    encoding: str,
    include_orphans: bool,
    table_formats: tuple[tuple[str, ...], ...],
) -> None:
    parameters = _parameters(
        "export",
        formats=_format_names(table_formats),
        email=email,
        name=name,
        me=me,
        mailboxes=_scope(mailboxes, mailboxes_file),
        output_dir=output_dir,
        encoding=encoding,
        include_orphans=include_orphans,
    )
    _submit(runtime, parameters, "subject export")


@subject.command("delete", context_settings=CONTEXT_SETTINGS)
@_options(_EMAIL, _NAME, _MAILBOX, _MAILBOXES_FILE)
@click.option("--yes", is_flag=True, help="Do not ask for the typed confirmation (for scripts).")
@click.option(
    "--include-shared", is_flag=True, help="Delete shared records too (linked to other contacts)."
)
@_options(_INCLUDE_ORPHANS)
@click.option(
    "--export-first", is_flag=True, help="Export the records first; delete only if that completed."
)
@_options(_OUTPUT_DIR, _ENCODING)
@pass_runtime
def delete(
    runtime: Runtime,
    email: str | None,
    name: str | None,
    mailboxes: tuple[str, ...],
    mailboxes_file: Path | None,
    yes: bool,
    include_shared: bool,
    include_orphans: bool,
    export_first: bool,
    output_dir: Path,
    encoding: str,
    table_formats: tuple[tuple[str, ...], ...],
) -> None:
    parameters = _parameters(
        "delete",
        formats=_format_names(table_formats),
        email=email,
        name=name,
        mailboxes=_scope(mailboxes, mailboxes_file),
        output_dir=output_dir,
        encoding=encoding,
        yes=yes,
        include_shared=include_shared,
        include_orphans=include_orphans,
        export_first=export_first,
    )
    _submit(runtime, parameters, "subject delete")


# ``--format`` as the export commands take it: the tables of an export in CSV, a workbook, or both.
for _command in (export, delete):
    _command.params.insert(-1, format_option())
