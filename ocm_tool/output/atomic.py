"""Files that appear whole or not at all: the one atomic writer of ocm-tool.

:class:`AtomicFile` writes to ``<name>.partial`` next to the final name and renames it over
the final name only in :meth:`AtomicFile.commit`, after flushing and ``fsync``: a file under
its final name is always whole. Leaving the ``with`` block without committing (an error,
Ctrl-C) removes the temporary file. Size and SHA-256 are computed while writing, so a file is
never read back. Every ``OSError`` becomes an :class:`~ocm_tool.errors.OutputError` that names
the file and the fix.

Every temporary file open in the process is known (:func:`discard_all`), so that a process
told to quit at once (a third Ctrl-C) still removes them before it exits.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from ocm_tool.errors import OutputError

PARTIAL_SUFFIX = ".partial"

#: The temporary files open now, in any thread.
_OPEN: set[Path] = set()
_OPEN_LOCK = threading.Lock()


def discard_all() -> int:
    """Remove every temporary file open now (their writers fail if they go on); how many.

    Safe to call from a signal handler: it takes no lock a writer could be holding.
    """
    removed = 0
    for partial in list(_OPEN):
        with contextlib.suppress(OSError):
            partial.unlink()
            removed += 1
    return removed


@dataclass(frozen=True)
class WrittenFile:
    """A committed file: where it is, its size and SHA-256."""

    path: Path
    size: int
    sha256: str


def output_error(error: OSError, path: Path) -> OutputError:
    """An :class:`OutputError` for an ``OSError`` met while writing ``path``."""
    reason = error.strerror or str(error)
    return OutputError(
        f"could not write {path}: {reason}",
        hint=f"check free disk space and write permission in {path.parent}, or pass --output-dir",
    )


class AtomicFile:
    """``with AtomicFile(path) as out: out.write(data); out.commit()``.

    ``exclusive`` (the default) refuses to reuse a temporary file that is already there (two
    writers of one name); a file rewritten in place (a report) passes ``exclusive=False``.
    """

    def __init__(self, path: Path, *, exclusive: bool = True) -> None:
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + PARTIAL_SUFFIX)
        self._exclusive = exclusive
        self._hash = hashlib.sha256()
        self._size = 0
        self._file: BinaryIO | None = None
        self._written: WrittenFile | None = None

    def __enter__(self) -> AtomicFile:
        try:
            # Closed by commit() or discard(), which leaving the with block guarantees.
            self._file = open(self.partial, "xb" if self._exclusive else "wb")
        except OSError as error:
            raise output_error(error, self.partial) from error
        with _OPEN_LOCK:
            _OPEN.add(self.partial)
        return self

    def write(self, data: bytes) -> int:
        """Append ``data`` and hand it to the OS (it is on disk, not in this process).

        Returns its length, so an archive writer (zipfile, XlsxWriter) can write to the file
        as to a stream it cannot seek."""
        if self._file is None or self._written is not None:
            raise RuntimeError("AtomicFile.write outside of its with block or after commit")
        try:
            self._file.write(data)
            self._file.flush()
        except OSError as error:
            raise output_error(error, self.partial) from error
        self._hash.update(data)
        self._size += len(data)
        return len(data)

    def flush(self) -> None:
        """Nothing to do: :meth:`write` hands every chunk to the OS (for stream users)."""

    def commit(self) -> WrittenFile:
        """fsync, close and rename to the final name; return what was written."""
        if self._file is None:
            raise RuntimeError("AtomicFile.commit outside of its with block")
        try:
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            os.replace(self.partial, self.path)
            _sync_folder(self.path.parent)
        except OSError as error:
            raise output_error(error, self.path) from error
        finally:
            with _OPEN_LOCK:
                _OPEN.discard(self.partial)
        self._written = WrittenFile(self.path, self._size, self._hash.hexdigest())
        return self._written

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._written is None:
            self.discard()

    def discard(self) -> None:
        """Close and remove the temporary file; never leaves a final-name file behind."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        self.partial.unlink(missing_ok=True)
        with _OPEN_LOCK:
            _OPEN.discard(self.partial)


def write_atomically(path: Path, data: bytes) -> WrittenFile:
    """Write ``data`` to ``path`` whole (a manifest, a report), replacing what was there."""
    with AtomicFile(path, exclusive=False) as out:
        out.write(data)
        return out.commit()


def _sync_folder(folder: Path) -> None:
    """fsync a folder so a rename in it survives a crash (POSIX; elsewhere a no-op)."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
