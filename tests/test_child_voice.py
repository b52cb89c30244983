"""The child's own voice (issue 25): the child rates the conversation on a page the
caseworker's browser is held on until they unlock it; the rating stays with the recording
(its page, its sparring document, its deletion) and reaches a leader only as a team's
quarterly mean over at least three ratings and three caseworkers."""

import re
import subprocess
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from app.childvoice import service
from app.childvoice.models import ChildPage, ChildRating
from app.core.db import session_scope
from app.live import access as live_access
from app.recordings.models import Recording
from tests.support import ROOT
from tests.support.accounts import (
    BASE_USERS,
    PASSWORD,
    ClientFor,
    code_at,
    user_id,
    wait_for_step,
)
from tests.support.audit import entries, last_seq
from tests.support.childvoice import rated, team_of
from tests.support.clips import make_clip
from tests.support.factories import ready_recording
from tests.support.media import MediaSet
from tests.support.recordings import share
from tests.support.sessions import plan

ANSWER = "/child-voice/answer"
UNLOCK = "/child-voice/unlock"
WORD = "Det var rart at tegne"


def held_to(client: TestClient, path: str) -> str | None:
    """Where a page sends this browser (None: it answers itself)."""
    answer = client.get(path, follow_redirects=False)
    return answer.headers.get("location") if answer.status_code == 303 else None


def open_child_page(client: TestClient, recording_id: str) -> None:
    opened = client.post(f"/recordings/{recording_id}/child-voice", follow_redirects=False)
    assert (opened.status_code, opened.headers["location"]) == (303, "/child-voice"), opened.text


def rate(client: TestClient, **form: str) -> None:
    answered = client.post(ANSWER, data=form, follow_redirects=False)
    assert (answered.status_code, answered.headers.get("location")) == (303, "/child-voice")


# The held page --------------------------------------------------------------------------------


def test_only_the_caseworker_opens_the_child_page_and_the_browser_stays_on_it(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media)
    share(client, recording_id, user_id=user_id("supervisor"))
    supervisor, colleague = client_for("supervisor"), client_for("caseworker2")
    # Whoever only sees the recording may not hand it to a child; anyone else learns nothing.
    assert supervisor.post(f"/recordings/{recording_id}/child-voice").status_code == 403
    assert colleague.post(f"/recordings/{recording_id}/child-voice").status_code == 404
    assert held_to(supervisor, "/recordings") is None  # neither is held
    # Not held: the child's page and its forms lead to the person's start page.
    assert held_to(supervisor, "/child-voice") == "/"
    start = last_seq()
    open_child_page(client, recording_id)
    # Every other page and the API send the held browser back (the API: 423), the language
    # switch and the login page too; only the child's page answers.
    for path in ("/", "/recordings", f"/recordings/{recording_id}", "/sessions", "/login"):
        assert held_to(client, path) == "/child-voice", path
    assert held_to(client, f"/recordings/{recording_id}/sparring") == "/child-voice"
    assert held_to(client, "/language/en") == "/child-voice"
    api = client.get(f"/api/v1/recordings/{recording_id}")
    assert (api.status_code, api.json()["code"]) == (423, "account.held")
    page = client.get("/child-voice")
    assert page.status_code == 200
    assert "Hvordan var det at snakke med mig i dag?" in page.text
    assert "Følte du, at jeg lyttede til dig?" in page.text
    # No way out but the unlock form: no top bar, no link anywhere, no recording's name.
    assert re.findall(r'<a\s[^>]*href="(?!#)', page.text) == []
    assert 'class="topbar"' not in page.text and "Samtale om skolen" not in page.text
    # Another login of the same person (another device) is not held.
    assert held_to(supervisor, "/recordings") is None

    # A face that is not on the scale, or nothing at all: said, nothing kept.
    wrong = client.post(ANSWER, data={"talk": "6"})
    assert wrong.status_code == 422 and "Vælg et af ansigterne." in wrong.text
    empty = client.post(ANSWER, data={})
    assert empty.status_code == 422 and "Vælg et ansigt, eller skriv et ord." in empty.text
    too_long = client.post(ANSWER, data={"talk": "4", "word": "x" * 201})
    assert too_long.status_code == 422
    rate(client, talk="4", heard="5", word=f"  {WORD} ")
    thanks = client.get("/child-voice")
    assert "Tak!" in thanks.text and "Nu kan du give tabletten tilbage" in thanks.text
    assert 'name="talk"' not in thanks.text  # answered once
    assert held_to(client, "/recordings") == "/child-voice"  # still held after the thanks

    # A wrong password: told so, still held.
    refused = client.post(UNLOCK, data={"secret": "forkert kodeord"})
    assert refused.status_code == 401
    assert "Siden er stadig låst." in refused.text and 'id="unlock-error"' in refused.text
    assert held_to(client, "/recordings") == "/child-voice"
    # The person's own password: back to the recording, where the rating is.
    unlocked = client.post(UNLOCK, data={"secret": PASSWORD}, follow_redirects=False)
    assert unlocked.status_code == 303
    assert unlocked.headers["location"] == f"/recordings/{recording_id}#child-rating"
    assert held_to(client, "/recordings") is None
    assert held_to(client, "/child-voice") == "/"

    with session_scope() as session:
        kept = session.exec(select(ChildRating)).all()
        assert [(r.recording_id, r.talk, r.heard, r.word) for r in kept] == [
            (recording_id, 4, 5, WORD)
        ]
        assert session.exec(select(ChildPage)).all() == []
    # The log says what happened, never what the child said.
    written = entries(start)
    assert [e.action for e in written if e.action.startswith("child_")] == [
        "child_page_opened",
        "child_rated",
        "child_unlock_failed",
        "child_page_unlocked",
    ]
    assert all(e.recording_id == recording_id for e in written if e.action.startswith("child_"))
    assert all(WORD not in e.detail for e in written)
    failed = next(e for e in written if e.action == "child_unlock_failed")
    assert failed.detail == "child_voice.bad_unlock"
    assert next(e for e in written if e.action == "child_page_unlocked").detail == "password"


def test_the_rating_is_shown_with_the_recording_and_its_sparring_document_only(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media)
    share(client, recording_id, user_id=user_id("supervisor"))
    page = client.get(f"/recordings/{recording_id}")
    assert "Lad barnet vurdere samtalen" in page.text
    assert "Barnet har ikke vurderet samtalen endnu." in page.text
    supervisor = client_for("supervisor")
    # Without a rating a viewer's page has no such section, nor the owner's button.
    assert "Barnets egen vurdering" not in supervisor.get(f"/recordings/{recording_id}").text
    open_child_page(client, recording_id)
    rate(client, talk="2", word=WORD)  # the second question left out
    assert client.post(UNLOCK, data={"secret": PASSWORD}).status_code == 200

    for reader in (client, supervisor):
        shown = reader.get(f"/recordings/{recording_id}").text
        assert "Barnets egen vurdering" in shown
        assert "Hvordan var det at snakke med mig i dag?" in shown and "Dårligt" in shown
        assert "2 af 5" in shown and WORD in shown
        assert "Følte du, at jeg lyttede til dig?" not in shown  # not answered
        document = reader.get(f"/recordings/{recording_id}/sparring").text
        assert 'id="doc-child-rating"' in document and WORD in document
    assert "Lad barnet vurdere samtalen" not in supervisor.get(f"/recordings/{recording_id}").text
    english = client.get(f"/recordings/{recording_id}/sparring", headers={"Accept-Language": "en"})
    assert "The child's own rating" in english.text and "Bad (2 of 5)" in english.text
    # The PDF is made from the same document.
    pdf = client.get(f"/recordings/{recording_id}/sparring.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Barnets egen vurdering" in text and WORD in text and "Dårligt (2 af 5)" in text
    # A clip of the recording (what a team is given) never carries it.
    clip_id = make_clip(client, recording_id, 1.0, 4.0)
    clip_document = client.get(f"/clips/{clip_id}/sparring")
    assert clip_document.status_code == 200
    assert WORD not in clip_document.text and "Barnets egen vurdering" not in clip_document.text
    assert WORD not in client.get(f"/clips/{clip_id}").text


def test_a_code_from_the_authenticator_unlocks_too(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    email = BASE_USERS["caseworker"][0]
    recording_id = ready_recording(client, media)
    open_child_page(client, recording_id)
    bad = client.post(UNLOCK, data={"secret": "000000"})
    assert bad.status_code == 401 and "Siden er stadig låst." in bad.text
    assert held_to(client, "/recordings") == "/child-voice"
    start = last_seq()
    code = code_at(email, wait_for_step(email))
    unlocked = client.post(UNLOCK, data={"secret": code}, follow_redirects=False)
    assert unlocked.status_code == 303, unlocked.text
    assert held_to(client, "/recordings") is None
    assert [e.detail for e in entries(start, action="child_page_unlocked")] == ["totp"]
    # A code works once: the same one does not unlock the page a second time.
    open_child_page(client, recording_id)
    again = client.post(UNLOCK, data={"secret": code})
    assert again.status_code == 401
    assert client.post(UNLOCK, data={"secret": PASSWORD}).status_code == 200


def test_a_held_browser_joins_no_live_session(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    """The live channel of a sparring session (a tab opened before, reconnecting) is
    refused to a held browser as it is to one logged out, and taken again once unlocked."""
    recording_id = ready_recording(client, media)
    sparring = plan(client, recording_id, [user_id("supervisor")])["id"]
    token = client.cookies.get("vs_session")
    assert isinstance(live_access.check(token, sparring), live_access.Access)
    open_child_page(client, recording_id)
    assert live_access.check(token, sparring) == live_access.NOT_LOGGED_IN
    assert client.post(UNLOCK, data={"secret": PASSWORD}).status_code == 200
    assert isinstance(live_access.check(token, sparring), live_access.Access)


def test_the_ratings_go_with_the_recording(db: str, client: TestClient, media: MediaSet) -> None:
    """On SQLite and PostgreSQL: the database's own cascade takes them."""
    recording_id, kept_id = ready_recording(client, media), ready_recording(client, media)
    for rid in (recording_id, kept_id):
        open_child_page(client, rid)
        rate(client, talk="5", heard="4", word=WORD)
        assert client.post(UNLOCK, data={"secret": PASSWORD}).status_code == 200
    assert client.delete(f"/api/v1/recordings/{recording_id}").status_code == 204
    with session_scope() as session:
        left = session.exec(select(ChildRating.recording_id)).all()
    assert left == [kept_id]


def test_a_held_page_ends_with_its_recording(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    """Should the recording go while the tablet is held (its deletion date passes), the
    browser is free again: nothing is left to rate."""
    recording_id = ready_recording(client, media)
    open_child_page(client, recording_id)
    with session_scope() as session:
        recording = session.get(Recording, recording_id)
        session.delete(recording)
    assert held_to(client, "/recordings") is None


def test_no_browser_speech_anywhere() -> None:
    """The page reads aloud from the app's own sound files: never speechSynthesis, whose
    voices may send the text to an outside service."""
    places = [*(ROOT / "app" / "static").rglob("*.js"), *(ROOT / "templates").rglob("*.html")]
    assert len(places) > 20
    used = [p.name for p in places if "speechsynthesis" in p.read_text().lower()]
    assert used == []
    for name in ("q1", "q2", "word"):
        for lang in ("da", "en"):
            sound = ROOT / "app" / "static" / "childvoice" / f"{name}.{lang}.ogg"
            assert sound.read_bytes()[:4] == b"OggS", sound


# The leader's figures ------------------------------------------------------------------------


def test_leader_table_hides_every_group_under_three(db: str, client_for: ClientFor) -> None:
    november = datetime(2026, 11, 10, 12, tzinfo=UTC)
    north, south, west = team_of("Nord", 3), team_of("Syd", 2), team_of("Vest", 1)
    # Three ratings from three caseworkers: shown; the second question only two answered.
    for person, talk, heard in zip(north, (5, 4, 4), (3, 5, None), strict=True):
        rated(person, november, talk, heard)
    # Two ratings from two caseworkers: left out.
    for person in south:
        rated(person, november, 1, 1)
    # Three ratings, but all from one caseworker: left out.
    for day in range(3):
        rated(west[0], november + timedelta(days=day), 2, 2)
    # The same team in the next quarter, by the municipality's clock: New Year's Eve 23:30
    # UTC is already 1 January in Copenhagen.
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert service.quarter(new_year) == "2027-Q1"
    assert service.quarter(datetime(2026, 12, 31, 22, 30, tzinfo=UTC)) == "2026-Q4"
    for person in north[:2]:
        rated(person, new_year, 3, 3)  # two: hidden

    with session_scope() as session:
        rows = service.leader_table(session, min_group=3)
        assert rows == [
            {
                "team": "Nord",
                "period": "2026-Q4",
                "measure": "child_rating_q1",
                "value": 4.3,
                "group_size": 3,
            }
        ]
        # With a smaller floor the groups of two appear: the floor is what hides them.
        smaller = service.leader_table(session, min_group=2)
    assert {(r["team"], r["period"], r["measure"]) for r in smaller} >= {
        ("Nord", "2027-Q1", "child_rating_q1"),
        ("Syd", "2026-Q4", "child_rating_q1"),
        ("Nord", "2026-Q4", "child_rating_q2"),
    }
    assert all(r["team"] != "Vest" for r in smaller)  # one caseworker
    assert [r["period"] for r in smaller] == sorted((r["period"] for r in smaller), reverse=True)

    # On the leader's page: the mean in words and Danish digits, never a small group.
    figures = client_for("leader").get("/leader")
    assert figures.status_code == 200
    table = figures.text.split('id="child-ratings"')[1].split("</table>")[0]
    assert "Nord" in table and "2026-Q4" in table and "4,3" in table
    assert "Hvordan det var at snakke" in table
    assert "Syd" not in table and "Vest" not in table and "2027-Q1" not in table
