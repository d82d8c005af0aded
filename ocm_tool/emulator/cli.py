"""``ocm-tool emulator``: ``seed`` writes a tenant file, ``serve`` runs the emulator over HTTPS.

Contract:

- ``seed --out FILE [--seed N] [--users N] ...`` writes ``write_tenant(SeedOptions(...))`` and
  prints one summary line. Its count options are generated from ``SeedOptions``' fields.
- ``serve`` starts ``server.running_emulator`` with the tenant of ``--tenant``; with no
  ``--tenant`` it serves the data of an existing ``--db`` store, or else the sample tenant
  (``generate_tenant(SeedOptions())``). It prints ``EmulatorHandle.banner()`` (``api:``,
  ``authority:``, ``tenant:``, ``ca-bundle:`` lines) on stdout, flushes, serves until SIGTERM
  or Ctrl-C and exits 0. The TLS files live in a temporary directory (next to ``--db`` when
  given) that is removed at exit, so a CA bundle never outlives its server.
- Fault flags map one to one to ``faults.FaultConfig`` fields (``_FAULT_FLAGS``).
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

import click

from ocm_tool import __version__
from ocm_tool.emulator.faults import FaultConfig
from ocm_tool.emulator.models.store import Store
from ocm_tool.emulator.seed import SeedOptions, generate_tenant, write_tenant

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
_RATE = click.FloatRange(0.0, 1.0)
_SECONDS = click.FloatRange(min=0.0)


@dataclass(frozen=True)
class _FaultFlag:
    """A ``serve`` option and the ``FaultConfig`` field it sets."""

    flag: str
    field: str
    type: click.ParamType
    help: str
    multiple: bool = False


_FAULT_FLAGS: tuple[_FaultFlag, ...] = (
    _FaultFlag(
        "--throttle-rate",
        "throttle_rate",
        _RATE,
        "Fraction of API calls answered 429 TooManyRequests with Retry-After.",
    ),
    _FaultFlag(
        "--unavailable-rate",
        "unavailable_rate",
        _RATE,
        "Fraction of API calls answered 503 ServiceUnavailable with Retry-After.",
    ),
    _FaultFlag(
        "--gateway-timeout-rate",
        "gateway_timeout_rate",
        _RATE,
        "Fraction of API calls answered 504 GatewayTimeout.",
    ),
    _FaultFlag(
        "--drop-rate",
        "drop_rate",
        _RATE,
        "Fraction of API calls whose connection is dropped without an answer.",
    ),
    _FaultFlag(
        "--retry-after",
        "retry_after",
        _SECONDS,
        "Seconds of the Retry-After header sent with 429 and 503.",
    ),
    _FaultFlag(
        "--latency",
        "latency",
        _SECONDS,
        "Seconds added to every API round trip (a $batch is one, whatever it carries).",
    ),
    _FaultFlag(
        "--max-concurrent",
        "max_concurrent",
        click.IntRange(min=1),
        "Requests in flight per mailbox and app before 429 (Exchange allows 4).",
    ),
    _FaultFlag(
        "--budget",
        "budget",
        click.IntRange(min=1),
        "Requests per mailbox per window before 429 (Exchange: 10000).",
    ),
    _FaultFlag(
        "--budget-window",
        "budget_window",
        click.FloatRange(min=0.0, min_open=True),
        "Seconds of the budget window (Exchange: 600).",
    ),
    _FaultFlag("--fault-seed", "seed", click.INT, "Seed for repeatable fault sequences."),
    _FaultFlag(
        "--fault-path",
        "paths",
        click.STRING,
        "Inject faults only on API paths containing this text (repeatable).",
        multiple=True,
    ),
)


def _fault_options(command: F) -> F:
    """Add one option per ``_FAULT_FLAGS`` row; their values arrive as ``fault_<field>``."""
    defaults = FaultConfig()
    for row in reversed(_FAULT_FLAGS):
        default = getattr(defaults, row.field)
        command = click.option(
            row.flag,
            f"fault_{row.field}",
            type=row.type,
            multiple=row.multiple,
            default=tuple(default) if row.multiple else default,
            show_default=default not in (None, [], 0.0),
            help=row.help,
        )(command)
    return command


def _fault_config(options: dict[str, Any]) -> FaultConfig:
    values = {row.field: options.pop(f"fault_{row.field}") for row in _FAULT_FLAGS}
    values["paths"] = list(values["paths"])
    return FaultConfig(**values)


def _seed_options(command: F) -> F:
    """Add ``--seed`` and one count option per ``SeedOptions`` field, help from its metadata."""
    for spec in reversed(fields(SeedOptions)):
        kind = (
            click.INT
            if spec.name == "seed"
            else click.IntRange(min=1 if spec.name == "users" else 0)
        )
        command = click.option(
            f"--{spec.name}",
            type=kind,
            default=spec.default,
            show_default=True,
            metavar="N",
            help=spec.metadata["help"],
        )(command)
    return command


@click.group(context_settings=CONTEXT_SETTINGS)
def emulator() -> None:
    """Run the built-in emulator of the OCM service.

    Its help pages (examples, notes) are written in ``ocm_tool.cli.emulator_manual``: this
    package imports nothing of the client side.

    The emulator is a real HTTPS server over SQLite with an OAuth endpoint that msal signs in
    to, serving the API of docs/emulator.md, so ocm-tool (and any client) runs offline.
    """


@emulator.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    metavar="FILE",
    help="The tenant file to write (replaced when it exists).",
)
@_seed_options
def seed(out: Path, **options: int) -> None:
    """Write a deterministic tenant file for 'ocm-tool emulator serve --tenant'.

    The same options write the same bytes. Counts are totals for the tenant: with groups, half
    of each (rounded down) is shared and lives in the group mailboxes, the rest is private and
    split over the regular users' mailboxes. The file is streamed record by record, so large
    tenants need little memory. Users, passwords and apps are listed in docs/emulator.md.
    """
    summary = write_tenant(SeedOptions(**options), out)
    if _wants_json():
        click.echo(_document("emulator seed", {"path": str(out), "summary": summary.line()}))
    else:
        click.echo(summary.line())


@emulator.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--tenant",
    "tenant_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Tenant file to serve; replaces the data of --db.",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PATH",
    help="SQLite store to keep the data in across restarts [default: a temporary one].",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port to listen on; 0 picks a free one.",
)
@click.option(
    "--token-lifetime",
    type=click.IntRange(min=1),
    default=3600,
    show_default=True,
    metavar="SECONDS",
    help="Lifetime of the access tokens issued.",
)
@click.option(
    "--auto-approve-device-codes",
    "auto_approve",
    metavar="UPN",
    help="Sign this user in for every device code, as if done in a browser.",
)
@click.option(
    "--shell",
    type=click.Choice(["posix", "powershell", "cmd"]),
    default="powershell" if os.name == "nt" else "posix",
    show_default="powershell on Windows, else posix",
    help="The shell the printed OCM_* variables are written for.",
)
@_fault_options
def serve(
    tenant_file: Path | None,
    db: Path | None,
    host: str,
    port: int,
    token_lifetime: int,
    auto_approve: str | None,
    shell: str,
    **options: Any,
) -> None:
    """Serve the OCM API and its sign-in endpoints over HTTPS until stopped.

    With --tenant, the tenant file is loaded (into --db when given). Without it, an existing
    --db store is served with the data it holds, and otherwise the sample tenant of
    'ocm-tool emulator seed' with its default options. Four lines are printed: the API base
    (api:), the authority (authority:, which --authority takes as it is), the tenant
    (tenant:) and the CA bundle to trust (ca-bundle:); then the OCM_ENDPOINT, OCM_AUTHORITY
    and OCM_CA_BUNDLE lines to paste into a shell (--shell) so that ocm-tool uses it.
    The CA bundle lives in a temporary directory (next to --db when given), removed when the
    server stops. Stop it with Ctrl-C or SIGTERM; it exits 0.
    Fault options inject throttling, failures and Exchange's limits into the API calls.
    """
    faults = _fault_config(options)
    # SIGTERM stops the server like Ctrl-C, at any moment (loading included); every context
    # on the way out cleans up: the store rolls back or closes, the workdir is removed.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        _serve_until_stopped(
            tenant_file,
            db,
            faults,
            shell,
            host=host,
            port=port,
            token_lifetime=token_lifetime,
            auto_approve_as=auto_approve,
        )
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _wants_json() -> bool:
    """``ocm-tool --output json emulator ...``: the root group's choice (read from its
    context's ``meta``, as the emulator imports nothing of the client side)."""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.find_root().meta.get("ocm_tool.output") == "json"


def _document(command: str, result: dict[str, Any]) -> str:
    """The ``--output json`` document of an emulator command (docs/json-output.md)."""
    return json.dumps(
        {
            "schema": 1,
            "tool": "ocm-tool",
            "version": __version__,
            "command": command,
            "exitCode": 0,
            "exitMeaning": "everything requested was done",
            "error": None,
            "result": result,
        },
        indent=2,
    )


def environment(api: str, authority: str, ca_bundle: Path) -> dict[str, str]:
    """The ``OCM_*`` variables that point ocm-tool at a server (the tenant is in the authority)."""
    return {"OCM_ENDPOINT": api, "OCM_AUTHORITY": authority, "OCM_CA_BUNDLE": str(ca_bundle)}


def environment_lines(values: dict[str, str], shell: str) -> list[str]:
    """``values`` as lines to paste into ``shell`` (``posix``, ``powershell`` or ``cmd``)."""
    if shell == "powershell":
        return [
            f"$env:{name} = '{value.replace(chr(39), chr(39) * 2)}'"
            for name, value in values.items()
        ]
    if shell == "cmd":
        return [f'set "{name}={value}"' for name, value in values.items()]
    return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


def _serve_until_stopped(
    tenant_file: Path | None,
    db: Path | None,
    faults: FaultConfig,
    shell: str,
    **server_options: Any,
) -> None:
    """Serve, print the banner, and block until ``KeyboardInterrupt`` (Ctrl-C or SIGTERM)."""
    # Flask and Werkzeug load here, not with the command group: 'emulator --help' and 'seed'
    # stay quick.
    from ocm_tool.emulator.server import running_emulator

    tenant = (
        tenant_file if tenant_file is not None else None if _holds_tenant(db) else generate_tenant()
    )
    if db is not None:
        db.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(
            prefix="ocm-emulator-", dir=db.parent if db else None
        ) as workdir,
        _refused_as_usage("--tenant"),
        running_emulator(tenant, db=db, faults=faults, workdir=workdir, **server_options) as handle,
    ):
        variables = environment(handle.api, handle.authority, handle.ca_bundle)
        if _wants_json():
            banner = {
                "api": handle.api,
                "authority": handle.authority,
                "tenant": handle.tenant,
                "caBundle": str(handle.ca_bundle),
                "environment": variables,
            }
            click.echo(_document("emulator serve", banner))
        else:
            click.echo(handle.banner())
            click.echo(f"\n# To point ocm-tool at it, paste ({shell}):")
            for line in environment_lines(variables, shell):
                click.echo(line)
        sys.stdout.flush()
        click.echo(f"Serving until Ctrl-C or SIGTERM; {workdir} is removed then.", err=True)
        threading.Event().wait()


@contextmanager
def _refused_as_usage(option: str) -> Iterator[None]:
    """A malformed tenant (``ValueError`` of the loader, one line) is a bad ``option``: exit 2."""
    try:
        yield
    except ValueError as problem:
        raise click.BadParameter(str(problem), param_hint=option) from None


def _holds_tenant(db: Path | None) -> bool:
    """Whether ``db`` is an existing store with at least one mailbox."""
    if db is None or not db.is_file() or db.stat().st_size == 0:
        return False
    try:
        store = Store(db)
    except sqlite3.DatabaseError as problem:
        raise click.BadParameter(
            f"{db} is not an emulator store ({problem})", param_hint="--db"
        ) from None
    try:
        return bool(store.mailboxes())
    finally:
        store.close()


@emulator.command("reset-demo", context_settings=CONTEXT_SETTINGS)
def reset_demo_command() -> None:
    """Forget what --demo runs did: the next --demo starts from the sample tenant again.

    The demo keeps its tenant in the user's data directory between runs (so that a purge
    shows in the next export); this removes it.
    """
    from ocm_tool.emulator.demo import demo_store, reset_demo

    store = demo_store()
    removed = reset_demo(store)
    if _wants_json():
        click.echo(
            _document(
                "emulator reset-demo",
                {"path": str(store), "removed": [str(path) for path in removed]},
            )
        )
    elif removed:
        click.echo(f"Removed the demo tenant: {store}")
    else:
        click.echo(f"No demo tenant to remove at {store}")
