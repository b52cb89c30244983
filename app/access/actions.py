"""What a person asks for with the shares of a recording or a clip: check, change, audit.

Every package's `actions.py` has this shape: the policy decides who may (here the route's
dependency resolved what is shared, for its caseworker only), the service makes the
change, the audit log gets the entry once it is committed. Routes and form posts call
these and nothing else.
"""

from sqlmodel import Session

from app.access import consent, events, policy, service
from app.access.events import Granted
from app.access.models import SharePublic, Status
from app.access.service import Shared, target_words
from app.accounts.subject import Subject
from app.audit.service import Action, audit_on_commit
from app.recordings.models import RecordingStatus


def of_recording(session: Session, subject: Subject, recording_id: str) -> Shared:
    """The caseworker's recording, to share (403 for someone it is shared with, else 404)."""
    recording = policy.owned_recording(session, subject, recording_id)
    return Shared(
        recording_id=recording.id,
        owner_id=recording.owner_id,
        page=f"/recordings/{recording.id}#sharing",
        shareable=recording.status != RecordingStatus.failed,
    )


def _audit(session: Session, subject: Subject, action: str, what: Shared, words: str) -> None:
    audit_on_commit(session, subject, action, what.recording_id, f"{what.audit_prefix}{words}")


def share(
    *,
    session: Session,
    subject: Subject,
    what: Shared,
    user_id: int | None,
    team_id: int | None,
    protected: bool = False,
) -> SharePublic:
    """The caseworker shares with a person or a team (a team: the protected variant)."""
    row = service.share(
        session=session, what=what, by=subject, user_id=user_id, team_id=team_id,
        protected=protected,
    )  # fmt: skip
    variant = " protected" if row.protected else ""
    _audit(session, subject, Action.share, what, target_words(user_id, team_id) + variant)
    public = service.public(session=session, what=what, share_id=row.id)[0]
    reached = [v.user_id for v in public.viewers if v.status == Status.access]
    events.granted(session, Granted(what.recording_id, what.clip_id, reached, subject))
    return public


def confirm(
    *, session: Session, subject: Subject, what: Shared, share_id: int, person: int
) -> None:
    """The caseworker gives one more person access through a share."""
    service.confirm(session=session, what=what, share_id=share_id, user_id=person)
    _audit(session, subject, Action.share_confirmed, what, f"share {share_id} user {person}")
    events.granted(session, Granted(what.recording_id, what.clip_id, [person], subject))


def unshare(*, session: Session, subject: Subject, what: Shared, share_id: int) -> None:
    """The caseworker withdraws a share."""
    row = service.unshare(session=session, what=what, share_id=share_id)
    words = target_words(row.user_id, row.team_id) if what.clip_id is None else f"share {share_id}"
    _audit(session, subject, Action.unshare, what, words)


def withdraw_purpose(*, session: Session, subject: Subject, recording_id: str, purpose: str) -> int:
    """The caseworker withdraws one purpose of the consent: every share of the recording
    and its clips that needed it ends now, each audited; how many ended."""
    recording = policy.owned_recording(session, subject, recording_id)
    withdrawn = consent.purpose_named(purpose)
    ended = consent.withdraw(
        session=session, recording_id=recording.id, owner_id=recording.owner_id, purpose=withdrawn
    )
    for row in ended:
        place = f"clip {row.clip_id} " if row.clip_id is not None else ""
        words = (
            f"{place}{target_words(row.user_id, row.team_id)}; consent for {withdrawn} withdrawn"
        )
        audit_on_commit(session, subject, Action.unshare, recording.id, words)
    detail = f"{withdrawn}; {len(ended)} shares ended"
    audit_on_commit(session, subject, Action.consent_purpose_withdrawn, recording.id, detail)
    return len(ended)
