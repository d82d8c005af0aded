"""The tenant file, streamed: ``write_tenant`` writes a generated tenant record by record.

The file is UTF-8 JSON with one record a line (``grep -c`` counts records), written to a
temporary name and renamed when complete, so a reader never sees half a file. Memory stays
bounded at any size: the records come from ``records.lazy_tenant``'s iterators and are
written as they come. ``json.load`` of the file equals ``generate_tenant(options)``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ocm_tool.emulator.seed.plan import COLLECTIONS, TENANT, SeedOptions
from ocm_tool.emulator.seed.records import lazy_tenant


@dataclass(frozen=True)
class SeedSummary:
    """What ``write_tenant`` wrote."""

    path: Path
    bytes: int
    users: int
    mailboxes: int
    records: dict[str, int]

    def line(self) -> str:
        counts = ", ".join(f"{n} {name}" for name, n in self.records.items())
        return (
            f"wrote {self.path}: tenant {TENANT}, {self.users} users, "
            f"{self.mailboxes} mailboxes, {counts} ({self.bytes:,} bytes)"
        )


_EXPANDED = frozenset(
    {"users", "apps", "mailboxes", *COLLECTIONS, "personMetadata", "deletedItems"}
)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _write_array(out: IO[str], items: Iterable[Any], write_item: Callable[[Any], object]) -> int:
    """``[`` one element per line ``]``; returns how many elements were written."""
    out.write("[")
    count = 0
    for item in items:
        out.write(",\n" if count else "\n")
        write_item(item)
        count += 1
    out.write("\n]" if count else "]")
    return count


def _write_object(out: IO[str], obj: dict[str, Any], counts: dict[str, int]) -> None:
    """An object with one key per line; arrays of records are expanded, the rest inline."""
    out.write("{")
    for n, (key, value) in enumerate(obj.items()):
        out.write(f"{',' if n else ''}\n{_dump(key)}: ")
        if key == "mailboxes":
            counts[key] = _write_array(out, value, lambda box: _write_object(out, box, counts))
        elif key in _EXPANDED:
            written = _write_array(out, value, lambda item: out.write(_dump(item)))
            counts[key] = counts.get(key, 0) + written
        else:
            out.write(_dump(value))
    out.write("\n}")


def write_tenant(options: SeedOptions, path: str | Path) -> SeedSummary:
    """Stream the tenant of ``options`` to ``path`` (UTF-8 JSON, one record per line).

    The file is written to a temporary name and renamed when complete.
    """
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    counts: dict[str, int] = {}
    try:
        with open(partial, "w", encoding="utf-8", newline="\n") as out:
            _write_object(out, lazy_tenant(options), counts)
            out.write("\n")
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return SeedSummary(
        path=path,
        bytes=path.stat().st_size,
        users=counts.get("users", 0),
        mailboxes=counts.get("mailboxes", 0),
        records={name: counts.get(collection, 0) for collection, name in COLLECTIONS.items()},
    )
