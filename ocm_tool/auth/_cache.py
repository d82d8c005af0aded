"""The MSAL token cache between runs: where it lives, how it is protected, what it holds.

The cache is msal-extensions' ``PersistedTokenCache`` at ``settings.token_cache``: encrypted
where the platform offers it, else a plain file with mode 0600 in a 0700 folder. Reading and
clearing it (``cached_accounts``, ``sign_out``) works offline and never signs in.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import msal
from msal_extensions import FilePersistence, PersistedTokenCache, build_encrypted_persistence
from msal_extensions.persistence import BasePersistence

from ocm_tool.errors import ConfigurationError
from ocm_tool.settings import Settings

_CredentialType = msal.TokenCache.CredentialType


def token_cache_persistence(path: Path) -> BasePersistence:
    """Encrypted persistence where the platform offers it, else a 0600 file in a 0700 folder."""
    path = Path(path).expanduser()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        return build_encrypted_persistence(str(path))
    except Exception:  # noqa: BLE001 - no keyring/libsecret here: msal-extensions has no fallback
        pass
    # msal-extensions creates the file 0600, but an existing file keeps its mode: fix it.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    path.chmod(0o600)
    return FilePersistence(str(path))


def open_token_cache(path: Path) -> PersistedTokenCache:
    """The token cache at ``path``, shared safely by concurrent runs (msal-extensions' lock)."""
    try:
        return PersistedTokenCache(token_cache_persistence(path))
    except OSError as exc:
        raise ConfigurationError(
            f"cannot use the token cache {path}: {exc.strerror}",
            hint="pass --token-cache with a file in a folder you can write",
        ) from None


def _cached_accounts(cache: msal.TokenCache, settings: Settings) -> list[dict]:
    """Accounts of this authority's host holding tokens of ``settings.client_id``."""
    environment = urlsplit(settings.authority_url).hostname
    query = {"environment": environment, "client_id": settings.client_id}
    holders = {
        item.get("home_account_id")
        for kind in (_CredentialType.REFRESH_TOKEN, _CredentialType.ID_TOKEN)
        for item in cache.search(kind, query=query)
    }
    return [
        account
        for account in cache.search(_CredentialType.ACCOUNT, query={"environment": environment})
        if account.get("home_account_id") in holders
    ]


def cached_accounts(settings: Settings) -> list[str]:
    """The accounts the token cache holds for ``settings.authority_url`` and client id."""
    cache = open_token_cache(settings.token_cache)
    return [account.get("username", "") for account in _cached_accounts(cache, settings)]


def sign_out(settings: Settings) -> list[str]:
    """Remove the cached accounts and tokens; return the accounts removed.

    Only tokens of ``settings.client_id`` on the authority's host are removed (an account is
    forgotten when no other client holds tokens for it). App-only tokens of the client id are
    removed too and reported as ``app <client id>``. Works offline.
    """
    cache = open_token_cache(settings.token_cache)
    environment = urlsplit(settings.authority_url).hostname
    removed: list[str] = []
    for account in _cached_accounts(cache, settings):
        query = {
            "home_account_id": account["home_account_id"],
            "environment": environment,
            "client_id": settings.client_id,
        }
        _remove_tokens(cache, query)
        others = {
            "home_account_id": account["home_account_id"],
            "environment": environment,
        }
        if not any(cache.search(_CredentialType.REFRESH_TOKEN, query=others)):
            cache.remove_account(account)
        removed.append(account.get("username", ""))
    app_tokens = list(
        cache.search(
            _CredentialType.ACCESS_TOKEN,
            query={
                "home_account_id": None,
                "environment": environment,
                "client_id": settings.client_id,
            },
        )
    )
    for item in app_tokens:
        cache.remove_at(item)
    if app_tokens:
        removed.append(f"app {settings.client_id}")
    return removed


def _remove_tokens(cache: msal.TokenCache, query: dict) -> None:
    for item in list(cache.search(_CredentialType.REFRESH_TOKEN, query=query)):
        cache.remove_rt(item)
    for item in list(cache.search(_CredentialType.ACCESS_TOKEN, query=query)):
        cache.remove_at(item)
    for item in list(cache.search(_CredentialType.ID_TOKEN, query=query)):
        cache.remove_idt(item)
