"""The global options: one click option per row of ``settings.keys.KEYS``, and the run's
settings resolved from them, the environment and the config file.

Options carry no default and no environment variable of their own: what was not given on the
command line is left to :func:`~ocm_tool.settings.resolve.resolve_settings`, which takes the
documented ``OCM_*`` variable, then the profile, then the config file, then the default. So
``config show`` can say where each value came from. Each option is a :class:`GlobalOption`:
it carries the key's default as the help shows it and its variable, which click never reads
but the help pages (``_page``) list; the table is the one source of both.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ocm_tool.settings.keys import KEYS, Choice, FilePath, Key, Number

F = TypeVar("F", bound=Callable[..., Any])
#: Short forms of a few options.
SHORT = {"output": "-o"}


def _click_type(key: Key) -> click.ParamType:
    kind = key.kind
    if isinstance(kind, Choice):
        return click.Choice(kind.choices, case_sensitive=False)
    if isinstance(kind, Number):
        return click.IntRange(kind.low, kind.high)
    if isinstance(kind, FilePath):
        return click.Path(exists=kind.exists, dir_okay=False, path_type=Path)
    return click.STRING


class GlobalOption(click.Option):
    """A global option whose value may also come from ``variable`` (an ``OCM_*`` variable of
    ``settings.keys``). Click does not read it (the option has no ``envvar``): the settings
    resolution does, after the config file; the help pages show it."""

    def __init__(self, *args: Any, variable: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.variable = variable


def setting_options(command: F) -> F:
    """Add ``--endpoint``, ``--authority``, ... (one per key) to the root command."""
    for key in reversed(KEYS):
        command = click.option(
            *((SHORT[key.name],) if key.name in SHORT else ()),
            key.option,
            key.field,
            cls=GlobalOption,
            variable=key.env,
            type=_click_type(key),
            default=None,
            show_default=key.default_text,
            metavar=key.metavar,
            help=key.help,
        )(command)
    return command


def given_options(params: dict[str, Any]) -> dict[str, object]:
    """The settings given on the command line, by key name."""
    return {key.name: params[key.field] for key in KEYS if params.get(key.field) is not None}
