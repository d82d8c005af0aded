"""The store behind the API (persistence, stable ids, loading), the control API's mailbox and
device-code routes, and the OpenAPI document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from ocm_tool.emulator.models.store import Store
from ocm_tool.emulator.models.tenant import COLLECTIONS
from ocm_tool.emulator.server import running_emulator

from .contract import (
    ALICE,
    ALICE_CONTACTS,
    HOLLY,
    PUBLIC_CLIENT,
    SCOPE,
    Api,
    contract_tenant,
    error_of,
)


def test_data_survives_a_restart_and_a_new_tenant_replaces_it(tmp_path: Path) -> None:
    db = tmp_path / "tenant.sqlite3"
    with running_emulator(contract_tenant(), db=db) as handle:
        api = Api(handle)
        first = api.items("/me/XrmContacts")[0]["Id"]
        assert api.delete(f"/me/Items/{first}").status_code == 204
        api.post(
            "/adminapi/InvokeCommand",
            who="admin@contoso.com",
            json={
                "CmdletInput": {
                    "CmdletName": "Add-MailboxPermission",
                    "Parameters": {"Identity": ALICE, "User": "admin@contoso.com"},
                }
            },
        )
    with running_emulator(db=db) as handle:
        api = Api(handle)
        assert handle.tenant == "contoso"
        assert next(c["Id"] for c in api.items("/me/XrmContacts")) != first
        assert len(api.items("/me/XrmContacts")) == ALICE_CONTACTS - 1
        assert api.get(f"/users/{ALICE}/XrmContacts", who="admin@contoso.com").status_code == 200
    with running_emulator(contract_tenant(), db=db) as handle:
        assert len(Api(handle).items("/me/XrmContacts")) == ALICE_CONTACTS


def test_generated_ids_are_stable_for_a_file_and_given_ids_are_kept(tmp_path: Path) -> None:
    tenant = contract_tenant()
    tenant["mailboxes"][0]["contacts"][0].update(
        Id="given-id", XrmId="given-xrm", PersonaId="given-persona"
    )
    stores = [Store(tmp_path / f"{n}.sqlite3") for n in range(2)]
    for store in stores:
        store.load_tenant(tenant)
    with (
        running_emulator(db=tmp_path / "0.sqlite3") as one,
        running_emulator(db=tmp_path / "1.sqlite3") as two,
    ):
        first, second = Api(one).items("/me/XrmContacts"), Api(two).items("/me/XrmContacts")
        assert first == second
        assert (first[0]["Id"], first[0]["XrmId"], first[0]["PersonaId"]) == (
            "given-id",
            "given-xrm",
            "given-persona",
        )
        folders = [
            Api(h).control("GET", f"/mailboxes/{ALICE}").json()["Folders"] for h in (one, two)
        ]
        assert folders[0] == folders[1]
    for store in stores:
        store.close()


def test_a_malformed_tenant_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.sqlite3")
    store.load_tenant(contract_tenant())
    broken = contract_tenant()
    broken["mailboxes"][1]["contacts"] = [{"DisplayName": "x", "LastModifiedDateTime": "yesterday"}]
    with pytest.raises(ValueError, match="LastModifiedDateTime"):
        store.load_tenant(broken)
    duplicate = contract_tenant()
    duplicate["mailboxes"].append({"address": ALICE.upper()})
    same_ids = contract_tenant()
    same_ids["mailboxes"][1]["contacts"] = [{"Id": "twice"}, {"Id": "twice"}]
    for malformed in (duplicate, same_ids, {"mailboxes": [{"kind": "user"}]}):
        with pytest.raises(ValueError, match="malformed tenant"):
            store.load_tenant(malformed)
    assert store.tenant_name == "contoso"
    assert store.mailboxes() == [ALICE, "bob@contoso.com", "sales@contoso.com", HOLLY]
    store.close()


def test_an_empty_store_serves_an_empty_tenant(tmp_path: Path) -> None:
    store = Store(tmp_path / "empty.sqlite3")
    assert (store.tenant_name, store.mailboxes(), store.user(ALICE)) == ("emulator", [], None)
    store.close()


def test_app_certificates_can_be_registered(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.sqlite3")
    store.load_tenant(contract_tenant())
    app = contract_tenant()["apps"][0]["clientId"]
    store.set_app_certificate(app, "-----BEGIN CERTIFICATE-----\n...")
    registered = store.app(app)
    assert registered is not None
    assert registered.certificate_pem == "-----BEGIN CERTIFICATE-----\n..."
    with pytest.raises(KeyError):
        store.set_app_certificate("no-such-app", "pem")
    store.close()


# -- control API: mailboxes, device codes --------------------------------------------------------


def test_control_api_reports_a_mailbox_s_folders(served: Api) -> None:
    answer = served.control("GET", f"/mailboxes/{HOLLY.upper()}").json()
    assert (answer["Address"], answer["Kind"], answer["OnHold"], answer["FullAccess"]) == (
        HOLLY,
        "user",
        True,
        ["admin@contoso.com"],
    )
    counts = {f["Path"]: f["TotalItemCount"] for f in answer["Folders"]}
    assert counts["Root/Top of Information Store/Contacts/Outlook Customer Manager"] == 3
    assert counts["Root/xrmprojects/Deals"] == 1
    assert sum(counts.values()) == 4
    assert error_of(served.control("GET", "/mailboxes/nobody@contoso.com")) == (
        404,
        "ErrorInvalidMailbox",
    )


def test_control_api_approves_a_device_code(served: Api) -> None:
    authority, verify = served.handle.authority, str(served.handle.ca_bundle)
    flow = requests.post(
        f"{authority}/oauth2/v2.0/devicecode",
        data={"client_id": PUBLIC_CLIENT, "scope": SCOPE},
        verify=verify,
        timeout=30,
    ).json()
    approved = served.control(
        "POST", "/devicecode/approve", json={"user_code": flow["user_code"], "upn": ALICE}
    )
    assert approved.status_code == 200
    token = requests.post(
        f"{authority}/oauth2/v2.0/token",
        verify=verify,
        timeout=30,
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": flow["device_code"],
            "client_id": PUBLIC_CLIENT,
        },
    ).json()["access_token"]
    assert len(served.items("/me/XrmContacts", token=token)) == ALICE_CONTACTS
    unknown = served.control(
        "POST", "/devicecode/approve", json={"user_code": "NOPE-NOPE", "upn": ALICE}
    )
    assert error_of(unknown) == (400, "BadRequest")
    assert error_of(served.control("POST", "/devicecode/approve", json={"upn": ALICE})) == (
        400,
        "BadRequest",
    )


# -- OpenAPI ----------------------------------------------------------------------------------------


def _api_routes(handle) -> set[tuple[str, str]]:
    """(method, OpenAPI-style path) of every API route the app serves."""
    routes = set()
    for rule in handle.server.app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        path = rule.rule.removeprefix("/api/v1")
        paths = [
            path.replace(f"<any({', '.join(COLLECTIONS)}):collection>", c) for c in COLLECTIONS
        ]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            for one in set(paths):
                routes.add((method.lower(), re.sub(r"<[^>]+>", "{}", one)))
    return routes


def test_the_openapi_document_describes_every_route_and_no_other(served: Api) -> None:
    answer = served.get("/openapi.json", who=None)
    assert answer.status_code == 200
    document = answer.json()
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": served.handle.api}]
    documented = {
        (method, re.sub(r"\{[^}]+\}", "{}", path))
        for path, item in document["paths"].items()
        for method in item
    }
    assert documented == _api_routes(served.handle)
    for item in document["paths"].values():
        for operation in item.values():
            assert {"200", "400", "401", "429"} <= set(
                operation["responses"]
            ) or "204" in operation["responses"]
