"""Tokens of the emulator's identity provider: made, signed, checked.

- ``Signer``: the tenant's RSA signing key (made by ``new_signing_key`` and kept in the
  store, so it lives as long as the store's secrets): signs JWTs with RS256, publishes the
  public key as a JWK (``kid`` is the RFC 7638 thumbprint), and checks the tokens it signed.
- The claim builders: app-only and delegated access tokens (audience ``RESOURCE``, v1.0
  claims like Entra's), refresh tokens (JWTs with ``REFRESH_AUDIENCE``, so no API accepts
  them), id tokens (v2.0) and ``client_info``.
- ``check_client_assertion``: a certificate-signed client assertion (RFC 7523) checked the
  way Entra does; a refusal raises ``ClientAssertionError`` with its ``AADSTS`` code, which
  the token endpoint answers as ``invalid_client`` (401).

Nothing here knows about HTTP requests: issuer, audience, lifetimes and times are passed in.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from collections.abc import Mapping
from typing import cast

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from ocm_tool.emulator.models.store import App, User

#: The audience of every access token (the service's historic resource).
RESOURCE = "https://outlook.office365.com"
#: OIDC scopes msal adds itself; they name no resource.
OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
#: The delegated permission a ``.default`` request is granted (EWS's historic one).
DEFAULT_DELEGATED_SCOPE = "EWS.AccessAsUser.All"

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
REFRESH_TOKEN_LIFETIME = 90 * 24 * 3600
#: Refresh tokens are JWTs with this audience, so that no API accepts them as access tokens.
REFRESH_AUDIENCE = "urn:ocm-tool:emulator:refresh-token"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- the signing key ---------------------------------------------------------------------------


def new_signing_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


#: Verified tokens a ``Signer`` remembers.
_VERIFIED_TOKENS = 256


class Signer:
    """The tenant's RSA key (kept in the store): signs tokens, publishes the JWKS, checks tokens."""

    def __init__(self, private_key_pem: str) -> None:
        # new_signing_key makes the key: always RSA.
        self._key = cast(
            rsa.RSAPrivateKey,
            serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None),
        )
        self.public_key = self._key.public_key()
        public_jwk = RSAAlgorithm.to_jwk(self.public_key, as_dict=True)
        self.kid = b64url(
            hashlib.sha256(
                json.dumps(
                    {k: public_jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":")
                ).encode()
            ).digest()
        )
        self.jwk = {**public_jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}
        #: (token, audience) -> claims of tokens already verified: a client sends the same
        #: token with every call (and each inner call of a $batch), and an RS256 check costs
        #: more than the rest of a small call. Expiry is checked again on every use.
        self._verified: dict[tuple[str, str], dict] = {}

    def sign(self, claims: dict) -> str:
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def decode(self, token: str, audience: str) -> dict:
        """Claims of a token this key signed for ``audience``; raises ``jwt.InvalidTokenError``."""
        claims = self._verified.get((token, audience))
        if claims is not None:
            if time.time() < claims["exp"]:
                return claims
            raise jwt.ExpiredSignatureError("Signature has expired")
        claims = jwt.decode(
            token,
            self.public_key,
            algorithms=["RS256"],
            audience=audience,
            options={"require": ["exp", "iat", "aud", "iss"]},
        )
        if len(self._verified) >= _VERIFIED_TOKENS:
            self._verified.clear()  # a few clients at a time: start again rather than evict
        self._verified[(token, audience)] = claims
        return claims


# -- claims ------------------------------------------------------------------------------------


def common_claims(*, issuer: str, tenant_id: str, now: int, lifetime: int) -> dict:
    """The claims access and id tokens share; ``uti`` is new on every call."""
    return {
        "iss": issuer,
        "tid": tenant_id,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "uti": b64url(secrets.token_bytes(16)),
    }


def app_object_id(client_id: str) -> str:
    """The object id of an app's service principal (stable for a client id)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ocm-tool-emulator:app:{client_id}"))


def app_access_claims(common: Mapping[str, object], app: App) -> dict:
    """An app-only access token's claims: app roles, no ``scp``."""
    return {
        **common,
        "aud": RESOURCE,
        "appid": app.client_id,
        "azp": app.client_id,
        "oid": app_object_id(app.client_id),
        "sub": app_object_id(app.client_id),
        "idtyp": "app",
        "roles": list(app.roles),
        "ver": "1.0",
    }


def user_access_claims(
    common: Mapping[str, object], user: User, client_id: str, scopes: tuple[str, ...]
) -> dict:
    """A delegated access token's claims: ``scp`` granted for ``scopes``, roles in ``wids``."""
    resource_scopes = [s for s in scopes if s not in OIDC_SCOPES]
    granted = sorted(
        {
            DEFAULT_DELEGATED_SCOPE if s.endswith("/.default") else s.split("/", 3)[-1]
            for s in resource_scopes
        }
    )
    return {
        **common,
        "aud": RESOURCE,
        "appid": client_id,
        "azp": client_id,
        "oid": user.oid,
        "sub": user.oid,
        "upn": user.upn,
        "preferred_username": user.upn,
        "unique_name": user.upn,
        "name": user.upn,
        "idtyp": "user",
        "scp": " ".join(granted),
        "wids": list(user.roles),
        "ver": "1.0",
    }


def refresh_claims(
    *, issuer: str, now: int, client_id: str, user: User, scopes: tuple[str, ...]
) -> dict:
    """A refresh token's claims: audience ``REFRESH_AUDIENCE``, the scopes to grant again."""
    return {
        "iss": issuer,
        "aud": REFRESH_AUDIENCE,
        "iat": now,
        "exp": now + REFRESH_TOKEN_LIFETIME,
        "azp": client_id,
        "upn": user.upn,
        "scopes": list(scopes),
        "jti": str(uuid.uuid4()),
    }


def id_token_claims(
    common: Mapping[str, object], *, now: int, user: User, client_id: str, nonce: str | None
) -> dict:
    """An id token's claims (v2.0, valid an hour), with ``nonce`` when the sign-in sent one."""
    id_claims = {
        **common,
        "aud": client_id,
        "exp": now + 3600,
        "oid": user.oid,
        "sub": user.oid,
        "preferred_username": user.upn,
        "name": user.upn,
        "ver": "2.0",
    }
    if nonce is not None:
        id_claims["nonce"] = nonce
    return id_claims


def client_info(user: User, tenant_id: str) -> str:
    """msal's ``client_info``: base64url JSON of the user's and the tenant's ids."""
    return b64url(json.dumps({"uid": user.oid, "utid": tenant_id}).encode())


# -- client assertions -------------------------------------------------------------------------


class ClientAssertionError(Exception):
    """A refused client assertion: the ``AADSTS`` code and description of the refusal."""

    def __init__(self, aadsts: int, description: str) -> None:
        super().__init__(f"AADSTS{aadsts}: {description}")
        self.aadsts = aadsts
        self.description = description


def check_client_assertion(app: App, assertion: str, audience: str) -> None:
    """Check a certificate-signed client assertion (RFC 7523) the way Entra does.

    ``audience`` is the token endpoint's URL; raises ``ClientAssertionError``.
    """
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.InvalidTokenError:
        raise ClientAssertionError(
            50027, "The client assertion is not a well-formed JWT."
        ) from None
    certificate = _assertion_certificate(app, header)
    try:
        claims = jwt.decode(
            assertion,
            # RS256 and PS256 take RSA keys only; PyJWT answers others with TypeError (below).
            cast(rsa.RSAPublicKey, certificate.public_key()),
            algorithms=["RS256", "PS256"],
            audience=audience,
            options={"require": ["exp", "aud", "iss", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise ClientAssertionError(
            700024, "Client assertion is not within its valid time range."
        ) from None
    except jwt.InvalidAudienceError:
        raise ClientAssertionError(
            700212,
            f"No matching federated identity record found: the client assertion's "
            f"audience must be the token endpoint {audience}.",
        ) from None
    except (jwt.InvalidTokenError, TypeError) as exc:
        raise ClientAssertionError(
            700027, f"Client assertion failed signature validation ({exc})."
        ) from None
    if claims["iss"] != app.client_id or claims["sub"] != app.client_id:
        raise ClientAssertionError(
            700021, "The client assertion's iss and sub must be the client id."
        )


def _assertion_certificate(app: App, header: Mapping[str, object]) -> x509.Certificate:
    """The registered certificate the assertion's ``x5t#S256`` / ``x5t`` header names."""
    candidates: list[x509.Certificate] = []
    if app.certificate_pem:
        candidates.append(x509.load_pem_x509_certificate(app.certificate_pem.encode()))
    x5c = header.get("x5c")
    if app.certificate_thumbprint and isinstance(x5c, list) and x5c:
        # Registered by thumbprint only: trust the sent certificate if its thumbprint matches.
        sent = x509.load_der_x509_certificate(base64.b64decode(str(x5c[0])))
        registered = app.certificate_thumbprint.replace(":", "").lower()
        if registered in (
            sent.fingerprint(hashes.SHA1()).hex(),
            sent.fingerprint(hashes.SHA256()).hex(),
        ):
            candidates.append(sent)
    wanted: list[tuple[hashes.HashAlgorithm, bytes]] = [
        (algorithm, b64url_decode(str(header[name])))
        for name, algorithm in (("x5t#S256", hashes.SHA256()), ("x5t", hashes.SHA1()))
        if header.get(name)
    ]
    for certificate in candidates:
        if any(certificate.fingerprint(alg) == digest for alg, digest in wanted):
            return certificate
    raise ClientAssertionError(
        700027,
        f"The certificate used to sign the client assertion is not registered on "
        f"application '{app.client_id}' (no x5t or x5t#S256 header names a registered "
        f"certificate).",
    )
