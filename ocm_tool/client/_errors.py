"""From what the wire says to ocm-tool's typed errors.

``api_error_of`` reads api.md's error body (``{"error": {"code", "message", "innerError"}}``),
or anything else a server may send, into the most specific :class:`~ocm_tool.errors.ApiError`;
``has_cause`` looks through the exception chains requests and urllib3 build.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from ocm_tool import errors


def api_error_of(
    status: int, headers: Mapping[str, str], body: Any, client_request_id: str | None
) -> errors.ApiError:
    """The typed error of an error answer, with the server's and our request ids."""
    detail = body.get("error") if isinstance(body, dict) else None
    detail = detail if isinstance(detail, dict) else {}
    inner = detail.get("innerError")
    inner = inner if isinstance(inner, dict) else {}
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "error"
    code = str(detail.get("code") or f"HTTP{status}")
    message = str(detail.get("message") or phrase)
    return errors.api_error(
        status,
        code,
        f"{code}: {message}",
        request_id=headers.get("request-id") or inner.get("request-id"),
        client_request_id=headers.get("client-request-id") or client_request_id,
    )


def has_cause(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``kind`` is anywhere in the chain requests/urllib3 wrap around a failure."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        stack.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        stack.extend(current.args)
    return False
