"""WSGI wrappers that make the emulator misbehave in one precise way, for one test.

They wrap the running server's application (``handle.server.app``); the ``emulator`` fixture
puts the original back afterwards. Everything else is the real emulator over HTTPS.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

WsgiApp = Callable[..., Iterable[bytes]]


def _answer(start_response: Callable[..., Any], status: str, body: dict) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("request-id", "test-request-id"),
        ],
    )
    return [data]


class AfterEmptyFolder:
    """Runs ``then()`` right after the emulator has served an EmptyFolder whose path holds
    ``needle``: e.g. an item arriving in the folder between EmptyFolder and the check."""

    def __init__(self, app: WsgiApp, needle: str, then: Callable[[], object]) -> None:
        self.app, self.needle, self.then = app, needle, then

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        answer = self.app(environ, start_response)  # Flask has run the view by now
        path = unquote(environ.get("PATH_INFO", ""))
        if path.endswith("/EmptyFolder") and self.needle in path:
            self.then()
        return answer


class FailEmptyFolder:
    """Answers EmptyFolder of the folder ``folder_id`` with a 400 BadRequest (not retried)."""

    def __init__(self, app: WsgiApp, folder_id: str) -> None:
        self.app, self.folder_id = app, folder_id

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = unquote(environ.get("PATH_INFO", ""))
        if path.endswith(f"/MailFolders/{self.folder_id}/EmptyFolder"):
            return _answer(
                start_response,
                "400 Bad Request",
                {
                    "error": {
                        "code": "BadRequest",
                        "message": "This folder cannot be emptied (test)",
                        "innerError": {
                            "request-id": "test-request-id",
                            "date": "2020-01-01T00:00:00",
                        },
                    }
                },
            )
        return self.app(environ, start_response)


class HideChildFolder:
    """Answers a ChildFolders lookup of ``name`` with no folder, as in a mailbox that never
    had it."""

    def __init__(self, app: WsgiApp, name: str) -> None:
        self.app, self.name = app, name

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = unquote(environ.get("PATH_INFO", ""))
        query = unquote(environ.get("QUERY_STRING", ""))
        if path.endswith("/ChildFolders") and f"'{self.name}'" in query:
            return _answer(start_response, "200 OK", {"value": []})
        return self.app(environ, start_response)


class UnavailableOnEmptyFolder:
    """Answers every EmptyFolder whose path holds ``needle`` with 503 (``Retry-After: 0``): the
    service fails when the purge reaches those mailboxes, after they were read and counted."""

    def __init__(self, app: WsgiApp, needle: str) -> None:
        self.app, self.needle = app, needle

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = unquote(environ.get("PATH_INFO", ""))
        if path.endswith("/EmptyFolder") and self.needle in path:
            data = json.dumps(
                {"error": {"code": "ServiceUnavailable", "message": "down (test)"}}
            ).encode()
            start_response(
                "503 Service Unavailable",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(data))),
                    ("Retry-After", "0"),
                ],
            )
            return [data]
        return self.app(environ, start_response)
