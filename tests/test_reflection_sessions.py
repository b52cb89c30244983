"""Joint professional reflection (fælles faglig refleksion): a session without a recording,
who reads it, CPR numbers refused, learning points tagged with criteria, the leader's
figures (groups under three hidden), and when a reflection is deleted."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts import service as account_service
from app.accounts.models import Role, User
from app.core.db import session_scope
from app.core.timeutil import to_local, utcnow
from app.retention.service import policy
from app.sessions import figures, retention
from app.sessions.models import (
    SessionKind,
    SessionParticipant,
    SparringSession,
)
from tests.support.accounts import ClientFor, make_team, user_id
from tests.support.audit import entries, last_seq
from tests.support.feedback import criterion_ids
from tests.support.sessions import closed_reflection, later, person

API = "/api/v1/sessions"
CASE = "En pige på 9 år fortæller om skolen, men bliver stille, når vi taler om hjemmet."


def reflection(client: TestClient, user_ids: list[int], **fields: Any) -> dict[str, Any]:
    body = {
        "kind": "reflection",
        "user_ids": user_ids,
        "starts_at": later(),
        "question": "Hvordan går jeg videre?",
        "case_text": CASE,
    } | fields
    response = client.post(API, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_reflection_is_planned_without_a_recording_and_audited(
    db: str, client: TestClient
) -> None:
    since = last_seq()
    planned = reflection(client, [user_id("supervisor"), user_id("caseworker2")])
    assert planned["kind"] == "reflection" and planned["recording_id"] is None
    assert planned["case_text"] == CASE and planned["caseworker_id"] == user_id("caseworker")
    assert planned["sees_media"] is False
    ids = [p["user_id"] for p in planned["participants"]]
    assert ids == [user_id("caseworker"), user_id("supervisor"), user_id("caseworker2")]
    [entry] = entries(since, action="session_planned")
    assert entry.recording_id is None
    assert entry.detail == f"session {planned['id']} reflection, 3 participants"
    # Nobody besides the presenter: refused.
    alone = client.post(
        API, json={"kind": "reflection", "starts_at": later(), "case_text": CASE, "user_ids": []}
    )
    assert alone.status_code == 422 and alone.json()["code"] == "session.nobody"
    # No case: refused.
    empty = client.post(
        API,
        json={"kind": "reflection", "starts_at": later(), "user_ids": [user_id("supervisor")]},
    )
    assert empty.status_code == 422 and empty.json()["code"] == "session.case_missing"


def test_the_participants_are_invited_and_told_of_a_new_time(
    db: str, client: TestClient, client_for: ClientFor
) -> None:
    """A notification without a recording: it opens the reflection, while one takes part."""
    planned = reflection(client, [user_id("supervisor")])
    supervisor = client_for("supervisor")
    listed = supervisor.get("/api/v1/notifications").json()
    assert listed["unread"] == 1
    [note] = listed["items"]
    assert note["reason"] == "invited" and note["recording_id"] is None
    assert note["title"] == "Fælles faglig refleksion"
    opened = supervisor.get(f"/notifications/{note['id']}/open", follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/sessions/{planned['id']}"
    moved = client.patch(f"{API}/{planned['id']}", json={"starts_at": later(5)})
    assert moved.status_code == 200
    listed = supervisor.get("/api/v1/notifications").json()
    assert [n["reason"] for n in listed["items"]] == ["moved", "invited"]
    assert listed["unread"] == 1
    # Out of the session: the notifications are no longer shown.
    client.post(f"{API}/{planned['id']}/participants", json={"user_id": user_id("caseworker2")})
    client.delete(f"{API}/{planned['id']}/participants/{user_id('supervisor')}")
    assert supervisor.get("/api/v1/notifications").json() == {"items": [], "unread": 0}
    assert client_for("caseworker2").get("/api/v1/notifications").json()["unread"] == 1


@pytest.mark.parametrize(
    "cpr", ["120314-2028", "1203142028", "12.03.14-2028", "Barnet (010190 1234) siger"]
)
def test_a_case_with_a_cpr_number_is_refused(db: str, client: TestClient, cpr: str) -> None:
    response = client.post(
        API,
        json={
            "kind": "reflection",
            "starts_at": later(),
            "case_text": f"{CASE} {cpr}",
            "user_ids": [user_id("supervisor")],
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "session.case_cpr"
    assert response.json()["field"] == "case_text"
    with session_scope() as session:
        assert session.exec(select(SparringSession)).first() is None


def test_who_reads_a_reflection(db: str, client: TestClient, client_for: ClientFor) -> None:
    planned = reflection(client, [user_id("supervisor")])
    url = f"{API}/{planned['id']}"
    seen = client_for("supervisor").get(url)
    assert seen.status_code == 200 and seen.json()["case_text"] == CASE
    assert client_for("supervisor").get(f"/sessions/{planned['id']}").status_code == 200
    # Not a participant, a leader, an administrator: as if it did not exist.
    for who in ("caseworker2", "leader", "administrator"):
        assert client_for(who).get(url).status_code == 404, who
        assert client_for(who).get(f"/sessions/{planned['id']}").status_code == 404, who
    # Removed: out at once.
    assert client.delete(f"{url}/participants/{user_id('supervisor')}").status_code == 422
    client.post(f"{url}/participants", json={"user_id": user_id("caseworker2")})
    assert client_for("caseworker2").get(url).json()["case_text"] == CASE
    assert client.delete(f"{url}/participants/{user_id('caseworker2')}").status_code == 204
    assert client_for("caseworker2").get(url).status_code == 404
    # No media: the feedback and the share of a session on a recording do not exist here.
    assert client_for("supervisor").get(f"{url}/feedback").status_code == 404
    # Its kind stays.
    moved = client.patch(url, json={"kind": "team"})
    assert moved.status_code == 422 and moved.json()["code"] == "session.kind_change"
    changed = client.patch(url, json={"case_text": "En dreng på 12 år."})
    assert changed.status_code == 200 and changed.json()["case_text"] == "En dreng på 12 år."
    since = last_seq()
    assert client_for("supervisor").get(url).status_code == 200
    [joined] = entries(since, action="session_joined")
    assert joined.recording_id is None and joined.detail == f"session {planned['id']}"


def test_the_round_learning_points_with_criteria_and_the_close(
    db: str, client: TestClient, client_for: ClientFor
) -> None:
    planned = reflection(client, [user_id("supervisor"), user_id("caseworker2")])
    url = f"{API}/{planned['id']}"
    first = client.post(f"{url}/round", json={"action": "next"}).json()
    assert (first["round_user_id"], first["round_phase"]) == (user_id("supervisor"), "strength")
    chosen = criterion_ids(client)[:2]
    since = last_seq()
    body = {"learning_points": "Jeg venter længere.", "criterion_ids": chosen}
    saved = client.put(f"{url}/summary", json=body)
    assert saved.status_code == 200, saved.text
    assert saved.json()["criterion_ids"] == chosen
    [entry] = entries(since, action="learning_points_saved")
    assert entry.detail == f"session {planned['id']} criteria 2"
    # Only the presenter tags their learning points.
    other = client_for("supervisor").put(f"{url}/summary", json={"criterion_ids": chosen[:1]})
    assert other.status_code == 403
    # Untag one; an unknown criterion is refused.
    assert (
        client.put(f"{url}/summary", json={"criterion_ids": chosen[1:]}).json()["criterion_ids"]
        == chosen[1:]
    )
    bad = client.put(f"{url}/summary", json={"criterion_ids": [987654]})
    assert bad.status_code == 422
    assert client_for("supervisor").get(url).json()["criterion_ids"] == chosen[1:]
    since = last_seq()
    closed = client.post(f"{url}/close").json()
    assert closed["state"] == "closed"
    assert [e.detail for e in entries(since, action="session_closed")] == [
        f"session {planned['id']}"
    ]
    page = client_for("caseworker2").get(f"/sessions/{planned['id']}")
    assert page.status_code == 200 and "Jeg venter længere." in page.text
    # The presenter's list of sessions shows it with its learning points, read in the log.
    since = last_seq()
    listed = client.get("/sessions")
    assert listed.status_code == 200 and "Fælles faglig refleksion" in listed.text
    assert "Jeg venter længere." in listed.text
    [viewed] = entries(since, action="view")
    assert viewed.recording_id is None and viewed.detail == f"sessions {planned['id']}"
    # The learning points are the next session's agenda, as for the others.
    form = client.get("/sessions/new")
    assert "Jeg venter længere." in form.text


def test_the_presenter_account_going_takes_the_reflection_and_retention_deletes_it(
    db: str, client: TestClient
) -> None:
    planned = reflection(client, [user_id("supervisor")])
    presenter = person("presenter@kommune.test")
    with session_scope() as session:
        mine = SparringSession(
            kind=SessionKind.reflection,
            caseworker_id=presenter,
            planned_by_id=presenter,
            starts_at=utcnow(),
            case_text="x",
        )
        session.add(mine)
        session.flush()
        session.add(SessionParticipant(session_id=mine.id, user_id=presenter))
        mine_id = mine.id
    with session_scope() as session:
        user = session.get(User, presenter)
        assert user is not None
        account_service.delete_user(session=session, user=user)
    with session_scope() as session:
        assert session.get(SparringSession, mine_id) is None
        days = policy(session=session).default_days
    client.post(f"{API}/{planned['id']}/close")
    # Kept until the policy's default days after the close; then deleted, with a log entry.
    with session_scope() as session:
        assert retention.purge(session=session) == []
        soon = utcnow() + timedelta(days=days - 1)
        assert retention.purge(session=session, now=soon) == []
    since = last_seq()
    with session_scope() as session:
        gone = retention.purge(session=session, now=utcnow() + timedelta(days=days, minutes=1))
    assert gone == [planned["id"]]
    with session_scope() as session:
        assert session.get(SparringSession, planned["id"]) is None
        left = select(SessionParticipant).where(SessionParticipant.session_id == planned["id"])
        assert session.exec(left).first() is None
    [entry] = entries(since, action="retention_delete")
    assert entry.detail == f"session {planned['id']} reflection past its time"


# The leader's figures ----------------------------------------------------------------------


def _rows(measure: str) -> list[dict[str, Any]]:
    with session_scope() as session:
        return [r for r in figures.leader_table(session, 3) if r["measure"] == measure]


@pytest.mark.parametrize("size", [2, 3])
def test_leader_figures_hide_groups_under_three(db: str, client: TestClient, size: int) -> None:
    people = [person(f"cw{i}@kommune.test") for i in range(size)]
    team = make_team("Team Syd", people)
    [criterion, *_] = criterion_ids(client)
    for who in people:
        closed_reflection(who, criteria=[criterion])
    month = to_local(utcnow()).strftime("%Y-%m")
    local = to_local(utcnow())
    quarter = f"{local.year}-Q{(local.month - 1) // 3 + 1}"
    held, last, themes = (
        _rows("sessions_held"),
        _rows("sparring_last_quarter"),
        _rows(f"learning_theme:{criterion}"),
    )
    if size == 2:
        assert held == [] and last == [] and themes == []
        return
    assert held == [
        {
            "team": "Team Syd",
            "period": month,
            "measure": "sessions_held",
            "value": 3,
            "group_size": 3,
        }
    ]
    assert last == [
        {
            "team": "Team Syd",
            "period": "last quarter",
            "measure": "sparring_last_quarter",
            "value": 1.0,
            "group_size": 3,
        }
    ]
    [theme] = themes
    assert theme["team"] == "Team Syd" and theme["period"] == quarter
    assert theme["value"] == 3 and theme["group_size"] == 3
    assert theme["name_da"] and theme["name_en"] and theme["name_da"] != theme["name_en"]
    # A team session counts for its team, not for its caseworker's.
    del team


def test_leader_figures_count_what_the_rule_says(db: str, client: TestClient) -> None:
    """Three sessions of one caseworker are no group; a member without a session lowers the
    share; a session long closed is no sparring in the last quarter; the page shows them."""
    people = [person(f"p{i}@kommune.test") for i in range(4)]
    make_team("Team Øst", people)
    for _ in range(3):
        closed_reflection(people[0])
    assert _rows("sessions_held") == []
    old = closed_reflection(people[1])
    with session_scope() as session:
        row = session.get(SparringSession, old)
        assert row is not None
        row.closed_at = utcnow() - timedelta(days=120)
        session.add(row)
    closed_reflection(people[2])
    [last] = _rows("sparring_last_quarter")
    assert last["value"] == 0.5 and last["group_size"] == 4  # people 0 and 2 of 4
    # The leader's page shows it; never a name.
    with session_scope() as session:
        names = [u.name for u in session.exec(select(User).where(User.role == Role.caseworker))]
    from tests.support.accounts import BASE_USERS, login

    leader = login(TestClient(client.app), BASE_USERS["leader"][0])
    page = leader.get("/leader")
    assert page.status_code == 200 and "Team Øst" in page.text and "50 %" in page.text
    assert not [n for n in names if n in page.text]


def test_the_migration_keeps_every_session_and_its_participants(
    db: str, client: TestClient, media: Any
) -> None:
    """SQLite makes the sessions' table again to let `recording_id` be empty: the rows that
    point at it (participants) stay, and a reflection goes when going back."""
    from alembic import command

    from tests.support.database import alembic_config
    from tests.support.feedback import new_recording
    from tests.support.sessions import plan

    rid = new_recording(client, media)[0]
    on_recording = plan(client, rid, [user_id("supervisor")])
    ours = reflection(client, [user_id("supervisor")])

    def participants() -> set[tuple[int, int]]:
        with session_scope() as session:
            rows = session.exec(select(SessionParticipant)).all()
            return {(r.session_id, r.user_id) for r in rows}

    def invitations() -> set[int | None]:
        from app.feedback.models import Notification

        with session_scope() as session:
            return {n.session_id for n in session.exec(select(Notification)).all()}

    before = participants()
    assert invitations() == {on_recording["id"], ours["id"]}
    config = alembic_config()
    command.downgrade(config, "b1d4e5f80025-1")  # the one before this feature
    assert participants() == {p for p in before if p[0] == on_recording["id"]}
    command.upgrade(config, "head")
    assert participants() == {p for p in before if p[0] == on_recording["id"]}
    assert invitations() == {on_recording["id"]}
    with session_scope() as session:
        assert session.get(SparringSession, ours["id"]) is None
        kept = session.get(SparringSession, on_recording["id"])
        assert kept is not None and kept.recording_id == rid
    # A new one gets an id never used before.
    assert reflection(client, [user_id("supervisor")])["id"] > ours["id"]
