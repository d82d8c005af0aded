"""``--demo`` and ``--demo-as UPN``: any command against the built-in emulator and its sample
tenant, which keeps its state between runs.

The emulator starts in-process on a free loopback port with a fresh certificate authority;
sign-in goes through MSAL against it like against any authority. The tenant lives in the
user's data directory (``emulator.demo.demo_store``): the first demo loads the sample tenant,
later ones go on from what the earlier ones did ("purge, then export" shows the purge);
``ocm-tool emulator reset-demo`` starts it afresh. TLS files and the token cache live in a
temporary directory removed when the command ends, so a demo never touches the user's real
token cache.

Who signs in: ``--demo-as UPN`` (any account of the tenant, e.g. the administrator, who can
``--grant-access``), else the first user who is not an administrator; with
``--auth client-secret``, the tenant's app with ``full_access_as_app``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from ocm_tool.emulator.demo import demo_store, holds_tenant
from ocm_tool.emulator.models.store import User
from ocm_tool.emulator.seed import APP_CLIENT_ID, SeedOptions, generate_tenant
from ocm_tool.emulator.server import running_emulator
from ocm_tool.errors import UsageError
from ocm_tool.settings import Secrets, Settings
from ocm_tool.settings.resolve import Resolved, with_demo

#: The settings --demo replaces (``config show`` says so).
DEMO_KEYS = ("endpoint", "authority", "tenant", "ca-bundle", "auth", "username", "client-id")


def demo_user(users: list[User], upn: str | None) -> User:
    """``upn``'s account, or the first user who is not an administrator."""
    if upn is None:
        return next(user for user in users if not user.roles)
    found = next((user for user in users if user.upn.casefold() == upn.casefold()), None)
    if found is None:
        raise UsageError(
            f"--demo-as {upn}: the demo tenant has no such account",
            hint="use one of " + ", ".join(user.upn for user in users),
        )
    return found


def demo_notice(settings: Settings) -> str:
    """The line that tells a person the run is a demo, not their tenant."""
    who = f"app {settings.client_id}" if settings.app_only else settings.username
    return (
        f"demo: the built-in emulator at {settings.endpoint} with the sample tenant kept in "
        f"{demo_store()} ('ocm-tool emulator reset-demo' starts it afresh); signing in as {who}"
    )


@contextmanager
def demo_settings(
    resolved: Resolved, *, explicit_auth: bool, as_user: str | None
) -> Iterator[Resolved]:
    """Start the emulator on the demo store and yield the settings pointed at it.

    Without ``--auth`` the demo signs in with the password grant as the demo user; with
    ``--auth device-code`` the emulator approves the code for that user by itself, and with
    ``--auth client-secret`` it signs in as the sample tenant's app.
    """
    settings = resolved.settings
    store = demo_store()
    store.parent.mkdir(parents=True, exist_ok=True)
    tenant = None if holds_tenant(store) else generate_tenant(SeedOptions())
    with (
        tempfile.TemporaryDirectory(prefix="ocm-demo-") as workdir,
        running_emulator(tenant, db=store, workdir=workdir) as emulator,
    ):
        user = demo_user(emulator.store.users(), as_user)
        emulator.identity.auto_approve_as = user.upn
        app = emulator.store.app(APP_CLIENT_ID)
        auth = settings.auth if explicit_auth else "password"
        demo = replace(
            settings,
            endpoint=emulator.api,
            authority=emulator.base,
            tenant=emulator.tenant,
            ca_bundle=emulator.ca_bundle,
            auth=auth,
            username=user.upn,
            client_id=APP_CLIENT_ID if auth == "client-secret" else settings.client_id,
            token_cache=Path(workdir) / "token-cache.bin",
            secrets=Secrets(
                password=user.password, client_secret=app.client_secret if app else None
            ),
        )
        yield with_demo(resolved, demo, DEMO_KEYS)
