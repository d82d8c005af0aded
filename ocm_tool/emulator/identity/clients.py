"""Which clients the identity provider accepts, and how a confidential client proves who it is.

- ``authenticate_client``: a client that presents a secret (``client_secret_post`` or
  ``client_secret_basic``) or a certificate assertion (``private_key_jwt``, checked by
  ``tokens.check_client_assertion``) must be a registered app of the tenant, and is checked;
  a public client (neither) is any client id, like a multi-tenant public app.
- ``is_loopback_redirect``: the redirect URIs of browser sign-ins (loopback http only).

Refusals raise ``OAuthError`` with Entra's codes (``unauthorized_client``, ``invalid_client``
401, ``invalid_request``).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from urllib.parse import urlsplit

from werkzeug.datastructures import Authorization

from ocm_tool.emulator.identity.errors import OAuthError
from ocm_tool.emulator.identity.tokens import (
    CLIENT_ASSERTION_TYPE,
    ClientAssertionError,
    check_client_assertion,
)
from ocm_tool.emulator.models.store import App, Store


def is_loopback_redirect(uri: str) -> bool:
    """Only loopback redirect URIs are accepted: the emulator registers no web apps."""
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1")


def authenticate_client(
    store: Store,
    form: Mapping[str, str],
    *,
    basic: Authorization | None,
    token_url: str,
    required: bool,
) -> App | None:
    """The registered app behind a secret or an assertion; ``None`` for a public client.

    ``basic`` is the request's HTTP Basic credentials (``client_secret_basic``), ``token_url``
    the token endpoint's URL (the audience of an assertion). With ``required``, a client that
    presents neither a secret nor an assertion is refused.
    """
    client_id = form.get("client_id") or (basic.username if basic else None) or ""
    secret = form.get("client_secret") or (basic.password if basic else None)
    assertion = form.get("client_assertion")
    if not required and secret is None and assertion is None:
        return None
    app = store.app(client_id) if client_id else None
    if app is None:
        raise OAuthError(
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{store.tenant_name}'.",
        )
    if assertion is not None:
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            raise OAuthError(
                "invalid_request",
                50027,
                f"client_assertion_type must be {CLIENT_ASSERTION_TYPE}.",
            )
        try:
            check_client_assertion(app, assertion, token_url)
        except ClientAssertionError as exc:
            raise OAuthError("invalid_client", exc.aadsts, exc.description, status=401) from None
    elif secret is not None:
        if not app.client_secret or not hmac.compare_digest(
            app.client_secret.encode(), secret.encode()
        ):
            raise OAuthError(
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the "
                f"request is the client secret value, not the client secret ID, for "
                f"app '{client_id}'.",
                status=401,
            )
    else:
        raise OAuthError(
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' "
            "or 'client_secret'.",
            status=401,
        )
    return app
