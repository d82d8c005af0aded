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
presents a secret or an assertion must be a registered app and is checked (``clients``).
The signing key is kept with the tenant in the store, so a restart on the same store keeps
issued tokens valid; loading a tenant (``Store.load_tenant``, ``Identity.reset``) makes a new one.

This module holds the protocol: the endpoints and their flows (``Identity``), and the check
of the API's bearer tokens (``Identity.verify`` -> ``models.access.Principal``). Tokens
themselves (signing key, claims, checks of tokens and client assertions) are in ``tokens``;
client authentication in ``clients``; sign-ins in progress in ``codes``; the HTML pages in
``pages``; the error answer in ``errors``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from urllib.parse import urlencode, urlsplit

import jwt
from flask import Blueprint, Response, jsonify, redirect, request
from flask.typing import RouteCallable
from werkzeug.wrappers import Response as BaseResponse  # what flask.redirect returns

from ocm_tool.emulator.api.exceptions import ApiProblem, bad_request, invalid_token
from ocm_tool.emulator.identity import pages
from ocm_tool.emulator.identity.clients import authenticate_client, is_loopback_redirect
from ocm_tool.emulator.identity.codes import (
    AuthorizationCode,
    DeviceCode,
    PendingSignIns,
    new_user_code,
)
from ocm_tool.emulator.identity.errors import OAuthError
from ocm_tool.emulator.identity.tokens import (
    OIDC_SCOPES,
    REFRESH_AUDIENCE,
    RESOURCE,
    Signer,
    app_access_claims,
    b64url,
    client_info,
    common_claims,
    id_token_claims,
    new_signing_key,
    refresh_claims,
    user_access_claims,
)
from ocm_tool.emulator.models.access import Principal
from ocm_tool.emulator.models.store import App, Store, User

#: Tenant segments that stand for "the tenant of the user who signs in".
MULTI_TENANT_SEGMENTS = frozenset({"organizations", "common"})

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
AUTHORIZATION_CODE_LIFETIME = 600


def _with_query(uri: str, params: Mapping[str, str]) -> str:
    return f"{uri}{'&' if urlsplit(uri).query else '?'}{urlencode(params)}"


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
        self._initial = (token_lifetime, auto_approve_as)
        self._pending = PendingSignIns()
        self.reset()

    def reset(self) -> None:
        """Back to the state of a new ``Identity`` over the store as it is now.

        The settings are those given at construction (and the device-code defaults), sign-ins
        in progress are forgotten, and the signing key is read from the store again: after a
        ``Store.load_tenant`` that is a new key, so tokens issued before are refused, as after
        a restart with a new tenant.
        """
        self.token_lifetime, self.auto_approve_as = self._initial
        self.device_code_lifetime = 900
        #: Seconds msal waits between polls; Microsoft's is 5, 1 keeps tests and demos quick.
        self.device_code_interval = 1
        self._pending.clear()
        self._signer = Signer(self.store.secret("signing-key", new_signing_key))

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
        routes: list[tuple[str, RouteCallable, list[str]]] = [
            (
                "/<tenant>/v2.0/.well-known/openid-configuration",
                self._openid_configuration,
                ["GET"],
            ),
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
        """Check a ``Bearer`` header; raise ``exceptions.invalid_token`` (401)."""
        scheme, _, token = (authorization_header or "").strip().partition(" ")
        if not authorization_header:
            raise invalid_token("Access token is empty.")
        if scheme.lower() != "bearer" or not token.strip():
            raise invalid_token("Authorization header is not a Bearer token.")
        try:
            claims = self._signer.decode(token.strip(), RESOURCE)
        except jwt.ExpiredSignatureError:
            raise invalid_token("Lifetime validation failed, the token is expired.") from None
        except jwt.InvalidAudienceError:
            raise invalid_token(f"Invalid audience: the token is not for {RESOURCE}.") from None
        except jwt.InvalidSignatureError:
            raise invalid_token("Signature validation failed.") from None
        except jwt.InvalidTokenError as exc:
            raise invalid_token(f"The access token is not valid: {exc}.") from None
        client_id = str(claims.get("appid") or claims.get("azp") or "")
        if "scp" in claims:  # delegated tokens carry scp; app-only tokens do not
            return Principal(
                "user", client_id, upn=claims.get("upn"), roles=tuple(claims.get("wids", ()))
            )
        return Principal("app", client_id, roles=tuple(claims.get("roles", ())))

    def approve_device_code(self, user_code: str, upn: str) -> None:
        """Sign ``upn`` in for a pending device code, as the user would in a browser."""
        if self.store.user(upn) is None:
            raise bad_request(f"No user {upn} in this tenant.")
        self._pending.approve(user_code, upn)

    def decline_device_code(self, user_code: str) -> None:
        """Refuse a pending device code, as a user who pressed "Cancel"."""
        self._pending.decline(user_code)

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
                "client_secret_post",
                "client_secret_basic",
                "private_key_jwt",
            ],
            grant_types_supported=[
                "authorization_code",
                "client_credentials",
                "password",
                "refresh_token",
                DEVICE_CODE_GRANT,
            ],
            code_challenge_methods_supported=["S256", "plain"],
            claims_supported=[
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "nbf",
                "name",
                "preferred_username",
                "oid",
                "tid",
                "nonce",
                "ver",
            ],
            tenant_region_scope=None,
            cloud_instance_name=urlsplit(request.host_url).hostname,
        )

    def _keys(self, tenant: str) -> Response:
        self._check_tenant(tenant)
        return jsonify(self.jwks)

    def _user_realm(self, username: str) -> Response:
        # Microsoft answers federation metadata here; 404 makes msal use the plain password grant.
        answer = jsonify(
            error="not_found", error_description="User realm discovery is not offered."
        )
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
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{grant_type}'.",
            )
        answer = jsonify(grant(form, tenant))
        answer.headers["Cache-Control"] = "no-store"
        return answer

    def _grant_client_credentials(self, form: Mapping[str, str], tenant: str) -> dict:
        if tenant.lower() in MULTI_TENANT_SEGMENTS:
            raise OAuthError(
                "invalid_request",
                90002,
                f"Use a tenant-specific endpoint for client credentials, not '/{tenant}'.",
            )
        app = self._authenticate_client(form, required=True)
        assert app is not None
        scopes = form.get("scope", "").split()
        if scopes != [f"{RESOURCE}/.default"]:
            raise OAuthError(
                "invalid_scope",
                1002012,
                f"The provided value for scope {' '.join(scopes)} is not valid. Client "
                f"credential flows must have a scope value with /.default suffixed to the "
                f"resource identifier ({RESOURCE}/.default).",
            )
        now = int(time.time())
        access_token = self._signer.sign(app_access_claims(self._common_claims(now), app))
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
        flow = self._pending.redeem_device_code(form.get("device_code", ""), form.get("client_id"))
        assert flow.upn is not None  # redeem_device_code hands out approved codes only
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
                "invalid_grant",
                9002313,
                "Invalid request. The refresh token is malformed or "
                "was not issued by this server (it restarts with a new key).",
            ) from None
        if claims.get("azp") != form.get("client_id"):
            raise OAuthError(
                "invalid_grant",
                70000,
                "The refresh token was issued to a different client id.",
            )
        user = self._user(claims["upn"])
        scopes = self._delegated_scopes(form) if form.get("scope") else tuple(claims["scopes"])
        return self._user_tokens(user, form, scopes)

    def _grant_authorization_code(self, form: Mapping[str, str], tenant: str) -> dict:
        self._authenticate_client(form, required=False)
        grant = self._pending.redeem_authorization_code(form.get("code", ""))
        if grant is None or time.time() >= grant.expires_at:
            raise OAuthError(
                "invalid_grant",
                70008,
                "The provided authorization code is expired, unknown or already redeemed.",
            )
        if grant.client_id != form.get("client_id") or grant.redirect_uri != form.get(
            "redirect_uri"
        ):
            raise OAuthError(
                "invalid_grant",
                50148,
                "The client id or redirect URI does not match the authorization request.",
            )
        if grant.code_challenge is not None:
            verifier = form.get("code_verifier", "")
            expected = (
                b64url(hashlib.sha256(verifier.encode("ascii")).digest())
                if grant.code_challenge_method == "S256"
                else verifier
            )
            if not verifier or not hmac.compare_digest(expected, grant.code_challenge):
                raise OAuthError(
                    "invalid_grant",
                    501481,
                    "The Code_Verifier does not match the "
                    "code_challenge supplied in the authorization request.",
                )
        return self._user_tokens(self._user(grant.upn), form, grant.scopes, nonce=grant.nonce)

    # -- device code ----------------------------------------------------------------------

    def _devicecode(self, tenant: str) -> Response:
        self._check_tenant(tenant)
        form = request.form
        client_id = form.get("client_id", "")
        if not client_id:
            raise OAuthError(
                "invalid_request", 900144, "The request body must contain 'client_id'."
            )
        flow = DeviceCode(
            device_code=secrets.token_urlsafe(32),
            user_code=new_user_code(),
            client_id=client_id,
            scopes=self._delegated_scopes(form),
            expires_at=time.time() + self.device_code_lifetime,
            upn=self.auto_approve_as,
        )
        self._pending.add_device_code(flow)
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
            return pages.device_login_page(error=None, form={})
        user_code = form.get("user_code", "").strip().upper()
        try:
            if form.get("action") == "decline":
                self.decline_device_code(user_code)
                return pages.done_page("You declined the sign-in.")
            user = self._check_password(form.get("username", ""), form.get("password", ""))
            self.approve_device_code(user_code, user.upn)
        except (ApiProblem, OAuthError) as exc:
            message = exc.message if isinstance(exc, ApiProblem) else exc.description
            return pages.device_login_page(error=message, form=form)
        return pages.done_page(f"You signed in as {user.upn}. You may now close this window.")

    # -- browser (authorization code) ------------------------------------------------------

    def _authorize(self, tenant: str) -> BaseResponse | str:
        self._check_tenant(tenant)
        params = request.values.to_dict()
        redirect_uri = params.get("redirect_uri", "")
        if not is_loopback_redirect(redirect_uri):
            return Response(
                pages.done_page(
                    "AADSTS50011: The redirect URI must be a loopback http address "
                    "(http://localhost:PORT).",
                ),
                status=400,
            )
        if params.get("response_type") != "code" or not params.get("client_id"):
            return self._authorization_answer(
                params,
                {
                    "error": "unsupported_response_type",
                    "error_description": "AADSTS700054: response_type must be 'code' and "
                    "client_id must be given.",
                },
            )
        form_fields = {k: v for k, v in params.items() if k not in ("username", "password")}
        if "password" in params:  # the sign-in form was submitted
            try:
                user = self._check_password(params.get("username", ""), params["password"])
            except OAuthError as exc:
                return pages.sign_in_page(
                    form_fields, error=exc.description, username=params.get("username", "")
                )
            return self._issue_authorization_code(params, user)
        hint = params.get("login_hint")
        auto = self.auto_approve_as
        if auto and (not hint or hint.lower() == auto.lower()):
            auto_user = self.store.user(auto)
            if auto_user is not None:
                return self._issue_authorization_code(params, auto_user)
        return pages.sign_in_page(form_fields, error=None, username=hint or "")

    def _issue_authorization_code(
        self, params: Mapping[str, str], user: User
    ) -> BaseResponse | str:
        code = secrets.token_urlsafe(32)
        grant = AuthorizationCode(
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            scopes=self._delegated_scopes(params),
            upn=user.upn,
            nonce=params.get("nonce"),
            code_challenge=params.get("code_challenge"),
            code_challenge_method=params.get("code_challenge_method", "plain"),
            expires_at=time.time() + AUTHORIZATION_CODE_LIFETIME,
        )
        self._pending.add_authorization_code(code, grant)
        return self._authorization_answer(params, {"code": code})

    def _authorization_answer(
        self, params: Mapping[str, str], answer: dict[str, str]
    ) -> BaseResponse | str:
        """Hand ``answer`` to the redirect URI: a self-posting form (form_post) or a redirect."""
        if params.get("state") is not None:
            answer = {**answer, "state": params["state"]}
        if params.get("response_mode") == "form_post":
            return pages.form_post_page(params["redirect_uri"], answer)
        return redirect(_with_query(params["redirect_uri"], answer), code=302)

    # -- building blocks ------------------------------------------------------------------

    def _check_tenant(self, tenant: str) -> None:
        known = {self.store.tenant_name.lower(), self.tenant_id, *MULTI_TENANT_SEGMENTS}
        if tenant.lower() not in known:
            raise OAuthError(
                "invalid_tenant",
                90002,
                f"Tenant '{tenant}' not found. Check the tenant name or id in the authority.",
            )

    def _issuer(self) -> str:
        return f"{request.host_url}{self.store.tenant_name}/v2.0"

    def _common_claims(self, now: int) -> dict:
        return common_claims(
            issuer=self._issuer(), tenant_id=self.tenant_id, now=now, lifetime=self.token_lifetime
        )

    def _user(self, upn: str) -> User:
        user = self.store.user(upn)
        if user is None:
            raise OAuthError(
                "invalid_grant",
                50034,
                f"The user account {upn} does not exist in the {self.store.tenant_name} directory.",
            )
        return user

    def _check_password(self, username: str, password: str) -> User:
        user = self._user(username)
        if not hmac.compare_digest(user.password.encode(), password.encode()):
            raise OAuthError(
                "invalid_grant",
                50126,
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
                "invalid_scope",
                70011,
                f"The provided value for the input parameter 'scope' is not valid: "
                f"'{' '.join(scopes)}'. Ask for {RESOURCE}/.default.",
            )
        return scopes

    def _authenticate_client(self, form: Mapping[str, str], *, required: bool) -> App | None:
        """The registered app behind this request's secret or assertion (``clients``)."""
        return authenticate_client(
            self.store,
            form,
            basic=request.authorization,
            token_url=request.base_url,
            required=required,
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
        access_token = self._signer.sign(
            user_access_claims(self._common_claims(now), user, client_id, scopes)
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
                refresh_claims(
                    issuer=self._issuer(), now=now, client_id=client_id, user=user, scopes=scopes
                )
            )
        if "openid" in scopes:
            answer["id_token"] = self._signer.sign(
                id_token_claims(
                    self._common_claims(now), now=now, user=user, client_id=client_id, nonce=nonce
                )
            )
        if form.get("client_info") == "1":
            answer["client_info"] = client_info(user, self.tenant_id)
        return answer
