"""Serving the emulator over HTTPS: in a background thread (tests, ``--demo``) or in the foreground.

``running_emulator`` is the one way to start it; ``ocm-tool emulator serve`` and the test
fixtures both use it. The server is Werkzeug's threaded WSGI server with TLS from ``certs``.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from ocm_tool.emulator.api.urls import API_PREFIX
from ocm_tool.emulator.app import create_app
from ocm_tool.emulator.certs import make_tls_files
from ocm_tool.emulator.faults import FaultConfig, Faults
from ocm_tool.emulator.identity.provider import Identity
from ocm_tool.emulator.models.store import Store


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
        server = make_server(host, port, app, threaded=True, ssl_context=tls.server_context())
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
