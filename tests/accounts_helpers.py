"""Helpers for tests of accounts: one-time links as an administrator gets them."""

import html
import re
from collections.abc import Callable, Iterator

from fastapi.testclient import TestClient

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


def opened_clients() -> Iterator[Callable[..., TestClient]]:
    """For an `open_client` fixture: open_client() is anonymous with a CSRF token,
    open_client(email) logged in; all closed afterwards."""
    from app.main import app
    from tests.conftest import login

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
