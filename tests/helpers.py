"""Small helpers shared by tests."""

import re
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
) -> Response:
    with path.open("rb") as fh:
        return client.post(
            "/api/v1/recordings",
            data={"title": title, "case_reference": case_reference, "language": language},
            files={"file": (filename or path.name, fh, "application/octet-stream")},
        )


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalise(reference), normalise(hypothesis)))
