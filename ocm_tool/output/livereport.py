"""A run's report in two files, ``<stem>.json`` and ``<stem>.csv``, rewritten as the run goes on.

Contract of :class:`LiveReport` (what the purge report and the bulk export report share):

- :meth:`LiveReport.write` rewrites both files whole, each atomically (a temporary name renamed
  over the old one): an interrupted run always leaves a whole, readable report. The JSON is
  written first, so whoever sees the new CSV (``--resume``, a watching script) finds the JSON
  too.
- The CSV is in the export files' dialect (every field quoted, CRLF, UTF-8 with a BOM);
  values are written in their text form (``output.values``).
- :meth:`LiveReport.due` tells whether ``min_interval`` seconds have passed since the last
  write: a report of hundreds of mailboxes is not rewritten after every one of them. The
  caller serialises its calls (it holds the lock of its own records).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ocm_tool.output.atomic import write_atomically
from ocm_tool.output.csv import CsvWriter
from ocm_tool.output.values import Value


class LiveReport:
    """``<stem>.json`` and ``<stem>.csv`` in ``run_dir``, with the CSV's ``columns``."""

    def __init__(
        self, run_dir: Path, stem: str, columns: Sequence[str], *, min_interval: float = 0.5
    ) -> None:
        self.csv_path = run_dir / f"{stem}.csv"
        self.json_path = run_dir / f"{stem}.json"
        self.columns = tuple(columns)
        self.min_interval = min_interval
        self._written_at: float | None = None

    def due(self) -> bool:
        """Whether a rewrite is due (the first one always is)."""
        written = self._written_at
        return written is None or time.monotonic() - written >= self.min_interval

    def write(self, document: dict[str, Any], rows: Sequence[Sequence[Value]]) -> None:
        """Rewrite both files: the JSON ``document``, then the CSV ``rows``."""
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        write_atomically(self.json_path, text.encode("utf-8"))
        with CsvWriter(self.csv_path, self.columns, exclusive=False) as out:
            out.write(rows)
            out.commit()
        self._written_at = time.monotonic()
