"""ocm-tool's sign-in (``ocm_tool.auth``) against the emulator over HTTPS, every flow for real."""

from __future__ import annotations

import io
import re
import stat
import threading
from dataclasses import replace
from pathlib import Path

import msal
import pytest
import requests
from cryptography.hazmat.primitives import hashes
from rich.console import Console

from ocm_tool.auth import MsalTokenProvider, cached_accounts, sign_in, sign_in_info, sign_out
from ocm_tool.emulator.server import EmulatorHandle
from ocm_tool.errors import AuthenticationError, ConfigurationError
from ocm_tool.settings import Secrets

from .conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    CERT_APP_ID,
    CONTACT_NAMES,
    SECRET_APP_ID,
    SECRET_APP_SECRET,
    USER,
    USER_PASSWORD,
    CertificateFiles,
    FakeBrowser,
    contact_names,
    get_contacts,
    settings_for,
)

QUIET = Console(quiet=True)


class DeviceCodeApprover(io.StringIO):
    """A console file that, on seeing msal's device-code message, approves it from a thread."""

    def __init__(self, handle: EmulatorHandle, upn: str) -> None:
        super().__init__()
        self.handle, self.upn = handle, upn
        self.approvers: list[threading.Thread] = []

    def write(self, text: str) -> int:
        match = re.search(r"enter the code (\w+) to authenticate", text)
        if match:
            approver = threading.Thread(
                target=self.handle.approve_device_code, args=(match.group(1), self.upn)
            )
            approver.start()
            self.approvers.append(approver)
        return super().write(text)


def _principal_upn(handle: EmulatorHandle, token: str) -> str | None:
    return handle.identity.verify(f"Bearer {token}").upn


def test_password_flow_on_a_non_443_port(
    emulator: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert emulator.port != 443  # msal would ask port 443 for the user realm without our client
    # msal remembers hosts that answered 404 for the process: make it really ask this time.
    monkeypatch.setattr(msal.authority.Authority, "_domains_without_user_realm_discovery", set())
    settings = settings_for(
        emulator,
        "password",
        tmp_path / "cache.bin",
        username=USER,
        secrets=Secrets(password=USER_PASSWORD),
    )
    tokens = sign_in(settings, console=QUIET)
    assert tokens.account == USER
    assert _principal_upn(emulator, tokens.token()) == USER
    assert contact_names(emulator, tokens.token()) == CONTACT_NAMES


def test_second_sign_in_is_silent(emulator: EmulatorHandle, tmp_path: Path) -> None:
    cache = tmp_path / "nested" / "cache.bin"
    first = settings_for(
        emulator, "password", cache, username=ADMIN, secrets=Secrets(password=ADMIN_PASSWORD)
    )
    sign_in(first, console=QUIET)
    # No password, no terminal: only the cache can sign this in.
    second = settings_for(emulator, "password", cache, username=ADMIN)
    tokens = sign_in(second, console=QUIET)
    assert tokens.account == ADMIN
    assert _principal_upn(emulator, tokens.token()) == ADMIN
    # Without --username the one cached account is used.
    assert sign_in(settings_for(emulator, "device-code", cache), console=QUIET).account == ADMIN


def test_cache_file_is_private(emulator: EmulatorHandle, tmp_path: Path) -> None:
    cache = tmp_path / "new-dir" / "cache.bin"
    provider = sign_in(
        settings_for(
            emulator, "password", cache, username=USER, secrets=Secrets(password=USER_PASSWORD)
        ),
        console=QUIET,
    )
    assert isinstance(provider, MsalTokenProvider)
    if provider._cache.is_encrypted:
        pytest.skip("the platform's encrypted persistence holds the cache")
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    assert USER_PASSWORD not in cache.read_text()


def test_missing_secrets_without_a_terminal(
    emulator: EmulatorHandle, tmp_path: Path, certificate: CertificateFiles
) -> None:
    cache = tmp_path / "cache.bin"
    cases = [
        (
            settings_for(emulator, "client-secret", cache, client_id=SECRET_APP_ID),
            "OCM_CLIENT_SECRET",
        ),
        (settings_for(emulator, "password", cache, username=USER), "OCM_PASSWORD"),
        (settings_for(emulator, "password", cache), "OCM_USERNAME"),
        (
            settings_for(
                emulator,
                "certificate",
                cache,
                client_id=CERT_APP_ID,
                certificate=certificate.encrypted,
            ),
            "OCM_CERTIFICATE_PASSWORD",
        ),
    ]
    for settings, variable in cases:
        with pytest.raises(ConfigurationError) as caught:
            sign_in(settings, console=QUIET)
        assert "no terminal" in caught.value.message
        assert caught.value.hint is not None
        assert variable in caught.value.hint


def test_ca_bundle_wins_over_requests_ca_bundle(
    emulator: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system_bundle = requests.certs.where()  # trusts public CAs, not the emulator's
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", system_bundle)
    monkeypatch.setenv("CURL_CA_BUNDLE", system_bundle)
    settings = settings_for(
        emulator,
        "client-secret",
        tmp_path / "cache.bin",
        client_id=SECRET_APP_ID,
        secrets=Secrets(client_secret=SECRET_APP_SECRET),
    )
    assert sign_in(settings, console=QUIET).account is None

    with pytest.raises(ConfigurationError) as caught:
        sign_in(replace(settings, ca_bundle=None), console=QUIET)
    assert caught.value.hint is not None
    assert "--ca-bundle" in caught.value.hint


def test_client_secret_app_only(emulator: EmulatorHandle, tmp_path: Path) -> None:
    settings = settings_for(
        emulator,
        "client-secret",
        tmp_path / "cache.bin",
        client_id=SECRET_APP_ID,
        secrets=Secrets(client_secret=SECRET_APP_SECRET),
    )
    tokens = sign_in(settings, console=QUIET)
    assert tokens.account is None
    first = tokens.token()
    assert tokens.token() == first  # from msal's cache
    renewed = tokens.token(force_refresh=True)
    assert renewed != first
    principal = emulator.identity.verify(f"Bearer {renewed}")
    assert (principal.kind, principal.client_id, principal.full_access_as_app) == (
        "app",
        SECRET_APP_ID,
        True,
    )
    assert contact_names(emulator, renewed, f"/users/{USER}") == CONTACT_NAMES
    # A second run with the same cache answers from it.
    assert sign_in(settings, console=QUIET).token() == renewed


def test_certificate_with_passphrase(
    emulator: EmulatorHandle, tmp_path: Path, certificate: CertificateFiles
) -> None:
    settings = settings_for(
        emulator,
        "certificate",
        tmp_path / "cache.bin",
        client_id=CERT_APP_ID,
        certificate=certificate.encrypted,
        secrets=Secrets(certificate_password=certificate.passphrase),
    )
    tokens = sign_in(settings, console=QUIET)
    assert isinstance(tokens, MsalTokenProvider)
    assert tokens.certificate is not None
    assert (
        tokens.certificate.thumbprint
        == certificate.certificate.fingerprint(hashes.SHA1()).hex().upper()
    )
    assert emulator.identity.verify(f"Bearer {tokens.token()}").client_id == CERT_APP_ID


def test_wrong_passphrase_and_wrong_secret(
    emulator: EmulatorHandle, tmp_path: Path, certificate: CertificateFiles
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        sign_in(
            settings_for(
                emulator,
                "certificate",
                tmp_path / "a.bin",
                client_id=CERT_APP_ID,
                certificate=certificate.encrypted,
                secrets=Secrets(certificate_password="wrong"),
            ),
            console=QUIET,
        )
    assert caught.value.hint is not None
    assert "OCM_CERTIFICATE_PASSWORD" in caught.value.hint
    with pytest.raises(AuthenticationError) as refused:
        sign_in(
            settings_for(
                emulator,
                "client-secret",
                tmp_path / "b.bin",
                client_id=SECRET_APP_ID,
                secrets=Secrets(client_secret="not-it"),
            ),
            console=QUIET,
        )
    assert refused.value.message.startswith("sign-in failed: invalid_client: AADSTS7000215:")
    assert "not-it" not in refused.value.message
    assert refused.value.hint is not None
    assert "OCM_CLIENT_SECRET" in refused.value.hint


def test_wrong_password_is_an_authentication_error(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        sign_in(
            settings_for(
                emulator,
                "password",
                tmp_path / "cache.bin",
                username=USER,
                secrets=Secrets(password="wrong-password"),
            ),
            console=QUIET,
        )
    assert caught.value.message == (
        "sign-in failed: invalid_grant: AADSTS50126: Error validating credentials due to "
        "invalid username or password."
    )
    assert caught.value.hint == "check the username and the password (OCM_PASSWORD)"


def test_device_code_flow_prints_the_message_and_waits(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    output = DeviceCodeApprover(emulator, USER)
    tokens = sign_in(
        settings_for(emulator, "device-code", tmp_path / "cache.bin"),
        console=Console(file=output, width=200),
    )
    for approver in output.approvers:
        approver.join()
    assert len(output.approvers) == 1
    assert f"open the page {emulator.base}/devicelogin" in output.getvalue()
    assert tokens.account == USER
    assert _principal_upn(emulator, tokens.token()) == USER


def test_browser_flow(emulator: EmulatorHandle, tmp_path: Path, fake_browser: FakeBrowser) -> None:
    emulator.identity.auto_approve_as = ADMIN
    tokens = sign_in(
        settings_for(emulator, "browser", tmp_path / "cache.bin", username=ADMIN), console=QUIET
    )
    assert tokens.account == ADMIN, fake_browser.log.read_text()
    assert contact_names(emulator, tokens.token()) == CONTACT_NAMES


def test_expired_token_then_force_refresh(emulator: EmulatorHandle, tmp_path: Path) -> None:
    emulator.identity.token_lifetime = 0
    settings = settings_for(
        emulator,
        "password",
        tmp_path / "cache.bin",
        username=USER,
        secrets=Secrets(password=USER_PASSWORD),
    )
    tokens = sign_in(settings, console=QUIET)
    answer = get_contacts(emulator, tokens.token())
    assert (answer.status_code, answer.json()["error"]["code"]) == (
        401,
        "InvalidAuthenticationToken",
    )
    emulator.identity.token_lifetime = 3600
    renewed = tokens.token(force_refresh=True)  # through the refresh token, no password needed
    assert contact_names(emulator, renewed) == CONTACT_NAMES


def test_sign_out_and_cached_accounts(emulator: EmulatorHandle, tmp_path: Path) -> None:
    cache = tmp_path / "cache.bin"
    for upn, password in ((USER, USER_PASSWORD), (ADMIN, ADMIN_PASSWORD)):
        sign_in(
            settings_for(
                emulator, "password", cache, username=upn, secrets=Secrets(password=password)
            ),
            console=QUIET,
        )
    sign_in(
        settings_for(
            emulator,
            "client-secret",
            cache,
            client_id=SECRET_APP_ID,
            secrets=Secrets(client_secret=SECRET_APP_SECRET),
        ),
        console=QUIET,
    )
    public = settings_for(emulator, "password", cache)
    assert sorted(cached_accounts(public)) == [ADMIN, USER]
    assert sorted(sign_out(public)) == [ADMIN, USER]
    assert cached_accounts(public) == []
    with pytest.raises(ConfigurationError):  # nothing cached, no password, no terminal
        sign_in(settings_for(emulator, "password", cache, username=USER), console=QUIET)
    app = settings_for(emulator, "client-secret", cache, client_id=SECRET_APP_ID)
    assert sign_out(app) == [f"app {SECRET_APP_ID}"]
    assert sign_out(app) == []


def test_sign_in_info(emulator: EmulatorHandle, tmp_path: Path) -> None:
    settings = settings_for(
        emulator,
        "password",
        tmp_path / "cache.bin",
        username=ADMIN,
        secrets=Secrets(password=ADMIN_PASSWORD),
    )
    info = sign_in_info(settings, sign_in(settings, console=QUIET))
    assert (info.account, info.auth_method, info.tenant, info.permissions) == (
        ADMIN,
        "password",
        emulator.identity.tenant_id,
        ("EWS.AccessAsUser.All",),
    )
    assert info.authority == emulator.authority
    assert info.expires_at is not None


def test_username_is_asked_at_a_terminal(
    emulator: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{USER}\n"))
    prompts = io.StringIO()
    tokens = sign_in(
        settings_for(
            emulator,
            "password",
            tmp_path / "cache.bin",
            interactive=True,
            secrets=Secrets(password=USER_PASSWORD),
        ),
        console=Console(file=prompts),
    )
    assert prompts.getvalue().endswith("Username: ")
    assert tokens.account == USER
