"""The resolved global settings of one run, and the secrets that never come from options.

``Settings`` is built once per run (``resolve.resolve_settings``) from, in rising precedence,
the defaults, the config file (its top level, then the ``--profile`` table), the documented
``OCM_*`` environment variables and the global options; everything else reads it and never
looks at ``os.environ`` for configuration again. The settings that can be set that way are
one table, ``keys.KEYS``; ``config_file`` reads and edits the config file.

Secrets (password, client secret, certificate passphrase) live in ``Secrets``: they come from
``OCM_PASSWORD``, ``OCM_CLIENT_SECRET``, ``OCM_CERTIFICATE_PASSWORD`` or a prompt, never from
an option value that would land in shell history nor from the config file, and they are never
printed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
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


class OutputFormat(StrEnum):
    """What a command prints on stdout: text for people, or one JSON document (``--output``)."""

    TEXT = "text"
    JSON = "json"


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
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Secrets:
        return cls(
            password=environ.get("OCM_PASSWORD") or None,
            client_secret=environ.get("OCM_CLIENT_SECRET") or None,
            certificate_password=environ.get("OCM_CERTIFICATE_PASSWORD") or None,
        )


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know about where and how to connect.

    ``endpoint`` is the API base URL (``https://host/api/v1``); ``None`` until configured.
    ``authority`` is the authority host (``https://host[:port]``), without the tenant.
    ``interactive`` is True when a person can answer prompts (there is a terminal to ask on).
    ``output`` is what stdout carries; ``log_file`` where the HTTP log goes (``-v``).
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
    output: OutputFormat = OutputFormat.TEXT
    log_file: Path | None = None
    quiet: bool = False
    interactive: bool = False
    secrets: Secrets = field(default_factory=Secrets, repr=False)

    @property
    def authority_url(self) -> str:
        """The authority with the tenant, as MSAL wants it: ``https://host/tenant``."""
        return f"{self.authority.rstrip('/')}/{self.tenant}"

    @property
    def json(self) -> bool:
        """True when stdout carries one JSON document and human output goes to stderr."""
        return self.output is OutputFormat.JSON

    @property
    def app_only(self) -> bool:
        return self.auth in APP_ONLY_METHODS

    @property
    def verify(self) -> str | bool:
        """The ``verify=`` value for every HTTPS request (``--ca-bundle`` wins over env vars)."""
        return str(self.ca_bundle) if self.ca_bundle else True
