"""Serving the emulator over HTTPS: in a background thread (tests, ``--demo``) or in the foreground.

``running_emulator`` is the one way to start it; ``ocm-tool emulator serve``, ``--demo`` and
the test fixtures all use it. It yields an ``EmulatorHandle``: the URLs, the CA bundle, the
objects behind the server (store, identity, faults) and a few calls for tests (faults,
stats, device codes, ``reset``). The server is Werkzeug's threaded WSGI server with TLS from
``certs``; it stops at once when the block ends (no polling interval to wait out).
"""

from __future__ import annotations

import contextlib
import json
import logging
import selectors
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer

from ocm_tool.emulator.api.urls import API_PREFIX
from ocm_tool.emulator.app import create_app
from ocm_tool.emulator.certs import make_tls_files
from ocm_tool.emulator.faults import FaultConfig, Faults
from ocm_tool.emulator.identity.provider import Identity
from ocm_tool.emulator.models.store import Store

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


@dataclass
class EmulatorHandle:
    """A running emulator: its URLs, CA bundle and the objects behind it (for tests)."""

    base: str  # https://127.0.0.1:PORT
    tenant: str
    ca_bundle: Path
    store: Store
    identity: Identity
    faults: Faults
    server: BaseWSGIServer
    #: The application the server was started with (``reset`` puts it back).
    _app: WSGIApplication = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._app = self.server.app

    @property
    def api(self) -> str:
        """The API base URL (``--endpoint``)."""
        return f"{self.base}{API_PREFIX}"

    @property
    def authority(self) -> str:
        """The authority URL with the tenant (``--authority`` + ``--tenant``)."""
        return f"{self.base}/{self.tenant}"

    @property
    def port(self) -> int:
        return self.server.server_port

    def set_faults(self, **changes: Any) -> FaultConfig:
        return self.faults.configure(**changes)

    def clear_faults(self) -> None:
        self.faults.configure(**vars(FaultConfig()))

    def stats(self) -> dict[str, int]:
        return self.faults.stats()

    def approve_device_code(self, user_code: str, upn: str) -> None:
        self.identity.approve_device_code(user_code, upn)

    def reset(self, tenant: dict | str | Path) -> None:
        """Make the running emulator what a new start with ``tenant`` would be, without a restart.

        For tests that share one server: ``tenant`` (a dict or a file) replaces the store's
        data (new paging generation, new signing key: earlier tokens and nextLinks are
        refused); faults go back to the configuration the server started with, with zeroed
        counters, peaks and budgets; the identity provider goes back to its start settings
        (token lifetime, auto-approval, device-code lifetime and interval) and forgets the
        sign-ins in progress; a WSGI application a test put in place of ``server.app`` is
        replaced by the emulator's own. Call it between tests, when no call is in flight.
        """
        self.store.load_tenant(_load_tenant(tenant))
        self.identity.reset()
        self.faults.reset()
        self.server.app = self._app
        self.tenant = self.store.tenant_name

    def cli_options(self) -> list[str]:
        """The global options that point ocm-tool at this emulator (sign-in options aside)."""
        return [
            "--endpoint",
            self.api,
            "--authority",
            self.base,
            "--tenant",
            self.tenant,
            "--ca-bundle",
            str(self.ca_bundle),
        ]

    def banner(self) -> str:
        """The lines ``serve`` prints: ``api:``, ``authority:``, ``tenant:``, ``ca-bundle:``."""
        return "\n".join(
            [
                f"api: {self.api}",
                f"authority: {self.authority}",
                f"tenant: {self.tenant}",
                f"ca-bundle: {self.ca_bundle}",
            ]
        )


class _Server(ThreadedWSGIServer):
    """Werkzeug's threaded server, whose ``shutdown`` returns at once.

    socketserver's ``serve_forever`` wakes every ``poll_interval`` (0.5 s) to see whether it
    should stop, so every stop waited up to half a second (over a hundred emulators start and
    stop in one test run). This loop waits, without a timeout, on the listening socket and on
    one end of a socket pair; ``shutdown`` writes to the other end, as the stdlib's own comment
    in ``serve_forever`` suggests. Requests are still handled by ``handle_request``, one
    thread each, as before.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()  # not serving yet: a shutdown now must not wait

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Serve until ``shutdown``; ``poll_interval`` is ignored (nothing polls)."""
        self._stopped.clear()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self, selectors.EVENT_READ)
                selector.register(self._wake_reader, selectors.EVENT_READ)
                while not self._stop.is_set():
                    ready = selector.select()
                    if self._stop.is_set():
                        break
                    if any(key.fileobj is self for key, _ in ready):
                        self.handle_request()  # a connection is waiting: accept it at once
                    self.service_actions()
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop ``serve_forever`` and wait until it has returned (at once)."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")
        self._stopped.wait()

    def server_close(self) -> None:
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _load_tenant(tenant: dict | str | Path) -> dict:
    if isinstance(tenant, dict):
        return tenant
    with open(tenant, encoding="utf-8") as f:
        return json.load(f)


@contextmanager
def running_emulator(
    tenant: dict | str | Path | None = None,
    *,
    db: str | Path | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    token_lifetime: int = 3600,
    auto_approve_as: str | None = None,
    faults: FaultConfig | None = None,
    workdir: str | Path | None = None,
) -> Iterator[EmulatorHandle]:
    """Start the emulator in a background thread; stop it when the block ends.

    ``tenant`` (a tenant dict or file) replaces the data of ``db``; with ``db`` alone the
    server restarts with the data it had. With neither, an empty temporary tenant is served.
    ``workdir`` holds the database (when ``db`` is not given) and the TLS files; a temporary
    directory by default, removed at the end.
    """
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with ExitStack() as stack:
        if workdir is None:
            workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="ocm-emulator-"))
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        store = Store(Path(db) if db is not None else workdir / "tenant.sqlite3")
        if tenant is not None:
            store.load_tenant(_load_tenant(tenant))
        identity = Identity(store, token_lifetime=token_lifetime, auto_approve_as=auto_approve_as)
        fault_state = Faults(faults)
        tls = make_tls_files(
            workdir / "tls", hosts=(host if host not in ("", "0.0.0.0", "::") else "localhost",)
        )
        app = create_app(store, identity, fault_state)
        server = _Server(host, port, app, ssl_context=tls.server_context())
        thread = threading.Thread(target=server.serve_forever, name="ocm-emulator", daemon=True)
        thread.start()
        try:
            yield EmulatorHandle(
                base=f"https://{_url_host(host)}:{server.server_port}",
                tenant=store.tenant_name,
                ca_bundle=tls.ca_bundle,
                store=store,
                identity=identity,
                faults=fault_state,
                server=server,
            )
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
            close = getattr(store, "close", None)
            if close is not None:
                close()
