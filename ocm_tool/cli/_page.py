"""A help page: one command's :class:`~ocm_tool.cli._help.Manual` joined with its click command.

Everything click knows is derived here, never written twice: the synopsis line (from the
parameters, in the order ``--help`` parses them), and for each parameter its names, value,
type, default, whether it is required, its position and its ``OCM_*`` variable. Only the
global options that are settings have one (``_globals.GlobalOption``, from the table
``settings.keys.KEYS``, plus ``--config`` and ``--profile``): a command's own options have
none, so a page never names a variable that nothing reads. The renderers (``_text`` for the
terminal, ``docgen`` for Markdown and man) only lay a :class:`Page` out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from ocm_tool.cli._globals import GlobalOption
from ocm_tool.cli._help import Manual

PROG = "ocm-tool"
#: The project folder (a clone, or an editable install): where ``docs/`` is.
PROJECT = Path(__file__).resolve().parents[2]
#: Stands for the root group's options in a command's synopsis.
GLOBAL_OPTIONS = "[GLOBAL OPTIONS]"


@dataclass(frozen=True)
class Parameter:
    """One parameter as a help page shows it."""

    names: tuple[str, ...]  # ("-q", "--quiet"), or ("ADDRESS",) for an argument
    value: str | None  # the value's placeholder (ADDRESS, FILE), None for a switch
    text: str
    kind: str  # what the value is: "text", "switch", "existing file", "one of: a, b"
    required: bool
    default: str | None
    variable: str | None  # the environment variable that sets it
    position: int | None  # 1, 2... for arguments; None: named
    repeatable: bool

    @property
    def label(self) -> str:
        """``--mailbox ADDRESS``, ``-q, --quiet``, ``ADDRESS``."""
        names = ", ".join(self.names)
        return f"{names} {self.value}" if self.value and self.position is None else names

    @property
    def syntax(self) -> str:
        """The parameter in the synopsis: ``[--mailbox ADDRESS]``, ``--out FILE``, ``[ADDRESS]``."""
        if self.position is not None:
            piece = self.names[0] + ("..." if self.repeatable else "")
        else:
            piece = self.names[-1] + (f" {self.value}" if self.value else "")
        piece = piece if self.required else f"[{piece}]"
        return piece + ("..." if self.repeatable and self.position is None else "")

    @property
    def usage(self) -> str:
        """The parameter as a list of them names it: ``--mailbox ADDRESS``, ``--verbose...``."""
        if self.position is not None:
            return self.names[0] + ("..." if self.repeatable else "")
        piece = self.names[-1] + (f" {self.value}" if self.value else "")
        return piece + ("..." if self.repeatable else "")

    @property
    def attributes(self) -> tuple[tuple[str, str], ...]:
        """The facts Get-Help -Full lists under each parameter, in its order."""
        return (
            ("Type", self.kind),
            ("Required?", "true" if self.required else "false"),
            ("Position?", "named" if self.position is None else str(self.position)),
            ("Default value", self.default or "none"),
            ("Environment variable", self.variable or "none"),
            ("Repeatable?", "true" if self.repeatable else "false"),
        )


@dataclass(frozen=True)
class Listing:
    """Commands under one heading: ``("Export operations", (("export-all-data", "..."), ...))``."""

    title: str
    commands: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Page:
    """Everything one help page shows, in the terms of the command line."""

    path: tuple[str, ...]  # () for ocm-tool itself, ("emulator", "serve") for a subcommand
    manual: Manual
    synopsis: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    global_options: tuple[Parameter, ...]  # the root's, on every other page
    commands: tuple[Listing, ...]  # a group's subcommands; () for a command

    @property
    def name(self) -> str:
        """``ocm-tool export-all-data``."""
        return " ".join((PROG, *self.path))

    @property
    def slug(self) -> str:
        """``export-all-data``, ``emulator-serve``; ``ocm-tool`` for the root page."""
        return "-".join(self.path) or PROG

    @property
    def doc_path(self) -> str:
        """The page's Markdown file in the project: ``docs/commands/export-all-data.md``."""
        return f"docs/commands/{self.slug}.md"

    @property
    def man_name(self) -> str:
        """The man page's name: ``ocm-tool-export-all-data`` (file ``docs/man/<name>.1``)."""
        return "-".join((PROG, *self.path))

    @property
    def help_command(self) -> str:
        """The command that shows this page: ``ocm-tool help export-all-data``."""
        return " ".join((PROG, "help", *self.path))


def build_page(
    path: Sequence[str],
    contexts: Sequence[click.Context],
    manual: Manual,
    commands: Sequence[Listing] = (),
) -> Page:
    """The page of the command of ``contexts[-1]``; ``contexts[0]`` is the root's context.

    The contexts are the chain click would build to run the command (``info_name`` set,
    nothing parsed). The global options are the root's options that reach the run (not
    ``--version`` nor ``--help``).
    """
    *parents, ctx = contexts
    root = contexts[0]
    parameters = _parameters(ctx, manual)
    names = [parent.info_name or "" for parent in parents[1:]]
    if not path:
        synopsis: tuple[str, ...] = (PROG, GLOBAL_OPTIONS, "COMMAND", "[ARGUMENTS]...")
    else:
        pieces = [p.syntax for p in parameters if p.position is not None] + [
            p.syntax for p in parameters if p.position is None
        ]
        if isinstance(ctx.command, click.Group):
            pieces += ["COMMAND", "[ARGUMENTS]..."]
        synopsis = (PROG, GLOBAL_OPTIONS, *names, ctx.info_name or "", *pieces)
    return Page(
        path=tuple(path),
        manual=manual,
        synopsis=synopsis,
        parameters=parameters,
        global_options=_parameters(root, None, exposed_only=True) if path else (),
        commands=tuple(commands),
    )


def _parameters(
    ctx: click.Context, manual: Manual | None, *, exposed_only: bool = False
) -> tuple[Parameter, ...]:
    help_names = set(ctx.command.get_help_option_names(ctx))
    arguments = manual.arguments if manual else {}
    found: list[Parameter] = []
    position = 0
    for param in ctx.command.params:
        if param.hidden if isinstance(param, click.Option) else False:
            continue
        if exposed_only and not param.expose_value:  # --version: it only prints
            continue
        if isinstance(param, click.Option) and help_names.intersection(param.opts):
            continue
        if isinstance(param, click.Argument):
            position += 1
            found.append(_argument(ctx, param, arguments.get(param.name or "", ""), position))
        elif isinstance(param, click.Option):
            found.append(_option(ctx, param))
    return tuple(found)


def _option(ctx: click.Context, option: click.Option) -> Parameter:
    info = option.to_info_dict()
    switch = option.is_flag or option.count
    return Parameter(
        names=tuple(sorted(option.opts, key=len)) + tuple(option.secondary_opts),
        value=None if switch else _value_name(ctx, option),
        text=option.help or "",
        kind="switch" if option.is_flag else "count" if option.count else _kind(option.type),
        required=option.required,
        default=("on" if info["default"] else "off")
        if option.is_flag and not isinstance(option.show_default, str)
        else _default(option, info["default"]),
        variable=_variable(option),
        position=None,
        repeatable=option.multiple or option.count,
    )


def _argument(ctx: click.Context, argument: click.Argument, text: str, position: int) -> Parameter:
    info = argument.to_info_dict()
    return Parameter(
        names=(_value_name(ctx, argument),),
        value=_value_name(ctx, argument),
        text=text,
        kind=_kind(argument.type),
        required=argument.required,
        default=_default(argument, info["default"]),
        variable=None,
        position=position,
        repeatable=argument.nargs == -1,
    )


def _value_name(ctx: click.Context, param: click.Parameter) -> str:
    """The placeholder of the value: the metavar without click's decorations."""
    if isinstance(param.type, click.Choice):
        return "|".join(str(choice) for choice in param.type.choices)
    if param.metavar is None and isinstance(param.type, click.IntRange | click.FloatRange):
        return "N"  # click's would be "INTEGER RANGE"
    metavar = param.metavar or param.make_metavar(ctx)
    return metavar.strip("[]").removesuffix("...")


def _kind(kind: click.ParamType) -> str:
    if isinstance(kind, click.Choice):
        return "one of: " + ", ".join(str(choice) for choice in kind.choices)
    if isinstance(kind, click.Path):
        what = "file" if not kind.dir_okay else "folder" if not kind.file_okay else "path"
        return f"existing {what}" if kind.exists else what
    if isinstance(kind, click.IntRange | click.FloatRange):
        number = "integer" if isinstance(kind, click.IntRange) else "number"
        low, high = kind.min, kind.max
        if low is not None and high is not None:
            return f"{number} from {low} to {high}"
        if low is not None:
            return f"{number}, at least {low}" + (" (not itself)" if kind.min_open else "")
        return f"{number}, at most {high}"
    return {"integer": "integer", "float": "number", "boolean": "true or false"}.get(
        kind.name, "text"
    )


def _default(param: click.Parameter, default: object) -> str | None:
    """What applies when the parameter is not given: the option's ``show_default`` text when it
    says (a default worked out at run time), else the value; nothing for an unset switch."""
    if isinstance(param, click.Option) and isinstance(param.show_default, str):
        return param.show_default
    if default is None or default is False or default == () or default == []:
        return None
    if isinstance(default, list | tuple):
        return ", ".join(str(value) for value in default)
    return str(default)


def _variable(option: click.Option) -> str | None:
    """The environment variable that sets ``option``: a global option's documented ``OCM_*``
    variable, or the ``envvar`` click reads; none for any other (no automatic variables)."""
    if isinstance(option, GlobalOption):
        return option.variable
    if option.envvar:
        return option.envvar if isinstance(option.envvar, str) else ", ".join(option.envvar)
    return None
