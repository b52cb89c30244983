"""Feedback through a clip: whoever the owner shared the clip with gives feedback at clip
times; it is stored on the recording at clip start + t, refused outside the clip, and
nothing outside the clip is reached through it."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.audit.models import AuditEntry
from app.core.db import session_scope
from tests.support.accounts import ClientFor, user_id
from tests.support.clips import cut_clips, make_clip, share_clip
from tests.support.factories import ready_recording
from tests.support.feedback import criterion_ids, forget_share_notices
from tests.support.media import MediaSet
from tests.support.recordings import share
from tests.support.sessions import plan

START, END = 10.0, 20.0  # the clip, in recording time


def item(criteria: list[int], **fields: object) -> dict[str, object]:
    return {
        "kind": "strength",
        "start_seconds": 2.5,
        "criterion_ids": criteria[:1],
        "text": "Godt åbent spørgsmål",
        "publish": True,
    } | fields


@pytest.fixture
def scene(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> tuple[str, int, TestClient, list[int]]:
    """The caseworker's recording with a clip 10-20 s shared with a colleague who does not
    see the recording: (recording id, clip id, the colleague, criteria)."""
    recording_id = ready_recording(client, media)
    clip_id = make_clip(client, recording_id, START, END)
    share_clip(client, clip_id, user_id=user_id("caseworker2"))
    forget_share_notices()  # only feedback's notifications count here
    return recording_id, clip_id, client_for("caseworker2"), criterion_ids(client)


def on_recording(client: TestClient, recording_id: str) -> list[dict]:
    return list(client.get(f"/api/v1/recordings/{recording_id}/feedback").json()["items"])


def on_clip(client: TestClient, clip_id: int) -> list[dict]:
    return list(client.get(f"/api/v1/clips/{clip_id}/feedback").json()["items"])


def test_a_clip_viewer_adds_and_replies_and_the_owner_sees_it_at_recording_time(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media)
    clip_id = make_clip(client, recording_id, START, END)
    share_clip(client, clip_id, user_id=user_id("caseworker2"))
    viewer, criteria = client_for("caseworker2"), criterion_ids(client)
    api = f"/api/v1/clips/{clip_id}/feedback"
    added = viewer.post(api, json=item(criteria, end_seconds=4.0))
    assert added.status_code == 201, added.text
    got = added.json()
    assert (got["start_seconds"], got["end_seconds"], got["own"], got["draft"]) == (
        2.5,
        4.0,
        True,
        False,
    )
    assert [c["id"] for c in got["criteria"]] == criteria[:1] and "recording_id" not in got
    # Stored on the recording at recording time: the caseworker's page shows it there.
    mine = on_recording(client, recording_id)
    assert [(f["text"], f["start_seconds"], f["end_seconds"]) for f in mine] == [
        ("Godt åbent spørgsmål", START + 2.5, START + 4.0)
    ]
    notes = client.get("/api/v1/notifications").json()
    assert notes["unread"] == 1 and notes["items"][0]["feedback_id"] == got["id"]
    # The caseworker answers on the recording; the viewer answers through the clip.
    answer = client.post(
        f"/api/v1/recordings/{recording_id}/feedback/{got['id']}/replies", json={"text": "Tak!"}
    )
    assert answer.status_code == 201, answer.text
    reply = viewer.post(f"{api}/{got['id']}/replies", json={"text": "Selv tak"})
    assert reply.status_code == 201, reply.text
    assert (reply.json()["parent_id"], reply.json()["text"]) == (got["id"], "Selv tak")
    listed = on_clip(viewer, clip_id)
    assert [[r["text"] for r in t["replies"]] for t in listed] == [["Tak!", "Selv tak"]]
    # The viewer edits their item: text and moment (a point now), at clip times; not outside.
    too_far = viewer.patch(f"{api}/{got['id']}", json={"start_seconds": 1.0, "end_seconds": 11.0})
    assert (too_far.status_code, too_far.json()["code"]) == (422, "clip.feedback_outside")
    edited = viewer.patch(
        f"{api}/{got['id']}", json={"text": "Rettet", "start_seconds": 5.0, "end_seconds": None}
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["start_seconds"], edited.json()["edited"]) == (5.0, True)
    assert on_recording(client, recording_id)[0]["start_seconds"] == START + 5.0
    # Someone else's item is theirs to change: 403, as on the recording.
    theirs = viewer.patch(f"{api}/{answer.json()['id']}", json={"text": "Ændret"})
    assert theirs.status_code == 403
    # Deleting the item keeps the replies readable.
    assert viewer.delete(f"{api}/{got['id']}").status_code == 204
    kept = on_clip(viewer, clip_id)
    assert kept[0]["deleted"] and [r["text"] for r in kept[0]["replies"]] == ["Tak!", "Selv tak"]
    with session_scope() as session:
        details = session.exec(
            select(AuditEntry.action, AuditEntry.detail)
            .where(AuditEntry.actor_id == user_id("caseworker2"))
            .where(col(AuditEntry.action).startswith("feedback_"))
            .order_by(col(AuditEntry.seq))
        ).all()
    assert [a for a, _ in details] == [
        "feedback_added",
        "feedback_added",
        "feedback_edited",
        "feedback_deleted",
    ]
    assert all(d.startswith(f"clip {clip_id} ") for _, d in details)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"start_seconds": 10.5}, "clip.feedback_outside"),
        ({"start_seconds": 9.0, "end_seconds": 10.2}, "clip.feedback_outside"),
        ({"start_seconds": 12.0}, "clip.feedback_outside"),  # inside the recording
        ({"start_seconds": 3.0, "end_seconds": 2.0}, "feedback.end_before_start"),
        ({"start_seconds": 3.0, "end_seconds": 3.0}, "feedback.zero_length"),
        ({"text": "  "}, "feedback.text_required"),
        ({"criterion_ids": []}, "feedback.criterion_required"),
    ],
)
def test_bad_feedback_through_a_clip_is_refused_and_nothing_is_stored(
    scene: tuple[str, int, TestClient, list[int]],
    client: TestClient,
    fields: dict[str, object],
    code: str,
) -> None:
    recording_id, clip_id, viewer, criteria = scene
    response = viewer.post(
        f"/api/v1/clips/{clip_id}/feedback",
        json=item(criteria, **fields),
        headers={"Accept-Language": "en"},
    )
    assert (response.status_code, response.json()["code"]) == (422, code), response.text
    if code == "clip.feedback_outside":
        assert response.json()["detail"] == (
            "The time lies outside the clip, which lasts 10.0 seconds."
        )
    assert on_clip(viewer, clip_id) == []
    assert on_recording(client, recording_id) == []


def test_nothing_outside_the_clip_is_reached_through_it(
    scene: tuple[str, int, TestClient, list[int]],
    client: TestClient,
    client_for: ClientFor,
) -> None:
    recording_id, clip_id, viewer, criteria = scene
    api = f"/api/v1/clips/{clip_id}/feedback"
    base = f"/api/v1/recordings/{recording_id}/feedback"
    outside = client.post(api, json=item(criteria, start_seconds=2.0, text="Uden for"))
    assert outside.status_code == 201
    # Given through the clip, then moved by hand on the recording to a moment outside it.
    moved = client.patch(f"{base}/{outside.json()['id']}", json={"start_seconds": 30.0})
    assert moved.status_code == 200, moved.text
    inside = client.post(api, json=item(criteria, start_seconds=2.0, text="Inde i"))
    outside_id, inside_id = outside.json()["id"], inside.json()["id"]
    listed = on_clip(viewer, clip_id)
    assert [(t["text"], t["start_seconds"]) for t in listed] == [("Inde i", 2.0)]
    assert "Uden for" not in viewer.get(f"/clips/{clip_id}/feedback/threads").text
    # An item outside the clip does not exist through it, whatever one tries.
    for method, suffix, body in (
        ("POST", f"/{outside_id}/replies", {"text": "Hej"}),
        ("PATCH", f"/{outside_id}", {"text": "Hej"}),
        ("DELETE", f"/{outside_id}", None),
        ("POST", f"/{outside_id}/publish", None),
    ):
        answer = client.request(method, api + suffix, json=body)
        assert answer.status_code == 404, (method, suffix, answer.text)
    assert viewer.get(f"/clips/{clip_id}/feedback/threads/{outside_id}").status_code == 404
    assert viewer.get(f"/clips/{clip_id}/feedback/threads/{inside_id}").status_code == 200
    # Someone without a share of the clip: 404 everywhere, even one who sees the recording.
    share(client, recording_id, user_id=user_id("supervisor"))
    for who in ("supervisor", "leader", "administrator"):
        other = client_for(who)
        assert other.get(api).status_code == 404
        assert other.post(api, json=item(criteria)).status_code == 404
        assert other.post(f"{api}/{inside_id}/replies", json={"text": "x"}).status_code == 404
        assert other.get(f"/clips/{clip_id}/feedback/threads").status_code == 404
    # The share withdrawn: gone at once.
    shares = client.get(f"/api/v1/clips/{clip_id}/shares").json()
    assert client.delete(f"/api/v1/clips/{clip_id}/shares/{shares[0]['id']}").status_code == 204
    assert viewer.post(api, json=item(criteria)).status_code == 404
    assert len(on_recording(client, recording_id)) == 2


def test_the_team_sees_only_what_was_given_through_the_clip_and_what_is_brought(
    scene: tuple[str, int, TestClient, list[int]], client: TestClient, client_for: ClientFor
) -> None:
    """Individual supervision is confidential: the supervisor's development point on the
    recording and the caseworker's own reply to it are not shown through the clip, though
    they lie inside it, until the caseworker brings the item (audited); taking it back
    hides it again. The supervisor, who sees the recording, does not see the clip's items
    on the recording page."""
    recording_id, clip_id, viewer, criteria = scene
    share(client, recording_id, user_id=user_id("supervisor"))
    supervisor = client_for("supervisor")
    base = f"/api/v1/recordings/{recording_id}/feedback"
    api = f"/api/v1/clips/{clip_id}/feedback"
    private = supervisor.post(
        base,
        json=item(criteria, kind="development_point", start_seconds=12.0, text="Afbryder barnet"),
    ).json()
    nervous = client.post(f"{base}/{private['id']}/replies", json={"text": "Jeg blev nervøs"})
    assert nervous.status_code == 201
    team_item = viewer.post(api, json=item(criteria, start_seconds=3.0, text="Fint åbent"))
    assert team_item.status_code == 201
    assert [t["text"] for t in on_clip(viewer, clip_id)] == ["Fint åbent"]
    page = viewer.get(f"/clips/{clip_id}").text
    assert "Afbryder barnet" not in page and "Jeg blev nervøs" not in page
    # The caseworker sees what they could bring (only them), then brings the item.
    own_page = client.get(f"/clips/{clip_id}").text
    assert 'id="bring"' in own_page and "Afbryder barnet" in own_page
    assert 'id="bring"' not in page
    assert viewer.post(f"{api}/{private['id']}/bring").status_code == 403
    brought = client.post(f"{api}/{private['id']}/bring")
    assert brought.status_code == 200, brought.text
    assert brought.json()["brought"] and brought.json()["start_seconds"] == 2.0
    listed = {t["text"]: t for t in on_clip(viewer, clip_id)}
    assert set(listed) == {"Fint åbent", "Afbryder barnet"}
    assert [r["text"] for r in listed["Afbryder barnet"]["replies"]] == ["Jeg blev nervøs"]
    assert client.post(f"{api}/{private['id']}/bring").status_code == 422  # already here
    # The supervisor's recording page shows the individual item, not the team's.
    on_page = [t["text"] for t in on_recording(supervisor, recording_id)]
    assert on_page == ["Afbryder barnet"]
    # The caseworker's own page shows everything, marked where it was given.
    assert {t["text"] for t in on_recording(client, recording_id)} == {
        "Afbryder barnet",
        "Fint åbent",
    }
    assert "Givet i et klip" in client.get(f"/recordings/{recording_id}").text
    # Taken back: hidden from the team again.
    assert client.delete(f"{api}/{private['id']}/bring").status_code == 204
    assert [t["text"] for t in on_clip(viewer, clip_id)] == ["Fint åbent"]
    assert client.delete(f"{api}/{private['id']}/bring").status_code == 404
    with session_scope() as session:
        actions = session.exec(
            select(AuditEntry.action, AuditEntry.detail)
            .where(AuditEntry.actor_id == user_id("caseworker"))
            .where(col(AuditEntry.action).in_(["feedback_brought", "feedback_taken_back"]))
            .order_by(col(AuditEntry.seq))
        ).all()
    assert actions == [
        ("feedback_brought", f"clip {clip_id} feedback {private['id']}"),
        ("feedback_taken_back", f"clip {clip_id} feedback {private['id']}"),
    ]


def test_drafts_through_a_clip_stay_their_authors(
    scene: tuple[str, int, TestClient, list[int]], client: TestClient
) -> None:
    recording_id, clip_id, viewer, criteria = scene
    api = f"/api/v1/clips/{clip_id}/feedback"
    draft = viewer.post(api, json=item(criteria, publish=False, text="Kladde i klippet"))
    assert draft.status_code == 201 and draft.json()["draft"]
    assert [t["text"] for t in on_clip(viewer, clip_id)] == ["Kladde i klippet"]
    assert on_clip(client, clip_id) == [] and on_recording(client, recording_id) == []
    # The clip's page marks it as the reader's draft; the caseworker's page does not show it.
    mine = viewer.get(f"/clips/{clip_id}").text
    assert "Kladde i klippet" in mine and 'class="draft-badge"' in mine
    assert "Kladde i klippet" not in client.get(f"/clips/{clip_id}").text
    assert client.post(f"{api}/{draft.json()['id']}/replies", json={"text": "x"}).status_code == 404
    # The caseworker's own drafts, one through the clip and one on the recording inside the
    # clip's stretch: publishing the clip's drafts publishes only the one given through it.
    base = f"/api/v1/recordings/{recording_id}/feedback"
    inside = client.post(api, json=item(criteria, start_seconds=5.0, publish=False, text="Min i"))
    client.post(base, json=item(criteria, start_seconds=15.0, publish=False, text="Min egen"))
    published = client.post(f"{api}/publish").json()
    assert published == {"published": 1, "ids": [inside.json()["id"]]}
    states = {f["text"]: f["draft"] for f in on_recording(client, recording_id)}
    assert states == {"Min i": False, "Min egen": True}
    published = viewer.post(f"{api}/{draft.json()['id']}/publish")
    assert published.status_code == 200 and not published.json()["draft"]
    assert [t["text"] for t in on_clip(client, clip_id)] == ["Kladde i klippet", "Min i"]


def test_the_session_page_of_a_clip_gives_feedback_without_javascript(
    scene: tuple[str, int, TestClient, list[int]], client: TestClient
) -> None:
    recording_id, clip_id, viewer, criteria = scene
    assert cut_clips() == ["succeeded"]
    planned = plan(client, recording_id, [user_id("caseworker2")], kind="team", clip_id=clip_id)
    page_url = f"/sessions/{planned['id']}"
    page = viewer.get(page_url)
    assert page.status_code == 200
    # The recording page's form, timeline and drafts bar, posting to the session's routes,
    # with the clip's length: nothing names the recording.
    for part in (
        f'action="{page_url}/feedback"',
        'id="timeline-box"',
        'data-duration="10.0"',
        f'data-api="/api/v1{page_url}/feedback"',
        '<script src="/static/feedback.js"',
    ):
        assert part in page.text, part
    assert recording_id not in page.text
    form = {
        "csrf_token": viewer.cookies.get("vs_csrf"),
        "start": "0:03",
        "end": "",
        "kind": "question",
        "criterion_ids": str(criteria[0]),
        "text": "Hvorfor her?",
        "publish": "1",
    }
    posted = viewer.post(f"{page_url}/feedback", data=form, follow_redirects=False)
    assert posted.status_code == 303, posted.text
    stored = on_recording(client, recording_id)
    assert [(f["text"], f["start_seconds"]) for f in stored] == [("Hvorfor her?", START + 3.0)]
    assert (
        posted.headers["location"]
        == f"{page_url}?t=3.000&item={stored[0]['id']}#fb-{stored[0]['id']}"
    )
    # Given in the session on the clip: seen through the clip too.
    assert [t["text"] for t in on_clip(viewer, clip_id)] == ["Hvorfor her?"]
    again = viewer.get(page_url).text
    assert "Hvorfor her?" in again and f'id="fb-{stored[0]["id"]}"' in again
    outside = viewer.post(f"{page_url}/feedback", data=form | {"start": "0:11"})
    assert outside.status_code == 422 and len(on_recording(client, recording_id)) == 1


def test_a_reply_to_a_clip_viewer_reaches_them_through_the_clip(
    scene: tuple[str, int, TestClient, list[int]], client: TestClient
) -> None:
    """Someone who sees only the clip is told of a reply to their item: the notification
    names the clip, opens it at the moment in clip time, and never names the recording; it
    goes when the clip's share does."""
    recording_id, clip_id, viewer, criteria = scene
    api = f"/api/v1/clips/{clip_id}/feedback"
    mine = viewer.post(api, json=item(criteria, start_seconds=2.5)).json()
    outside = client.post(
        f"/api/v1/recordings/{recording_id}/feedback",
        json=item(criteria, start_seconds=40.0, text="Uden for klippet"),
    ).json()
    assert viewer.get("/api/v1/notifications").json() == {"items": [], "unread": 0}
    for target in (mine["id"], outside["id"]):
        answered = client.post(
            f"/api/v1/recordings/{recording_id}/feedback/{target}/replies",
            json={"text": "Godt set"},
        )
        assert answered.status_code == 201, answered.text
    # Only the reply within the clip reaches the viewer (the other is the caseworker's own).
    notes = viewer.get("/api/v1/notifications").json()
    assert notes["unread"] == 1 and len(notes["items"]) == 1
    note = notes["items"][0]
    assert note["recording_id"] is None and note["start_seconds"] == 2.5
    assert note["title"] == "Åbne spørgsmål" and note["reason"] == "reply"
    page = viewer.get("/notifications").text
    assert "Åbne spørgsmål" in page and "Samtale om skolen" not in page and recording_id not in page
    assert 'href="/notifications"' in viewer.get("/recordings").text  # the top bar's count
    opened = viewer.get(f"/notifications/{note['id']}/open", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/clips/{clip_id}?t=2.5"
    assert viewer.get("/api/v1/notifications").json()["unread"] == 0
    # The share withdrawn: the notification is gone and no longer opens.
    shares = client.get(f"/api/v1/clips/{clip_id}/shares").json()
    for given in shares:
        assert client.delete(f"/api/v1/clips/{clip_id}/shares/{given['id']}").status_code == 204
    assert viewer.get("/api/v1/notifications").json() == {"items": [], "unread": 0}
    gone = viewer.get(f"/notifications/{note['id']}/open", follow_redirects=False)
    assert gone.status_code == 404
