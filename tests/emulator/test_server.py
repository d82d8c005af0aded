"""The emulator's server under clients that misbehave at the socket level."""

from __future__ import annotations

import socket

import requests

from ocm_tool.emulator.server import running_emulator


def test_a_client_stuck_in_its_tls_handshake_does_not_stop_the_others() -> None:
    # A process interrupted while connecting leaves a connection whose handshake never ends.
    # The server did every handshake in its one accepting thread, so every later client
    # (ocm-tool taking a FullAccess grant back after SIGTERM) waited for its read timeout.
    with running_emulator() as handle, socket.create_connection(("127.0.0.1", handle.port)):
        answer = requests.get(
            f"{handle.base}/{handle.tenant}/v2.0/.well-known/openid-configuration",
            verify=str(handle.ca_bundle),
            timeout=10,
        )
        assert answer.status_code == 200
