"""The options of a purge run: what the purge commands pass to ``run_purge``, unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PurgeOptions:
    """The purge command's options, one field per option (``mailbox``: ADDRESS)."""

    mailbox: str | None = None
    mailboxes_file: Path | None = None
    resume: Path | None = None
    yes: bool = False
    dry_run: bool = False
    soft_delete: bool = False
    export_first: bool = False
    grant_access: bool = False
    output_dir: Path = Path(".")
