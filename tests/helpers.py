"""Small helpers shared by tests."""

import re
from datetime import date, timedelta
from pathlib import Path

import jiwer
from fastapi.testclient import TestClient
from httpx import Response


def upload(
    client: TestClient,
    path: Path,
    *,
    title: str = "Samtale om skolen",
    case_reference: str = "SAG-2026-001",
    language: str = "en",
    filename: str | None = None,
    extra: dict[str, str] | None = None,
) -> Response:
    """Upload through the API as the client's user, with a complete consent record."""
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


CONSENT = {
    "consent_child": "on",
    "consent_custody": "on",
    "consent_date": (date.today() - timedelta(days=1)).isoformat(),
}


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalise(reference), normalise(hypothesis)))
