"""Who gets what: every route and page, every role, own, shared and someone else's recording.

MATRIX holds the expected answer for each route (API and HTML, media included) and each
actor. The route list is read from the app itself, so a new route without an entry in the
matrix fails `test_every_route_has_a_matrix_entry`.

Actors, in the column order of MATRIX:

  anonymous  no session (but a valid CSRF token, so that the login check is what answers)
  owner      the caseworker who uploaded the recording          (BASE_USERS["caseworker"])
  shared     a supervisor the owner shared the recording with   (BASE_USERS["supervisor"])
  other      another caseworker: someone else's recording       (BASE_USERS["caseworker2"])
  admin      the administrator; not shared with, so no access   (BASE_USERS["administrator"])
  leader     the leader: aggregate figures only, never a recording (BASE_USERS["leader"])

For routes that have nothing to do with a recording the columns simply are those roles.

Cells: an HTTP status, or (status, start of the Location header). 302 always means "a page
sent an anonymous visitor to /login?next=…" and is checked as such. The API answers an
anonymous caller 401, and a recording the caller may not see 404 (as if it did not exist);
owner-only actions asked for by someone the recording is shared with answer 403.

Team shares, withdrawn shares, leaders in teams and role changes are tested further down;
the core visibility rules are also run on PostgreSQL.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from app.accounts import service as account_service
from app.accounts.models import Role
from app.core.db import session_scope
from app.sharing.models import Share
from tests.conftest import BASE_USERS, PASSWORD, login, process_queued_jobs, user_id
from tests.helpers import CONSENT
from tests.mediafiles import FORMATS, MediaSet

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
LOGIN = 302  # a page: redirect to /login?next=…

# fmt: off
MATRIX: dict[str, tuple[int | tuple[int, str], ...]] = {
    #                                                                anonymous owner shared other admin leader
    # Public: health, the API description, the login form, the language switch.
    "GET /healthz":                                                       (200, 200, 200, 200, 200, 200),
    "GET /api/v1/openapi.json":                                           (200, 200, 200, 200, 200, 200),
    "GET /login":                                      (200, (303, "/"), (303, "/"), (303, "/"), (303, "/"), (303, "/")),
    "POST /login":                                                        (401, 401, 401, 401, 401, 401),  # wrong password
    "POST /logout":     ((303, "/login"), (303, "/login"), (303, "/login"), (303, "/login"), (303, "/login"), (303, "/login")),
    "GET /language/{code}":                                               (303, 303, 303, 303, 303, 303),

    # Anyone logged in.
    "GET /api/v1/me":                                                     (401, 200, 200, 200, 200, 200),
    "GET /account/password":                                            (LOGIN, 200, 200, 200, 200, 200),
    "POST /account/password":                                           (LOGIN, 422, 422, 422, 422, 422),  # repeat differs
    "GET /": (LOGIN, (303, "/recordings"), (303, "/recordings"), (303, "/recordings"),
              (303, "/admin/users"), (303, "/leader")),

    # Recordings: list and upload. Caseworkers and supervisors upload; leaders see no list.
    "GET /api/v1/recordings":                                             (401, 200, 200, 200, 200, 200),
    "POST /api/v1/recordings":                                            (401, 201, 201, 201, 403, 403),
    "GET /recordings":                                                  (LOGIN, 200, 200, 200, 200, 403),
    "GET /recordings/new":                                              (LOGIN, 200, 200, 200, 403, 403),
    "POST /recordings/new":                                             (LOGIN, 303, 303, 303, 403, 403),

    # One recording: who may see it.
    "GET /api/v1/recordings/{recording_id}":                              (401, 200, 200, 404, 404, 404),
    "GET /api/v1/recordings/{recording_id}/media":                        (401, 200, 200, 404, 404, 404),
    "GET /api/v1/recordings/{recording_id}/poster":                       (401, 200, 200, 404, 404, 404),
    "GET /api/v1/recordings/{recording_id}/transcript":                   (401, 200, 200, 404, 404, 404),
    "GET /api/v1/recordings/{recording_id}/transcript/export.{fmt}":      (401, 200, 200, 404, 404, 404),
    "GET /recordings/{recording_id}":                                   (LOGIN, 200, 200, 404, 404, 404),

    # One recording: what only its caseworker may do (403 if only shared, 404 if unseen).
    "DELETE /api/v1/recordings/{recording_id}":                           (401, 204, 403, 404, 404, 404),
    "POST /api/v1/recordings/{recording_id}/consent/withdraw":            (401, 204, 403, 404, 404, 404),
    "PATCH /api/v1/recordings/{recording_id}/transcript/segments/{segment_id}": (401, 200, 403, 404, 404, 404),
    "GET /api/v1/recordings/{recording_id}/shares":                       (401, 200, 403, 404, 404, 404),
    "POST /api/v1/recordings/{recording_id}/shares":                      (401, 201, 403, 404, 404, 404),
    "DELETE /api/v1/recordings/{recording_id}/shares/{share_id}":         (401, 204, 403, 404, 404, 404),
    "POST /recordings/{recording_id}/delete":                           (LOGIN, 303, 403, 404, 404, 404),
    "POST /recordings/{recording_id}/consent/withdraw":                 (LOGIN, 303, 403, 404, 404, 404),
    "POST /recordings/{recording_id}/segments/{segment_id}":            (LOGIN, 303, 403, 404, 404, 404),
    "POST /recordings/{recording_id}/shares":                           (LOGIN, 303, 403, 404, 404, 404),
    "POST /recordings/{recording_id}/shares/{share_id}/withdraw":       (LOGIN, 303, 403, 404, 404, 404),

    # The administrator's pages.
    "GET /admin/users":                                                 (LOGIN, 403, 403, 403, 200, 403),
    "POST /admin/users":                                                (LOGIN, 403, 403, 403, 303, 403),
    "POST /admin/users/{user_id}":                                      (LOGIN, 403, 403, 403, 303, 403),
    "POST /admin/users/{user_id}/delete":                               (LOGIN, 403, 403, 403, 303, 403),
    "GET /admin/teams":                                                 (LOGIN, 403, 403, 403, 200, 403),
    "POST /admin/teams":                                                (LOGIN, 403, 403, 403, 303, 403),
    "POST /admin/teams/{team_id}/members":                              (LOGIN, 403, 403, 403, 303, 403),
    "GET /admin/settings":                                              (LOGIN, 403, 403, 403, 200, 403),
    "POST /admin/settings":                                             (LOGIN, 403, 403, 403, 303, 403),
    "GET /admin/audit":                                                 (LOGIN, 403, 403, 403, 200, 403),
    "GET /admin/audit.csv":                                             (LOGIN, 403, 403, 403, 200, 403),

    # The leader's figures: leaders and administrators.
    "GET /leader":                                                      (LOGIN, 403, 403, 403, 200, 200),
}
# fmt: on

# Mounts that are not routes of the app: static assets only, never anything uploaded.
ALLOWED_MOUNTS = {"/static"}


@dataclass(frozen=True)
class Call:
    """How the matrix calls one route.

    path: a value for a path parameter; a value naming an entry of the scene (built in
    `scene`) is replaced by that entry. Parameters not named here are looked up in the scene
    by their own name. Body values are formatted with the scene and the actor's name.
    """

    label: str = ""
    path: dict[str, str] = field(default_factory=dict)
    json: dict[str, object] | None = None
    data: dict[str, str] | None = None
    upload: bool = False
    headers: dict[str, str] | None = None
    ok: int | None = None  # the answer a viewer gets instead of 200 (206 for a range)
    fresh_recording: bool = False  # destructive: its own recording, shared like the main one
    fresh_client: bool = False  # ends the session: its own browser


CALLS: dict[str, list[Call]] = {
    "POST /login": [
        Call(data={"email": "ingen@kommune.test", "password": "forkert kodeord", "next": "/"})
    ],
    "POST /logout": [Call(fresh_client=True)],
    "GET /language/{code}": [Call(path={"code": "en"})],
    "POST /account/password": [
        Call(data={"current": "forkert", "new": "et langt nyt kodeord 1", "repeat": "et andet"})
    ],
    "POST /api/v1/recordings": [Call(upload=True)],
    "POST /recordings/new": [Call(upload=True)],
    "GET /api/v1/recordings/{recording_id}/media": [
        Call("whole file"),
        Call("range from 0", headers={"Range": "bytes=0-99"}, ok=206),
        Call("range seek", headers={"Range": "bytes=100-"}, ok=206),
    ],
    "GET /api/v1/recordings/{recording_id}/transcript/export.{fmt}": [
        Call(fmt, path={"fmt": fmt}) for fmt in ("vtt", "srt", "txt")
    ],
    "DELETE /api/v1/recordings/{recording_id}": [Call(fresh_recording=True)],
    "POST /api/v1/recordings/{recording_id}/consent/withdraw": [Call(fresh_recording=True)],
    "POST /recordings/{recording_id}/delete": [Call(fresh_recording=True)],
    "POST /recordings/{recording_id}/consent/withdraw": [Call(fresh_recording=True)],
    "PATCH /api/v1/recordings/{recording_id}/transcript/segments/{segment_id}": [
        Call(json={"text": "Rettet af {actor}", "speaker": "child"})
    ],
    "POST /recordings/{recording_id}/segments/{segment_id}": [
        Call(data={"text": "Rettet på siden af {actor}", "speaker": "caseworker"})
    ],
    "POST /api/v1/recordings/{recording_id}/shares": [Call(json={"user_id": "{share_target}"})],
    "DELETE /api/v1/recordings/{recording_id}/shares/{share_id}": [
        Call(path={"share_id": "share_for_api_withdraw"})
    ],
    "POST /recordings/{recording_id}/shares": [Call(data={"target": "team:{team_for_page_share}"})],
    "POST /recordings/{recording_id}/shares/{share_id}/withdraw": [
        Call(path={"share_id": "share_for_page_withdraw"})
    ],
    "POST /admin/users": [
        Call(
            data={
                "email": "ny-{actor}@kommune.test",
                "name": "Ny Person",
                "role": "caseworker",
                "password": PASSWORD,
            }
        )
    ],
    "POST /admin/users/{user_id}": [
        Call(path={"user_id": "user_to_update"}, data={"role": "supervisor", "active": "on"})
    ],
    "POST /admin/users/{user_id}/delete": [Call(path={"user_id": "user_to_delete"})],
    "POST /admin/teams": [Call(data={"name": "Nyt team {actor}"})],
    "POST /admin/teams/{team_id}/members": [
        Call(path={"team_id": "team_for_members"}, data={"member": "{user_to_update}"})
    ],
    "POST /admin/settings": [
        Call(data={"default_days": "90", "max_days": "365", "warn_days": "14"})
    ],
}


# Routes of the app -----------------------------------------------------------------------


def app_routes() -> tuple[set[str], set[str]]:
    """Every "METHOD /path" the app answers, and the paths of anything else mounted."""
    from app.main import app

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


def test_every_route_has_a_matrix_entry() -> None:
    keys, others = app_routes()
    missing = sorted(keys - MATRIX.keys())
    extra = sorted(MATRIX.keys() - keys)
    assert not missing and not extra, (
        "The access matrix in tests/test_access_matrix.py must list every route.\n"
        f"Routes without an entry (add the expected answer per actor): {missing}\n"
        f"Entries for routes that no longer exist: {extra}"
    )
    assert others == ALLOWED_MOUNTS, (
        f"Something is mounted beside the routes: {sorted(others - ALLOWED_MOUNTS)}; "
        "give it an access check and an entry in the matrix"
    )
    assert CALLS.keys() <= MATRIX.keys(), sorted(CALLS.keys() - MATRIX.keys())
    for key, row in MATRIX.items():
        assert len(row) == len(ACTORS), key


# The scene --------------------------------------------------------------------------------


def upload_file(
    client: TestClient, media: MediaSet, url: str = "/api/v1/recordings", **fields: str
) -> Response:
    data = {
        "title": TITLE,
        "case_reference": CASE_REFERENCE,
        "language": "en",
        **CONSENT,
        **fields,
    }
    path = media.encoded(FORMATS[6])  # a few seconds of mp3: quick to process
    with path.open("rb") as fh:
        return client.post(
            url,
            data=data,
            files={"file": (path.name, fh, "audio/mpeg")},
            follow_redirects=False,
        )


def new_recording(client: TestClient, media: MediaSet, **fields: str) -> str:
    response = upload_file(client, media, **fields)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def share(client: TestClient, recording_id: str, **target: int) -> int:
    response = client.post(f"/api/v1/recordings/{recording_id}/shares", json=target)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def make_user(email: str, role: Role = Role.supervisor) -> int:
    with session_scope() as session:
        user = account_service.create_user(
            session=session, email=email, name=email.split("@")[0], role=role, password=PASSWORD
        )
        return int(user.id)  # type: ignore[arg-type]


def make_team(name: str, members: list[int]) -> int:
    with session_scope() as session:
        team = account_service.create_team(session=session, name=name)
        account_service.set_members(session=session, team=team, user_ids=members)
        return int(team.id)  # type: ignore[arg-type]


def set_members(team_id: int, members: list[int]) -> None:
    with session_scope() as session:
        team = account_service.get_team(session=session, team_id=team_id)
        account_service.set_members(session=session, team=team, user_ids=members)


@pytest.fixture
def browser() -> Iterator:  # type: ignore[type-arg]
    """Opens browsers: anonymous (with a CSRF token) or logged in by e-mail."""
    from app.main import app

    opened: list[TestClient] = []

    def make(email: str | None = None) -> TestClient:
        client = TestClient(app)
        opened.append(client)
        if email is not None:
            return login(client, email)
        client.get("/login")
        client.headers["X-CSRF-Token"] = client.cookies["vs_csrf"]
        return client

    yield make
    for client in opened:
        client.close()


def actor_clients(browser) -> dict[str, TestClient]:  # type: ignore[no-untyped-def]
    clients = {"anonymous": browser()}
    for actor, key in LOGIN_AS.items():
        clients[actor] = browser(BASE_USERS[key][0])
    return clients


@pytest.fixture
def scene(sqlite_db: str, browser, media: MediaSet) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """One processed recording of the owner's, shared with the supervisor, and what the
    owner-only and administrator routes act on."""
    clients = actor_clients(browser)
    owner = clients["owner"]
    recording_id = new_recording(owner, media)
    assert process_queued_jobs() == ["succeeded"]
    supervisor = user_id("supervisor")
    share(owner, recording_id, user_id=supervisor)
    segments = owner.get(f"/api/v1/recordings/{recording_id}/transcript").json()["segments"]
    assert segments, "the recording has no transcript to correct"

    spare_team_a = make_team("Tilbagetrækning API", [])
    spare_team_b = make_team("Tilbagetrækning side", [])
    values: dict[str, object] = {
        "clients": clients,
        "recording_id": recording_id,
        "segment_id": segments[0]["id"],
        # The last segment is never corrected by the matrix: its words must not leak.
        "spoken_text": segments[-1]["machine_text"],
        "share_target": make_user("ekstra-supervisor@kommune.test"),
        "team_for_page_share": make_team("Sparring side", []),
        "share_for_api_withdraw": share(owner, recording_id, team_id=spare_team_a),
        "share_for_page_withdraw": share(owner, recording_id, team_id=spare_team_b),
        "user_to_update": make_user("opdateres@kommune.test", Role.caseworker),
        "user_to_delete": make_user("slettes@kommune.test", Role.caseworker),
        "team_for_members": make_team("Medlemmer", []),
    }
    # Destructive routes each get their own recording, shared the same way (not processed:
    # deleting does not wait for the worker).
    for key, calls in CALLS.items():
        if any(call.fresh_recording for call in calls):
            fresh = new_recording(owner, media)
            share(owner, fresh, user_id=supervisor)
            values[f"fresh {key}"] = fresh
    return values


# Running the matrix -----------------------------------------------------------------------


def expected_for(key: str, actor: str, call: Call) -> tuple[int, str | None]:
    cell = MATRIX[key][ACTORS.index(actor)]
    status, location = cell if isinstance(cell, tuple) else (cell, None)
    if status == 200 and call.ok is not None:
        status = call.ok
    if status == LOGIN:
        location = "/login?next="
    return status, location


def is_success(status: int) -> bool:
    return 200 <= status < 400 and status != LOGIN


def request_for(key: str, call: Call, actor: str, scene: dict[str, object]) -> dict[str, object]:
    method, template = key.split(" ", 1)
    names = dict(scene, actor=actor)
    if call.fresh_recording:
        names["recording_id"] = scene[f"fresh {key}"]
    url = template
    for part in template.split("{")[1:]:
        name = part.split("}")[0]
        value = call.path.get(name, name)
        url = url.replace("{" + name + "}", str(names.get(value, value)))
    kwargs: dict[str, object] = {"method": method, "url": url, "follow_redirects": False}
    if call.headers:
        kwargs["headers"] = call.headers
    if call.json is not None:
        kwargs["json"] = {
            k: (_number(str(v).format(**names)) if isinstance(v, str) else v)
            for k, v in call.json.items()
        }
    if call.data is not None:
        kwargs["data"] = {k: v.format(**names) for k, v in call.data.items()}
    return kwargs


def _number(value: str) -> object:
    return int(value) if value.isdigit() else value


def perform(
    key: str,
    call: Call,
    actor: str,
    scene: dict[str, object],
    browser,
    media: MediaSet,  # type: ignore[no-untyped-def]
) -> Response:
    clients: dict[str, TestClient] = scene["clients"]  # type: ignore[assignment]
    client = clients[actor]
    if call.fresh_client:
        client = browser(None if actor == "anonymous" else BASE_USERS[LOGIN_AS[actor]][0])
    kwargs = request_for(key, call, actor, scene)
    if call.upload:
        return upload_file(
            client,
            media,
            url=str(kwargs["url"]),
            title=f"Egen optagelse ({actor})",
            case_reference="EGEN-1",
        )
    return client.request(**kwargs)  # type: ignore[arg-type]


def leaks(response: Response, scene: dict[str, object]) -> list[str]:
    secrets = [TITLE, CASE_REFERENCE, str(scene["spoken_text"])]
    return [s for s in secrets if s and s.encode() in response.content]


def test_access_matrix(scene: dict[str, object], browser, media: MediaSet) -> None:  # type: ignore[no-untyped-def]
    clients: dict[str, TestClient] = scene["clients"]  # type: ignore[assignment]
    failures: list[str] = []
    checked = 0
    for key in MATRIX:
        for call in CALLS.get(key, [Call()]):
            # Refusals first, the successes last: a destructive success cannot spoil the rest.
            order = sorted(ACTORS, key=lambda a: is_success(expected_for(key, a, call)[0]))
            for actor in order:
                status, location = expected_for(key, actor, call)
                where = f"{key}{f' [{call.label}]' if call.label else ''} as {actor}"
                response = perform(key, call, actor, scene, browser, media)
                checked += 1
                got = response.status_code
                if got != status:
                    failures.append(f"{where}: got {got}, expected {status}: {response.text[:120]}")
                    continue
                if location is not None:
                    sent = response.headers.get("location", "")
                    if not sent.startswith(location):
                        failures.append(f"{where}: redirected to {sent!r}, expected {location}…")
                if actor not in ("owner", "shared") and (found := leaks(response, scene)):
                    failures.append(f"{where}: the answer contains the recording's {found}")
                if call.fresh_recording and actor == "owner" and is_success(status):
                    gone = clients["owner"].get(f"/api/v1/recordings/{scene[f'fresh {key}']}")
                    if gone.status_code != 404:
                        failures.append(f"{where}: the recording is still there ({gone})")
    assert checked >= len(MATRIX) * len(ACTORS)
    assert not failures, f"{len(failures)} of {checked} cells differ:\n" + "\n".join(failures)


def test_lists_show_only_own_and_shared(scene: dict[str, object]) -> None:
    """The list API and the list page name the recording only to its owner and the sharer."""
    clients: dict[str, TestClient] = scene["clients"]  # type: ignore[assignment]
    recording_id = str(scene["recording_id"])
    for actor in ("owner", "shared", "other", "admin", "leader"):
        client = clients[actor]
        listed = [r["id"] for r in client.get("/api/v1/recordings").json()["data"]]
        page = client.get("/recordings", follow_redirects=False)
        sees = actor in ("owner", "shared")
        assert (recording_id in listed) is sees, actor
        if actor == "leader":
            assert listed == [] and page.status_code == 403
        else:
            assert page.status_code == 200
            assert (recording_id in page.text) is sees, actor
            assert (TITLE in page.text) is sees, actor


def test_media_ranges_serve_the_file(scene: dict[str, object]) -> None:
    """A viewer's range request gets exactly the bytes asked for, marked private."""
    clients: dict[str, TestClient] = scene["clients"]  # type: ignore[assignment]
    url = f"/api/v1/recordings/{scene['recording_id']}/media"
    whole = clients["shared"].get(url)
    assert whole.status_code == 200 and len(whole.content) > 1000
    assert "no-store" in whole.headers["cache-control"]
    part = clients["shared"].get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == whole.content[10:20]
    for actor in ("other", "admin", "leader"):
        refused = clients[actor].get(url, headers={"Range": "bytes=10-19"})
        assert refused.status_code == 404 and whole.content[10:20] not in refused.content


def test_unknown_recording_answers_like_someone_elses(scene: dict[str, object]) -> None:
    """404 for a recording one may not see is the same answer as for one that never existed."""
    clients: dict[str, TestClient] = scene["clients"]  # type: ignore[assignment]
    other = clients["other"]
    real, unknown = str(scene["recording_id"]), "0" * len(str(scene["recording_id"]))
    for suffix in ("", "/media", "/poster", "/transcript", "/transcript/export.vtt", "/shares"):
        a = other.get(f"/api/v1/recordings/{real}{suffix}")
        b = other.get(f"/api/v1/recordings/{unknown}{suffix}")
        assert (a.status_code, a.json()) == (b.status_code, b.json()) == (404, b.json()), suffix
    a = other.get(f"/recordings/{real}")
    b = other.get(f"/recordings/{unknown}")
    assert a.status_code == b.status_code == 404
    assert a.text.replace(real, unknown) == b.text  # the page links back to its own address


def test_every_state_changing_route_needs_the_csrf_token(
    sqlite_db: str, browser, media: MediaSet
) -> None:  # type: ignore[no-untyped-def]
    """A logged-in browser whose request lacks the token (a forged cross-site post) gets 403
    from every POST, PATCH and DELETE, and nothing happens."""
    owner = browser(BASE_USERS["caseworker"][0])
    admin = browser(BASE_USERS["administrator"][0])
    recording_id = new_recording(owner, media)
    names = {
        "recording_id": recording_id,
        "segment_id": "1",
        "share_id": "1",
        "user_id": str(user_id("caseworker2")),
        "team_id": "1",
        "code": "en",
    }
    failures = []
    for key in MATRIX:
        method, template = key.split(" ", 1)
        if method == "GET":
            continue
        client = admin if template.startswith("/admin/") else owner
        url = template
        for name, value in names.items():
            url = url.replace("{" + name + "}", value)
        token = client.headers.pop("X-CSRF-Token")
        try:
            if template in ("/api/v1/recordings", "/recordings/new"):
                response = upload_file(client, media, url=url)
            else:
                calls = CALLS.get(key, [Call()])
                kwargs = request_for(
                    key,
                    calls[0],
                    "owner",
                    {
                        **names,
                        "share_target": "1",
                        "team_for_page_share": "1",
                        "user_to_update": "1",
                    },
                )
                kwargs["url"] = url
                response = client.request(**kwargs)  # type: ignore[arg-type]
        finally:
            client.headers["X-CSRF-Token"] = token
        if response.status_code != 403:
            failures.append(f"{key}: got {response.status_code} without the CSRF token")
    assert not failures, "\n".join(failures)
    assert owner.get(f"/api/v1/recordings/{recording_id}").status_code == 200
    assert owner.get("/api/v1/me").status_code == 200  # the forged logout did nothing


# Team shares and changes that take effect at once -----------------------------------------


def can_see(client: TestClient, recording_id: str) -> bool:
    """The read route, the media and the list agree on whether this person sees it."""
    read = client.get(f"/api/v1/recordings/{recording_id}").status_code
    media = client.get(f"/api/v1/recordings/{recording_id}/media").status_code
    listed = recording_id in [r["id"] for r in client.get("/api/v1/recordings").json()["data"]]
    assert {read, media} <= {200, 404} and (read == media == 200) == listed == (read == 200), (
        read,
        media,
        listed,
    )
    return read == 200


def test_team_share_reaches_members_only_and_ends_with_membership(
    sqlite_db: str,
    browser,
    media: MediaSet,  # type: ignore[no-untyped-def]
) -> None:
    owner = browser(BASE_USERS["caseworker"][0])
    supervisor = browser(BASE_USERS["supervisor"][0])
    caseworker2 = browser(BASE_USERS["caseworker2"][0])
    leader = browser(BASE_USERS["leader"][0])
    admin = browser(BASE_USERS["administrator"][0])
    recording_id = new_recording(owner, media)
    assert process_queued_jobs() == ["succeeded"]

    # The leader is in the team too: a leader never sees a recording.
    team = make_team("Sparringsgruppe", [user_id("supervisor"), user_id("leader")])
    share_id = share(owner, recording_id, team_id=team)
    assert can_see(owner, recording_id)
    assert can_see(supervisor, recording_id)
    assert not can_see(caseworker2, recording_id)
    assert not can_see(leader, recording_id)
    assert not can_see(admin, recording_id)
    page = supervisor.get(f"/recordings/{recording_id}")
    assert page.status_code == 200 and TITLE in page.text
    # Who else it is shared with is the owner's business.
    assert "Sparringsgruppe" not in page.text
    assert supervisor.get(f"/api/v1/recordings/{recording_id}/shares").status_code == 403

    # Membership changes apply to the very next request, in the same session.
    set_members(team, [user_id("caseworker2")])
    assert not can_see(supervisor, recording_id)
    assert supervisor.get(f"/recordings/{recording_id}").status_code == 404
    assert can_see(caseworker2, recording_id)

    # So does the administrator's form.
    response = admin.post(
        f"/admin/teams/{team}/members", data={"member": []}, follow_redirects=False
    )
    assert response.status_code == 303
    assert not can_see(caseworker2, recording_id)

    set_members(team, [user_id("caseworker2")])
    assert can_see(caseworker2, recording_id)
    response = owner.delete(f"/api/v1/recordings/{recording_id}/shares/{share_id}")
    assert response.status_code == 204
    assert not can_see(caseworker2, recording_id)
    assert caseworker2.get(f"/api/v1/recordings/{recording_id}/transcript").status_code == 404


def test_withdrawn_personal_share_ends_access_at_once(
    sqlite_db: str,
    browser,
    media: MediaSet,  # type: ignore[no-untyped-def]
) -> None:
    owner = browser(BASE_USERS["caseworker"][0])
    supervisor = browser(BASE_USERS["supervisor"][0])
    recording_id = new_recording(owner, media)
    assert process_queued_jobs() == ["succeeded"]
    share_id = share(owner, recording_id, user_id=user_id("supervisor"))
    assert can_see(supervisor, recording_id)
    for fmt in ("vtt", "srt", "txt"):
        url = f"/api/v1/recordings/{recording_id}/transcript/export.{fmt}"
        assert supervisor.get(url).status_code == 200
    response = owner.post(
        f"/recordings/{recording_id}/shares/{share_id}/withdraw", follow_redirects=False
    )
    assert response.status_code == 303
    assert not can_see(supervisor, recording_id)
    for suffix in ("/poster", "/transcript", "/transcript/export.vtt"):
        assert supervisor.get(f"/api/v1/recordings/{recording_id}{suffix}").status_code == 404
    assert supervisor.get(f"/recordings/{recording_id}").status_code == 404


def test_a_share_from_one_recording_cannot_be_withdrawn_through_another(
    sqlite_db: str,
    browser,
    media: MediaSet,  # type: ignore[no-untyped-def]
) -> None:
    owner = browser(BASE_USERS["caseworker"][0])
    other = browser(BASE_USERS["caseworker2"][0])
    supervisor = browser(BASE_USERS["supervisor"][0])
    theirs = new_recording(other, media)
    mine = new_recording(owner, media)
    their_share = share(other, theirs, user_id=user_id("supervisor"))
    response = owner.delete(f"/api/v1/recordings/{mine}/shares/{their_share}")
    assert response.status_code == 404
    response = owner.post(
        f"/recordings/{mine}/shares/{their_share}/withdraw", follow_redirects=False
    )
    assert response.status_code == 404
    assert can_see(supervisor, theirs)


def test_leaders_never_see_a_recording_even_when_shared(
    sqlite_db: str,
    browser,
    media: MediaSet,  # type: ignore[no-untyped-def]
) -> None:
    owner = browser(BASE_USERS["caseworker"][0])
    leader = browser(BASE_USERS["leader"][0])
    recording_id = new_recording(owner, media)
    assert process_queued_jobs() == ["succeeded"]
    # The API refuses to share with a leader...
    response = owner.post(
        f"/api/v1/recordings/{recording_id}/shares", json={"user_id": user_id("leader")}
    )
    assert response.status_code == 422
    response = owner.post(
        f"/recordings/{recording_id}/shares",
        data={"target": f"user:{user_id('leader')}"},
        follow_redirects=False,
    )
    assert response.status_code == 422
    # ...and a share row that got there anyway (e.g. the person became a leader later)
    # still gives nothing.
    with session_scope() as session:
        session.add(
            Share(
                recording_id=recording_id,
                user_id=user_id("leader"),
                shared_by_id=user_id("caseworker"),
            )
        )
    assert not can_see(leader, recording_id)
    for suffix in ("/poster", "/transcript", "/transcript/export.txt", "/shares"):
        assert leader.get(f"/api/v1/recordings/{recording_id}{suffix}").status_code == 404
    assert leader.get(f"/recordings/{recording_id}").status_code == 404
    assert leader.get("/recordings").status_code == 403
    figures = leader.get("/leader")
    assert figures.status_code == 200 and TITLE not in figures.text


def test_role_change_and_deactivation_take_effect_at_once(
    sqlite_db: str,
    browser,
    media: MediaSet,  # type: ignore[no-untyped-def]
) -> None:
    owner = browser(BASE_USERS["caseworker"][0])
    admin = browser(BASE_USERS["administrator"][0])
    person = make_user("skifter@kommune.test", Role.supervisor)
    them = browser("skifter@kommune.test")
    recording_id = new_recording(owner, media)
    share(owner, recording_id, user_id=person)
    assert them.get(f"/api/v1/recordings/{recording_id}").status_code == 200

    response = admin.post(
        f"/admin/users/{person}", data={"role": "leader", "active": "on"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert them.get(f"/api/v1/recordings/{recording_id}").status_code == 404
    assert recording_id not in them.get("/api/v1/recordings").text

    response = admin.post(
        f"/admin/users/{person}",
        data={"role": "supervisor", "active": "on"},
        follow_redirects=False,
    )
    assert them.get(f"/api/v1/recordings/{recording_id}").status_code == 200
    response = admin.post(
        f"/admin/users/{person}", data={"role": "supervisor"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert them.get(f"/api/v1/recordings/{recording_id}").status_code == 401
    assert them.get(f"/recordings/{recording_id}", follow_redirects=False).status_code == 302


# Both databases ---------------------------------------------------------------------------


def test_core_visibility_on_both_databases(db: str, browser, media: MediaSet) -> None:  # type: ignore[no-untyped-def]
    """Own 200, shared 200, someone else's 404 (leader and administrator too), anonymous 401;
    for the recording and for its media."""
    clients = actor_clients(browser)
    recording_id = new_recording(clients["owner"], media)
    assert process_queued_jobs() == ["succeeded"]
    share(clients["owner"], recording_id, user_id=user_id("supervisor"))
    expected = {
        "anonymous": 401,
        "owner": 200,
        "shared": 200,
        "other": 404,
        "admin": 404,
        "leader": 404,
    }
    for suffix in ("", "/media", "/transcript"):
        url = f"/api/v1/recordings/{recording_id}{suffix}"
        got = {actor: clients[actor].get(url).status_code for actor in ACTORS}
        assert got == expected, (db, suffix, got)
    ranged = {
        actor: clients[actor]
        .get(f"/api/v1/recordings/{recording_id}/media", headers={"Range": "bytes=0-9"})
        .status_code
        for actor in ACTORS
    }
    assert ranged == {**expected, "owner": 206, "shared": 206}, (db, ranged)
    for actor in ("other", "admin", "leader"):
        assert TITLE not in clients[actor].get("/api/v1/recordings").text, (db, actor)
