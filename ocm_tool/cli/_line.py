"""Reading the command line before click parses it: the command path, global options, --help.

``ocm-tool export-all-data --endpoint URL`` is what people type (PowerShell takes parameters in
any order), and click would refuse it: ``--endpoint`` belongs to the root group. So the root
group reads the line once first (:func:`read`):

- it finds the command path (``emulator serve``), matching names case-insensitively, as
  PowerShell did, and writes them as registered;
- it moves every global option found after the command to before it, unless the command has an
  option of that name itself (``emulator serve --tenant`` is the emulator's own ``--tenant``);
- it notes ``-h``/``--help`` given to the command, which the root answers from the help model.

Option values are skipped as click would skip them (an option that takes a value takes the next
word), and nothing after ``--`` is touched. A mistyped command is noted (``unknown``)
for the root to report with the closest name; an unknown option is left for click.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import click

#: Looks a command up in a group by name, case-insensitively.
Finder = Callable[[click.Group, str], tuple[str, click.Command] | None]


@dataclass(frozen=True)
class CommandLine:
    """The line as the root group will parse it."""

    args: list[str]  # global options first, then the command path and its own arguments
    path: tuple[str, ...]  # the commands found, as registered
    wants_help: bool  # -h/--help was given to the command at the end of the path
    lacks_command: bool  # the path ends at a group (the root too) and no command follows
    unknown: str | None = None  # the word where a command of the last group should be


@dataclass(frozen=True)
class _Options:
    """The options one command takes: how many values each takes, which are its help."""

    arity: dict[str, int]
    help: frozenset[str]

    @classmethod
    def of(cls, command: click.Command, ctx: click.Context) -> _Options:
        arity: dict[str, int] = {}
        for param in command.get_params(ctx):
            if isinstance(param, click.Option):
                takes = 0 if param.is_flag or param.count else param.nargs
                for name in (*param.opts, *param.secondary_opts):
                    arity[name] = takes
        return cls(arity, frozenset(command.get_help_option_names(ctx)))

    def match(self, word: str) -> tuple[str, int] | None:
        """The option ``word`` names and how many of the following words are its values."""
        name, equals, _ = word.partition("=")
        if name in self.arity:
            return name, 0 if equals else self.arity[name]
        if not word.startswith("--") and word[:2] in self.arity and len(word) > 2:
            return word[:2], 0  # -xVALUE, or -qv: the rest of the word is part of it
        return None


def read(root: click.Group, ctx: click.Context, args: Sequence[str], find: Finder) -> CommandLine:
    """Read ``args`` (what follows ``ocm-tool``) as the root group ``root`` will parse them."""
    words = list(args)
    globals_ = _Options.of(root, ctx)
    start = _first_word(words, 0, globals_)
    if start is None:
        return CommandLine(words, (), wants_help=False, lacks_command=True)
    path: list[str] = []
    chain: list[_Options] = []  # the options of each command on the path (they shadow globals)
    group: click.Group = root
    index = start
    lacks_command = False
    unknown: str | None = None
    while True:
        found = find(group, words[index])
        if found is None:
            unknown = words[index]
            break
        name, command = found
        words[index] = name
        path.append(name)
        chain.append(_Options.of(command, ctx))
        if not isinstance(command, click.Group):
            break
        group, next_index = command, _first_word(words, index + 1, chain[-1])
        if next_index is None:
            lacks_command = True
            break
        index = next_index
    if not path:
        return CommandLine(words, (), wants_help=False, lacks_command=False, unknown=unknown)
    moved, kept, wants_help = _sort_out(words[start + 1 :], globals_, chain)
    if "--" in words[:start]:  # the command came after '--': what follows is its own
        moved, kept = [], words[start + 1 :]
    return CommandLine(
        [*words[:start], *moved, words[start], *kept],
        tuple(path),
        wants_help=wants_help,
        lacks_command=lacks_command and not wants_help,
        unknown=None if wants_help else unknown,
    )


def _first_word(words: list[str], start: int, options: _Options) -> int | None:
    """The index of the first word from ``start`` that is not an option or an option's value."""
    index = start
    while index < len(words):
        word = words[index]
        if word == "--":
            return index + 1 if index + 1 < len(words) else None
        if not word.startswith("-") or word == "-":
            return index
        matched = options.match(word)
        index += 1 + (matched[1] if matched else 0)
    return None


def _sort_out(
    words: list[str], globals_: _Options, chain: list[_Options]
) -> tuple[list[str], list[str], bool]:
    """Split the words after the command into global options (to move) and the rest."""
    moved: list[str] = []
    kept: list[str] = []
    wants_help = False
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--":
            kept += words[index:]
            break
        own = next((m for options in reversed(chain) if (m := options.match(word))), None)
        if own is not None:
            wants_help = wants_help or own[0] in chain[-1].help
            kept += words[index : index + 1 + own[1]]
            index += 1 + own[1]
            continue
        shared = globals_.match(word) if word.startswith("-") else None
        if shared is not None and shared[0] not in globals_.help:
            if index + shared[1] >= len(words):
                raise click.BadOptionUsage(shared[0], f"option '{shared[0]}' needs a value")
            moved += words[index : index + 1 + shared[1]]
            index += 1 + shared[1]
            continue
        kept.append(word)
        index += 1
    return moved, kept, wants_help
