"""The run folder: ``<account>_<yyyyMMddTHHmmssffff>``, as OCM-Script.ps1 named it.

The timestamp is local time with 4 fraction digits (PowerShell's FileDateTime). Every run gets
its own folder: the folder is created with ``exist_ok=False``, and when another run took that
name, the timestamp is stepped by 0.1 ms until a free name is found.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from ocm_tool.output.atomic import output_error

#: Characters that cannot appear in a folder name on Windows (a UPN never has them).
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_STEP = timedelta(microseconds=100)
_MAX_TRIES = 10_000


def file_date_time(moment: datetime) -> str:
    """``yyyyMMddTHHmmssffff``: PowerShell's FileDateTime format."""
    return moment.strftime("%Y%m%dT%H%M%S") + f"{moment.microsecond // 100:04d}"


def safe_name(name: str) -> str:
    """``name`` with the characters that cannot appear in a folder name replaced by ``_``."""
    return _UNSAFE.sub("_", name)


def run_dir_name(account: str, moment: datetime) -> str:
    """``<account>_<yyyyMMddTHHmmssffff>``, with characters unsafe in folder names replaced."""
    return f"{safe_name(account)}_{file_date_time(moment)}"


def make_run_dir(output_dir: Path, account: str, *, now: datetime | None = None) -> Path:
    """Create and return a new run folder under ``output_dir`` (created if missing).

    ``now`` defaults to the current local time. Raises :class:`~ocm_tool.errors.OutputError`
    when the folder cannot be created.
    """
    moment = now or datetime.now()
    output_dir = Path(output_dir)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise output_error(error, output_dir) from error
    for _ in range(_MAX_TRIES):
        path = output_dir / run_dir_name(account, moment)
        try:
            path.mkdir(exist_ok=False)
        except FileExistsError:
            moment += _STEP
            continue
        except OSError as error:
            raise output_error(error, path) from error
        return path
    raise output_error(FileExistsError(17, "no free run folder name"), output_dir / account)
