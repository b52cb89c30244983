"""E-mail through the municipality's own SMTP server (stdlib smtplib): a one-time link
(sent while the administrator waits: a failure keeps nothing), and notifications (sent after
the commit on a thread of their own: the person's action neither waits on the mail server
nor fails with it)."""

import logging
import smtplib
import ssl
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage

from sqlmodel import Session

from app.accounts.models import LinkPurpose
from app.core.config import settings
from app.core.db import after_commit
from app.core.errors import VideosparringError
from app.core.i18n import N_, N_plural, translate, translate_plural

log = logging.getLogger(__name__)

MAILS = {
    LinkPurpose.invite: (
        N_("Your Videosparring account"),
        N_plural(
            "Hello %(name)s\n\nAn account has been made for you in Videosparring. Choose your "
            "password here (the link works once and expires in %(num)d hour):\n\n%(url)s\n\n"
            "If you did not expect this, contact IT.\n",
            "Hello %(name)s\n\nAn account has been made for you in Videosparring. Choose your "
            "password here (the link works once and expires in %(num)d hours):\n\n%(url)s\n\n"
            "If you did not expect this, contact IT.\n",
        ),
    ),
    LinkPurpose.reset: (
        N_("Reset your Videosparring password"),
        N_plural(
            "Hello %(name)s\n\nAn administrator has made a link for you to choose a new password "
            "(it works once and expires in %(num)d hour):\n\n%(url)s\n\n"
            "If you did not ask for this, contact your manager and IT.\n",
            "Hello %(name)s\n\nAn administrator has made a link for you to choose a new password "
            "(it works once and expires in %(num)d hours):\n\n%(url)s\n\n"
            "If you did not ask for this, contact your manager and IT.\n",
        ),
    ),
}


class MailFailed(VideosparringError, status=502):
    """The mail server did not take the message; the change that sent it rolls back."""


def enabled() -> bool:
    return bool(settings.smtp_host)


REMOVED = (
    N_("Your second factor in Videosparring was removed"),
    N_(
        "Hello %(name)s\n\nTwo administrators have removed the second factor (authenticator "
        "app and recovery codes) from your Videosparring account. At your next login you "
        "set up a new one.\n\nIf you did not ask for this, contact your manager and IT.\n"
    ),
)


def send_link(*, to: str, name: str, url: str, purpose: LinkPurpose, lang: str) -> None:
    """Send the link; raises MailFailed (nothing is kept then: the caller's session rolls back)."""
    subject, body = MAILS[purpose]
    hours = int(settings.account_link_hours)
    _send(to, translate(subject, lang), translate_plural(*body, hours, lang, name=name, url=url))


def send_second_factor_removed(*, to: str, name: str, lang: str) -> None:
    """Tell the person two administrators removed their second factor; raises MailFailed."""
    subject, body = REMOVED
    _send(to, translate(subject, lang), translate(body, lang, name=name))


@dataclass(frozen=True)
class Outgoing:
    """One e-mail to send: the text, and a file with it (name, MIME type, content)."""

    to: str
    subject: str
    text: str
    attachment: tuple[str, str, bytes] | None = None
    what: str = ""  # for the log when it cannot be sent ("notification 12"): no case details


def _message(mail: Outgoing) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from or f"videosparring@{settings.smtp_host}"
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.text)
    if mail.attachment is not None:
        name, mime, content = mail.attachment
        main, sub = mime.split("/", 1)
        message.add_attachment(content, maintype=main, subtype=sub, filename=name)
    return message


def _connect() -> smtplib.SMTP:
    timeout = settings.smtp_timeout_seconds
    if settings.smtp_security == "tls":
        context = ssl.create_default_context()
        return smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
        )
    return smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)


def _deliver(mails: Sequence[Outgoing]) -> list[Outgoing]:
    """Send them over one connection; those the server refused (the connection itself
    failing raises)."""
    refused = []
    with _connect() as smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        for mail in mails:
            try:
                smtp.send_message(_message(mail))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
                refused.append(mail)
    return refused


def _send(to: str, subject: str, text: str) -> None:
    try:
        refused = _deliver([Outgoing(to=to, subject=subject, text=text)])
    except (OSError, smtplib.SMTPException) as exc:
        raise _failed(type(exc).__name__) from exc
    if refused:
        raise _failed("SMTPRecipientsRefused")


def _failed(detail: str) -> MailFailed:
    return MailFailed(
        N_(
            "The e-mail could not be sent (%(detail)s). Nothing was saved. Check the "
            "SMTP settings and retry."
        ),
        code="mail.failed",
        detail=detail,
    )


# Notifications ---------------------------------------------------------------------------

# One thread: messages go in the order they were committed, one connection per commit.
_outbox = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail")


def notices_enabled() -> bool:
    """Notifications go by e-mail where SMTP is set up and the app knows its own address
    (the links in them)."""
    return enabled() and bool(settings.public_url)


def send_after_commit(session: Session, mails: Sequence[Outgoing]) -> None:
    """Send once the change is committed (never for a rolled-back one), on the mail thread."""
    if mails:
        batch = list(mails)

        def hand_over() -> None:
            _outbox.submit(_deliver_logged, batch)

        after_commit(session, hand_over)


def _deliver_logged(mails: list[Outgoing]) -> None:
    """A failure is logged with what was not sent (`what`), never an address or a text."""
    try:
        refused = _deliver(mails)
    except Exception as exc:  # on its own thread: nobody else would hear of it
        log.warning("e-mail not sent (%s): %s", type(exc).__name__, _whats(mails))
        return
    if refused:
        log.warning("e-mail refused by the mail server: %s", _whats(refused))


def _whats(mails: Sequence[Outgoing]) -> str:
    return ", ".join(m.what or "?" for m in mails)


def wait_until_sent(timeout: float = 30) -> None:
    """Return once every e-mail handed over so far has been tried (tests, shutdown)."""
    _outbox.submit(lambda: None).result(timeout)
