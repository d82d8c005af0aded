"""How each cached account signed in, kept beside the token cache (for ``whoami``).

msal's cache keeps tokens, not the flow that got them, so a later run that signs in silently
cannot tell a password sign-in from a device-code one. :func:`remember` records it after a
flow succeeds: ``<token cache>.sign-ins.json``, one entry per authority, client id and
account, holding the flow and the time, nothing secret. The file is replaced atomically
(temporary name, rename), mode 0600 like the cache. Reading never fails: a missing or
unreadable file knows nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from ocm_tool.settings import Settings


def _path(settings: Settings) -> Path:
    cache = Path(settings.token_cache).expanduser()
    return cache.with_name(cache.name + ".sign-ins.json")


def _key(settings: Settings, account: str) -> str:
    return f"{settings.authority_url}|{settings.client_id}|{account.casefold()}"


def _read(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, dict[str, str]]) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=path.name, dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2)
        os.replace(temporary, path)
    except OSError:
        pass  # only whoami's "auth" line depends on it


def remember(settings: Settings, account: str, method: str) -> None:
    """Record that ``account`` signed in with ``method`` now."""
    path = _path(settings)
    data = _read(path)
    data[_key(settings, account)] = {
        "auth": method,
        "signedInAt": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _write(path, data)


def remembered(settings: Settings, account: str) -> str | None:
    """The flow ``account`` last signed in with, or ``None`` when not recorded."""
    entry = _read(_path(settings)).get(_key(settings, account)) or {}
    method = entry.get("auth")
    return method if isinstance(method, str) else None


def forget(settings: Settings, accounts: list[str]) -> None:
    """Drop the records of ``accounts`` (``logout``)."""
    path = _path(settings)
    data = _read(path)
    keys = {_key(settings, account) for account in accounts}
    if keys & data.keys():
        _write(path, {k: v for k, v in data.items() if k not in keys})
