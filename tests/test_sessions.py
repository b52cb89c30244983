"""Sparring sessions through the API: planning, access, the round, the summary, bad input."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlmodel import select

from app.accounts import service as account_service
from app.accounts.models import User
from app.accounts.subject import Subject
from app.clips.models import Clip
from app.core.db import session_scope
from app.core.errors import NotFound
from app.core.timeutil import utcnow
from app.sessions import service
from app.sessions.models import SessionParticipant, SparringSession
from tests.support.accounts import ClientFor, user_id
from tests.support.audit import entries
from tests.support.feedback import new_recording
from tests.support.media import MediaSet
from tests.support.recordings import share
from tests.support.sessions import later, make_clip, plan, share_clip

API = "/api/v1/sessions"


@pytest.fixture
def rid(db: str, client: TestClient, media: MediaSet) -> str:
    return new_recording(client, media)[0]


def code(response: object) -> str:
    return str(response.json().get("code"))  # type: ignore[attr-defined]


def test_plan_then_each_participant_sees_the_media_only_once_shared(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    supervisor, other = client_for("supervisor"), client_for("caseworker2")
    planned = plan(client, rid, [user_id("supervisor")])
    assert planned["state"] == "planned" and planned["caseworker_id"] == user_id("caseworker")
    people = {p["user_id"]: p for p in planned["participants"]}
    assert people[user_id("caseworker")]["role"] == "caseworker"
    # Taking part is no share: the supervisor waits for the caseworker.
    assert people[user_id("supervisor")]["sees_media"] is False
    seen = supervisor.get(f"{API}/{planned['id']}")
    assert seen.status_code == 200 and seen.json()["sees_media"] is False
    share(client, rid, user_id=user_id("supervisor"))
    assert supervisor.get(f"{API}/{planned['id']}").json()["sees_media"] is True
    assert [s["id"] for s in supervisor.get(API).json()] == [planned["id"]]
    # Someone not in it: as if it did not exist.
    assert other.get(f"{API}/{planned['id']}").status_code == 404
    assert other.get(API).json() == []


def test_a_supervisor_plans_a_team_session_members_listed_one_by_one(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    supervisor = client_for("supervisor")
    with session_scope() as session:
        team = account_service.create_team(session=session, name="Team Nord")
        members = [user_id("caseworker2"), user_id("leader"), user_id("caseworker")]
        account_service.set_members(session=session, team=team, user_ids=members)
        team_id = team.id
    # Not shared with the supervisor: they cannot even name the recording.
    body = {"kind": "team", "team_id": team_id}
    assert supervisor.post(API, json=_body(rid, []) | body).status_code == 404
    share(client, rid, user_id=user_id("supervisor"))
    planned = plan(supervisor, rid, [], **body)
    ids = [p["user_id"] for p in planned["participants"]]
    # The caseworker first, the planner, then the team's members (never a leader).
    assert ids == [user_id("caseworker"), user_id("supervisor"), user_id("caseworker2")]
    assert planned["planned_by_id"] == user_id("supervisor") and planned["team_id"] == team_id
    # A caseworker who only has the recording shared does not plan on it.
    share(client, rid, user_id=user_id("caseworker2"))
    refused = client_for("caseworker2").post(API, json=_body(rid, [user_id("supervisor")]))
    assert refused.status_code == 403 and code(refused) == "session.plan_not_allowed"


def _body(rid: str, user_ids: list[int], **fields: object) -> dict[str, object]:
    return {
        "kind": "individual",
        "recording_id": rid,
        "user_ids": user_ids,
        "starts_at": later(),
        "question": "",
    } | fields


@pytest.mark.parametrize(
    ("fields", "status", "expected"),
    [
        ({"user_ids": []}, 422, "session.nobody"),
        ({"user_ids": ["me"]}, 422, "session.nobody"),
        ({"user_ids": [987654321]}, 422, "session.unknown_participant"),
        ({"user_ids": ["leader"]}, 422, "session.unknown_participant"),
        ({"team_id": 987654321}, 422, "session.bad_team"),
        ({"starts_at": "past"}, 422, "session.time_past"),
        ({"starts_at": "2030-01-01T10:00:00"}, 422, "session.time_no_zone"),
        ({"question": "x" * 4001}, 422, "session.text_too_long"),
        ({"question": "hej\x00"}, 422, "session.text_bad_chars"),
        ({"clip_id": "other"}, 422, "session.clip_other_recording"),
        ({"clip_id": 987654321}, 422, "session.clip_other_recording"),
        ({"recording_id": "nosuchrecording"}, 404, "recording.not_found"),
        ({"user_ids": [2**63]}, 422, "validation"),
    ],
)
def test_bad_plans_are_refused_and_nothing_is_stored(
    rid: str, client: TestClient, media: MediaSet, fields: dict, status: int, expected: str
) -> None:
    names = {"me": user_id("caseworker"), "leader": user_id("leader")}
    if "user_ids" in fields:
        fields = fields | {"user_ids": [names.get(u, u) for u in fields["user_ids"]]}
    if fields.get("starts_at") == "past":
        fields = fields | {"starts_at": (utcnow() - timedelta(hours=1)).isoformat()}
    if fields.get("clip_id") == "other":
        other_rid = new_recording(client, media)[0]
        fields = fields | {"clip_id": make_clip(other_rid, user_id("caseworker"))}
    body = _body(rid, [user_id("supervisor")]) | fields
    response = client.post(API, json=body)
    assert response.status_code == status, response.text
    if expected != "validation":
        assert code(response) == expected and response.json()["detail"]
    with session_scope() as session:
        assert session.exec(select(SparringSession)).first() is None


def test_a_removed_participant_is_out_at_once(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    share(client, rid, user_id=user_id("supervisor"))
    supervisor = client_for("supervisor")
    planned = plan(client, rid, [user_id("supervisor"), user_id("caseworker2")])
    url = f"{API}/{planned['id']}"
    assert supervisor.get(url).status_code == 200
    assert client.delete(f"{url}/participants/{user_id('supervisor')}").status_code == 204
    gone = supervisor.get(url)
    assert gone.status_code == 404 and code(gone) == "session.not_found"
    assert supervisor.put(f"{url}/summary", json={"summary": "x"}).status_code == 404
    # The caseworker stays; the last other participant too ("a session with nobody").
    stays = client.delete(f"{url}/participants/{user_id('caseworker')}")
    assert stays.status_code == 422 and code(stays) == "session.caseworker_stays"
    last = client.delete(f"{url}/participants/{user_id('caseworker2')}")
    assert last.status_code == 422 and code(last) == "session.nobody"
    # Back through the API: they see it again (the recording's share is still theirs).
    added = client.post(f"{url}/participants", json={"user_id": user_id("supervisor")})
    assert added.status_code == 200 and supervisor.get(url).status_code == 200
    # A participant who is not the facilitator changes nothing.
    refused = supervisor.post(f"{url}/participants", json={"user_id": user_id("caseworker2")})
    assert refused.status_code == 403 and code(refused) == "session.facilitator_only"


def test_reaching_the_media_also_needs_the_owners_share(rid: str, client: TestClient) -> None:
    """The live channel's check: a participant without the media is refused (404)."""
    planned = plan(client, rid, [user_id("supervisor")])
    with session_scope() as session:
        supervisor = Subject.of(
            session.exec(select(User).where(User.id == user_id("supervisor"))).one()
        )
        with pytest.raises(NotFound):
            service.reach(
                session=session, subject=supervisor, session_id=planned["id"], need_media=True
            )
        found = service.reach(session=session, subject=supervisor, session_id=planned["id"])
        assert found.sparring.id == planned["id"] and not found.sees_media
        assert service.participant_ids(session=session, session_id=planned["id"]) == {
            user_id("caseworker"),
            user_id("supervisor"),
        }
    share(client, rid, user_id=user_id("supervisor"))
    with session_scope() as session:
        supervisor = Subject.of(
            session.exec(select(User).where(User.id == user_id("supervisor"))).one()
        )
        found = service.reach(
            session=session, subject=supervisor, session_id=planned["id"], need_media=True
        )
        assert found.sees_media


def test_a_session_on_a_clip_needs_the_clip_share(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    clip_id = make_clip(rid, user_id("caseworker"))
    # Even the whole recording's share is not the clip's.
    planned = plan(client, rid, [user_id("supervisor")], clip_id=clip_id, kind="team")
    assert planned["on_clip"] is True and planned["clip_id"] == clip_id
    supervisor = client_for("supervisor")
    url = f"{API}/{planned['id']}"
    assert supervisor.get(url).json()["sees_media"] is False
    share_clip(clip_id, user_id("supervisor"), by=user_id("caseworker"))
    assert supervisor.get(url).json()["sees_media"] is True
    # The clip deleted: the session and its learning points stay, no media for anyone.
    with session_scope() as session:
        session.execute(delete(Clip).where(Clip.id == clip_id))  # type: ignore[arg-type]
    after = client.get(url).json()
    assert after["clip_id"] is None and after["on_clip"] is True and after["sees_media"] is False


def test_the_round_strength_first_then_development_points_then_questions(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    first, second = user_id("supervisor"), user_id("caseworker2")
    planned = plan(client, rid, [first, second])
    url = f"{API}/{planned['id']}/round"
    assert client.post(url, json={"action": "previous"}).status_code == 409

    def step(action: str, **fields: object) -> tuple[object, object]:
        response = client.post(url, json={"action": action} | fields)
        assert response.status_code == 200, response.text
        return response.json()["round_user_id"], response.json()["round_phase"]

    phases = ["strength", "development_point", "question"]
    walked = [step("next") for _ in range(6)]
    assert walked == [(first, p) for p in phases] + [(second, p) for p in phases]
    assert step("previous") == (second, "development_point")
    assert step("to", user_id=first, phase="question") == (first, "question")
    assert step("end") == (None, None)
    over = client.post(url, json={"action": "next"})
    assert over.status_code == 409 and code(over) == "session.round_over"
    assert (
        code(client.post(url, json={"action": "to", "user_id": 987654})) == "session.round_unknown"
    )
    assert code(client.post(url, json={"action": "jump"})) == "session.round_action"
    # Only the facilitator moves it.
    refused = client_for("caseworker2").post(url, json={"action": "next"})
    assert refused.status_code == 403
    closed = client.post(f"{API}/{planned['id']}/close")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert code(client.post(url, json={"action": "next"})) == "session.closed"
    assert code(client.post(f"{API}/{planned['id']}/close")) == "session.closed"


def test_summary_and_the_caseworkers_own_learning_points(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    supervisor = client_for("supervisor")
    share(client, rid, user_id=user_id("supervisor"))
    planned = plan(supervisor, rid, [])
    url = f"{API}/{planned['id']}/summary"
    saved = supervisor.put(url, json={"summary": "Vi så på åbningen."})
    assert saved.status_code == 200 and saved.json()["summary"] == "Vi så på åbningen."
    refused = supervisor.put(url, json={"learning_points": "Mine?"})
    assert refused.status_code == 403 and code(refused) == "session.learning_points_own"
    points = "Vent efter et åbent spørgsmål.\nGentag barnets ord."
    mine = client.put(url, json={"learning_points": points})
    assert mine.status_code == 200 and mine.json()["learning_points"] == points
    assert mine.json()["summary"] == "Vi så på åbningen."
    long = client.put(url, json={"learning_points": "x" * 4001})
    assert long.status_code == 422 and code(long) == "session.text_too_long"
    with session_scope() as session:
        last = service.last_learning_points(session=session, caseworker_id=user_id("caseworker"))
    assert last == points
    # Saved with the session, after the close too.
    assert client.post(f"{API}/{planned['id']}/close").status_code == 200
    assert client.get(f"{API}/{planned['id']}").json()["learning_points"] == points


def test_change_the_plan(rid: str, client: TestClient) -> None:
    planned = plan(client, rid, [user_id("supervisor")])
    url = f"{API}/{planned['id']}"
    moved = client.patch(url, json={"starts_at": later(48), "question": "Ny", "kind": "team"})
    assert moved.status_code == 200 and moved.json()["question"] == "Ny"
    past = client.patch(url, json={"starts_at": (utcnow() - timedelta(days=1)).isoformat()})
    assert past.status_code == 422 and code(past) == "session.time_past"
    assert client.patch(f"{API}/987654321", json={"question": "x"}).status_code == 404
    assert client.get(f"{API}/0").status_code == 422


def test_joining_is_audited_once_per_participant_and_session(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    supervisor = client_for("supervisor")
    first = plan(client, rid, [user_id("supervisor")])
    second = plan(client, rid, [user_id("supervisor")])
    for _ in range(3):
        assert supervisor.get(f"{API}/{first['id']}").status_code == 200
    assert supervisor.get(f"{API}/{second['id']}").status_code == 200
    details = sorted(e.detail for e in entries(recording_id=rid, actor_id=user_id("supervisor")))
    assert details == sorted([f"session {first['id']}", f"session {second['id']}"])


def test_deleting_the_recording_ends_its_sessions(rid: str, client: TestClient) -> None:
    planned = plan(client, rid, [user_id("supervisor")])
    assert client.delete(f"/api/v1/recordings/{rid}").status_code == 204
    assert client.get(f"{API}/{planned['id']}").status_code == 404
    with session_scope() as session:
        assert session.exec(select(SessionParticipant)).first() is None
