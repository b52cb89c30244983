"""Helpers for the tests of sparring sessions: a clip and its share, a planned session."""

from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from app.access.models import Share
from app.accounts.models import Role
from app.clips.models import Clip, ClipStatus
from app.core.db import session_scope
from app.core.timeutil import to_local, utcnow
from app.criteria import service as criteria_service
from app.sessions.models import (
    SessionCriterion,
    SessionKind,
    SessionParticipant,
    SessionState,
    SparringSession,
)
from tests.support.accounts import make_user

Client = TestClient | httpx.Client


def person(email: str) -> int:
    """A caseworker besides the base users; their id."""
    return make_user(email, Role.caseworker)


def later(hours: float = 2) -> str:
    return (utcnow() + timedelta(hours=hours)).isoformat()


def make_clip(recording_id: str, owner_id: int, start: float = 1.0, end: float = 4.0) -> int:
    """A clip row as the clip API leaves it once cut (the cutting is the clips' tests' subject)."""
    with session_scope() as session:
        clip = Clip(
            recording_id=recording_id,
            owner_id=owner_id,
            title="Åbningen",
            request_text="Hvordan rammesætter jeg?",
            start_seconds=start,
            end_seconds=end,
            status=ClipStatus.ready,
        )
        session.add(clip)
        session.flush()
        assert clip.id is not None
        return clip.id


def share_clip(clip_id: int, user_id: int, by: int) -> None:
    with session_scope() as session:
        clip = session.get(Clip, clip_id)
        assert clip is not None
        share = Share(
            recording_id=clip.recording_id, clip_id=clip_id, user_id=user_id, shared_by_id=by
        )
        session.add(share)


def plan_body(recording_id: str, user_ids: list[Any], **fields: Any) -> dict[str, Any]:
    """What the API takes to plan a session: an individual one two hours ahead, unless
    `fields` say otherwise."""
    return {
        "kind": "individual",
        "recording_id": recording_id,
        "user_ids": user_ids,
        "starts_at": later(),
        "question": "Hvordan får jeg barnet til at fortælle frit?",
    } | fields


def plan(client: Client, recording_id: str, user_ids: list[int], **fields: Any) -> dict:
    """A session planned through the API; its JSON."""
    response = client.post("/api/v1/sessions", json=plan_body(recording_id, user_ids, **fields))
    assert response.status_code == 201, response.text
    return dict(response.json())


def local_later(hours: float = 2) -> str:
    """A time ahead as the plan form's datetime-local field sends it."""
    return to_local(utcnow() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


# What the CSRF test fills the session routes' bodies with (nothing is acted on there).
CSRF_NAMES = {
    "session_participant": 1,
    "session_extra": 1,
    "session_starts": later(48),
    "session_starts_local": local_later(48),
}


def matrix_names(owner: Client, recording_id: str, supervisor_id: int) -> dict[str, object]:
    """What the access matrix's session routes act on: a session of the owner's recording
    (which the supervisor sees) with the supervisor and two people to remove in it, one
    to close through the API and one through the page, and someone to add."""
    remove_api, remove_page = person("fjernes-api@kommune.test"), person("fjernes@kommune.test")
    main = plan(owner, recording_id, [supervisor_id, remove_api, remove_page])
    return {
        "session_id": main["id"],
        "session_to_close": plan(owner, recording_id, [supervisor_id])["id"],
        "session_to_close_on_page": plan(owner, recording_id, [supervisor_id])["id"],
        "session_to_remove": remove_api,
        "session_to_remove_on_page": remove_page,
        "session_participant": supervisor_id,
        "session_extra": person("tilfoejes@kommune.test"),
        "session_starts": later(48),
        "session_starts_local": local_later(48),
    }


def closed_reflection(
    caseworker: int, *, team_id: int | None = None, criteria: list[int] = ()
) -> int:
    """A closed session of `caseworker` (a reflection: no recording needed), tagged."""
    with session_scope() as session:
        sparring = SparringSession(
            kind=SessionKind.reflection,
            caseworker_id=caseworker,
            planned_by_id=caseworker,
            starts_at=utcnow(),
            case_text="x",
            team_id=team_id,
            state=SessionState.closed,
            closed_at=utcnow(),
        )
        session.add(sparring)
        session.flush()
        assert sparring.id is not None
        session.add(SessionParticipant(session_id=sparring.id, user_id=caseworker))
        for cid in criteria:
            [version] = criteria_service.choose(session=session, criterion_ids=[cid])
            session.add(
                SessionCriterion(
                    session_id=sparring.id, criterion_id=cid, criterion_version_id=version.id
                )
            )
        return sparring.id
