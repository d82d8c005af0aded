"""Typed errors, how far each one reaches, and the exit statuses: the one error policy.

Every failure a user can meet is one of these classes. Each carries a one-line message that
says what went wrong and, in ``hint``, how to fix it, and two class attributes that every
command reads the same way:

- ``exit_status``: the :class:`ExitStatus` of a run that this error ends;
- ``scope``: how much of a run it ends (:class:`Scope`): one task (an export file, a purge
  folder), one mailbox, or the whole run.

The CLI (``ocm_tool.cli``) is the only place that turns errors into output and exit statuses;
nothing else prints errors or calls ``sys.exit``. Help texts and docs list the statuses from
:data:`EXIT_MEANINGS`, so they cannot drift from the code.
"""

from __future__ import annotations

from enum import Enum, IntEnum
from typing import ClassVar


class ExitStatus(IntEnum):
    """Exit statuses of ``ocm-tool`` (stable: scripts depend on them)."""

    OK = 0
    FAILED = 1
    USAGE = 2
    AUTH = 3
    ACCESS = 4
    SERVICE = 5
    INTERRUPTED = 130

    @property
    def meaning(self) -> str:
        return EXIT_MEANINGS[self]


#: What each status means, in the words the help and the docs print.
EXIT_MEANINGS: dict[ExitStatus, str] = {
    ExitStatus.OK: "everything requested was done",
    ExitStatus.FAILED: "the run finished but something in it failed (a file, a folder, a mailbox)",
    ExitStatus.USAGE: "usage or configuration error, or a refusal; nothing was changed",
    ExitStatus.AUTH: "sign-in failed (bad credentials, expired device code, no token)",
    ExitStatus.ACCESS: "a mailbox that does not exist or that this account may not open",
    ExitStatus.SERVICE: "the service or the network failed beyond what retries could absorb",
    ExitStatus.INTERRUPTED: "interrupted (Ctrl-C, SIGTERM or SIGHUP); only whole files were left behind",
}


class Scope(Enum):
    """How much of a run an error ends."""

    #: One task: an export file or a purge folder. The run goes on; it exits 1 at the end.
    TASK = "task"
    #: The mailbox cannot be read or changed at all. Other mailboxes of a list go on; a run
    #: of one mailbox ends with the error's exit status.
    MAILBOX = "mailbox"
    #: Nothing more can be done (sign-in, configuration, the service gone): stop everything.
    RUN = "run"


class OcmError(Exception):
    """Base of every error ocm-tool reports to the user.

    ``str(error)`` is the one-line message; ``hint`` is the fix, or ``None``.
    """

    exit_status: ClassVar[ExitStatus] = ExitStatus.FAILED
    scope: ClassVar[Scope] = Scope.TASK

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    @property
    def ends_mailbox(self) -> bool:
        """Whether this error ends the mailbox it happened in (and, for RUN, everything)."""
        return self.scope is not Scope.TASK

    @property
    def ends_run(self) -> bool:
        return self.scope is Scope.RUN


class UsageError(OcmError):
    """Bad options, missing configuration, or a refusal made before anything changed."""

    exit_status = ExitStatus.USAGE
    scope = Scope.RUN


class ConfigurationError(UsageError):
    """Required configuration (endpoint, credentials, CA bundle) is missing or unusable."""


class AuthenticationError(OcmError):
    """Signing in failed or no token could be obtained."""

    exit_status = ExitStatus.AUTH
    scope = Scope.RUN


class OutputError(OcmError):
    """Writing a file failed (disk full, permission denied, ...): that file is not written."""


class TransportError(OcmError):
    """The server could not be reached, or kept dropping connections, beyond the retries."""

    exit_status = ExitStatus.SERVICE
    scope = Scope.RUN


class ApiError(OcmError):
    """A non-2xx answer of the API, with the identifiers support needs to trace it.

    ``status`` is the HTTP status, ``code`` the error code of the body (``ErrorAccessDenied``,
    ...), ``request_id`` the server's ``request-id`` and ``client_request_id`` the id the
    client sent. Use :func:`api_error` to build the most specific subclass.
    """

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

    @property
    def trace_id(self) -> str | None:
        """The id to quote to support: the server's request-id, else the one we sent."""
        return self.request_id or self.client_request_id


class InvalidTokenError(ApiError):
    """401 ``InvalidAuthenticationToken`` that survived one token refresh."""

    exit_status = ExitStatus.AUTH
    scope = Scope.RUN


class AccessDeniedError(ApiError):
    """403 ``ErrorAccessDenied``: the account may not open that mailbox or call that API."""

    exit_status = ExitStatus.ACCESS
    scope = Scope.MAILBOX


class MailboxNotFoundError(ApiError):
    """404 ``ErrorInvalidMailbox`` / ``MailboxNotFound``."""

    exit_status = ExitStatus.ACCESS
    scope = Scope.MAILBOX


class ItemNotFoundError(ApiError):
    """404 ``ErrorItemNotFound``: a folder, collection or item that is not (or no longer) there."""


class XrmSessionRequiredError(ApiError):
    """409 ``ErrorXrmSessionRequired``: a group mailbox needs ``StartXrmSession`` first."""


class ThrottledError(ApiError):
    """429 ``TooManyRequests`` still answered after every retry."""

    exit_status = ExitStatus.SERVICE
    scope = Scope.RUN


class ServiceError(ApiError):
    """5xx answers still answered after every retry."""

    exit_status = ExitStatus.SERVICE
    scope = Scope.RUN


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


#: Statuses that mean the same whatever code a server gives them.
_BY_STATUS: dict[int, type[ApiError]] = {401: InvalidTokenError, 429: ThrottledError}


def api_error(
    status: int,
    code: str,
    message: str,
    *,
    request_id: str | None = None,
    client_request_id: str | None = None,
) -> ApiError:
    """Build the most specific :class:`ApiError` for an HTTP status and error code."""
    cls = _BY_CODE.get(code) or _BY_STATUS.get(status)
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
