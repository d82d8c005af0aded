"""Fixtures of the client tests: an emulator with clean counters, real tokens, a client factory.

Tokens come from ``ocm_tool.auth.sign_in`` (app-only, client secret). Everything runs over
HTTPS against the emulator; nothing is mocked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.console import Console

from ocm_tool.auth import sign_in
from ocm_tool.client import GraphClient, RetryPolicy, TokenProvider
from ocm_tool.emulator.server import EmulatorHandle, running_emulator
from ocm_tool.settings import Secrets, Settings

from .tenant import APP_ID, APP_SECRET, tenant

#: Retries fast enough for tests; Retry-After is still honoured in full.
FAST_RETRY = RetryPolicy(max_attempts=6, backoff_base=0.01, backoff_cap=0.05)


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[EmulatorHandle]:
    """One emulator per test module (the client tests never change its data)."""
    with running_emulator(tenant()) as handle:
        yield handle


@pytest.fixture
def emulator(shared_emulator: EmulatorHandle) -> Iterator[EmulatorHandle]:
    """The module's emulator with no faults and zeroed counters, for one test."""
    shared_emulator.clear_faults()
    shared_emulator.faults.reset_stats()
    yield shared_emulator
    shared_emulator.clear_faults()


def sign_in_app(
    handle: EmulatorHandle, tmp_path: Path, client_id: str = APP_ID, secret: str = APP_SECRET
) -> TokenProvider:
    """App-only sign-in to the emulator, as ``--auth client-secret`` does it."""
    settings = Settings(
        endpoint=handle.api,
        authority=handle.authority.rsplit("/", 1)[0],
        tenant=handle.tenant,
        auth="client-secret",
        client_id=client_id,
        ca_bundle=handle.ca_bundle,
        token_cache=tmp_path / f"cache-{client_id}.bin",
        secrets=Secrets(client_secret=secret),
    )
    return sign_in(settings, console=Console(quiet=True))


@pytest.fixture
def tokens(emulator: EmulatorHandle, tmp_path: Path) -> TokenProvider:
    return sign_in_app(emulator, tmp_path)


@pytest.fixture
def make_client(
    emulator: EmulatorHandle, tokens: TokenProvider
) -> Iterator[Callable[..., GraphClient]]:
    """``make_client(**kwargs)``: a GraphClient on the emulator (verify=its CA, fast retries)."""
    made: list[GraphClient] = []

    def make(**kwargs: object) -> GraphClient:
        options: dict = {"verify": str(emulator.ca_bundle), "retry": FAST_RETRY, **kwargs}
        provider = options.pop("tokens", tokens)
        client = GraphClient(emulator.api, provider, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., GraphClient]) -> GraphClient:
    return make_client()


class Recorder:
    """Every answer a client got, in order (a response hook on the client's own session)."""

    def __init__(self, client: GraphClient) -> None:
        self.responses: list = []
        client._session.hooks["response"].append(self._keep)

    def _keep(self, response, *args: object, **kwargs: object) -> None:
        self.responses.append(response)

    def urls(self, suffix: str = "") -> list[str]:
        return [r.request.url for r in self.responses if r.request.url.endswith(suffix)]


class RetryLog:
    """An ``on_retry`` observer that keeps what it was told."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []

    def __call__(self, reason: str, delay: float) -> None:
        self.calls.append((reason, delay))
