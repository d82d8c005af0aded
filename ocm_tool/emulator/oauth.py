"""The emulator's identity provider: OIDC discovery, token and device-code endpoints, JWTs.

It answers like the Microsoft identity platform (v2.0 endpoints) closely enough that msal
for Python signs in to it unmodified, with ``instance_discovery=False``:

==============================================  ===========================================
``/{tenant}/v2.0/.well-known/openid-configuration``  OIDC discovery (URLs from ``request.host_url``)
``/{tenant}/discovery/v2.0/keys``               JWKS: the RSA key every token is signed with
``/{tenant}/oauth2/v2.0/token``                 grants: client_credentials (secret or certificate
                                                assertion), password, device_code, refresh_token,
                                                authorization_code (+ PKCE)
``/{tenant}/oauth2/v2.0/devicecode``            device authorization
``/{tenant}/oauth2/v2.0/authorize``             HTML sign-in form for the browser flow
``/devicelogin``                                HTML page where a device code is entered
``/common/userrealm/{user}``                    404: msal then uses the plain password grant
==============================================  ===========================================

``{tenant}`` is the store's tenant name, its tenant id, ``organizations`` or ``common``.
Public-client grants accept any client id (like a multi-tenant public app); a client that
presents a secret or an assertion must be a registered app and is checked. The signing key
is made at start, so tokens do not survive a restart (clients then sign in again).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal, NoReturn
from urllib.parse import urlencode, urlsplit

import jwt
from jwt.algorithms import RSAAlgorithm
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Blueprint, Response, jsonify, redirect, render_template_string, request

from ocm_tool.emulator.problems import ApiProblem
from ocm_tool.emulator.store import App, Store, User

ADMIN_ROLES = frozenset({"Exchange Administrator", "Global Administrator"})

#: The audience of every access token (the service's historic resource).
RESOURCE = "https://outlook.office365.com"
#: OIDC scopes msal adds itself; they name no resource.
OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
#: The delegated permission a ``.default`` request is granted (EWS's historic one).
DEFAULT_DELEGATED_SCOPE = "EWS.AccessAsUser.All"
#: Tenant segments that stand for "the tenant of the user who signs in".
MULTI_TENANT_SEGMENTS = frozenset({"organizations", "common"})

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
REFRESH_TOKEN_LIFETIME = 90 * 24 * 3600
AUTHORIZATION_CODE_LIFETIME = 600
#: Refresh tokens are JWTs with this audience, so that no API accepts them as access tokens.
REFRESH_AUDIENCE = "urn:ocm-tool:emulator:refresh-token"


@dataclass(frozen=True)
class Principal:
    """Who a valid access token speaks for."""

    kind: Literal["user", "app"]
    client_id: str
    upn: str | None = None          # delegated tokens only
    roles: tuple[str, ...] = ()     # delegated: directory roles (wids); app-only: app roles

    @property
    def full_access_as_app(self) -> bool:
        return self.kind == "app" and "full_access_as_app" in self.roles

    @property
    def exchange_admin(self) -> bool:
        if self.kind == "app":
            return "Exchange.ManageAsApp" in self.roles
        return bool(ADMIN_ROLES.intersection(self.roles))


class OAuthError(Exception):
    """An identity-platform error answer: ``error``, ``AADSTS`` code, description, status."""

    def __init__(self, error: str, aadsts: int, description: str, *, status: int = 400) -> None:
        super().__init__(f"{error}: AADSTS{aadsts}: {description}")
        self.error = error
        self.aadsts = aadsts
        self.description = description
        self.status = status

    def response(self) -> Response:
        trace_id = str(uuid.uuid4())
        correlation_id = request.headers.get("client-request-id") or str(uuid.uuid4())
        timestamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        answer = jsonify(
            error=self.error,
            error_description=(
                f"AADSTS{self.aadsts}: {self.description} Trace ID: {trace_id} "
                f"Correlation ID: {correlation_id} Timestamp: {timestamp}"
            ),
            error_codes=[self.aadsts],
            timestamp=timestamp,
            trace_id=trace_id,
            correlation_id=correlation_id,
        )
        answer.status_code = self.status
        return answer


@dataclass
class _DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float
    upn: str | None = None      # set when a user approved it
    declined: bool = False


@dataclass(frozen=True)
class _AuthorizationCode:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    upn: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str
    expires_at: float


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _new_user_code() -> str:
    # Microsoft's codes are 9 letters and digits; skip look-alikes (0/O, 1/I).
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(9))


def _is_loopback_redirect(uri: str) -> bool:
    """Only loopback redirect URIs are accepted: the emulator registers no web apps."""
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1")


def _with_query(uri: str, params: Mapping[str, str]) -> str:
    return f"{uri}{'&' if urlsplit(uri).query else '?'}{urlencode(params)}"


def _new_signing_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


class _Signer:
    """The tenant's RSA key (kept in the store): signs tokens, publishes the JWKS, checks tokens."""

    def __init__(self, private_key_pem: str) -> None:
        self._key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
        self.public_key = self._key.public_key()
        public_jwk = RSAAlgorithm.to_jwk(self.public_key, as_dict=True)
        self.kid = _b64url(
            hashlib.sha256(json.dumps(
                {k: public_jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":")
            ).encode()).digest()
        )
        self.jwk = {**public_jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def sign(self, claims: dict) -> str:
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def decode(self, token: str, audience: str) -> dict:
        """Claims of a token this key signed for ``audience``; raises ``jwt.InvalidTokenError``."""
        return jwt.decode(
            token,
            self.public_key,
            algorithms=["RS256"],
            audience=audience,
            options={"require": ["exp", "iat", "aud", "iss"]},
        )


class Identity:
    """Issues and checks tokens for the tenant in ``store``.

    ``token_lifetime`` (seconds; 0 makes tokens that are already expired) and
    ``auto_approve_as`` (a UPN that approves every device code and browser sign-in at once)
    may be changed at any time; so may ``device_code_lifetime`` and ``device_code_interval``.
    """

    def __init__(
        self, store: Store, *, token_lifetime: int = 3600, auto_approve_as: str | None = None
    ) -> None:
        self.store = store
        self.token_lifetime = token_lifetime
        self.auto_approve_as = auto_approve_as
        self.device_code_lifetime = 900
        #: Seconds msal waits between polls; Microsoft's is 5, 1 keeps tests and demos quick.
        self.device_code_interval = 1
        self._signer = _Signer(store.secret("signing-key", _new_signing_key))
        self._lock = threading.Lock()
        self._device_codes: dict[str, _DeviceCode] = {}       # by device_code
        self._authorization_codes: dict[str, _AuthorizationCode] = {}

    # -- public API -------------------------------------------------------------------------

    @property
    def tenant_id(self) -> str:
        """The tenant's GUID (``tid``), stable for a tenant name."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ocm-tool-emulator:{self.store.tenant_name}"))

    @property
    def jwks(self) -> dict:
        return {"keys": [self._signer.jwk]}

    def blueprint(self) -> Blueprint:
        """The identity endpoints, mounted at the server root (``/{tenant}/...``, ``/common/...``)."""
        bp = Blueprint("identity", __name__)
        routes: list[tuple[str, Callable[..., object], list[str]]] = [
            ("/<tenant>/v2.0/.well-known/openid-configuration", self._openid_configuration, ["GET"]),
            ("/<tenant>/discovery/v2.0/keys", self._keys, ["GET"]),
            ("/common/userrealm/<path:username>", self._user_realm, ["GET"]),
            ("/<tenant>/oauth2/v2.0/token", self._token, ["POST"]),
            ("/<tenant>/oauth2/v2.0/devicecode", self._devicecode, ["POST"]),
            ("/<tenant>/oauth2/v2.0/authorize", self._authorize, ["GET", "POST"]),
            ("/devicelogin", self._devicelogin, ["GET", "POST"]),
        ]
        for rule, view, methods in routes:
            bp.add_url_rule(rule, view.__name__.lstrip("_"), view, methods=methods)
        bp.register_error_handler(OAuthError, OAuthError.response)
        return bp

    def verify(self, authorization_header: str | None) -> Principal:
        """Check a ``Bearer`` header; raise ``ApiProblem(401, "InvalidAuthenticationToken")``."""
        scheme, _, token = (authorization_header or "").strip().partition(" ")
        if not authorization_header:
            _invalid_token("Access token is empty.")
        if scheme.lower() != "bearer" or not token.strip():
            _invalid_token("Authorization header is not a Bearer token.")
        try:
            claims = self._signer.decode(token.strip(), RESOURCE)
        except jwt.ExpiredSignatureError:
            _invalid_token("Lifetime validation failed, the token is expired.")
        except jwt.InvalidAudienceError:
            _invalid_token(f"Invalid audience: the token is not for {RESOURCE}.")
        except jwt.InvalidSignatureError:
            _invalid_token("Signature validation failed.")
        except jwt.InvalidTokenError as exc:
            _invalid_token(f"The access token is not valid: {exc}.")
        client_id = str(claims.get("appid") or claims.get("azp") or "")
        if "scp" in claims:  # delegated tokens carry scp; app-only tokens do not
            return Principal(
                "user", client_id, upn=claims.get("upn"), roles=tuple(claims.get("wids", ()))
            )
        return Principal("app", client_id, roles=tuple(claims.get("roles", ())))

    def approve_device_code(self, user_code: str, upn: str) -> None:
        """Sign ``upn`` in for a pending device code, as the user would in a browser."""
        if self.store.user(upn) is None:
            raise ApiProblem(400, "BadRequest", f"No user {upn} in this tenant.")
        with self._lock:
            self._pending_device_code(user_code).upn = upn

    def decline_device_code(self, user_code: str) -> None:
        """Refuse a pending device code, as a user who pressed "Cancel"."""
        with self._lock:
            self._pending_device_code(user_code).declined = True

    # -- discovery ------------------------------------------------------------------------

    def _openid_configuration(self, tenant: str) -> Response:
        self._check_tenant(tenant)
        base = f"{request.host_url}{tenant}"
        return jsonify(
            issuer=self._issuer(),
            authorization_endpoint=f"{base}/oauth2/v2.0/authorize",
            token_endpoint=f"{base}/oauth2/v2.0/token",
            device_authorization_endpoint=f"{base}/oauth2/v2.0/devicecode",
            jwks_uri=f"{base}/discovery/v2.0/keys",
            end_session_endpoint=f"{base}/oauth2/v2.0/logout",
            response_types_supported=["code"],
            response_modes_supported=["query", "form_post"],
            subject_types_supported=["pairwise"],
            id_token_signing_alg_values_supported=["RS256"],
            scopes_supported=sorted(OIDC_SCOPES),
            token_endpoint_auth_methods_supported=[
                "client_secret_post", "client_secret_basic", "private_key_jwt"
            ],
            grant_types_supported=[
                "authorization_code", "client_credentials", "password", "refresh_token",
                DEVICE_CODE_GRANT,
            ],
            code_challenge_methods_supported=["S256", "plain"],
            claims_supported=[
                "sub", "iss", "aud", "exp", "iat", "nbf", "name", "preferred_username",
                "oid", "tid", "nonce", "ver",
            ],
            tenant_region_scope=None,
            cloud_instance_name=urlsplit(request.host_url).hostname,
        )

    def _keys(self, tenant: str) -> Response:
        self._check_tenant(tenant)
        return jsonify(self.jwks)

    def _user_realm(self, username: str) -> Response:
        # Microsoft answers federation metadata here; 404 makes msal use the plain password grant.
        answer = jsonify(error="not_found", error_description="User realm discovery is not offered.")
        answer.status_code = 404
        return answer

    # -- token endpoint -------------------------------------------------------------------

    def _token(self, tenant: str) -> Response:
        self._check_tenant(tenant)
        form = request.form
        grants: dict[str, Callable[[Mapping[str, str], str], dict]] = {
            "client_credentials": self._grant_client_credentials,
            "password": self._grant_password,
            DEVICE_CODE_GRANT: self._grant_device_code,
            "refresh_token": self._grant_refresh_token,
            "authorization_code": self._grant_authorization_code,
        }
        grant_type = form.get("grant_type", "")
        grant = grants.get(grant_type)
        if grant is None:
            raise OAuthError(
                "unsupported_grant_type", 70003,
                f"The app requested an unsupported grant type '{grant_type}'.",
            )
        answer = jsonify(grant(form, tenant))
        answer.headers["Cache-Control"] = "no-store"
        return answer

    def _grant_client_credentials(self, form: Mapping[str, str], tenant: str) -> dict:
        if tenant.lower() in MULTI_TENANT_SEGMENTS:
            raise OAuthError(
                "invalid_request", 90002,
                f"Use a tenant-specific endpoint for client credentials, not '/{tenant}'.",
            )
        app = self._authenticate_client(form, required=True)
        assert app is not None
        scopes = form.get("scope", "").split()
        if scopes != [f"{RESOURCE}/.default"]:
            raise OAuthError(
                "invalid_scope", 1002012,
                f"The provided value for scope {' '.join(scopes)} is not valid. Client "
                f"credential flows must have a scope value with /.default suffixed to the "
                f"resource identifier ({RESOURCE}/.default).",
            )
        now = int(time.time())
        access_token = self._signer.sign(
            {
                **self._common_claims(now),
                "aud": RESOURCE,
                "appid": app.client_id,
                "azp": app.client_id,
                "oid": self._app_object_id(app.client_id),
                "sub": self._app_object_id(app.client_id),
                "idtyp": "app",
                "roles": list(app.roles),
                "ver": "1.0",
            }
        )
        return {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": access_token,
        }

    def _grant_password(self, form: Mapping[str, str], tenant: str) -> dict:
        self._authenticate_client(form, required=False)
        user = self._check_password(form.get("username", ""), form.get("password", ""))
        return self._user_tokens(user, form, self._delegated_scopes(form))

    def _grant_device_code(self, form: Mapping[str, str], tenant: str) -> dict:
        self._authenticate_client(form, required=False)
        with self._lock:
            flow = self._device_codes.get(form.get("device_code", ""))
            if flow is None or flow.client_id != form.get("client_id"):
                raise OAuthError(
                    "bad_verification_code", 70018,
                    "The provided value for the input parameter 'device_code' is not valid.",
                )
            if flow.declined:
                del self._device_codes[flow.device_code]
                raise OAuthError(
                    "authorization_declined", 65004,
                    "The end user declined the authorization request.",
                )
            if flow.upn is None:
                if time.time() >= flow.expires_at:
                    del self._device_codes[flow.device_code]
                    raise OAuthError(
                        "expired_token", 70019,
                        "Verification code expired. The device code flow is over; start again.",
                    )
                raise OAuthError(
                    "authorization_pending", 70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                )
            del self._device_codes[flow.device_code]
        user = self._user(flow.upn)
        return self._user_tokens(user, form, flow.scopes)

    def _grant_refresh_token(self, form: Mapping[str, str], tenant: str) -> dict:
        self._authenticate_client(form, required=False)
        try:
            claims = self._signer.decode(form.get("refresh_token", ""), REFRESH_AUDIENCE)
        except jwt.ExpiredSignatureError:
            raise OAuthError(
                "invalid_grant", 700082, "The refresh token has expired due to inactivity."
            ) from None
        except jwt.InvalidTokenError:
            raise OAuthError(
                "invalid_grant", 9002313, "Invalid request. The refresh token is malformed or "
                "was not issued by this server (it restarts with a new key).",
            ) from None
        if claims.get("azp") != form.get("client_id"):
            raise OAuthError(
                "invalid_grant", 70000,
                "The refresh token was issued to a different client id.",
            )
        user = self._user(claims["upn"])
        scopes = self._delegated_scopes(form) if form.get("scope") else tuple(claims["scopes"])
        return self._user_tokens(user, form, scopes)

    def _grant_authorization_code(self, form: Mapping[str, str], tenant: str) -> dict:
        self._authenticate_client(form, required=False)
        with self._lock:
            grant = self._authorization_codes.pop(form.get("code", ""), None)
        if grant is None or time.time() >= grant.expires_at:
            raise OAuthError(
                "invalid_grant", 70008,
                "The provided authorization code is expired, unknown or already redeemed.",
            )
        if grant.client_id != form.get("client_id") or grant.redirect_uri != form.get(
            "redirect_uri"
        ):
            raise OAuthError(
                "invalid_grant", 50148,
                "The client id or redirect URI does not match the authorization request.",
            )
        if grant.code_challenge is not None:
            verifier = form.get("code_verifier", "")
            expected = (
                _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
                if grant.code_challenge_method == "S256"
                else verifier
            )
            if not verifier or not hmac.compare_digest(expected, grant.code_challenge):
                raise OAuthError(
                    "invalid_grant", 501481, "The Code_Verifier does not match the "
                    "code_challenge supplied in the authorization request.",
                )
        return self._user_tokens(self._user(grant.upn), form, grant.scopes, nonce=grant.nonce)

    # -- device code ----------------------------------------------------------------------

    def _devicecode(self, tenant: str) -> Response:
        self._check_tenant(tenant)
        form = request.form
        client_id = form.get("client_id", "")
        if not client_id:
            raise OAuthError("invalid_request", 900144, "The request body must contain 'client_id'.")
        flow = _DeviceCode(
            device_code=secrets.token_urlsafe(32),
            user_code=_new_user_code(),
            client_id=client_id,
            scopes=self._delegated_scopes(form),
            expires_at=time.time() + self.device_code_lifetime,
            upn=self.auto_approve_as,
        )
        with self._lock:
            self._forget_expired()
            self._device_codes[flow.device_code] = flow
        verification_uri = f"{request.host_url}devicelogin"
        return jsonify(
            device_code=flow.device_code,
            user_code=flow.user_code,
            verification_uri=verification_uri,
            expires_in=self.device_code_lifetime,
            interval=self.device_code_interval,
            message=(
                f"To sign in, use a web browser to open the page {verification_uri} "
                f"and enter the code {flow.user_code} to authenticate."
            ),
        )

    def _devicelogin(self) -> str:
        form = request.form
        if request.method == "GET":
            return render_template_string(_DEVICE_LOGIN_PAGE, error=None, form={})
        user_code = form.get("user_code", "").strip().upper()
        try:
            if form.get("action") == "decline":
                self.decline_device_code(user_code)
                return render_template_string(_DONE_PAGE, message="You declined the sign-in.")
            user = self._check_password(form.get("username", ""), form.get("password", ""))
            self.approve_device_code(user_code, user.upn)
        except (ApiProblem, OAuthError) as exc:
            message = exc.message if isinstance(exc, ApiProblem) else exc.description
            return render_template_string(_DEVICE_LOGIN_PAGE, error=message, form=form)
        return render_template_string(
            _DONE_PAGE,
            message=f"You signed in as {user.upn}. You may now close this window.",
        )

    # -- browser (authorization code) ------------------------------------------------------

    def _authorize(self, tenant: str) -> Response | str:
        self._check_tenant(tenant)
        params = request.values.to_dict()
        redirect_uri = params.get("redirect_uri", "")
        if not _is_loopback_redirect(redirect_uri):
            return Response(
                render_template_string(
                    _DONE_PAGE,
                    message="AADSTS50011: The redirect URI must be a loopback http address "
                    "(http://localhost:PORT).",
                ),
                status=400,
            )
        if params.get("response_type") != "code" or not params.get("client_id"):
            return self._authorization_answer(
                params,
                {"error": "unsupported_response_type",
                 "error_description": "AADSTS700054: response_type must be 'code' and "
                 "client_id must be given."},
            )
        form_fields = {k: v for k, v in params.items() if k not in ("username", "password")}
        if "password" in params:  # the sign-in form was submitted
            try:
                user = self._check_password(params.get("username", ""), params["password"])
            except OAuthError as exc:
                return render_template_string(
                    _SIGN_IN_PAGE, fields=form_fields, error=exc.description,
                    username=params.get("username", ""),
                )
            return self._issue_authorization_code(params, user)
        hint = params.get("login_hint")
        auto = self.auto_approve_as
        if auto and (not hint or hint.lower() == auto.lower()):
            user = self.store.user(auto)
            if user is not None:
                return self._issue_authorization_code(params, user)
        return render_template_string(
            _SIGN_IN_PAGE, fields=form_fields, error=None, username=hint or ""
        )

    def _issue_authorization_code(self, params: Mapping[str, str], user: User) -> Response | str:
        code = secrets.token_urlsafe(32)
        grant = _AuthorizationCode(
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            scopes=self._delegated_scopes(params),
            upn=user.upn,
            nonce=params.get("nonce"),
            code_challenge=params.get("code_challenge"),
            code_challenge_method=params.get("code_challenge_method", "plain"),
            expires_at=time.time() + AUTHORIZATION_CODE_LIFETIME,
        )
        with self._lock:
            self._authorization_codes[code] = grant
        return self._authorization_answer(params, {"code": code})

    def _authorization_answer(
        self, params: Mapping[str, str], answer: dict[str, str]
    ) -> Response | str:
        """Hand ``answer`` to the redirect URI: a self-posting form (form_post) or a redirect."""
        if params.get("state") is not None:
            answer = {**answer, "state": params["state"]}
        if params.get("response_mode") == "form_post":
            return render_template_string(
                _FORM_POST_PAGE, action=params["redirect_uri"], fields=answer
            )
        return redirect(_with_query(params["redirect_uri"], answer), code=302)

    # -- building blocks ------------------------------------------------------------------

    def _check_tenant(self, tenant: str) -> None:
        known = {self.store.tenant_name.lower(), self.tenant_id, *MULTI_TENANT_SEGMENTS}
        if tenant.lower() not in known:
            raise OAuthError(
                "invalid_tenant", 90002,
                f"Tenant '{tenant}' not found. Check the tenant name or id in the authority.",
            )

    def _issuer(self) -> str:
        return f"{request.host_url}{self.store.tenant_name}/v2.0"

    def _common_claims(self, now: int) -> dict:
        return {
            "iss": self._issuer(),
            "tid": self.tenant_id,
            "iat": now,
            "nbf": now,
            "exp": now + self.token_lifetime,
            "uti": _b64url(secrets.token_bytes(16)),
        }

    def _app_object_id(self, client_id: str) -> str:
        """The object id of an app's service principal (stable for a client id)."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ocm-tool-emulator:app:{client_id}"))

    def _user(self, upn: str) -> User:
        user = self.store.user(upn)
        if user is None:
            raise OAuthError(
                "invalid_grant", 50034,
                f"The user account {upn} does not exist in the {self.store.tenant_name} directory.",
            )
        return user

    def _check_password(self, username: str, password: str) -> User:
        user = self._user(username)
        if not hmac.compare_digest(user.password.encode(), password.encode()):
            raise OAuthError(
                "invalid_grant", 50126,
                "Error validating credentials due to invalid username or password.",
            )
        return user

    def _delegated_scopes(self, params: Mapping[str, str]) -> tuple[str, ...]:
        """The requested scopes, checked: every non-OIDC scope must be of the OCM resource."""
        scopes = tuple(params.get("scope", "").split())
        resource_scopes = [s for s in scopes if s not in OIDC_SCOPES]
        if not resource_scopes or any(
            not s.lower().startswith(f"{RESOURCE}/") for s in resource_scopes
        ):
            raise OAuthError(
                "invalid_scope", 70011,
                f"The provided value for the input parameter 'scope' is not valid: "
                f"'{' '.join(scopes)}'. Ask for {RESOURCE}/.default.",
            )
        return scopes

    def _authenticate_client(self, form: Mapping[str, str], *, required: bool) -> App | None:
        """The registered app behind a secret or an assertion; ``None`` for a public client."""
        basic = request.authorization
        client_id = form.get("client_id") or (basic.username if basic else None) or ""
        secret = form.get("client_secret") or (basic.password if basic else None)
        assertion = form.get("client_assertion")
        if not required and secret is None and assertion is None:
            return None
        app = self.store.app(client_id) if client_id else None
        if app is None:
            raise OAuthError(
                "unauthorized_client", 700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{self.store.tenant_name}'.",
            )
        if assertion is not None:
            if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
                raise OAuthError(
                    "invalid_request", 50027,
                    f"client_assertion_type must be {CLIENT_ASSERTION_TYPE}.",
                )
            self._check_client_assertion(app, assertion)
        elif secret is not None:
            if not app.client_secret or not hmac.compare_digest(
                app.client_secret.encode(), secret.encode()
            ):
                raise OAuthError(
                    "invalid_client", 7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the "
                    f"request is the client secret value, not the client secret ID, for "
                    f"app '{client_id}'.",
                    status=401,
                )
        else:
            raise OAuthError(
                "invalid_client", 7000218,
                "The request body must contain the following parameter: 'client_assertion' "
                "or 'client_secret'.",
                status=401,
            )
        return app

    def _check_client_assertion(self, app: App, assertion: str) -> None:
        """Check a certificate-signed client assertion (RFC 7523) the way Entra does."""
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.InvalidTokenError:
            raise OAuthError(
                "invalid_client", 50027, "The client assertion is not a well-formed JWT.",
                status=401,
            ) from None
        certificate = self._assertion_certificate(app, header)
        try:
            claims = jwt.decode(
                assertion,
                certificate.public_key(),
                algorithms=["RS256", "PS256"],
                audience=request.base_url,
                options={"require": ["exp", "aud", "iss", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise OAuthError(
                "invalid_client", 700024, "Client assertion is not within its valid time range.",
                status=401,
            ) from None
        except jwt.InvalidAudienceError:
            raise OAuthError(
                "invalid_client", 700212,
                f"No matching federated identity record found: the client assertion's "
                f"audience must be the token endpoint {request.base_url}.",
                status=401,
            ) from None
        except jwt.InvalidTokenError as exc:
            raise OAuthError(
                "invalid_client", 700027,
                f"Client assertion failed signature validation ({exc}).",
                status=401,
            ) from None
        if claims["iss"] != app.client_id or claims["sub"] != app.client_id:
            raise OAuthError(
                "invalid_client", 700021,
                "The client assertion's iss and sub must be the client id.",
                status=401,
            )

    def _assertion_certificate(self, app: App, header: Mapping[str, object]) -> x509.Certificate:
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
                sent.fingerprint(hashes.SHA1()).hex(), sent.fingerprint(hashes.SHA256()).hex()
            ):
                candidates.append(sent)
        wanted: list[tuple[hashes.HashAlgorithm, bytes]] = [
            (algorithm, _b64url_decode(str(header[name])))
            for name, algorithm in (("x5t#S256", hashes.SHA256()), ("x5t", hashes.SHA1()))
            if header.get(name)
        ]
        for certificate in candidates:
            if any(certificate.fingerprint(alg) == digest for alg, digest in wanted):
                return certificate
        raise OAuthError(
            "invalid_client", 700027,
            f"The certificate used to sign the client assertion is not registered on "
            f"application '{app.client_id}' (no x5t or x5t#S256 header names a registered "
            f"certificate).",
            status=401,
        )

    def _user_tokens(
        self,
        user: User,
        form: Mapping[str, str],
        scopes: tuple[str, ...],
        *,
        nonce: str | None = None,
    ) -> dict:
        """Access token, and refresh token / id_token / client_info as the scopes ask."""
        client_id = form.get("client_id", "")
        now = int(time.time())
        resource_scopes = [s for s in scopes if s not in OIDC_SCOPES]
        granted = sorted(
            {
                DEFAULT_DELEGATED_SCOPE if s.endswith("/.default") else s.split("/", 3)[-1]
                for s in resource_scopes
            }
        )
        access_token = self._signer.sign(
            {
                **self._common_claims(now),
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
        )
        answer: dict[str, object] = {
            "token_type": "Bearer",
            "scope": " ".join(scopes),
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": access_token,
        }
        if "offline_access" in scopes:
            answer["refresh_token"] = self._signer.sign(
                {
                    "iss": self._issuer(),
                    "aud": REFRESH_AUDIENCE,
                    "iat": now,
                    "exp": now + REFRESH_TOKEN_LIFETIME,
                    "azp": client_id,
                    "upn": user.upn,
                    "scopes": list(scopes),
                    "jti": str(uuid.uuid4()),
                }
            )
        if "openid" in scopes:
            id_claims = {
                **self._common_claims(now),
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
            answer["id_token"] = self._signer.sign(id_claims)
        if form.get("client_info") == "1":
            answer["client_info"] = _b64url(
                json.dumps({"uid": user.oid, "utid": self.tenant_id}).encode()
            )
        return answer

    def _pending_device_code(self, user_code: str) -> _DeviceCode:
        """The unexpired device code with ``user_code``; the caller holds the lock."""
        self._forget_expired()
        for flow in self._device_codes.values():
            if flow.user_code == user_code.strip().upper():
                return flow
        raise ApiProblem(400, "BadRequest", f"No pending device code '{user_code}'.")

    def _forget_expired(self) -> None:
        # Kept an interval past expiry so the next poll still hears expired_token.
        horizon = time.time() - 60
        for code in [c for c, f in self._device_codes.items() if f.expires_at < horizon]:
            del self._device_codes[code]


def _invalid_token(message: str) -> NoReturn:
    raise ApiProblem(
        401,
        "InvalidAuthenticationToken",
        message,
        headers={
            "WWW-Authenticate": 'Bearer error="invalid_token", error_description="{}"'.format(
                message.replace('"', "'")
            )
        },
    )


# -- pages (Jinja templates; autoescaped by render_template_string) ----------------------------

_PAGE_HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ocm-tool emulator sign-in</title>
<style>body{font-family:sans-serif;max-width:28em;margin:3em auto}label{display:block;margin:.6em 0}
input{width:100%}.error{color:#a00}</style></head><body>"""

_SIGN_IN_PAGE = _PAGE_HEAD + """
<h1>Sign in</h1>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
<form method="post" id="sign-in">
{% for name, value in fields.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}
<label>Username <input name="username" value="{{ username }}" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form></body></html>"""

_DEVICE_LOGIN_PAGE = _PAGE_HEAD + """
<h1>Enter code</h1>
<p>Enter the code shown on your device, then sign in.</p>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
<form method="post" id="device-login">
<label>Code <input name="user_code" value="{{ form.get('user_code', '') }}"></label>
<label>Username <input name="username" value="{{ form.get('username', '') }}"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit" name="action" value="approve">Sign in</button>
<button type="submit" name="action" value="decline">Cancel</button>
</form></body></html>"""

_FORM_POST_PAGE = _PAGE_HEAD + """
<form method="post" action="{{ action }}" id="auth-response">
{% for name, value in fields.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}
<noscript><button type="submit">Continue</button></noscript>
</form>
<script>document.getElementById("auth-response").submit()</script>
</body></html>"""

_DONE_PAGE = _PAGE_HEAD + """<p>{{ message }}</p></body></html>"""
