"""How every command ends: text for people, or one JSON document on stdout (``--output json``).

The one mechanism, for every command (those of other modules too)::

    with respond(runtime, "export-all-data") as reply:
        report = run_export(...)               # human output goes to runtime.console
        reply.done(report.to_json(), report.exit_status, error=report.error)

Contract of :func:`respond`:

- ``--output text``: nothing is added to what the command printed; with ``--quiet`` the
  result's ``runDir`` (when it has one) is printed alone, so a script need not look for it.
- ``--output json``: exactly one document goes to stdout (:func:`envelope`, schema in
  ``docs/json-output.md``), whatever happens: the result the command gave ``reply.done``, the
  error that ended it (also an error raised before it had a result), and the exit code.
  Human output (``runtime.console``) goes to stderr then, so stdout holds JSON alone.
- Then the run ends: with the result's exit status, or by re-raising the error (the root group
  prints its one line on stderr and exits with its status; it sends no second document).

Errors that happen before any command runs (bad settings, say) are sent by the root group
through :func:`send_error`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click

from ocm_tool import __version__
from ocm_tool.cli._context import exit_with
from ocm_tool.errors import ApiError, ExitStatus, OcmError
from ocm_tool.runtime import Runtime

#: The document's format version; a field is added without changing it, never renamed.
SCHEMA = 1
#: ``click.Context.meta`` keys (of the root context): the output format, and whether the
#: document was sent. The emulator's commands read the first (they import nothing of ours).
OUTPUT_KEY = "ocm_tool.output"
SENT_KEY = "ocm_tool.document_sent"


def error_json(error: OcmError | None) -> dict[str, Any] | None:
    """An error as the document carries it: message, fix, type, exit code, request id."""
    if error is None:
        return None
    return {
        "message": str(error),
        "fix": error.hint,
        "type": type(error).__name__,
        "exitCode": int(error.exit_status),
        "requestId": error.trace_id if isinstance(error, ApiError) else None,
    }


def envelope(
    command: str,
    status: ExitStatus,
    result: dict[str, Any] | None,
    error: OcmError | None = None,
) -> dict[str, Any]:
    """The document: the same keys for every command; ``result`` is the command's own."""
    return {
        "schema": SCHEMA,
        "tool": "ocm-tool",
        "version": __version__,
        "command": command,
        "exitCode": int(status),
        "exitMeaning": status.meaning,
        "error": error_json(error),
        "result": result,
    }


def _send(document: dict[str, Any]) -> None:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    if root is not None:
        if root.meta.get(SENT_KEY):
            return
        root.meta[SENT_KEY] = True
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


def json_requested(ctx: click.Context) -> bool:
    return ctx.find_root().meta.get(OUTPUT_KEY) == "json"


def send_error(ctx: click.Context, error: OcmError | None, status: ExitStatus) -> None:
    """For the root group: the document of a run that ended before its command replied."""
    if json_requested(ctx):
        _send(envelope(ctx.find_root().invoked_subcommand or "", status, None, error))


@dataclass
class Reply:
    """What a command hands :func:`respond`: its result document and exit status."""

    command: str
    result: dict[str, Any] | None = None
    status: ExitStatus = ExitStatus.OK
    error: OcmError | None = None

    def done(
        self, result: dict[str, Any], status: ExitStatus, *, error: OcmError | None = None
    ) -> None:
        """The command's result (``error``: the error that ended it, raised after sending)."""
        self.result, self.status, self.error = result, status, error


@contextmanager
def respond(runtime: Runtime, command: str) -> Iterator[Reply]:
    """Send the command's result as its output format asks, then end the run (see above)."""
    reply = Reply(command)
    try:
        yield reply
    except OcmError as error:
        if runtime.settings.json:
            _send(envelope(command, error.exit_status, reply.result, error))
        raise
    except KeyboardInterrupt:
        if runtime.settings.json:
            _send(envelope(command, ExitStatus.INTERRUPTED, reply.result))
        raise
    status = reply.error.exit_status if reply.error is not None else reply.status
    if runtime.settings.json:
        _send(envelope(command, status, reply.result, reply.error))
    elif runtime.settings.quiet and reply.result and reply.result.get("runDir"):
        click.echo(reply.result["runDir"])
    if reply.error is not None:
        raise reply.error
    exit_with(status)
