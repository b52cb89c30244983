"""E-mail with a one-time link, through the municipality's own SMTP server (stdlib smtplib)."""

import smtplib
import ssl
from email.message import EmailMessage

from app.accounts.models import LinkPurpose
from app.core.config import settings
from app.core.errors import VideosparringError
from app.core.i18n import translate


class MailFailed(VideosparringError):
    status_code = 502


def enabled() -> bool:
    return bool(settings.smtp_host)


def send_link(*, to: str, name: str, url: str, purpose: LinkPurpose, lang: str) -> None:
    """Send the link; raises MailFailed (nothing is kept then: the caller's session rolls back)."""
    message = EmailMessage()
    message["From"] = settings.smtp_from or f"videosparring@{settings.smtp_host}"
    message["To"] = to
    message["Subject"] = translate(f"mail.{purpose.value}.subject", lang)
    hours = int(settings.account_link_hours)
    message.set_content(
        translate(f"mail.{purpose.value}.body", lang, name=name, url=url, hours=hours)
    )
    timeout = settings.smtp_timeout_seconds
    try:
        if settings.smtp_security == "tls":
            context = ssl.create_default_context()
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        with smtp:
            if settings.smtp_security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed("mail.failed", detail=type(exc).__name__) from exc
