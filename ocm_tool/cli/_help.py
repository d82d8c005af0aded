"""The help model: what a command's Get-Help page says beyond what click already knows.

Click knows a command's syntax and parameters (names, types, defaults, whether required, the
``OCM_*`` variable of a global option, each option's help text); a :class:`Manual` adds what a person
can write: the description, explained examples, the permissions needed, what the command never
touches, the exit statuses it ends with, related commands and pages. ``_page.Page`` joins the
two, and every rendering is made from that page: ``--help`` and ``ocm-tool help`` (``_text``),
``docs/commands/*.md`` and ``docs/man/*.1`` (``docgen``). A manual that lacks a part is refused
when it is made, so a command cannot ship with half a help page.

Text in a manual is plain, with ```literal``` spans for what a user types or reads verbatim
(options, paths, variables): the terminal shows them plain, Markdown as code, man in bold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ocm_tool.errors import ExitStatus


@dataclass(frozen=True)
class Example:
    """One example: a command line that runs as written, and what it does."""

    command: str
    explanation: str

    def __post_init__(self) -> None:
        if not self.command.startswith(("ocm-tool ", "OCM_")) or "\n" in self.command:
            raise ValueError(f"an example is one 'ocm-tool ...' command line: {self.command!r}")
        if not self.explanation.endswith(".") or not self.explanation[:1].isupper():
            raise ValueError(f"explain the example {self.command!r} in a sentence")


@dataclass(frozen=True)
class Items:
    """A list in a description: terms and what each is (files), or numbered steps (folders)."""

    entries: tuple[tuple[str, str], ...]
    numbered: bool = False


#: A block of a description: a paragraph, or a list.
Block = str | Items


@dataclass(frozen=True)
class Manual:
    """The written part of one command's help page (the rest comes from the click command).

    ``related`` names other commands by their path after ``ocm-tool`` (``"export-all-data"``,
    ``"emulator serve"``); ``pages`` names pages of ``docs/`` (``"export.md"``); ``arguments``
    is the text of each positional argument, by its click name (click options carry their own
    help, arguments do not); ``subcommands`` holds the manual of each subcommand of a group.
    """

    summary: str
    description: tuple[Block, ...]
    examples: tuple[Example, ...]
    permissions: str
    never_touches: str
    exit_statuses: tuple[ExitStatus, ...] = tuple(ExitStatus)
    notes: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    arguments: Mapping[str, str] = field(default_factory=dict)
    subcommands: Mapping[str, Manual] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if "\n" in self.summary or not self.summary.endswith("."):
            raise ValueError(f"the summary is one sentence on one line: {self.summary!r}")
        if not self.description:
            raise ValueError(f"{self.summary!r}: a manual needs a description")
        if len(self.examples) < 2:
            raise ValueError(f"{self.summary!r}: a manual needs at least two examples")
        if not self.permissions or not self.never_touches:
            raise ValueError(
                f"{self.summary!r}: say what permissions it needs, what it never touches"
            )
        if ExitStatus.OK not in self.exit_statuses:
            raise ValueError(f"{self.summary!r}: exit statuses start with 0")
