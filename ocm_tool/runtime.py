"""One run's shared state: settings, the consoles, and sign-in and client made once, on first use.

Sign-in (msal) and the client (requests) are imported when first used, not when this module
is: a command that needs neither never loads them. The order a command that calls the API
meets things in is fixed here: the endpoint is configured, then checked with one request
(``client.probe_endpoint``), then the account signs in, then the client is built. A bad
``--endpoint`` therefore ends the run before anyone signs in or anything is written.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from rich.console import Console

from ocm_tool.errors import ConfigurationError
from ocm_tool.settings import Settings

if TYPE_CHECKING:
    from ocm_tool.client import GraphClient, TokenProvider
    from ocm_tool.settings.resolve import Resolved

NO_ENDPOINT_HINT = (
    "the OCM service is retired, so there is no default: pass --endpoint URL (or set "
    "OCM_ENDPOINT, or 'ocm-tool config set endpoint URL') of a server of the OCM API "
    "contract, or add --demo to use the built-in emulator"
)


@dataclass
class Runtime:
    """What every command receives. ``tokens`` and ``client`` sign in on first use, once.

    ``resolved`` is where each setting came from (``ocm-tool config show``).
    """

    settings: Settings
    console: Console
    #: Errors and warnings go here, so --quiet and redirected stdout still show them.
    err_console: Console = field(default_factory=lambda: Console(stderr=True))
    resolved: Resolved | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @cached_property
    def tokens(self) -> TokenProvider:
        """Signed in: silently from the token cache when it can, else by the flow."""
        from ocm_tool.auth import sign_in

        with self._lock:
            return sign_in(self.settings, console=self.err_console)

    @cached_property
    def client(self) -> GraphClient:
        """The API client: endpoint configured and checked first, then sign-in."""
        from ocm_tool.client import GraphClient, RetryPolicy, probe_endpoint

        endpoint = self.require_endpoint()
        probe_endpoint(endpoint, verify=self.settings.verify)
        return GraphClient(
            endpoint,
            self.tokens,
            verify=self.settings.verify,
            concurrency=self.settings.concurrency,
            retry=RetryPolicy(max_attempts=self.settings.retries + 1),
        )

    @property
    def account(self) -> str | None:
        """The signed-in UPN; ``None`` for app-only sign-in."""
        return self.tokens.account

    def require_endpoint(self) -> str:
        """The endpoint, checked (with the authority) before any token exists: HTTPS or
        loopback HTTP, no credentials in the URL (``client._urls``)."""
        from ocm_tool.client import check_base_url

        if not self.settings.endpoint:
            raise ConfigurationError("no API endpoint is configured", hint=NO_ENDPOINT_HINT)
        check_base_url(self.settings.authority, option="--authority")
        return check_base_url(self.settings.endpoint, option="--endpoint")

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()
