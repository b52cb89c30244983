"""No input gets a 5xx: huge ids, Unicode digits, odd multipart, fuzzed forms and API.

Every answer, a 500 included, carries the security headers and no server banner; a
validation error names the field in words, as `{"detail", "code"}` on the API and as the
error page on pages.
"""

import json
import re
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from app.main import app
from tests.support.access import app_routes
from tests.support.accounts import BASE_USERS, ClientFor, code_at, free_step, user_id, wait_for_step
from tests.support.audit import last_seq
from tests.support.clips import make_clip
from tests.support.factories import ready_recording
from tests.support.feedback import criterion_ids
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import upload
from tests.support.servers import app_env, free_port, serving
from tests.support.sessions import plan, plan_body

HUGE = str(2**63)
SECURITY = ["content-security-policy", "x-content-type-options", "x-frame-options"]


def assert_answer_is_clean(response: httpx.Response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    for header in SECURITY:
        assert header in response.headers, f"{what}: no {header}"
    assert "server" not in response.headers


@pytest.fixture
def rid(db: str, client: TestClient, media: MediaSet) -> str:
    response = upload(client, media.encoded(FORMATS[6]))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture
def quiet(client: TestClient) -> TestClient:
    """The caseworker's client, answering 500s instead of raising them."""
    client._transport.raise_server_exceptions = False  # type: ignore[attr-defined]
    return client


def hostile_requests(rid: str) -> list[tuple[str, str, dict]]:
    base = f"/api/v1/recordings/{rid}"
    long_boundary = "b" * 300
    body = f'--{long_boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n'
    multipart = {
        "content": (body + f"--{long_boundary}--\r\n").encode(),
        "headers": {"Content-Type": f"multipart/form-data; boundary={long_boundary}"},
    }
    json_type = {"headers": {"Content-Type": "application/json"}}
    return [
        ("DELETE", f"{base}/shares/{HUGE}", {}),
        ("DELETE", f"{base}/shares/²", {}),
        ("PATCH", f"{base}/transcript/segments/{HUGE}", {"json": {"text": "x"}}),
        ("PATCH", f"{base}/transcript/segments/٣", {"json": {"text": "x"}}),
        ("POST", f"{base}/shares", {"json": {"user_id": 2**63}}),
        ("POST", f"{base}/shares", {"json": {"team_id": 2**64}}),
        ("POST", f"{base}/shares", {"json": {"user_id": "²"}}),
        ("POST", f"/recordings/{rid}/shares", {"data": {"target": f"user:{HUGE}"}}),
        ("POST", f"/recordings/{rid}/shares", {"data": {"target": "user:²"}}),
        ("POST", f"/recordings/{rid}/shares", {"data": {"target": "team:١٢"}}),
        ("POST", f"/recordings/{rid}/shares/{HUGE}/withdraw", {"data": {}}),
        ("POST", f"/recordings/{rid}/segments/{HUGE}", {"data": {"text": "x"}}),
        ("POST", f"/recordings/{rid}/segments/²", {"data": {"text": "x"}}),
        # Feedback and criteria (issue 9)
        ("PATCH", f"{base}/feedback/{HUGE}", {"json": {"text": "x"}}),
        ("DELETE", f"{base}/feedback/²", {}),
        ("POST", f"{base}/feedback/{HUGE}/replies", {"json": {"text": "x"}}),
        ("POST", f"{base}/feedback", {"content": b'{"start_seconds": 1e309}', **json_type}),
        (
            "POST",
            f"{base}/feedback",
            {
                "json": {
                    "kind": "strength",
                    "start_seconds": 1,
                    "criterion_ids": [2**63],
                    "text": "x",
                }
            },
        ),
        (
            "POST",
            f"{base}/feedback",
            {"json": {"kind": "strength", "start_seconds": 1, "text": "\x00"}},
        ),
        ("POST", f"/api/v1/notifications/{HUGE}/read", {}),
        ("PATCH", f"/api/v1/criteria/{HUGE}", {"json": {"name_da": "x"}}),
        ("PUT", "/api/v1/criteria/order", {"json": {"criterion_ids": [2**64]}}),
        ("POST", "/api/v1/recordings", multipart),
        ("POST", "/recordings/new", multipart),
        ("POST", "/account/password", multipart),
        ("POST", "/account/password", {"data": {"current": "\x00", "new": "a", "repeat": "b"}}),
    ]


def test_hostile_ids_digits_and_boundaries_get_a_4xx(rid: str, quiet: TestClient) -> None:
    for method, url, kwargs in hostile_requests(rid):
        response = quiet.request(method, url, **kwargs)
        assert_answer_is_clean(response, f"{method} {url}")
        assert 400 <= response.status_code < 500, f"{method} {url}: {response.status_code}"


def test_admin_forms_with_huge_and_unicode_numbers(db: str, client_for) -> None:  # type: ignore[no-untyped-def]
    admin = client_for("administrator")
    admin._transport.raise_server_exceptions = False
    token = admin.cookies["vs_csrf"]
    for url, data in [
        (f"/admin/users/{HUGE}", {"role": "caseworker"}),
        (f"/admin/users/{HUGE}/delete", {}),
        (f"/admin/teams/{HUGE}/members", {"member": "1"}),
        ("/admin/settings", {"default_days": "²", "max_days": "30", "warn_days": "7"}),
        ("/admin/settings", {"default_days": HUGE, "max_days": "30", "warn_days": "7"}),
    ]:
        response = admin.post(url, data={**data, "csrf_token": token}, follow_redirects=False)
        assert_answer_is_clean(response, url)
        assert 400 <= response.status_code < 500, f"{url}: {response.status_code}"
    # A team's member list with Unicode digits and huge ids: ignored, not a 500.
    admin.post("/admin/teams", data={"name": "Team Fuzz", "csrf_token": token})
    page = admin.get("/admin/teams").text
    team = page.split("/admin/teams/")[1].split("/")[0]
    response = admin.post(
        f"/admin/teams/{team}/members",
        data={"member": ["²", HUGE, str(user_id("caseworker"))], "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_validation_errors_name_the_field_in_words(db: str, client: TestClient) -> None:
    # A page: the error page with the message, not FastAPI's JSON.
    response = client.post("/account/password", data={"current": "x"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "Ny adgangskode skal udfyldes." in response.text
    # The API: {"detail", "code"}, localised, with the field's name in words.
    response = client.patch(
        f"/api/v1/recordings/x/transcript/segments/{HUGE}",
        json={"text": "x"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": f"The segment's number may be at most {2**63 - 1}.",
        "code": "invalid.too_big",
    }
    json_type = {"Content-Type": "application/json"}
    response = client.post("/api/v1/recordings/x/shares", content=b"{not json", headers=json_type)
    assert response.json()["code"] == "invalid.json"
    # An unknown address: the same shapes.
    assert client.get("/api/v1/nothing-here").json()["code"] == "http.not_found"
    assert "Siden findes ikke." in client.get("/nothing-here").text


def test_a_500_carries_the_headers_and_a_message(
    db: str, quiet: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.access import policy

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    # The one rule both the API's list and the page's (search, filters, pages) go through.
    monkeypatch.setattr(policy, "readable", broken)
    for url, kind in [("/api/v1/recordings", "application/json"), ("/recordings", "text/html")]:
        response = quiet.get(url)
        assert response.status_code == 500
        assert response.headers["content-type"].startswith(kind)
        for header in [*SECURITY, "cache-control", "referrer-policy"]:
            assert header in response.headers, f"{url}: no {header}"
        assert "Intet er ændret" in response.text


@pytest.fixture
def served(sqlite_url: str) -> Iterator[str]:
    """The real `videosparring serve` command (the one operators run)."""
    port = free_port()
    env = app_env(SPARRING_DATABASE_URL=sqlite_url, SPARRING_PORT=str(port))
    with serving(env, port=port, command=[sys.executable, "-m", "app.cli", "serve"]) as base:
        yield base


def test_serve_sends_no_server_banner(served: str) -> None:
    for path in ("/login", "/healthz", "/static/app.css", "/api/v1/recordings/x/transcript"):
        response = httpx.get(f"{served}{path}")
        assert "server" not in response.headers, f"{path}: {response.headers.get('server')}"


# --------------------------------------------------------------------------- fuzzing

HOSTILE = [
    "",
    "0",
    "-1",
    HUGE,
    str(-(2**63) - 1),
    "9" * 400,
    "²",
    "١٢٣",
    "1e309",
    "NaN",
    "\x00",
    "a\x00b",
    "\u202eevil",
    "🙂" * 50,
    "user:" + HUGE,
    "team:²",
    "../../etc/passwd",
    "<script>x</script>",
    "x" * 6000,
]
# Fields a route reads from the raw form, beside the ones FastAPI declares.
RAW_FIELDS = {"/admin/teams/{team_id}/members": ["member"]}
# Routes that would end the fuzzing client's own session or account.
SKIP = {"/logout"}


def page_form_routes() -> list[APIRoute]:
    from app.access import pages as sharing_pages
    from app.accounts import pages as account_pages
    from app.admin import pages as admin_pages
    from app.leader import pages as leader_pages
    from app.library import pages as library_pages
    from app.recordings import pages as recording_pages
    from app.selfassessment import pages as self_assessment_pages
    from app.transcripts import pages as transcript_pages

    routers = [account_pages.router, admin_pages.router, leader_pages.router]
    routers += [library_pages.router, recording_pages.router, sharing_pages.router]
    routers += [transcript_pages.router, self_assessment_pages.router]
    return [
        route
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and "POST" in route.methods and route.path not in SKIP
    ]


def form_fields(route: APIRoute) -> list[str]:
    declared = [p.alias for p in route.dependant.body_params]
    return declared + RAW_FIELDS.get(route.path, [])


# PostgreSQL only: the stricter database (NUL characters, integer range); ~30 s a run.
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_every_page_form_survives_hostile_values(
    rid: str, quiet: TestClient, client_for: ClientFor
) -> None:
    admin = client_for("administrator")
    admin._transport.raise_server_exceptions = False
    ids = {
        "recording_id": rid,
        "user_id": str(2**62),
        "team_id": str(2**62),
        "share_id": "1",
        "segment_id": "1",
        "removal_id": str(2**62),
        "round_id": str(2**62),
        "token": "x" * 40,
        "purpose": "x" * 40,  # a consent's purpose nobody knows: 404
    }
    tried, failures = 0, []
    for route in page_form_routes():
        who = admin if route.path.startswith("/admin") else quiet
        fields = form_fields(route)
        for name in fields or ["unused"]:
            for value in HOSTILE:
                url = route.path.format(**ids)
                token = who.cookies["vs_csrf"]
                data = {f: "1" for f in fields} | {name: value, "csrf_token": token}
                if route.path == "/recordings/new":
                    response = who.post(url, data=data, files={"file": ("a.mp4", b"x")})
                else:
                    response = who.post(url, data=data, follow_redirects=False)
                tried += 1
                if response.status_code >= 500 or "content-security-policy" not in response.headers:
                    failures.append(f"{route.path} {name}={value[:20]!r}: {response.status_code}")
    print(f"page form fuzz: {tried} requests, {len(failures)} 5xx")
    assert tried > 300
    assert failures == []


schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


# PostgreSQL only, as the page forms above: derandomized, a run on SQLite sends the very same
# requests again (SQLite's own limits are in test_hostile_ids_digits_and_boundaries_get_a_4xx).
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_schemathesis_finds_no_5xx(rid: str, client: TestClient) -> None:
    """Every API operation, logged in with the CSRF header; bounded to a few
    examples each (8 per operation and mode: the whole suite runs on 2 cores)."""
    from schemathesis.python.asgi import ASGIClient

    session = ASGIClient(app)
    session.get("/login")
    session.post(
        "/login",
        data={
            "email": BASE_USERS["caseworker"][0],
            "password": "correct horse battery staple",
            "csrf_token": session.cookies["vs_csrf"],
        },
        allow_redirects=False,
    )
    email = BASE_USERS["caseworker"][0]
    code = code_at(email, free_step(email) or wait_for_step(email))
    data = {"code": code, "csrf_token": session.cookies["vs_csrf"]}
    session.post("/login/second-factor", data=data, allow_redirects=False)
    session.headers["X-CSRF-Token"] = session.cookies["vs_csrf"]
    assert session.get("/api/v1/me").status_code == 200
    tried, errors = 0, []
    operations = [result.ok() for result in schema.get_all_operations()]
    # Valid requests reach the code behind the checks; invalid ones (negative mode) the checks.
    modes = list(schemathesis.GenerationMode)
    for operation, mode in [(op, mode) for op in operations for mode in modes]:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=8,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:  # type: ignore[no-untyped-def]
            nonlocal tried
            if "recording_id" in (case.path_parameters or {}) and tried % 2:
                case.path_parameters["recording_id"] = rid  # reach the code behind the lookup
            tried += 1
            try:
                response = case.call(session=session)
            except Exception as exc:  # the app raised: a 500
                errors.append(f"{case.method} {case.formatted_path}: {exc!r}")
                return
            if response.status_code >= 500:
                errors.append(f"{case.method} {case.formatted_path}: {response.status_code}")

        try:
            run()
        except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
            assert mode == schemathesis.GenerationMode.NEGATIVE
    print(f"schemathesis: {len(operations)} operations, {tried} requests, {len(errors)} 5xx")
    assert tried > 200
    assert errors == []


QUERY_PAGES = [
    ("admin", "/admin/audit", ["since", "until", "action", "actor", "recording"]),
    ("caseworker", "/recordings", ["uploaded", "deleted"]),
    ("caseworker", "/language/en", ["next"]),
    ("anonymous", "/login", ["next"]),
]


def test_every_query_parameter_survives_hostile_values(
    db: str, quiet: TestClient, client_for: ClientFor, anonymous: TestClient
) -> None:
    admin = client_for("administrator")
    admin._transport.raise_server_exceptions = False
    who = {"admin": admin, "caseworker": quiet, "anonymous": anonymous}
    tried, failures = 0, []
    for role, path, names in QUERY_PAGES:
        for name in names:
            for value in [*HOSTILE, "/\\evil.example", "//evil.example", "2026-02-30"]:
                response = who[role].get(path, params={name: value}, follow_redirects=False)
                tried += 1
                location = response.headers.get("location", "/")
                if response.status_code >= 500 or location.startswith(("//", "/\\")):
                    failures.append(f"{path}?{name}={value[:20]!r}: {response.status_code}")
    print(f"query fuzz: {tried} requests, {len(failures)} failures")
    assert failures == []


# Issue 18: the probe's 500s, and ids that one row answered to under many names. ----------

NOT_CANONICAL = ["1.0", "+1", " 1", "01", "1e0", "0x1", HUGE]
ID_PARAM = re.compile(r"\{(?!recording_id\}|upload_id\})(\w+_id)\}")  # those two are hex


def routes_with_ids() -> list[tuple[str, str]]:
    """(method, path) of every route with an integer id in its path (the recording's id is
    text of its own kind)."""
    keys, _ = app_routes()
    found = [tuple(key.split(" ", 1)) for key in sorted(keys) if ID_PARAM.search(key)]
    return [(method, path) for method, path in found]


def test_only_canonical_digits_are_an_id_on_every_route(
    rid: str, quiet: TestClient, client_for: ClientFor
) -> None:
    """'1.0', '+1', ' 1', '01' once all named row 1. Every route with an id answers them as
    it answers any other id that is no number: 422 with a message, changing nothing."""
    admin = client_for("administrator")
    admin._transport.raise_server_exceptions = False  # type: ignore[attr-defined]
    routes = routes_with_ids()
    assert len(routes) > 60 and ("POST", "/sessions/{session_id}/summary") in routes
    start = last_seq()
    for method, path in routes:
        who = admin if path.startswith(("/admin/", "/api/v1/criteria")) else quiet
        for bad in NOT_CANONICAL:
            url = ID_PARAM.sub(bad, path).replace("{recording_id}", rid)
            response = who.request(method, url, headers={"Accept-Language": "en"})
            assert_answer_is_clean(response, f"{method} {url}")
            assert response.status_code == 422, f"{method} {url!r}: {response.status_code}"
            number = "must be a whole number" if bad != HUGE else "may be at most"
            if path.startswith("/api/"):
                assert number in response.json()["detail"], f"{method} {url!r}"
            else:
                assert number in response.text, f"{method} {url!r}"
    assert last_seq() == start  # nothing was done, nothing audited


LONE = "Hej Mette \ud800"  # half of a UTF-16 pair, as JSON's "\ud800" sends it


def as_json(body: dict[str, Any]) -> dict[str, Any]:
    """The body with the surrogate as a JSON escape (httpx cannot encode it as UTF-8)."""
    return {
        "content": json.dumps(body).encode(),
        "headers": {"Content-Type": "application/json", "Accept-Language": "en"},
    }


def test_a_lone_surrogate_in_any_text_gets_a_422_and_changes_nothing(
    db: str, quiet: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    client = quiet
    rid = ready_recording(client, media)
    clip = make_clip(client, rid, 10.0, 20.0)
    supervisor = user_id("supervisor")
    sid = plan(client, rid, [supervisor], clip_id=clip)["id"]
    transcript = f"/api/v1/recordings/{rid}/transcript"
    segment = client.get(transcript).json()["segments"][0]["id"]
    item = {"kind": "strength", "start_seconds": 12, "criterion_ids": criterion_ids(client)[:1]}

    def state() -> list[Any]:
        reads = ("/api/v1/sessions", f"/api/v1/recordings/{rid}/clips", transcript)
        reads += (f"/api/v1/recordings/{rid}/feedback", "/api/v1/criteria")
        return [client.get(url).json() for url in reads]

    admin = client_for("administrator")
    before, start = state(), last_seq()
    cases: list[tuple[TestClient, str, str, dict[str, Any]]] = [
        (client, "POST", f"/api/v1/recordings/{rid}/clips", {"title": LONE}),
        (client, "POST", f"/api/v1/recordings/{rid}/clips", {"request_text": LONE}),
        (client, "PATCH", f"/api/v1/clips/{clip}", {"title": LONE}),
        (client, "PATCH", f"/api/v1/clips/{clip}", {"request_text": LONE}),
        (client, "POST", "/api/v1/sessions", plan_body(rid, [supervisor], question=LONE)),
        (client, "PATCH", f"/api/v1/sessions/{sid}", {"question": LONE}),
        (client, "PUT", f"/api/v1/sessions/{sid}/summary", {"summary": LONE}),
        (client, "PUT", f"/api/v1/sessions/{sid}/summary", {"learning_points": LONE}),
        (client, "PATCH", f"{transcript}/segments/{segment}", {"text": LONE}),
        (client, "POST", f"/api/v1/recordings/{rid}/feedback", item | {"text": LONE}),
        (client, "POST", f"/api/v1/sessions/{sid}/feedback", item | {"text": LONE}),
        (admin, "POST", "/api/v1/criteria", {"name_da": LONE}),
    ]
    clip_fields = {"title": "Åbningen", "start_seconds": 1.0, "end_seconds": 5.0}
    for who, method, url, body in cases:
        who._transport.raise_server_exceptions = False  # type: ignore[attr-defined]
        if url.endswith("/clips"):
            body = clip_fields | body
        if url.endswith("/criteria"):
            body = body | {"name_en": "Name"}
        response = who.request(method, url, **as_json(body))
        assert response.status_code == 422, f"{method} {url} {body}: {response.text[:300]}"
        assert "broken character" in response.json()["detail"], f"{url} {response.text}"
    assert state() == before and last_seq() == start


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59+00:00", "2100-01-01T10:00:00Z"]
)
def test_a_session_time_past_any_plan_gets_a_422(
    when: str, db: str, quiet: TestClient, media: MediaSet
) -> None:
    """The first once overflowed converting to UTC (a 500); the others lie years ahead,
    where pages showing them in local time overflow too."""
    rid = ready_recording(quiet, media)
    supervisor = user_id("supervisor")
    headers = {"Accept-Language": "en"}
    planned = quiet.post("/api/v1/sessions", json=plan_body(rid, [supervisor], starts_at=when))
    assert planned.status_code == 422, planned.text
    assert planned.json()["code"] == "session.time_far"
    sid = plan(quiet, rid, [supervisor])["id"]
    before = quiet.get(f"/api/v1/sessions/{sid}").json()
    moved = quiet.patch(f"/api/v1/sessions/{sid}", json={"starts_at": when}, headers=headers)
    assert moved.status_code == 422, moved.text
    assert "too far ahead" in moved.json()["detail"]
    assert quiet.get(f"/api/v1/sessions/{sid}").json() == before
