"""One-time links by e-mail through a real SMTP server (aiosmtpd on a loopback port)."""

import pytest
from sqlmodel import select

from app.accounts.models import User
from app.core.config import settings
from app.core.db import session_scope
from tests.support.access import email_of
from tests.support.accounts import ClientFactory, link_path, login, set_password
from tests.support.mail import Inbox
from tests.support.servers import free_port


def test_new_account_link_goes_by_email_and_never_to_the_admin(
    sqlite_db: str, smtp: Inbox, open_client: ClientFactory
) -> None:
    admin = open_client(email_of("admin"))
    form = admin.get("/admin/users").text
    assert "får et link på e-mail" in form and 'name="password"' not in form
    response = admin.post(
        "/admin/users",
        data={"email": "post@kommune.test", "name": "Per Post", "role": "supervisor"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = admin.get(response.headers["location"])
    assert "sendt på e-mail" in page.text and "/account/link/" not in page.text
    assert len(smtp.messages) == 1
    recipients, mail = smtp.messages[0]
    assert recipients == ["post@kommune.test"]
    assert mail["From"] == "videosparring@kommune.test"
    body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "https://sparring.kommune.test/account/link/" in body and "72 timer" in body
    set_password(open_client(), link_path(body), "chosen by Per himself")
    login(open_client(), "post@kommune.test", "chosen by Per himself")


def test_a_failed_send_keeps_nothing(
    sqlite_db: str, monkeypatch: pytest.MonkeyPatch, open_client: ClientFactory
) -> None:
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", free_port())  # nobody listens
    monkeypatch.setattr(settings, "smtp_security", "none")
    admin = open_client(email_of("admin"))
    response = admin.post(
        "/admin/users", data={"email": "tabt@kommune.test", "name": "Tabt", "role": "caseworker"}
    )
    assert response.status_code == 502
    assert "E-mailen kunne ikke sendes" in response.text and "Intet er gemt" in response.text
    with session_scope() as session:
        assert session.exec(select(User).where(User.email == "tabt@kommune.test")).first() is None
