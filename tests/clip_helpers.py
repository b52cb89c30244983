"""Clips for tests: make one through the API and cut it with the real worker job; the
access matrix's clip names."""

from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts import service as account_service
from app.core.db import session_scope
from app.jobs.models import Job, JobStatus
from workers.tasks import run_job


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
    with session_scope() as session:
        ids = session.exec(
            select(Job.id).where(Job.status == JobStatus.queued, Job.kind == "cut_clip")
        ).all()
    return [run_job(job_id) for job_id in ids if job_id is not None]


def share_clip(client: TestClient, clip_id: int, **target: int) -> int:
    response = client.post(f"/api/v1/clips/{clip_id}/shares", json=target)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def make_team(name: str, *user_ids: int) -> int:
    with session_scope() as session:
        team = account_service.create_team(session=session, name=name)
        account_service.set_members(session=session, team=team, user_ids=list(user_ids))
        assert team.id is not None
        return team.id


def set_team(team_id: int, *user_ids: int) -> None:
    with session_scope() as session:
        team = account_service.get_team(session=session, team_id=team_id)
        account_service.set_members(session=session, team=team, user_ids=list(user_ids))


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
    withdraw = int(names["clip_for_withdraw"])  # type: ignore[call-overload]
    names["clip_share_to_withdraw"] = share_clip(owner, withdraw, user_id=viewer_id)
    team = make_team("Klip tilbagetrækning", viewer_id)
    names["clip_share_to_withdraw_on_page"] = share_clip(owner, withdraw, team_id=team)
    return names


# The CSRF test's stand-ins for the names above (no request gets far enough to use them).
CSRF_NAMES = {"clip_id": 1}
