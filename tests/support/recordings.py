"""Recordings through the API: an upload with a complete consent record, a share."""

from datetime import timedelta
from pathlib import Path

import httpx

from app.core.timeutil import local_today

# Every purpose: a test about sharing shares as it needs (tests/test_consent_purposes.py has
# the consents that cover less).
CONSENT = {
    "consent_child": "on",
    "consent_custody": "on",
    "consent_date": (local_today() - timedelta(days=1)).isoformat(),
    "consent_individual": "on",
    "consent_team": "on",
    "consent_teaching": "on",
}


def upload(
    client: httpx.Client,
    path: Path,
    *,
    title: str = "Samtale om skolen",
    case_reference: str = "SAG-2026-001",
    language: str = "en",
    filename: str | None = None,
    extra: dict[str, str] | None = None,
) -> httpx.Response:
    """Upload through the API as the client's user, with a complete consent record.

    The client is a TestClient or an httpx.Client logged in to a live server.
    """
    fields = {
        "title": title,
        "case_reference": case_reference,
        "language": language,
        **CONSENT,
        **(extra or {}),
    }
    with path.open("rb") as fh:
        return client.post(
            "/api/v1/recordings",
            data={k: v for k, v in fields.items() if v is not None},
            files={"file": (filename or path.name, fh, "application/octet-stream")},
        )


def share(client: httpx.Client, recording_id: str, **target: int) -> int:
    """Share the client's recording with `user_id=…` or `team_id=…`; the share's id."""
    response = client.post(f"/api/v1/recordings/{recording_id}/shares", json=target)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])
