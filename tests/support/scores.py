"""Scores without the pages: scales given to the first criteria, bare recordings (a row, no
media: scores need only the recording), and sheets saved through the service."""

import secrets
from collections.abc import Mapping
from datetime import date, datetime

from sqlmodel import select

from app.accounts.models import User
from app.accounts.subject import Subject
from app.core.db import session_scope
from app.criteria import service as criteria
from app.criteria.models import CriterionUpdate
from app.recordings.models import Recording, RecordingStatus
from app.scores import service

LEVELS_DA = "Ikke endnu\nPå vej\nSikker\nForbilledlig"
LEVELS_EN = "Not yet\nOn the way\nConfident\nExemplary"


def scale_criteria(count: int = 3) -> list[int]:
    """The first `count` criteria that can be chosen get a 4-level scale; their ids."""
    with session_scope() as session:
        public = criteria.to_public(criteria.catalogue(session=session))
        ids = [c.id for c in public if not c.retired][:count]
        for criterion_id in ids:
            body = CriterionUpdate(levels_da=LEVELS_DA, levels_en=LEVELS_EN)
            criteria.update(session=session, criterion_id=criterion_id, body=body)
    return ids


def bare_recording(
    owner_id: int, title: str = "Samtale til scorer", created_at: datetime | None = None
) -> str:
    """A recording row of `owner_id`'s, ready, without media; its id."""
    recording_id = secrets.token_hex(8)
    with session_scope() as session:
        row = Recording(
            id=recording_id, title=title, case_reference="SAG-SCORE", owner_id=owner_id,
            delete_after=date(2099, 1, 1), original_filename="a.mp4", stored_name="",
            size_bytes=1, sha256="0", duration_seconds=60, container="mp4", has_video=True,
            status=RecordingStatus.ready,
        )  # fmt: skip
        if created_at is not None:
            row.created_at = created_at
        session.add(row)
    return recording_id


def score(
    recording_id: str, scorer_id: int, levels: Mapping[int, int], publish: bool = True
) -> None:
    with session_scope() as session:
        person = session.exec(select(User).where(User.id == scorer_id)).one()
        service.save(session, Subject.of(person), recording_id, levels, publish=publish)


def share_with(recording_id: str, owner_id: int, *user_ids: int) -> None:
    """Personal shares of a bare recording, as the owner's share would make them."""
    from app.access.models import Share

    with session_scope() as session:
        for user_id in user_ids:
            share = Share(recording_id=recording_id, user_id=user_id, shared_by_id=owner_id)
            session.add(share)
