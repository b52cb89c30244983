"""The audit log reads for a Danish administrator (issue 19, point 8): names instead of ids,
actions in words, the filter by case reference, the CSV in local time. What the chain
stores stays as it is (the chain still verifies): the words are made when it is read."""

import ast
import csv
import io
import re
from datetime import UTC, datetime

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlmodel import select

from app.admin import audit_view, audit_words
from app.audit import service as audit
from app.audit.models import AuditEntry
from app.audit.service import Action
from app.core.db import session_scope
from app.core.labels import LABELS
from app.core.templates import local_datetime
from app.core.timeutil import clock_at
from tests.support import ROOT
from tests.support.accounts import ClientFor, make_team, user_id
from tests.support.audit import last_seq
from tests.support.clips import make_clip, share_clip
from tests.support.factories import ready_recording
from tests.support.feedback import criterion_ids, give
from tests.support.media import MediaSet
from tests.support.recordings import share
from tests.support.sessions import plan

CASE = "SAG-2026-0417"
OTHER_CASE = "SAG-2026-0999"
# Ids as the stored details write them: none may reach the administrator's page.
RAW_IDS = re.compile(r"\b(user|team|clip|session|feedback|reply|segment) \d+\b|members \[")


def _po(lang: str) -> Catalog:
    with open(ROOT / "app" / "locale" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def actions_written_in_the_code() -> set[str]:
    """Every `Action.<name>` the application and the workers name, read from the source."""
    names: set[str] = set()
    for path in [*(ROOT / "app").rglob("*.py"), *(ROOT / "workers").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Attribute):
                continue
            owner = node.value
            named = (isinstance(owner, ast.Name) and owner.id == "Action") or (
                isinstance(owner, ast.Attribute) and owner.attr == "Action"
            )
            if named:
                names.add(node.attr)
    return names


def test_every_action_in_the_code_has_a_label_in_both_languages() -> None:
    written = actions_written_in_the_code()
    members = {k: v for k, v in vars(Action).items() if not k.startswith("_")}
    assert len(written) > 40, written  # the scan finds them
    assert written <= set(members), written - set(members)
    catalogs = {lang: _po(lang) for lang in ("da", "en")}
    missing = []
    for name in sorted(written | set(members)):
        msgid = LABELS["audit.action"].get(members[name])
        for lang, catalog in catalogs.items():
            message = catalog.get(msgid) if msgid else None
            if message is None or not message.string:
                missing.append(f"{name} ({lang})")
    assert not missing, f"actions without a label: {missing}"
    # In Danish, and never the code's own name.
    for value in members.values():
        for lang in ("da", "en"):
            word = audit_view.action_label(value, lang)
            assert "_" not in word and (word != value or value == "login"), (value, lang, word)
    assert audit_view.action_label("view", "da") == "Åbnet"
    assert audit_view.action_label("playback", "da") == "Afspillet"
    assert audit_view.action_label("password_set", "da") == "Adgangskode valgt via link"
    # An action this code no longer knows (an old entry) is still readable.
    assert audit_view.action_label("some_old_thing", "da") == "some old thing"


def admin_page(admin: TestClient, **params: str) -> str:
    page = admin.get("/admin/audit", params=params)
    assert page.status_code == 200, page.text
    return page.text


def body_of(html: str) -> str:
    return html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""


def test_details_name_people_teams_clips_and_sessions_in_danish(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    """A team made, a recording shared with a person, a clip made and shared with the team
    (a team is given clips only), a session planned with a team, feedback given, a share
    withdrawn: every entry is read by a rule, and the page names each thing (no "user 5",
    "team 1", "members [2, 3]")."""
    admin = client_for("administrator")
    start = last_seq()
    supervisor, carl = user_id("supervisor"), user_id("caseworker2")
    made = admin.post("/admin/teams", data={"name": "Team Nord"}, follow_redirects=False)
    assert made.status_code == 303
    team = make_team("Team Syd", [])
    members = admin.post(
        f"/admin/teams/{team}/members",
        data={"member": [str(supervisor), str(carl)]},
        follow_redirects=False,
    )
    assert members.status_code == 303
    rid = ready_recording(client, media, case_reference=CASE)
    refused = client.post(f"/api/v1/recordings/{rid}/shares", json={"team_id": team})
    assert (refused.status_code, refused.json()["code"]) == (422, "share.team_needs_clip")
    person_share = share(client, rid, user_id=supervisor)
    assert client.delete(f"/api/v1/recordings/{rid}/shares/{person_share}").status_code == 204
    clip = make_clip(client, rid, 1.0, 4.0)
    share_clip(client, clip, team_id=team)
    sparring = plan(client, rid, [supervisor], kind="team")
    added = client.post(f"/api/v1/sessions/{sparring['id']}/participants", json={"team_id": team})
    assert added.status_code == 200, added.text
    assert client.get(f"/recordings/{rid}").status_code == 200
    criterion = criterion_ids(client)[0]
    give(client, f"/api/v1/recordings/{rid}/feedback", criterion, 12.0, "Godt åbent spørgsmål")
    segment = client.get(f"/api/v1/recordings/{rid}/transcript").json()["segments"][0]
    edit = client.patch(
        f"/api/v1/recordings/{rid}/transcript/segments/{segment['id']}", json={"text": "Hej."}
    )
    assert edit.status_code == 200, edit.text

    with session_scope() as session:
        written = session.exec(select(AuditEntry).where(AuditEntry.seq > start)).all()
        unread = [
            (e.action, e.detail) for e in written if not audit_words.understood(e.action, e.detail)
        ]
        assert not unread, f"details no rule reads: {unread}"
        actions = {e.action for e in written}
    assert {"team_changed", "share", "unshare", "clip_created", "session_planned"} <= actions
    assert {"participant_added", "feedback_added", "transcript_edit", "view"} <= actions

    page = admin_page(admin)
    rows = body_of(page)
    assert not RAW_IDS.search(rows), RAW_IDS.findall(rows)
    for words in (
        "Teamet Team Nord blev oprettet",
        "Team Syd: medlemmerne er nu Carl Sagsbehandler, Søren Supervisor",
        "Teamet Team Syd",  # the clip's share with the team
        "Søren Supervisor",  # the person's share, and its withdrawal
        "Klippet 0:01–0:04: oprettet som 0:01–0:04",  # by its place, never its title
        "Teamsparring på hele optagelsen, 2 deltagere",  # the caseworker and the supervisor
        "Teamet Team Syd: 1 person tilføjet",  # Carl; the supervisor was there already
        "Styrke fra Sara Sagsbehandler ved 0:12",
        "Udskriftslinjen ved 0:00",
        "Siden med afspilleren og udskriften",
        "Deling trukket tilbage",
        "Deltager tilføjet",
        "Åbnet",
        CASE,
    ):
        assert words in rows, words
    assert "Åbne spørgsmål" not in rows  # the clip's title stays with the clip

    # In English for an English reader, from the same stored words.
    english = admin_page(admin, lang="en")
    assert "Team Syd: the members are now Carl Sagsbehandler, Søren Supervisor" in english
    assert "Opened" in english and "The clip 0:01–0:04" in english

    # The stored details are as they were, and the chain is intact.
    with session_scope() as session:
        stored = session.exec(select(AuditEntry).where(AuditEntry.action == "team_changed")).all()
        assert f"Team Syd: members [{min(supervisor, carl)}, {max(supervisor, carl)}]" in {
            e.detail for e in stored
        }
        assert audit.verify(session=session).ok


def test_things_deleted_since_are_named_plainly(sqlite_db: str) -> None:
    """An id whose row is gone is said as such, with its number; an unknown wording is shown
    as stored with its ids named."""
    with session_scope() as session:
        rows = audit_view.readable(
            session=session,
            entries=[
                AuditEntry(seq=1, action="share", detail="team 987654", prev_hash="", hash=""),
                AuditEntry(
                    seq=2, action="unshare", detail="clip 55 share 9", prev_hash="", hash=""
                ),
                AuditEntry(
                    seq=3, action="view", detail="odd words user 4242", prev_hash="", hash=""
                ),
            ],
            lang="da",
        )
    assert [r.detail for r in rows] == [
        "Teamet slettet team nr. 987654",
        "Slettet klip nr. 55: Deling nr. 9",
        "Odd words slettet person nr. 4242",
    ]


def test_the_filter_finds_a_case_by_its_reference(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    admin = client_for("administrator")
    wanted = ready_recording(client, media, case_reference=CASE)
    other = ready_recording(client, media, case_reference=OTHER_CASE)
    for rid in (wanted, other):
        assert client.get(f"/recordings/{rid}").status_code == 200
    found = body_of(admin_page(admin, case=f"  {CASE.lower()} "))  # letter case and spaces aside
    assert CASE in found and OTHER_CASE not in found
    with session_scope() as session:
        ids = {
            e.recording_id
            for e in audit.search(
                session=session,
                where=audit.AuditFilter(
                    recording_ids=audit_view.recordings_with_case(
                        session=session, case_reference=CASE
                    )
                ),
            )
        }
    assert ids == {wanted}
    nothing = admin_page(admin, case="SAG-FINDES-IKKE")
    assert "Ingen optagelse har sagsreferencen SAG-FINDES-IKKE" in nothing
    # The CSV follows the same filter.
    exported = admin.get("/admin/audit.csv", params={"case": CASE})
    cases = {row["sagsreference"] for row in csv.DictReader(io.StringIO(exported.text))}
    assert cases == {CASE}
    # Who: a name finds the person's entries as the e-mail address does.
    by_name = body_of(admin_page(admin, actor="sara sagsbeh", case=CASE))
    assert "Sara Sagsbehandler" in by_name


def test_the_csv_gives_local_times_and_names_the_zone(
    sqlite_db: str, client_for: ClientFor
) -> None:
    """Winter and summer time in Copenhagen, as the page shows them, each with its offset."""
    admin = client_for("administrator")
    winter = datetime(2026, 1, 15, 23, 30, 5, tzinfo=UTC)  # 00:30 the next day in Denmark
    summer = datetime(2026, 7, 1, 10, 0, 0, tzinfo=UTC)
    for moment, detail in ((winter, "vinter@kommune.test"), (summer, "sommer@kommune.test")):
        with clock_at(moment):
            audit.record(action="login_failed", detail=detail, ip="10.0.0.1")
    exported = admin.get("/admin/audit.csv", params={"action": "login_failed"})
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert "tid (Europe/Copenhagen)" in rows[0]
    times = {row["detaljer som gemt"]: row["tid (Europe/Copenhagen)"] for row in rows}
    assert times["vinter@kommune.test"] == "2026-01-16 00:30:05+01:00"
    assert times["sommer@kommune.test"] == "2026-07-01 12:00:00+02:00"
    said = {row["detaljer som gemt"]: (row["hvad"], row["detaljer"]) for row in rows}
    assert said["vinter@kommune.test"] == ("Mislykket log ind", "Forsøgt med vinter@kommune.test")
    # The page shows the same local time.
    page = admin_page(admin, action="login_failed")
    assert local_datetime(winter, "da", seconds=True) in page
    assert local_datetime(winter, "da", seconds=True).startswith("16.01.2026")
    english = admin.get("/admin/audit.csv", params={"action": "login_failed", "lang": "en"})
    assert english.text.splitlines()[0].startswith("no.,time (Europe/Copenhagen),who,")
