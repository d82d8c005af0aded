"""The msal application of one run, and the sign-in flows behind ``--auth``.

``sign_in(settings, console=...)`` returns a :class:`~ocm_tool.client.TokenProvider`. It first asks msal for a
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

``sign_in(..., fresh=True)`` (``login``) skips the cache: the flow runs, so credentials given
are tested by the server. ``signed_in(settings)`` (``whoami``) never runs a flow nor prompts:
the cache, refreshed silently, or ``AuthenticationError`` (not signed in).

Errors are ``ConfigurationError`` (something to set; names the option or environment
variable), ``AuthenticationError`` (msal's error description and a hint) or ``TransportError``.
Secrets are never printed.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import msal
from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS
from rich.console import Console

from ocm_tool import __version__
from ocm_tool.auth._cache import open_token_cache
from ocm_tool.auth._credentials import CertificateCredential, ask, check_upn, load_certificate
from ocm_tool.auth._errors import authentication_error, msal_errors
from ocm_tool.auth._http import MsalHttpClient
from ocm_tool.auth._signins import remember, remembered
from ocm_tool.errors import AuthenticationError
from ocm_tool.settings import SCOPES, Settings

#: How long the browser flow waits for the sign-in to finish.
BROWSER_TIMEOUT = 300

_CredentialType = msal.TokenCache.CredentialType


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

    def __init__(self, settings: Settings, console: Console, *, flows: bool = True) -> None:
        self.settings = settings
        self.console = console
        #: False: never run a sign-in flow nor prompt (``whoami``): the cache or nothing.
        self.flows = flows
        self.account: str | None = None
        #: The flow the account signed in with (recorded at the time), when known.
        self.method: str | None = settings.auth if settings.app_only else None
        self.certificate: CertificateCredential | None = None
        self._lock = threading.Lock()
        self._http = MsalHttpClient(settings.verify, settings.authority_url)
        opened = open_token_cache(settings)
        self._cache = opened.cache
        #: Tell the person, once a sign-in has written it, that the cache is a plain file.
        self._plain_cache_note = opened.created and not opened.encrypted and not settings.quiet
        self._msal_account: dict | None = None
        self._last_token: str | None = None
        with msal_errors(settings):
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
            if not self.flows and not settings.secrets.client_secret:
                raise _not_signed_in(settings, "app-only sign-in needs OCM_CLIENT_SECRET")
            secret = ask(
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

    def sign_in(self, *, fresh: bool = False) -> None:
        """Get a first token: silently from the cache when possible, else by the flow;
        ``fresh``: by the flow (app-only: from the server), whatever the cache holds."""
        with self._lock:
            self._last_token = self._acquire(force_refresh=False, fresh=fresh)
        if self._plain_cache_note and self.console.is_terminal:  # a note for a person
            self.console.print(
                f"note: no keyring to encrypt the token cache with here: it is kept in "
                f"{self.settings.token_cache}, readable by you only (mode 0600)",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )

    def token(self, *, force_refresh: bool = False) -> str:
        with self._lock:
            self._last_token = self._acquire(force_refresh=force_refresh)
            return self._last_token

    def close(self) -> None:
        self._http.close()

    # -- acquisition (the caller holds the lock) ----------------------------------------

    def _acquire(self, *, force_refresh: bool, fresh: bool = False) -> str:
        with msal_errors(self.settings):
            if self.settings.app_only:
                if fresh:
                    self._forget_app_tokens()
                elif force_refresh:
                    self._forget_access_token(self._last_token)
                result = self._app.acquire_token_for_client(SCOPES)
            else:
                result = (None if fresh else self._silently(force_refresh)) or self._by_flow()
        if "access_token" not in result:
            raise authentication_error(result)
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
        if self.account and self.method is None:
            self.method = remembered(self.settings, self.account)
        return result

    def _by_flow(self) -> dict:
        if not self.flows:
            raise _not_signed_in(self.settings, "the token cache holds no valid sign-in")
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
            self.method = self.settings.auth
            if self.account:
                remember(self.settings, self.account, self.settings.auth)
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

        hint = self.settings.username
        result = self._app.acquire_token_interactive(
            SCOPES,
            login_hint=check_upn(hint) if hint else None,
            timeout=BROWSER_TIMEOUT,
            auth_uri_callback=tell,
        )
        return result or {"error": "timeout", "error_description": "no answer from the browser"}

    def _password_flow(self) -> dict:
        settings = self.settings
        username = check_upn(
            ask(
                settings,
                self.console,
                settings.username,
                what="username",
                source="OCM_USERNAME (or pass --username)",
                secret=False,
            )
        )
        password = ask(
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

    def _forget_app_tokens(self) -> None:
        """Drop every app-only token of this client id, so that the server is asked."""
        for item in list(
            self._cache.search(
                _CredentialType.ACCESS_TOKEN,
                query={"client_id": self.settings.client_id, "home_account_id": None},
            )
        ):
            self._cache.remove_at(item)

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


def _not_signed_in(settings: Settings, why: str) -> AuthenticationError:
    who = f" as {settings.username}" if settings.username else ""
    return AuthenticationError(
        f"not signed in{who} at {settings.authority_url} with client id {settings.client_id}: "
        f"{why}",
        hint="sign in with 'ocm-tool login' (with the same --authority, --tenant, --client-id "
        "and --token-cache)",
    )


def sign_in(settings: Settings, *, console: Console, fresh: bool = False) -> MsalTokenProvider:
    """Sign in with ``settings.auth`` (silently from the cache when it can, unless ``fresh``)."""
    provider = MsalTokenProvider(settings, console)
    provider.sign_in(fresh=fresh)
    return provider


def signed_in(settings: Settings, *, console: Console) -> MsalTokenProvider:
    """The cached sign-in, refreshed silently if needed; never a flow, never a prompt.

    Raises ``AuthenticationError`` (exit 3) when the cache holds none."""
    provider = MsalTokenProvider(replace(settings, interactive=False), console, flows=False)
    provider.sign_in()
    return provider
