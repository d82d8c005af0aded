"""A tenant (``docs/tenant-fixture.md``) as a stream of parts, from a dict or a file.

``tenant_parts(tenant)`` yields the tenant's name, its accounts, and for every mailbox a
``MailboxStart``, its small values (address, kind, members, templates...), each record of its
record lists one at a time, and a ``MailboxEnd``, in the order the source holds them. A file
is read as a stream (``_Reader``), so memory stays flat whatever its size: one record is
built at a time. ``Store.load_tenant`` turns the parts into rows; the stream checks nothing
but the JSON and the shape of the containers (an object of mailboxes, lists of records).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: Mailbox keys whose value is a list of records, streamed one record at a time.
RECORD_LISTS = frozenset(
    {
        "contacts",
        "organizations",
        "deals",
        "activities",
        "insights",
        "tasks",
        "personMetadata",
        "deletedItems",
    }
)
#: The mailbox key holding lists of the user's own items, by name (``contacts``, ``inbox``...).
OTHER_ITEMS = "otherItems"
#: The top-level lists of accounts.
ACCOUNT_LISTS = frozenset({"users", "apps"})


@dataclass(frozen=True)
class TenantName:
    name: object


@dataclass(frozen=True)
class Account:
    """One element of ``users`` (``kind == "users"``) or ``apps``."""

    kind: str
    record: object


@dataclass(frozen=True)
class MailboxStart:
    index: int


@dataclass(frozen=True)
class MailboxValue:
    """A mailbox key that is not a record list (or a record list that is not a list)."""

    key: str
    value: object


@dataclass(frozen=True)
class Record:
    """Element ``index`` of a record list: ``source`` is ``"contacts"``, ``"otherItems.inbox"``..."""

    source: str
    index: int
    record: object


@dataclass(frozen=True)
class MailboxEnd:
    index: int


Part = TenantName | Account | MailboxStart | MailboxValue | Record | MailboxEnd


class TenantFileError(ValueError):
    """The file is not JSON, or not shaped as a tenant; the message is one line."""


def tenant_parts(tenant: dict | str | Path) -> Iterator[Part]:
    """The parts of a tenant dict, or of a tenant file (streamed)."""
    if isinstance(tenant, dict):
        return _dict_parts(tenant)
    return _file_parts(Path(tenant))


# -- a dict --------------------------------------------------------------------------------------


def _dict_parts(tenant: dict) -> Iterator[Part]:
    for key, value in tenant.items():
        if key == "tenant":
            yield TenantName(value)
        elif key in ACCOUNT_LISTS:
            for record in value or []:
                yield Account(key, record)
        elif key == "mailboxes":
            for index, mailbox in enumerate(value or []):
                if not isinstance(mailbox, dict):
                    raise TenantFileError(f"mailboxes[{index}] is not an object")
                yield MailboxStart(index)
                for name, field in mailbox.items():
                    yield from _dict_field(name, field)
                yield MailboxEnd(index)


def _dict_field(name: str, value: object) -> Iterator[Part]:
    if name in RECORD_LISTS and isinstance(value, list):
        for index, record in enumerate(value):
            yield Record(name, index, record)
    elif name == OTHER_ITEMS and isinstance(value, dict):
        for kind, records in value.items():
            if isinstance(records, list):
                for index, record in enumerate(records):
                    yield Record(f"{OTHER_ITEMS}.{kind}", index, record)
            else:
                yield MailboxValue(f"{OTHER_ITEMS}.{kind}", records)
    else:
        yield MailboxValue(name, value)


# -- a file --------------------------------------------------------------------------------------

#: Characters read from the file at a time.
_CHUNK = 1 << 16
_SPACE = " \t\n\r"


def _file_parts(path: Path) -> Iterator[Part]:
    with open(path, encoding="utf-8") as file:
        try:
            yield from _Reader(file, path.name).tenant()
        except UnicodeDecodeError as problem:
            raise TenantFileError(f"{path.name} is not UTF-8 ({problem.reason})") from None


class _Reader:
    """Walks the tenant's containers (the tenant object, ``mailboxes``, each mailbox, its
    record lists) itself and has ``json.JSONDecoder.raw_decode`` (the standard library's C
    parser) read every value inside them whole, one record at a time.

    The file is read in chunks of ``_CHUNK`` characters; a value cut by the end of a chunk is
    read again once the next chunk is there. (ijson was measured first: building records
    from its events in Python costs about four times as long as this.)
    """

    def __init__(self, file: IO[str], name: str) -> None:
        self._file = file
        self._name = name
        self._decoder = json.JSONDecoder()
        self._buffer = ""
        self._pos = 0
        self._eof = False
        self._line = 1  # line number of the buffer's first character

    # -- the text ----------------------------------------------------------------------------

    def _more(self) -> bool:
        """Append the next chunk (dropping what was read); ``False`` at the end of the file."""
        if self._eof:
            return False
        self._line += self._buffer.count("\n", 0, self._pos)
        chunk = self._file.read(_CHUNK)
        self._buffer = self._buffer[self._pos :] + chunk
        self._pos = 0
        self._eof = not chunk
        return bool(chunk)

    def _peek(self) -> str:
        """The next character that is not white space ('' at the end of the file)."""
        while True:
            buffer, pos = self._buffer, self._pos
            while pos < len(buffer) and buffer[pos] in _SPACE:
                pos += 1
            self._pos = pos
            if pos < len(buffer):
                return buffer[pos]
            if not self._more():
                return ""

    def _where(self, pos: int) -> str:
        line = self._line + self._buffer.count("\n", 0, pos)
        column = pos - (self._buffer.rfind("\n", 0, pos) + 1) + 1
        return f"{self._name} line {line} column {column}"

    def _fail(self, expected: str) -> TenantFileError:
        found = self._peek()
        what = repr(found) if found else "the end of the file"
        return TenantFileError(f"{self._where(self._pos)}: expected {expected}, found {what}")

    def _take(self, char: str, expected: str) -> None:
        if self._peek() != char:
            raise self._fail(expected)
        self._pos += 1

    def _value(self) -> object:
        """The next JSON value, whole."""
        self._peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as problem:
                if self._more():
                    continue  # cut by the end of the chunk
                raise TenantFileError(f"{self._where(problem.pos)}: {problem.msg}") from None
            if end == len(self._buffer) and self._more():
                continue  # a number may go on in the next chunk
            self._pos = end
            return value

    # -- the containers ----------------------------------------------------------------------

    def _members(self) -> Iterator[str]:
        """The keys of an object (its ``{`` next); the caller reads each one's value."""
        self._take("{", "an object")
        if self._peek() == "}":
            self._pos += 1
            return
        while True:
            if self._peek() != '"':
                raise self._fail("a key")
            key = self._value()
            self._take(":", "':'")
            yield str(key)
            if self._peek() == ",":
                self._pos += 1
                continue
            self._take("}", "',' or '}'")
            return

    def _elements(self) -> Iterator[None]:
        """Once per element of an array (its ``[`` next); the caller reads each element."""
        self._take("[", "a list")
        if self._peek() == "]":
            self._pos += 1
            return
        while True:
            yield None
            if self._peek() == ",":
                self._pos += 1
                continue
            self._take("]", "',' or ']'")
            return

    def _records(self, source: str) -> Iterator[Record]:
        for index, _ in enumerate(self._elements()):
            yield Record(source, index, self._value())

    def tenant(self) -> Iterator[Part]:
        if self._peek() != "{":
            raise TenantFileError(f"{self._name} must hold one JSON object: the tenant")
        for key in self._members():
            kind = self._peek()
            if key == "tenant":
                yield TenantName(self._value())
            elif key in ACCOUNT_LISTS and kind == "[":
                for _ in self._elements():
                    yield Account(key, self._value())
            elif key == "mailboxes" and kind == "[":
                yield from self._mailboxes()
            elif self._value() is not None and (key in ACCOUNT_LISTS or key == "mailboxes"):
                raise TenantFileError(f"{key} must be a list")
        if self._peek():
            raise self._fail("the end of the file after the tenant")

    def _mailboxes(self) -> Iterator[Part]:
        for index, _ in enumerate(self._elements()):
            if self._peek() != "{":
                raise TenantFileError(f"mailboxes[{index}] is not an object")
            yield MailboxStart(index)
            for key in self._members():
                kind = self._peek()
                if key in RECORD_LISTS and kind == "[":
                    yield from self._records(key)
                elif key == OTHER_ITEMS and kind == "{":
                    for name in self._members():
                        source = f"{OTHER_ITEMS}.{name}"
                        if self._peek() == "[":
                            yield from self._records(source)
                        else:
                            yield MailboxValue(source, self._value())
                else:
                    yield MailboxValue(key, self._value())
            yield MailboxEnd(index)
