"""What msal and requests report, as ocm-tool's typed errors with a fix."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests

from ocm_tool.errors import AuthenticationError, ConfigurationError, TransportError
from ocm_tool.settings import SCOPES, Settings

_HINTS = {
    "invalid_client": "check the client secret (OCM_CLIENT_SECRET) or the certificate "
    "registered for this --client-id",
    "unauthorized_client": "check --client-id and --tenant: the app is not registered there",
    "invalid_scope": f"the server does not grant {SCOPES[0]} to this app",
    "expired_token": "the device code expired before the sign-in was finished; run again "
    "and complete the sign-in in the browser in time",
    "authorization_declined": "the sign-in was cancelled in the browser; run again and approve it",
    "access_denied": "the sign-in was cancelled in the browser; run again and approve it",
    "invalid_tenant": "check --tenant and --authority",
    "timeout": "the browser sign-in did not finish in time; run again",
}
_HINTS_BY_CODE = {
    50126: "check the username and the password (OCM_PASSWORD)",
    50034: "check --username: no such user in this tenant",
    90002: "check --tenant and --authority",
}
_DEFAULT_HINT = "check --authority, --tenant, --client-id and --auth"


def authentication_error(result: dict) -> AuthenticationError:
    error = str(result.get("error") or "no_token")
    description = str(result.get("error_description") or "no access token was returned")
    # Identity-platform descriptions end in trace and correlation ids: keep the sentence.
    description = description.replace("\r\n", " ").split(" Trace ID:")[0].strip()
    codes = result.get("error_codes") or []
    hint = next((_HINTS_BY_CODE[c] for c in codes if c in _HINTS_BY_CODE), None)
    return AuthenticationError(
        f"sign-in failed: {error}: {description}", hint=hint or _HINTS.get(error, _DEFAULT_HINT)
    )


@contextmanager
def msal_errors(settings: Settings) -> Iterator[None]:
    """Turn what msal and requests raise into ocm-tool's typed errors."""
    try:
        yield
    except requests.exceptions.SSLError:
        raise ConfigurationError(
            f"the TLS certificate of {settings.authority} could not be verified",
            hint="pass --ca-bundle with the CA that signed the server's certificate",
        ) from None
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise TransportError(
            f"cannot reach the sign-in authority {settings.authority_url}: {type(exc).__name__}",
            hint="check --authority and the network",
        ) from None
    except ValueError as exc:  # msal: malformed authority, or discovery answered an error
        raise ConfigurationError(
            f"the authority {settings.authority_url} is not usable: {str(exc).splitlines()[0]}",
            hint="check --authority (https://host[:port]) and --tenant",
        ) from None
