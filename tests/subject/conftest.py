"""Fixtures of the subject tests: one emulator reset per test, the CLI, the ledger, and a
look at the tenant from outside.

The CLI runs in-process (click's ``CliRunner``), signed in as alice with the password grant;
its requests ledger lives in a temporary data directory (``XDG_DATA_HOME``). The
:class:`Tenant` view reads every item of every mailbox in the emulator's own store, never
through ocm-tool's code.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ocm_tool.cli import cli
from ocm_tool.emulator.server import EmulatorHandle, running_emulator

from .tenant import ALICE, PASSWORDS, tenant

#: The folder (its key in the emulator's store) where a hold keeps hard-deleted items.
PURGES = "purges"


@pytest.fixture(scope="module")
def _server() -> Iterator[EmulatorHandle]:
    with running_emulator(tenant()) as handle:
        yield handle


@pytest.fixture
def emulator(_server: EmulatorHandle) -> EmulatorHandle:
    """The module's emulator as a fresh start with the tenant would be, for one test."""
    _server.reset(tenant())
    return _server


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's data directory of this test (the ledger goes to ``ocm-tool/`` in it)."""
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


class Cli:
    """``ocm-tool`` against the emulator, signed in as alice (or ``user``)."""

    def __init__(self, handle: EmulatorHandle, tmp_path: Path) -> None:
        self.handle = handle
        self.tmp_path = tmp_path
        self.output_dir = tmp_path / "out"

    def global_options(self, user: str = ALICE) -> list[str]:
        return [
            *self.handle.cli_options(),
            "--token-cache",
            str(self.tmp_path / f"cache-{user}.bin"),
            "--auth",
            "password",
            "--username",
            user,
        ]

    def __call__(
        self, *args: str, user: str = ALICE, input: str | None = None, retries: int | None = None
    ) -> Result:
        extra = ["--retries", str(retries)] if retries is not None else []
        return CliRunner().invoke(
            cli,
            [*self.global_options(user), *extra, *args],
            input=input,
            env={"OCM_PASSWORD": PASSWORDS[user], "COLUMNS": "200"},
            prog_name="ocm-tool",
            catch_exceptions=False,
        )

    def json(self, *args: str) -> Any:
        """Run a command with ``--output json`` and return the result of the one document it
        printed (for ``requests list``: the requests)."""
        result = self(*args, "--output", "json")
        assert result.exit_code == 0, result.output
        document = json.loads(result.stdout)
        assert document["exitCode"] == 0 and document["error"] is None, document
        found = document["result"]
        return found["requests"] if args[:2] == ("requests", "list") else found

    def folders(self) -> list[Path]:
        """The request folders under the output folder, oldest first."""
        if not self.output_dir.exists():
            return []
        return sorted((p for p in self.output_dir.iterdir() if p.is_dir()), key=lambda p: p.name)

    def only_folder(self) -> Path:
        folders = self.folders()
        assert len(folders) == 1, folders
        return folders[0]


@pytest.fixture
def ocm(emulator: EmulatorHandle, tmp_path: Path, data_home: Path) -> Cli:
    return Cli(emulator, tmp_path)


# --- the tenant seen from outside ------------------------------------------------------------


class Tenant:
    """Every item of every mailbox as the emulator stores it: not through ocm-tool's code."""

    def __init__(self, handle: EmulatorHandle) -> None:
        self.handle = handle

    def snapshot(self) -> dict[tuple[str, str], tuple[str, str]]:
        """(mailbox, item Id) -> (folder key, what the item holds): every item of the tenant."""
        with closing(sqlite3.connect(self.handle.store.path)) as db:
            rows = db.execute(
                "SELECT m.address, i.id, f.key, i.item_class, i.coll, i.body, i.ext"
                " FROM items i JOIN mailboxes m ON m.id = i.mailbox_id"
                " JOIN folders f ON f.num = i.folder"
            ).fetchall()
        return {
            (address, item_id): (folder, json.dumps([item_class, collection, body, ext]))
            for address, item_id, folder, item_class, collection, body, ext in rows
        }


@pytest.fixture
def outside(emulator: EmulatorHandle) -> Tenant:
    return Tenant(emulator)


# --- reading what was written ----------------------------------------------------------------


def read_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def records(data: bytes) -> list[bytes]:
    """The raw records of a CSV file of ocm-tool's dialect (every field quoted, CRLF), header
    first: a CRLF outside quotes ends a record, quotes inside fields are doubled."""
    found: list[bytes] = []
    start, quoted = 0, False
    position = 0
    while position < len(data):
        byte = data[position : position + 1]
        if byte == b'"':
            quoted = not quoted
        elif not quoted and data[position : position + 2] == b"\r\n":
            found.append(data[start : position + 2])
            start = position + 2
            position += 1
        position += 1
    assert start == len(data), "the file does not end with a whole record"
    return found


@dataclass
class HtmlTable:
    columns: list[str]
    rows: list[list[str]]

    def dicts(self) -> list[dict[str, str]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, HtmlTable] = {}
        self.fields: dict[str, str] = {}
        self.status = ""
        self._table: HtmlTable | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._field: str | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("link", "script", "img", "iframe"):
            self.links.append(tag)
        for name in ("src", "href"):
            if attributes.get(name):
                self.links.append(str(attributes[name]))
        if tag == "table":
            self._table = HtmlTable([], [])
            self.tables[str(attributes.get("id"))] = self._table
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag == "th" and attributes.get("data-column") and self._table is not None:
            self._table.columns.append(str(attributes["data-column"]))
        elif tag == "th" and attributes.get("data-field"):
            self._field = str(attributes["data-field"])
        elif tag == "td":
            self._cell = []
        elif tag == "span" and attributes.get("id") == "status":
            self.status = str(attributes.get("data-status"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            text = "".join(self._cell).strip()
            if self._field is not None:
                self.fields[self._field] = text
                self._field = None
            elif self._row is not None:
                self._row.append(text)
            self._cell = None
        elif tag == "tr" and self._table is not None and self._row:
            self._table.rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@dataclass
class Report:
    """``report.html`` read back: the request's fields, the final status, the tables."""

    fields: dict[str, str]
    status: str
    tables: dict[str, HtmlTable]
    external: list[str]

    def table(self, key: str) -> list[dict[str, str]]:
        return self.tables[key].dicts() if key in self.tables else []


def read_report(folder: Path) -> Report:
    page = _Page()
    page.feed((folder / "report.html").read_text(encoding="utf-8"))
    return Report(page.fields, page.status, page.tables, page.links)


def number(cell: str) -> int | None:
    return None if cell in ("–", "") else int(cell)
