"""What a recording's consent lets it (and its clips) be shared with. Each share needs one
purpose: a named person individual supervision, a team the caseworker is a member of team
sparring, any other team teaching. Without a consent row nothing is covered."""

from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.access.models import Share
from app.accounts.models import TeamMember
from app.core.errors import Conflict, NotFound
from app.core.i18n import N_
from app.recordings.models import Consent, Purpose

NOT_COVERED = {
    Purpose.individual: N_(
        "The consent does not cover individual supervision: it cannot be shared with a named "
        "person. The recording's page shows what the consent covers."
    ),
    Purpose.team: N_(
        "The consent does not cover team sparring: it cannot be shared with a team you are a "
        "member of. The recording's page shows what the consent covers."
    ),
    Purpose.teaching: N_(
        "The consent does not cover teaching: it cannot be shared with a team you are not a "
        "member of. Share it with your own team if the consent covers team sparring."
    ),
}


def own_team_ids(session: Session, user_id: int) -> set[int]:
    """The teams the person is a member of."""
    query = select(TeamMember.team_id).where(col(TeamMember.user_id) == user_id)
    return set(session.exec(query).all())


def purpose_of(user_id: int | None, team_id: int | None, own_teams: set[int]) -> Purpose:
    """The purpose a share with this person or team needs."""
    if user_id is not None:
        return Purpose.individual
    return Purpose.team if team_id in own_teams else Purpose.teaching


def needed(*, session: Session, owner_id: int, user_id: int | None, team_id: int | None) -> Purpose:
    return purpose_of(user_id, team_id, own_team_ids(session, owner_id))


def consent_of(session: Session, recording_id: str) -> Consent | None:
    return session.get(Consent, recording_id)


def covers(consent: Consent | None, purpose: Purpose) -> bool:
    return consent is not None and consent.covers(purpose)


def require(*, session: Session, recording_id: str, purpose: Purpose) -> None:
    """409 with what to do instead when the consent does not cover the purpose."""
    if not covers(consent_of(session, recording_id), purpose):
        raise Conflict(NOT_COVERED[purpose], code=f"share.consent_{purpose.value}")


def shares_needing(
    *, session: Session, recording_id: str, owner_id: int, purpose: Purpose
) -> list[Share]:
    """The recording's shares and its clips' that need the purpose."""
    rows = session.exec(
        select(Share).where(Share.recording_id == recording_id).order_by(col(Share.id))
    ).all()
    own = own_team_ids(session, owner_id)
    return [row for row in rows if purpose_of(row.user_id, row.team_id, own) == purpose]


@dataclass(frozen=True)
class Offer:
    """What the share forms of a recording and its clips say about its consent: the purposes
    covered and the caseworker's own teams (the teams offered are grouped by them)."""

    covered: list[Purpose]
    own_teams: set[int] = field(default_factory=set)

    def allows(self, purpose: str) -> bool:
        return purpose in self.covered

    @property
    def left_out(self) -> list[Purpose]:
        return [p for p in Purpose if p not in self.covered]


def offer(*, session: Session, recording_id: str, owner_id: int) -> Offer:
    consent = consent_of(session, recording_id)
    covered = consent.purposes if consent is not None else []
    return Offer(covered=covered, own_teams=own_team_ids(session, owner_id))


def purpose_named(name: str) -> Purpose:
    try:
        return Purpose(name)
    except ValueError as exc:
        raise NotFound(
            N_("The consent has no such purpose: individual, team or teaching."),
            code="consent.unknown_purpose",
        ) from exc


def withdraw(
    *, session: Session, recording_id: str, owner_id: int, purpose: Purpose
) -> list[Share]:
    """The consent no longer covers the purpose, and the shares that needed it (of the
    recording and of its clips) end now; those shares. One purpose at least stays: a
    consent withdrawn altogether deletes the recording."""
    row = consent_of(session, recording_id)
    if row is None or not row.covers(purpose):
        raise Conflict(
            N_("The consent does not cover that purpose (perhaps it was withdrawn already)."),
            code="consent.not_covered",
        )
    if row.purposes == [purpose]:
        raise Conflict(
            N_(
                "It is the last purpose the consent covers. If the consent is withdrawn "
                "altogether, use “Consent withdrawn: delete the recording now”."
            ),
            code="consent.last_purpose",
        )
    setattr(row, f"for_{purpose.value}", False)
    session.add(row)
    ended = shares_needing(
        session=session, recording_id=recording_id, owner_id=owner_id, purpose=purpose
    )
    if ended:
        ids = [share.id for share in ended]
        session.execute(delete(Share).where(col(Share.id).in_(ids)))
    session.flush()
    return ended
