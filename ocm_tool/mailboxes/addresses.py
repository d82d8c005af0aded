"""Reading the list of mailboxes of ``--mailboxes-file``.

Contract of :func:`read_mailbox_list`: the addresses of the file, in order, duplicates (any
case) dropped; one address a line, or a CSV with an ``address`` or a ``PrimarySmtpAddress``
column (``Get-Mailbox | Export-Csv`` writes the latter, after a ``#TYPE`` line that is
skipped as a comment); anything unreadable,
empty or not an address is a :class:`~ocm_tool.errors.UsageError` (exit 2), raised before any
call to the service. Self-contained: it knows nothing of purges or the client.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from ocm_tool.errors import UsageError

_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")
#: Header names (any case) of the column that holds the addresses, in order of preference.
ADDRESS_COLUMNS = ("address", "primarysmtpaddress")


def read_mailbox_list(path: Path) -> list[str]:
    """The addresses in ``path``, in order, duplicates (any case) dropped.

    Either one address a line (blank lines and lines starting with ``#`` ignored), or a CSV
    file whose header has an ``address`` or ``PrimarySmtpAddress`` column (any case; other
    columns ignored). Raises
    :class:`UsageError` for an unreadable or empty file, or a value that is not an address.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read the mailboxes file {path}: {error}") from error
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
        if not _ADDRESS.match(value):
            raise UsageError(
                f"{path}, line {number}: {value!r} is not a mailbox address",
                hint="one SMTP address a line, or a CSV with an 'address' or "
                "'PrimarySmtpAddress' column",
            )
        addresses.setdefault(value.casefold(), value)
    if not addresses:
        raise UsageError(f"the mailboxes file {path} lists no mailbox")
    return list(addresses.values())
