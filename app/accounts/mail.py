"""E-mail with a one-time link, through the municipality's own SMTP server (stdlib smtplib)."""

import smtplib
import ssl
from email.message import EmailMessage

from app.accounts.models import LinkPurpose
from app.core.config import settings
from app.core.errors import VideosparringError
from app.core.i18n import N_, N_plural, translate, translate_plural

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


class MailFailed(VideosparringError):
    status_code = 502


def enabled() -> bool:
    return bool(settings.smtp_host)


def send_link(*, to: str, name: str, url: str, purpose: LinkPurpose, lang: str) -> None:
    """Send the link; raises MailFailed (nothing is kept then: the caller's session rolls back)."""
    message = EmailMessage()
    message["From"] = settings.smtp_from or f"videosparring@{settings.smtp_host}"
    message["To"] = to
    subject, body = MAILS[purpose]
    message["Subject"] = translate(subject, lang)
    hours = int(settings.account_link_hours)
    message.set_content(translate_plural(*body, hours, lang, name=name, url=url))
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
        raise MailFailed(
            N_(
                "The e-mail could not be sent (%(detail)s). Nothing was saved. Check the "
                "SMTP settings and retry."
            ),
            code="mail.failed",
            detail=type(exc).__name__,
        ) from exc
