"""Logging in, sessions, CSRF, hostile input, admin forms, headers and limits."""

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import AuthSession, Team, TeamMember, User
from app.accounts.security import hash_password
from app.audit.models import AuditEntry
from app.cli import main as cli
from app.core.config import Settings, settings
from app.core.db import session_scope
from tests.support.accounts import (
    BASE_USERS,
    PASSWORD,
    create_account,
    current_code,
    login,
    post_code,
    post_login,
    set_password,
    user_id,
)

CASEWORKER = BASE_USERS["caseworker"][0]


def test_login_sets_a_safe_session_cookie_and_logout_ends_it(
    db: str, anonymous: TestClient
) -> None:
    response = post_login(anonymous, CASEWORKER, PASSWORD)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "vs_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain HTTP on localhost
    # The password alone reaches the second-factor page and nothing else.
    assert response.headers["location"].startswith("/login/second-factor")
    assert anonymous.get("/api/v1/me").status_code == 401
    assert (
        anonymous.get("/recordings", follow_redirects=False)
        .headers["location"]
        .startswith("/login")
    )
    assert (
        "/login/second-factor"
        in anonymous.get("/login", follow_redirects=False).headers["location"]
    )
    done = post_code(anonymous, current_code(CASEWORKER))
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert anonymous.get("/api/v1/me").json()["email"] == CASEWORKER
    token = anonymous.cookies.get("vs_csrf")
    assert (
        anonymous.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    assert anonymous.get("/api/v1/me").status_code == 401
    with session_scope() as session:
        assert session.exec(select(AuthSession)).all() == []


def test_cookies_are_secure_behind_https(db: str, anonymous: TestClient) -> None:
    # Behind a proxy: tests/test_csrf.py (X-Forwarded-Proto counts only from a trusted one).
    anonymous.base_url = anonymous.base_url.copy_with(scheme="https")
    response = post_login(anonymous, CASEWORKER, cookie="__Host-vs_csrf")
    assert "secure" in response.headers["set-cookie"].lower()
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_wrong_password_and_unknown_user_get_the_same_answer(
    db: str, anonymous: TestClient
) -> None:
    wrong = post_login(anonymous, CASEWORKER, "not the password at all")
    unknown = post_login(anonymous, "nobody@kommune.test", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "Forkert e-mail eller adgangskode" in wrong.text and "Forkert e-mail" in unknown.text
    with session_scope() as session:
        failed = session.exec(select(AuditEntry).where(AuditEntry.action == "login_failed")).all()
    assert {"nobody@kommune.test", CASEWORKER} <= {e.detail for e in failed}


def test_repeated_failures_lock_the_account(db: str, anonymous: TestClient) -> None:
    for _ in range(settings.login_max_failures):
        assert post_login(anonymous, CASEWORKER, "guess guess guess").status_code == 401
    locked = post_login(anonymous, CASEWORKER, PASSWORD)  # even the right password
    assert locked.status_code == 429
    assert "For mange forkerte forsøg" in locked.text
    assert anonymous.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    "email",
    [
        "' OR '1'='1",
        "sara@kommune.test' --",
        'admin@x.dk"; DROP TABLE "user"; --',
        "<script>alert(1)</script>@x.dk",
        "x" * 300 + "@kommune.test",
        "",
        "\x00@x.dk",
    ],
    ids=["or-true", "comment", "drop-table", "script", "too-long", "empty", "nul"],
)
def test_hostile_login_input_is_refused_cleanly(email: str, db: str, anonymous: TestClient) -> None:
    response = post_login(anonymous, email, "' OR 1=1 --")
    assert response.status_code in (401, 422)
    assert "<script>alert(1)</script>" not in response.text
    assert anonymous.get("/api/v1/me").status_code == 401
    with session_scope() as session:  # the users table is intact
        assert len(session.exec(select(User)).all()) >= len(BASE_USERS)


def test_over_long_password_is_refused(db: str, anonymous: TestClient) -> None:
    response = post_login(anonymous, CASEWORKER, "p" * 10_000)
    assert response.status_code == 422


def test_wrong_or_missing_csrf_token_is_refused(db: str, anonymous: TestClient) -> None:
    assert post_login(anonymous, CASEWORKER, PASSWORD, token="forged").status_code == 403
    assert post_login(anonymous, CASEWORKER, PASSWORD, token=None).status_code == 403
    client = login(anonymous, CASEWORKER)
    # An API call with the session cookie but without the header (a cross-site request).
    del client.headers["X-CSRF-Token"]
    response = client.post("/api/v1/recordings/abc/shares", json={"user_id": 1})
    assert response.status_code == 403
    assert "Genindlæs siden" in response.json()["detail"]
    response = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "x" * 12, "repeat": "x" * 12, "csrf_token": "bad"},
    )
    assert response.status_code == 403


def test_session_of_a_deleted_user_is_refused(db: str, client: TestClient, client_for) -> None:  # type: ignore[no-untyped-def]
    admin = client_for("administrator")
    link = create_account(admin, "temp@kommune.test", "Tina Temp")
    set_password(TestClient(client.app), link, "a long enough password")
    temp = login(TestClient(client.app), "temp@kommune.test", "a long enough password")
    assert temp.get("/api/v1/me").status_code == 200
    with session_scope() as session:
        temp_id = session.exec(select(User).where(User.email == "temp@kommune.test")).one().id
    deleted = admin.post(
        f"/admin/users/{temp_id}/delete",
        data={"csrf_token": admin.cookies.get("vs_csrf")},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    assert temp.get("/api/v1/me").status_code == 401
    page = temp.get("/recordings", follow_redirects=False)
    assert page.status_code == 302 and page.headers["location"].startswith("/login")


def test_deactivated_user_is_logged_out_at_once(db: str, client: TestClient, client_for) -> None:  # type: ignore[no-untyped-def]
    admin = client_for("administrator")
    response = admin.post(
        f"/admin/users/{user_id('caseworker')}",
        data={"role": "caseworker", "csrf_token": admin.cookies.get("vs_csrf")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert client.get("/api/v1/me").status_code == 401
    assert post_login(TestClient(client.app), CASEWORKER, PASSWORD).status_code == 401


def test_change_password_ends_other_sessions(db: str, client: TestClient, client_for) -> None:  # type: ignore[no-untyped-def]
    other_browser = login(TestClient(client.app), CASEWORKER)
    form = {
        "current": PASSWORD,
        "new": "a brand new passphrase",
        "repeat": "a brand new passphrase",
        "csrf_token": client.cookies.get("vs_csrf"),
    }
    assert client.post("/account/password", data={**form, "current": "wrong"}).status_code == 422
    assert client.post("/account/password", data={**form, "repeat": "other"}).status_code == 422
    short = {**form, "new": "short", "repeat": "short"}
    assert client.post("/account/password", data=short).status_code == 422
    done = client.post("/account/password", data=form, follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/api/v1/me").status_code == 200  # this browser got a fresh session
    assert other_browser.get("/api/v1/me").status_code == 401
    assert (
        post_login(TestClient(client.app), CASEWORKER, "a brand new passphrase").status_code == 303
    )
    with session_scope() as session:  # put the base password back for later tests
        from app.accounts import security

        user = session.exec(select(User).where(User.email == CASEWORKER)).one()
        user.password_hash = security.hash_password(PASSWORD)


def test_admin_creates_users_and_teams_in_the_web_app(db: str, client_for) -> None:  # type: ignore[no-untyped-def]
    admin = client_for("administrator")
    token = admin.cookies.get("vs_csrf")
    form = admin.get("/admin/users").text
    assert 'type="password"' not in form and 'name="password"' not in form
    user = {
        "email": "Ny.Bruger@Kommune.test",
        "name": "Ny Bruger",
        "role": "supervisor",
        "csrf_token": token,
    }
    made = admin.post("/admin/users", data=user, follow_redirects=False)
    assert made.status_code == 200 and "/account/link/" in made.text
    again = admin.post("/admin/users", data=user)
    assert again.status_code == 409 and "findes allerede" in again.text
    bad = admin.post("/admin/users", data={**user, "email": "ikke en adresse"})
    assert bad.status_code == 422 and "gyldig e-mailadresse" in bad.text
    assert (
        admin.post(
            "/admin/teams", data={"name": "Team Nord", "csrf_token": token}, follow_redirects=False
        ).status_code
        == 303
    )
    with session_scope() as session:
        new = session.exec(select(User).where(User.email == "ny.bruger@kommune.test")).one()
        team = session.exec(select(Team).where(Team.name == "Team Nord")).one()
    members = admin.post(
        f"/admin/teams/{team.id}/members",
        data={"member": [str(new.id), str(user_id("caseworker"))], "csrf_token": token},
        follow_redirects=False,
    )
    assert members.status_code == 303
    with session_scope() as session:
        ids = set(session.exec(select(TeamMember.user_id).where(TeamMember.team_id == team.id)))
    assert ids == {new.id, user_id("caseworker")}
    assert "Team Nord" in admin.get("/admin/teams").text
    # Only the administrator gets here.
    assert client_for("supervisor").post("/admin/teams", data={"name": "X"}).status_code == 403


def test_admin_cannot_lock_themself_out(db: str, client_for) -> None:  # type: ignore[no-untyped-def]
    admin = client_for("administrator")
    response = admin.post(
        f"/admin/users/{user_id('administrator')}",
        data={"role": "caseworker", "active": "1", "csrf_token": admin.cookies.get("vs_csrf")},
    )
    assert response.status_code == 422
    assert admin.get("/admin/users").status_code == 200


def test_retention_settings_are_validated(db: str, client_for) -> None:  # type: ignore[no-untyped-def]
    admin = client_for("administrator")
    token = admin.cookies.get("vs_csrf")
    bad = admin.post(
        "/admin/settings",
        data={"default_days": 400, "max_days": 365, "warn_days": 14, "csrf_token": token},
    )
    assert bad.status_code == 422
    good = admin.post(
        "/admin/settings",
        data={"default_days": 30, "max_days": 180, "warn_days": 7, "csrf_token": token},
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert 'value="30"' in admin.get("/admin/settings").text


def test_first_admin_from_the_cli(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    cli(["create-admin", "--email", "IT@kommune.test", "--name", "IT", "--password", "x" * 16])
    assert "it@kommune.test" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="findes allerede"):
        cli(["create-admin", "--email", "it@kommune.test", "--password", "x" * 16])
    with pytest.raises(SystemExit, match="mindst 12"):
        cli(["create-admin", "--email", "new@kommune.test", "--password", "short"])
    login(TestClient(__import__("app.main").main.app), "it@kommune.test", "x" * 16)


def test_demo_users_are_made_once_and_printed(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from tests.support.database import migrate

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrate(url)  # has the base users: not empty, so nothing is made
    previous = settings.database_url
    settings.database_url = url
    try:
        with session_scope() as session:
            for user in session.exec(select(User)):
                session.delete(user)
        cli(["demo-users"])
        first = capsys.readouterr().out
        cli(["demo-users"])
        second = capsys.readouterr().out
    finally:
        settings.database_url = previous
    assert "admin@demo.local" in first and "sagsbehandler@demo.local" in first
    assert first.splitlines()[1:6] == second.splitlines()[1:6]  # same logins, not new ones


def test_pages_and_api_send_protective_headers(db: str, client: TestClient) -> None:
    for path in ("/recordings", "/login", "/api/v1/recordings"):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "http" not in csp  # no outside sources at all
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "no-store" in response.headers["cache-control"]
    assert "server" not in client.get("/login").headers


def test_request_bodies_are_limited_everywhere(db: str, client: TestClient) -> None:
    big = "x" * (settings.max_request_bytes + 10)
    response = client.post(
        "/login", content=big, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"x" * 65536

    streamed = client.patch(
        "/api/v1/recordings/abc/transcript/segments/1",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert streamed.status_code == 413


def test_admin_cannot_join_a_team_to_see_its_recordings(db: str, client_for) -> None:  # type: ignore[no-untyped-def]
    admin = client_for("administrator")
    token = admin.cookies.get("vs_csrf")
    admin.post("/admin/teams", data={"name": "Team Syd", "csrf_token": token})
    with session_scope() as session:
        team = session.exec(select(Team).where(Team.name == "Team Syd")).one()
    response = admin.post(
        f"/admin/teams/{team.id}/members",
        data={
            "member": [str(user_id("administrator")), str(user_id("supervisor"))],
            "csrf_token": token,
        },
    )
    assert response.status_code == 403 and "sig selv" in response.text
    with session_scope() as session:
        assert session.exec(select(TeamMember).where(TeamMember.team_id == team.id)).all() == []


def test_passwords_are_hashed_at_the_libraries_recommended_cost_unless_set() -> None:
    """The suite sets a cheap cost (tests/support/environment.py); an installation gets
    argon2's recommended one."""
    recommended = PasswordHasher()
    fields = Settings.model_fields
    assert fields["password_hash_time_cost"].default == recommended.time_cost
    assert fields["password_hash_memory_kib"].default == recommended.memory_cost
    assert hash_password("x").startswith(
        f"$argon2id$v=19$m={settings.password_hash_memory_kib},t={settings.password_hash_time_cost},"
    )
