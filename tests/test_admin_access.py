"""An administrator never reaches a recording by their own actions (issue 6, point 1).

Accounts and teams are the administrator's; who sees a recording is its owner's. A team
is given a clip (its protected variant), never a whole recording; the clip's team share
covers the members it had when it was made (while they stay); a later member waits for the
owner. Passwords are set by the person through a one-time link, and a link an
administrator may have opened holds the person's shares until the owner confirms again.
"""

import threading
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts import security
from app.accounts.models import AccountLink, Role, User
from app.core.db import session_scope
from app.core.timeutil import utcnow
from tests.support.access import TITLE, email_of, new_recording, ready_recording
from tests.support.accounts import (
    BASE_USERS,
    PASSWORD,
    ClientFactory,
    code_at,
    create_account,
    free_step,
    link_path,
    login,
    make_team,
    make_user,
    post_code,
    post_login,
    set_members,
    set_password,
    user_id,
    wait_for_step,
)
from tests.support.audit import entries, last_seq
from tests.support.clips import cut_clips, make_clip, share_clip
from tests.support.media import MediaSet
from tests.support.recordings import share
from tests.support.sessions import plan_body

CONTENT = ("", "/media", "/poster", "/transcript", "/transcript/export.vtt")
# The recording here is sound only: its clip's protected variant has no still.
CLIP_CONTENT = ("", "/media", "/transcript", "/feedback")


def content_answers(client: TestClient, recording_id: str) -> set[int]:
    """The statuses of the recording, its content and its page."""
    got = {
        client.get(f"/api/v1/recordings/{recording_id}{suffix}").status_code for suffix in CONTENT
    }
    got.add(client.get(f"/recordings/{recording_id}").status_code)
    return got


def clip_answers(client: TestClient, clip_id: int) -> set[int]:
    """The statuses of the clip, its content and its page."""
    got = {client.get(f"/api/v1/clips/{clip_id}{suffix}").status_code for suffix in CLIP_CONTENT}
    got.add(client.get(f"/clips/{clip_id}").status_code)
    return got


def team_clip(owner: TestClient, recording_id: str, team: int) -> tuple[int, int]:
    """The recording is refused to the team; a clip of it, cut and approved, is shared with
    the team instead. The clip's id and its share's."""
    refused = owner.post(f"/api/v1/recordings/{recording_id}/shares", json={"team_id": team})
    assert (refused.status_code, refused.json()["code"]) == (422, "share.team_needs_clip")
    assert owner.get(f"/api/v1/recordings/{recording_id}/shares").json() == []
    clip_id = make_clip(owner, recording_id, 1.0, 4.0)
    assert cut_clips() == ["succeeded"]
    return clip_id, share_clip(owner, clip_id, team_id=team)


def test_admin_made_account_added_to_the_team_sees_nothing(
    db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    """Route 1: the administrator makes an account, puts it in the team the recording is
    shared with, and logs in as it through the link they were shown: 404 everywhere."""
    owner, admin = open_client(email_of("owner")), open_client(email_of("admin"))
    recording_id = ready_recording(owner, media)
    since = last_seq()
    team = make_team("Sparring Nord", [user_id("supervisor")])
    clip_id, share_id = team_clip(owner, recording_id, team)

    link = create_account(admin, "stroman@kommune.test", "Stråmand", "caseworker")
    stroman = make_user_id("stroman@kommune.test")
    response = admin.post(
        f"/admin/teams/{team}/members",
        data={"member": [str(user_id("supervisor")), str(stroman)]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    set_password(open_client(), link, "the administrator's own choice")
    puppet = login(open_client(), "stroman@kommune.test", "the administrator's own choice")
    assert clip_answers(puppet, clip_id) == {404}
    assert content_answers(puppet, recording_id) == {404}
    assert recording_id not in puppet.get("/recordings").text
    assert TITLE not in puppet.get("/recordings").text

    # The owner sees exactly who: the supervisor covered, the new member waiting.
    page = owner.get(f"/recordings/{recording_id}").text
    assert "Søren Supervisor" in page and "Stråmand" in page
    assert "kom i teamet efter delingen" in page
    viewers = owner.get(f"/api/v1/clips/{clip_id}/shares").json()[0]["viewers"]
    assert {v["user_id"]: v["status"] for v in viewers} == {
        user_id("supervisor"): "access",
        stroman: "pending",
    }
    # Only the owner confirms; confirming is what gives access (to the clip, never the
    # recording).
    supervisor = open_client(email_of("shared"))
    url = f"/clips/{clip_id}/shares/{share_id}/confirm"
    assert supervisor.post(url, data={"user_id": stroman}).status_code == 403
    assert admin.post(url, data={"user_id": stroman}).status_code == 404
    assert clip_answers(puppet, clip_id) == {404}
    assert owner.post(url, data={"user_id": stroman}, follow_redirects=False).status_code == 303
    assert clip_answers(puppet, clip_id) == {200}
    assert content_answers(puppet, recording_id) == {404}
    assert [e.detail for e in entries(since, action="share_confirmed")] == [
        f"clip {clip_id} share {share_id} user {stroman}"
    ]


def test_second_admin_adding_the_first_to_the_team_gives_nothing(
    db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    """Route 2: another administrator adds the first to the shared team: 404."""
    owner = open_client(email_of("owner"))
    recording_id = ready_recording(owner, media)
    team = make_team("Sparring Syd", [user_id("supervisor")])
    clip_id, _ = team_clip(owner, recording_id, team)
    make_user("admin2@kommune.test", Role.administrator)
    second = open_client("admin2@kommune.test")
    response = second.post(
        f"/admin/teams/{team}/members",
        data={"member": [str(user_id("supervisor")), str(user_id("administrator"))]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    first = open_client(email_of("admin"))
    assert clip_answers(first, clip_id) == {404}
    assert content_answers(first, recording_id) == {404}
    assert clip_answers(open_client(email_of("shared")), clip_id) == {200}


def test_leaving_the_team_ends_access_and_rejoining_needs_the_owner(
    db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    owner, supervisor = open_client(email_of("owner")), open_client(email_of("shared"))
    recording_id = ready_recording(owner, media)
    team = make_team("Sparring Øst", [user_id("supervisor")])
    clip_id, _ = team_clip(owner, recording_id, team)
    assert clip_answers(supervisor, clip_id) == {200}
    set_members(team, [])
    assert clip_answers(supervisor, clip_id) == {404}
    set_members(team, [user_id("supervisor")])
    assert clip_answers(supervisor, clip_id) == {404}


def test_admin_reset_is_shown_logged_and_holds_access_until_the_owner_confirms(
    db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    owner, admin = open_client(email_of("owner")), open_client(email_of("admin"))
    recording_id = ready_recording(owner, media)
    supervisor_id = user_id("supervisor")
    share_id = share(owner, recording_id, user_id=supervisor_id)
    supervisor = open_client(email_of("shared"))
    since = last_seq()
    assert content_answers(supervisor, recording_id) == {200}

    reset = admin.post(f"/admin/users/{supervisor_id}/reset")
    assert reset.status_code == 200
    link = link_path(reset.text)
    assert [e.detail for e in entries(since, action="password_reset")] == [
        f"{email_of('shared')}; link shown to admin"
    ]
    # The owner is told at once; the person's own access stands while the link is unused.
    assert (
        "lavede et link til ny adgangskode for Søren Supervisor"
        in owner.get(f"/recordings/{recording_id}").text
    )
    assert content_answers(supervisor, recording_id) == {200}

    # Whoever opens the link (the administrator, say) gets nothing the owner gave before.
    try:
        set_password(open_client(), link, "chosen by whoever opened it")
        assert supervisor.get("/api/v1/me").status_code == 401  # old sessions ended
        person = TestClient(supervisor.app)
        answer = post_login(person, email_of("shared"), "chosen by whoever opened it")
        assert answer.headers["location"].startswith("/login/second-factor")
        # The person's own authenticator gets them in, and shows them the reset.
        step = free_step(email_of("shared")) or wait_for_step(email_of("shared"))
        answer = post_code(person, code_at(email_of("shared"), step))
        assert answer.headers["location"] == "/account/password?reset_notice=1"
        person.headers["X-CSRF-Token"] = person.cookies.get("vs_csrf") or ""
        notice = person.get(answer.headers["location"]).text
        assert "En administrator lavede et link til at nulstille din adgangskode" in notice
        assert content_answers(person, recording_id) == {404}
        viewers = owner.get(f"/api/v1/recordings/{recording_id}/shares").json()[0]["viewers"]
        assert viewers[0]["status"] == "held"
        confirm = f"/api/v1/recordings/{recording_id}/shares/{share_id}/confirm"
        assert owner.post(confirm, json={"user_id": supervisor_id}).status_code == 204
        assert content_answers(person, recording_id) == {200}
    finally:
        with session_scope() as session:  # the base password back for later tests
            user = session.get(User, supervisor_id)
            user.password_hash = security.hash_password(PASSWORD)  # type: ignore[union-attr]


def test_one_time_link_is_hashed_single_use_and_expires(
    db: str, open_client: ClientFactory
) -> None:
    admin = open_client(email_of("admin"))
    path = create_account(admin, "ny@kommune.test", "Ny Person")
    token = path.rsplit("/", 1)[1]
    with session_scope() as session:
        stored = session.exec(select(AccountLink)).one()
        user = session.get(User, stored.user_id)
        assert user is not None and user.password_hash is None
    assert stored.token_hash == security.token_hash(token) and token not in stored.token_hash
    # No password works before the person has chosen one.
    for guess in ("", "!", "x" * 12):
        refused = open_client().post(
            "/login", data={"email": "ny@kommune.test", "password": guess}, follow_redirects=False
        )
        assert refused.status_code in (401, 422), guess
    # Too short: refused, and the link still works.
    anonymous = open_client()
    anonymous.get(path)
    short = anonymous.post(path, data={"new": "kort", "repeat": "kort"})
    assert short.status_code == 422 and "mindst 12 tegn" in short.text
    set_password(open_client(), path, "my very own password")
    used = open_client().get(path)
    assert used.status_code == 404 and "Bed administratoren om et nyt" in used.text
    login(open_client(), "ny@kommune.test", "my very own password")

    # A new link expires.
    reset = admin.post(f"/admin/users/{stored.user_id}/reset")
    second = link_path(reset.text)
    with session_scope() as session:
        for link in session.exec(select(AccountLink).where(AccountLink.used_at == None)):  # noqa: E711
            link.expires_at = utcnow() - timedelta(seconds=1)
            session.add(link)
    assert open_client().get(second).status_code == 404
    anonymous = open_client()
    anonymous.get("/login")
    late = anonymous.post(second, data={"new": "x" * 20, "repeat": "x" * 20})
    assert late.status_code == 404


def test_deleting_a_user_writes_a_deletion_entry_per_recording(
    db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    make_user("avgaar@kommune.test", Role.caseworker)
    leaving = open_client("avgaar@kommune.test")
    recordings = {new_recording(leaving, media) for _ in range(2)}
    admin = open_client(email_of("admin"))
    person = make_user_id("avgaar@kommune.test")
    response = admin.post(f"/admin/users/{person}/delete", follow_redirects=False)
    assert response.status_code == 303
    deleted = [e for e in entries(action="delete") if e.recording_id in recordings]
    assert {e.recording_id for e in deleted} == recordings and len(deleted) == 2
    assert all(e.actor_email == BASE_USERS["administrator"][0] for e in deleted)


def make_user_id(email: str) -> int:
    with session_scope() as session:
        return int(session.exec(select(User).where(User.email == email)).one().id)  # type: ignore[arg-type]


def test_a_link_used_in_parallel_sets_the_password_once(
    db: str, open_client: ClientFactory
) -> None:
    admin = open_client(email_of("admin"))
    path = create_account(admin, "samtidig@kommune.test", "Samtidig")
    browsers = [open_client() for _ in range(4)]
    for browser in browsers:
        browser.get(path)
    start = threading.Barrier(len(browsers))
    statuses: list[int] = []

    def use(browser: TestClient, n: int) -> None:
        start.wait()
        password = f"parallel password {n}"
        answer = browser.post(
            path, data={"new": password, "repeat": password}, follow_redirects=False
        )
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=use, args=(b, n)) for n, b in enumerate(browsers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303, 404, 404, 404]


def test_an_administrator_is_never_given_a_recording_or_a_place_in_a_session(
    db: str, open_client: ClientFactory, media: MediaSet
) -> None:
    """Issue 19: an administrator runs the accounts and the log, never a case. The server
    refuses them as a share's person or a session's participant, with words; in a team a clip of
    the recording is shared with, they are listed as never seeing it, and see nothing."""
    owner = open_client(email_of("owner"))
    recording_id = ready_recording(owner, media)
    admin_id = user_id("administrator")
    refused = owner.post(f"/api/v1/recordings/{recording_id}/shares", json={"user_id": admin_id})
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "share.administrator"
    assert "aldrig" in refused.json()["detail"]
    body = plan_body(recording_id, [admin_id])
    planned = owner.post("/api/v1/sessions", json=body)
    assert planned.status_code == 422, planned.text
    assert planned.json()["code"] == "session.administrator"

    team = make_team("Team med administrator", [user_id("supervisor"), admin_id])
    clip_id, _ = team_clip(owner, recording_id, team)
    viewers = owner.get(f"/api/v1/clips/{clip_id}/shares").json()[0]["viewers"]
    statuses = {v["user_id"]: v["status"] for v in viewers}
    assert statuses == {user_id("supervisor"): "access", admin_id: "never"}
    assert "administrator: ser aldrig optagelser" in owner.get(f"/recordings/{recording_id}").text
    assert clip_answers(open_client(email_of("admin")), clip_id) == {404}
    assert clip_answers(open_client(email_of("shared")), clip_id) == {200}
