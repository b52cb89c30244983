"""The OpenID Connect protocol with the municipality's provider (Authlib): discovery, the
authorization request (code flow with PKCE and a nonce), the code exchange, the ID token's
checks, and the address that signs the person out there too."""

import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from app.core.config import settings
from app.core.timeutil import utcnow

TIMEOUT = 10.0
METADATA_SECONDS = 600  # discovery and keys are read again after this long
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_cache_lock = threading.Lock()


class ProviderError(Exception):
    """The provider's answer cannot be trusted or used; `reason` goes to the audit log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:200]


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and what only this browser may know until it returns."""

    url: str
    state: str
    nonce: str
    verifier: str  # PKCE: the provider gets only its SHA-256


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderError(f"provider unreachable: {type(exc).__name__}") from exc
    if not isinstance(data, dict):
        raise ProviderError("provider answered no JSON object")
    return data


def _cached(key: str, load: Any, force: bool = False) -> dict[str, Any]:
    with _cache_lock:
        hit = _cache.get(key)
        if hit and not force and time.monotonic() - hit[0] < METADATA_SECONDS:
            return hit[1]
    value: dict[str, Any] = load()
    with _cache_lock:
        _cache[key] = (time.monotonic(), value)
    return value


def metadata() -> dict[str, Any]:
    """The provider's discovery document; its issuer must be exactly the configured one."""
    issuer = settings.oidc_issuer.rstrip("/")
    data = _cached(
        f"meta {issuer}", lambda: _get_json(f"{issuer}/.well-known/openid-configuration")
    )
    if data.get("issuer") != settings.oidc_issuer:
        raise ProviderError("discovery names another issuer")
    return data


def _keys(force: bool = False) -> KeySet:
    uri = str(metadata().get("jwks_uri", ""))
    return KeySet.import_key_set(_cached(f"jwks {uri}", lambda: _get_json(uri), force))  # type: ignore[arg-type]


def _client(redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        scope=settings.oidc_scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=TIMEOUT,
    )


def authorization_request(*, redirect_uri: str) -> AuthorizationRequest:
    """A fresh state, nonce and PKCE verifier, and the provider's address carrying them."""
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    with _client(redirect_uri) as client:
        url, _ = client.create_authorization_url(
            metadata()["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce
        )
    return AuthorizationRequest(url=url, state=state, nonce=nonce, verifier=verifier)


def exchange(*, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
    """The code for tokens, at the token endpoint with the client's secret and the verifier."""
    try:
        with _client(redirect_uri) as client:
            token = client.fetch_token(
                metadata()["token_endpoint"], code=code, code_verifier=verifier
            )
    except (OAuthError, httpx.HTTPError, ValueError) as exc:
        raise ProviderError(f"code exchange refused: {exc}") from exc
    if not token.get("id_token"):
        raise ProviderError("no ID token in the token response")
    return dict(token)


def verify_id_token(
    *, id_token: str, nonce: str, access_token: str | None = None
) -> dict[str, Any]:
    """The ID token's claims once its signature (the provider's published keys), issuer,
    audience, times, nonce and access-token hash hold; otherwise ProviderError."""
    meta = metadata()
    algorithms = [
        alg for alg in meta.get("id_token_signing_alg_values_supported", ["RS256"])
        if alg != "none" and not alg.startswith("HS")
    ]  # fmt: skip
    registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
    try:
        try:
            token = jwt.decode(id_token, key=_keys(), registry=registry)
        except InvalidKeyIdError:  # the provider rolled its keys
            token = jwt.decode(id_token, key=_keys(force=True), registry=registry)
        options = {
            "iss": {"essential": True, "value": settings.oidc_issuer},
            "aud": {"essential": True, "value": settings.oidc_client_id},
        }
        params = {"nonce": nonce, "client_id": settings.oidc_client_id}
        if access_token:
            params["access_token"] = access_token
        claims = CodeIDToken(token.claims, token.header, options, params)  # type: ignore[arg-type]
        claims.validate(now=int(utcnow().timestamp()), leeway=settings.oidc_clock_leeway_seconds)
    except (JoseError, ValueError) as exc:
        raise ProviderError(f"ID token refused: {type(exc).__name__}: {exc}") from exc
    return dict(claims)


def end_session_url(*, id_token: str, post_logout_redirect_uri: str) -> str | None:
    """RP-initiated logout at the provider, where it offers it."""
    try:
        endpoint = metadata().get("end_session_endpoint")
    except ProviderError:
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "client_id": settings.oidc_client_id,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
