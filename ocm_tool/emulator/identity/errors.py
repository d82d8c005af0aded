"""The identity provider's error answer: ``OAuthError``, answered as Entra answers errors.

Raised anywhere in an identity endpoint (the token, device-code and sign-in flows); the
identity blueprint answers it as ``{"error", "error_description", "error_codes", "timestamp",
"trace_id", "correlation_id"}`` with its status (400, or 401 for a client that failed to
authenticate). ``error_description`` starts ``AADSTS<code>:`` as msal expects.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import Response, jsonify, request


class OAuthError(Exception):
    """An identity-platform error answer: ``error``, ``AADSTS`` code, description, status."""

    def __init__(self, error: str, aadsts: int, description: str, *, status: int = 400) -> None:
        super().__init__(f"{error}: AADSTS{aadsts}: {description}")
        self.error = error
        self.aadsts = aadsts
        self.description = description
        self.status = status

    def response(self) -> Response:
        """The error answer to the current request (its ``client-request-id`` is the correlation id)."""
        trace_id = str(uuid.uuid4())
        correlation_id = request.headers.get("client-request-id") or str(uuid.uuid4())
        timestamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        answer = jsonify(
            error=self.error,
            error_description=(
                f"AADSTS{self.aadsts}: {self.description} Trace ID: {trace_id} "
                f"Correlation ID: {correlation_id} Timestamp: {timestamp}"
            ),
            error_codes=[self.aadsts],
            timestamp=timestamp,
            trace_id=trace_id,
            correlation_id=correlation_id,
        )
        answer.status_code = self.status
        return answer
