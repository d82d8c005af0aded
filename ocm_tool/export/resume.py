"""``--resume RUN_FOLDER``: finish an earlier export in its own folder, keeping what is whole.

Contract of :func:`resume_run` (checked before signing in; every refusal a ``UsageError``):

- the folder has the ``manifest.json`` of an ocm-tool export, of the same endpoint; its
  mailbox is the one exported (``--mailbox``, when given, must name the same one);
- temporary files a killed run left (``*.partial``) are removed first;
- a file the manifest lists ``complete`` is **kept** when it is still there and its SHA-256 is
  the one recorded; every other file of the command (failed, cancelled, missing, changed since)
  is exported again, under the current templates, and replaces what is there;
- the manifest is rewritten in place: kept files marked ``kept``, the earlier runs' start times
  in ``resumedFrom``;
- only runs written in formats with a file per table (CSV), without import files, are resumed:
  a workbook holds every table, so it cannot keep some and write others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocm_tool.errors import UsageError
from ocm_tool.export.entities import Entity
from ocm_tool.export.manifest import FileReport, FileStatus, read_manifest
from ocm_tool.output import TableFormat
from ocm_tool.output.atomic import PARTIAL_SUFFIX


@dataclass
class Resumed:
    """What an earlier run left that this one keeps."""

    run_dir: Path
    manifest: dict[str, Any]
    mailbox: str
    kept: dict[str, FileReport] = field(default_factory=dict)

    @property
    def account(self) -> str:
        return str(self.manifest.get("account") or self.mailbox)

    @property
    def resumed_from(self) -> list[str]:
        """The earlier runs' start times, oldest first, this folder's last one included."""
        earlier = [str(s) for s in self.manifest.get("resumedFrom") or [] if isinstance(s, str)]
        started = self.manifest.get("startedAt")
        return [*earlier, str(started)] if started else earlier


def _sha256(path: Path) -> str | None:
    try:
        with open(path, "rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None


def resume_run(
    run_dir: Path,
    entities: Sequence[Entity],
    formats: Sequence[TableFormat],
    *,
    mailbox: str | None,
    endpoint: str,
) -> Resumed:
    """Check ``run_dir`` can be resumed for ``entities``; what it keeps (module contract)."""
    if any(f.run_file is not None for f in formats):
        raise UsageError(
            "--resume finishes runs written a file per table (--format csv)",
            hint="export anew with --format xlsx, or resume with --format csv",
        )
    manifest = read_manifest(run_dir)
    recorded_endpoint = str(manifest.get("endpoint") or "")
    if recorded_endpoint.rstrip("/") != endpoint.rstrip("/"):
        raise UsageError(
            f"{run_dir} was exported from {recorded_endpoint or 'another endpoint'}, "
            f"not from {endpoint}",
            hint="resume it with the --endpoint it was exported from",
        )
    recorded_mailbox = str(manifest.get("mailbox") or "")
    if not recorded_mailbox:
        raise UsageError(f"the manifest of {run_dir} names no mailbox", hint="export anew")
    if mailbox is not None and mailbox.casefold() != recorded_mailbox.casefold():
        raise UsageError(
            f"{run_dir} is the export of {recorded_mailbox}, not of {mailbox}",
            hint="drop --mailbox (the folder says which mailbox it is), or export anew",
        )
    for partial in Path(run_dir).glob(f"*{PARTIAL_SUFFIX}"):
        partial.unlink(missing_ok=True)
    resumed = Resumed(Path(run_dir), manifest, recorded_mailbox)
    earlier = {
        entry.get("entity"): FileReport.from_manifest(entry)
        for entry in manifest["files"]
        if isinstance(entry, dict)
    }
    for entity in entities:
        old = earlier.get(entity.key)
        name = formats[0].table_name(entity.stem)
        if old is None or old.status is not FileStatus.COMPLETE or old.name != name:
            continue
        if old.sha256 is not None and _sha256(Path(run_dir) / name) == old.sha256:
            old.kept = True
            old.names = {f.name: f.table_name(entity.stem) for f in formats}
            resumed.kept[entity.key] = old
    return resumed
