"""Who may see what: the access matrix's actors (tests/test_access_matrix.py) and the
recording they act on, for the tests of access that share them."""

from typing import Any

from fastapi.testclient import TestClient

from tests.support.accounts import BASE_USERS, ClientFactory
from tests.support.factories import SPOKEN_EN, make_ready
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import CONSENT

try:  # what the test client answers with: httpx2 for Starlette 1.x, httpx before
    from httpx2 import Response
except ImportError:
    from httpx import Response  # type: ignore[assignment]

ACTORS = ("anonymous", "owner", "shared", "other", "admin", "leader")
LOGIN_AS = {
    "owner": "caseworker",
    "shared": "supervisor",
    "other": "caseworker2",
    "admin": "administrator",
    "leader": "leader",
}
# The recording's private details: none of them may reach anyone who may not see it.
TITLE = "Samtale med Ida XQ7"
CASE_REFERENCE = "SAG-XQ7-4711"


def email_of(actor: str) -> str:
    return BASE_USERS[LOGIN_AS[actor]][0]


def actor_clients(open_client: ClientFactory) -> dict[str, TestClient]:
    """A client for each actor: anonymous, and logged in as each of the others."""
    clients = {"anonymous": open_client()}
    for actor in LOGIN_AS:
        clients[actor] = open_client(email_of(actor))
    return clients


def upload_file(
    client: TestClient, media: MediaSet, url: str = "/api/v1/recordings", **fields: str
) -> Response:
    """Upload a few seconds of mp3 (quick to process) with a complete consent record."""
    data = {"title": TITLE, "case_reference": CASE_REFERENCE, "language": "en", **CONSENT}
    path = media.encoded(FORMATS[6])
    with path.open("rb") as fh:
        return client.post(
            url,
            data={**data, **fields},
            files={"file": (path.name, fh, "audio/mpeg")},
            follow_redirects=False,
        )


def new_recording(client: TestClient, media: MediaSet) -> str:
    """The actor's recording with the matrix's title and case reference (not processed)."""
    response = upload_file(client, media)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def ready_recording(client: TestClient, media: MediaSet) -> str:
    """`new_recording`, made ready with the files the worker makes (a poster too)."""
    recording_id = new_recording(client, media)
    make_ready(recording_id, SPOKEN_EN, media_files=True)
    return recording_id


def app_routes() -> tuple[set[str], set[str]]:
    """Every "METHOD /path" the app answers, and the paths of anything else mounted."""
    from app.main import app

    routes: list[Any]
    try:  # FastAPI keeps included routers nested; this flattens them with their prefixes.
        from fastapi.routing import iter_route_contexts

        routes = list(iter_route_contexts(app.routes))
    except ImportError:  # older FastAPI: app.routes is already flat
        routes = list(app.routes)
    keys: set[str] = set()
    others: set[str] = set()
    for route in routes:
        methods = getattr(route, "methods", None)
        path = str(getattr(route, "path", ""))
        if not methods:
            others.add(path)
            continue
        keys.update(f"{method} {path}" for method in methods - {"HEAD", "OPTIONS"})
    return keys, others
