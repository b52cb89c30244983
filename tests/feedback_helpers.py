"""Helpers for the tests of criteria and feedback: the default rubric back, a recording."""

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType

from fastapi.testclient import TestClient
from sqlalchemy import delete

from app.core.db import session_scope
from app.criteria.models import Criterion, CriterionGroup, CriterionVersion, RubricSettings
from app.feedback.models import Feedback, FeedbackCriterion, Notification
from tests.helpers import upload
from tests.mediafiles import FORMATS, MediaSet

MIGRATION = (
    Path(__file__).resolve().parents[1]
    / "migrations/versions/2026_11_30_2300-fb0000000001_criteria_and_feedback.py"
)


@cache
def migration() -> ModuleType:
    """The migration that made the criteria: its list of defaults and its seeding."""
    spec = importlib.util.spec_from_file_location("fb0000000001", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reset_rubric() -> None:
    """No feedback, and the twelve default criteria as the migration made them."""
    with session_scope() as session:
        for table in (
            Notification,
            FeedbackCriterion,
            Feedback,
            CriterionVersion,
            Criterion,
            CriterionGroup,
            RubricSettings,
        ):
            session.execute(delete(table))
        migration().seed_default_criteria(session.connection())


def criterion_ids(client: TestClient) -> list[int]:
    """The ids of the criteria one can choose, in rubric order."""
    catalogue = client.get("/api/v1/criteria").json()["criteria"]
    return [c["id"] for c in catalogue if not c["retired"]]


def new_recording(client: TestClient, media: MediaSet) -> tuple[str, float]:
    """A recording of the client's (not processed: feedback needs only its length)."""
    response = upload(client, media.encoded(FORMATS[6]))
    assert response.status_code == 201, response.text
    body = response.json()
    return str(body["id"]), float(body["duration_seconds"])


def share_with(client: TestClient, recording_id: str, user_id: int) -> None:
    response = client.post(f"/api/v1/recordings/{recording_id}/shares", json={"user_id": user_id})
    assert response.status_code == 201, response.text


# The access matrix's scene ------------------------------------------------------------------

SECRET_FEEDBACK = "Feedback-hemmelighed XQ7"


def matrix_names(
    owner: TestClient, supervisor: TestClient, admin: TestClient, recording_id: str
) -> dict[str, object]:
    """What the access matrix's feedback and criteria routes act on."""
    criteria = admin.get("/api/v1/criteria").json()["criteria"]
    criterion = next(c["id"] for c in criteria if not c["retired"])
    changed = admin.post("/api/v1/criteria", json={"name_da": "Matrix", "name_en": "Matrix"})
    group = admin.post("/api/v1/criteria/groups", json={"name_da": "Gruppe", "name_en": "Group"})
    base = f"/api/v1/recordings/{recording_id}/feedback"

    def add(client: TestClient, text: str, publish: bool) -> int:
        body = {"kind": "strength", "start_seconds": 0.5, "criterion_ids": [criterion]}
        response = client.post(base, json=body | {"text": text, "publish": publish})
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    names: dict[str, object] = {
        "criterion_for_feedback": criterion,
        "criteria_order": [c["id"] for c in criteria] + [changed.json()["id"]],
        "criterion_to_change": changed.json()["id"],
        "group_to_change": group.json()["id"],
        "feedback_to_edit": add(owner, "Egen note", publish=True),
        "feedback_to_delete": add(owner, "Slettes", publish=True),
        "feedback_to_reply": add(supervisor, SECRET_FEEDBACK, publish=True),
        "draft_to_publish": add(supervisor, "Kladde", publish=False),
        # The page's forms act on items of their own, so that the API's rows stay valid.
        "feedback_to_delete_on_page": add(owner, "Slettes på siden", publish=True),
        "draft_to_publish_on_page": add(supervisor, "Kladde til siden", publish=False),
    }
    notes = owner.get("/api/v1/notifications").json()["items"]
    names["notification_id"] = notes[0]["id"]
    return names
