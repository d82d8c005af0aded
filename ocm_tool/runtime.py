"""One run's shared state: settings, the consoles, and sign-in and client made once, on first use.

Sign-in (msal) and the client (requests) are imported when first used, not when this module
is: a command that needs neither never loads them.
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

NO_ENDPOINT_HINT = (
    "the OCM service is retired, so there is no default: pass --endpoint URL (or set "
    "OCM_ENDPOINT) of a server of the OCM API contract, or add --demo to use the built-in emulator"
)


@dataclass
class Runtime:
    """What every command receives. ``tokens`` and ``client`` sign in on first use, once."""

    settings: Settings
    console: Console
    #: Errors and warnings go here, so --quiet and redirected stdout still show them.
    err_console: Console = field(default_factory=lambda: Console(stderr=True))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @cached_property
    def tokens(self) -> TokenProvider:
        from ocm_tool.auth import sign_in

        with self._lock:
            self.require_endpoint()
            return sign_in(self.settings, console=self.err_console)

    @cached_property
    def client(self) -> GraphClient:
        from ocm_tool.client import GraphClient, RetryPolicy

        endpoint = self.require_endpoint()
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
