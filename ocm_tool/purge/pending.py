"""FullAccess grants recorded before they are made, so that no run leaves one behind for good.

Contract:

- Before a purge sends ``Add-MailboxPermission`` it records the grant twice: in its report
  (rewritten at once) and here, as a file in the user's state folder (``pending-grants/``,
  one JSON file per endpoint, mailbox and admin). The run holds a lock on that file
  (``filelock``) as long as it runs and removes the file once the grant is confirmed gone.
- A run that ended without taking its grant back (killed with SIGKILL, the machine lost power,
  the removal failed) leaves the file, and nobody holds its lock. The next purge run against
  the same endpoint, signed in as that admin or with ``--grant-access``, finds it
  (:meth:`PendingGrants.left_behind`), takes the grant back (``mailboxes.grant.take_back``),
  reports it, and removes the file once the grant is gone.
- A run still going holds its locks: its grants are never taken from under it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import platformdirs
from filelock import FileLock, Timeout

from ocm_tool.output.atomic import write_atomically

_SUFFIX = ".json"


def default_folder() -> Path:
    """Where pending grants are recorded: the user's state folder for ocm-tool."""
    return Path(platformdirs.user_state_dir("ocm-tool", appauthor=False)) / "pending-grants"


@dataclass(frozen=True)
class PendingGrant:
    """A grant a run recorded before making it: where, for whom, and the run's report."""

    endpoint: str
    mailbox: str
    user: str
    report: str
    recorded_at: str


class PendingGrants:
    """The pending grants of one run against ``endpoint``, kept in ``folder``. Thread-safe
    through the file locks (one per grant)."""

    def __init__(self, folder: Path, endpoint: str) -> None:
        self.folder = folder
        self.endpoint = endpoint.rstrip("/")
        self._locks: dict[str, FileLock] = {}

    def _key(self, mailbox: str, user: str) -> str:
        text = "\n".join((self.endpoint, mailbox.casefold(), user.casefold()))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def _lock(self, key: str) -> FileLock:
        # Not thread-local: a list run records in its worker threads, and releases at the end.
        return FileLock(self.folder / f"{key}{_SUFFIX}.lock", timeout=0, thread_local=False)

    def record(self, mailbox: str, user: str, report: Path) -> None:
        """Record a grant about to be made (and hold its lock until :meth:`forget`)."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = self._key(mailbox, user)
        lock = self._locks.get(key) or self._lock(key)
        lock.acquire()
        self._locks[key] = lock
        grant = PendingGrant(
            self.endpoint,
            mailbox,
            user,
            str(report),
            datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        )
        text = json.dumps(asdict(grant), ensure_ascii=False, indent=2) + "\n"
        write_atomically(self.folder / f"{key}{_SUFFIX}", text.encode("utf-8"))

    def forget(self, mailbox: str, user: str) -> None:
        """The grant is gone: remove its record and let go of its lock."""
        key = self._key(mailbox, user)
        (self.folder / f"{key}{_SUFFIX}").unlink(missing_ok=True)
        lock = self._locks.pop(key, None)
        if lock is not None:
            lock.release()

    def left_behind(self) -> list[PendingGrant]:
        """Grants against this endpoint that runs no longer going recorded and did not take
        back; their locks are held by this run from now on (:meth:`forget` each one)."""
        found: list[PendingGrant] = []
        for path in sorted(self.folder.glob(f"*{_SUFFIX}")) if self.folder.is_dir() else []:
            try:
                grant = PendingGrant(**json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue  # not ours to judge: left as it is
            if grant.endpoint != self.endpoint:
                continue
            key = path.name.removesuffix(_SUFFIX)
            lock = self._lock(key)
            try:
                lock.acquire()
            except Timeout:
                continue  # its run is still going
            self._locks[key] = lock
            found.append(grant)
        return found

    def release(self) -> None:
        """Let go of every lock still held (the run ends); records stay for the next run."""
        for lock in self._locks.values():
            lock.release()
        self._locks.clear()
