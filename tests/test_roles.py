"""Each role's pages through the app (issue 8): the administrator's unlock and audit paging,
the supervisor's list, empty states. The browser's view of the same is test_roles_browser.py."""

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from sqlmodel import select

from app.audit import service as audit
from app.audit.models import AuditEntry
from app.core.config import settings
from app.core.db import session_scope
from app.core.templates import local_datetime
from tests.support.accounts import BASE_USERS, PASSWORD, ClientFor, post_login, user_id
from tests.support.factories import SPOKEN_EN, make_ready
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import upload

SUPERVISOR = BASE_USERS["supervisor"][0]
M4A = next(f for f in FORMATS if f.name == "m4a-aac")
TITLE = "Samtale med Ida QZ9"
CASE = "SAG-QZ9-1234"


def test_admin_unlocks_a_locked_out_person(
    sqlite_db: str, anonymous: TestClient, client_for
) -> None:  # type: ignore[no-untyped-def]
    for _ in range(settings.login_max_failures):
        assert post_login(anonymous, SUPERVISOR, "wrong wrong wrong").status_code == 401
    assert post_login(anonymous, SUPERVISOR, PASSWORD).status_code == 429
    admin = client_for("administrator")
    page = admin.get("/admin/users")
    person = user_id("supervisor")
    assert f'action="/admin/users/{person}/unlock"' in page.text
    unlocked = admin.post(f"/admin/users/{person}/unlock", follow_redirects=False)
    assert unlocked.status_code == 303
    shown = admin.get(unlocked.headers["location"])
    assert 'id="unlocked"' in shown.text and "Søren Supervisor" in shown.text
    assert 'class="alert success"' in shown.text
    # The person gets in at once, from the address that was locked.
    assert post_login(anonymous, SUPERVISOR, PASSWORD).status_code == 303
    with session_scope() as session:
        entry = session.exec(
            select(AuditEntry)
            .where(AuditEntry.action == "account_unlocked")
            .order_by(AuditEntry.seq.desc())  # type: ignore[attr-defined]
        ).first()
    assert entry is not None and entry.detail == SUPERVISOR
    assert entry.actor_email == BASE_USERS["administrator"][0]


def test_unlock_counts_failures_again_afterwards(
    sqlite_db: str, anonymous: TestClient, client_for
) -> None:  # type: ignore[no-untyped-def]
    """An unlock is a fresh start, not an exemption: the limit holds again after it."""
    for _ in range(settings.login_max_failures):
        post_login(anonymous, SUPERVISOR, "wrong wrong wrong")
    client_for("administrator").post(f"/admin/users/{user_id('supervisor')}/unlock")
    for _ in range(settings.login_max_failures):
        assert post_login(anonymous, SUPERVISOR, "wrong again again").status_code == 401
    assert post_login(anonymous, SUPERVISOR, PASSWORD).status_code == 429


def test_admin_cannot_unlock_themself_and_others_cannot_unlock(sqlite_db: str, client_for) -> None:  # type: ignore[no-untyped-def]
    admin = client_for("administrator")
    own = admin.post(f"/admin/users/{user_id('administrator')}/unlock", follow_redirects=False)
    assert own.status_code == 422
    assert 'class="alert error"' in own.text
    for role in ("caseworker", "supervisor", "leader"):
        other = client_for(role).post(f"/admin/users/{user_id('supervisor')}/unlock")
        assert other.status_code == 403


def links_of(html: str) -> dict[str, str]:
    """The pager's links by their rel (prev: newer, next: older)."""
    found = re.findall(r'<a class="button secondary" rel="(\w+)" href="([^"]+)"', html)
    return {rel: href.replace("&amp;", "&") for rel, href in found}


def rows_of(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", html)]


def test_audit_log_pages_with_names_case_reference_and_local_time(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording = upload(client, media.encoded(M4A), title=TITLE, case_reference=CASE)
    assert recording.status_code == 201, recording.text
    rid = recording.json()["id"]
    caseworker = user_id("caseworker")
    for n in range(120):
        audit.record(
            action="view",
            actor_id=caseworker,
            actor_email=BASE_USERS["caseworker"][0],
            recording_id=rid,
            detail=f"entry {n}",
        )
    with session_scope() as session:
        expected = [
            e.seq
            for e in session.exec(
                select(AuditEntry)
                .where(AuditEntry.recording_id == rid, AuditEntry.action == "view")
                .order_by(AuditEntry.seq.desc())  # type: ignore[attr-defined]
            )
        ]
        newest = session.get(AuditEntry, expected[0])
        assert newest is not None
    assert len(expected) == 120
    admin = client_for("administrator")
    first = admin.get("/admin/audit", params={"recording": rid, "action": "view"})
    assert first.status_code == 200
    assert rows_of(first.text) == expected[:50]
    # Readable: the person's name, the case reference, local time; never the title.
    assert "Sara Sagsbehandler" in first.text and CASE in first.text
    assert TITLE not in first.text
    assert local_datetime(newest.at, "da", seconds=True) in first.text
    pager = links_of(first.text)
    assert set(pager) == {"next"}
    older = parse_qs(urlsplit(pager["next"]).query)
    assert older["recording"] == [rid] and older["action"] == ["view"]  # the filters stay
    second = admin.get(pager["next"])
    assert rows_of(second.text) == expected[50:100]
    third = admin.get(links_of(second.text)["next"])
    assert rows_of(third.text) == expected[100:]
    assert set(links_of(third.text)) == {"prev"}
    back = admin.get(links_of(third.text)["prev"])
    assert rows_of(back.text) == expected[50:100]
    assert rows_of(admin.get(links_of(back.text)["prev"]).text) == expected[:50]
    # The CSV still has every entry the filters match, whatever page is shown.
    exported = admin.get(
        "/admin/audit.csv", params={"recording": rid, "action": "view", "before": expected[60]}
    )
    lines = list(csv.reader(io.StringIO(exported.text)))
    assert lines[0][:2] == ["nr.", "tid (Europe/Copenhagen)"] and len(lines) == 121


def test_empty_states_say_why(sqlite_db: str, client_for) -> None:  # type: ignore[no-untyped-def]
    admin = client_for("administrator")
    listing = admin.get("/recordings")
    assert "Administratorer ser aldrig optagelser" in listing.text
    assert "Der er ingen teams endnu." in admin.get("/admin/teams").text
    nothing = admin.get("/admin/audit", params={"actor": "nobody-at-all@nowhere.test"})
    assert 'id="audit-empty"' in nothing.text and "Ingen poster passer" in nothing.text
    supervisor = client_for("supervisor").get("/recordings")
    assert "Intet er delt med dig endnu" in supervisor.text


def test_supervisor_list_says_who_shared_and_when(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    rid = upload(client, media.encoded(M4A), title=TITLE, case_reference=CASE).json()["id"]
    make_ready(rid, SPOKEN_EN, media_files=True)  # a recording is shared once it is ready
    shared = client.post(
        f"/api/v1/recordings/{rid}/shares", json={"user_id": user_id("supervisor")}
    )
    assert shared.status_code == 201, shared.text
    supervisor = client_for("supervisor")
    listing = supervisor.get("/recordings").text
    assert "Delt af Sara Sagsbehandler" in listing
    with session_scope() as session:
        from app.access.models import Share

        share = session.exec(select(Share).where(Share.recording_id == rid)).one()
    from app.core.templates import local_date

    assert local_date(share.granted_at, "da") in listing
    english = supervisor.get("/recordings?lang=en").text
    assert "Shared by Sara Sagsbehandler" in english and "To be deleted on" in english
    owner_list = client.get("/recordings").text
    assert "Delt af" not in owner_list
