"""The ``ocm-tool`` command line: parse, call one function, map errors to exit statuses.

No logic lives here. Export and purge commands are generated from the tables
``export.commands.EXPORT_OPERATIONS`` and ``purge.table.PURGE_OPERATIONS``: they keep the
names of the operations of OCM-Script.ps1 and differ only by their table row. The global
options are generated from ``settings.keys.KEYS`` (``_globals``); the root group
(``_group.OcmGroup``) sorts commands into sections, loads the heavy ones lazily and turns every
``OcmError`` into one line and its exit status; ``_output.respond`` ends every command, in
text or as one JSON document.

Importing this package loads click, the tables and the settings, and nothing heavy: msal,
requests, pandas and the emulator (Flask) load when a command needs them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from ocm_tool import __version__
from ocm_tool.cli import completion, help_command
from ocm_tool.cli._context import CONTEXT_SETTINGS, TERMINAL_KEY
from ocm_tool.cli._globals import GlobalOption, given_options, setting_options
from ocm_tool.cli._group import OcmGroup
from ocm_tool.cli._output import OUTPUT_KEY
from ocm_tool.cli.account_commands import ACCOUNT_COMMANDS
from ocm_tool.cli.config_commands import CONFIG_ERROR_KEY, CONFIG_MANUAL, config
from ocm_tool.cli.emulator_manual import EMULATOR_MANUAL
from ocm_tool.cli.export_commands import EXPORT_COMMANDS
from ocm_tool.cli.purge_commands import PURGE_COMMANDS
from ocm_tool.cli.request_commands import REQUESTS_MANUAL, requests_group
from ocm_tool.cli.root_manual import ROOT_MANUAL
from ocm_tool.cli.subject_commands import SUBJECT_MANUAL, subject
from ocm_tool.errors import UsageError
from ocm_tool.runtime import Runtime
from ocm_tool.settings.config_file import ConfigFile
from ocm_tool.settings.resolve import (
    Resolved,
    config_location,
    profile_choice,
    resolve_settings,
)
from ocm_tool.ui import find_terminal, make_console
from ocm_tool.ui.logs import configure_logging


@click.group(
    cls=OcmGroup,
    manual=ROOT_MANUAL,
    context_settings=CONTEXT_SETTINGS,
)
@click.version_option(__version__, prog_name="ocm-tool", help="Show the version and exit.")
@setting_options
@click.option(
    "--config",
    "config_file",
    cls=GlobalOption,
    variable="OCM_CONFIG",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    show_default="config.toml in the user's config directory",
    help="The config file.",
)
@click.option(
    "--profile",
    cls=GlobalOption,
    variable="OCM_PROFILE",
    metavar="NAME",
    show_default="the config file's top level only",
    help="Use the [profiles.NAME] table of the config file too.",
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log every HTTP call to stderr (method, path, status, ms, try, request-id; retries "
    "and throttling); -vv adds headers, with tokens and secrets redacted.",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="Print nothing but errors (and the run folder's path)."
)
@click.option(
    "--demo",
    is_flag=True,
    help="Run against the built-in emulator with a sample tenant that "
    "keeps its state between runs ('ocm-tool emulator reset-demo' starts it afresh).",
)
@click.option(
    "--demo-as",
    metavar="UPN",
    help="--demo, signed in as this account of the sample tenant (e.g. admin@contoso.com).",
)
@click.pass_context
def cli(
    ctx: click.Context,
    *,
    config_file: Path | None,
    profile: str | None,
    verbose: int,
    quiet: bool,
    demo: bool,
    demo_as: str | None,
    **options: Any,
) -> None:
    """Export and purge Outlook Customer Manager (OCM) data in Microsoft 365 mailboxes.

    The operations keep the names of Microsoft's OCM-Script.ps1. Sign-in happens once per
    run and is cached between runs; exports go to a folder named after the account and time.
    """
    environ = os.environ
    given = given_options(options)
    # Known before anything can fail, so that even a bad setting is answered in JSON.
    ctx.meta[OUTPUT_KEY] = str(given.get("output") or environ.get("OCM_OUTPUT") or "").lower()
    terminal = find_terminal()
    ctx.meta[TERMINAL_KEY] = terminal
    resolved = _resolve(
        ctx, given, config_file, profile, quiet=quiet, interactive=terminal is not None
    )
    ctx.meta[OUTPUT_KEY] = resolved.settings.output.value
    ctx.call_on_close(configure_logging(verbose, resolved.settings.log_file))
    if demo or demo_as:
        from ocm_tool.cli.demo import demo_settings  # the emulator starts only when asked

        resolved = ctx.with_resource(
            demo_settings(resolved, explicit_auth="auth" in given, as_user=demo_as)
        )
    settings = resolved.settings
    runtime = Runtime(
        settings=settings,
        console=make_console(quiet=quiet, stderr=settings.json),
        err_console=make_console(stderr=True),
        resolved=resolved,
    )
    if (demo or demo_as) and not quiet:
        from ocm_tool.cli.demo import demo_notice

        runtime.err_console.print(demo_notice(settings), highlight=False, markup=False)
    ctx.call_on_close(runtime.close)
    ctx.obj = runtime


#: The commands that run whatever the config file holds (see :func:`_resolve`).
_WITHOUT_SETTINGS = ("config", "help", "completion")


def _resolve(
    ctx: click.Context,
    given: dict[str, object],
    config_file: Path | None,
    profile: str | None,
    *,
    quiet: bool,
    interactive: bool,
) -> Resolved:
    """The run's settings. For the ``config`` commands a broken config file, or a profile it
    does not have yet, is kept for them to report instead (so that ``config set`` and ``config
    unset`` can still create or repair it); ``help`` and ``completion``, which use no setting,
    show their pages whatever the file holds."""
    environ = os.environ
    path, _ = config_location(config_file, environ)
    chosen, _ = profile_choice(profile, environ)
    try:
        return resolve_settings(
            given, environ, ConfigFile.load(path), chosen, quiet=quiet, interactive=interactive
        )
    except UsageError as error:
        if ctx.invoked_subcommand not in _WITHOUT_SETTINGS:
            raise
        ctx.meta[CONFIG_ERROR_KEY] = error
    return resolve_settings(
        given, environ, ConfigFile(path), None, quiet=quiet, interactive=interactive
    )


for _command, _manual in EXPORT_COMMANDS:
    cli.add_command(_command, section="Export operations", manual=_manual)
for _command, _manual in PURGE_COMMANDS:
    cli.add_command(_command, section="Purge operations", manual=_manual)
for _command, _manual in ACCOUNT_COMMANDS:
    cli.add_command(_command, section="Sign-in", manual=_manual)
cli.add_command(config, section="Settings", manual=CONFIG_MANUAL)
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
