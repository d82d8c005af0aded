"""What ``whoami`` shows about a sign-in, read from the access token (not verified)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import jwt

from ocm_tool.client import TokenProvider
from ocm_tool.settings import Settings


@dataclass(frozen=True)
class SignInInfo:
    """What ``whoami`` shows about a sign-in (read from the access token, not verified)."""

    account: str | None  # UPN; None for app-only
    auth_method: str | None  # the flow it signed in with; None when not recorded
    client_id: str
    authority: str
    tenant: str  # the token's tenant id, else --tenant
    expires_at: datetime | None  # UTC
    permissions: tuple[str, ...]  # delegated: scp; app-only: roles

    def to_json(self) -> dict[str, object]:
        """The sign-in as ``whoami --output json`` and ``login --output json`` give it."""
        return {
            "account": self.account,
            "appOnly": self.account is None,
            "auth": self.auth_method,
            "clientId": self.client_id,
            "authority": self.authority,
            "tenant": self.tenant,
            "expiresAt": self.expires_at.isoformat(timespec="seconds") if self.expires_at else None,
            "permissions": list(self.permissions),
        }


def sign_in_info(settings: Settings, tokens: TokenProvider) -> SignInInfo:
    """Describe the sign-in behind ``tokens`` for ``whoami`` (``tokens.method``, when it has
    one, is the flow the account signed in with)."""
    try:
        claims = jwt.decode(tokens.token(), options={"verify_signature": False})
    except jwt.InvalidTokenError:  # an opaque token: nothing to read
        claims = {}
    permissions = (
        str(claims["scp"]).split() if "scp" in claims else [str(r) for r in claims.get("roles", [])]
    )
    expires = claims.get("exp")
    return SignInInfo(
        account=tokens.account,
        auth_method=getattr(tokens, "method", None),
        client_id=str(claims.get("appid") or claims.get("azp") or settings.client_id),
        authority=settings.authority_url,
        tenant=str(claims.get("tid") or settings.tenant),
        expires_at=datetime.fromtimestamp(expires, UTC) if expires else None,
        permissions=tuple(permissions),
    )
