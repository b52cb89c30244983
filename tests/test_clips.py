"""Clips through the API: who makes and shares them, the bad input, and that a clip share
shows the clip and nothing else of the recording."""

import pytest
from fastapi.testclient import TestClient

from app.core.db import session_scope
from app.recordings.models import Recording
from tests.support.accounts import ClientFor, make_team, set_members, user_id
from tests.support.clips import cut_clip, make_clip, share_clip
from tests.support.factories import ready_recording
from tests.support.media import MediaSet
from tests.support.protection import approve_protected
from tests.support.recordings import share

CLIP_ROUTES = ("", "/media", "/poster", "/transcript", "/feedback")
RECORDING_ROUTES = ("", "/media", "/poster", "/transcript", "/feedback", "/clips", "/status")


def clip_answers(client: TestClient, clip_id: int) -> dict[str, int]:
    """The status of each of the clip's routes (CLIP_ROUTES) for this client."""
    return {s: client.get(f"/api/v1/clips/{clip_id}{s}").status_code for s in CLIP_ROUTES}


def body(**fields: object) -> dict[str, object]:
    return {
        "title": "Klip",
        "request_text": "",
        "start_seconds": 10.0,
        "end_seconds": 20.0,
    } | fields


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"start_seconds": -1.0}, "clip.outside_recording", None),
        ({"end_seconds": 61.0}, "clip.outside_recording", None),
        ({"start_seconds": 70.0, "end_seconds": 80.0}, "clip.outside_recording", None),
        ({"start_seconds": "inf"}, "clip.outside_recording", None),
        ({"start_seconds": 12.0, "end_seconds": 12.0}, "clip.zero_length", None),
        ({"start_seconds": 20.0, "end_seconds": 10.0}, "clip.end_before_start", None),
        ({"start_seconds": 10.0, "end_seconds": 10.4}, "clip.too_short", None),
        ({"title": "   "}, "clip.title_required", "title"),
        ({"title": "x" * 201}, "clip.too_long", "title"),
        ({"request_text": "x" * 2001}, "clip.too_long", "request_text"),
        ({"title": "bad\x07bell"}, "clip.bad_chars", "title"),
        ({"title": None}, "invalid.value", None),
    ],
)
def test_bad_clips_are_refused_with_a_message(
    sqlite_db: str,
    client: TestClient,
    media: MediaSet,
    fields: dict[str, object],
    code: str,
    field: str | None,
) -> None:
    recording_id = ready_recording(client, media)
    url = f"/api/v1/recordings/{recording_id}/clips"
    response = client.post(url, json=body(**fields), headers={"Accept-Language": "da"})
    assert response.status_code == 422, response.text
    answer = response.json()
    assert (
        answer["code"].startswith(code.split(".")[0])
        and answer["code"] == code
        or (code == "invalid.value" and answer["code"].startswith("invalid."))
    )
    assert answer["detail"] and "%(" not in answer["detail"]
    assert answer.get("field") == field
    assert client.get(url).json() == []  # nothing stored


def test_only_the_owner_makes_clips_of_a_ready_recording(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media)
    share(client, recording_id, user_id=user_id("supervisor"))
    url = f"/api/v1/recordings/{recording_id}/clips"
    # A viewer of the recording is told it is the owner's to do; anyone else learns nothing.
    assert client_for("supervisor").post(url, json=body()).status_code == 403
    assert client_for("supervisor").get(url).status_code == 403
    assert client_for("caseworker2").post(url, json=body()).status_code == 404
    assert client_for("leader").post(url, json=body()).status_code == 404
    clip_id = make_clip(client, recording_id)
    assert [c["id"] for c in client.get(url).json()] == [clip_id]
    # A clip that is not shared with them does not exist for them, recording or not.
    for who in ("supervisor", "caseworker2"):
        other = client_for(who)
        assert other.patch(f"/api/v1/clips/{clip_id}", json={"title": "x"}).status_code == 404
        assert other.delete(f"/api/v1/clips/{clip_id}").status_code == 404
        shared = other.post(f"/api/v1/clips/{clip_id}/shares", json={"user_id": user_id(who)})
        assert shared.status_code == 404
    # Not processed yet: no clip can be made.
    with session_scope() as session:
        recording = session.get(Recording, recording_id)
        assert recording is not None
        recording.status = "processing"  # type: ignore[assignment]
        session.add(recording)
    assert client.post(url, json=body()).json()["code"] == "recording.not_ready"


def test_a_clip_share_shows_the_clip_and_nothing_else(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id, clip_id = cut_clip(client, media)
    viewer = client_for("supervisor")
    assert set(clip_answers(viewer, clip_id).values()) == {404}
    share_id = share_clip(client, clip_id, user_id=user_id("supervisor"))
    shown = clip_answers(viewer, clip_id)
    assert set(shown.values()) == {200}, shown
    assert "recording_id" not in viewer.get(f"/api/v1/clips/{clip_id}").json()
    # The recording stays closed to them, its media with or without a Range.
    for suffix in RECORDING_ROUTES:
        assert viewer.get(f"/api/v1/recordings/{recording_id}{suffix}").status_code == 404
    ranged = viewer.get(f"/api/v1/recordings/{recording_id}/media", headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 404
    assert recording_id not in viewer.get("/api/v1/recordings").text
    assert viewer.get(f"/recordings/{recording_id}").status_code == 404
    # Only the owner changes or shares it.
    assert viewer.patch(f"/api/v1/clips/{clip_id}", json={"title": "Mit"}).status_code == 403
    assert viewer.delete(f"/api/v1/clips/{clip_id}").status_code == 403
    again = viewer.post(f"/api/v1/clips/{clip_id}/shares", json={"user_id": user_id("caseworker2")})
    assert again.status_code == 403
    assert viewer.get(f"/api/v1/clips/{clip_id}/shares").status_code == 403
    # Withdrawn: the next request is a 404.
    assert client.delete(f"/api/v1/clips/{clip_id}/shares/{share_id}").status_code == 204
    assert set(clip_answers(viewer, clip_id).values()) == {404}
    assert client.delete(f"/api/v1/clips/{clip_id}/shares/{share_id}").status_code == 404


def test_deleting_the_recording_ends_access_at_once(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id, clip_id = cut_clip(client, media)
    share_clip(client, clip_id, user_id=user_id("supervisor"))
    viewer = client_for("supervisor")
    assert viewer.get(f"/api/v1/clips/{clip_id}/media").status_code == 200
    assert client.delete(f"/api/v1/recordings/{recording_id}").status_code == 204
    assert set(clip_answers(viewer, clip_id).values()) == {404}
    assert set(clip_answers(client, clip_id).values()) == {404}


def test_a_team_share_reaches_the_members_it_was_made_for(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id, clip_id = cut_clip(client, media)
    supervisor, colleague = user_id("supervisor"), user_id("caseworker2")
    team = make_team("Team Nord", [supervisor, user_id("leader"), user_id("caseworker")])
    # Not before the caseworker has approved the clip as the team will see it.
    early = client.post(f"/api/v1/clips/{clip_id}/shares", json={"team_id": team})
    assert (early.status_code, early.json()["code"]) == (409, "share.protected_not_approved")
    assert client.get(f"/api/v1/clips/{clip_id}/shares").json() == []
    approve_protected(clip_id)
    shared = client.post(f"/api/v1/clips/{clip_id}/shares", json={"team_id": team})
    assert shared.status_code == 201, shared.text
    assert shared.json()["protected"] is True
    # The owner and the leader are not among the people it reaches.
    assert [v["user_id"] for v in shared.json()["viewers"] if v["status"] == "access"] == [
        supervisor
    ]
    url = f"/api/v1/clips/{clip_id}/media"
    seen = client_for("supervisor").get(url)
    assert seen.status_code == 200
    assert seen.content != client.get(url).content  # the protected variant, not the cut
    assert client_for("leader").get(url).status_code == 404
    # Joining later gives nothing (no one gains access through an administrator's action);
    # leaving ends it.
    set_members(team, [colleague])
    assert client_for("caseworker2").get(url).status_code == 404
    assert client_for("supervisor").get(url).status_code == 404
    dup = client.post(f"/api/v1/clips/{clip_id}/shares", json={"team_id": team})
    assert dup.status_code == 409


@pytest.mark.parametrize(
    ("target", "status", "code"),
    [
        ({}, 422, "share.pick_one"),
        ({"user_id": 1, "team_id": 1}, 422, "share.pick_one"),
        ({"user_id": 2**40}, 422, "share.bad_person"),
        ({"team_id": 2**40}, 422, "share.bad_team"),
        ({"owner": True}, 422, "share.self"),
        ({"leader": True}, 422, "share.bad_person"),
    ],
)
def test_bad_shares_are_refused(
    sqlite_db: str,
    client: TestClient,
    media: MediaSet,
    target: dict[str, object],
    status: int,
    code: str,
) -> None:
    recording_id = ready_recording(client, media)
    clip_id = make_clip(client, recording_id)
    if target.pop("owner", False):
        target = {"user_id": user_id("caseworker")}
    if target.pop("leader", False):
        target = {"user_id": user_id("leader")}
    response = client.post(f"/api/v1/clips/{clip_id}/shares", json=target)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert client.get(f"/api/v1/clips/{clip_id}/shares").json() == []
