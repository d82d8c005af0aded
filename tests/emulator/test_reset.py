"""``EmulatorHandle.reset``: a running emulator made what a new start would be, so tests can
share one server (``fresh``) without leaking data, faults, grants or identity settings."""

from __future__ import annotations

import requests

from ocm_tool.emulator.faults import COUNTERS, FaultConfig
from ocm_tool.emulator.server import running_emulator

from .contract import ADMIN, ALICE, ALICE_CONTACTS, PUBLIC_CLIENT, SCOPE, Api, contract_tenant


def test_reset_brings_back_the_data_faults_and_identity_of_a_start(fresh: Api) -> None:
    handle = fresh.handle
    old_token = fresh.token(ALICE)
    first = fresh.ok("GET", f"/users/{ALICE}/XrmContacts")["value"][0]["Id"]
    assert fresh.delete(f"/users/{ALICE}/Items/{first}").status_code == 204
    mailbox = handle.store.mailbox(ALICE)
    assert mailbox is not None
    handle.store.grant_full_access(mailbox, ADMIN)
    handle.set_faults(throttle_rate=1.0, paths=["XrmDeals"])
    assert fresh.get(f"/users/{ALICE}/XrmDeals").status_code == 429
    handle.identity.token_lifetime = 0
    handle.identity.auto_approve_as = ALICE
    handle.identity.device_code_interval = 5
    pending = requests.post(
        f"{handle.authority}/oauth2/v2.0/devicecode",
        data={"client_id": PUBLIC_CLIENT, "scope": SCOPE},
        verify=str(handle.ca_bundle),
        timeout=30,
    ).json()
    app = handle.server.app
    handle.server.app = lambda environ, start_response: app(environ, start_response)

    handle.reset(contract_tenant())

    assert handle.server.app is app
    assert fresh.get("/me/XrmContacts", token=old_token).status_code == 401  # a new key
    again = Api(handle)
    assert len(again.items(f"/users/{ALICE}/XrmContacts")) == ALICE_CONTACTS
    assert again.get(f"/users/{ALICE}/XrmContacts", who=ADMIN).status_code == 403
    assert again.get(f"/users/{ALICE}/XrmDeals").status_code == 200
    assert handle.faults.config == FaultConfig()
    assert handle.stats() == {
        **dict.fromkeys(COUNTERS, 0),
        "requests": 3,
        "round_trips": 3,
        "mailbox_calls": 3,
        "max_in_flight": 1,
    }
    identity = handle.identity
    assert (identity.token_lifetime, identity.auto_approve_as) == (3600, None)
    assert identity.device_code_interval == 1
    approve = again.control(
        "POST", "/devicecode/approve", json={"user_code": pending["user_code"], "upn": ALICE}
    )
    assert approve.status_code == 400  # the sign-in in progress was forgotten


def test_reset_keeps_the_start_faults_and_follows_the_tenant_name() -> None:
    with running_emulator(contract_tenant(), faults=FaultConfig(retry_after=2)) as handle:
        handle.set_faults(retry_after=5, throttle_rate=0.5)
        handle.reset({**contract_tenant(), "tenant": "fabrikam"})
        assert handle.faults.config == FaultConfig(retry_after=2)
        assert handle.tenant == "fabrikam"
        discovery = requests.get(
            f"{handle.authority}/v2.0/.well-known/openid-configuration",
            verify=str(handle.ca_bundle),
            timeout=30,
        )
        assert discovery.json()["issuer"] == f"{handle.base}/fabrikam/v2.0"
