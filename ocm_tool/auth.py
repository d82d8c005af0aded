"""Signing in once per run with MSAL, and keeping the token cache between runs.

``sign_in(settings, console=...)`` returns a :class:`TokenProvider`. It first asks msal for a
token from the persisted cache (no prompt), then runs the flow ``settings.auth`` names:

================  ==================================================================
``device-code``   print msal's "open this page and enter this code" message, poll
``browser``       msal's interactive flow: a browser and a listener on localhost
``password``      username from ``--username`` or a prompt; password from OCM_PASSWORD
                  or a no-echo prompt (resource-owner password grant)
``client-secret`` app-only; secret from OCM_CLIENT_SECRET or a no-echo prompt
``certificate``   app-only; ``--certificate`` is a PEM file with the private key and the
                  certificate; passphrase from OCM_CERTIFICATE_PASSWORD or a prompt
================  ==================================================================

Every HTTP request msal makes goes through :class:`MsalHttpClient`, which passes
``verify=settings.verify`` per request (so ``--ca-bundle`` wins over ``REQUESTS_CA_BUNDLE``)
and keeps the authority's port on msal's user-realm lookup (msal drops it).

The cache is msal-extensions' ``PersistedTokenCache`` at ``settings.token_cache``: encrypted
where the platform offers it, else a plain file with mode 0600. Errors are
``ConfigurationError`` (something to set; names the option or environment variable),
``AuthenticationError`` (msal's error description and a hint) or ``TransportError``.
Secrets are never printed.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import jwt
import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS
from msal_extensions import FilePersistence, PersistedTokenCache, build_encrypted_persistence
from msal_extensions.persistence import BasePersistence
from rich.console import Console

from ocm_tool import __version__
from ocm_tool.errors import AuthenticationError, ConfigurationError, TransportError
from ocm_tool.settings import SCOPES, Settings

#: (connect, read) seconds for each identity request.
HTTP_TIMEOUT = (10, 60)
#: How long the browser flow waits for the sign-in to finish.
BROWSER_TIMEOUT = 300

_CredentialType = msal.TokenCache.CredentialType


class TokenProvider(Protocol):
    """Hands out a valid access token for the OCM API, refreshing it when asked."""

    #: UPN of a delegated sign-in; ``None`` for app-only sign-in.
    account: str | None

    def token(self, *, force_refresh: bool = False) -> str: ...


# -- HTTP ---------------------------------------------------------------------------------------


class MsalHttpClient:
    """The requests-based ``http_client`` msal uses (msal needs only ``get`` and ``post``).

    ``verify`` goes with every request: requests lets ``REQUESTS_CA_BUNDLE`` and
    ``CURL_CA_BUNDLE`` replace a session's ``verify``, but not a per-request one.
    msal builds the user-realm URL from the authority's host name without its port;
    for an authority with an explicit port that request is sent to that port.
    """

    def __init__(self, verify: str | bool, authority_url: str) -> None:
        self._verify = verify
        self._authority = urlsplit(authority_url)
        self._session = requests.Session()

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self._session.get(self._route(url), **self._options(kwargs))

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._session.post(self._route(url), **self._options(kwargs))

    def close(self) -> None:
        self._session.close()

    def _options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return {**kwargs, "verify": self._verify}

    def _route(self, url: str) -> str:
        parts = urlsplit(url)
        if (
            self._authority.port is not None
            and parts.port is None
            and parts.hostname == self._authority.hostname
            and parts.path.startswith("/common/userrealm/")
        ):
            return urlunsplit(parts._replace(netloc=self._authority.netloc))
        return url


# -- token cache --------------------------------------------------------------------------------


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


# -- credentials --------------------------------------------------------------------------------


def _ask(
    settings: Settings, console: Console, value: str | None, *, what: str, source: str, secret: bool
) -> str:
    """``value``, or an answer typed at a prompt; no terminal: ``ConfigurationError``."""
    if value:
        return value
    if not settings.interactive:
        raise ConfigurationError(
            f"--auth {settings.auth} needs the {what}, and there is no terminal to ask for it",
            hint=f"set {source}",
        )
    answer = console.input(f"{what[0].upper()}{what[1:]}: ", password=secret).strip()
    if not answer:
        raise ConfigurationError(f"no {what} was given", hint=f"type it, or set {source}")
    return answer


@dataclass(frozen=True)
class CertificateCredential:
    """What msal needs to sign client assertions, and the thumbprint people recognise."""

    private_key_pem: str
    certificate_pem: str
    thumbprint: str  # SHA-1, upper-case hex, as the Azure portal shows it

    def for_msal(self) -> dict[str, str]:
        # With the public certificate msal computes the SHA-256 thumbprint (x5t#S256, PS256).
        return {"private_key": self.private_key_pem, "public_certificate": self.certificate_pem}


def load_certificate(settings: Settings, console: Console) -> CertificateCredential:
    """Read ``settings.certificate``: a PEM file holding a private key and its certificate."""
    path = settings.certificate
    if path is None:
        raise ConfigurationError(
            "--auth certificate needs a certificate",
            hint="pass --certificate FILE: a PEM file with the private key and the certificate",
        )
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the certificate file {path}: {exc.strerror}",
            hint="check --certificate",
        ) from None
    try:
        certificate = x509.load_pem_x509_certificates(data)[0]
    except ValueError:
        raise ConfigurationError(
            f"{path} holds no PEM certificate",
            hint="--certificate needs a PEM file with both the private key and the certificate",
        ) from None
    key = _load_private_key(data, path, settings, console)
    return CertificateCredential(
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii"),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        thumbprint=certificate.fingerprint(hashes.SHA1()).hex().upper(),
    )


def _load_private_key(data: bytes, path: Path, settings: Settings, console: Console) -> Any:
    passphrase = settings.secrets.certificate_password
    try:
        return serialization.load_pem_private_key(data, None)
    except TypeError:  # encrypted: needs the passphrase
        pass
    except ValueError:
        raise ConfigurationError(
            f"{path} holds no PEM private key",
            hint="--certificate needs a PEM file with both the private key and the certificate",
        ) from None
    passphrase = _ask(
        settings,
        console,
        passphrase,
        what="certificate passphrase",
        source="OCM_CERTIFICATE_PASSWORD",
        secret=True,
    )
    try:
        return serialization.load_pem_private_key(data, passphrase.encode())
    except ValueError:
        raise ConfigurationError(
            f"cannot decrypt the private key in {path}",
            hint="check the passphrase (OCM_CERTIFICATE_PASSWORD)",
        ) from None


# -- errors -------------------------------------------------------------------------------------

_HINTS = {
    "invalid_client": "check the client secret (OCM_CLIENT_SECRET) or the certificate "
    "registered for this --client-id",
    "unauthorized_client": "check --client-id and --tenant: the app is not registered there",
    "invalid_scope": f"the server does not grant {SCOPES[0]} to this app",
    "expired_token": "the device code expired before the sign-in was finished; run again "
    "and complete the sign-in in the browser in time",
    "authorization_declined": "the sign-in was cancelled in the browser; run again and approve it",
    "access_denied": "the sign-in was cancelled in the browser; run again and approve it",
    "invalid_tenant": "check --tenant and --authority",
    "timeout": "the browser sign-in did not finish in time; run again",
}
_HINTS_BY_CODE = {
    50126: "check the username and the password (OCM_PASSWORD)",
    50034: "check --username: no such user in this tenant",
    90002: "check --tenant and --authority",
}
_DEFAULT_HINT = "check --authority, --tenant, --client-id and --auth"


def _authentication_error(result: dict) -> AuthenticationError:
    error = str(result.get("error") or "no_token")
    description = str(result.get("error_description") or "no access token was returned")
    # Identity-platform descriptions end in trace and correlation ids: keep the sentence.
    description = description.replace("\r\n", " ").split(" Trace ID:")[0].strip()
    codes = result.get("error_codes") or []
    hint = next((_HINTS_BY_CODE[c] for c in codes if c in _HINTS_BY_CODE), None)
    return AuthenticationError(
        f"sign-in failed: {error}: {description}", hint=hint or _HINTS.get(error, _DEFAULT_HINT)
    )


@contextmanager
def _msal_errors(settings: Settings) -> Iterator[None]:
    """Turn what msal and requests raise into ocm-tool's typed errors."""
    try:
        yield
    except requests.exceptions.SSLError:
        raise ConfigurationError(
            f"the TLS certificate of {settings.authority} could not be verified",
            hint="pass --ca-bundle with the CA that signed the server's certificate",
        ) from None
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise TransportError(
            f"cannot reach the sign-in authority {settings.authority_url}: {type(exc).__name__}",
            hint="check --authority and the network",
        ) from None
    except ValueError as exc:  # msal: malformed authority, or discovery answered an error
        raise ConfigurationError(
            f"the authority {settings.authority_url} is not usable: {str(exc).splitlines()[0]}",
            hint="check --authority (https://host[:port]) and --tenant",
        ) from None


# -- the provider -------------------------------------------------------------------------------


def _is_microsoft_authority(settings: Settings) -> bool:
    return (urlsplit(settings.authority_url).hostname or "") in WELL_KNOWN_AUTHORITY_HOSTS


def _username_of(result: dict) -> str | None:
    claims = result.get("id_token_claims") or {}
    return claims.get("preferred_username") or claims.get("upn")


class MsalTokenProvider:
    """A :class:`TokenProvider` over one msal application and the persisted cache.

    ``token()`` asks msal, which answers from the cache while the token is valid and
    refreshes it (refresh token, or the app's credential) when not. ``force_refresh=True``
    (after a 401) gets a new token from the server. When the cache cannot renew a
    delegated sign-in, the sign-in flow runs again. Thread-safe.
    """

    def __init__(self, settings: Settings, console: Console) -> None:
        self.settings = settings
        self.console = console
        self.account: str | None = None
        self.certificate: CertificateCredential | None = None
        self._lock = threading.Lock()
        self._http = MsalHttpClient(settings.verify, settings.authority_url)
        self._cache = open_token_cache(settings.token_cache)
        self._msal_account: dict | None = None
        self._last_token: str | None = None
        with _msal_errors(settings):
            self._app = self._build_app()

    def _build_app(self) -> msal.ClientApplication:
        settings = self.settings
        options: dict[str, Any] = {
            "authority": settings.authority_url,
            "token_cache": self._cache,
            "http_client": self._http,
            "app_name": "ocm-tool",
            "app_version": __version__,
        }
        if not _is_microsoft_authority(settings):
            options["instance_discovery"] = False
        if settings.auth == "client-secret":
            secret = _ask(
                settings,
                self.console,
                settings.secrets.client_secret,
                what="client secret",
                source="OCM_CLIENT_SECRET",
                secret=True,
            )
            return msal.ConfidentialClientApplication(
                settings.client_id, client_credential=secret, **options
            )
        if settings.auth == "certificate":
            self.certificate = load_certificate(settings, self.console)
            return msal.ConfidentialClientApplication(
                settings.client_id, client_credential=self.certificate.for_msal(), **options
            )
        return msal.PublicClientApplication(settings.client_id, **options)

    # -- public -------------------------------------------------------------------------

    def sign_in(self) -> None:
        """Get a first token: silently from the cache when possible, else by the flow."""
        with self._lock:
            self._last_token = self._acquire(force_refresh=False)

    def token(self, *, force_refresh: bool = False) -> str:
        with self._lock:
            self._last_token = self._acquire(force_refresh=force_refresh)
            return self._last_token

    def close(self) -> None:
        self._http.close()

    # -- acquisition (the caller holds the lock) ----------------------------------------

    def _acquire(self, *, force_refresh: bool) -> str:
        with _msal_errors(self.settings):
            if self.settings.app_only:
                if force_refresh:
                    self._forget_access_token(self._last_token)
                result = self._app.acquire_token_for_client(SCOPES)
            else:
                result = self._silently(force_refresh) or self._by_flow()
        if "access_token" not in result:
            raise _authentication_error(result)
        return str(result["access_token"])

    def _silently(self, force_refresh: bool) -> dict | None:
        """A delegated token from the cache (refreshed if needed), or ``None``."""
        if self._msal_account is None:
            accounts = self._app.get_accounts(username=self.settings.username)
            if len(accounts) != 1:  # none, or several and no --username to choose
                return None
            self._msal_account = accounts[0]
        result = self._app.acquire_token_silent_with_error(
            SCOPES, self._msal_account, force_refresh=force_refresh
        )
        if not result or "access_token" not in result:
            self._msal_account = None
            return None
        self.account = self._msal_account.get("username") or None
        return result

    def _by_flow(self) -> dict:
        flows = {
            "device-code": self._device_code_flow,
            "browser": self._browser_flow,
            "password": self._password_flow,
        }
        result = flows[self.settings.auth]()
        if "access_token" in result:
            self.account = _username_of(result)
            matches = self._app.get_accounts(username=self.account) if self.account else []
            self._msal_account = matches[0] if matches else None
        return result

    def _device_code_flow(self) -> dict:
        flow = self._app.initiate_device_flow(scopes=SCOPES)
        if "user_code" not in flow:
            return flow
        # The person must see this even with --quiet: it is the only way to sign in.
        self.console.print(flow["message"], markup=False, highlight=False, soft_wrap=True)
        return self._app.acquire_token_by_device_flow(flow)

    def _browser_flow(self) -> dict:
        def tell(uri: str) -> None:
            self.console.print(
                f"Open this address in a browser to sign in: {uri}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )

        result = self._app.acquire_token_interactive(
            SCOPES,
            login_hint=self.settings.username,
            timeout=BROWSER_TIMEOUT,
            auth_uri_callback=tell,
        )
        return result or {"error": "timeout", "error_description": "no answer from the browser"}

    def _password_flow(self) -> dict:
        settings = self.settings
        username = _ask(
            settings,
            self.console,
            settings.username,
            what="username",
            source="OCM_USERNAME (or pass --username)",
            secret=False,
        )
        password = _ask(
            settings,
            self.console,
            settings.secrets.password,
            what="password",
            source="OCM_PASSWORD",
            secret=True,
        )
        with warnings.catch_warnings():
            # msal discourages the password grant; ocm-tool offers it on purpose (--auth password).
            warnings.simplefilter("ignore", DeprecationWarning)
            return self._app.acquire_token_by_username_password(username, password, SCOPES)

    def _forget_access_token(self, token: str | None) -> None:
        """Drop an app-only token from msal's cache, so the next call asks the server."""
        if token is None:
            return
        for item in list(
            self._cache.search(
                _CredentialType.ACCESS_TOKEN, query={"client_id": self.settings.client_id}
            )
        ):
            if item.get("secret") == token:
                self._cache.remove_at(item)


def sign_in(settings: Settings, *, console: Console) -> TokenProvider:
    """Sign in with ``settings.auth`` (silently from the cache when it can)."""
    provider = MsalTokenProvider(settings, console)
    provider.sign_in()
    return provider


# -- the cache without signing in ---------------------------------------------------------------


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


# -- whoami -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInInfo:
    """What ``whoami`` shows about a sign-in (read from the access token, not verified)."""

    account: str | None  # UPN; None for app-only
    auth_method: str
    client_id: str
    authority: str
    tenant: str  # the token's tenant id, else --tenant
    expires_at: datetime | None  # UTC
    permissions: tuple[str, ...]  # delegated: scp; app-only: roles


def sign_in_info(settings: Settings, tokens: TokenProvider) -> SignInInfo:
    """Describe the sign-in behind ``tokens`` for ``whoami``."""
    try:
        claims = jwt.decode(tokens.token(), options={"verify_signature": False})
    except jwt.InvalidTokenError:  # an opaque token: nothing to read
        claims = {}
    permissions = (
        str(claims["scp"]).split() if "scp" in claims else [str(r) for r in claims.get("roles", [])]
    )
    expires = claims.get("exp")
    return SignInInfo(
        account=tokens.account,
        auth_method=settings.auth,
        client_id=str(claims.get("appid") or claims.get("azp") or settings.client_id),
        authority=settings.authority_url,
        tenant=str(claims.get("tid") or settings.tenant),
        expires_at=datetime.fromtimestamp(expires, UTC) if expires else None,
        permissions=tuple(permissions),
    )
