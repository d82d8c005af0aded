"""The values the client hands out and takes: pages of a list, and ``$batch`` requests and answers."""

from __future__ import annotations

from dataclasses import dataclass, field

from requests.structures import CaseInsensitiveDict

from ocm_tool import errors
from ocm_tool.client._errors import api_error_of
from ocm_tool.client._types import JSONObject


@dataclass(frozen=True)
class Page:
    """One page of a list: its items, and ``@odata.count`` when the server sent it."""

    items: list[JSONObject]
    count: int | None = None


@dataclass(frozen=True)
class BatchRequest:
    """One request inside ``$batch``; ``url`` is relative to the endpoint (``/users/x/...``).

    ``id`` must be unique within one ``GraphClient.batch`` call.
    """

    id: str
    method: str
    url: str
    body: JSONObject | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchResponse:
    """The answer to one ``BatchRequest``; non-2xx answers are returned, not raised.

    ``client_request_id`` is the id the client sent with the inner request.
    """

    id: str
    status: int
    body: JSONObject | None
    headers: dict[str, str] = field(default_factory=dict)
    client_request_id: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def error(self) -> errors.ApiError | None:
        """The typed error this answer stands for, or ``None`` for a 2xx answer."""
        if self.ok:
            return None
        return api_error_of(
            self.status, CaseInsensitiveDict(self.headers), self.body, self.client_request_id
        )

    def raise_for_status(self) -> BatchResponse:
        """Raise the typed error of a non-2xx answer; return ``self`` otherwise."""
        error = self.error()
        if error is not None:
            raise error
        return self
