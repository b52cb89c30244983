"""Notifications by e-mail: which kinds each person chose to get in their inbox, and what
the e-mail says.

An e-mail says what happened, who did it, and links into the app; never what a recording
holds (its title, case reference, transcript, feedback or a session's question): those are
for whoever may see them, after logging in (DOMAIN.md, privacy). An invitation to a
sparring session carries a calendar entry with its time, a plain title and the link.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from app.accounts import mail
from app.accounts.models import User
from app.core import ics
from app.core.config import settings
from app.core.i18n import DEFAULT_LANGUAGE, N_, N_plural, translate, translate_plural
from app.core.templates import local_datetime
from app.feedback.models import Notification, NotificationReason


class MailKind(StrEnum):
    """What a person chooses to get by e-mail (the account page lists them in this order)."""

    shared = "shared"
    invited = "invited"
    reflection = "reflection"
    published = "published"
    reply = "reply"


KIND_OF = {
    NotificationReason.shared: MailKind.shared,
    NotificationReason.clip_shared: MailKind.shared,
    NotificationReason.invited: MailKind.invited,
    NotificationReason.moved: MailKind.invited,
    NotificationReason.reflection: MailKind.reflection,
    NotificationReason.published: MailKind.published,
    NotificationReason.scored: MailKind.published,
    NotificationReason.reply: MailKind.reply,
}
# Without a choice of their own: all but replies (a lively thread would fill the inbox).
DEFAULT = frozenset(MailKind) - {MailKind.reply}
KIND_WORDS = {
    MailKind.shared: N_("A recording or a clip is shared with me"),
    MailKind.invited: N_("I am invited to a sparring session (with a calendar entry)"),
    MailKind.reflection: N_("A caseworker publishes a self-reflection I can see"),
    MailKind.published: N_("Feedback or scores are published on my recording"),
    MailKind.reply: N_("Someone replies on my recording or to my feedback"),
}


def chosen(user: User) -> set[MailKind]:
    """The kinds the person gets by e-mail."""
    if user.mail_kinds is None:
        return set(DEFAULT)
    return {MailKind(k) for k in user.mail_kinds.split(",") if k in MailKind.__members__}


# (subject, body): the body is plural where a count is in it. `%(url)s` opens it in the app.
TEXTS: dict[NotificationReason, tuple[str, str | tuple[str, str]]] = {
    NotificationReason.shared: (
        N_("A recording was shared with you in Videosparring"),
        N_("%(actor)s has shared a recording with you in Videosparring."),
    ),
    NotificationReason.clip_shared: (
        N_("A clip was shared with you in Videosparring"),
        N_("%(actor)s has shared a clip of a recording with you in Videosparring."),
    ),
    NotificationReason.invited: (
        N_("Invitation to a sparring session in Videosparring"),
        N_(
            "%(actor)s has invited you to a sparring session on %(when)s. The calendar entry "
            "is attached."
        ),
    ),
    NotificationReason.moved: (
        N_("A sparring session was moved in Videosparring"),
        N_(
            "%(actor)s has moved a sparring session you take part in to %(when)s. The updated "
            "calendar entry is attached."
        ),
    ),
    NotificationReason.reflection: (
        N_("A self-reflection was published in Videosparring"),
        N_plural(
            "%(actor)s has published %(num)d self-reflection item on a recording you can see.",
            "%(actor)s has published %(num)d self-reflection items on a recording you can see.",
        ),
    ),
    NotificationReason.published: (
        N_("New feedback in Videosparring"),
        N_plural(
            "%(actor)s has published %(num)d feedback item on your recording.",
            "%(actor)s has published %(num)d feedback items on your recording.",
        ),
    ),
    NotificationReason.scored: (
        N_("New scores in Videosparring"),
        N_("%(actor)s has published their scores on the criteria for your recording."),
    ),
    NotificationReason.reply: (
        N_("New reply in Videosparring"),
        N_("%(actor)s has replied to feedback in Videosparring."),
    ),
}
FRAME = N_(
    "Hello %(name)s\n\n%(what)s\n\nOpen it in Videosparring (you log in first):\n%(url)s\n\n"
    "This e-mail says no more: what a recording holds stays in Videosparring.\n"
    "You choose which notifications reach your e-mail on your account page:\n%(account)s\n"
)
SESSION_TITLES = {
    False: N_("Sparring session (Videosparring)"),
    True: N_("Team sparring session (Videosparring)"),
}
SESSION_NOTE = N_("Open the session in Videosparring: %(url)s")


@dataclass(frozen=True)
class Invitation:
    """The session an invitation is for: what its calendar entry needs."""

    session_id: int
    starts_at: datetime
    team: bool
    # The calendar entry's version: a moved session's entry replaces the one sent before.
    sequence: int = 0


def send(
    session: Session,
    made: list[tuple[Notification, User]],
    *,
    actor: str,
    invitation: Invitation | None = None,
) -> None:
    """E-mail each person who chose this kind, once the notifications are committed."""
    if not mail.notices_enabled():
        return
    mails = [
        _compose(note, person, actor, invitation)
        for note, person in made
        if person.active and KIND_OF[note.reason] in chosen(person)
    ]
    mail.send_after_commit(session, mails)


def _compose(
    note: Notification, person: User, actor: str, invitation: Invitation | None
) -> mail.Outgoing:
    lang = person.language or DEFAULT_LANGUAGE
    site = settings.public_url.rstrip("/")
    subject, body = TEXTS[note.reason]
    when = local_datetime(invitation.starts_at, lang) if invitation else ""
    if isinstance(body, tuple):
        what = translate_plural(*body, note.count, lang, actor=actor)
    else:
        what = translate(body, lang, actor=actor, when=when)
    text = translate(
        FRAME,
        lang,
        name=person.name,
        what=what,
        url=f"{site}/notifications/{note.id}/open",
        account=f"{site}/account/password",
    )
    attachment = None
    if invitation is not None:
        page = f"{site}/sessions/{invitation.session_id}"
        entry = ics.event(
            uid=f"session-{invitation.session_id}@{site.split('://')[-1]}",
            starts_at=invitation.starts_at,
            summary=translate(SESSION_TITLES[invitation.team], lang),
            url=page,
            description=translate(SESSION_NOTE, lang, url=page),
            sequence=invitation.sequence,
        )
        attachment = ("sparring.ics", ics.MIME, entry)
    return mail.Outgoing(
        to=person.email,
        subject=translate(subject, lang),
        text=text,
        attachment=attachment,
        what=f"notification {note.id}",
    )
