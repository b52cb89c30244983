"""A real OpenID provider on loopback (tests/support/oidc_provider.mjs: the npm package
`oidc-provider`, run with the machine's Node), the app's settings pointed at it, and a
person going through it as a browser would: the provider's sign-in and consent forms,
filled in and sent with a plain HTTP client."""

import html
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.core.config import settings
from app.identity import provider as app_provider
from tests.support import ROOT
from tests.support.servers import free_port, stop, wait_until

CLIENT_ID = "videosparring"
CLIENT_SECRET = "a-test-client-secret-of-enough-length"
OTHER_CLIENT_ID = "another-app"  # registered at the same provider: its tokens are not ours
TEST_CLIENT_BASE = "http://testserver"  # where FastAPI's TestClient says it is
ROLE_CLAIMS = (
    "groups=sparring-admins:administrator; groups=sparring-supervisors:supervisor; "
    "groups=sparring-caseworkers:caseworker"
)
# The people at the provider: their claims, and how they signed in there (amr).
ACCOUNTS: dict[str, dict[str, Any]] = {
    "kari": {
        "claims": {"email": "kari@kommune.test", "name": "Kari Kommune",
                   "groups": ["alle", "sparring-caseworkers"]},
        "amr": ["pwd", "mfa"],
    },
    "ole": {  # in no group the app knows: no role
        "claims": {"email": "ole@kommune.test", "name": "Ole Uden Rolle", "groups": ["alle"]},
        "amr": ["pwd"],
    },
    "sara-at-idp": {  # the same e-mail as a local account (a base user)
        "claims": {"email": "sara@kommune.test", "name": "Sara hos IdP",
                   "groups": ["sparring-caseworkers"]},
        "amr": ["pwd", "otp"],
    },
    "late": {  # ID tokens that expire a second after they are issued
        "claims": {"email": "late@kommune.test", "name": "Lars Sen",
                   "groups": ["sparring-caseworkers"]},
        "amr": ["pwd"],
        "idTokenSeconds": 1,
    },
}  # fmt: skip


@dataclass(frozen=True)
class Provider:
    issuer: str
    process: "subprocess.Popen[bytes]"


def _client(client_id: str, bases: list[str]) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{base}/identity/callback" for base in bases],
        "post_logout_redirect_uris": [f"{base}/login" for base in bases],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }


def _discovered(issuer: str) -> bool:
    try:
        answer = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
    except httpx.TransportError:
        return False
    return answer.status_code == 200


@contextmanager
def running_provider(app_bases: list[str] = [TEST_CLIENT_BASE]) -> Iterator[Provider]:  # noqa: B006
    """oidc-provider on a free loopback port, with this app (at each of `app_bases`) and
    another app as clients; ready once its discovery document answers."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the OpenID provider (install Node 20 and npm)"
    assert (ROOT / "node_modules" / "oidc-provider").is_dir(), (
        "oidc-provider is missing: scripts/test installs it (npm ci, package-lock.json)"
    )
    port = free_port()
    config = {
        "port": port,
        "clients": [_client(CLIENT_ID, app_bases), _client(OTHER_CLIENT_ID, app_bases)],
        "accounts": ACCOUNTS,
    }
    env = {"PATH": "/usr/bin:/bin", "OIDC_TEST_CONFIG": json.dumps(config), "NODE_ENV": "test"}
    process = subprocess.Popen(
        [node, str(ROOT / "tests" / "support" / "oidc_provider.mjs")], cwd=ROOT, env=env
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: process.poll() is not None or _discovered(issuer), 30, f"{issuer} discovery"
        )
        assert process.poll() is None, f"the OpenID provider exited with {process.returncode}"
        yield Provider(issuer=issuer, process=process)
    finally:
        stop(process)


def provider_env(issuer: str, **more: str) -> dict[str, str]:
    """The settings a server process needs to use the provider."""
    return {
        "SPARRING_OIDC_ISSUER": issuer,
        "SPARRING_OIDC_CLIENT_ID": CLIENT_ID,
        "SPARRING_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "SPARRING_OIDC_ROLE_CLAIMS": ROLE_CLAIMS,
        "SPARRING_OIDC_SECOND_FACTOR_FROM_PROVIDER": "true",
        **more,
    }


@contextmanager
def configured(issuer: str) -> Iterator[None]:
    """This process's settings point at the provider for the block."""
    values = {
        "oidc_issuer": issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "oidc_role_claims": ROLE_CLAIMS,
        "oidc_second_factor_from_provider": True,
    }
    previous = {name: getattr(settings, name) for name in values}
    for name, value in values.items():
        setattr(settings, name, value)
    app_provider._cache.clear()
    try:
        yield
    finally:
        for name, value in previous.items():
            setattr(settings, name, value)
        app_provider._cache.clear()


# A person at the provider -------------------------------------------------------------------

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
INPUT = re.compile(r"<input\b([^>]*)>")
ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def _attrs(text: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in ATTR.findall(text)}


def submit_form(browser: httpx.Client, page: httpx.Response, **fields: str) -> httpx.Response:
    """Send the page's first form with its hidden fields and these, as a browser would."""
    found = FORM.search(page.text)
    assert found, f"no form at {page.url}: {page.text[:500]}"
    form, inner = _attrs(found.group(1)), found.group(2)
    data = {
        a["name"]: a.get("value", "") for i in INPUT.findall(inner) if "name" in (a := _attrs(i))
    }
    target = str(page.url.join(form.get("action", "")))
    return browser.post(target, data=data | fields, follow_redirects=False)


def through_provider(at_provider: httpx.Client, start: str, account: str, issuer: str) -> str:
    """From the provider's authorization address: sign in as `account`, allow access; the
    address the provider sends the browser back to (the app's callback)."""
    url = start
    answer = at_provider.get(url, follow_redirects=False)
    for _ in range(12):
        if answer.is_redirect:
            url = str(answer.url.join(answer.headers["location"]))
            if not url.startswith(issuer):
                return url
            answer = at_provider.get(url, follow_redirects=False)
        elif 'name="login"' in answer.text:
            answer = submit_form(at_provider, answer, login=account)
        else:
            answer = submit_form(at_provider, answer)
    raise AssertionError(f"the provider never sent the browser back: {answer.text[:500]}")


def sign_in(
    app: httpx.Client, issuer: str, account: str, *, at_provider: httpx.Client | None = None
) -> httpx.Response:
    """The whole sign-in: the app's button, the provider, the app's callback (not followed)."""
    start = app.get("/identity/login", follow_redirects=False)
    assert start.status_code == 303, start.text
    with httpx.Client(timeout=20) if at_provider is None else _same(at_provider) as browser:
        back = through_provider(browser, start.headers["location"], account, issuer)
    return app.get(back, follow_redirects=False)


@contextmanager
def _same(client: httpx.Client) -> Iterator[httpx.Client]:
    yield client


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
