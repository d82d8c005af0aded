"""The root command group: sections, lazily loaded commands, and errors mapped to exit statuses.

Two jobs, kept apart from what the commands do:

- **Start fast.** A command registered with :meth:`OcmGroup.add_lazy` is imported only when it
  runs (or when its own help is asked for); the group's help lists it from the short help given
  at registration. ``ocm-tool --help`` therefore imports no Flask, pandas or msal (click's
  "lazy group" pattern).
- **One error policy.** Every :class:`~ocm_tool.errors.OcmError` that leaves a command is
  printed as one line (``error: ...; fix: ...``) and ends the process with its
  ``exit_status``; Ctrl-C ends it with ``ExitStatus.INTERRUPTED``. Commands end a run that
  finished with :func:`exit_with`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import click

from ocm_tool.errors import ExitStatus, OcmError

#: The sections of ``ocm-tool --help``, in order (the script listed export, then purge).
SECTIONS = ("Export operations", "Purge operations", "Sign-in", "Emulator")


@dataclass(frozen=True)
class _Lazy:
    """A command imported on first use: ``module:attribute`` and the line the listing shows."""

    target: str
    short_help: str


class OcmGroup(click.Group):
    """The root group: lists commands in :data:`SECTIONS` and maps errors to exit statuses."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy: dict[str, _Lazy] = {}
        self._sections: dict[str, str] = {}

    # -- registration ---------------------------------------------------------------------

    def add_command(
        self, cmd: click.Command, name: str | None = None, *, section: str = "Sign-in"
    ) -> None:
        super().add_command(cmd, name)
        self._sections[name or cmd.name or ""] = section

    def add_lazy(self, name: str, target: str, *, short_help: str, section: str) -> None:
        """Register ``name`` as the command at ``target`` (``package.module:attribute``)."""
        self._lazy[name] = _Lazy(target, short_help)
        self._sections[name] = section

    # -- lookup ---------------------------------------------------------------------------

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self._sections)  # registration order: the script's order within sections

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        lazy = self._lazy.get(cmd_name)
        if lazy is not None and cmd_name not in self.commands:
            module, _, attribute = lazy.target.partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{lazy.target} is not a click command")
            self.commands[cmd_name] = command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows: dict[str, list[tuple[str, str]]] = {section: [] for section in SECTIONS}
        for name, section in self._sections.items():
            if name in self._lazy and name not in self.commands:
                rows.setdefault(section, []).append((name, self._lazy[name].short_help))
                continue
            command = self.commands.get(name)
            if command is not None and not command.hidden:
                rows.setdefault(section, []).append((name, command.get_short_help_str(80)))
        for section, entries in rows.items():
            if entries:
                with formatter.section(section):
                    formatter.write_dl(entries)

    # -- errors ---------------------------------------------------------------------------

    def invoke(self, ctx: click.Context) -> Any:
        from ocm_tool.ui import print_error  # rich: only once a command runs

        try:
            return super().invoke(ctx)
        except OcmError as error:
            print_error(_err_console(ctx), error)
            ctx.exit(int(error.exit_status))
        except KeyboardInterrupt:
            print_error(_err_console(ctx), "interrupted; only whole files were left behind")
            ctx.exit(int(ExitStatus.INTERRUPTED))


def _err_console(ctx: click.Context) -> Any:
    from rich.console import Console

    from ocm_tool.runtime import Runtime

    runtime = ctx.find_object(Runtime)
    return runtime.err_console if runtime else Console(stderr=True)
