"""Small loopback servers that misbehave on purpose: the hostile or broken servers of the tests.

``HostileServer(answer)`` serves plain HTTP on 127.0.0.1 (the client accepts plain HTTP only
to loopback) in a thread. ``answer(request)`` returns ``(status, headers, body)``; a ``dict``
or ``list`` body is sent as JSON, ``bytes`` as given. Every request is kept, with its
headers, so a test can check where a token went and how often a server was called.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Body = dict[str, Any] | list[Any] | bytes | None


@dataclass(frozen=True)
class Seen:
    """One request a hostile server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Answer = Callable[[Seen], tuple[int, dict[str, str], Body]]


class HostileServer:
    """A loopback HTTP server answering with ``answer``; ``seen`` lists what it received."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                with owner._lock:
                    owner.seen.append(seen)
                status, headers, body = owner.answer(seen)
                data = body if isinstance(body, bytes) else b""
                if isinstance(body, (dict, list)):
                    data = json.dumps(body).encode()
                    headers = {"Content-Type": "application/json", **headers}
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def api(self) -> str:
        return f"{self.base}/api/v1"

    def start(self) -> HostileServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def paths(self) -> list[str]:
        with self._lock:
            return [s.path for s in self.seen]


@contextmanager
def hostile(answer: Answer) -> Iterator[HostileServer]:
    """A running :class:`HostileServer` for the block."""
    server = HostileServer(answer).start()
    try:
        yield server
    finally:
        server.stop()


def page(items: list[Any], next_link: str | None = None) -> dict[str, Any]:
    """A list page of api.md: ``value`` and, when given, ``@odata.nextLink``."""
    body: dict[str, Any] = {"value": items}
    if next_link is not None:
        body["@odata.nextLink"] = next_link
    return body
