"""Benchmark: a workbook with one 200,000-row sheet, written in flat memory.

Run ``python tests/bench/bench_xlsx.py [--rows N ...]`` (default: 20000 and 200000). For each
size a child process writes one table of ``N`` rows of 45 typed columns (texts, a note,
timestamps, days, booleans, numbers, amounts, links, phones: what Contacts and Deals hold)
through the workbook format, 1000 rows a chunk as the export writes them, then reports the
seconds, rows per second, the workbook's size and its own peak resident memory (VmHWM). Flat
memory across a tenfold growth in rows is what staging and ``constant_memory`` buy. Asserts
nothing about time; exits 1 when a workbook has not the rows written. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ocm_tool.output.values import Amount, Links, Stamp, Value

COLUMNS = 45
CHUNK = 1000


def row(n: int) -> list[Value]:
    day = date(2000, 1, 1) + timedelta(days=n % 9000)
    values: list[Value] = [
        f"AAQkPersona-{n:08d}",
        f"c{n:07d}-0000-4000-8000-000000000001",
        f"Contact {n} Dvořáková",
        "Jana",
        "",
        f"Müller {n}",
        Stamp(f"{day.isoformat()}T00:00:00Z"),
        "Obchodní ředitelka",
        f"Company {n % 997} GmbH",
        n % 2 == 0,
        n % 3 == 0,
        f"user{n}@example.com",
        f"User {n}",
        f"user{n}@example.com",
        "",
        "",
        "",
        "",
        "",
        "",
        "Hauptstraße 1",
        "München",
        "Bayern",
        "80331",
        "Deutschland",
        *("",) * 10,
        ("+49 89 100", "+49 89 200"),
        "+420 601 123 456",
        f"Met at the fair, hall {n % 12}.\nLikes coffee. " * (1 + n % 5),
        Links("company", (f"a{n % 997:07d}-0000-4000-8000-000000000001",)),
        Links("deal", ()),
        Amount(Decimal(n) + Decimal("0.5"), "EUR"),
        day,
        datetime(2020, 2, 4, 8, 0, tzinfo=UTC) + timedelta(seconds=n),
        Decimal(n % 100) / 4,
        f"AAMkContact-{n:08d}",
    ]
    return values[:COLUMNS]


def child(rows: int, folder: Path) -> None:
    """Write the workbook; print seconds, its size and VmHWM."""
    from ocm_tool.output.xlsx import XlsxFormat

    header = [f"Column{c}" for c in range(COLUMNS)]
    started = time.perf_counter()
    with XlsxFormat().open(folder, ["Contacts"]) as run:
        with run.table("Contacts", header) as table:
            for start in range(0, rows, CHUNK):
                table.write([row(n) for n in range(start, min(start + CHUNK, rows))])
            table.commit()
        written = run.finish()
    seconds = time.perf_counter() - started
    assert written is not None
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmHWM")).split()[1]
    print(f"{seconds} {written.size} {int(peak) / 1024}")


def count_rows(path: Path) -> int:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    return sum(sheet.max_row - 1 for sheet in book.worksheets)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[20_000, 200_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help="read the rows back (slow)")
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.folder)
        return 0
    failed = False
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix="bench-xlsx-") as folder:
            answer = subprocess.run(
                [sys.executable, __file__, "--child", str(rows), "--folder", folder],
                check=True,
                capture_output=True,
                text=True,
            )
            seconds, size, peak = (float(v) for v in answer.stdout.split())
            line = (
                f"workbook: {rows:,} rows x {COLUMNS} columns, {size / 2**20:.1f} MiB in "
                f"{seconds:.1f} s, {rows / seconds:,.0f} rows/s, peak memory {peak:.0f} MiB"
            )
            if args.check:
                read = count_rows(Path(folder) / "OCM-Export.xlsx")
                line += f", {read:,} rows read back"
                failed |= read != rows
            print(line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
