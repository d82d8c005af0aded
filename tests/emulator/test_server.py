"""The HTTPS server itself: keep-alive, TLS, dropped connections, stopping at once."""

from __future__ import annotations

import contextlib
import http.client
import json
import ssl
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests

from ocm_tool.emulator.server import EmulatorHandle, running_emulator

from .contract import ALICE, Api, contract_tenant


def _connection(handle: EmulatorHandle) -> http.client.HTTPSConnection:
    context = ssl.create_default_context(cafile=str(handle.ca_bundle))
    return http.client.HTTPSConnection("127.0.0.1", handle.port, context=context, timeout=30)


def _get(connection: http.client.HTTPSConnection, path: str, token: str) -> tuple[int, dict]:
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    answer = connection.getresponse()
    return answer.status, json.loads(answer.read())


def test_calls_share_one_tls_connection(served: Api) -> None:
    token = served.token(ALICE)
    connection = _connection(served.handle)
    try:
        status, first = _get(connection, f"/api/v1/users/{ALICE}/XrmContacts?$top=1", token)
        assert status == 200
        tls_socket = connection.sock
        assert isinstance(tls_socket, ssl.SSLSocket)  # HTTPS, and HTTP/1.1 kept it open
        for _ in range(5):
            link = urlsplit(first["@odata.nextLink"])
            status, first = _get(connection, f"{link.path}?{link.query}", token)
            assert status == 200 and first["value"]
            assert connection.sock is tls_socket  # no new connection, no new handshake
    finally:
        connection.close()


def test_a_dropped_connection_gets_no_answer_and_the_next_one_is_served(fresh: Api) -> None:
    token = fresh.token(ALICE)
    fresh.handle.set_faults(drop_rate=1.0, paths=["XrmDeals"])
    connection = _connection(fresh.handle)
    try:
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError, ssl.SSLError)):
            _get(connection, f"/api/v1/users/{ALICE}/XrmDeals", token)
    finally:
        connection.close()
    assert fresh.handle.stats()["dropped"] == 1
    assert fresh.get(f"/users/{ALICE}/XrmContacts").status_code == 200


def test_the_server_stops_at_once_with_idle_and_busy_connections() -> None:
    with running_emulator(contract_tenant()) as handle:
        api = Api(handle)
        token = api.token(ALICE)
        idle = _connection(handle)
        assert _get(idle, f"/api/v1/users/{ALICE}/XrmContacts?$top=1", token)[0] == 200
        handle.set_faults(latency=30.0, paths=["XrmDeals"])

        def busy_call() -> None:
            with contextlib.suppress(requests.ConnectionError):  # the server goes away
                api.get(f"/users/{ALICE}/XrmDeals")

        busy = threading.Thread(target=busy_call, daemon=True, name="busy call")
        busy.start()
        while handle.faults.in_flight_peaks().get(ALICE, 0) < 1:
            time.sleep(0.01)
        started = time.monotonic()
    stopped = time.monotonic() - started
    idle.close()
    # Neither the kept-alive connection nor the 30 s call held the stop back.
    assert stopped < 5, stopped
    print(f"stopped in {stopped:.3f} s")
