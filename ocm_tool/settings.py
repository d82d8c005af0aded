"""The resolved global options of one run, and the secrets that never come from options.

``Settings`` is built once by ``cli.py`` from options and ``OCM_*`` environment variables;
everything else reads it and never looks at ``os.environ`` for configuration again.
Secrets (password, client secret, certificate passphrase) live in ``Secrets``: they come from
``OCM_PASSWORD``, ``OCM_CLIENT_SECRET``, ``OCM_CERTIFICATE_PASSWORD`` or a prompt, never from
an option value that would land in shell history, and they are never printed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import platformdirs

AuthMethod = Literal["device-code", "browser", "password", "client-secret", "certificate"]
AUTH_METHODS: tuple[AuthMethod, ...] = (
    "device-code",
    "browser",
    "password",
    "client-secret",
    "certificate",
)
APP_ONLY_METHODS: frozenset[str] = frozenset({"client-secret", "certificate"})

#: Microsoft's global sign-in authority; ``--authority`` replaces it for other clouds and servers.
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
#: Any work or school account; app-only sign-in needs a real tenant (``--tenant``).
DEFAULT_TENANT = "organizations"
#: ocm-tool's public client id. A real tenant registers its own app and passes ``--client-id``.
DEFAULT_CLIENT_ID = "0c1c7f2e-7a0e-4a4e-9a4b-6f0c3d2e5a11"
#: The resource the OCM API accepts tokens for (the service's historic audience).
RESOURCE = "https://outlook.office365.com"
SCOPES = [f"{RESOURCE}/.default"]
#: Exchange Online allows 4 concurrent requests per mailbox and app.
DEFAULT_CONCURRENCY = 4
#: A throttled or failed call is tried again this many times (6 tries in all).
DEFAULT_RETRIES = 5


def default_token_cache() -> Path:
    """Where the MSAL token cache lives between runs (the user's cache directory)."""
    return Path(platformdirs.user_cache_dir("ocm-tool", appauthor=False)) / "msal_token_cache.bin"


def default_auth_method(secrets: Secrets, certificate: Path | None) -> AuthMethod:
    """The sign-in flow when ``--auth`` is not given: whatever credential was provided."""
    if certificate is not None:
        return "certificate"
    if secrets.client_secret:
        return "client-secret"
    if secrets.password:
        return "password"
    return "device-code"


@dataclass(frozen=True)
class Secrets:
    """Secrets for sign-in; ``None`` means "prompt when needed (if there is a terminal)"."""

    password: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    certificate_password: str | None = field(default=None, repr=False)

    @classmethod
    def from_environment(cls) -> Secrets:
        return cls(
            password=os.environ.get("OCM_PASSWORD") or None,
            client_secret=os.environ.get("OCM_CLIENT_SECRET") or None,
            certificate_password=os.environ.get("OCM_CERTIFICATE_PASSWORD") or None,
        )


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know about where and how to connect.

    ``endpoint`` is the API base URL (``https://host/api/v1``); ``None`` until configured.
    ``interactive`` is True when a person can answer prompts (stdin and stdout are terminals).
    """

    endpoint: str | None = None
    authority: str = DEFAULT_AUTHORITY
    tenant: str = DEFAULT_TENANT
    client_id: str = DEFAULT_CLIENT_ID
    auth: AuthMethod = "device-code"
    username: str | None = None
    certificate: Path | None = None
    ca_bundle: Path | None = None
    token_cache: Path = field(default_factory=default_token_cache)
    concurrency: int = DEFAULT_CONCURRENCY
    retries: int = DEFAULT_RETRIES
    quiet: bool = False
    interactive: bool = False
    secrets: Secrets = field(default_factory=Secrets, repr=False)

    @property
    def authority_url(self) -> str:
        """The authority with the tenant, as MSAL wants it: ``https://host/tenant``."""
        return f"{self.authority.rstrip('/')}/{self.tenant}"

    @property
    def app_only(self) -> bool:
        return self.auth in APP_ONLY_METHODS

    @property
    def verify(self) -> str | bool:
        """The ``verify=`` value for every HTTPS request (``--ca-bundle`` wins over env vars)."""
        return str(self.ca_bundle) if self.ca_bundle else True
