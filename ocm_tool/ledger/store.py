"""The requests ledger on disk: one SQLite file in the user's data directory, owner-only.

Contract of :class:`Ledger`:

- The file is ``requests.sqlite`` in ``platformdirs.user_data_dir("ocm-tool")`` (on Linux
  ``$XDG_DATA_HOME/ocm-tool``, by default ``~/.local/share/ocm-tool``). The folder is made
  ``0700`` and the file ``0600`` before SQLite opens it (its journal takes the file's mode):
  requests name the people they are about.
- :meth:`Ledger.create` records a request ``Queued``; :meth:`Ledger.begin` starts an attempt
  (``Processing``), :meth:`Ledger.end` ends it ``Completed`` or ``Failed`` with its counts,
  error and output folder. Each call is one transaction; several ocm-tool processes may use
  the file at once (SQLite locks, with a 30 s wait).
- An attempt left ``Processing`` by a process of this machine that no longer runs (killed,
  power cut) reads as ``Failed``, with that as its reason, so that it can be retried.
- A file that cannot be opened or is not a ledger is a
  :class:`~ocm_tool.errors.ConfigurationError` naming it; an unknown request id a
  :class:`~ocm_tool.errors.UsageError`.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from ocm_tool.errors import ConfigurationError, UsageError
from ocm_tool.ledger.model import Attempt, Request, RequestKind, RequestStatus

LEDGER_NAME = "requests.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    name TEXT,
    scope TEXT NOT NULL,
    parameters TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    request_id INTEGER NOT NULL REFERENCES requests (id),
    number INTEGER NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    endpoint TEXT NOT NULL,
    local_user TEXT NOT NULL,
    operator TEXT,
    error TEXT,
    output TEXT,
    counts TEXT NOT NULL DEFAULT '{}',
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    PRIMARY KEY (request_id, number)
);
"""
_ATTEMPT_COLUMNS = (
    "number, status, started_at, endpoint, local_user, operator, finished_at, error, output, counts"
)


def default_ledger_path() -> Path:
    """``requests.sqlite`` in the user's data directory."""
    return Path(platformdirs.user_data_dir("ocm-tool", appauthor=False)) / LEDGER_NAME


def now() -> str:
    """Now in UTC, ``yyyy-MM-ddTHH:mm:ssZ``."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (a container without a passwd entry)
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def _alive(pid: int) -> bool:
    """Whether a process of this machine runs with ``pid`` (POSIX; elsewhere: assumed)."""
    if os.name != "posix":
        return True  # os.kill(pid, 0) would terminate the process on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _owner_only(path: Path) -> None:
    """Make the folder (0700) and the file (0600) before SQLite creates either."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


class Ledger:
    """The requests of this user (see the module contract). Use as a context manager."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_ledger_path()
        try:
            _owner_only(self.path)
            self._db = sqlite3.connect(self.path, timeout=30.0)
            with self._db:
                self._db.executescript(_SCHEMA)
            self._settle_stale()
        except (OSError, sqlite3.Error) as error:
            raise ConfigurationError(
                f"cannot open the requests ledger {self.path}: {error}",
                hint=f"check that {self.path.parent} is yours and writable; a file that is "
                "not a ledger must be moved away (a new one is then started)",
            ) from error

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        try:
            with self._db:
                yield self._db
        except sqlite3.Error as error:
            raise ConfigurationError(
                f"cannot write to the requests ledger {self.path}: {error}",
                hint=f"check free disk space and that {self.path} is writable",
            ) from error

    # -- recording -------------------------------------------------------------------------

    def create(
        self,
        kind: RequestKind,
        subject: str,
        *,
        name: str | None,
        scope: Sequence[str | None],
        parameters: dict[str, Any],
    ) -> Request:
        """Record a new request (``Queued``) and return it."""
        with self._writing() as db:
            cursor = db.execute(
                "INSERT INTO requests (kind, subject, name, scope, parameters, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    str(kind),
                    subject,
                    name,
                    json.dumps(list(scope)),
                    json.dumps(parameters, ensure_ascii=False),
                    now(),
                ),
            )
            request_id = cursor.lastrowid
        assert request_id is not None
        return self.get(request_id)

    def begin(self, request_id: int, *, endpoint: str) -> int:
        """Start a new attempt of the request (``Processing``); its number."""
        with self._writing() as db:
            (last,) = db.execute(
                "SELECT COALESCE(MAX(number), 0) FROM attempts WHERE request_id = ?",
                (request_id,),
            ).fetchone()
            db.execute(
                "INSERT INTO attempts (request_id, number, status, started_at, endpoint,"
                " local_user, host, pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    request_id,
                    last + 1,
                    str(RequestStatus.PROCESSING),
                    now(),
                    endpoint,
                    _local_user(),
                    socket.gethostname(),
                    os.getpid(),
                ),
            )
        return int(last) + 1

    def end(
        self,
        request_id: int,
        number: int,
        status: RequestStatus,
        *,
        operator: str | None,
        counts: dict[str, int],
        error: str | None = None,
        output: str | None = None,
    ) -> None:
        """End an attempt ``Completed`` or ``Failed``."""
        if status not in (RequestStatus.COMPLETED, RequestStatus.FAILED):
            raise ValueError(f"an attempt ends Completed or Failed, not {status}")
        with self._writing() as db:
            db.execute(
                "UPDATE attempts SET status = ?, finished_at = ?, operator = ?, counts = ?,"
                " error = ?, output = ? WHERE request_id = ? AND number = ?",
                (
                    str(status),
                    now(),
                    operator,
                    json.dumps(counts),
                    error,
                    output,
                    request_id,
                    number,
                ),
            )

    # -- reading ---------------------------------------------------------------------------

    def get(self, request_id: int) -> Request:
        """The request with this id; :class:`UsageError` when there is none."""
        row = self._db.execute(
            "SELECT id, kind, subject, name, scope, parameters, created_at FROM requests"
            " WHERE id = ?",
            (request_id,),
        ).fetchone()
        if row is None:
            raise UsageError(
                f"there is no request {request_id} in {self.path}",
                hint="'ocm-tool requests list' shows the requests and their ids",
            )
        return self._request(row)

    def requests(self, status: RequestStatus | None = None) -> list[Request]:
        """Every request, oldest first; only those whose status is ``status`` when given."""
        rows = self._db.execute(
            "SELECT id, kind, subject, name, scope, parameters, created_at FROM requests"
            " ORDER BY id"
        ).fetchall()
        found = [self._request(row) for row in rows]
        return [r for r in found if status is None or r.status is status]

    def _request(self, row: tuple[Any, ...]) -> Request:
        request_id, kind, subject, name, scope, parameters, created_at = row
        attempts = self._db.execute(
            f"SELECT {_ATTEMPT_COLUMNS} FROM attempts WHERE request_id = ? ORDER BY number",
            (request_id,),
        ).fetchall()
        return Request(
            id=request_id,
            kind=RequestKind(kind),
            subject=subject,
            name=name,
            scope=tuple(json.loads(scope)),
            parameters=json.loads(parameters),
            created_at=created_at,
            attempts=tuple(_attempt(a) for a in attempts),
        )

    def _settle_stale(self) -> None:
        """Attempts ``Processing`` in a process of this machine that has ended: ``Failed``."""
        host = socket.gethostname()
        rows = self._db.execute(
            "SELECT request_id, number, pid FROM attempts WHERE status = ? AND host = ?",
            (str(RequestStatus.PROCESSING), host),
        ).fetchall()
        stale = [(r, n, pid) for r, n, pid in rows if pid != os.getpid() and not _alive(pid)]
        if not stale:
            return
        with self._db:
            for request_id, number, pid in stale:
                self._db.execute(
                    "UPDATE attempts SET status = ?, error = ? WHERE request_id = ? AND number = ?",
                    (
                        str(RequestStatus.FAILED),
                        f"the ocm-tool process (pid {pid}) ended before the request finished",
                        request_id,
                        number,
                    ),
                )


def _attempt(row: tuple[Any, ...]) -> Attempt:
    number, status, started, endpoint, local_user, operator, finished, error, output, counts = row
    return Attempt(
        number=number,
        started_at=started,
        status=RequestStatus(status),
        endpoint=endpoint,
        local_user=local_user,
        operator=operator,
        finished_at=finished,
        error=error,
        output=output,
        counts=json.loads(counts),
    )
