"""Credentials for sign-in: prompts for what is missing, and certificates read from PEM files.

Secrets come from ``Settings.secrets`` (environment) or a no-echo prompt, never from options;
without a terminal a missing secret is a ``ConfigurationError`` naming the variable to set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from rich.console import Console

from ocm_tool.errors import ConfigurationError
from ocm_tool.settings import Settings


def ask(
    settings: Settings, console: Console, value: str | None, *, what: str, source: str, secret: bool
) -> str:
    """``value``, or an answer typed at a prompt; no terminal: ``ConfigurationError``."""
    if value:
        return value
    if not settings.interactive:
        raise ConfigurationError(
            f"--auth {settings.auth} needs the {what}, and there is no terminal to ask for it",
            hint=f"set {source}",
        )
    answer = console.input(f"{what[0].upper()}{what[1:]}: ", password=secret).strip()
    if not answer:
        raise ConfigurationError(f"no {what} was given", hint=f"type it, or set {source}")
    return answer


#: A user principal name: ``name@domain``, none of the characters Entra ID refuses in one
#: (which would also break the URLs msal builds from it: ``/``, ``?``, ``#``, ``%``, ...).
_UPN = re.compile(r"^[^\s@/\\?#%&:;,<>()\[\]{}|\"*+=^~]+@[^\W_](?:[\w.-]*[^\W_])?$")


def check_upn(value: str) -> str:
    """``value`` if it is a user principal name (``megan@contoso.com``); else ConfigurationError."""
    if not _UPN.match(value) or ".." in value or value.startswith("."):
        raise ConfigurationError(
            f"{value!r} is not a user principal name",
            hint="pass --username as name@domain, e.g. megan@contoso.com (no /, ?, # or spaces)",
        )
    return value


@dataclass(frozen=True)
class CertificateCredential:
    """What msal needs to sign client assertions, and the thumbprint people recognise."""

    private_key_pem: str
    certificate_pem: str
    thumbprint: str  # SHA-1, upper-case hex, as the Azure portal shows it

    def for_msal(self) -> dict[str, str]:
        # With the public certificate msal computes the SHA-256 thumbprint (x5t#S256, PS256).
        return {"private_key": self.private_key_pem, "public_certificate": self.certificate_pem}


def load_certificate(settings: Settings, console: Console) -> CertificateCredential:
    """Read ``settings.certificate``: a PEM file holding a private key and its certificate."""
    path = settings.certificate
    if path is None:
        raise ConfigurationError(
            "--auth certificate needs a certificate",
            hint="pass --certificate FILE: a PEM file with the private key and the certificate",
        )
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the certificate file {path}: {exc.strerror}",
            hint="check --certificate",
        ) from None
    try:
        certificate = x509.load_pem_x509_certificates(data)[0]
    except ValueError:
        raise ConfigurationError(
            f"{path} holds no PEM certificate",
            hint="--certificate needs a PEM file with both the private key and the certificate",
        ) from None
    key = _load_private_key(data, path, settings, console)
    return CertificateCredential(
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii"),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        thumbprint=certificate.fingerprint(hashes.SHA1()).hex().upper(),
    )


def _load_private_key(data: bytes, path: Path, settings: Settings, console: Console) -> Any:
    passphrase = settings.secrets.certificate_password
    try:
        return serialization.load_pem_private_key(data, None)
    except TypeError:  # encrypted: needs the passphrase
        pass
    except ValueError:
        raise ConfigurationError(
            f"{path} holds no PEM private key",
            hint="--certificate needs a PEM file with both the private key and the certificate",
        ) from None
    passphrase = ask(
        settings,
        console,
        passphrase,
        what="certificate passphrase",
        source="OCM_CERTIFICATE_PASSWORD",
        secret=True,
    )
    try:
        return serialization.load_pem_private_key(data, passphrase.encode())
    except ValueError:
        raise ConfigurationError(
            f"cannot decrypt the private key in {path}",
            hint="check the passphrase (OCM_CERTIFICATE_PASSWORD)",
        ) from None
