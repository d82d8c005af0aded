"""``ocm-tool completion SHELL``: the shell completion script of bash, zsh, fish or PowerShell.

Completion is click's (``click.shell_completion``, PowerShell included since click 8.5): the
script printed calls ``ocm-tool`` back with ``_OCM_TOOL_COMPLETE`` set, so completions always
follow the commands and options of the version installed. This command only prints the script,
so that each shell's install is one line (with ``--output json``, as the document's
``result.script``: it ends through ``_output.respond`` like every command).
"""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

from ocm_tool.cli._context import CONTEXT_SETTINGS, pass_runtime
from ocm_tool.cli._help import Example, Items, Manual
from ocm_tool.cli._output import respond
from ocm_tool.cli._page import PROG
from ocm_tool.errors import ExitStatus
from ocm_tool.runtime import Runtime

SHELLS = ("bash", "zsh", "fish", "powershell")
#: The variable click's completion scripts set when they call ocm-tool back.
COMPLETE_VAR = f"_{PROG}_COMPLETE".replace("-", "_").upper()
#: The one line that installs completion, per shell.
INSTALL = {
    "bash": f'eval "$({PROG} completion bash)"   # in ~/.bashrc',
    "zsh": f'eval "$({PROG} completion zsh)"    # in ~/.zshrc',
    "fish": f"{PROG} completion fish > ~/.config/fish/completions/{PROG}.fish",
    "powershell": f"{PROG} completion powershell | Out-String | Invoke-Expression   # in $PROFILE",
}


@click.command("completion", context_settings=CONTEXT_SETTINGS)
@click.argument("shell", type=click.Choice(SHELLS, case_sensitive=False))
@pass_runtime
def completion(runtime: Runtime, shell: str) -> None:
    """Print the completion script of ``shell`` for the ``ocm-tool`` command."""
    root = click.get_current_context().find_root().command
    with respond(runtime, "completion") as reply:
        kind = get_completion_class(shell.lower())
        assert kind is not None, shell  # SHELLS are click's own
        script = kind(root, {}, PROG, COMPLETE_VAR).source()
        if not runtime.settings.json:  # else the document carries it: a shell reads one
            click.echo(script)
        reply.done({"shell": shell.lower(), "script": script}, ExitStatus.OK)


MANUAL = Manual(
    summary="Print the shell completion script for bash, zsh, fish or PowerShell.",
    description=(
        "Prints the script that makes SHELL complete ocm-tool's commands, options and their "
        "values (choices, files, folders) when Tab is pressed. Install it with one line:",
        Items(tuple((shell, f"`{line}`") for shell, line in INSTALL.items())),
        "The script calls ocm-tool back to ask for the completions, so they always follow the "
        "version installed; nothing needs updating after an upgrade.",
    ),
    examples=(
        Example(
            f"{PROG} completion bash > ~/.local/share/bash-completion/completions/{PROG}",
            "Installs completion for bash where bash-completion loads it in every new shell.",
        ),
        Example(
            f"{PROG} completion fish > ~/.config/fish/completions/{PROG}.fish",
            "Installs completion for fish, loaded in every new shell.",
        ),
        Example(
            f"{PROG} completion powershell | Out-String | Invoke-Expression",
            "Turns completion on in the current PowerShell session; add the line to $PROFILE "
            "to keep it.",
        ),
    ),
    permissions="None.",
    never_touches="Anything: it only prints the script; the shell's start-up files are yours.",
    exit_statuses=(ExitStatus.OK, ExitStatus.USAGE),
    related=("help",),
    arguments={"shell": "The shell to complete in: bash, zsh, fish or powershell."},
)
