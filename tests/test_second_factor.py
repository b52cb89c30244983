"""The second factor (issue 18): an administrator who resets someone's password and opens
the link ends at the code they do not have; setting up an authenticator at the first login;
codes that work once; recovery codes; removing a lost one takes two administrators; demo
mode; the notice that reaches the person themself. Real codes throughout (pyotp)."""

from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import AuthSession, RecoveryCode, Role, SecondFactorRemoval, User
from app.cli import main as cli
from app.core.config import settings
from app.core.db import session_scope
from tests.support.access import email_of, ready_recording
from tests.support.accounts import (
    PASSWORD,
    ClientFactory,
    code_at,
    free_step,
    link_path,
    login,
    make_user,
    post_code,
    post_login,
    secret_on_page,
    set_password,
    user_id,
    wait_for_step,
)
from tests.support.audit import entries, last_seq
from tests.support.mail import Inbox
from tests.support.media import MediaSet
from tests.support.sessions import plan

CONTENT = ("", "/media", "/transcript", "/feedback", "/transcript/export.txt")


def fresh_code(email: str) -> str:
    return code_at(email, free_step(email) or wait_for_step(email))


def what_the_account_gets(client: TestClient, recording_id: str) -> set[int]:
    """The answers to the recording's content, the person's lists and pages."""
    got = {client.get(f"/api/v1/recordings/{recording_id}{s}").status_code for s in CONTENT}
    got |= {client.get(path).status_code for path in ("/api/v1/recordings", "/api/v1/sessions")}
    got |= {client.get(path).status_code for path in ("/api/v1/me", "/api/v1/notifications")}
    pages = ("/recordings", f"/recordings/{recording_id}", "/sessions")
    got |= {client.get(path, follow_redirects=False).status_code for path in pages}
    return got


def reset_and_open_link(
    admin: TestClient, open_client: ClientFactory, person_id: int
) -> TestClient:
    """The administrator resets the person's password, opens the link shown to them, sets a
    password of their own choice and logs in with it: the password step."""
    reset = admin.post(f"/admin/users/{person_id}/reset")
    assert reset.status_code == 200, reset.text
    intruder = open_client()
    set_password(intruder, link_path(reset.text), "the administrator's own choice")
    with session_scope() as session:
        email = session.get(User, person_id).email  # type: ignore[union-attr]
    answer = post_login(intruder, email, "the administrator's own choice")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login/second-factor")
    return intruder


@pytest.mark.parametrize("route", ["owner", "planner"])
def test_reset_then_link_ends_at_the_second_factor(
    db: str, open_client: ClientFactory, media: MediaSet, route: str
) -> None:
    """Both routes of the probe: the caseworker who owns the recording, and a supervisor
    who planned a session on it. The administrator has the password and nothing else."""
    owner = open_client(email_of("owner"))
    recording_id = ready_recording(owner, media)
    supervisor = user_id("supervisor")
    owner.post(f"/api/v1/recordings/{recording_id}/shares", json={"user_id": supervisor})
    if route == "planner":
        planner = open_client(email_of("shared"))
        plan(planner, recording_id, [user_id("caseworker")])
    target = user_id("caseworker") if route == "owner" else supervisor
    since = last_seq()
    admin = open_client(email_of("admin"))
    intruder = reset_and_open_link(admin, open_client, target)

    # Everything the person owns, shares and plans: nothing (401 from the API, the login
    # page from the pages) while the code is missing.
    assert what_the_account_gets(intruder, recording_id) <= {401, 302}
    assert (
        "/login/second-factor" in intruder.get("/login", follow_redirects=False).headers["location"]
    )
    # Guessing the code: refused each time, counted like passwords, then locked out.
    for _ in range(settings.login_max_failures):
        assert post_code(intruder, "123456").status_code == 401
    assert (
        post_code(
            intruder, fresh_code(email_of("owner" if route == "owner" else "shared"))
        ).status_code
        == 429
    )
    assert what_the_account_gets(intruder, recording_id) <= {401, 302}
    # The notice waits for the person: the administrator's attempts did not clear it.
    with session_scope() as session:
        assert session.get(User, target).reset_notice_due  # type: ignore[union-attr]
    actions = [e.action for e in entries(since)]
    for action in ("password_reset", "password_set", "password_accepted", "second_factor_failed"):
        assert action in actions, action
    assert "login" not in [e.action for e in entries(since) if e.actor_id == target]


def test_the_person_gets_in_with_their_own_authenticator_and_is_told(
    db: str, open_client: ClientFactory
) -> None:
    """After a reset the person's own authenticator still works (a reset never touches it),
    and the reset is told at their login, not at whoever's logs in first."""
    admin = open_client(email_of("admin"))
    reset = admin.post(f"/admin/users/{user_id('caseworker')}/reset")
    person = open_client()
    set_password(person, link_path(reset.text), "the person's own new password")
    assert post_login(person, email_of("owner"), "the person's own new password").status_code == 303
    done = post_code(person, fresh_code(email_of("owner")))
    assert done.headers["location"] == "/account/password?reset_notice=1"
    assert "nulstille din adgangskode" in person.get(done.headers["location"]).text
    with session_scope() as session:
        assert not session.get(User, user_id("caseworker")).reset_notice_due  # type: ignore[union-attr]


def test_first_login_sets_up_the_authenticator_and_codes_work_once(
    db: str, open_client: ClientFactory
) -> None:
    admin = open_client(email_of("admin"))
    made = admin.post(
        "/admin/users", data={"email": "ny@kommune.test", "name": "Ny", "role": "caseworker"}
    )
    browser = open_client()
    set_password(browser, link_path(made.text), PASSWORD)
    since = last_seq()
    assert post_login(browser, "ny@kommune.test").status_code == 303
    page = browser.get("/login/second-factor")
    assert "<svg" in page.text and 'autocomplete="one-time-code"' in page.text  # the QR, made here
    secret = secret_on_page(page.text)
    assert (
        secret_on_page(browser.get("/login/second-factor").text) == secret
    )  # kept until confirmed
    assert post_code(browser, "000000").status_code == 401
    assert browser.get("/api/v1/me").status_code == 401
    shown = post_code(browser, fresh_code("ny@kommune.test"))
    assert shown.status_code == 200
    codes = [c.strip() for c in shown.text.split("<code>")[1:] for c in [c.split("</code>")[0]]]
    assert len(codes) == 10 and all(len(c) == 14 for c in codes)
    assert browser.get("/api/v1/me").json()["email"] == "ny@kommune.test"
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == "ny@kommune.test")).one()
        stored = [
            r.code_hash
            for r in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id))
        ]
        assert secret not in (user.totp_secret or "")  # sealed with the server's key
    assert len(stored) == 10 and not set(codes) & set(stored)  # only hashes
    assert "second_factor_set_up" in [e.action for e in entries(since)]

    # A code works once: the same code again is refused, even in the same step.
    used_step = free_step("ny@kommune.test")
    second = open_client()
    post_login(second, "ny@kommune.test")
    step = used_step or wait_for_step("ny@kommune.test")
    assert post_code(second, code_at("ny@kommune.test", step)).status_code == 303
    third = open_client()
    post_login(third, "ny@kommune.test")
    assert post_code(third, code_at("ny@kommune.test", step)).status_code == 401
    # A recovery code works once, typed with or without its dashes.
    assert post_code(third, codes[0].replace("-", "").upper()).status_code == 303
    fourth = open_client()
    post_login(fourth, "ny@kommune.test")
    assert post_code(fourth, codes[0]).status_code == 401
    # New recovery codes for a code from the app; the old ones stop working.
    token = third.cookies.get("vs_csrf")
    renewed = third.post(
        "/account/second-factor/recovery-codes",
        data={"code": fresh_code("ny@kommune.test"), "csrf_token": token},
    )
    assert renewed.status_code == 200 and "recovery-codes" in renewed.text
    assert post_code(fourth, codes[1]).status_code == 401


def two_admins(open_client: ClientFactory) -> tuple[TestClient, TestClient]:
    make_user("admin2@kommune.test", Role.administrator)
    return open_client(email_of("admin")), open_client("admin2@kommune.test")


def removal_id(person: int) -> int:
    with session_scope() as session:
        found = session.exec(
            select(SecondFactorRemoval).where(SecondFactorRemoval.user_id == person)
        ).one()
        return int(found.id)  # type: ignore[arg-type]


def test_removing_a_lost_second_factor_takes_two_administrators(
    db: str, open_client: ClientFactory, smtp: Inbox, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = two_admins(open_client)
    person = user_id("caseworker")
    person_client = open_client(email_of("owner"))
    since = last_seq()
    # Nobody proposes their own; an administrator proposes for the person.
    refused = first.post(f"/admin/users/{user_id('administrator')}/second-factor/remove")
    assert refused.status_code == 403
    assert (
        first.post(
            f"/admin/users/{person}/second-factor/remove", follow_redirects=False
        ).status_code
        == 303
    )
    removal = removal_id(person)
    page = first.get("/admin/users").text
    assert (
        f"videosparring second-factor approve {removal}" in page
    )  # two administrators: on the server
    # The proposer cannot approve; with two administrators neither can the other, on the web.
    assert first.post(f"/admin/second-factor-removals/{removal}/approve").status_code == 403
    on_server = second.post(f"/admin/second-factor-removals/{removal}/approve")
    assert on_server.status_code == 403 and f"approve {removal}" in on_server.text
    assert person_client.get("/api/v1/me").status_code == 200  # nothing happened yet

    cli(["second-factor", "list"])
    assert "sara@kommune.test" in capsys.readouterr().out
    cli(["second-factor", "approve", str(removal)])
    assert person_client.get("/api/v1/me").status_code == 401  # their sessions ended
    with session_scope() as session:
        user = session.get(User, person)
        assert user is not None and user.totp_enrolled_at is None and user.totp_secret is None
    # Told by e-mail ...
    assert [to for to, _mail in smtp.messages] == [["sara@kommune.test"]]
    # ... and at the next login, where they set up a new authenticator.
    browser = open_client()
    post_login(browser, email_of("owner"))
    secret = secret_on_page(browser.get("/login/second-factor").text)
    shown = post_code(browser, pyotp.TOTP(secret).now())
    assert shown.status_code == 200
    assert "/account/second-factor?removed=1" in shown.text
    assert 'id="removed-notice"' in browser.get("/account/second-factor?removed=1").text
    actions = [(e.action, e.actor_email) for e in entries(since)]
    assert ("second_factor_removal_proposed", "anna@kommune.test") in actions
    assert ("second_factor_removed", "server (videosparring command)") in actions
    with pytest.raises(SystemExit):  # approved once only
        cli(["second-factor", "approve", str(removal)])


def test_with_three_administrators_another_approves_on_the_web(
    db: str, open_client: ClientFactory
) -> None:
    first, second = two_admins(open_client)
    make_user("admin3@kommune.test", Role.administrator)
    person = user_id("supervisor")
    first.post(f"/admin/users/{person}/second-factor/remove")
    removal = removal_id(person)
    assert first.post(f"/admin/second-factor-removals/{removal}/approve").status_code == 403
    approved = second.post(
        f"/admin/second-factor-removals/{removal}/approve", follow_redirects=False
    )
    assert approved.status_code == 303
    with session_scope() as session:
        user = session.get(User, person)
        assert user is not None and user.totp_enrolled_at is None and user.second_factor_notice_due
        assert session.exec(select(AuthSession).where(AuthSession.user_id == person)).all() == []
    # A password reset never removes it: only this does.
    assert first.post(f"/admin/users/{user_id('caseworker')}/reset").status_code == 200
    with session_scope() as session:
        assert session.get(User, user_id("caseworker")).totp_enrolled_at is not None  # type: ignore[union-attr]


def test_no_setting_lets_a_role_that_sees_content_skip_the_code(
    db: str, open_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "second_factor_optional_for_leaders", True)
    with session_scope() as session:
        for key in ("leader", "supervisor"):
            user = session.get(User, user_id(key))
            assert user is not None
            user.totp_enrolled_at = user.totp_secret = None
            session.add(user)
    leader = post_login(open_client(), email_of("leader"))
    assert leader.headers["location"] == "/"  # the setting relaxes the leader only
    supervisor = post_login(open_client(), email_of("shared"))
    assert supervisor.headers["location"].startswith("/login/second-factor")


def test_demo_mode_until_the_first_administrator(
    db: str,
    open_client: ClientFactory,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
    media: MediaSet,
) -> None:
    """The start command's demo accounts log in without a code, every page says so, no
    accounts are made in the web app; create-admin ends it all."""
    with session_scope() as session:  # an empty database, as at the first start
        for user in session.exec(select(User)):
            session.delete(user)
    cli(["demo-users"])
    out = capsys.readouterr().out
    logins = {
        line.split()[1]: line.split()[2] for line in out.splitlines() if "@demo.local" in line
    }
    assert len(logins) == 5
    demo = open_client()
    answer = post_login(demo, "sagsbehandler@demo.local", logins["sagsbehandler@demo.local"])
    assert answer.headers["location"] == "/"  # no second factor while in demo mode
    demo.headers["X-CSRF-Token"] = demo.cookies.get("vs_csrf") or ""
    page = demo.get("/recordings").text
    assert 'id="demo-banner"' in page
    assert 'id="demo-banner"' in open_client().get("/login").text
    recording_id = ready_recording(demo, media)
    admin = open_client()
    login(admin, "admin@demo.local", logins["admin@demo.local"])
    refused = admin.post(
        "/admin/users", data={"email": "rigtig@kommune.test", "name": "R", "role": "caseworker"}
    )
    assert refused.status_code == 409 and "demo" in refused.text

    cli(["create-admin", "--email", "it@kommune.test", "--name", "IT", "--password", PASSWORD])
    with session_scope() as session:
        left = [u.email for u in session.exec(select(User))]
        from app.recordings.models import Recording

        assert session.get(Recording, recording_id) is None
    assert left == ["it@kommune.test"]
    assert not (settings.resolved_data_dir / "demo-logins.txt").exists()
    assert demo.get("/api/v1/me").status_code == 401
    real = open_client()
    assert (
        post_login(real, "it@kommune.test").headers["location"].startswith("/login/second-factor")
    )
    assert 'id="demo-banner"' not in open_client().get("/login").text


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    from app.accounts import throttle

    throttle.reset("memory://")
