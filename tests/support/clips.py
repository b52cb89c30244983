"""Clips for tests: make one through the API and cut it with the real worker job; the
access matrix's clip names."""

from fastapi.testclient import TestClient

from app.clips.models import Clip
from app.core.db import session_scope
from tests.support.accounts import make_team
from tests.support.factories import ready_recording
from tests.support.jobs import process_queued_jobs
from tests.support.media import MediaSet
from tests.support.protection import approve_protected


def make_clip(
    client: TestClient,
    recording_id: str,
    start: float = 10.0,
    end: float = 20.0,
    title: str = "Åbne spørgsmål",
    request_text: str = "Stiller jeg åbne spørgsmål her?",
) -> int:
    body = {
        "title": title,
        "request_text": request_text,
        "start_seconds": start,
        "end_seconds": end,
    }
    response = client.post(f"/api/v1/recordings/{recording_id}/clips", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "queued"
    return int(response.json()["id"])


def cut_clips() -> list[str]:
    """Run every queued clip job in this process, as a worker would."""
    return process_queued_jobs("cut_clip")


def cut_clip(client: TestClient, media: MediaSet) -> tuple[str, int]:
    """A ready recording of the client's user and a clip of it, cut by the clip job; their
    ids."""
    recording_id = ready_recording(client, media)
    clip_id = make_clip(client, recording_id)
    assert cut_clips() == ["succeeded"]
    return recording_id, clip_id


def share_clip(client: TestClient, clip_id: int, **target: int) -> int:
    """Share the clip; with a team, once its protected variant is made and approved (the
    quick way: tests/support/protection.py)."""
    if "team_id" in target:
        approve_protected(clip_id)
    response = client.post(f"/api/v1/clips/{clip_id}/shares", json=target)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def clip_matrix_names(owner: TestClient, recording_id: str, viewer_id: int) -> dict[str, object]:
    """What the access matrix's clip routes act on. The viewer (the supervisor, who also sees
    the recording) has a share of each clip, so that owner-only routes answer them 403:
    `clip_id` (cut, to watch), one to change, one to delete by the API and one by the page,
    and one whose two shares the API and the page withdraw."""
    duration = float(owner.get(f"/api/v1/recordings/{recording_id}").json()["duration_seconds"])
    span = (0.1 * duration, 0.6 * duration)
    names: dict[str, object] = {
        key: make_clip(owner, recording_id, *span, title=key)
        for key in ("clip_id", "clip_to_change", "clip_to_delete", "clip_to_delete_on_page")
    }
    names["clip_for_withdraw"] = make_clip(owner, recording_id, *span, title="Tilbagetrækning")
    assert cut_clips() == ["succeeded"] * 5
    for key in ("clip_id", "clip_to_change", "clip_to_delete", "clip_to_delete_on_page"):
        share_clip(owner, int(names[key]), user_id=viewer_id)  # type: ignore[call-overload]
    # What a team will see (issue 24): the clip watched and approved for teams; a span where
    # a face was missed on the clip whose review the matrix changes.
    approve_protected(int(names["clip_id"]))  # type: ignore[call-overload]
    with session_scope() as session:
        changed = session.get(Clip, int(names["clip_to_change"]))  # type: ignore[call-overload]
        assert changed is not None
        changed.missed_spans = "[[0.5, 1.0]]"
        session.add(changed)
    withdraw = int(names["clip_for_withdraw"])  # type: ignore[call-overload]
    names["clip_share_to_withdraw"] = share_clip(owner, withdraw, user_id=viewer_id)
    team = make_team("Klip tilbagetrækning", [viewer_id])
    names["clip_share_to_withdraw_on_page"] = share_clip(owner, withdraw, team_id=team)
    return names


# The CSRF test's stand-ins for the names above (no request gets far enough to use them).
CSRF_NAMES = {"clip_id": 1, "clip_confirm_target": 1}
