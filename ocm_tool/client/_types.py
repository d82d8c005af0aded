"""Types the client shares with its callers: JSON shapes and the token provider it needs.

The client needs only something that hands out tokens (:class:`TokenProvider`); sign-in
(``ocm_tool.auth``, msal) implements it, and the client never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

#: A JSON object as the API sends it.
JSONObject = dict[str, Any]

#: ``on_retry(reason, delay)``: told before every retry, e.g. ("throttled (429) by a@b.com", 2.0).
RetryObserver = Callable[[str, float], None]


class TokenProvider(Protocol):
    """Hands out a valid access token for the OCM API, refreshing it when asked."""

    #: UPN of a delegated sign-in; ``None`` for app-only sign-in.
    account: str | None

    def token(self, *, force_refresh: bool = False) -> str: ...
