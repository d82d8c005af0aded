"""The requests ledger commands: ``requests list``, ``requests show ID``, ``requests retry ID``.

``list`` and ``show`` read the ledger and never sign in; ``retry`` runs a failed request again
with the parameters it was made with (``subject_commands.run_attempt``). Each ends through
``_output.respond``: with ``--output json`` the requests are the document's result. Only click
is imported at start-up.
"""

from __future__ import annotations

import click

from ocm_tool.cli._context import CONTEXT_SETTINGS, pass_runtime
from ocm_tool.cli._help import Example, Manual
from ocm_tool.cli._output import respond
from ocm_tool.cli.subject_commands import run_attempt
from ocm_tool.errors import ExitStatus
from ocm_tool.runtime import Runtime

STATUSES = ("Queued", "Processing", "Completed", "Failed")
_WHERE = (
    "The ledger is `requests.sqlite` in your data directory (on Linux `$XDG_DATA_HOME/ocm-tool`, "
    "by default `~/.local/share/ocm-tool`), readable by you only."
)
_LEDGER_ONLY = "Only the ledger file, which it reads; it asks nothing of the service."
_PAGES = ("subject-requests.md",)

LIST_MANUAL = Manual(
    summary="List the data subject requests, oldest first.",
    description=(
        "One line per request: its id, kind (search, export, delete), status (Queued, "
        "Processing, Completed, Failed), subject, scope, when it ended and its counts. "
        "`--status` keeps the requests of one status; with `--output json` the document's "
        "result holds them in full (`requests`), attempts included, for a script.",
        _WHERE,
    ),
    examples=(
        Example("ocm-tool requests list", "Lists every request made from this account."),
        Example(
            "ocm-tool requests list --status failed --output json",
            "Prints the failed requests as JSON, to retry them from a script.",
        ),
    ),
    permissions="None: the ledger is yours.",
    never_touches=_LEDGER_ONLY,
    exit_statuses=(ExitStatus.OK, ExitStatus.USAGE),
    related=("requests show", "requests retry", "subject search"),
    pages=_PAGES,
)
SHOW_MANUAL = Manual(
    summary="Show one data subject request: what it asks, and each attempt.",
    description=(
        "The request's kind, subject, scope and creation, then each attempt: its status, "
        "start and end, operator (the signed-in account and the local user), endpoint, counts, "
        "folder and error.",
    ),
    examples=(
        Example("ocm-tool requests show 12", "Shows request 12 and every attempt made of it."),
        Example(
            "ocm-tool requests show 12 --output json",
            "Prints request 12 as JSON, with its parameters and attempts.",
        ),
    ),
    permissions="None: the ledger is yours.",
    never_touches=_LEDGER_ONLY,
    exit_statuses=(ExitStatus.OK, ExitStatus.USAGE),
    related=("requests list", "requests retry"),
    pages=_PAGES,
    arguments={"request_id": "The id of the request, as 'requests list' shows it."},
)
RETRY_MANUAL = Manual(
    summary="Run a Failed data subject request again, with the parameters it was made with.",
    description=(
        "Runs the request again as it was asked (subject, scope, options; a "
        "`--mailboxes-file` as it was read then). It keeps its id and gets a new attempt, "
        "which searches again: a delete stopped half-way deletes what remains, an export "
        "writes a new folder. Only a Failed request is tried again.",
        "`--yes` and `--include-orphans` add those answers to a request made without them (a "
        "retry from a script). The global options (`--endpoint`, sign-in) are this run's.",
    ),
    examples=(
        Example(
            "ocm-tool requests retry 12", "Runs the failed request 12 again until it completes."
        ),
        Example(
            "ocm-tool requests retry 12 --yes",
            "Runs the failed delete 12 again from a script, without the typed confirmation.",
        ),
    ),
    permissions="What the request's own command needs (its page says).",
    never_touches="Anything the request's own command would not touch.",
    related=("requests list", "subject delete", "subject export"),
    pages=_PAGES,
    arguments={"request_id": "The id of the Failed request, as 'requests list' shows it."},
)
REQUESTS_MANUAL = Manual(
    summary="The data subject requests made from this account: list, show, retry.",
    description=(
        "Every 'subject search', 'subject export' and 'subject delete' is a request with an "
        "id, kept with its kind, subject, scope, status (Queued, Processing, Completed, "
        "Failed), times, counts, error, folder and operator.",
        _WHERE,
    ),
    examples=(
        Example("ocm-tool requests list", "Lists the requests and their statuses."),
        Example("ocm-tool requests retry 12", "Runs the failed request 12 again."),
    ),
    permissions="None to read the ledger; a retry needs what its request needs.",
    never_touches="Anything a request's own command would not touch.",
    related=("requests list", "requests show", "requests retry", "subject"),
    pages=_PAGES,
    subcommands={"list": LIST_MANUAL, "show": SHOW_MANUAL, "retry": RETRY_MANUAL},
)


@click.group("requests", context_settings=CONTEXT_SETTINGS)
def requests_group() -> None:
    """The requests ledger commands."""


@requests_group.command("list", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--status",
    type=click.Choice(STATUSES, case_sensitive=False),
    help="Only the requests with this status.",
)
@pass_runtime
def list_requests(runtime: Runtime, status: str | None) -> None:
    from ocm_tool.ledger import Ledger, RequestStatus
    from ocm_tool.ui.subject_view import show_requests

    with respond(runtime, "requests list") as reply:
        with Ledger() as ledger:
            found = ledger.requests(RequestStatus.parse(status) if status else None)
        show_requests(runtime.console, found)
        reply.done({"requests": [r.to_json() for r in found]}, ExitStatus.OK)


@requests_group.command("show", context_settings=CONTEXT_SETTINGS)
@click.argument("request_id", metavar="ID", type=int)
@pass_runtime
def show(runtime: Runtime, request_id: int) -> None:
    from ocm_tool.ledger import Ledger
    from ocm_tool.ui.subject_view import show_request

    with respond(runtime, "requests show") as reply:
        with Ledger() as ledger:
            request = ledger.get(request_id)
        show_request(runtime.console, request)
        reply.done(request.to_json(), ExitStatus.OK)


@requests_group.command("retry", context_settings=CONTEXT_SETTINGS)
@click.argument("request_id", metavar="ID", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for the typed confirmation of a delete.")
@click.option(
    "--include-orphans",
    is_flag=True,
    help="Go on without asking when no contact matches but records mention the subject.",
)
@pass_runtime
def retry(runtime: Runtime, request_id: int, yes: bool, include_orphans: bool) -> None:
    from ocm_tool.errors import UsageError
    from ocm_tool.ledger import Ledger, RequestStatus
    from ocm_tool.subject.parameters import SubjectParameters, check

    with respond(runtime, "requests retry") as reply, Ledger() as ledger:
        request = ledger.get(request_id)
        if request.status is not RequestStatus.FAILED:
            raise UsageError(
                f"request {request_id} is {request.status}: only a Failed request is tried again",
                hint="'ocm-tool requests list --status failed' shows those that can be",
            )
        stored = SubjectParameters.from_json(request.parameters)
        parameters = stored.but(
            yes=stored.yes or yes, include_orphans=stored.include_orphans or include_orphans
        )
        check(runtime.settings, parameters)
        runtime.require_endpoint()
        run_attempt(runtime, ledger, request, parameters, reply)
