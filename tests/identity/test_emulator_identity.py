"""The emulator's identity provider, driven by msal itself over HTTPS (nothing mocked)."""

from __future__ import annotations

import ssl
import threading

import jwt
import msal
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from ocm_tool.auth._http import MsalHttpClient
from ocm_tool.emulator.api.exceptions import ApiProblem
from ocm_tool.emulator.models.access import Principal
from ocm_tool.emulator.server import EmulatorHandle

from .conftest import (
    ADMIN,
    CERT_APP_ID,
    CONTACT_NAMES,
    PUBLIC_CLIENT_ID,
    RESOURCE_SCOPES,
    SECRET_APP_ID,
    SECRET_APP_SECRET,
    USER,
    USER_PASSWORD,
    CertificateFiles,
    FakeBrowser,
    contact_names,
    get_contacts,
    make_certificate,
)

RESOURCE = "https://outlook.office365.com"
# msal discourages the password grant; these tests use it on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:This API has been deprecated:DeprecationWarning")
APP_PRINCIPAL = Principal("app", SECRET_APP_ID, roles=("full_access_as_app",))


def _http(handle: EmulatorHandle) -> MsalHttpClient:
    return MsalHttpClient(str(handle.ca_bundle), handle.authority)


def _public_app(handle: EmulatorHandle) -> msal.PublicClientApplication:
    return msal.PublicClientApplication(
        PUBLIC_CLIENT_ID,
        authority=handle.authority,
        http_client=_http(handle),
        instance_discovery=False,
    )


def _confidential_app(
    handle: EmulatorHandle, client_id: str, credential: object
) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=credential,
        authority=handle.authority,
        http_client=_http(handle),
        instance_discovery=False,
    )


def _certificate_credential(files: CertificateFiles) -> dict:
    return {"private_key": files.combined.read_text(), "public_certificate": files.certificate_pem}


def _unverified(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _rejection(handle: EmulatorHandle, header: str | None) -> str:
    with pytest.raises(ApiProblem) as caught:
        handle.identity.verify(header)
    assert (caught.value.status, caught.value.code) == (401, "InvalidAuthenticationToken")
    return caught.value.message


# -- discovery ----------------------------------------------------------------------------------


def test_openid_configuration_names_this_server_and_port(emulator: EmulatorHandle) -> None:
    answer = requests.get(
        f"{emulator.authority}/v2.0/.well-known/openid-configuration",
        verify=str(emulator.ca_bundle),
        timeout=30,
    )
    assert answer.status_code == 200
    config = answer.json()
    assert config["issuer"] == f"{emulator.authority}/v2.0"
    assert config["token_endpoint"] == f"{emulator.authority}/oauth2/v2.0/token"
    assert config["device_authorization_endpoint"] == f"{emulator.authority}/oauth2/v2.0/devicecode"
    assert config["authorization_endpoint"] == f"{emulator.authority}/oauth2/v2.0/authorize"
    assert config["jwks_uri"] == f"{emulator.authority}/discovery/v2.0/keys"


def test_unknown_tenant_and_user_realm(emulator: EmulatorHandle) -> None:
    ca = str(emulator.ca_bundle)
    unknown = requests.get(
        f"{emulator.base}/nosuchtenant/v2.0/.well-known/openid-configuration", verify=ca, timeout=30
    )
    assert (unknown.status_code, unknown.json()["error"]) == (400, "invalid_tenant")
    assert unknown.json()["error_codes"] == [90002]
    realm = requests.get(
        f"{emulator.base}/common/userrealm/{USER}?api-version=1.0", verify=ca, timeout=30
    )
    assert realm.status_code == 404


# -- app-only -----------------------------------------------------------------------------------


def test_client_secret_token_is_signed_by_the_published_key(emulator: EmulatorHandle) -> None:
    result = _confidential_app(emulator, SECRET_APP_ID, SECRET_APP_SECRET).acquire_token_for_client(
        RESOURCE_SCOPES
    )
    token = result["access_token"]
    assert result["expires_in"] == 3600
    jwks = jwt.PyJWKClient(
        f"{emulator.authority}/discovery/v2.0/keys",
        ssl_context=ssl.create_default_context(cafile=str(emulator.ca_bundle)),
    )
    claims = jwt.decode(
        token, jwks.get_signing_key_from_jwt(token).key, algorithms=["RS256"], audience=RESOURCE
    )
    assert claims["aud"] == RESOURCE
    assert claims["iss"] == f"{emulator.authority}/v2.0"
    assert claims["appid"] == claims["azp"] == SECRET_APP_ID
    assert claims["roles"] == ["full_access_as_app"]
    assert claims["tid"] == emulator.identity.tenant_id
    assert claims["exp"] - claims["iat"] == 3600
    assert "scp" not in claims and "upn" not in claims
    assert emulator.identity.verify(f"Bearer {token}") == APP_PRINCIPAL
    assert contact_names(emulator, token, f"/users/{USER}") == CONTACT_NAMES


def test_certificate_assertion_gets_an_app_token(
    emulator: EmulatorHandle, certificate: CertificateFiles
) -> None:
    app = _confidential_app(emulator, CERT_APP_ID, _certificate_credential(certificate))
    result = app.acquire_token_for_client(RESOURCE_SCOPES)
    assert emulator.identity.verify(f"Bearer {result['access_token']}") == Principal(
        "app", CERT_APP_ID, roles=("full_access_as_app",)
    )
    assert contact_names(emulator, result["access_token"], f"/users/{ADMIN}") == CONTACT_NAMES


def test_certificate_assertion_with_sha1_thumbprint(
    emulator: EmulatorHandle, certificate: CertificateFiles
) -> None:
    from cryptography.hazmat.primitives import hashes

    credential = {
        "private_key": certificate.combined.read_text(),
        "thumbprint": certificate.certificate.fingerprint(hashes.SHA1()).hex(),  # RS256 + x5t
    }
    result = _confidential_app(emulator, CERT_APP_ID, credential).acquire_token_for_client(
        RESOURCE_SCOPES
    )
    assert "access_token" in result, result.get("error_description")


def test_unregistered_certificate_is_refused(emulator: EmulatorHandle, tmp_path) -> None:
    stranger = make_certificate(tmp_path, "someone else")
    result = _confidential_app(
        emulator, CERT_APP_ID, _certificate_credential(stranger)
    ).acquire_token_for_client(RESOURCE_SCOPES)
    assert (result["error"], result["error_codes"]) == ("invalid_client", [700027])


def test_wrong_secret_and_unknown_app_are_refused(emulator: EmulatorHandle) -> None:
    wrong = _confidential_app(emulator, SECRET_APP_ID, "not-the-secret").acquire_token_for_client(
        RESOURCE_SCOPES
    )
    assert (wrong["error"], wrong["error_codes"]) == ("invalid_client", [7000215])
    unknown = _confidential_app(emulator, PUBLIC_CLIENT_ID, "x").acquire_token_for_client(
        RESOURCE_SCOPES
    )
    assert (unknown["error"], unknown["error_codes"]) == ("unauthorized_client", [700016])


def test_app_token_for_another_resource_is_refused(emulator: EmulatorHandle) -> None:
    result = _confidential_app(emulator, SECRET_APP_ID, SECRET_APP_SECRET).acquire_token_for_client(
        ["https://graph.microsoft.com/.default"]
    )
    assert result["error"] == "invalid_scope"


# -- delegated ----------------------------------------------------------------------------------


def test_device_flow_approved_from_another_thread(emulator: EmulatorHandle) -> None:
    app = _public_app(emulator)
    flow = app.initiate_device_flow(RESOURCE_SCOPES)
    assert flow["interval"] == 1 and flow["expires_in"] == 900
    assert flow["verification_uri"] == f"{emulator.base}/devicelogin"
    assert flow["message"] == (
        f"To sign in, use a web browser to open the page {emulator.base}/devicelogin "
        f"and enter the code {flow['user_code']} to authenticate."
    )
    pending = app.acquire_token_by_device_flow(flow, exit_condition=lambda _: True)
    assert pending["error"] == "authorization_pending"

    approver = threading.Thread(
        target=emulator.approve_device_code, args=(flow["user_code"], ADMIN)
    )
    approver.start()
    approver.join()
    result = app.acquire_token_by_device_flow(flow)
    assert result["id_token_claims"]["preferred_username"] == ADMIN
    assert emulator.identity.verify(f"Bearer {result['access_token']}") == Principal(
        "user", PUBLIC_CLIENT_ID, upn=ADMIN, roles=("Global Administrator",)
    )
    claims = _unverified(result["access_token"])
    assert claims["upn"] == claims["preferred_username"] == ADMIN
    assert claims["scp"] == "EWS.AccessAsUser.All"
    assert claims["wids"] == ["Global Administrator"]
    assert [a["username"] for a in app.get_accounts()] == [ADMIN]
    assert contact_names(emulator, result["access_token"]) == CONTACT_NAMES


def test_device_flow_auto_approve(emulator: EmulatorHandle) -> None:
    emulator.identity.auto_approve_as = USER
    app = _public_app(emulator)
    result = app.acquire_token_by_device_flow(app.initiate_device_flow(RESOURCE_SCOPES))
    assert emulator.identity.verify(f"Bearer {result['access_token']}") == Principal(
        "user", PUBLIC_CLIENT_ID, upn=USER
    )


def test_device_flow_declined_and_expired(emulator: EmulatorHandle) -> None:
    app = _public_app(emulator)
    declined = app.initiate_device_flow(RESOURCE_SCOPES)
    emulator.identity.decline_device_code(declined["user_code"])
    assert app.acquire_token_by_device_flow(declined)["error"] == "authorization_declined"

    emulator.identity.device_code_lifetime = 0
    expired = app.initiate_device_flow(RESOURCE_SCOPES)
    result = app.acquire_token_by_device_flow(expired, exit_condition=lambda _: True)
    assert result["error"] == "expired_token"
    with pytest.raises(ApiProblem):
        emulator.approve_device_code("NOSUCHCODE", ADMIN)


def test_device_login_page(emulator: EmulatorHandle) -> None:
    app = _public_app(emulator)
    flow = app.initiate_device_flow(RESOURCE_SCOPES)
    page = f"{emulator.base}/devicelogin"
    ca = str(emulator.ca_bundle)
    assert 'name="user_code"' in requests.get(page, verify=ca, timeout=30).text
    form = {"user_code": flow["user_code"].lower(), "username": USER, "action": "approve"}
    refused = requests.post(page, data={**form, "password": "nope"}, verify=ca, timeout=30)
    assert "invalid username or password" in refused.text
    signed_in = requests.post(page, data={**form, "password": USER_PASSWORD}, verify=ca, timeout=30)
    assert f"You signed in as {USER}." in signed_in.text
    result = app.acquire_token_by_device_flow(flow)
    assert result["id_token_claims"]["preferred_username"] == USER


def test_password_grant_and_refresh_token(emulator: EmulatorHandle) -> None:
    app = _public_app(emulator)
    first = app.acquire_token_by_username_password(USER, USER_PASSWORD, RESOURCE_SCOPES)
    assert first["token_type"] == "Bearer" and "refresh_token" in first
    account = app.get_accounts(username=USER)[0]
    refreshed = app.acquire_token_silent_with_error(RESOURCE_SCOPES, account, force_refresh=True)
    assert refreshed["token_source"] == "identity_provider"
    assert refreshed["access_token"] != first["access_token"]
    assert emulator.identity.verify(f"Bearer {refreshed['access_token']}").upn == USER


def test_tokens_for_other_audiences_are_not_access_tokens(emulator: EmulatorHandle) -> None:
    result = _public_app(emulator).acquire_token_by_username_password(
        USER, USER_PASSWORD, RESOURCE_SCOPES
    )
    assert "Invalid audience" in _rejection(emulator, f"Bearer {result['refresh_token']}")
    assert "Invalid audience" in _rejection(emulator, f"Bearer {result['id_token']}")


def test_wrong_password_and_unknown_user(emulator: EmulatorHandle) -> None:
    app = _public_app(emulator)
    wrong = app.acquire_token_by_username_password(USER, "nope", RESOURCE_SCOPES)
    assert (wrong["error"], wrong["error_codes"]) == ("invalid_grant", [50126])
    unknown = app.acquire_token_by_username_password(
        "nobody@fabrikam.example", "x", RESOURCE_SCOPES
    )
    assert (unknown["error"], unknown["error_codes"]) == ("invalid_grant", [50034])


def test_browser_flow_auto_approved_by_login_hint(
    emulator: EmulatorHandle, fake_browser: FakeBrowser
) -> None:
    emulator.identity.auto_approve_as = ADMIN
    result = _public_app(emulator).acquire_token_interactive(
        RESOURCE_SCOPES, login_hint=ADMIN, timeout=60
    )
    assert "access_token" in result, fake_browser.log.read_text()
    assert result["id_token_claims"]["preferred_username"] == ADMIN
    assert emulator.identity.verify(f"Bearer {result['access_token']}").upn == ADMIN


def test_browser_flow_through_the_sign_in_form(
    emulator: EmulatorHandle, fake_browser: FakeBrowser
) -> None:
    fake_browser.will_sign_in_as(USER, USER_PASSWORD)
    result = _public_app(emulator).acquire_token_interactive(RESOURCE_SCOPES, timeout=60)
    assert "access_token" in result, fake_browser.log.read_text()
    assert emulator.identity.verify(f"Bearer {result['access_token']}").upn == USER


# -- verify() -----------------------------------------------------------------------------------


def test_expired_token_is_rejected(emulator: EmulatorHandle) -> None:
    emulator.identity.token_lifetime = 0  # tokens expire the second they are made
    result = _confidential_app(emulator, SECRET_APP_ID, SECRET_APP_SECRET).acquire_token_for_client(
        RESOURCE_SCOPES
    )
    assert result["expires_in"] == 0
    assert "expired" in _rejection(emulator, f"Bearer {result['access_token']}")
    answer = get_contacts(emulator, result["access_token"], f"/users/{USER}")
    assert (answer.status_code, answer.json()["error"]["code"]) == (
        401,
        "InvalidAuthenticationToken",
    )


def test_forged_and_malformed_tokens_are_rejected(emulator: EmulatorHandle) -> None:
    genuine = _confidential_app(
        emulator, SECRET_APP_ID, SECRET_APP_SECRET
    ).acquire_token_for_client(RESOURCE_SCOPES)["access_token"]
    claims = _unverified(genuine)
    kid = jwt.get_unverified_header(genuine)["kid"]
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, forger, algorithm="RS256", headers={"kid": kid})
    assert _rejection(emulator, f"Bearer {forged}") == "Signature validation failed."
    answer = get_contacts(emulator, forged, f"/users/{USER}")
    assert (answer.status_code, answer.json()["error"]["code"]) == (
        401,
        "InvalidAuthenticationToken",
    )
    assert answer.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    # PyJWT's `encode` types `key` without None, but alg "none" takes exactly None
    # (`NoneAlgorithm.prepare_key` refuses any other key).
    unsigned = jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]
    _rejection(emulator, f"Bearer {unsigned}")
    _rejection(emulator, "Bearer not.a.jwt")
    _rejection(emulator, f"Basic {genuine}")
    assert _rejection(emulator, None) == "Access token is empty."
