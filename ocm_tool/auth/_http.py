"""The requests-based ``http_client`` msal signs in through.

It passes ``verify`` with every request (requests lets ``REQUESTS_CA_BUNDLE`` and
``CURL_CA_BUNDLE`` replace a session's ``verify``, but not a per-request one), so
``--ca-bundle`` always wins, and it keeps the authority's port on msal's user-realm lookup
(msal builds that URL from the host name without its port).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

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
