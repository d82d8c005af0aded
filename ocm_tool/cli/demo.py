"""``--demo``: run any command against the built-in emulator with a generated sample tenant.

The emulator starts in-process on a free loopback port with a fresh certificate authority;
sign-in goes through MSAL against it like against any authority. Everything (database,
certificates, token cache) lives in a temporary directory removed when the command ends, so
a demo never touches the user's real token cache.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from ocm_tool.emulator.seed import SeedOptions, generate_tenant
from ocm_tool.emulator.server import running_emulator
from ocm_tool.settings import Secrets, Settings


def demo_user(tenant: dict) -> dict:
    """The account the demo signs in as: the first user who is not an administrator."""
    return next(user for user in tenant["users"] if not user.get("roles"))


def demo_app(tenant: dict) -> dict:
    """The app the demo uses for app-only sign-in (``--auth client-secret``)."""
    return next(app for app in tenant["apps"] if "full_access_as_app" in app.get("roles", []))


def demo_notice(settings: Settings) -> str:
    """The line that tells a person the run is a demo, not their tenant."""
    who = f"app {settings.client_id}" if settings.app_only else settings.username
    return (
        f"demo: the built-in emulator at {settings.endpoint} with a generated sample tenant; "
        f"signing in as {who}"
    )


@contextmanager
def demo_settings(settings: Settings, *, explicit_auth: bool) -> Iterator[Settings]:
    """Start the emulator and yield ``settings`` pointed at it, with the demo's credentials.

    Without ``--auth`` the demo signs in with the password grant as the demo user; with
    ``--auth device-code`` the emulator approves the code for that user by itself, and with
    ``--auth client-secret`` it signs in as the sample tenant's app.
    """
    tenant = generate_tenant(SeedOptions())
    user, app = demo_user(tenant), demo_app(tenant)
    with (
        tempfile.TemporaryDirectory(prefix="ocm-demo-") as workdir,
        running_emulator(tenant, workdir=workdir, auto_approve_as=user["upn"]) as emulator,
    ):
        auth = settings.auth if explicit_auth else "password"
        yield replace(
            settings,
            endpoint=emulator.api,
            authority=emulator.base,
            tenant=emulator.tenant,
            ca_bundle=emulator.ca_bundle,
            auth=auth,
            username=user["upn"],
            client_id=app["clientId"] if auth == "client-secret" else settings.client_id,
            token_cache=Path(workdir) / "token-cache.bin",
            secrets=Secrets(password=user["password"], client_secret=app.get("clientSecret")),
        )
