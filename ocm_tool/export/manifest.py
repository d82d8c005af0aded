"""What an export run did, and ``manifest.json``: the record an admin keeps of it.

The manifest says what was exported, when, from where, how many rows and the SHA-256 of each
file (``docs/export.md`` gives the format). It is written atomically, last, whatever happened.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from ocm_tool import __version__
from ocm_tool.errors import ExitStatus, OcmError
from ocm_tool.output.atomic import write_atomically

MANIFEST_NAME = "manifest.json"


class FileStatus(StrEnum):
    COMPLETE = "complete"
    FAILED = "failed"
    CANCELLED = "cancelled"


class RunStatus(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILED = "failed"


@dataclass
class FileReport:
    """One file of the run.

    ``rows`` and ``sha256`` describe the file under its final name (complete files only);
    ``dangling_links`` counts links to records not in the mailbox's export (None: unknown).
    """

    name: str
    entity: str
    status: FileStatus = FileStatus.CANCELLED
    rows: int | None = None
    sha256: str | None = None
    error: str | None = None
    hint: str | None = None  # the fix, for the error line (not part of the manifest)
    dangling_links: int | None = None

    def to_manifest(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "name": self.name,
            "entity": self.entity,
            "rows": self.rows,
            "sha256": self.sha256,
            "status": str(self.status),
        }
        if self.error is not None:
            entry["error"] = self.error
        entry["danglingLinks"] = self.dangling_links
        return entry


@dataclass
class ExportReport:
    """What a run did, for the manifest and for the command that prints it.

    ``error`` is the error that ended the run before its end (its scope was the mailbox or the
    run); ``exit_status`` is then that error's.
    """

    run_dir: Path
    account: str
    mailbox: str
    endpoint: str
    started_at: str = field(default_factory=lambda: utc_now())
    finished_at: str = ""
    status: RunStatus = RunStatus.FAILED
    files: list[FileReport] = field(default_factory=list)
    error: OcmError | None = None

    @property
    def manifest_path(self) -> Path:
        return self.run_dir / MANIFEST_NAME

    @property
    def exit_status(self) -> ExitStatus:
        if self.error is not None:
            return self.error.exit_status
        return ExitStatus.OK if self.status is RunStatus.COMPLETE else ExitStatus.FAILED

    def to_manifest(self) -> dict[str, Any]:
        return {
            "tool": "ocm-tool",
            "version": __version__,
            "account": self.account,
            "mailbox": self.mailbox,
            "endpoint": self.endpoint,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
            "status": str(self.status),
            "files": [f.to_manifest() for f in self.files],
        }

    def finish(self, files: Sequence[FileReport], *, interrupted: bool, fatal: bool) -> None:
        """Record how the run ended and write ``manifest.json`` atomically."""
        self.files = list(files)
        self.finished_at = utc_now()
        self.status = run_status(self.files, interrupted=interrupted, fatal=fatal)
        text = json.dumps(self.to_manifest(), indent=2, ensure_ascii=False) + "\n"
        write_atomically(self.manifest_path, text.encode("utf-8"))


def utc_now() -> str:
    """Now in UTC, ``yyyy-MM-ddTHH:mm:ss.fffZ``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def run_status(
    files: Sequence[FileReport], *, interrupted: bool = False, fatal: bool = False
) -> RunStatus:
    """``complete`` when every file is, ``failed`` when none is (or the run could not start),
    ``partial`` otherwise and always after an interruption."""
    if interrupted:
        return RunStatus.PARTIAL
    if fatal or not any(f.status is FileStatus.COMPLETE for f in files):
        return RunStatus.FAILED
    if all(f.status is FileStatus.COMPLETE for f in files):
        return RunStatus.COMPLETE
    return RunStatus.PARTIAL
