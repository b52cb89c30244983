"""One rule for who sees what (app.access.policy): what is said in a sparring session follows
the rule of the recording or clip it is on, a leader reads no session, and a place in a
session is held after a password set through an administrator's link, as a share is.

Each of the three leaks a probe found (issue 17) has its test here."""

from fastapi.testclient import TestClient

from app.accounts import security
from app.accounts.models import Role, User
from app.core.db import session_scope
from app.live import access as live_access
from tests.support.accounts import (
    BASE_USERS,
    PASSWORD,
    ClientFactory,
    link_path,
    login,
    set_password,
    user_id,
)
from tests.support.factories import ready_recording
from tests.support.media import MediaSet
from tests.support.recordings import share
from tests.support.sessions import plan

QUESTION = "Hvordan får jeg barnet til at fortælle frit? QZ1"
SUMMARY = "Vi talte om pauser QZ1"
POINTS = "Vent længere på svar QZ1"


def texts_of(client: TestClient, session_id: int) -> list[str]:
    """The secret texts found in what the person gets of the session (list, one, page)."""
    answers = [
        client.get("/api/v1/sessions").text,
        client.get(f"/api/v1/sessions/{session_id}").text,
        client.get(f"/sessions/{session_id}").text,
        client.get("/sessions").text,
    ]
    return [t for t in (QUESTION, SUMMARY, POINTS) if any(t in answer for answer in answers)]


def planned_with_texts(owner: TestClient, recording_id: str, people: list[int]) -> int:
    session_id = int(plan(owner, recording_id, people, question=QUESTION)["id"])
    texts = {"summary": SUMMARY, "learning_points": POINTS}
    assert owner.put(f"/api/v1/sessions/{session_id}/summary", json=texts).status_code == 200
    return session_id


def test_a_participant_who_became_a_leader_reads_no_session(
    db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    """Leak 1: the list of sessions had no role check, while the single session said 404."""
    owner, admin = (
        open_client(BASE_USERS["caseworker"][0]),
        open_client(BASE_USERS["administrator"][0]),
    )
    recording_id = ready_recording(owner, media)
    colleague = user_id("caseworker2")
    share(owner, recording_id, user_id=colleague)
    session_id = planned_with_texts(owner, recording_id, [colleague])
    them = open_client(BASE_USERS["caseworker2"][0])
    assert texts_of(them, session_id) == [QUESTION, SUMMARY, POINTS]
    # The administrator makes them a leader (their place in the session stays in the table).
    form = {"role": "leader", "active": "on"}
    changed = admin.post(f"/admin/users/{colleague}", data=form, follow_redirects=False)
    assert changed.status_code == 303
    try:
        assert them.get("/api/v1/sessions").json() == []
        assert them.get(f"/api/v1/sessions/{session_id}").status_code == 404
        assert them.get(f"/api/v1/sessions/{session_id}/feedback").status_code == 404
        assert texts_of(them, session_id) == []
    finally:
        with session_scope() as session:
            user = session.get(User, colleague)
            assert user is not None
            user.role = Role.caseworker


def test_a_participant_without_the_share_reads_nothing_said_in_the_session(
    db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    """Leak 2: the planner added someone the recording is not shared with, who then read the
    caseworker's question, summary and learning points."""
    owner = open_client(BASE_USERS["caseworker"][0])
    recording_id = ready_recording(owner, media)
    colleague = user_id("caseworker2")
    session_id = planned_with_texts(owner, recording_id, [user_id("supervisor"), colleague])
    them = open_client(BASE_USERS["caseworker2"][0])
    # They reach the session (its time, who takes part) but nothing said in it.
    listed = them.get("/api/v1/sessions").json()
    assert [s["id"] for s in listed] == [session_id]
    assert (listed[0]["question"], listed[0]["summary"], listed[0]["learning_points"]) == (
        "",
        "",
        "",
    )
    one = them.get(f"/api/v1/sessions/{session_id}").json()
    assert one["sees_media"] is False and one["learning_points"] == ""
    assert texts_of(them, session_id) == []
    assert (
        them.put(f"/api/v1/sessions/{session_id}/summary", json={"summary": "x"}).status_code == 404
    )
    # Once the caseworker shares the recording, they read it.
    share(owner, recording_id, user_id=colleague)
    assert texts_of(them, session_id) == [QUESTION, SUMMARY, POINTS]


def test_a_place_in_a_session_is_held_after_a_link_password_until_added_again(
    db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    """Leak 3: shares were held after an administrator's password reset, places in sessions
    were not. Whoever opens the link (the administrator, say) reaches no session until the
    facilitator adds the person again (and the owner confirms the share)."""
    owner, admin = (
        open_client(BASE_USERS["caseworker"][0]),
        open_client(BASE_USERS["administrator"][0]),
    )
    recording_id = ready_recording(owner, media)
    supervisor_id = user_id("supervisor")
    share_id = owner.post(
        f"/api/v1/recordings/{recording_id}/shares", json={"user_id": supervisor_id}
    ).json()["id"]
    session_id = planned_with_texts(owner, recording_id, [supervisor_id])
    reset = admin.post(f"/admin/users/{supervisor_id}/reset")
    assert reset.status_code == 200
    try:
        set_password(open_client(), link_path(reset.text), "valgt af den der åbnede linket")
        person = login(open_client(), BASE_USERS["supervisor"][0], "valgt af den der åbnede linket")
        assert person.get("/api/v1/sessions").json() == []
        assert person.get(f"/api/v1/sessions/{session_id}").status_code == 404
        assert person.get(f"/sessions/{session_id}").status_code == 404
        token = person.cookies.get("vs_session")
        assert live_access.check(token, session_id) == live_access.NO_ACCESS
        # The facilitator sees the place held, and gives it again.
        public = owner.get(f"/api/v1/sessions/{session_id}").json()
        held = {p["user_id"]: p["held"] for p in public["participants"]}
        assert held == {user_id("caseworker"): False, supervisor_id: True}
        page = owner.get(f"/sessions/{session_id}").text
        assert "tilføj dem igen" in page
        again = owner.post(
            f"/api/v1/sessions/{session_id}/participants", json={"user_id": supervisor_id}
        )
        assert again.status_code == 200
        assert [p["held"] for p in again.json()["participants"]] == [False, False]
        assert person.get(f"/api/v1/sessions/{session_id}").json()["learning_points"] == ""
        # The share too is held until the owner confirms it: then everything is back.
        confirm = f"/api/v1/recordings/{recording_id}/shares/{share_id}/confirm"
        assert owner.post(confirm, json={"user_id": supervisor_id}).status_code == 204
        assert person.get(f"/api/v1/sessions/{session_id}").json()["learning_points"] == POINTS
        assert isinstance(live_access.check(token, session_id), live_access.Access)
    finally:
        with session_scope() as session:  # the base password back for later tests
            user = session.get(User, supervisor_id)
            assert user is not None
            user.password_hash = security.hash_password(PASSWORD)
