"""The audit log of clips and sparring sessions (issue 10): every change to a clip or a
session is an entry once committed (never for a refused one), through the API and the
pages alike; joining is one entry per participant and session, page, API and live channel
together."""

from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.admin.audit_words import CLIP_AND_SESSION_ACTIONS
from app.audit.models import AuditEntry
from app.audit.service import Action
from app.core.db import session_scope
from app.core.labels import LABELS
from app.main import app
from tests.support.accounts import ClientFor, user_id
from tests.support.clips import make_clip
from tests.support.factories import ready_recording
from tests.support.live import joined, make_scene
from tests.support.media import MediaSet
from tests.support.sessions import later, local_later, plan

# The actions clips and sessions brought (their labels and details are tested here).
NEW = CLIP_AND_SESSION_ACTIONS


def entries(recording_id: str, *actions: str) -> list[str]:
    """ "action by actor: detail" for the recording's entries of these kinds, oldest first."""
    with session_scope() as session:
        rows = session.exec(
            select(AuditEntry)
            .where(AuditEntry.recording_id == recording_id)
            .where(col(AuditEntry.action).in_(actions or NEW))
            .order_by(col(AuditEntry.seq))
        ).all()
    return [f"{e.action} by {e.actor_id}: {e.detail}" for e in rows]


def form(client: TestClient, **fields: object) -> dict[str, object]:
    return {"csrf_token": client.cookies.get("vs_csrf")} | fields


def test_every_new_action_has_a_label_for_the_audit_page() -> None:
    actions = {v for k, v in vars(Action).items() if not k.startswith("_")}
    assert set(NEW) <= actions
    assert set(NEW) <= LABELS["audit.action"].keys()


def test_clip_changes_are_audited_through_the_api_and_the_page(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media)
    me = user_id("caseworker")
    first = make_clip(client, recording_id, 10.0, 20.0)
    assert client.patch(f"/api/v1/clips/{first}", json={"title": "Nyt navn"}).status_code == 200
    # Refused: nothing changed, nothing written.
    bad = client.patch(f"/api/v1/clips/{first}", json={"end_seconds": 99.0})
    assert bad.status_code == 422
    assert client.delete(f"/api/v1/clips/{first}").status_code == 204
    page = client.post(
        f"/recordings/{recording_id}/clips",
        data=form(client, title="På siden", start="0:05", end="0:08"),
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    second = int(page.headers["location"].rsplit("clip-", 1)[1])
    gone = client.post(f"/clips/{second}/delete", data=form(client), follow_redirects=False)
    assert gone.status_code == 303
    assert entries(recording_id) == [
        f"clip_created by {me}: clip {first} 10.0-20.0",
        f"clip_changed by {me}: clip {first} title",
        f"clip_deleted by {me}: clip {first}",
        f"clip_created by {me}: clip {second} 5.0-8.0",
        f"clip_deleted by {me}: clip {second}",
    ]


def test_session_changes_are_audited_through_the_api(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media)
    me, supervisor, colleague = user_id("caseworker"), user_id("supervisor"), user_id("caseworker2")
    planned = plan(client, recording_id, [supervisor], kind="team")
    sid = planned["id"]
    api = f"/api/v1/sessions/{sid}"
    assert client.patch(api, json={"question": "Ny", "starts_at": later(5)}).status_code == 200
    assert client.patch(api, json={"starts_at": "2001-01-01T00:00:00Z"}).status_code == 422
    assert client.post(f"{api}/participants", json={"user_id": colleague}).status_code == 200
    assert client.delete(f"{api}/participants/{colleague}").status_code == 204
    assert client.post(f"{api}/round", json={"action": "next"}).status_code == 200
    both = {"summary": "Opsummering", "learning_points": "Åbne spørgsmål"}
    assert client.put(f"{api}/summary", json=both).status_code == 200
    # The supervisor may not write the caseworker's learning points: refused, not audited;
    # without the recording's share they do not reach what is said in the session at all.
    sup = client_for("supervisor")
    assert sup.put(f"{api}/summary", json={"learning_points": "x"}).status_code == 404
    assert client.post(f"/api/v1/recordings/{recording_id}/shares", json={"user_id": supervisor})
    assert sup.put(f"{api}/summary", json={"learning_points": "x"}).status_code == 403
    assert client.post(f"{api}/close").status_code == 200
    s = f"session {sid}"
    expected = [
        f"session_planned by {me}: {s} team on recording, 2 participants",
        f"session_changed by {me}: {s} question,starts_at",
        f"participant_added by {me}: {s} user {colleague} (1 added)",
        f"participant_removed by {me}: {s} user {colleague}",
        f"session_summary_saved by {me}: {s}",
        f"learning_points_saved by {me}: {s}",
        f"session_closed by {me}: {s}",
    ]
    assert entries(recording_id) == expected


def test_the_sessions_list_audits_the_texts_it_gives(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    """Issue 18: the list gave sessions' texts without an entry. One viewing per reader and
    recording, as for the recording's other content; nothing for a reader it hides them from."""
    recording_id = ready_recording(client, media)
    me, supervisor = user_id("caseworker"), user_id("supervisor")
    first, second = (plan(client, recording_id, [supervisor])["id"] for _ in range(2))
    points = {"learning_points": "Åbne spørgsmål"}
    assert client.put(f"/api/v1/sessions/{first}/summary", json=points).status_code == 200
    # The page shows the caseworker's learning points; the API list the question too.
    assert "Åbne spørgsmål" in client.get("/sessions").text
    assert entries(recording_id, Action.view) == [f"view by {me}: sessions {first}"]
    listed = client.get("/api/v1/sessions").json()
    assert {s["question"] for s in listed} == {"Hvordan får jeg barnet til at fortælle frit?"}
    assert len(entries(recording_id, Action.view)) == 1  # the same viewing
    # The supervisor, without the recording's share, gets no texts, and no entry is written.
    hidden = client_for("supervisor").get("/api/v1/sessions").json()
    assert {s["id"] for s in hidden} == {first, second}
    assert {s["question"] for s in hidden} == {""}
    assert len(entries(recording_id, Action.view)) == 1


def test_session_changes_are_audited_through_the_pages(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media)
    me, supervisor, colleague = user_id("caseworker"), user_id("supervisor"), user_id("caseworker2")
    clip_id = make_clip(client, recording_id, 10.0, 20.0)
    made = client.post(
        "/sessions/new",
        data=form(
            client,
            media=f"{recording_id}:{clip_id}",
            kind="team",
            user_id=str(supervisor),
            starts_at=local_later(),
            question="Hvordan åbner jeg?",
        ),
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    sid = int(made.headers["location"].rsplit("/", 1)[1])
    page = f"/sessions/{sid}"

    def post(path: str, **fields: object) -> None:
        answer = client.post(page + path, data=form(client, **fields), follow_redirects=False)
        assert answer.status_code == 303, answer.text

    post("/participants", target=f"user:{colleague}")
    post(f"/participants/{colleague}/remove")
    post("/summary", learning_points="Lad barnet tale")
    post("/close")
    s = f"session {sid}"
    expected = [
        f"session_planned by {me}: {s} team on clip {clip_id}, 2 participants",
        f"participant_added by {me}: {s} user {colleague} (1 added)",
        f"participant_removed by {me}: {s} user {colleague}",
        f"learning_points_saved by {me}: {s}",
        f"session_closed by {me}: {s}",
    ]
    assert entries(recording_id, *NEW[3:]) == expected


def test_joining_is_one_entry_per_participant_and_session_page_api_and_live(
    sqlite_db: str, client_for: ClientFor, media: MediaSet
) -> None:
    scene = make_scene(client_for, media)
    supervisor = scene.clients["supervisor"]
    for _ in range(2):
        assert supervisor.get(f"/sessions/{scene.session_id}").status_code == 200
        assert supervisor.get(f"/api/v1/sessions/{scene.session_id}").status_code == 200
        with (
            joined(app, scene, "caseworker") as presenter,
            joined(app, scene, "supervisor") as peer,
        ):
            for position in (1.0, 4.0):  # the presenter's actions write nothing
                presenter.send("play", position=position)
                peer.until(lambda m: m["type"] == "state" and m["state"]["playing"])
                presenter.send("pause", position=position + 1)
                peer.until(lambda m: m["type"] == "state" and not m["state"]["playing"])
    # Only on the live channel: the join is still written, once.
    for _ in range(2):
        with joined(app, scene, "caseworker2"):
            pass
    s = f"session {scene.session_id}"
    assert entries(scene.recording_id, "session_joined") == [
        f"session_joined by {scene.ids['supervisor']}: {s}",
        f"session_joined by {scene.ids['caseworker']}: {s}",
        f"session_joined by {scene.ids['caseworker2']}: {s}",
    ]
