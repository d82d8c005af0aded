"""The sign-ins in progress on one server: device codes and authorization codes.

- Device codes (RFC 8628): made by ``/devicecode``, approved or declined by a user (the
  ``/devicelogin`` page, the control API, ``auto_approve_as``), redeemed by the client's poll
  of the token endpoint; kept a minute past their expiry so a late poll hears ``expired_token``.
- Authorization codes: issued by a browser sign-in (``/authorize``), redeemed once.

``PendingSignIns`` holds both, thread-safe (the server answers from many threads). They live
in memory only: a restart or ``clear()`` forgets them, as a sign-in in progress is forgotten.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from ocm_tool.emulator.api.exceptions import bad_request
from ocm_tool.emulator.identity.errors import OAuthError


@dataclass
class DeviceCode:
    """A device authorization (RFC 8628) waiting for its user, or approved."""

    device_code: str
    user_code: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float
    upn: str | None = None  # set when a user approved it
    declined: bool = False


@dataclass(frozen=True)
class AuthorizationCode:
    """An authorization code issued to a browser sign-in, until redeemed (once) or expired."""

    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    upn: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str
    expires_at: float


def new_user_code() -> str:
    """A code a person types on the device-login page."""
    # Microsoft's codes are 9 letters and digits; skip look-alikes (0/O, 1/I).
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(9))


class PendingSignIns:
    """The device codes and authorization codes of one server. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._device_codes: dict[str, DeviceCode] = {}  # by device_code
        self._authorization_codes: dict[str, AuthorizationCode] = {}

    def clear(self) -> None:
        """Forget every sign-in in progress."""
        with self._lock:
            self._device_codes.clear()
            self._authorization_codes.clear()

    # -- device codes -------------------------------------------------------------------------

    def add_device_code(self, flow: DeviceCode) -> None:
        """Keep a new device code (and forget the long-expired ones)."""
        with self._lock:
            self._forget_expired()
            self._device_codes[flow.device_code] = flow

    def approve(self, user_code: str, upn: str) -> None:
        """Sign ``upn`` in for the pending device code ``user_code`` (400 when none)."""
        with self._lock:
            self._pending(user_code).upn = upn

    def decline(self, user_code: str) -> None:
        """Refuse the pending device code ``user_code`` (400 when none)."""
        with self._lock:
            self._pending(user_code).declined = True

    def redeem_device_code(self, device_code: str, client_id: str | None) -> DeviceCode:
        """The approved device code ``device_code`` of ``client_id``, forgotten once redeemed.

        Raises ``OAuthError`` as the token endpoint answers a poll: ``bad_verification_code``
        (unknown, or another client's), ``authorization_declined``, ``expired_token`` and
        ``authorization_pending`` (not approved yet: poll again).
        """
        with self._lock:
            flow = self._device_codes.get(device_code)
            if flow is None or flow.client_id != client_id:
                raise OAuthError(
                    "bad_verification_code",
                    70018,
                    "The provided value for the input parameter 'device_code' is not valid.",
                )
            if flow.declined:
                del self._device_codes[flow.device_code]
                raise OAuthError(
                    "authorization_declined",
                    65004,
                    "The end user declined the authorization request.",
                )
            if flow.upn is None:
                if time.time() >= flow.expires_at:
                    del self._device_codes[flow.device_code]
                    raise OAuthError(
                        "expired_token",
                        70019,
                        "Verification code expired. The device code flow is over; start again.",
                    )
                raise OAuthError(
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                )
            del self._device_codes[flow.device_code]
        return flow

    # -- authorization codes ----------------------------------------------------------------

    def add_authorization_code(self, code: str, grant: AuthorizationCode) -> None:
        """Keep a new authorization code until it is redeemed."""
        with self._lock:
            self._authorization_codes[code] = grant

    def redeem_authorization_code(self, code: str) -> AuthorizationCode | None:
        """The grant of ``code``, forgotten at once (a code is redeemed once); ``None`` if
        unknown. The caller checks its expiry and its client."""
        with self._lock:
            return self._authorization_codes.pop(code, None)

    # -- with the lock held -------------------------------------------------------------------

    def _pending(self, user_code: str) -> DeviceCode:
        """The unexpired device code with ``user_code``; the caller holds the lock."""
        self._forget_expired()
        for flow in self._device_codes.values():
            if flow.user_code == user_code.strip().upper():
                return flow
        raise bad_request(f"No pending device code '{user_code}'.")

    def _forget_expired(self) -> None:
        # Kept an interval past expiry so the next poll still hears expired_token.
        horizon = time.time() - 60
        for code in [c for c, f in self._device_codes.items() if f.expires_at < horizon]:
            del self._device_codes[code]
