"""A restart on the same store keeps the tenant's data and the tokens it issued; a new tenant
does not honour the old tokens."""

from __future__ import annotations

from pathlib import Path

import requests

from ocm_tool.emulator.server import running_emulator

from .contract import ALICE, ALICE_CONTACTS, Api, contract_tenant


def contacts(api: Api, token: str) -> requests.Response:
    return requests.get(
        f"{api.handle.api}/me/XrmContacts",
        headers={"Authorization": f"Bearer {token}"},
        verify=str(api.handle.ca_bundle),
        timeout=30,
    )


def test_a_restart_keeps_data_and_tokens_a_new_tenant_drops_the_tokens(tmp_path: Path) -> None:
    db = tmp_path / "tenant.sqlite3"
    with running_emulator(contract_tenant(), db=db) as first:
        token = Api(first).token(ALICE)

    with running_emulator(db=db) as restarted:
        answer = contacts(Api(restarted), token)
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["value"]) == ALICE_CONTACTS

    with running_emulator(contract_tenant(), db=db) as reloaded:
        answer = contacts(Api(reloaded), token)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"
