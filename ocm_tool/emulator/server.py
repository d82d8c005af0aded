"""Serving the emulator over HTTPS: in a background thread (tests, ``--demo``) or in the foreground.

``running_emulator`` is the one way to start it; ``ocm-tool emulator serve``, ``--demo`` and
the test fixtures all use it. It yields an ``EmulatorHandle``: the URLs, the CA bundle, the
objects behind the server (store, identity, faults) and a few calls for tests (faults,
stats, device codes, ``reset``). The server is cheroot's (CherryPy's production WSGI server): a
pool of worker threads, HTTP/1.1 keep-alive (a client's connections are reused, so a TLS
handshake is paid once per connection, not per call) and TLS from ``certs``. It stops at once
when the block ends (no polling interval to wait out).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cheroot.ssl.builtin import BuiltinSSLAdapter
from cheroot.workers.threadpool import (  # type: ignore[attr-defined]  # not in its stubs
    _SHUTDOWNREQUEST,
    ThreadPool,
    WorkerThread,
)
from cheroot.wsgi import Gateway_10
from cheroot.wsgi import Server as WSGIServer

from ocm_tool.emulator.api.batch import SOCKET_KEY
from ocm_tool.emulator.api.urls import API_PREFIX
from ocm_tool.emulator.app import create_app
from ocm_tool.emulator.certs import TlsFiles, make_tls_files
from ocm_tool.emulator.faults import FaultConfig, Faults
from ocm_tool.emulator.identity.provider import Identity
from ocm_tool.emulator.models.store import Store

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

log = logging.getLogger(__name__)


@dataclass
class EmulatorHandle:
    """A running emulator: its URLs, CA bundle and the objects behind it (for tests)."""

    base: str  # https://127.0.0.1:PORT
    tenant: str
    ca_bundle: Path
    store: Store
    identity: Identity
    faults: Faults
    server: _Server
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
        self.store.load_tenant(tenant)
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


#: Worker threads: every call in flight holds one (an injected latency included), so there are
#: more than any test or benchmark keeps in flight (4 mailboxes x 4 calls, and a few clients).
WORKER_THREADS = 32


class _Gateway(Gateway_10):
    """cheroot's WSGI 1.0 gateway, with the connection's socket in the environ."""

    def get_environ(self) -> dict:  # type: ignore[override]  # the stubs say None
        environ = super().get_environ()
        environ[SOCKET_KEY] = self.req.conn.socket
        return environ


class _Workers(ThreadPool):
    """cheroot's worker pool, of daemon threads, that stops without waiting for them."""

    def _spawn_worker(self) -> WorkerThread:
        worker = WorkerThread(self.server)
        worker.name = f"ocm-emulator {worker.name}"
        worker.daemon = True  # a call in flight never keeps the process alive
        worker.start()
        return worker

    def stop(self, timeout: float | None = None) -> None:
        """Ask every worker to end after its current call (cheroot's protocol: one
        ``_SHUTDOWNREQUEST`` each on the queue); wait for none."""
        workers = self._threads  # type: ignore[attr-defined]  # cheroot 11's, not in its stubs
        for _ in workers:
            self._queue.put(_SHUTDOWNREQUEST)  # type: ignore[attr-defined]
        workers.clear()


class _LazyHandshake(BuiltinSSLAdapter):  # type: ignore[misc]  # cheroot has no stubs
    """TLS whose handshake happens in the worker that reads the connection's first request.

    cheroot's adapter does each handshake in the one thread that accepts connections: a
    client that stopped in the middle of its handshake (a process interrupted while
    connecting) held every later client for cheroot's timeout (a purge taking its FullAccess
    grant back after SIGTERM waited there). OpenSSL does the handshake on the first read.
    """

    def wrap(self, sock: socket.socket) -> tuple[ssl.SSLSocket, dict[str, str]]:
        wrapped = self.context.wrap_socket(sock, do_handshake_on_connect=False, server_side=True)
        return wrapped, {"wsgi.url_scheme": "https", "HTTPS": "on"}


class _Server(WSGIServer):
    """cheroot's WSGI server (a pool of threads, HTTP/1.1 keep-alive, TLS) that stops at once.

    ``app`` is read on every request, so a test may wrap it while the server runs. cheroot's
    own ``stop`` waits for its connection loop to wake up (every ``expiration_interval``) and
    for the workers to finish the calls they are answering; here the loop is woken at once by
    a connection to the listening socket, and the workers (daemon threads) are told to stop
    without being waited for (a call in flight finishes on its own; nothing new is accepted).
    """

    def __init__(self, host: str, port: int, app: WSGIApplication, tls: TlsFiles) -> None:
        super().__init__((host, port), app, numthreads=WORKER_THREADS, server_name="ocm-emulator")
        self.gateway = _Gateway
        self.requests = _Workers(self, min=WORKER_THREADS, max=WORKER_THREADS)
        self.keep_alive_conn_limit = None  # type: ignore[assignment]  # None: no limit (its doc)
        self.ssl_adapter = _LazyHandshake(str(tls.server_cert), str(tls.server_key))
        self.ssl_adapter.context = tls.server_context()
        self.prepare()  # binds (port 0 picks one) and starts the workers

    @property
    def app(self) -> WSGIApplication:
        return self.wsgi_app

    @app.setter
    def app(self, app: WSGIApplication) -> None:
        self.wsgi_app = app

    @property
    def server_port(self) -> int:
        return int(self.bind_addr[1])

    def error_log(self, msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
        """cheroot's messages go to ``logging`` (it writes them to stderr): a client that drops
        its connection is routine here (injected faults, killed clients)."""
        log.log(level, "%s", msg, exc_info=traceback)

    def stop(self) -> None:
        """Stop serving and close every connection; returns at once."""
        if not self.ready:
            return
        # cheroot 11's loop (not in its stubs) ends when select() returns...
        self._connections._stop_requested = True  # type: ignore[attr-defined]
        with contextlib.suppress(OSError), socket.create_connection(self.bind_addr[:2], 1):
            pass  # ...which this connection makes it do now
        super().stop()


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


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
    with ExitStack() as stack:
        if workdir is None:
            workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="ocm-emulator-"))
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        store = Store(Path(db) if db is not None else workdir / "tenant.sqlite3")
        if tenant is not None:
            store.load_tenant(tenant)
        identity = Identity(store, token_lifetime=token_lifetime, auto_approve_as=auto_approve_as)
        fault_state = Faults(faults)
        tls = make_tls_files(
            workdir / "tls", hosts=(host if host not in ("", "0.0.0.0", "::") else "localhost",)
        )
        app = create_app(store, identity, fault_state)
        server = _Server(host, port, app, tls)
        thread = threading.Thread(target=server.serve, name="ocm-emulator", daemon=True)
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
            server.stop()
            thread.join(timeout=10)
            close = getattr(store, "close", None)
            if close is not None:
                close()
