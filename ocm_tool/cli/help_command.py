"""``ocm-tool help [COMMAND]... [--examples | --full | --online]``, as Get-Help does.

It shows the same page as ``COMMAND --help`` (``OcmGroup.page``), in the view asked for;
``--online`` says where the page is in ``docs/commands/`` and its man page in ``docs/man/``.
It ends through ``_output.respond`` like every command: with ``--output json`` the page's
text is the document's ``result.text`` (and the page goes to stderr).
"""

from __future__ import annotations

import click

from ocm_tool.cli._context import CONTEXT_SETTINGS, pass_runtime
from ocm_tool.cli._group import OcmGroup
from ocm_tool.cli._help import Example, Items, Manual
from ocm_tool.cli._output import respond
from ocm_tool.cli._page import PROJECT, Page
from ocm_tool.cli._text import View, render
from ocm_tool.errors import ExitStatus, UsageError
from ocm_tool.runtime import Runtime


@click.command("help", context_settings=CONTEXT_SETTINGS)
@click.argument("command", nargs=-1, metavar="COMMAND")
@click.option("--examples", is_flag=True, help="Show the name, the syntax and the examples only.")
@click.option(
    "--full", is_flag=True, help="Also show each parameter's facts and the global options."
)
@click.option("--online", is_flag=True, help="Show where the page and its man page are.")
@pass_runtime
def help_command(
    runtime: Runtime, command: tuple[str, ...], examples: bool, full: bool, online: bool
) -> None:
    """Show the help page of ``command`` (``ocm-tool`` itself without one)."""
    ctx = click.get_current_context()
    with respond(runtime, "help") as reply:
        chosen = [
            flag
            for flag, on in (("--examples", examples), ("--full", full), ("--online", online))
            if on
        ]
        if len(chosen) > 1:
            raise UsageError(
                f"{' and '.join(chosen)} do not go together", hint="choose one of them"
            )
        root = ctx.find_root().command
        assert isinstance(root, OcmGroup)
        page = root.page(root.resolve_path(command))
        if online:
            text, view = online_text(page) + "\n", "online"
        else:
            shown = View.EXAMPLES if examples else View.FULL if full else View.DEFAULT
            text, view = render(page, width=ctx.make_formatter().width or 80, view=shown), shown
        click.echo(text, nl=False, err=runtime.settings.json)
        reply.done({"command": page.name, "view": str(view), "text": text}, ExitStatus.OK)


def online_text(page: Page) -> str:
    """Where the page is: in the project's ``docs/``, as a path and a ``file:`` URL."""
    markdown = PROJECT / page.doc_path
    man = PROJECT / "docs" / "man" / f"{page.man_name}.1"
    if not markdown.is_file():
        return (
            f"{page.doc_path}: the page of '{page.name}' in the ocm-tool source (docs/commands/); "
            "this installation has no copy of it"
        )
    return "\n".join(
        (
            f"{page.doc_path}",
            f"  path: {markdown}",
            f"  url: {markdown.as_uri()}",
            f"  man: man -l {man}",
        )
    )


MANUAL = Manual(
    summary="Show the help page of a command, as Get-Help does.",
    description=(
        "Shows the help page of COMMAND, the one `COMMAND --help` shows: NAME, SYNOPSIS, "
        "DESCRIPTION, PARAMETERS, EXAMPLES, NOTES and RELATED LINKS. A command of a group is "
        "named with its group (`emulator serve`); names match whatever their case. Without "
        "COMMAND it shows the page of ocm-tool itself, which lists every command.",
        "The switches mirror Get-Help's:",
        Items(
            (
                ("`--examples`", "the name, the syntax and the examples only (`-Examples`)"),
                (
                    "`--full`",
                    "each parameter's facts as a table, and the global options in full (`-Full`)",
                ),
                (
                    "`--online`",
                    "the page's file in docs/commands/ with its URL, and its man page "
                    "in docs/man/ (`-Online`)",
                ),
            )
        ),
        "The same pages are in the project as Markdown (docs/commands/) and man pages "
        "(docs/man/, e.g. `man -l docs/man/ocm-tool-export-all-data.1`), all made from one "
        "source.",
    ),
    examples=(
        Example("ocm-tool help", "Lists the commands, grouped as OCM-Script.ps1 listed them."),
        Example(
            "ocm-tool help purge-all-data --examples",
            "Shows only the examples of purge-all-data, each with what it does.",
        ),
        Example(
            "ocm-tool help emulator serve --full",
            "Shows the whole page of 'emulator serve', every parameter's facts included.",
        ),
        Example(
            "ocm-tool help export-all-data --online",
            "Prints where the Markdown page and the man page of export-all-data are.",
        ),
    ),
    permissions="None.",
    never_touches="Anything: it only prints, and neither signs in nor calls the service.",
    exit_statuses=(ExitStatus.OK, ExitStatus.USAGE),
    related=("completion",),
    arguments={"command": "The command to describe, with its group for a subcommand."},
)
