"""Where ``--demo`` keeps the sample tenant between runs, and how it starts afresh.

The demo's emulator serves a store in the user's data directory (:func:`demo_store`, e.g.
``~/.local/share/ocm-tool/demo/tenant.sqlite3``): the first run loads the sample tenant
(``generate_tenant(SeedOptions())``) into it, later runs serve what it holds, so a purge
shows in the next export. :func:`reset_demo` (``ocm-tool emulator reset-demo``) removes it;
the next run starts from the sample tenant again. Nothing else is kept: TLS files and token
caches are made per run.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import platformdirs

from ocm_tool.emulator.models.store import Store

#: The store and SQLite's write-ahead log and shared-memory files beside it.
_SUFFIXES = ("", "-wal", "-shm", "-journal")


def demo_store() -> Path:
    """The SQLite store of the demo tenant (it may not exist yet)."""
    return Path(platformdirs.user_data_dir("ocm-tool", appauthor=False)) / "demo" / "tenant.sqlite3"


def holds_tenant(path: Path) -> bool:
    """Whether ``path`` is a store with at least one mailbox (a demo started before)."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    try:
        store = Store(path)
    except sqlite3.DatabaseError:
        return False
    try:
        return bool(store.mailboxes())
    except sqlite3.DatabaseError:
        return False
    finally:
        store.close()


def reset_demo(path: Path | None = None) -> list[Path]:
    """Remove the demo's store (and its SQLite side files); the files removed."""
    store = path or demo_store()
    removed = []
    for suffix in _SUFFIXES:
        candidate = store.with_name(store.name + suffix)
        if candidate.exists():
            candidate.unlink()
            removed.append(candidate)
    return removed
