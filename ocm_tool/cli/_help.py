"""Pieces of help text every command shares, built from the code they describe."""

from __future__ import annotations

from collections.abc import Iterable

from ocm_tool.errors import EXIT_MEANINGS, ExitStatus


def exit_statuses(statuses: Iterable[ExitStatus] = tuple(ExitStatus)) -> str:
    """An ``Exit status:`` block (kept as lines by click's ``\\b``) from ``EXIT_MEANINGS``."""
    lines = "\n".join(f"  {int(status):>3}  {EXIT_MEANINGS[status]}" for status in statuses)
    return f"\b\nExit status:\n{lines}"


def examples(lines: Iterable[str]) -> str:
    """An ``Examples:`` block, one command a line."""
    body = "\n".join(f"  {line}" for line in lines)
    return f"\b\nExamples:\n{body}"
