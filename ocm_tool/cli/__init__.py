"""The ``ocm-tool`` command line: parse, call one function, map errors to exit statuses.

No logic lives here. Export and purge commands are generated from the tables
``export.commands.EXPORT_OPERATIONS`` and ``purge.table.PURGE_OPERATIONS``: they keep the
names of the operations of OCM-Script.ps1 and differ only by their table row. The root group
(``_group.OcmGroup``) sorts commands into sections, loads the heavy ones lazily and turns every
``OcmError`` into one line and its exit status.

Importing this package loads click, the tables and the settings, and nothing heavy: msal,
requests, pandas and the emulator (Flask) load when a command needs them.
"""

from __future__ import annotations

from pathlib import Path

import click

from ocm_tool import __version__
from ocm_tool.cli import completion, help_command
from ocm_tool.cli._context import CONTEXT_SETTINGS
from ocm_tool.cli._group import OcmGroup
from ocm_tool.cli.account_commands import ACCOUNT_COMMANDS
from ocm_tool.cli.emulator_manual import EMULATOR_MANUAL
from ocm_tool.cli.export_commands import EXPORT_COMMANDS
from ocm_tool.cli.purge_commands import PURGE_COMMANDS
from ocm_tool.cli.request_commands import REQUESTS_MANUAL, requests_group
from ocm_tool.cli.root_manual import ROOT_MANUAL
from ocm_tool.cli.subject_commands import SUBJECT_MANUAL, subject
from ocm_tool.runtime import Runtime
from ocm_tool.settings import (
    AUTH_METHODS,
    DEFAULT_AUTHORITY,
    DEFAULT_CLIENT_ID,
    DEFAULT_CONCURRENCY,
    DEFAULT_RETRIES,
    DEFAULT_TENANT,
    Secrets,
    Settings,
    default_auth_method,
    default_token_cache,
)
from ocm_tool.ui import make_console, stdio_is_interactive


@click.group(
    cls=OcmGroup,
    manual=ROOT_MANUAL,
    context_settings={**CONTEXT_SETTINGS, "auto_envvar_prefix": "OCM"},
)
@click.version_option(
    __version__, prog_name="ocm-tool", allow_from_autoenv=False, help="Show the version and exit."
)
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
    show_default="certificate with --certificate, client-secret with OCM_CLIENT_SECRET, "
    "password with OCM_PASSWORD, else device-code",
    help="How to sign in.",
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
    show_default="msal_token_cache.bin in the user's cache directory",
    help="Token cache file.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="Requests in flight per mailbox (Exchange allows 4), and mailboxes purged at once.",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 20),
    default=DEFAULT_RETRIES,
    show_default=True,
    help="How often a throttled or failed call is tried again before the run gives up.",
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
    retries: int,
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
        retries=retries,
        quiet=quiet,
        interactive=stdio_is_interactive(),
        secrets=secrets,
    )
    if demo:
        from ocm_tool.cli.demo import (
            demo_notice,
            demo_settings,
        )  # the emulator starts only when asked

        settings = ctx.with_resource(demo_settings(settings, explicit_auth=auth_method is not None))
    runtime = Runtime(settings=settings, console=make_console(quiet=quiet))
    if demo and not quiet:
        runtime.err_console.print(
            demo_notice(settings), highlight=False, markup=False, soft_wrap=True
        )
    ctx.call_on_close(runtime.close)
    ctx.obj = runtime


for _command, _manual in EXPORT_COMMANDS:
    cli.add_command(_command, section="Export operations", manual=_manual)
for _command, _manual in PURGE_COMMANDS:
    cli.add_command(_command, section="Purge operations", manual=_manual)
for _command, _manual in ACCOUNT_COMMANDS:
    cli.add_command(_command, section="Sign-in", manual=_manual)
cli.add_command(subject, section="Data subject requests", manual=SUBJECT_MANUAL)
cli.add_command(requests_group, section="Requests", manual=REQUESTS_MANUAL)
cli.add_lazy(
    "emulator", "ocm_tool.emulator.cli:emulator", section="Emulator", manual=EMULATOR_MANUAL
)
cli.add_command(help_command.help_command, section="Help", manual=help_command.MANUAL)
cli.add_command(completion.completion, section="Help", manual=completion.MANUAL)


def main() -> None:
    """Console-script entry point."""
    from ocm_tool.cli._signals import the_process_ends_with_the_command

    the_process_ends_with_the_command()
    cli(prog_name="ocm-tool")
