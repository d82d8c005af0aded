"""Typed errors and the exit codes the CLI maps them to.

Every failure a user can meet is one of these classes. Each carries a one-line message
that says what went wrong and, in ``hint``, how to fix it. ``cli.py`` is the only place that
turns them into output and exit statuses; nothing else prints errors or calls ``sys.exit``.

Exit codes (stable; scripts depend on them):

====  ==========================================================================
0     everything requested was done
1     the run finished but something in it failed (an entity, a folder, a mailbox)
2     usage or configuration error; nothing was changed
3     sign-in failed (bad credentials, expired device code, no token)
4     a mailbox that does not exist or that this account may not open
5     the service or the network failed beyond what retries could absorb
130   interrupted (Ctrl-C); only whole files were left behind
====  ==========================================================================
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_ACCESS = 4
EXIT_SERVICE = 5
EXIT_INTERRUPTED = 130


class OcmError(Exception):
    """Base of every error ocm-tool reports to the user.

    ``str(error)`` is the one-line message; ``hint`` is the fix, or ``None``.
    """

    exit_code: int = EXIT_FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(OcmError):
    """Bad options, missing configuration, or a refusal made before anything changed."""

    exit_code = EXIT_USAGE


class ConfigurationError(UsageError):
    """Required configuration (endpoint, credentials, CA bundle) is missing or unusable."""


class AuthenticationError(OcmError):
    """Signing in failed or no token could be obtained."""

    exit_code = EXIT_AUTH


class OutputError(OcmError):
    """Writing the run folder failed (disk full, permission denied, ...)."""

    exit_code = EXIT_FAILED


class TransportError(OcmError):
    """The server could not be reached, or kept dropping connections, beyond the retries."""

    exit_code = EXIT_SERVICE


class ApiError(OcmError):
    """A non-2xx answer of the API, with the identifiers support needs to trace it.

    ``status`` is the HTTP status, ``code`` the error code of the body (``ErrorAccessDenied``,
    ...), ``request_id`` the server's ``request-id`` and ``client_request_id`` the id the
    client sent. Use :func:`api_error` to build the most specific subclass.
    """

    exit_code = EXIT_FAILED

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str,
        request_id: str | None = None,
        client_request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        ids = f" (request-id {request_id})" if request_id else ""
        super().__init__(f"{message}{ids}", hint=hint)
        self.status = status
        self.code = code
        self.request_id = request_id
        self.client_request_id = client_request_id


class InvalidTokenError(ApiError):
    """401 ``InvalidAuthenticationToken`` that survived one token refresh."""

    exit_code = EXIT_AUTH


class AccessDeniedError(ApiError):
    """403 ``ErrorAccessDenied``: the account may not open that mailbox or call that API."""

    exit_code = EXIT_ACCESS


class MailboxNotFoundError(ApiError):
    """404 ``ErrorInvalidMailbox`` / ``MailboxNotFound``."""

    exit_code = EXIT_ACCESS


class ItemNotFoundError(ApiError):
    """404 ``ErrorItemNotFound``: a folder or item that is not (or no longer) there."""


class XrmSessionRequiredError(ApiError):
    """409 ``ErrorXrmSessionRequired``: a group mailbox needs ``StartXrmSession`` first."""


class ThrottledError(ApiError):
    """429 ``TooManyRequests`` still answered after every retry."""

    exit_code = EXIT_SERVICE


class ServiceError(ApiError):
    """5xx answers still answered after every retry."""

    exit_code = EXIT_SERVICE


_BY_CODE: dict[str, type[ApiError]] = {
    "InvalidAuthenticationToken": InvalidTokenError,
    "ErrorAccessDenied": AccessDeniedError,
    "ErrorInvalidMailbox": MailboxNotFoundError,
    "MailboxNotFound": MailboxNotFoundError,
    "ErrorItemNotFound": ItemNotFoundError,
    "ErrorXrmSessionRequired": XrmSessionRequiredError,
    "TooManyRequests": ThrottledError,
}

_HINTS: dict[type[ApiError], str] = {
    InvalidTokenError: "sign in again with 'ocm-tool login'",
    AccessDeniedError: (
        "use the mailbox owner's account, a member of the group, an account with FullAccess "
        "on it (purge commands: --grant-access), or app-only sign-in (--auth client-secret)"
    ),
    MailboxNotFoundError: "check the SMTP address (user or Microsoft 365 group mailbox)",
    ThrottledError: "the service is throttling; run again later or lower --concurrency",
    ServiceError: "the service failed; run again later",
}


def api_error(
    status: int,
    code: str,
    message: str,
    *,
    request_id: str | None = None,
    client_request_id: str | None = None,
) -> ApiError:
    """Build the most specific :class:`ApiError` for an HTTP status and error code."""
    cls = _BY_CODE.get(code)
    if cls is None:
        cls = ServiceError if status >= 500 else ApiError
    return cls(
        message,
        status=status,
        code=code,
        request_id=request_id,
        client_request_id=client_request_id,
        hint=_HINTS.get(cls),
    )
