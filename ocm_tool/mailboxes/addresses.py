"""Mailbox addresses: checking one (``--mailbox``, ADDRESS) and reading ``--mailboxes-file``.

Contract:

- :func:`check_address` takes what a person typed or a file held and returns the SMTP address,
  or raises :class:`~ocm_tool.errors.UsageError` (exit 2) before anything is asked of the
  service. ``<alice@contoso.com>``, ``"Alice" <alice@contoso.com>``, ``mailto:`` and
  Exchange's ``SMTP:`` prefix are accepted and reduced to the address. An address is
  RFC 5322's ``local@domain`` (non-ASCII letters allowed, as Exchange does): no spaces, no
  ``..``, no leading or trailing dot, a domain of at least two labels; so no value can escape
  its place in a URL.
- :func:`read_mailbox_list` returns the addresses of a file, in order, duplicates (any case)
  dropped: one address a line, or a CSV with an ``address`` or a ``PrimarySmtpAddress``
  column (``Get-Mailbox | Export-Csv`` writes the latter, after a ``#TYPE`` line that is
  skipped as a comment), in UTF-8 (with or without a BOM) or UTF-16 with a BOM (what Windows
  PowerShell 5's ``>`` writes). Anything unreadable, empty or not an address is a
  ``UsageError`` naming the line.

Self-contained: it knows nothing of purges or the client.
"""

from __future__ import annotations

import codecs
import csv
import re
from email.utils import parseaddr
from pathlib import Path

from ocm_tool.errors import UsageError

#: RFC 5322 ``atext``, and any non-ASCII character (RFC 6531).
_ATEXT = r"[^\s\"(),.:;<>@\[\\\]\x00-\x1f\x7f]"
_LABEL = r"[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?"
_ADDRESS = re.compile(rf"^{_ATEXT}+(?:\.{_ATEXT}+)*@{_LABEL}(?:\.{_LABEL})+$")
_PREFIXES = ("mailto:", "smtp:")
#: Header names (any case) of the column that holds the addresses, in order of preference.
ADDRESS_COLUMNS = ("address", "primarysmtpaddress")
_LIST_HINT = "one SMTP address a line, or a CSV with an 'address' or 'PrimarySmtpAddress' column"
ADDRESS_HINT = "give an SMTP address, e.g. alice@contoso.com"
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def normalise(value: str) -> str:
    """The address in ``value``: ``<a@b>``, ``Name <a@b>``, ``mailto:a@b``, ``SMTP:a@b`` ->
    ``a@b``; surrounding spaces dropped. Not checked (see :func:`is_address`)."""
    text = value.strip()
    if "<" in text:
        text = parseaddr(text)[1] or text
    for prefix in _PREFIXES:
        if text[: len(prefix)].casefold() == prefix:
            text = text[len(prefix) :]
    return text.strip()


def is_address(value: str) -> bool:
    """Whether ``value`` is an SMTP address (see the module contract)."""
    local = value.rpartition("@")[0]
    return len(local) <= 64 and len(value) <= 254 and _ADDRESS.match(value) is not None


def check_address(value: str, *, source: str = "--mailbox") -> str:
    """The SMTP address ``value`` names, or a :class:`UsageError` naming ``source``."""
    address = normalise(value)
    if not is_address(address):
        raise UsageError(f"{source} {value!r} is not a mailbox address", hint=ADDRESS_HINT)
    return address


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(
            f"cannot read the mailboxes file {path}: {error.strerror or error}",
            hint="check the path and that you may read it",
        ) from error
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise UsageError(
            f"the mailboxes file {path} is neither UTF-8 nor UTF-16 with a BOM "
            f"(byte {error.start + 1} cannot be read)",
            hint="save it as UTF-8 (PowerShell: Out-File -Encoding utf8, or Set-Content)",
        ) from None


def read_mailbox_list(path: Path) -> list[str]:
    """The addresses in ``path``, in order, duplicates (any case) dropped.

    Either one address a line (blank lines and lines starting with ``#`` ignored), or a CSV
    file whose header has an ``address`` or ``PrimarySmtpAddress`` column (any case; other
    columns ignored). Raises
    :class:`UsageError` for an unreadable or empty file, or a value that is not an address.
    """
    text = _decode(path)
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1)]
    lines = [(number, line) for number, line in lines if line and not line.startswith("#")]
    if lines:
        header = [cell.strip().casefold() for cell in next(csv.reader([lines[0][1]]))]
        named = [name for name in ADDRESS_COLUMNS if name in header]
        if named:
            column = header.index(named[0])
            lines = [
                (number, row[column].strip() if column < len(row) else "")
                for number, line in lines[1:]
                for row in csv.reader([line])
            ]
    addresses: dict[str, str] = {}
    for number, value in lines:
        address = normalise(value)
        if not is_address(address):
            raise UsageError(
                f"{path}, line {number}: {value!r} is not a mailbox address", hint=_LIST_HINT
            )
        addresses.setdefault(address.casefold(), address)
    if not addresses:
        raise UsageError(f"the mailboxes file {path} lists no mailbox", hint=_LIST_HINT)
    return list(addresses.values())
