"""The requests-based ``http_client`` msal signs in through.

It passes ``verify`` with every request (requests lets ``REQUESTS_CA_BUNDLE`` and
``CURL_CA_BUNDLE`` replace a session's ``verify``, but not a per-request one), so
``--ca-bundle`` always wins, and it keeps the authority's port on msal's user-realm lookup
(msal builds that URL from the host name without its port). Every call is logged like the
client's (logger ``ocm_tool.auth``: one INFO line, headers at DEBUG, redacted); bodies, which
carry passwords, secrets and tokens, never are.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from ocm_tool.client import log_call, log_headers

log = logging.getLogger("ocm_tool.auth")

#: (connect, read) seconds for each identity request.
HTTP_TIMEOUT = (10, 60)


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
        return self._send("GET", url, kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._send("POST", url, kwargs)

    def _send(self, method: str, url: str, kwargs: dict[str, Any]) -> requests.Response:
        target = self._route(url)
        started = time.monotonic()
        try:
            response = self._session.request(method, target, **self._options(kwargs))
        except requests.RequestException as exc:
            log_call(log, method, target, type(exc).__name__, started, attempt=1)
            raise
        log_call(log, method, target, str(response.status_code), started, attempt=1)
        log_headers(log, "request", response.request.headers)
        log_headers(log, "response", response.headers)
        return response

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
