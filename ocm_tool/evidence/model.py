"""What ``report.html`` says: a request, its scope, tables of facts, and how it ended.

The model is generic on purpose: a subject export, a subject delete, an export and a purge
each fill the same few parts (their adapters live with their engines), and the template shows
any of them the same way. Every table has a ``key`` (the ``id`` of its ``<table>``) and named
columns (``data-column`` of each header cell), so the page can be read back by a program.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REPORT_NAME = "report.html"

#: A table cell: text, a count, or nothing (shown as a dash).
Cell = str | int | None


@dataclass(frozen=True)
class RequestFacts:
    """The request: what was asked, by whom, with which tool, against which service, when."""

    id: str
    kind: str
    subject: str
    operator: str
    version: str
    endpoint: str
    started_at: str
    finished_at: str


@dataclass(frozen=True)
class Table:
    """One table of the report: ``key`` names it, ``columns`` head it, ``rows`` fill it.

    ``note`` explains it in a sentence; ``empty`` is shown instead of a table with no rows.
    """

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str | None = None
    empty: str = "None."

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table {self.key}: a row of {len(row)} cells, not {len(self.columns)}"
                )


@dataclass(frozen=True)
class Evidence:
    """A whole report. ``scope`` is a list of (what, value) lines (mailboxes, folders, ...);
    ``status`` the final status, ``error`` why it was not completed."""

    title: str
    request: RequestFacts
    status: str
    scope: tuple[tuple[str, str], ...] = ()
    tables: tuple[Table, ...] = ()
    error: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)
