"""Criteria and feedback: the migration that made the default criteria, the ids one can
choose, a recording to give feedback on, and what the access matrix's feedback and
criteria routes act on."""

import importlib.util
from functools import cache
from types import ModuleType

from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlmodel import col

from app.core.db import session_scope
from app.feedback.models import Notification, NotificationReason
from tests.support import ROOT
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import upload

MIGRATION = ROOT / "migrations/versions/2026_12_01_0200-7a1100000009_baseline.py"


@cache
def migration() -> ModuleType:
    """The migration that made the criteria: its list of defaults and its seeding."""
    spec = importlib.util.spec_from_file_location("7a1100000009", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def criterion_ids(client: TestClient) -> list[int]:
    """The ids of the criteria one can choose, in rubric order."""
    catalogue = client.get("/api/v1/criteria").json()["criteria"]
    return [c["id"] for c in catalogue if not c["retired"]]


def forget_share_notices() -> None:
    """Drop the notifications that shares made (tests/test_notify.py is their subject): for
    tests that count only feedback's."""
    shares = (NotificationReason.shared, NotificationReason.clip_shared)
    with session_scope() as session:
        session.execute(delete(Notification).where(col(Notification.reason).in_(shares)))


def new_recording(client: TestClient, media: MediaSet) -> tuple[str, float]:
    """A recording of the client's (not processed: feedback needs only its length)."""
    response = upload(client, media.encoded(FORMATS[6]))
    assert response.status_code == 201, response.text
    body = response.json()
    return str(body["id"]), float(body["duration_seconds"])


# The access matrix's scene ------------------------------------------------------------------

SECRET_FEEDBACK = "Feedback-hemmelighed XQ7"


def give(
    client: TestClient, api: str, criterion: int, at: float, text: str, publish: bool = True
) -> int:
    """A strength at `at` seconds on one criterion, through a target's feedback route `api`
    (a recording's, a clip's, a session's); its id."""
    body = {"kind": "strength", "start_seconds": at, "criterion_ids": [criterion], "text": text}
    response = client.post(api, json=body | {"publish": publish})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def matrix_items(
    owner: TestClient,
    supervisor: TestClient,
    api: str,
    criterion: int,
    at: float,
    prefix: str = "",
    reply: str = "Til at svare på",
) -> dict[str, object]:
    """What one target's feedback routes act on in the access matrix, named with `prefix`:
    the owner's items to edit and to delete (the page's forms act on items of their own, so
    that the API's rows stay valid), the supervisor's item to reply to (its text `reply`),
    and two of the supervisor's drafts to publish."""
    items = {
        "feedback_to_edit": give(owner, api, criterion, at, "Egen note"),
        "feedback_to_delete": give(owner, api, criterion, at, "Slettes"),
        "feedback_to_delete_on_page": give(owner, api, criterion, at, "Slettes på siden"),
        "feedback_to_reply": give(supervisor, api, criterion, at, reply),
        "draft_to_publish": give(supervisor, api, criterion, at, "Kladde", publish=False),
        "draft_to_publish_on_page": give(supervisor, api, criterion, at, "Kladde 2", publish=False),
    }
    return {f"{prefix}{name}": item for name, item in items.items()}


def matrix_names(
    owner: TestClient, supervisor: TestClient, admin: TestClient, recording_id: str
) -> dict[str, object]:
    """What the access matrix's feedback and criteria routes act on."""
    criteria = admin.get("/api/v1/criteria").json()["criteria"]
    criterion = next(c["id"] for c in criteria if not c["retired"])
    changed = admin.post("/api/v1/criteria", json={"name_da": "Matrix", "name_en": "Matrix"})
    group = admin.post("/api/v1/criteria/groups", json={"name_da": "Gruppe", "name_en": "Group"})
    api = f"/api/v1/recordings/{recording_id}/feedback"
    names: dict[str, object] = {
        "criterion_for_feedback": criterion,
        "criteria_order": [c["id"] for c in criteria] + [changed.json()["id"]],
        "criterion_to_change": changed.json()["id"],
        "group_to_change": group.json()["id"],
        **matrix_items(owner, supervisor, api, criterion, 0.5, reply=SECRET_FEEDBACK),
    }
    notes = owner.get("/api/v1/notifications").json()["items"]
    names["notification_id"] = notes[0]["id"]
    return names
