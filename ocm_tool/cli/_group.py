"""The root command group: sections, lazy commands, the help model, and errors as exit statuses.

Its jobs, kept apart from what the commands do:

- **Start fast.** A command registered with :meth:`OcmGroup.add_lazy` is imported only when it
  runs (or when its own help is asked for); listings show it from its manual's summary.
  ``ocm-tool --help`` therefore imports no Flask, pandas or msal (click's "lazy group").
- **Help from one model.** Every command is registered with its
  :class:`~ocm_tool.cli._help.Manual` (a group's manual holds its subcommands'). The root
  answers ``--help`` anywhere on the command line from that model (``_line`` finds it), which
  is also what ``ocm-tool help`` and the generated pages render (:meth:`OcmGroup.page`).
- **Forgiving names.** Command names match case-insensitively, global options work after the
  command too, no command lists the commands (exit 2), a mistyped one names the closest.
- **One error policy.** Every :class:`~ocm_tool.errors.OcmError` that leaves a command is
  printed as one line (``error: ...; fix: ...``) and ends the process with its
  ``exit_status``; so is every usage error click finds (exit 2). Ctrl-C ends a run with
  ``ExitStatus.INTERRUPTED``. With ``--output json`` the run's one document goes to stdout
  first (``_output.send_error``) when the command did not send it. Commands end through
  ``_output.respond``.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import click

from ocm_tool.cli import _line, _text
from ocm_tool.cli._help import Manual
from ocm_tool.cli._page import PROG, Listing, Page, build_page
from ocm_tool.errors import ExitStatus, OcmError, UsageError

#: The sections of ``ocm-tool --help``, in order: the script's two groups (export, purge), then
#: the rest.
SECTIONS = (
    "Export operations",
    "Purge operations",
    "Sign-in",
    "Settings",
    "Data subject requests",
    "Requests",
    "Emulator",
    "Help",
)


@dataclass(frozen=True)
class _Entry:
    """A registered command: its section, its manual, and ``module:attribute`` when lazy."""

    section: str
    manual: Manual
    target: str | None = None


class OcmGroup(click.Group):
    """The root group of ``ocm-tool``; ``manual`` is the root's own help page."""

    def __init__(self, *args: Any, manual: Manual, **kwargs: Any) -> None:
        kwargs.setdefault("no_args_is_help", False)  # no command: the listing, exit 2 (below)
        super().__init__(*args, **kwargs)
        self.manual = manual
        self._entries: dict[str, _Entry] = {}

    # -- registration ---------------------------------------------------------------------

    def add_command(
        self,
        cmd: click.Command,
        name: str | None = None,
        *,
        section: str = "",
        manual: Manual | None = None,
    ) -> None:
        """Register ``cmd`` under ``section`` with its manual (both required)."""
        if manual is None or section not in SECTIONS:
            raise TypeError(f"register {cmd.name!r} with a section of SECTIONS and its manual")
        super().add_command(_adopt(cmd, manual), name)
        self._entries[name or cmd.name or ""] = _Entry(section, manual)

    def add_lazy(self, name: str, target: str, *, section: str, manual: Manual) -> None:
        """Register ``name`` as the command at ``target`` (``package.module:attribute``)."""
        if section not in SECTIONS:
            raise TypeError(f"register {name!r} with a section of SECTIONS")
        self._entries[name] = _Entry(section, manual, target)

    # -- lookup ---------------------------------------------------------------------------

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self._entries)  # registration order: the script's order within sections

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self._entries.get(cmd_name)
        if entry is not None and entry.target is not None and cmd_name not in self.commands:
            module, _, attribute = entry.target.partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{entry.target} is not a click command")
            self.commands[cmd_name] = _adopt(command, entry.manual)
        return super().get_command(ctx, cmd_name)

    def find(self, group: click.Group, word: str) -> tuple[str, click.Command] | None:
        """The command ``word`` names in ``group`` (this one or a subgroup), ignoring case."""
        ctx = click.Context(group, info_name=group.name)
        names = group.list_commands(ctx)
        name = (
            word if word in names else next((n for n in names if n.lower() == word.lower()), None)
        )
        command = group.get_command(ctx, name) if name is not None else None
        return (name, command) if name is not None and command is not None else None

    def resolve_path(self, words: Sequence[str]) -> tuple[str, ...]:
        """The command path ``words`` names (``["Emulator", "serve"]``), as registered."""
        return self._resolve(words)[0]

    def _resolve(self, words: Sequence[str]) -> tuple[tuple[str, ...], click.Command]:
        """The path and the command ``words`` name; a usage error naming the closest command
        when a word names none."""
        path: list[str] = []
        command: click.Command = self
        for word in words:
            found = self.find(command, word) if isinstance(command, click.Group) else None
            if found is None:
                raise _unknown_command(command, path, word)
            path.append(found[0])
            command = found[1]
        return tuple(path), command

    # -- the help model -------------------------------------------------------------------

    def page(self, path: Sequence[str]) -> Page:
        """The help page of the command at ``path`` (``()``: ``ocm-tool`` itself)."""
        contexts = [click.Context(self, info_name=PROG, **self.context_settings)]
        manual = self.manual
        for depth, name in enumerate(path):
            group = contexts[-1].command
            command = (
                group.get_command(contexts[-1], name) if isinstance(group, click.Group) else None
            )
            if command is None:
                raise LookupError(f"no command '{' '.join((PROG, *path[: depth + 1]))}'")
            manual = self._entries[name].manual if depth == 0 else _submanual(manual, path, depth)
            contexts.append(
                click.Context(
                    command, info_name=name, parent=contexts[-1], **command.context_settings
                )
            )
        return build_page(path, contexts, manual, self._listings(contexts[-1], manual, path))

    def paths(self) -> Iterator[tuple[str, ...]]:
        """Every command path, the root first, in the order of the listings."""
        yield ()
        for name in self._entries:
            yield from self._paths_under((name,))

    def _paths_under(self, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        yield path
        command = self._resolve(path)[1]
        if isinstance(command, click.Group):
            ctx = click.Context(command, info_name=path[-1])
            for name in command.list_commands(ctx):
                yield from self._paths_under((*path, name))

    def _listings(
        self, ctx: click.Context, manual: Manual, path: Sequence[str]
    ) -> tuple[Listing, ...]:
        if not path:
            return tuple(
                Listing(section, rows)
                for section in SECTIONS
                if (
                    rows := tuple(
                        (name, entry.manual.summary)
                        for name, entry in self._entries.items()
                        if entry.section == section
                    )
                )
            )
        if not isinstance(ctx.command, click.Group):
            return ()
        rows = tuple(
            (name, _submanual(manual, (*path, name), len(path)).summary)
            for name in ctx.command.list_commands(ctx)
        )
        return (Listing(self._entries[path[0]].section, rows),)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write(_text.render(self.page(()), width=formatter.width or 80))

    # -- the command line -----------------------------------------------------------------

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.resilient_parsing:  # shell completion: click's own parsing, nothing printed
            return super().parse_args(ctx, args)
        try:
            line = _line.read(self, ctx, args, self.find)
            if line.wants_help:
                page = _text.render(self.page(line.path), width=_width(ctx))
                click.echo(page, color=ctx.color, nl=False)
                ctx.exit(0)
            rest = super().parse_args(ctx, line.args)  # --version and the root's --help exit here
        except click.UsageError as error:
            _usage_failure(ctx, error)
        if line.unknown is not None:
            group = self._resolve(line.path)[1]
            _fail(ctx, _unknown_command(group, line.path, line.unknown))
        if line.lacks_command:
            _no_command(ctx, self.page(line.path))
        return rest

    # -- errors ---------------------------------------------------------------------------

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OcmError as error:
            _fail(ctx, error)
        except click.UsageError as error:
            _usage_failure(ctx, error)
        except KeyboardInterrupt:
            from ocm_tool.cli._output import send_error
            from ocm_tool.ui import print_error

            send_error(ctx, None, ExitStatus.INTERRUPTED)
            print_error(_err_console(ctx), "interrupted; only whole files were left behind")
            ctx.exit(int(ExitStatus.INTERRUPTED))


def _adopt(command: click.Command, manual: Manual) -> click.Command:
    """Give ``command`` (and a group's subcommands) the summary of its manual as its short help,
    which is what shell completion shows next to a name."""
    command.short_help = manual.summary
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            if name in manual.subcommands:
                _adopt(sub, manual.subcommands[name])
    return command


def _submanual(manual: Manual, path: Sequence[str], depth: int) -> Manual:
    try:
        return manual.subcommands[path[depth]]
    except KeyError:
        raise LookupError(f"'{' '.join((PROG, *path))}' has no manual") from None


def _unknown_command(group: click.Command, path: Sequence[str], word: str) -> UsageError:
    ctx = click.Context(group, info_name=group.name)
    names = group.list_commands(ctx) if isinstance(group, click.Group) else []
    close = difflib.get_close_matches(word.lower(), names, n=1)
    listing = " ".join((PROG, "help", *path))
    fix = f"did you mean '{close[0]}'? " if close else ""
    return UsageError(
        f"'{' '.join((PROG, *path))}' has no command '{word}'",
        hint=f"{fix}'{listing}' lists the commands",
    )


def _path_of(ctx: click.Context) -> tuple[str, ...]:
    """The command path of ``ctx`` after ``ocm-tool``, as registered."""
    names: list[str] = []
    while ctx.parent is not None:
        names.insert(0, ctx.info_name or "")
        ctx = ctx.parent
    return tuple(names)


def _usage_failure(ctx: click.Context, error: click.UsageError) -> NoReturn:
    """Click's usage errors in the one-line form, with where to read the command's syntax; an
    unknown option is matched against the global options too."""
    path = _path_of(error.ctx) if error.ctx is not None else ()
    help_command = " ".join((PROG, "help", *path))
    if isinstance(error, click.NoSuchOption):
        commands = [c.command for c in _chain(error.ctx)]
        close = difflib.get_close_matches(error.option_name, _option_names(commands), n=1)
        fix = f"did you mean '{close[0]}'? " if close else ""
        hint = f"{fix}'{help_command}' lists the options"
        _fail(ctx, UsageError(f"no option '{error.option_name}'", hint=hint))
    message = error.format_message().rstrip(".")
    message = message[:1].lower() + message[1:]
    _fail(ctx, UsageError(message, hint=f"'{help_command}' shows the syntax and the parameters"))


def _chain(ctx: click.Context | None) -> list[click.Context]:
    """``ctx`` and its parents, up to the root."""
    chain: list[click.Context] = []
    while ctx is not None:
        chain.append(ctx)
        ctx = ctx.parent
    return chain


def _option_names(commands: Sequence[click.Command]) -> list[str]:
    return sorted(
        {
            name
            for command in commands
            for param in command.params
            if isinstance(param, click.Option)
            for name in (*param.opts, *param.secondary_opts)
        }
    )


def _no_command(ctx: click.Context, page: Page) -> NoReturn:
    """No command given: the valid ones, grouped as the script listed them, and exit 2."""
    click.echo(_text.render_listing(page, width=_width(ctx)), err=True)
    hint = f"name one of the commands above; '{page.help_command} COMMAND' describes one"
    _fail(ctx, UsageError("no command given", hint=hint))


def _fail(ctx: click.Context, error: OcmError) -> NoReturn:
    """Print ``error`` in one line and end the process with its exit status; with
    ``--output json``, send the run's document first unless the command already did."""
    from ocm_tool.cli._output import send_error
    from ocm_tool.ui import print_error  # rich: only when there is something to print

    send_error(ctx, error, error.exit_status)
    print_error(_err_console(ctx), error)
    ctx.exit(int(error.exit_status))


def _width(ctx: click.Context) -> int:
    return ctx.make_formatter().width or 80


def _err_console(ctx: click.Context) -> Any:
    from ocm_tool.runtime import Runtime
    from ocm_tool.ui import make_console

    runtime = ctx.find_object(Runtime)
    return runtime.err_console if runtime else make_console(stderr=True)
