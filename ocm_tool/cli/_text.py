"""A help page as the terminal shows it, laid out the way Get-Help prints one.

Section names start their lines (``NAME``, ``SYNOPSIS``, ``DESCRIPTION``, ``PARAMETERS``,
``EXAMPLES``, ``NOTES``, ``RELATED LINKS``; a group adds ``COMMANDS``); their text is indented
four spaces and wrapped to the terminal. :class:`View` mirrors Get-Help's switches: the default
view, ``--full`` (each parameter's facts as a table, the global options in full) and
``--examples`` (name, synopsis and examples only). Plain Python, no template engine: ``--help``
must start fast.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from enum import StrEnum

from ocm_tool.cli._help import Items
from ocm_tool.cli._page import Listing, Page, Parameter
from ocm_tool.errors import EXIT_MEANINGS

_IN = "    "


class View(StrEnum):
    """What part of a page to show (Get-Help's default, ``-Full`` and ``-Examples``)."""

    DEFAULT = "default"
    FULL = "full"
    EXAMPLES = "examples"


def plain(text: str) -> str:
    """Manual text for the terminal: ```literal``` spans shown as they are typed."""
    return text.replace("`", "")


def render(page: Page, *, width: int, view: View = View.DEFAULT) -> str:
    """The page as text lines of at most ``width`` characters (a long word may run over)."""
    out = _Writer(width)
    manual = page.manual
    out.section("NAME")
    out.paragraph(f"{page.name} - {manual.summary}")
    out.section("SYNOPSIS")
    out.synopsis(page.synopsis)
    if view is View.EXAMPLES:
        _examples(out, page)
        return out.text()
    out.section("DESCRIPTION")
    for block in manual.description:
        out.block(block)
    if page.commands:
        out.section("COMMANDS")
        _listings(out, page.commands)
    out.section("PARAMETERS")
    for parameter in page.parameters:
        _parameter(out, parameter, full=view is View.FULL)
    if page.global_options:
        out.term("<GlobalOptions>")
        names = ", ".join(p.usage for p in page.global_options)
        out.paragraph(
            f"This command also takes the global options, before or after its name: {names}."
            + ("" if view is View.FULL else f" '{page.help_command} --full' describes them."),
            depth=2,
        )
        if view is View.FULL:
            for parameter in page.global_options:
                _parameter(out, parameter, full=True)
    _examples(out, page)
    out.section("NOTES")
    out.paragraph(f"Permissions: {manual.permissions}", hanging=True)
    out.paragraph(f"Never touches: {manual.never_touches}", hanging=True)
    for note in manual.notes:
        out.paragraph(note)
    out.line("Exit statuses:")
    for status in manual.exit_statuses:
        out.line(f"{int(status):>5}  {EXIT_MEANINGS[status]}", depth=1)
    out.section("RELATED LINKS")
    out.line(f"Online version: {page.doc_path} ('{page.help_command} --online')", depth=1)
    for path in manual.related:
        out.line(f"ocm-tool {path}", depth=1)
    for doc in manual.pages:
        out.line(f"docs/{doc}", depth=1)
    return out.text()


def render_listing(page: Page, *, width: int) -> str:
    """The synopsis and the commands of a group (what ``ocm-tool`` alone prints)."""
    out = _Writer(width)
    out.section("SYNOPSIS")
    out.synopsis(page.synopsis)
    out.section("COMMANDS")
    _listings(out, page.commands)
    return out.text()


def _examples(out: _Writer, page: Page) -> None:
    out.section("EXAMPLES")
    for number, example in enumerate(page.manual.examples, 1):
        out.line(f"{'-' * 26} EXAMPLE {number} {'-' * 26}", depth=1)
        out.blank()
        out.line(example.command, depth=1)
        out.blank()
        out.paragraph(example.explanation)


def _listings(out: _Writer, listings: Iterable[Listing]) -> None:
    for listing in listings:
        out.term(listing.title)
        column = min(max(len(name) for name, _ in listing.commands) + 2, 34)
        for name, summary in listing.commands:
            out.row(name, plain(summary), column)
        out.blank()


def _parameter(out: _Writer, parameter: Parameter, *, full: bool) -> None:
    out.term(parameter.label)
    if parameter.text:
        out.paragraph(parameter.text, depth=2, blank=False)
    if full:
        out.blank()
        for label, value in parameter.attributes:
            out.line(f"{label:<22}{value}", depth=2)
        out.blank()
        return
    required = "yes" if parameter.required else "no"
    facts = [f"type: {parameter.kind}", f"required: {required}"]
    facts.append(f"default: {parameter.default or 'none'}")
    if parameter.variable:
        facts.append(f"variable: {parameter.variable}")
    if parameter.repeatable:
        facts.append("repeatable")
    out.paragraph(f"[{'; '.join(facts)}]", depth=2)


class _Writer:
    """Lines of text with Get-Help's indentation."""

    def __init__(self, width: int) -> None:
        self.width = max(width, 40)
        self.lines: list[str] = []

    def text(self) -> str:
        while self.lines and not self.lines[-1]:
            self.lines.pop()
        return "\n".join(self.lines) + "\n"

    def blank(self) -> None:
        if self.lines and self.lines[-1]:
            self.lines.append("")

    def section(self, title: str) -> None:
        self.blank()
        self.lines += [title]

    def line(self, text: str, *, depth: int = 1) -> None:
        self.lines.append(_IN * depth + text)

    def term(self, text: str) -> None:
        self.line(plain(text), depth=1)

    def paragraph(
        self, text: str, *, depth: int = 1, hanging: bool = False, blank: bool = True
    ) -> None:
        indent = _IN * depth
        self.lines += self._wrap(plain(text), indent, indent + (_IN if hanging else ""))
        if blank:
            self.lines.append("")

    def block(self, block: str | Items) -> None:
        if isinstance(block, str):
            self.paragraph(block)
            return
        if block.numbered:
            for number, (term, text) in enumerate(block.entries, 1):
                entry = f"{number}. {plain(term)}" + (f": {plain(text)}" if text else "")
                self.lines += self._wrap(entry, _IN + "  ", _IN + "     ")
        else:
            column = min(max(len(plain(term)) for term, _ in block.entries) + 2, 30)
            for term, text in block.entries:
                self.row(plain(term), plain(text), column)
        self.lines.append("")

    def row(self, term: str, text: str, column: int) -> None:
        """``term`` and its ``text`` in two columns (text under it when the term is too long)."""
        indent = _IN + "  "
        if len(term) + 2 > column:
            self.lines.append(indent + term)
            self.lines += self._wrap(text, indent + " " * column, indent + " " * column)
        else:
            self.lines += self._wrap(text, indent + term.ljust(column), indent + " " * column)

    def synopsis(self, pieces: Iterable[str]) -> None:
        line = _IN
        for piece in pieces:
            if line.strip() and len(line) + 1 + len(piece) > self.width:
                self.lines.append(line)
                line = _IN * 2 + piece
            else:
                line = f"{line} {piece}" if line.strip() else line + piece
        self.lines.append(line)

    def _wrap(self, text: str, first: str, rest: str) -> list[str]:
        return textwrap.wrap(
            text,
            self.width,
            initial_indent=first,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [first.rstrip()]
