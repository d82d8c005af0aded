"""Fixtures of the export tests: the emulator over HTTPS with the hand-written tenant, and the CLI.

Every test runs the real ``ocm-tool`` command line in-process (click's ``CliRunner``) against a
real emulator: msal signs in over HTTPS with the password grant, the client pages, batches and
retries for real. ``ServerHook`` wraps the emulator's WSGI application so that a test can act at
an exact point of a run (between two pages, on the Nth request) instead of waiting for time.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ocm_tool.cli import cli
from ocm_tool.emulator.server import EmulatorHandle, running_emulator

FIXTURE = Path(__file__).parent / "fixture"
TENANT_FILE = FIXTURE / "tenant.json"
EXPECTED = FIXTURE / "expected"
ALICE = "alice@contoso.com"
ALICE_PASSWORD = "Alice-Pa55!"
APP_ID = "5b1f6c1e-9a3d-4c2b-8e7f-0123456789ab"
APP_SECRET = "export-app-secret"
ALL_FILES = (
    "ContactSchema.csv",
    "CompanySchema.csv",
    "DealSchema.csv",
    "Contacts.csv",
    "Companies.csv",
    "Deals.csv",
    "Tasks.csv",
    "Posts.csv",
    "Activities.csv",
    "Insights.csv",
)


def load_tenant() -> dict:
    """A fresh copy of the fixture tenant (tests may add mailboxes or records to it)."""
    return copy.deepcopy(json.loads(TENANT_FILE.read_text(encoding="utf-8")))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- hooking the server ----------------------------------------------------------------------


@dataclass
class Request:
    """One request the emulator received: method, path, query string and headers."""

    method: str
    path: str
    query: str
    headers: dict[str, str]


@dataclass
class ServerHook:
    """WSGI middleware around the emulator: records requests and runs ``before`` callbacks.

    ``before(request)`` runs in the server's thread before the emulator answers; ``prefer`` is
    sent to the emulator as a ``Prefer`` header on every API request (the server's page size).
    """

    app: Callable[..., Any]
    requests: list[Request] = field(default_factory=list)
    before: list[Callable[[Request], None]] = field(default_factory=list)
    prefer: str | None = None
    #: Path part -> (status, error code): API requests whose path contains it get that error
    #: answer (api.md's body) instead of the emulator's.
    refuse: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: Path part -> a function that changes the JSON body of the emulator's 2xx answers to
    #: API requests whose path contains it (a server that sends what the contract does not).
    tamper: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Any:
        headers = {
            k[5:].replace("_", "-").lower(): str(v)
            for k, v in environ.items()
            if k.startswith("HTTP_")
        }
        request = Request(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            headers,
        )
        with self._lock:
            self.requests.append(request)
        if self.prefer and request.path.startswith("/api/"):
            environ["HTTP_PREFER"] = self.prefer
        for callback in list(self.before):
            callback(request)
        for part, (status, code) in list(self.refuse.items()):
            if part in request.path:
                return self._error(start_response, status, code)
        for part, change in list(self.tamper.items()):
            if part in request.path:
                return self._tampered(environ, start_response, change)
        return self.app(environ, start_response)

    def _tampered(
        self, environ: dict, start_response: Callable[..., Any], change: Callable[[Any], Any]
    ) -> list[bytes]:
        answer: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], *args: Any) -> None:
            answer.update(status=status, headers=headers)

        body = b"".join(self.app(environ, keep))
        if answer["status"].startswith("2") and body:
            # ensure_ascii keeps a lone surrogate as the escape "\udXXX", as a server would.
            body = json.dumps(change(json.loads(body))).encode()
        headers = [(k, v) for k, v in answer["headers"] if k.lower() != "content-length"]
        start_response(answer["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]

    @staticmethod
    def _error(start_response: Callable[..., Any], status: int, code: str) -> list[bytes]:
        body = json.dumps(
            {"error": {"code": code, "message": "refused by the test", "innerError": {}}}
        ).encode()
        start_response(
            f"{status} Refused",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def reset(self) -> None:
        """No callbacks, no refusals, the server's own page size."""
        self.before.clear()
        self.refuse.clear()
        self.tamper.clear()
        self.prefer = None

    def api_requests(self) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith("/api/")]


def hook_server(handle: EmulatorHandle) -> ServerHook:
    """Install (once) and return the :class:`ServerHook` of a running emulator."""
    app = handle.server.app
    if isinstance(app, ServerHook):
        return app
    hook = ServerHook(app)
    handle.server.app = hook  # Werkzeug's handler reads server.app on every request
    return hook


# --- running the CLI ---------------------------------------------------------------------------


@dataclass
class Cli:
    """The ``ocm-tool`` command line signed in to an emulator as alice (password grant)."""

    handle: EmulatorHandle
    workdir: Path
    hook: ServerHook

    @property
    def token_cache(self) -> Path:
        return self.workdir / "token-cache.bin"

    @property
    def output_dir(self) -> Path:
        return self.workdir / "out"

    def global_options(self, *, username: str | None = ALICE, auth: str = "password") -> list[str]:
        options = [
            *self.handle.cli_options(),
            "--token-cache",
            str(self.token_cache),
            "--auth",
            auth,
        ]
        if username:
            options += ["--username", username]
        return options

    def run(
        self,
        *args: str,
        password: str | None = ALICE_PASSWORD,
        env: dict[str, str] | None = None,
        global_options: list[str] | None = None,
    ) -> Result:
        """``ocm-tool <global options> <args> --output-dir <out>`` (export commands)."""
        environment = {"OCM_PASSWORD": password, **(env or {})}
        argv = [*(global_options if global_options is not None else self.global_options()), *args]
        if (
            args
            and args[0].startswith("export-")
            and "--output-dir" not in args
            and "-h" not in args
        ):
            argv += ["--output-dir", str(self.output_dir)]
        return CliRunner().invoke(cli, argv, env=environment, catch_exceptions=False)

    def run_dirs(self) -> list[Path]:
        return (
            sorted(p for p in self.output_dir.iterdir() if p.is_dir())
            if self.output_dir.exists()
            else []
        )

    def only_run_dir(self) -> Path:
        dirs = self.run_dirs()
        assert len(dirs) == 1, dirs
        return dirs[0]


def manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file the way a downstream script reads them."""
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def csv_files(run_dir: Path) -> list[str]:
    """Every file in the run folder other than the manifest and the report, sorted."""
    return sorted(
        p.name for p in run_dir.iterdir() if p.name not in ("manifest.json", "report.html")
    )


@pytest.fixture(scope="module")
def fixture_emulator() -> Iterator[EmulatorHandle]:
    """One emulator for a module's read-only tests, serving the fixture tenant."""
    with running_emulator(TENANT_FILE) as handle:
        yield handle


@pytest.fixture
def emulator(fixture_emulator: EmulatorHandle) -> Iterator[EmulatorHandle]:
    """The module's emulator with no faults and a fresh hook, for one test."""
    fixture_emulator.clear_faults()
    hook = hook_server(fixture_emulator)
    hook.reset()
    yield fixture_emulator
    fixture_emulator.clear_faults()
    hook.reset()


@pytest.fixture
def ocm(emulator: EmulatorHandle, tmp_path: Path) -> Cli:
    """The CLI against the shared fixture emulator (tests must not change its data)."""
    hook = hook_server(emulator)
    hook.requests.clear()
    return Cli(emulator, tmp_path, hook)


def cli_for(handle: EmulatorHandle, tmp_path: Path) -> Cli:
    """A :class:`Cli` for a private emulator."""
    return Cli(handle, tmp_path, hook_server(handle))
