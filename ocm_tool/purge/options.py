"""The options of a purge run, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ocm_tool.errors import ExitStatus
from ocm_tool.purge.report import MailboxResult


@dataclass(frozen=True)
class PurgeOptions:
    """The purge command's options (``cli.py`` passes them through unchanged)."""

    mailbox: str | None = None
    mailboxes_file: Path | None = None
    resume: Path | None = None
    yes: bool = False
    dry_run: bool = False
    soft_delete: bool = False
    export_first: bool = False
    grant_access: bool = False
    output_dir: Path = Path(".")


@dataclass
class PurgeOutcome:
    """How the run ended: the exit status, the run folder and every mailbox's result."""

    exit_status: ExitStatus
    run_dir: Path | None = None
    results: list[MailboxResult] = field(default_factory=list)
