"""The error answers of the API: one exception type and the body ``api.md`` prescribes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


class ApiProblem(Exception):
    """Raised anywhere in a request handler; the app answers it as the API's error body.

    ``headers`` are added to the answer (``Retry-After`` for 429 and 503).
    """

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_body(code: str, message: str, request_id: str | None = None) -> dict:
    """``{"error": {"code", "message", "innerError": {"request-id", "date"}}}``."""
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "request-id": request_id or str(uuid.uuid4()),
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            },
        }
    }
