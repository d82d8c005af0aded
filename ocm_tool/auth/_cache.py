"""The MSAL token cache between runs: where it lives, how it is protected, what it holds.

The cache is msal-extensions' ``PersistedTokenCache`` at ``settings.token_cache``:

- encrypted where the platform offers it (DPAPI, Keychain, libsecret); else a plain file with
  mode 0600, and :func:`open_token_cache` says so (``encrypted`` False, ``created`` True when
  this run made the file) so that sign-in tells the person once, when the file is made;
- never through a symbolic link (refused: following one would change the target's mode), in
  folders created 0700 (each one ocm-tool creates, not only the last);
- one section per authority **origin, port included** (:class:`AuthoritySection`): msal keys
  tokens by host name only, so without this a token of ``https://127.0.0.1:8443`` would be
  sent to ``https://127.0.0.1:9443``;
- a cache that cannot be read (damaged, or encrypted with a key this session does not have)
  is :class:`DamagedTokenCache`: one line with the fix; ``sign_out`` clears it.

Reading and clearing it (``cached_accounts``, ``sign_out``) works offline and never signs in.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import msal
from msal_extensions import FilePersistence, PersistedTokenCache, build_encrypted_persistence
from msal_extensions.persistence import BasePersistence, PersistenceError, PersistenceNotFound

from ocm_tool.errors import ConfigurationError
from ocm_tool.settings import Settings

_CredentialType = msal.TokenCache.CredentialType
#: The format of the file: ``{"format": FORMAT, "authorities": {origin: msal's cache}}``.
FORMAT = "ocm-tool token cache 1"
_DEFAULT_PORTS = {"https": 443, "http": 80}


class DamagedTokenCache(ConfigurationError):
    """The token cache file cannot be read: damaged, another format, or not decryptable."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(
            f"the token cache {path} cannot be read ({reason})",
            hint="run 'ocm-tool logout' to clear it (the next run signs in again), or pass "
            "another --token-cache",
        )


def authority_key(settings: Settings) -> str:
    """``https://host:port``: the authority's origin, port included, lower-cased."""
    parts = urlsplit(settings.authority_url)
    scheme = parts.scheme.lower()
    return f"{scheme}://{(parts.hostname or '').lower()}:{parts.port or _DEFAULT_PORTS.get(scheme)}"


class AuthoritySection(BasePersistence):
    """One authority's section of a token cache file that several authorities share.

    msal (through ``PersistedTokenCache``, which holds the file lock around a reload and a
    save) sees only its section; the others are kept as they are.
    """

    def __init__(self, whole: BasePersistence, key: str) -> None:
        self._whole = whole
        self._key = key
        self.is_encrypted = whole.is_encrypted

    def _sections(self) -> dict:
        try:
            text = self._whole.load()
        except PersistenceNotFound:
            raise
        except (PersistenceError, OSError, UnicodeDecodeError) as error:
            raise DamagedTokenCache(self.get_location(), type(error).__name__) from None
        if not text.strip():
            return {}
        try:
            document = json.loads(text)
        except ValueError:
            raise DamagedTokenCache(self.get_location(), "it is not JSON") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise DamagedTokenCache(self.get_location(), "it is not ocm-tool's format")
        sections = document.get("authorities")
        if not isinstance(sections, dict):
            raise DamagedTokenCache(self.get_location(), "it has no authorities")
        return sections

    def load(self) -> str:
        section = self._sections().get(self._key)
        if section is None:
            raise PersistenceNotFound(location=self.get_location())
        return json.dumps(section)

    def save(self, content: str) -> None:
        try:
            sections = self._sections()
        except PersistenceNotFound:
            sections = {}
        sections[self._key] = json.loads(content)
        self._whole.save(json.dumps({"format": FORMAT, "authorities": sections}))

    def clear(self) -> None:
        """Empty the whole file (every authority): what ``sign_out`` does to a damaged one."""
        self._whole.save(json.dumps({"format": FORMAT, "authorities": {}}))

    def time_last_modified(self) -> float:
        return float(self._whole.time_last_modified())

    def get_location(self) -> str:
        return str(self._whole.get_location())


def _private_folders(folder: Path) -> None:
    """Create ``folder`` and every missing parent with mode 0700 (mkdir's mode meets the
    umask, and ``parents=True`` gives the parents the umask's mode)."""
    missing: list[Path] = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir(mode=0o700)
        created.chmod(0o700)


def token_cache_persistence(path: Path) -> BasePersistence:
    """Encrypted persistence where the platform offers it, else a 0600 file in 0700 folders
    (created empty when missing)."""
    path = Path(path).expanduser()
    if path.is_symlink():
        raise ConfigurationError(
            f"the token cache {path} is a symbolic link; it is not followed",
            hint="pass --token-cache with the path of the file itself",
        )
    _private_folders(path.parent)
    try:
        return build_encrypted_persistence(str(path))
    except Exception:  # noqa: BLE001 - no keyring/libsecret here: msal-extensions has no fallback
        pass
    # Create it 0600, or make an existing file so, without following a link put there since.
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        if hasattr(os, "fchmod"):  # POSIX; Windows has no modes to fix
            os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)
    return FilePersistence(str(path))


@dataclass(frozen=True)
class TokenCache:
    """The opened cache: msal's view of this authority's section, and whether it is encrypted."""

    cache: PersistedTokenCache
    section: AuthoritySection
    #: This run made the file, or found it empty (no sign-in has written to it yet).
    created: bool = False

    @property
    def encrypted(self) -> bool:
        return bool(self.section.is_encrypted)


def open_token_cache(settings: Settings) -> TokenCache:
    """This authority's section of the token cache at ``settings.token_cache``, shared safely
    by concurrent runs (msal-extensions' lock)."""
    path = Path(settings.token_cache).expanduser()
    # "Made" until a sign-in has written to it: an empty file is what a failed one leaves.
    existed = path.exists() and path.stat().st_size > 0
    try:
        section = AuthoritySection(token_cache_persistence(path), authority_key(settings))
        return TokenCache(PersistedTokenCache(section), section, created=not existed)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot use the token cache {path}: {exc.strerror or exc}",
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
    cache = open_token_cache(settings).cache
    return [account.get("username", "") for account in _cached_accounts(cache, settings)]


def sign_out(settings: Settings) -> list[str]:
    """Remove the cached accounts and tokens; return the accounts removed.

    Only tokens of ``settings.client_id`` on the authority's host are removed (an account is
    forgotten when no other client holds tokens for it). App-only tokens of the client id are
    removed too and reported as ``app <client id>``. A damaged cache is emptied (every
    authority's tokens) and reported as ``the damaged token cache``. Works offline.
    """
    opened = open_token_cache(settings)
    try:
        return _sign_out(opened.cache, settings)
    except DamagedTokenCache:
        opened.section.clear()
        return ["the damaged token cache"]


def _sign_out(cache: msal.TokenCache, settings: Settings) -> list[str]:
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
