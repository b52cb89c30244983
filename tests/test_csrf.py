"""CSRF tokens bound to the login, `__Host-` cookies under HTTPS, and the own-origin check.

The attack (issue 6, point 2): a page on the same host name but another port (or a sibling
subdomain) shares the app's cookies, counts as "same-site", and can plant a `vs_csrf`
cookie; before the fix any such cookie with a matching field or header passed.
"""

import http.server
import threading
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from app.access.models import Share
from app.core.config import settings
from app.core.db import session_scope
from tests.support.accounts import (
    BASE_USERS,
    PASSWORD,
    ClientFor,
    current_code,
    live_client,
    post_code,
    post_login,
    user_id,
)
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import upload
from tests.support.servers import free_port

CASEWORKER = BASE_USERS["caseworker"][0]


def share_count() -> int:
    with session_scope() as session:
        return int(session.exec(select(func.count()).select_from(Share)).one())


@pytest.fixture
def recording(sqlite_db: str, client: TestClient, media: MediaSet) -> str:
    response = upload(client, media.encoded(FORMATS[6]))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def share_form(client: TestClient, rid: str, token: str, **headers: str) -> httpx.Response:
    """The share form as a browser without JavaScript sends it: the token in a field only."""
    data = {"target": f"user:{user_id('supervisor')}", "csrf_token": token}
    sent = {"X-CSRF-Token": "", **headers}
    return client.post(f"/recordings/{rid}/shares", data=data, headers=sent, follow_redirects=False)


def test_a_planted_token_cookie_is_refused(recording: str, client: TestClient) -> None:
    """The old attack: plant `vs_csrf=X` and send X in the form; no share is made."""
    del client.headers["X-CSRF-Token"]
    # What a Set-Cookie from another port does: it replaces the app's own cookie.
    client.cookies.delete("vs_csrf")
    client.cookies.set("vs_csrf", "planted-by-another-port")
    response = share_form(client, recording, "planted-by-another-port")
    assert response.status_code == 403, response.text
    response = client.post(
        f"/api/v1/recordings/{recording}/shares",
        json={"user_id": user_id("supervisor")},
        headers={"X-CSRF-Token": "planted-by-another-port"},
    )
    assert response.status_code == 403, response.text
    assert share_count() == 0


def test_the_token_belongs_to_one_login(
    recording: str, client: TestClient, client_for: ClientFor, anonymous: TestClient
) -> None:
    mine = str(client.headers["X-CSRF-Token"])
    # Another person's valid token does not work in this session, nor mine in theirs.
    theirs = client_for("caseworker2")
    assert share_form(client, recording, str(theirs.headers["X-CSRF-Token"])).status_code == 403
    assert share_count() == 0
    # The page's own token does.
    page = client.get(f"/recordings/{recording}").text
    assert f'value="{mine}"' in page and f'content="{mine}"' in page
    assert share_form(client, recording, mine).status_code == 303
    assert share_count() == 1


def test_login_form_has_its_own_prelogin_token(sqlite_db: str, anonymous: TestClient) -> None:
    page = anonymous.get("/login").text
    prelogin = anonymous.cookies["vs_csrf"]
    assert f'value="{prelogin}"' in page
    data = {"email": CASEWORKER, "password": PASSWORD}
    # A token another browser got from the login page does not log this one in.
    other = TestClient(anonymous.app)
    other.get("/login")
    foreign = {**data, "csrf_token": other.cookies["vs_csrf"]}
    assert anonymous.post("/login", data=foreign, follow_redirects=False).status_code == 403
    ok = anonymous.post("/login", data={**data, "csrf_token": prelogin}, follow_redirects=False)
    assert ok.status_code == 303
    # After login the pre-login token is spent: the session has its own.
    session_token = anonymous.cookies["vs_csrf"]
    assert session_token != prelogin
    password = {"current": "x", "new": "y", "repeat": "y"}
    spent = {**password, "csrf_token": prelogin}
    assert anonymous.post("/account/password", data=spent).status_code == 403
    # And logging out ends the session's token too.
    anonymous.post("/logout", data={"csrf_token": session_token}, follow_redirects=False)
    assert anonymous.cookies["vs_csrf"] != session_token


@pytest.mark.parametrize(
    ("header", "value", "status"),
    [
        ("Origin", "http://testserver", 303),
        ("Origin", "http://testserver:80", 303),
        ("Referer", "http://testserver/recordings/x", 303),
        ("Origin", "http://testserver:8001", 403),
        ("Origin", "https://testserver", 403),
        ("Origin", "http://evil.testserver", 403),
        ("Origin", "http://testserver.evil.example", 403),
        ("Origin", "null", 403),
        ("Referer", "http://testserver:9999/attack.html", 403),
    ],
)
def test_state_changes_come_from_our_own_origin(
    header: str, value: str, status: int, recording: str, client: TestClient
) -> None:
    """Even with the right token: another port or a sibling is not our origin."""
    response = share_form(client, recording, str(client.headers["X-CSRF-Token"]), **{header: value})
    assert response.status_code == status, response.text
    assert share_count() == (1 if status == 303 else 0)
    if status == 403:
        assert "anden side end Videosparring" in response.text


def test_public_url_setting_names_our_origin(
    recording: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "public_url", "https://sparring.kommune.dk/")
    token = str(client.headers["X-CSRF-Token"])
    assert share_form(client, recording, token, Origin="http://testserver").status_code == 403
    ok = share_form(client, recording, token, Origin="https://sparring.kommune.dk")
    assert ok.status_code == 303


def test_host_prefixed_cookies_under_https(sqlite_db: str) -> None:
    from app.main import app

    with TestClient(app, base_url="https://testserver") as browser:
        browser.get("/login")
        assert set(browser.cookies.keys()) == {"__Host-vs_prelogin", "__Host-vs_csrf"}
        response = post_login(browser, CASEWORKER, cookie="__Host-vs_csrf")
        assert response.status_code == 303
        cookies = response.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("__Host-vs_session="))
        assert "Secure" in session and "Path=/" in session and "Domain" not in session
        done = post_code(browser, current_code(CASEWORKER), cookie="__Host-vs_csrf")
        assert done.status_code == 303
        assert browser.get("/api/v1/me").status_code == 200
        # A plain (sibling-planted) session cookie means nothing under HTTPS.
        value = browser.cookies["__Host-vs_session"]
        del browser.cookies["__Host-vs_session"]
        browser.cookies.set("vs_session", value)
        assert browser.get("/api/v1/me").status_code == 401


def test_forwarded_proto_only_from_a_trusted_proxy(
    sqlite_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.main import app

    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sparring.kommune.dk"}
    with TestClient(app, client=("10.0.0.5", 40000)) as browser:
        browser.get("/login", headers=forwarded)
        assert "vs_csrf" in browser.cookies  # not trusted: plain http
    monkeypatch.setattr(settings, "trusted_proxies", "10.0.0.0/8")
    with TestClient(app, client=("10.0.0.5", 40000)) as browser:
        response = browser.get("/login", headers=forwarded)
        cookies = sent_cookies(response)
        assert set(cookies) == {"__Host-vs_prelogin", "__Host-vs_csrf"}
        # The test client keeps no Secure cookie on plain http: send them as the browser would.
        jar = "; ".join(f"{k}={v}" for k, v in cookies.items())
        data = {"email": CASEWORKER, "password": PASSWORD, "csrf_token": cookies["__Host-vs_csrf"]}
        other = {**forwarded, "Cookie": jar, "Origin": "http://sparring.kommune.dk:8080"}
        refused = browser.post("/login", data=data, headers=other, follow_redirects=False)
        assert refused.status_code == 403
        own = {**forwarded, "Cookie": jar, "Origin": "https://sparring.kommune.dk"}
        response = browser.post("/login", data=data, headers=own, follow_redirects=False)
        assert response.status_code == 303
        assert "__Host-vs_session" in sent_cookies(response)


def sent_cookies(response: httpx.Response) -> dict[str, str]:
    pairs = (c.split(";")[0].split("=", 1) for c in response.headers.get_list("set-cookie"))
    return {name: value for name, value in pairs}


# --------------------------------------------------------------------------- Chromium


class _AttackPage(http.server.BaseHTTPRequestHandler):
    """Serves one page that plants a token cookie and posts the share form at once."""

    page = b""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        # Cookies do not keep to a port: this reaches the app on its own port too.
        self.send_header("Set-Cookie", "vs_csrf=planted; Path=/")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def attacker() -> Iterator[tuple[str, type[_AttackPage]]]:
    port = free_port()
    handler = type("Handler", (_AttackPage,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
def test_another_port_cannot_post_a_share_in_the_victims_name(
    shared_db: str,
    browser,
    attacker,
    media: MediaSet,  # type: ignore[no-untyped-def]
) -> None:
    from tests.support.browser import log_in

    base = shared_db
    api = live_client(base, "caseworker")
    created = upload(api, media.encoded(FORMATS[6]), title="Samtale", case_reference="SAG-1")
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    target = f"user:{user_id('supervisor')}"
    attack_base, handler = attacker
    handler.page = f"""<!doctype html><html><body>
<form id="f" method="post" action="{base}/recordings/{rid}/shares">
<input name="target" value="{target}"><input name="csrf_token" value="planted">
</form><script>document.getElementById('f').submit();</script></body></html>""".encode()

    context = browser.new_context()
    page = context.new_page()
    try:
        log_in(page, base, "caseworker")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.goto(f"{attack_base}/win-a-prize.html")
        assert posted.value.status == 403
        assert share_count() == 0

        # The same action from the app's own page works.
        page.goto(f"{base}/recordings/{rid}")
        page.select_option("form.share-form select[name=target]", target)
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.click("form.share-form button[type=submit]")
        assert posted.value.status == 303
        assert share_count() == 1
    finally:
        context.close()
        api.close()
