"""Sign-in commands: ``login``, ``logout``, ``whoami`` and their help pages (msal loads when one
of them runs).

- ``login`` always runs the sign-in flow (app-only: asks the server), so the credentials
  given are tested: a wrong password or secret fails (exit 3) even when a token is cached.
- ``whoami`` only reports: the cached sign-in, refreshed silently; it never starts a flow nor
  prompts. Not signed in: exit 3 with the fix.
- Neither needs ``--endpoint``: sign-in is the authority's business.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ocm_tool.cli._context import CONTEXT_SETTINGS, pass_runtime
from ocm_tool.cli._help import Example, Items, Manual
from ocm_tool.cli._output import respond
from ocm_tool.errors import ExitStatus
from ocm_tool.runtime import Runtime

if TYPE_CHECKING:
    from ocm_tool.auth import SignInInfo

_SIGN_IN_STATUSES = (
    ExitStatus.OK,
    ExitStatus.USAGE,
    ExitStatus.AUTH,
    ExitStatus.SERVICE,
    ExitStatus.INTERRUPTED,
)
_ACCOUNT = (
    "An account of the tenant (delegated sign-in: its own mailbox, its groups' and those it "
    "holds FullAccess on), or an app registered in the tenant (`--client-id`) with "
    "`full_access_as_app` for app-only sign-in (`--auth client-secret` or `certificate`, "
    "with the real `--tenant`)."
)
_FLOWS = Items(
    (
        ("`device-code`", "prints a page and a code to enter there; works without a browser"),
        ("`browser`", "opens a browser on this machine; `--username` is the login hint"),
        ("`password`", "`--username`, and the password from `OCM_PASSWORD` or a prompt"),
        ("`client-secret`", "app-only; the secret from `OCM_CLIENT_SECRET` or a prompt"),
        (
            "`certificate`",
            "app-only; `--certificate` PEM file, passphrase from a prompt or "
            "`OCM_CERTIFICATE_PASSWORD`",
        ),
    )
)

LOGIN_MANUAL = Manual(
    summary="Sign in and cache the token, so later runs sign in silently.",
    description=(
        "Signs in with the flow of `--auth` and keeps the tokens in the token cache "
        "(`--token-cache`; encrypted where the platform offers it), then prints the account "
        "signed in. Later commands sign in silently from the cache until the refresh token "
        "expires. Every command signs in by itself when it has to: `login` does it ahead of "
        "time, e.g. at a terminal before a script runs unattended with the cached tokens.",
        "The flow always runs, whatever the cache holds (app-only: a new token is asked of "
        "the server), so the credentials given are tested: a wrong password or secret fails "
        "with exit status 3 even when a token is cached. It needs no `--endpoint`: sign-in is "
        "the authority's business.",
        "The flows (`--auth`); without it the flow follows from what is given: `--certificate`, "
        "else `OCM_CLIENT_SECRET`, else `OCM_PASSWORD`, else a device code:",
        _FLOWS,
        "Secrets never come from options, which would land in the shell's history, and are "
        "never printed.",
    ),
    examples=(
        Example(
            "ocm-tool --endpoint https://ocm.example.com/api/v1 --tenant contoso.onmicrosoft.com "
            "login",
            "Signs in with a device code: open the page printed, enter the code and sign in; "
            "the token is cached for the next runs.",
        ),
        Example(
            "ocm-tool --demo login",
            "Signs in to the built-in emulator as the sample tenant's first user, to see what a "
            "sign-in prints without a tenant.",
        ),
        Example(
            "OCM_PASSWORD=$PASSWORD ocm-tool --auth password --username alice@contoso.com login",
            "Signs in as alice@contoso.com with the password from the environment, never from "
            "the command line.",
        ),
        Example(
            "ocm-tool --auth certificate --certificate app.pem --client-id $APP_ID --tenant "
            "contoso.onmicrosoft.com login",
            "Signs in as an app with its certificate: the private key and the certificate in "
            "one PEM file.",
        ),
    ),
    permissions=_ACCOUNT,
    never_touches="Any mailbox: it only signs in and writes the token cache file.",
    exit_statuses=_SIGN_IN_STATUSES,
    related=("whoami", "logout"),
    pages=("authentication.md",),
)

LOGOUT_MANUAL = Manual(
    summary="Remove cached accounts and tokens for this authority and client id.",
    description=(
        "Removes from the token cache (`--token-cache`) the accounts and tokens of this "
        "authority (`--authority`) and client id (`--client-id`), app-only tokens included, "
        "and prints the accounts signed out. The next command signs in again.",
        "Sign-out is local and works offline: tokens already issued stay valid until they expire.",
    ),
    examples=(
        Example("ocm-tool logout", "Signs out the cached accounts of the default client id."),
        Example(
            "ocm-tool --token-cache ci-cache.bin logout",
            "Empties the token cache file ci-cache.bin that an unattended run used.",
        ),
        Example(
            "ocm-tool --client-id $APP_ID logout",
            "Signs out the accounts and app-only tokens of your own app registration.",
        ),
    ),
    permissions="None: it changes only the local token cache.",
    never_touches=(
        "Any mailbox and the service: nothing is sent. Cached tokens of other client ids and "
        "authorities stay."
    ),
    exit_statuses=(ExitStatus.OK, ExitStatus.USAGE),
    related=("login", "whoami"),
    pages=("authentication.md",),
)

WHOAMI_MANUAL = Manual(
    summary="Show the signed-in account, tenant, endpoint, token expiry and permissions.",
    description=(
        "Only reports: it uses the cached sign-in (refreshed silently when needed), never "
        "starts a sign-in flow and asks nothing. Not signed in: exit status 3, and the fix "
        "says to run 'ocm-tool login'. It prints one `label: value` line each, in this order; "
        "scripts may read them, the labels are stable (`--output json` gives the same as one "
        "document):",
        Items(
            (
                ("`account`", "the user signed in, or `app <client id> (app-only)`"),
                (
                    "`auth`",
                    "the flow the account signed in with (`--auth`), or `unknown` when it "
                    "signed in before ocm-tool recorded it",
                ),
                ("`client-id`", "the application the token was issued to"),
                ("`authority`", "the sign-in authority with the tenant"),
                ("`tenant`", "the tenant id from the token"),
                ("`endpoint`", "the API endpoint commands will call, or `(not configured)`"),
                ("`expires`", "when the access token expires (UTC, ISO 8601)"),
                ("`permissions`", "the token's scopes or app roles, e.g. `full_access_as_app`"),
            )
        ),
        "The claims are read from the access token as issued, not verified: the service "
        "verifies them.",
    ),
    examples=(
        Example("ocm-tool whoami", "Shows who the next command will run as, with what rights."),
        Example(
            "ocm-tool --output json whoami",
            "Prints the same facts as one JSON document (account, auth, tenant, expiresAt, "
            "permissions, endpoint) for a script to read.",
        ),
        Example(
            "ocm-tool --auth client-secret whoami | grep '^permissions:'",
            "Prints the permissions line of an app-only sign-in, e.g. to check for "
            "full_access_as_app in a script.",
        ),
    ),
    permissions=_ACCOUNT,
    never_touches="Any mailbox, and the token cache but for a silent refresh.",
    exit_statuses=_SIGN_IN_STATUSES,
    related=("login", "logout"),
    pages=("authentication.md",),
)


def _show(runtime: Runtime, info: SignInInfo) -> None:
    expires = info.expires_at.isoformat(timespec="seconds") if info.expires_at else "unknown"
    for label, value in (
        ("account", info.account or f"app {info.client_id} (app-only)"),
        ("auth", info.auth_method or "unknown (signed in before ocm-tool recorded it)"),
        ("client-id", info.client_id),
        ("authority", info.authority),
        ("tenant", info.tenant),
        ("endpoint", runtime.settings.endpoint or "(not configured)"),
        ("expires", expires),
        ("permissions", " ".join(info.permissions) or "-"),
    ):
        runtime.console.print(f"{label}: {value}", highlight=False, markup=False, soft_wrap=True)


@click.command(context_settings=CONTEXT_SETTINGS)
@pass_runtime
def login(runtime: Runtime) -> None:
    """Sign in and cache the token, so later runs sign in silently."""
    from ocm_tool.auth import sign_in, sign_in_info

    with respond(runtime, "login") as reply:
        tokens = sign_in(runtime.settings, console=runtime.err_console, fresh=True)
        info = sign_in_info(runtime.settings, tokens).to_json()
        account = info["account"] or f"app {runtime.settings.client_id}"
        runtime.console.print(f"Signed in as {account}.", markup=False)
        reply.done({**info, "endpoint": runtime.settings.endpoint}, ExitStatus.OK)


@click.command(context_settings=CONTEXT_SETTINGS)
@pass_runtime
def logout(runtime: Runtime) -> None:
    """Remove cached accounts and tokens for this authority and client id."""
    from ocm_tool.auth import forget_sign_ins, sign_out

    with respond(runtime, "logout") as reply:
        removed = sign_out(runtime.settings)
        forget_sign_ins(runtime.settings, removed)
        runtime.console.print(
            f"Signed out {', '.join(removed)}." if removed else "No cached account to sign out.",
            markup=False,
        )
        reply.done({"removed": removed}, ExitStatus.OK)


@click.command(context_settings=CONTEXT_SETTINGS)
@pass_runtime
def whoami(runtime: Runtime) -> None:
    """Show the signed-in account, tenant, endpoint, token expiry and permissions."""
    from ocm_tool.auth import sign_in_info, signed_in

    with respond(runtime, "whoami") as reply:
        tokens = signed_in(runtime.settings, console=runtime.err_console)
        info = sign_in_info(runtime.settings, tokens)
        _show(runtime, info)
        reply.done({**info.to_json(), "endpoint": runtime.settings.endpoint}, ExitStatus.OK)


#: Each sign-in command and its manual.
ACCOUNT_COMMANDS: tuple[tuple[click.Command, Manual], ...] = (
    (login, LOGIN_MANUAL),
    (logout, LOGOUT_MANUAL),
    (whoami, WHOAMI_MANUAL),
)
