"""Fixtures of the identity tests: a small tenant, an emulator reset per test, Settings per flow.

The tenant has one admin, one normal user, an app with a client secret and
``full_access_as_app``, and an app whose certificate is made here (``cryptography``) and
registered with ``store.set_app_certificate``. Everything runs over HTTPS; nothing is mocked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ocm_tool.emulator.server import EmulatorHandle, running_emulator
from ocm_tool.settings import AuthMethod, Secrets, Settings

TENANT = "fabrikam"
ADMIN = "admin@fabrikam.example"
ADMIN_PASSWORD = "Admin-Pass-1"
USER = "megan@fabrikam.example"
USER_PASSWORD = "Megan-Pass-1"
SECRET_APP_ID = "3a0c5a4e-41b9-4c2e-9a55-0d6f1e2a3b4c"
SECRET_APP_SECRET = "secret-app-secret"
CERT_APP_ID = "7d2e8f90-1a2b-4c3d-8e9f-a0b1c2d3e4f5"
PUBLIC_CLIENT_ID = "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e"
RESOURCE_SCOPES = ["https://outlook.office365.com/.default"]
CONTACT_NAMES = ["Ana Ruiz", "Jana Dvořáková"]


def tenant() -> dict:
    """A fresh copy of the identity tests' tenant."""
    mailbox = lambda address: {  # noqa: E731 - two mailboxes that differ by address only
        "address": address,
        "kind": "user",
        "members": [],
        "fullAccess": [],
        "onHold": False,
        "contacts": [{"DisplayName": name} for name in CONTACT_NAMES],
    }
    return {
        "tenant": TENANT,
        "users": [
            {"upn": ADMIN, "password": ADMIN_PASSWORD, "roles": ["Global Administrator"]},
            {"upn": USER, "password": USER_PASSWORD},
        ],
        "apps": [
            {
                "clientId": SECRET_APP_ID,
                "clientSecret": SECRET_APP_SECRET,
                "certificateThumbprint": None,
                "roles": ["full_access_as_app"],
            },
            {
                "clientId": CERT_APP_ID,
                "clientSecret": None,
                "certificateThumbprint": None,
                "roles": ["full_access_as_app"],
            },
        ],
        "mailboxes": [mailbox(ADMIN), mailbox(USER)],
    }


@dataclass(frozen=True)
class CertificateFiles:
    """A self-signed certificate: its key, its PEM, and a combined file for --certificate."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    certificate_pem: str
    combined: Path  # certificate + unencrypted key
    encrypted: Path  # certificate + key encrypted with ``passphrase``
    passphrase: str = "cert-pass-1"


def make_certificate(
    directory: Path, common_name: str = "ocm-tool identity tests"
) -> CertificateFiles:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    files = CertificateFiles(
        key=key,
        certificate=certificate,
        certificate_pem=certificate_pem.decode("ascii"),
        combined=directory / f"{common_name.replace(' ', '-')}.pem",
        encrypted=directory / f"{common_name.replace(' ', '-')}-encrypted.pem",
    )
    files.combined.write_bytes(
        certificate_pem
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files.encrypted.write_bytes(
        certificate_pem
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(files.passphrase.encode()),
        )
    )
    return files


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> CertificateFiles:
    return make_certificate(tmp_path_factory.mktemp("certificate"))


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[EmulatorHandle]:
    """One server per module; each test gets it reset (``emulator``)."""
    with running_emulator(tenant()) as handle:
        yield handle


@pytest.fixture
def emulator(shared_emulator: EmulatorHandle, certificate: CertificateFiles) -> EmulatorHandle:
    """The module's server, as a fresh start with the tenant would be, for one test."""
    shared_emulator.reset(tenant())
    shared_emulator.store.set_app_certificate(CERT_APP_ID, certificate.certificate_pem)
    return shared_emulator


def settings_for(
    handle: EmulatorHandle,
    auth: AuthMethod,
    cache: Path,
    *,
    client_id: str = PUBLIC_CLIENT_ID,
    username: str | None = None,
    secrets: Secrets = Secrets(),
    certificate: Path | None = None,
    interactive: bool = False,
) -> Settings:
    """Settings as the CLI would build them for ``--auth auth`` against ``handle``."""
    return Settings(
        endpoint=handle.api,
        authority=handle.base,
        tenant=handle.tenant,
        client_id=client_id,
        auth=auth,
        username=username,
        certificate=certificate,
        ca_bundle=handle.ca_bundle,
        token_cache=cache,
        interactive=interactive,
        secrets=secrets,
    )


@dataclass(frozen=True)
class FakeBrowser:
    """``BROWSER`` points at ``fake_browser.py``; ``log`` is what it printed."""

    log: Path
    monkeypatch: pytest.MonkeyPatch

    def will_sign_in_as(self, upn: str, password: str) -> None:
        self.monkeypatch.setenv("FAKE_BROWSER_USERNAME", upn)
        self.monkeypatch.setenv("FAKE_BROWSER_PASSWORD", password)


@pytest.fixture
def fake_browser(
    emulator: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> FakeBrowser:
    """Make Python's ``webbrowser`` (which msal uses) run ``fake_browser.py`` in the background."""
    import sys
    import webbrowser

    log = tmp_path / "browser.log"
    script = tmp_path / "browser.sh"
    browser = Path(__file__).with_name("fake_browser.py")
    script.write_text(f'#!/bin/sh\n"{sys.executable}" "{browser}" "$1" >>"{log}" 2>&1 &\n')
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(script))
    monkeypatch.setenv("FAKE_BROWSER_CA", str(emulator.ca_bundle))
    # webbrowser reads BROWSER once per process; make it read it again.
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    return FakeBrowser(log=log, monkeypatch=monkeypatch)


def get_contacts(handle: EmulatorHandle, token: str, mailbox: str = "/me") -> requests.Response:
    """``GET {api}{mailbox}/XrmContacts`` with ``token``: a real call to the emulator's API."""
    return requests.get(
        f"{handle.api}{mailbox}/XrmContacts",
        headers={"Authorization": f"Bearer {token}"},
        params={"$select": "DisplayName"},
        verify=str(handle.ca_bundle),
        timeout=30,
    )


def contact_names(handle: EmulatorHandle, token: str, mailbox: str = "/me") -> list[str]:
    """The contacts' names the API returns with ``token`` (asserting it answered 200)."""
    answer = get_contacts(handle, token, mailbox)
    assert answer.status_code == 200, answer.text
    return sorted(contact["DisplayName"] for contact in answer.json()["value"])
