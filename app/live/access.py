"""Who may use a session's live channel: a logged-in participant who may see its media,
on a connection opened by our own pages.

A WebSocket carries no CSRF header, and browsers send cookies with a handshake that
another site starts (cross-site WebSocket hijacking), so the Origin header is the guard:
it must be exactly our own origin. Every browser sends it on a WebSocket.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session
from starlette.requests import HTTPConnection, cookie_parser
from starlette.types import Scope

from app.accounts import service as accounts
from app.accounts.deps import held_at
from app.accounts.models import User
from app.accounts.subject import Subject
from app.core.csrf import SESSION_COOKIE, cookie_name, is_https, normalise_origin, own_origin
from app.core.db import session_scope
from app.core.errors import VideosparringError
from app.core.i18n import DEFAULT_LANGUAGE
from app.feedback import service as feedback
from app.feedback.targets import Here
from app.recordings.models import Recording
from app.sessions import service as sessions
from app.sessions.deps import target_of_session
from app.sessions.models import SparringSession

# Close codes a client can act on: it does not reconnect after these.
NOT_LOGGED_IN = 4401
WRONG_ORIGIN = 4403
NO_ACCESS = 4404
TOO_MANY = 4429  # the person has as many connections to the session as one may hold


@dataclass(frozen=True)
class Access:
    user_id: int
    name: str
    language: str
    duration: float | None  # the clip's or recording's length; None: not known


def _http_scheme(scope: Scope) -> Scope:
    """The scope as the handshake's HTTP request: ws -> http, wss -> https."""
    scheme = {"ws": "http", "wss": "https"}.get(str(scope.get("scheme")), scope.get("scheme"))
    return {**scope, "scheme": scheme}


def origin_ok(scope: Scope, headers: Mapping[bytes, bytes]) -> bool:
    sent = headers.get(b"origin")
    if sent is None:
        return False
    mine = own_origin(_http_scheme(scope), headers)
    return mine is not None and mine == normalise_origin(sent.decode("latin-1"))


def session_cookie(scope: Scope, headers: Mapping[bytes, bytes]) -> str | None:
    """Under HTTPS only the `__Host-` cookie counts, as for the pages."""
    name = cookie_name(SESSION_COOKIE, is_https(_http_scheme(scope), headers))
    value = cookie_parser(headers.get(b"cookie", b"").decode("latin-1")).get(name)
    return value if value and len(value) <= 256 else None


def media_duration(session: Session, sparring: SparringSession) -> float:
    """What a seek may reach: the clip's length (0 once the clip is gone), or the recording's."""
    media = sessions.media_of(session, sparring)
    if isinstance(media, Recording):
        return float(media.duration_seconds)
    return media.duration if media is not None else 0.0


def check(token: str | None, session_id: int) -> Access | int:
    """The participant's access, or the close code that refuses it (runs in a thread)."""
    with session_scope() as session:
        user = accounts.user_for_token(session=session, token=token)
        if user is None or user.id is None:
            return NOT_LOGGED_IN
        # A browser held on one page (the child's, app.childvoice) joins no session either.
        if token and held_at(session, token, f"/api/v1/sessions/{session_id}/live"):
            return NOT_LOGGED_IN
        subject = Subject.of(user)
        try:
            sparring = sessions.reach(
                session=session, subject=subject, session_id=session_id, need_media=True
            ).sparring
        except VideosparringError:
            return NO_ACCESS
        return Access(
            user_id=user.id,
            name=user.name,
            language=user.language or DEFAULT_LANGUAGE,
            duration=media_duration(session, sparring),
        )


def joined(conn: HTTPConnection, user_id: int, session_id: int) -> None:
    """The join in the audit log: one entry per participant and session, shared with the
    page's and the API's (runs in a thread)."""
    with session_scope() as session:
        user = session.get(User, user_id)
        sparring = session.get(SparringSession, session_id)
        if user is not None and sparring is not None:
            address = conn.client.host if conn.client else None
            sessions.audit_join(session, Subject.of(user, address=address), sparring)


def sees_feedback(user_id: int, session_id: int, feedback_id: int) -> bool:
    """Whether the person reaches this published item (or reply) in the session's feedback,
    by the rule the feedback routes use: a draft, an item of another place or recording,
    or one that does not exist is never relayed (runs in a thread)."""
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            return False
        subject = Subject.of(user)
        try:
            reached = sessions.reach(
                session=session, subject=subject, session_id=session_id, need_media=True
            )
            target = target_of_session(session, reached.sparring, subject)
            if target is None:
                return False
            item = feedback.get_visible(Here(session, subject, target), feedback_id)
        except VideosparringError:
            return False
        return not item.draft
