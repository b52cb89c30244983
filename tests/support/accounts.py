"""People and logins: the base users every test database has, logging in as one of them
(a TestClient or a client of a live server), more people and teams, and one-time links
as an administrator gets them."""

import base64
import hashlib
import html
import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import httpx
import pyotp
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from app.accounts import second_factor, service
from app.accounts.models import Role, User
from app.core.config import settings
from app.core.db import session_scope
from app.core.timeutil import utcnow

PASSWORD = "correct horse battery staple"
# In every test database from the start (tests/support/database.py): key -> (email, name).
# The key is the role, with a 2 for a second person of it.
BASE_USERS = {
    "caseworker": ("sara@kommune.test", "Sara Sagsbehandler"),
    "caseworker2": ("carl@kommune.test", "Carl Sagsbehandler"),
    "supervisor": ("soren@kommune.test", "Søren Supervisor"),
    "administrator": ("anna@kommune.test", "Anna Admin"),
    "leader": ("lene@kommune.test", "Lene Leder"),
}
C = TypeVar("C", bound=httpx.Client)  # a TestClient or a client to a live server
ClientFactory = Callable[..., TestClient]  # `open_client`: an e-mail, or none: anonymous
ClientFor = Callable[[str], TestClient]  # `client_for`: the key of a base user


def post_login(
    client: C,
    email: str,
    password: str = PASSWORD,
    token: str | None = "auto",
    cookie: str = "vs_csrf",
) -> httpx.Response:
    """Open the login form and send it as a browser would; the answer, not followed (a right
    password: 303 to the second factor). The form's own CSRF token (from `cookie`:
    `__Host-vs_csrf` under HTTPS) unless `token` is given (None: none at all)."""
    client.get("/login")
    csrf = client.cookies.get(cookie) if token == "auto" else token
    data = {"email": email, "password": password, "csrf_token": csrf or ""}
    return client.post("/login", data=data, follow_redirects=False)


def post_code(client: C, code: str, cookie: str = "vs_csrf", next: str = "/") -> httpx.Response:
    """Send the second-factor form (after the password) as a browser would; not followed."""
    data = {"code": code, "next": next, "csrf_token": client.cookies.get(cookie) or ""}
    return client.post("/login/second-factor", data=data, follow_redirects=False)


def login(client: C, email: str, password: str = PASSWORD) -> C:
    """Log in through the real login form and the second factor with a real code (from
    the person's authenticator secret), then send the CSRF token on API calls too.

    A code works once, so one person logs in at most twice in one 30-second step (its code
    and the next step's). A further login of the same person in this database takes over
    their earlier session, as a second tab of one browser would."""
    step = free_step(email)
    if step is None and (earlier := reusable_session(str(client.base_url), email)) is not None:
        _take_over(client, *earlier)
        if client.get("/api/v1/me").status_code == 200:
            return client
        _forget_session(client)
    if step is None:
        step = wait_for_step(email)
    response = post_login(client, email, password)
    assert response.status_code == 303, response.text
    if response.headers["location"].startswith("/login/second-factor"):
        page = client.get(response.headers["location"])
        totp = pyotp.TOTP(secret_of(email))
        if "data-secret=" in page.text:  # the first login: set up the authenticator shown
            totp = pyotp.TOTP(secret_on_page(page.text))
        done = post_code(client, totp.generate_otp(step))
        if done.status_code == 401:  # a server this process cannot see used that step
            done = post_code(client, totp.generate_otp(wait_for_next_step(step)))
        assert done.status_code in (200, 303), done.text
    # The token is bound to the session: the login answer carries the new one.
    client.headers["X-CSRF-Token"] = client.cookies.get("vs_csrf")
    keep_session(
        str(client.base_url), email, client.cookies.get("vs_session"), client.cookies.get("vs_csrf")
    )
    return client


# The second factor ----------------------------------------------------------------------------

# The session each person's last real login made, per database: (session token, CSRF token).
_sessions: dict[tuple[str, str, str], tuple[str | None, str | None]] = {}


def made_secret(email: str) -> str:
    """The authenticator secret the factories give a person: made from their e-mail."""
    return base64.b32encode(hashlib.sha256(email.encode()).digest()[:20]).decode()


def _person(email: str) -> User | None:
    """The person as this process's database has it; None where it has no such person or
    no such table (a test's own server on a database of its own, made by the factories)."""
    try:
        with session_scope() as session:
            user = session.exec(select(User).where(User.email == email)).first()
            if user is not None:
                session.expunge(user)
            return user
    except OperationalError:
        return None


def secret_of(email: str) -> str:
    """The person's authenticator secret as the database holds it (opened with the run's
    server key, as the phone holds it), else the one the factories give them."""
    user = _person(email)
    if user is not None and user.totp_secret:
        return second_factor._unseal(user.id, user.totp_secret)  # type: ignore[arg-type]
    return made_secret(email)


def secret_on_page(html_text: str) -> str:
    found = re.search(r'data-secret="([A-Z2-7]+)"', html_text)
    assert found, "no authenticator key on the page"
    return found.group(1)


def code_at(email: str, step: int) -> str:
    return pyotp.TOTP(secret_of(email)).generate_otp(step)


def current_code(email: str) -> str:
    """The code the person's authenticator shows now (whether or not it was used)."""
    return pyotp.TOTP(secret_of(email)).now()


def free_step(email: str) -> int | None:
    """A time step whose code the server will still take for this person when it gets
    there (now or the next, newer than the last one used; the one before only early in a
    step, so that the clock cannot pass it on the way), or None."""
    user = _person(email)
    last = user.totp_last_step if user is not None else None
    now, into = divmod(time.time(), 30)
    candidates = [int(now), int(now) + 1] + ([int(now) - 1] if into < 20 else [])
    for step in candidates:
        if last is None or step > last:
            return step
    return None


def wait_for_next_step(step: int) -> int:
    """The step after `step`, once the clock is in it or the one before (its code is then
    taken)."""
    while int(time.time()) // 30 + 1 <= step:
        time.sleep(30 - time.time() % 30 + 0.05)
    return step + 1


def wait_for_step(email: str) -> int:
    """Wait for the clock to reach a step whose code is unused (at most one step)."""
    while (step := free_step(email)) is None:
        time.sleep(30 - time.time() % 30 + 0.05)  # the authenticator shows a new code then
    return step


def enrol(email: str) -> None:
    """Set up the person's authenticator (`secret_of`) without the set-up page, as the
    factory for people whose first login is not the subject."""
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        user.totp_secret = second_factor._seal(user.id, made_secret(email))  # type: ignore[arg-type]
        user.totp_enrolled_at = utcnow()
        session.add(user)


def keep_session(base: str, email: str, token: str | None, csrf: str | None) -> None:
    _sessions[(base.rstrip("/"), settings.sqlalchemy_url, email)] = (token, csrf)


def reusable_session(base: str, email: str) -> tuple[str | None, str | None] | None:
    """The session of the person's last real login at this server and database (the
    caller checks that it still works)."""
    return _sessions.get((base.rstrip("/"), settings.sqlalchemy_url, email))


def _take_over(client: C, token: str | None, csrf: str | None) -> C:
    _forget_session(client)
    client.cookies.set("vs_session", token or "")
    client.cookies.set("vs_csrf", csrf or "")
    client.headers["X-CSRF-Token"] = csrf or ""
    return client


def _forget_session(client: httpx.Client) -> None:
    for name in ("vs_session", "vs_csrf"):
        client.cookies.delete(name)


def live_client(base: str, who: str = "caseworker", timeout: float = 120) -> httpx.Client:
    """An httpx client to a live server, logged in as a base user through the login form."""
    client = login(httpx.Client(base_url=base, timeout=timeout), BASE_USERS[who][0])
    # The login has been committed by the time its 303 arrives: the next request sees it.
    me = client.get("/api/v1/me")
    assert me.status_code == 200, f"login as {who} did not take effect: {me.text}"
    return client


def opened_clients() -> Iterator[ClientFactory]:
    """For the `open_client` fixture: open_client() is anonymous with a CSRF token,
    open_client(email) logged in; all closed afterwards."""
    from app.main import app

    opened: list[TestClient] = []

    def make(email: str | None = None) -> TestClient:
        client = TestClient(app)
        opened.append(client)
        if email is not None:
            return login(client, email)
        client.get("/login")
        client.headers["X-CSRF-Token"] = client.cookies["vs_csrf"]
        return client

    yield make
    for client in opened:
        client.close()


def user_id(key: str) -> int:
    """A base user's id."""
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == BASE_USERS[key][0])).one()
        return int(user.id)  # type: ignore[arg-type]


def make_user(email: str, role: Role = Role.supervisor) -> int:
    """Someone besides the base users (named by their e-mail, with `PASSWORD` and their
    authenticator set up); their id."""
    with session_scope() as session:
        user = service.create_user(
            session=session, email=email, name=email.split("@")[0], role=role, password=PASSWORD
        )
        user_id = int(user.id)  # type: ignore[arg-type]
    enrol(email)
    return user_id


def make_team(name: str, members: Sequence[int] = ()) -> int:
    with session_scope() as session:
        team = service.create_team(session=session, name=name)
        service.set_members(session=session, team=team, user_ids=list(members))
        return int(team.id)  # type: ignore[arg-type]


def set_members(team_id: int, members: Sequence[int]) -> None:
    with session_scope() as session:
        team = service.get_team(session=session, team_id=team_id)
        service.set_members(session=session, team=team, user_ids=list(members))


# One-time links -------------------------------------------------------------------------------

LINK = re.compile(r"(?:https?://[^/\s\"'<>]+)?(/account/link/[A-Za-z0-9_-]{20,100})")


def link_path(text: str) -> str:
    """The path of the one-time link in a page or an e-mail."""
    found = LINK.search(html.unescape(text))
    assert found, "no one-time link in the text"
    return found.group(1)


def create_account(admin: TestClient, email: str, name: str, role: str = "caseworker") -> str:
    """Make an account through the administrator's form; returns the link's path."""
    response = admin.post("/admin/users", data={"email": email, "name": name, "role": role})
    assert response.status_code == 200, response.text
    return link_path(response.text)


def set_password(client: TestClient, path: str, password: str) -> None:
    """Open the link and choose the password, as the person would."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    token = client.cookies.get("vs_csrf")
    response = client.post(
        path,
        data={"new": password, "repeat": password, "csrf_token": token or ""},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/login")
