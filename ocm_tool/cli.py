"""The ``ocm-tool`` command line: parse, call one function, map errors to exit codes.

No logic lives here. Export and purge commands are generated from the tables in
``export.EXPORT_COMMANDS`` and ``purge.PURGE_OPERATIONS``: they keep the names of the
operations of OCM-Script.ps1 and differ only by their table row.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from ocm_tool import __version__, auth, export, purge
from ocm_tool.emulator.cli import emulator
from ocm_tool.errors import EXIT_INTERRUPTED, EXIT_OK, OcmError
from ocm_tool.runtime import Runtime
from ocm_tool.settings import (
    AUTH_METHODS,
    DEFAULT_AUTHORITY,
    DEFAULT_CLIENT_ID,
    DEFAULT_CONCURRENCY,
    DEFAULT_TENANT,
    Secrets,
    Settings,
    default_auth_method,
    default_token_cache,
)
from ocm_tool.ui import make_console, print_error, stdio_is_interactive

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class OcmGroup(click.Group):
    """The root group: lists operations in the script's two groups and maps errors to exits."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OcmError as error:
            print_error(_err_console(ctx), error)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            print_error(_err_console(ctx), "interrupted; only whole files were left behind")
            ctx.exit(EXIT_INTERRUPTED)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            section = (
                "Export operations"
                if name.startswith("export-")
                else "Purge operations"
                if name.startswith("purge-")
                else "Other commands"
            )
            sections.setdefault(section, []).append((name, command.get_short_help_str(80)))
        for section in ("Export operations", "Purge operations", "Other commands"):
            if sections.get(section):
                with formatter.section(section):
                    formatter.write_dl(sections[section])

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # table order, as the script listed its operations


def _err_console(ctx: click.Context) -> Console:
    runtime = ctx.find_object(Runtime)
    return runtime.err_console if runtime else Console(stderr=True)


@click.group(
    cls=OcmGroup,
    context_settings={**CONTEXT_SETTINGS, "auto_envvar_prefix": "OCM"},
    epilog="Every option can also be set by an environment variable named after it "
    "(--ca-bundle: OCM_CA_BUNDLE). Secrets come only from OCM_PASSWORD, OCM_CLIENT_SECRET, "
    "OCM_CERTIFICATE_PASSWORD or a prompt. Run 'ocm-tool COMMAND --help' for a command's help.",
)
@click.version_option(__version__, prog_name="ocm-tool")
@click.option(
    "--endpoint", metavar="URL", help="Base URL of the OCM API, e.g. https://host/api/v1."
)
@click.option(
    "--authority",
    default=DEFAULT_AUTHORITY,
    show_default=True,
    metavar="URL",
    help="Sign-in authority host, without the tenant.",
)
@click.option(
    "--tenant",
    default=DEFAULT_TENANT,
    show_default=True,
    help="Tenant name or id (app-only sign-in needs the real one).",
)
@click.option(
    "--client-id",
    default=DEFAULT_CLIENT_ID,
    show_default=True,
    metavar="GUID",
    help="Application (client) id registered in the tenant.",
)
@click.option(
    "--auth",
    "auth_method",
    type=click.Choice(AUTH_METHODS),
    default=None,
    envvar="OCM_AUTH",
    help="How to sign in [default: certificate with --certificate, client-secret with "
    "OCM_CLIENT_SECRET, password with OCM_PASSWORD, else device-code].",
)
@click.option(
    "--username", metavar="UPN", help="Account to sign in as (password and browser flows)."
)
@click.option(
    "--certificate",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PEM file with the private key and certificate (--auth certificate).",
)
@click.option(
    "--ca-bundle",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CA certificates to trust for HTTPS; wins over REQUESTS_CA_BUNDLE.",
)
@click.option(
    "--token-cache",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Token cache file [default: in the user's cache directory].",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="Requests in flight per mailbox (Exchange allows 4), and mailboxes purged at once.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option(
    "--demo", is_flag=True, help="Run against the built-in emulator with a generated sample tenant."
)
@click.pass_context
def cli(
    ctx: click.Context,
    *,
    endpoint: str | None,
    authority: str,
    tenant: str,
    client_id: str,
    auth_method: str | None,
    username: str | None,
    certificate: Path | None,
    ca_bundle: Path | None,
    token_cache: Path | None,
    concurrency: int,
    quiet: bool,
    demo: bool,
) -> None:
    """Export and purge Outlook Customer Manager (OCM) data in Microsoft 365 mailboxes.

    The operations keep the names of Microsoft's OCM-Script.ps1. Sign-in happens once per
    run and is cached between runs; exports go to a folder named after the account and time.
    """
    secrets = Secrets.from_environment()
    settings = Settings(
        endpoint=endpoint,
        authority=authority,
        tenant=tenant,
        client_id=client_id,
        auth=auth_method or default_auth_method(secrets, certificate),  # type: ignore[arg-type]
        username=username,
        certificate=certificate,
        ca_bundle=ca_bundle,
        token_cache=token_cache or default_token_cache(),
        concurrency=concurrency,
        quiet=quiet,
        interactive=stdio_is_interactive(),
        secrets=secrets,
    )
    if demo:
        from ocm_tool.demo import demo_notice, demo_settings  # the emulator starts only when asked

        settings = ctx.with_resource(demo_settings(settings, explicit_auth=auth_method is not None))
    runtime = Runtime(settings=settings, console=make_console(quiet=quiet))
    if demo and not quiet:
        runtime.err_console.print(
            demo_notice(settings), highlight=False, markup=False, soft_wrap=True
        )
    ctx.call_on_close(runtime.close)
    ctx.obj = runtime


pass_runtime = click.make_pass_decorator(Runtime)


def _finish(code: int) -> None:
    if code != EXIT_OK:
        sys.exit(code)


# Export operations: one command per row of export.EXPORT_COMMANDS.


def _export_command(spec: export.ExportCommand) -> click.Command:
    @click.command(
        spec.name, help=spec.help, epilog=spec.examples, context_settings=CONTEXT_SETTINGS
    )
    @click.option(
        "--mailbox",
        metavar="ADDRESS",
        help="User or group mailbox to export [default: the signed-in user's].",
    )
    @click.option(
        "--output-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Where the run folder is created.",
    )
    @click.option(
        "--encoding",
        type=click.Choice(["utf-8-sig", "utf-8"]),
        default="utf-8-sig",
        show_default=True,
        help="CSV encoding; utf-8-sig has the BOM Excel needs.",
    )
    @pass_runtime
    def command(runtime: Runtime, mailbox: str | None, output_dir: Path, encoding: str) -> None:
        report = export.run_export(
            runtime, spec, mailbox=mailbox, output_dir=output_dir, encoding=encoding
        )
        _finish(report.exit_code)

    return command


for _spec in export.EXPORT_COMMANDS:
    cli.add_command(_export_command(_spec))


# Purge operations: one command per row of purge.PURGE_OPERATIONS.


def _purge_command(operation: purge.PurgeOperation) -> click.Command:
    @click.command(
        operation.name,
        help=operation.help,
        epilog=operation.examples,
        context_settings=CONTEXT_SETTINGS,
    )
    @click.argument("mailbox", required=False, metavar="[ADDRESS]")
    @click.option(
        "--mailboxes-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Purge every mailbox listed (one address a line, or a CSV with an 'address' column).",
    )
    @click.option(
        "--resume",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        metavar="REPORT",
        help="Skip the mailboxes a previous purge-report.csv shows as done.",
    )
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
    @click.option("--dry-run", is_flag=True, help="Show the plan and delete nothing.")
    @click.option(
        "--soft-delete",
        is_flag=True,
        help="Move items to Recoverable Items instead of deleting them for good.",
    )
    @click.option(
        "--export-first",
        is_flag=True,
        help="Run export-all-data on each mailbox first; purge only if it completed.",
    )
    @click.option(
        "--grant-access",
        is_flag=True,
        help="Grant yourself FullAccess for the purge and always remove it afterwards.",
    )
    @click.option(
        "--output-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Where the run folder is created.",
    )
    @pass_runtime
    def command(runtime: Runtime, mailbox: str | None, **options: Any) -> None:
        outcome = purge.run_purge(
            runtime, operation, purge.PurgeOptions(mailbox=mailbox, **options)
        )
        _finish(outcome.exit_code)

    return command


for _operation in purge.PURGE_OPERATIONS:
    cli.add_command(_purge_command(_operation))


# Sign-in.


@cli.command(context_settings=CONTEXT_SETTINGS)
@pass_runtime
def login(runtime: Runtime) -> None:
    """Sign in and cache the token, so later runs sign in silently."""
    account = runtime.account or f"app {runtime.settings.client_id}"
    runtime.console.print(f"Signed in as {account}.")


@cli.command(context_settings=CONTEXT_SETTINGS)
@pass_runtime
def logout(runtime: Runtime) -> None:
    """Remove cached accounts and tokens for this authority and client id."""
    removed = auth.sign_out(runtime.settings)
    runtime.console.print(
        f"Signed out {', '.join(removed)}." if removed else "No cached account to sign out."
    )


@cli.command(context_settings=CONTEXT_SETTINGS)
@pass_runtime
def whoami(runtime: Runtime) -> None:
    """Show the signed-in account, tenant, endpoint, token expiry and permissions."""
    info = auth.sign_in_info(runtime.settings, runtime.tokens)
    expires = info.expires_at.isoformat(timespec="seconds") if info.expires_at else "unknown"
    for label, value in (
        ("account", info.account or f"app {info.client_id} (app-only)"),
        ("auth", info.auth_method),
        ("client-id", info.client_id),
        ("authority", info.authority),
        ("tenant", info.tenant),
        ("endpoint", runtime.settings.endpoint),
        ("expires", expires),
        ("permissions", " ".join(info.permissions) or "-"),
    ):
        runtime.console.print(f"{label}: {value}", highlight=False, markup=False)


cli.add_command(emulator)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ocm-tool")
