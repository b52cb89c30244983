"""Sign-in through the municipality's identity provider (issue 18, part 2), against a real
OpenID provider on loopback (`oidc-provider`, tests/support/oidc_provider.mjs): the whole
authorization code flow with PKCE, role mapping, every refusal (state, nonce, audience,
expired token), no linking by e-mail, linking one's own account, no password reset, and
signing out at the provider too."""

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import AccountLink, User
from app.audit.models import AuditEntry
from app.core.config import parse_role_rules
from app.core.db import session_scope
from app.core.timeutil import utcnow
from app.identity import provider as app_provider
from app.identity.models import ProviderIdentity
from tests.support.accounts import (
    BASE_USERS,
    ClientFactory,
    login,
    post_code,
    secret_on_page,
    user_id,
)
from tests.support.identity import (
    OTHER_CLIENT_ID,
    Provider,
    configured,
    running_provider,
    sign_in,
    submit_form,
    through_provider,
)


@pytest.fixture(scope="module")
def idp() -> Iterator[Provider]:
    with running_provider() as started:
        yield started


@pytest.fixture
def issuer(idp: Provider) -> Iterator[str]:
    with configured(idp.issuer):
        yield idp.issuer


def me(client: httpx.Client) -> httpx.Response:
    return client.get("/api/v1/me")


def user_by_email(email: str) -> User | None:
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is not None:
            session.expunge(user)
        return user


def identities() -> list[ProviderIdentity]:
    with session_scope() as session:
        rows = list(session.exec(select(ProviderIdentity)).all())
        for row in rows:
            session.expunge(row)
        return rows


def entries(action: str) -> list[AuditEntry]:
    with session_scope() as session:
        rows = list(session.exec(select(AuditEntry).where(AuditEntry.action == action)).all())
        for row in rows:
            session.expunge(row)
        return rows


def refused_with(answer: httpx.Response, status: int, reason: str, before: int) -> None:
    """A refusal page, no session, and one new `login_refused` entry naming `reason`."""
    assert answer.status_code == status, answer.text
    assert 'id="identity-message"' in answer.text
    new = entries("login_refused")[before:]
    assert len(new) == 1 and reason in new[0].detail, [e.detail for e in new]


# Signing in ----------------------------------------------------------------------------------


def test_first_sign_in_makes_an_account_with_the_mapped_role(
    db: str, issuer: str, anonymous: TestClient
) -> None:
    answer = sign_in(anonymous, issuer, "kari")
    assert answer.status_code == 303 and answer.headers["location"] == "/", answer.text
    person = me(anonymous).json()
    assert (person["email"], person["role"], person["name"]) == (
        "kari@kommune.test", "caseworker", "Kari Kommune"
    )  # fmt: skip
    user = user_by_email("kari@kommune.test")
    assert user is not None and user.password_hash is None and user.active
    account = anonymous.get("/account/password").text  # no password form to fail at
    assert 'id="no-password"' in account and 'name="current"' not in account
    [identity] = identities()
    assert (identity.issuer, identity.subject, identity.user_id) == (issuer, "kari", user.id)
    assert any(e.detail == "provider" and e.actor_id == user.id for e in entries("login"))
    # The second time: the same account, no second one.
    again = TestClient(anonymous.app)
    assert sign_in(again, issuer, "kari").status_code == 303
    assert me(again).json()["id"] == user.id and len(identities()) == 1


def test_without_a_mapped_role_there_is_no_access_until_an_administrator_gives_one(
    db: str, issuer: str, anonymous: TestClient, open_client: ClientFactory
) -> None:
    before = len(entries("login_refused"))
    answer = sign_in(anonymous, issuer, "ole")
    refused_with(answer, 403, "no role", before)
    assert "administrator" in answer.text.lower() or "administrator" in answer.text
    assert me(anonymous).status_code == 401
    user = user_by_email("ole@kommune.test")
    assert user is not None and not user.active and user.password_hash is None
    # Nothing opens for them: not the list, not the API.
    assert anonymous.get("/recordings", follow_redirects=False).status_code == 302
    # An administrator gives a role; the next sign-in lets them in with it.
    admin = open_client(BASE_USERS["administrator"][0])
    assert "Kommunelogin, venter på en rolle" in admin.get("/admin/users").text
    given = admin.post(
        f"/admin/users/{user.id}",
        data={"role": "supervisor", "active": "on", "csrf_token": admin.cookies["vs_csrf"]},
        follow_redirects=False,
    )
    assert given.status_code == 303, given.text
    later = TestClient(anonymous.app)
    signed = sign_in(later, issuer, "ole")  # amr: pwd only, so our second factor follows
    assert signed.headers["location"].startswith("/login/second-factor")
    assert me(later).status_code == 401
    secret = secret_on_page(later.get(signed.headers["location"]).text)
    shown = post_code(later, pyotp.TOTP(secret).now())
    assert shown.status_code == 200 and 'id="recovery-codes"' in shown.text
    assert me(later).json()["role"] == "supervisor"


def test_the_second_factor_follows_the_providers_amr(
    sqlite_db: str, issuer: str, anonymous: TestClient
) -> None:
    """Where the provider's amr counts as a second factor the sign-in is complete; else our
    own second factor is asked for (set up the first time), and nothing opens before it."""
    assert sign_in(anonymous, issuer, "kari").headers["location"] == "/"  # amr: pwd, mfa
    assert me(anonymous).status_code == 200
    other = TestClient(anonymous.app)
    answer = sign_in(other, issuer, "late")  # amr: pwd
    assert answer.headers["location"].startswith("/login/second-factor")
    assert me(other).status_code == 401
    assert 'data-secret="' in other.get(answer.headers["location"]).text


def test_which_amr_and_acr_count_as_the_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.core.config import settings
    from app.identity.service import second_factor_from_claims

    monkeypatch.setattr(settings, "oidc_second_factor_amr", "mfa,hwk")
    monkeypatch.setattr(settings, "oidc_second_factor_acr", "urn:kombit:loa:substantial")
    monkeypatch.setattr(settings, "oidc_second_factor_from_provider", True)
    assert second_factor_from_claims({"amr": ["pwd", "hwk"]})
    assert second_factor_from_claims({"amr": ["pwd"], "acr": "urn:kombit:loa:substantial"})
    assert not second_factor_from_claims({"amr": ["pwd", "otp"], "acr": "urn:kombit:loa:low"})
    assert not second_factor_from_claims({})
    monkeypatch.setattr(settings, "oidc_second_factor_from_provider", False)
    assert not second_factor_from_claims({"amr": ["mfa"]})  # the setting decides


def test_role_rules_are_checked_when_the_settings_are_read() -> None:
    assert parse_role_rules("groups=a:caseworker;\n roles = b : leader") == [
        ("groups", "a", "caseworker"),
        ("roles", "b", "leader"),
    ]
    for wrong in ("groups=a:owner", "groups:caseworker", "=a:caseworker"):
        with pytest.raises(ValueError):
            parse_role_rules(wrong)


# Refusals -----------------------------------------------------------------------------------


def test_a_wrong_state_is_refused(db: str, issuer: str, anonymous: TestClient) -> None:
    before = len(entries("login_refused"))
    start = anonymous.get("/identity/login", follow_redirects=False)
    with httpx.Client() as browser:
        back = through_provider(browser, start.headers["location"], "kari", issuer)
    tampered = back.replace("state=", "state=x")
    answer = anonymous.get(tampered, follow_redirects=False)
    refused_with(answer, 400, "state", before)
    assert me(anonymous).status_code == 401
    # Nor does the right state work in another browser (the attacker's callback sent to a
    # victim): the state is bound to the browser that started.
    other = TestClient(anonymous.app)
    refused_with(other.get(back, follow_redirects=False), 400, "state", before + 1)
    assert user_by_email("kari@kommune.test") is None


def test_a_wrong_nonce_is_refused(db: str, issuer: str, anonymous: TestClient) -> None:
    """The browser's request reaches the provider with another nonce (replayed or swapped):
    the ID token then carries that one, not the one this browser's sign-in expects."""
    before = len(entries("login_refused"))
    start = anonymous.get("/identity/login", follow_redirects=False).headers["location"]
    nonce = parse_qs(urlsplit(start).query)["nonce"][0]
    with httpx.Client() as browser:
        back = through_provider(browser, start.replace(nonce, "another-nonce"), "kari", issuer)
    refused_with(anonymous.get(back, follow_redirects=False), 400, "nonce", before)
    assert me(anonymous).status_code == 401


def test_an_id_token_for_another_audience_is_refused(idp: Provider, issuer: str) -> None:
    """A genuine ID token from the same provider, issued to another app: not ours to accept."""
    from authlib.common.security import generate_token
    from authlib.integrations.httpx_client import OAuth2Client

    meta = app_provider.metadata()
    verifier, nonce = generate_token(64), "nonce-of-the-other-app"
    redirect = "http://testserver/identity/callback"
    with OAuth2Client(
        OTHER_CLIENT_ID,
        "a-test-client-secret-of-enough-length",
        scope="openid email profile",
        redirect_uri=redirect,
        code_challenge_method="S256",
    ) as other:
        url, _ = other.create_authorization_url(
            meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        with httpx.Client() as browser:
            back = through_provider(browser, url, "kari", issuer)
        code = parse_qs(urlsplit(back).query)["code"][0]
        token = other.fetch_token(meta["token_endpoint"], code=code, code_verifier=verifier)
    with pytest.raises(app_provider.ProviderError, match="aud"):
        app_provider.verify_id_token(id_token=token["id_token"], nonce=nonce)


def test_an_expired_id_token_is_refused(
    db: str, issuer: str, anonymous: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`late`'s ID tokens live one second. With the app's clock a minute on (beyond the 30 s
    leeway) theirs has expired by the time it is checked; a normal token has not."""
    later = utcnow() + timedelta(seconds=60)
    monkeypatch.setattr(app_provider, "utcnow", lambda: later)
    before = len(entries("login_refused"))
    refused_with(sign_in(anonymous, issuer, "late"), 400, "xpired", before)
    assert me(anonymous).status_code == 401
    assert sign_in(TestClient(anonymous.app), issuer, "kari").status_code == 303


def test_the_provider_saying_no_is_refused(
    sqlite_db: str, issuer: str, anonymous: TestClient
) -> None:
    before = len(entries("login_refused"))
    start = anonymous.get("/identity/login", follow_redirects=False).headers["location"]
    state = parse_qs(urlsplit(start).query)["state"][0]
    answer = anonymous.get(
        f"/identity/callback?error=access_denied&state={state}", follow_redirects=False
    )
    refused_with(answer, 400, "access_denied", before)


# Accounts and identities ----------------------------------------------------------------------


def test_an_existing_account_is_never_taken_over_by_its_email(
    db: str, issuer: str, anonymous: TestClient
) -> None:
    before = len(entries("login_refused"))
    answer = sign_in(anonymous, issuer, "sara-at-idp")
    refused_with(answer, 403, "email_taken", before)
    assert me(anonymous).status_code == 401
    assert identities() == []
    sara = user_by_email(BASE_USERS["caseworker"][0])
    assert sara is not None and sara.password_hash is not None
    # Her own password still works, and nothing else changed for her.
    assert me(login(TestClient(anonymous.app), sara.email)).json()["id"] == sara.id


def test_a_person_links_their_own_account_while_logged_in(
    db: str, issuer: str, open_client: ClientFactory, anonymous: TestClient
) -> None:
    sara = open_client(BASE_USERS["caseworker"][0])
    page = sara.get("/account/password")
    assert 'id="identity-link"' in page.text
    start = sara.post(
        "/account/identity/link",
        data={"csrf_token": sara.cookies["vs_csrf"]},
        follow_redirects=False,
    )
    assert start.status_code == 303, start.text
    with httpx.Client() as browser:
        back = through_provider(browser, start.headers["location"], "sara-at-idp", issuer)
    linked = sara.get(back, follow_redirects=False)
    assert linked.status_code == 303 and linked.headers["location"] == "/account/password?linked=1"
    [identity] = identities()
    assert (identity.subject, identity.user_id) == ("sara-at-idp", user_id("caseworker"))
    assert 'id="identity-linked"' in sara.get("/account/password").text
    [entry] = entries("identity_linked")
    assert entry.actor_id == user_id("caseworker") and "sara-at-idp" in entry.detail
    # From now on the provider's sign-in opens her own account.
    assert sign_in(anonymous, issuer, "sara-at-idp").status_code == 303
    assert me(anonymous).json()["id"] == user_id("caseworker")


def test_a_link_finishes_only_for_the_account_that_started_it(
    db: str, issuer: str, open_client: ClientFactory
) -> None:
    """Logged out between leaving and coming back: nothing is linked to anyone."""
    sara = open_client(BASE_USERS["caseworker"][0])
    start = sara.post(
        "/account/identity/link", data={"csrf_token": sara.cookies["vs_csrf"]},
        follow_redirects=False,
    )  # fmt: skip
    with httpx.Client() as browser:
        back = through_provider(browser, start.headers["location"], "kari", issuer)
    sara.post("/logout", data={"csrf_token": sara.cookies["vs_csrf"]})
    before = len(entries("login_refused"))
    refused_with(sara.get(back, follow_redirects=False), 403, "link", before)
    assert identities() == [] and user_by_email("kari@kommune.test") is None


def test_an_identity_links_to_one_account_only(
    db: str, issuer: str, anonymous: TestClient, open_client: ClientFactory
) -> None:
    assert sign_in(anonymous, issuer, "kari").status_code == 303  # kari's own account
    carl = open_client(BASE_USERS["caseworker2"][0])
    start = carl.post(
        "/account/identity/link", data={"csrf_token": carl.cookies["vs_csrf"]},
        follow_redirects=False,
    )  # fmt: skip
    with httpx.Client() as browser:
        back = through_provider(browser, start.headers["location"], "kari", issuer)
    assert carl.get(back, follow_redirects=False).status_code == 409
    assert [i.user_id for i in identities()] != [user_id("caseworker2")]


def test_no_password_reset_for_an_account_that_signs_in_through_the_provider(
    db: str, issuer: str, anonymous: TestClient, open_client: ClientFactory
) -> None:
    assert sign_in(anonymous, issuer, "kari").status_code == 303
    kari = user_by_email("kari@kommune.test")
    assert kari is not None
    admin = open_client(BASE_USERS["administrator"][0])
    answer = admin.post(
        f"/admin/users/{kari.id}/reset",
        data={"csrf_token": admin.cookies["vs_csrf"]},
        follow_redirects=False,
    )
    assert answer.status_code == 409, answer.text
    # The users page offers no reset for them in the first place.
    assert f"/admin/users/{kari.id}/reset" not in admin.get("/admin/users").text
    assert "kari@kommune.test" in answer.text and "/account/link/" not in answer.text
    with session_scope() as session:
        assert session.exec(select(AccountLink).where(AccountLink.user_id == kari.id)).all() == []
    assert all("kari@kommune.test" not in e.detail for e in entries("password_reset"))


# Signing out ---------------------------------------------------------------------------------


def test_logout_ends_the_session_here_and_at_the_provider(
    db: str, issuer: str, anonymous: TestClient
) -> None:
    with httpx.Client() as browser:
        assert sign_in(anonymous, issuer, "kari", at_provider=browser).status_code == 303
        out = anonymous.post(
            "/logout", data={"csrf_token": anonymous.cookies["vs_csrf"]}, follow_redirects=False
        )
        assert out.status_code == 303
        target = out.headers["location"]
        assert target.startswith(f"{issuer}/session/end"), target
        query = parse_qs(urlsplit(target).query)
        assert query["post_logout_redirect_uri"] == ["http://testserver/login"]
        assert query["id_token_hint"][0].count(".") == 2
        assert me(anonymous).status_code == 401  # ended here before leaving
        # At the provider: confirm, and it sends the browser back to our login page.
        confirm = browser.get(target)
        done = submit_form(browser, confirm, logout="yes")
        while done.is_redirect and str(done.url.join(done.headers["location"])).startswith(issuer):
            done = browser.get(done.url.join(done.headers["location"]), follow_redirects=False)
        assert done.headers["location"].startswith("http://testserver/login")
        # The provider's session is over: signing in again asks for the account again.
        again = anonymous.get("/identity/login", follow_redirects=False).headers["location"]
        assert 'name="login"' in browser.get(again, follow_redirects=True).text


def test_a_password_login_logs_out_as_before(
    sqlite_db: str, issuer: str, open_client: ClientFactory
) -> None:
    sara = open_client(BASE_USERS["caseworker"][0])
    out = sara.post("/logout", data={"csrf_token": sara.cookies["vs_csrf"]}, follow_redirects=False)
    assert out.headers["location"] == "/login"


def test_the_login_page_offers_the_municipalitys_login_only_when_set_up(
    sqlite_db: str, anonymous: TestClient, idp: Provider
) -> None:
    assert 'id="identity-login"' not in anonymous.get("/login").text
    assert anonymous.get("/identity/login", follow_redirects=False).status_code == 404
    with configured(idp.issuer):
        assert 'id="identity-login"' in anonymous.get("/login").text
