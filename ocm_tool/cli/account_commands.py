"""Sign-in commands: ``login``, ``logout``, ``whoami`` (msal loads when one of them runs)."""

from __future__ import annotations

import click

from ocm_tool.cli._context import CONTEXT_SETTINGS, pass_runtime
from ocm_tool.runtime import Runtime


@click.command(context_settings=CONTEXT_SETTINGS)
@pass_runtime
def login(runtime: Runtime) -> None:
    """Sign in and cache the token, so later runs sign in silently."""
    account = runtime.account or f"app {runtime.settings.client_id}"
    runtime.console.print(f"Signed in as {account}.")


@click.command(context_settings=CONTEXT_SETTINGS)
@pass_runtime
def logout(runtime: Runtime) -> None:
    """Remove cached accounts and tokens for this authority and client id."""
    from ocm_tool.auth import sign_out

    removed = sign_out(runtime.settings)
    runtime.console.print(
        f"Signed out {', '.join(removed)}." if removed else "No cached account to sign out."
    )


@click.command(context_settings=CONTEXT_SETTINGS)
@pass_runtime
def whoami(runtime: Runtime) -> None:
    """Show the signed-in account, tenant, endpoint, token expiry and permissions."""
    from ocm_tool.auth import sign_in_info

    info = sign_in_info(runtime.settings, runtime.tokens)
    expires = info.expires_at.isoformat(timespec="seconds") if info.expires_at else "unknown"
    for label, value in (
        ("account", info.account or f"app {info.client_id} (app-only)"),
        ("auth", info.auth_method),
        ("client-id", info.client_id),
        ("authority", info.authority),
        ("tenant", info.tenant),
        ("endpoint", runtime.settings.endpoint),
        ("expires", expires),
        ("permissions", " ".join(info.permissions) or "-"),
    ):
        runtime.console.print(f"{label}: {value}", highlight=False, markup=False)


ACCOUNT_COMMANDS: tuple[click.Command, ...] = (login, logout, whoami)
