"""Being told that work has started: a recording or a clip shared with you, an invitation to
a sparring session (by e-mail with a calendar entry), a caseworker's self-reflection
published to the supervisors who see it; each in the app, and by e-mail through a real SMTP
server where the person chose it. An e-mail never carries case material, never fails or
delays the action that sent it. A supervisor's start page lists what waits for their
feedback, oldest first."""

import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from playwright.sync_api import Browser, expect
from sqlmodel import select

from app.accounts import mail
from app.accounts.models import Role, User
from app.core.config import settings
from app.core.db import session_scope
from app.core.timeutil import clock_at, utcnow
from app.feedback.models import Notification
from tests.support.accounts import (
    BASE_USERS,
    ClientFor,
    live_client,
    make_team,
    make_user,
    set_members,
    user_id,
)
from tests.support.browser import axe_page, axe_violations
from tests.support.factories import ready_recording
from tests.support.feedback import criterion_ids, new_recording
from tests.support.mail import Inbox
from tests.support.media import FORMATS, MediaSet
from tests.support.protection import approve_protected
from tests.support.recordings import share, upload
from tests.support.scores import bare_recording, scale_criteria, share_with
from tests.support.servers import free_port
from tests.support.sessions import make_clip, plan
from tests.support.sessions import person as caseworker_named

TITLE, CASE = "Samtale om skolen", "SAG-2026-001"  # what tests/support/recordings.upload gives
SITE = "https://sparring.kommune.test"  # the smtp fixture's public_url
SARA = BASE_USERS["caseworker"][1]
SOREN_MAIL = BASE_USERS["supervisor"][0]
SHOTS = Path("/work/notes/shots/pages")


def notes(client: TestClient) -> list[dict]:
    response = client.get("/api/v1/notifications")
    assert response.status_code == 200
    return list(response.json()["items"])


def mails(smtp: Inbox) -> list[tuple[list[str], Message]]:
    """What the SMTP server received, once every e-mail handed over so far was tried."""
    mail.wait_until_sent()
    return smtp.messages


def modern(message: Message) -> EmailMessage:
    """The received message with the modern API (its body, its attachments)."""
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def text_of(message: Message) -> str:
    body = modern(message).get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def attachment_of(message: Message) -> EmailMessage:
    [attached] = list(modern(message).iter_attachments())
    assert isinstance(attached, EmailMessage)
    return attached


def no_case_material(message: Message, *extra: str) -> None:
    """Neither the subject, the text nor an attachment holds what a recording holds."""
    whole = message.as_string()
    for secret in (TITLE, CASE, *extra):
        assert secret not in whole


def open_link(client: TestClient, message: Message) -> str:
    """Follows the e-mail's link (logged in) to where it leads."""
    found = re.search(rf"{SITE}(/notifications/\d+/open)", text_of(message))
    assert found, text_of(message)
    opened = client.get(found.group(1), follow_redirects=False)
    assert opened.status_code == 303
    return str(opened.headers["location"])


# Shares ---------------------------------------------------------------------------------------


def test_a_shared_recording_is_told_in_the_app_and_by_mail(
    db: str, smtp: Inbox, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id, _ = new_recording(client, media)
    share(client, recording_id, user_id=user_id("supervisor"))
    supervisor = client_for("supervisor")
    [note] = notes(supervisor)
    assert note["reason"] == "shared" and note["title"] == TITLE and not note["read"]
    assert note["actor_name"] == SARA and note["recording_id"] == recording_id
    listing = supervisor.get("/notifications").text
    assert f"Optagelse delt med dig: {TITLE}" in listing
    assert notes(client) == []  # the one who shared is not told

    [(to, message)] = mails(smtp)
    assert (
        to == [SOREN_MAIL] and message["Subject"] == "En optagelse er delt med dig i Videosparring"
    )
    words = text_of(message)
    assert f"Hej {BASE_USERS['supervisor'][1]}" in words
    assert f"{SARA} har delt en optagelse med dig i Videosparring." in words
    assert f"{SITE}/account/password" in words
    no_case_material(message, recording_id)
    assert open_link(supervisor, message) == f"/recordings/{recording_id}"
    assert supervisor.get("/api/v1/notifications").json()["unread"] == 0


def test_a_team_share_tells_each_member_who_can_see_it(
    db: str, smtp: Inbox, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id, _ = new_recording(client, media)
    disabled = make_user("inaktiv@kommune.test", Role.caseworker)
    leader = user_id("leader")
    team = make_team("Team Nord", [user_id("supervisor"), user_id("caseworker2"), disabled, leader])
    with session_scope() as session:
        gone = session.get(User, disabled)
        assert gone is not None
        gone.active = False
    # A team is given a clip of the recording (its protected variant), never the recording.
    refused = client.post(f"/api/v1/recordings/{recording_id}/shares", json={"team_id": team})
    assert (refused.status_code, refused.json()["code"]) == (422, "share.team_needs_clip")
    clip_id = make_clip(recording_id, user_id("caseworker"))
    approve_protected(clip_id)
    shared = client.post(f"/api/v1/clips/{clip_id}/shares", json={"team_id": team})
    assert shared.status_code == 201, shared.text
    assert [n["reason"] for n in notes(client_for("supervisor"))] == ["clip_shared"]
    assert [n["reason"] for n in notes(client_for("caseworker2"))] == ["clip_shared"]
    with session_scope() as session:
        told = session.exec(select(Notification.user_id)).all()
    assert sorted(told) == sorted([user_id("supervisor"), user_id("caseworker2")])
    assert sorted(to[0] for to, _ in mails(smtp)) == sorted(
        [SOREN_MAIL, BASE_USERS["caseworker2"][0]]
    )

    # A member who joins later is told when the caseworker gives them access.
    later = make_user("senere@kommune.test", Role.supervisor)
    set_members(team, [user_id("supervisor"), user_id("caseworker2"), later])
    [given] = client.get(f"/api/v1/clips/{clip_id}/shares").json()
    confirmed = client.post(
        f"/api/v1/clips/{clip_id}/shares/{given['id']}/confirm", json={"user_id": later}
    )
    assert confirmed.status_code == 204
    assert [to for to, _ in mails(smtp)][-1] == ["senere@kommune.test"]


def test_a_shared_clip_is_named_never_the_recording(
    db: str, smtp: Inbox, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id, _ = new_recording(client, media)
    clip_id = make_clip(recording_id, user_id("caseworker"))
    shared = client.post(
        f"/api/v1/clips/{clip_id}/shares", json={"user_id": user_id("caseworker2")}
    )
    assert shared.status_code == 201, shared.text
    colleague = client_for("caseworker2")
    [note] = notes(colleague)
    assert note["reason"] == "clip_shared" and note["title"] == "Åbningen"
    assert note["recording_id"] is None
    page = colleague.get("/notifications").text
    assert "Klip delt med dig: Åbningen" in page and TITLE not in page and recording_id not in page

    [(to, message)] = mails(smtp)
    assert to == [BASE_USERS["caseworker2"][0]]
    assert message["Subject"] == "Et klip er delt med dig i Videosparring"
    assert f"{SARA} har delt et klip af en optagelse med dig" in text_of(message)
    no_case_material(message, recording_id, "Åbningen", "Hvordan rammesætter jeg?")
    assert open_link(colleague, message) == f"/clips/{clip_id}"

    # The share withdrawn: the notification goes with it.
    [given] = client.get(f"/api/v1/clips/{clip_id}/shares").json()
    assert client.delete(f"/api/v1/clips/{clip_id}/shares/{given['id']}").status_code == 204
    assert notes(colleague) == []


# Sessions -------------------------------------------------------------------------------------


def test_a_session_invitation_carries_a_calendar_entry(
    db: str, smtp: Inbox, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id, _ = new_recording(client, media)
    starts = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    question = "Hvordan får jeg barnet til at fortælle frit?"
    colleague = caseworker_named("kollega@kommune.test")  # not shared with: sees when and who
    planned = plan(
        client, recording_id, [user_id("supervisor"), colleague], starts_at=starts.isoformat()
    )
    session_id = planned["id"]
    supervisor = client_for("supervisor")
    [note] = notes(supervisor)
    assert note["reason"] == "invited" and note["title"] == "Sparringssession"
    assert note["recording_id"] is None
    assert datetime.fromisoformat(note["starts_at"]).replace(tzinfo=UTC) == starts
    assert "Du er inviteret: Sparringssession, " in supervisor.get("/notifications").text

    sent = mails(smtp)
    assert sorted(to[0] for to, _ in sent) == sorted([SOREN_MAIL, "kollega@kommune.test"])
    message = next(m for to, m in sent if to == [SOREN_MAIL])
    assert message["Subject"] == "Invitation til en sparringssession i Videosparring"
    assert f"{SARA} har inviteret dig til en sparringssession den " in text_of(message)
    no_case_material(message, recording_id, question)
    attached = attachment_of(message)
    assert attached.get_content_type() == "text/calendar"
    assert attached.get_filename() == "sparring.ics"
    calendar = Calendar.from_ical(attached.get_payload(decode=True))
    assert calendar["METHOD"] == "PUBLISH" and calendar["VERSION"] == "2.0"
    [event] = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == starts
    assert event.decoded("DTEND") == starts + timedelta(hours=1)
    assert str(event["SUMMARY"]) == "Sparringssession (Videosparring)"
    assert str(event["URL"]) == f"{SITE}/sessions/{session_id}"
    assert f"{SITE}/sessions/{session_id}" in str(event["DESCRIPTION"])
    assert str(event["UID"]) == f"session-{session_id}@sparring.kommune.test"
    assert "ATTENDEE" not in event and "ORGANIZER" not in event  # nobody's address
    assert open_link(supervisor, message) == f"/sessions/{session_id}"

    # Someone added later is invited too; the English reader in English.
    with session_scope() as session:
        carl = session.get(User, user_id("caseworker2"))
        assert carl is not None
        carl.language = "en"
    added = client.post(
        f"/api/v1/sessions/{session_id}/participants", json={"user_id": user_id("caseworker2")}
    )
    assert added.status_code in (200, 201), added.text
    to, message = mails(smtp)[-1]
    assert to == [BASE_USERS["caseworker2"][0]]
    assert message["Subject"] == "Invitation to a sparring session in Videosparring"
    attached = attachment_of(message)
    [event] = Calendar.from_ical(attached.get_payload(decode=True)).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Sparring session (Videosparring)"
    assert [n["title"] for n in notes(client_for("caseworker2"))] == ["Sparring session"]


def test_a_moved_session_is_told_with_an_updated_calendar_entry(
    db: str, smtp: Inbox, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    """The caseworker moves a planned session: each other participant is told, in the app
    and by e-mail, with the same calendar entry (same UID) at the new time and a higher
    SEQUENCE, so that their calendar moves it rather than adding a second one. Changing
    only the question tells nobody."""
    recording_id, _ = new_recording(client, media)
    starts = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    session_id = plan(client, recording_id, [user_id("supervisor")], starts_at=starts.isoformat())[
        "id"
    ]
    [(_, first)] = mails(smtp)
    [planned] = Calendar.from_ical(attachment_of(first).get_payload(decode=True)).walk("VEVENT")

    asked = client.patch(f"/api/v1/sessions/{session_id}", json={"question": "Et nyt spørgsmål"})
    assert asked.status_code == 200, asked.text
    assert len(mails(smtp)) == 1 and len(notes(client_for("supervisor"))) == 1

    later = starts + timedelta(days=1, hours=2)
    moved = client.patch(f"/api/v1/sessions/{session_id}", json={"starts_at": later.isoformat()})
    assert moved.status_code == 200, moved.text
    supervisor = client_for("supervisor")
    reasons = [n["reason"] for n in notes(supervisor)]
    assert sorted(reasons) == ["invited", "moved"]
    assert (
        "En session, du deltager i, er flyttet: Sparringssession, "
        in supervisor.get("/notifications").text
    )
    assert notes(client) == []  # the one who moved it is not told
    to, message = mails(smtp)[-1]
    assert to == [SOREN_MAIL]
    assert message["Subject"] == "En sparringssession er flyttet i Videosparring"
    assert f"{SARA} har flyttet en sparringssession, du deltager i, til " in text_of(message)
    [event] = Calendar.from_ical(attachment_of(message).get_payload(decode=True)).walk("VEVENT")
    assert str(event["UID"]) == str(planned["UID"])
    assert event.decoded("DTSTART") == later
    assert int(event["SEQUENCE"]) > int(planned["SEQUENCE"])
    assert open_link(supervisor, message) == f"/sessions/{session_id}"


# Self-reflection --------------------------------------------------------------------------------


def reflect(client: TestClient, recording_id: str, at: float, publish: bool) -> int:
    body = {
        "kind": "question",
        "start_seconds": at,
        "criterion_ids": criterion_ids(client)[:1],
        "text": "Her mistede jeg tråden",
        "publish": publish,
    }
    response = client.post(f"/api/v1/recordings/{recording_id}/feedback", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_a_published_self_reflection_tells_the_supervisors_who_see_it(
    db: str, smtp: Inbox, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id, _ = new_recording(client, media)
    other_supervisor = make_user("anden@kommune.test", Role.supervisor)  # not shared with
    share(client, recording_id, user_id=user_id("supervisor"))
    share(client, recording_id, user_id=user_id("caseworker2"))  # a colleague, no supervisor
    supervisor = client_for("supervisor")
    assert supervisor.post("/api/v1/notifications/read").status_code == 204
    sent_before = len(mails(smtp))

    reflect(client, recording_id, 1.0, publish=False)  # a private draft: nobody is told
    assert [n for n in notes(supervisor) if not n["read"]] == []
    first = reflect(client, recording_id, 2.0, publish=True)
    [note] = [n for n in notes(supervisor) if not n["read"]]
    assert note["reason"] == "reflection" and note["count"] == 1
    assert note["title"] == TITLE and note["start_seconds"] == 2.0
    assert (
        "1 selvrefleksion sendt: Samtale om skolen, 0:02" in supervisor.get("/notifications").text
    )
    with session_scope() as session:
        told = session.exec(
            select(Notification.user_id).where(Notification.reason == "reflection")
        ).all()
    assert told == [user_id("supervisor")]  # not the colleague, not the other supervisor
    assert other_supervisor not in told

    [(to, message)] = mails(smtp)[sent_before:]
    assert to == [SOREN_MAIL]
    assert message["Subject"] == "En selvrefleksion er sendt i Videosparring"
    assert f"{SARA} har sendt 1 selvrefleksion på en optagelse, du kan se." in text_of(message)
    no_case_material(message, "Her mistede jeg tråden")
    assert open_link(supervisor, message) == f"/recordings/{recording_id}?t=2&item={first}"

    # The private draft, published later; then two at once: one notification for the lot.
    published = client.post(f"/api/v1/recordings/{recording_id}/feedback/publish")
    assert published.json()["published"] == 1
    reflect(client, recording_id, 3.0, publish=False)
    reflect(client, recording_id, 4.0, publish=False)
    together = client.post(f"/api/v1/recordings/{recording_id}/feedback/publish")
    assert together.json()["published"] == 2
    counts = [n["count"] for n in notes(supervisor) if n["reason"] == "reflection"]
    assert counts == [2, 1, 1]


def test_the_caseworkers_form_shares_by_default_and_offers_a_private_draft(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media, seconds=20)
    share(client, recording_id, user_id=user_id("supervisor"))
    own = client.get(f"/recordings/{recording_id}").text
    assert re.search(r'id="fb-publish" checked', own)
    assert not re.search(r'id="fb-draft" checked', own)
    assert "Delt nu: din supervisor og dem, du har delt dette med, ser det" in own
    assert "Privat kladde: kun du ser den, indtil du sender den" in own
    supervisor = client_for("supervisor")
    theirs = supervisor.get(f"/recordings/{recording_id}").text
    assert re.search(r'id="fb-draft" checked', theirs)
    assert not re.search(r'id="fb-publish" checked', theirs)

    # Without JavaScript the form posts what is ticked: shared, and the supervisor is told.
    assert supervisor.post("/api/v1/notifications/read").status_code == 204
    form = {
        "kind": "strength",
        "start": "0:03",
        "end": "",
        "text": "Godt spørgsmål her",
        "criterion_ids": str(criterion_ids(client)[0]),
        "publish": "1",
    }
    posted = client.post(f"/recordings/{recording_id}/feedback", data=form, follow_redirects=False)
    assert posted.status_code == 303, posted.text
    [note] = [n for n in notes(supervisor) if not n["read"]]
    assert note["reason"] == "reflection"
    draft = client.post(
        f"/recordings/{recording_id}/feedback",
        data=form | {"publish": "0", "start": "0:05"},
        follow_redirects=False,
    )
    assert draft.status_code == 303
    assert len([n for n in notes(supervisor) if not n["read"]]) == 1


# Choices --------------------------------------------------------------------------------------


def test_each_person_chooses_what_reaches_their_inbox(
    db: str, smtp: Inbox, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    supervisor = client_for("supervisor")
    page = supervisor.get("/account/password").text
    assert "Notifikationer på e-mail" in page
    ticked = re.findall(r'name="kinds" value="(\w+)" checked', page)
    assert ticked == ["shared", "invited", "reflection", "published"]  # the default: no replies
    saved = supervisor.post(
        "/account/notifications", data={"kinds": ["invited", "reply"]}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/account/password?mail_saved=1#mail"
    page = supervisor.get(saved.headers["location"]).text
    assert "Dit valg er gemt." in page
    assert re.findall(r'name="kinds" value="(\w+)" checked', page) == ["invited", "reply"]

    recording_id, _ = new_recording(client, media)
    share(client, recording_id, user_id=user_id("supervisor"))
    assert [n["reason"] for n in notes(supervisor)] == ["shared"]  # in the app all the same
    assert mails(smtp) == []  # not by e-mail: not chosen
    plan(client, recording_id, [user_id("supervisor")])
    assert [to for to, _ in mails(smtp)] == [[SOREN_MAIL]]  # the invitation: chosen

    # Nothing ticked: nothing by e-mail.
    supervisor.post("/account/notifications", data={}, follow_redirects=False)
    plan(client, recording_id, [user_id("supervisor")])
    assert len(mails(smtp)) == 1
    assert len([n for n in notes(supervisor) if n["reason"] == "invited"]) == 2
    # Unknown kinds are dropped.
    supervisor.post("/account/notifications", data={"kinds": ["shared", "cpr"]})
    page = supervisor.get("/account/password").text
    assert re.findall(r'name="kinds" value="(\w+)" checked', page) == ["shared"]


def test_the_leader_has_no_choice_to_make_and_mail_off_is_said(
    db: str, client_for: ClientFor
) -> None:
    assert "Notifikationer på e-mail" not in client_for("leader").get("/account/password").text
    page = client_for("caseworker").get("/account/password").text
    assert "E-mail er ikke sat op" in page  # no SMTP in this test: the choice is still kept


# E-mail never holds the action up ----------------------------------------------------------------


@pytest.fixture
def silent_smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A mail server that takes the connection and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    port = listener.getsockname()[1]
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", port)
    monkeypatch.setattr(settings, "smtp_security", "none")
    monkeypatch.setattr(settings, "smtp_timeout_seconds", 3.0)
    monkeypatch.setattr(settings, "public_url", SITE)
    try:
        yield port
    finally:
        listener.close()
        for conn in held:
            conn.close()


def test_a_mail_server_that_hangs_neither_fails_nor_delays_the_action(
    sqlite_db: str,
    silent_smtp: int,
    client: TestClient,
    client_for: ClientFor,
    media: MediaSet,
    caplog: pytest.LogCaptureFixture,
) -> None:
    recording_id, _ = new_recording(client, media)
    began = time.monotonic()
    response = client.post(
        f"/api/v1/recordings/{recording_id}/shares", json={"user_id": user_id("supervisor")}
    )
    took = time.monotonic() - began
    assert response.status_code == 201 and took < 1.5, took  # the server waits 3 s
    [note] = notes(client_for("supervisor"))
    with caplog.at_level(logging.WARNING, logger="app.accounts.mail"):
        mail.wait_until_sent()
    [record] = [r for r in caplog.records if r.name == "app.accounts.mail"]
    said = record.getMessage()  # smtplib words a time-out either way
    assert re.fullmatch(
        rf"e-mail not sent \((TimeoutError|SMTPServerDisconnected)\): notification {note['id']}",
        said,
    ), said
    for secret in (TITLE, CASE, SOREN_MAIL, recording_id):
        assert secret not in said


def test_no_mail_server_at_all_still_tells_in_the_app(
    sqlite_db: str,
    monkeypatch: pytest.MonkeyPatch,
    client: TestClient,
    client_for: ClientFor,
    media: MediaSet,
) -> None:
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", free_port())  # nobody listens
    monkeypatch.setattr(settings, "smtp_security", "none")
    monkeypatch.setattr(settings, "public_url", SITE)
    recording_id, _ = new_recording(client, media)
    share(client, recording_id, user_id=user_id("supervisor"))
    mail.wait_until_sent()
    assert [n["reason"] for n in notes(client_for("supervisor"))] == ["shared"]


# Waiting for my feedback --------------------------------------------------------------------------


def waiting(page: str) -> list[str]:
    """The titles in the start page's "waiting for my feedback", in order."""
    section = page.split('id="waiting"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<li data-kind="\w+"><a href="[^"]+">([^<]+)</a>', section)


def test_the_supervisors_start_page_lists_what_waits_oldest_first(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    start = utcnow() - timedelta(days=10)
    made = {}
    for title in ("Anden", "Første", "Tredje"):
        response = upload(client, media.encoded(FORMATS[6]), title=title)
        assert response.status_code == 201
        made[title] = response.json()["id"]
    clip_id = make_clip(made["Tredje"], user_id("caseworker"))
    supervisor_id = user_id("supervisor")
    for days, title in ((2, "Anden"), (1, "Første"), (4, "Tredje")):
        with clock_at(start + timedelta(days=days)):
            share(client, made[title], user_id=supervisor_id)
    with clock_at(start + timedelta(days=3)):
        clip = client.post(f"/api/v1/clips/{clip_id}/shares", json={"user_id": supervisor_id})
        assert clip.status_code == 201
    not_shared = upload(client, media.encoded(FORMATS[6]), title="Ikke delt")
    assert not_shared.status_code == 201

    supervisor = client_for("supervisor")
    home = supervisor.get("/", follow_redirects=True)
    assert "Venter på min feedback" in home.text
    assert waiting(home.text) == ["Første", "Anden", "Åbningen", "Tredje"]
    assert 'data-kind="clip"><a href="/clips/' in home.text

    # A draft is not feedback yet; a published item is. So is one through the clip.
    criterion = criterion_ids(supervisor)[0]
    body = {"kind": "strength", "start_seconds": 1.0, "criterion_ids": [criterion], "text": "Ja"}
    api = f"/api/v1/recordings/{made['Første']}/feedback"
    assert supervisor.post(api, json=body).status_code == 201
    assert waiting(supervisor.get("/recordings").text)[0] == "Første"
    assert supervisor.post(api, json=body | {"publish": True}).status_code == 201
    clip_api = f"/api/v1/clips/{clip_id}/feedback"
    assert supervisor.post(clip_api, json=body | {"publish": True}).status_code == 201
    assert waiting(supervisor.get("/recordings").text) == ["Anden", "Tredje"]

    for key in ("caseworker", "administrator"):
        assert 'id="waiting"' not in client_for(key).get("/recordings").text
    # Nothing waiting: said so.
    for title in ("Anden", "Tredje"):
        api = f"/api/v1/recordings/{made[title]}/feedback"
        assert supervisor.post(api, json=body | {"publish": True}).status_code == 201
    assert "Intet venter på din feedback." in supervisor.get("/recordings").text


# In Chromium ----------------------------------------------------------------------------------


@pytest.mark.browser
def test_an_invited_colleague_sees_the_notifications_in_chromium(
    browser: Browser, shared_db: str, media: MediaSet, axe_js: Path
) -> None:
    """The colleague a recording is shared with and who is invited to a session sees both at
    once in the top bar and the list, opens the invitation, and chooses what comes by
    e-mail on their account page; the supervisor's start page lists what waits."""
    owner = live_client(shared_db)
    try:
        response = upload(owner, media.encoded(FORMATS[6]), title="Samtale med Ida")
        assert response.status_code == 201, response.text
        recording_id = response.json()["id"]
        share(owner, recording_id, user_id=user_id("supervisor"))
        session_id = plan(owner, recording_id, [user_id("supervisor")])["id"]
    finally:
        owner.close()

    with axe_page(browser, shared_db, "supervisor") as page:
        expect(page.locator(".count-badge")).to_have_text("2")
        expect(page.locator("#waiting li")).to_have_count(1)
        expect(page.locator("#waiting li a")).to_have_text("Samtale med Ida")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "waiting-for-my-feedback-da-1366x768.png"))
        page.get_by_role("link", name="Notifikationer (2 ulæste notifikationer)").click()
        page.wait_for_url(f"{shared_db}/notifications")
        expect(page.locator("li.note.unread")).to_have_count(2)
        invitation = page.locator("li.note[data-reason=invited] a.note-link")
        expect(invitation).to_contain_text("Du er inviteret: Sparringssession, ")
        shared = page.locator("li.note[data-reason=shared] a.note-link")
        expect(shared).to_have_text("Optagelse delt med dig: Samtale med Ida")
        page.screenshot(path=str(SHOTS / "notifications-shared-invited-da-1366x768.png"))
        assert axe_violations(page, axe_js) == [], "notifications: serious or critical findings"
        invitation.click()
        page.wait_for_url(f"{shared_db}/sessions/{session_id}")
        expect(page.locator(".count-badge")).to_have_text("1")

        page.goto(f"{shared_db}/notifications")
        page.get_by_role(
            "link", name="Vælg hvilke notifikationer der også kommer på e-mail"
        ).click()
        page.wait_for_url(re.compile(r"/account/password#mail$"))
        page.get_by_label("Nogen svarer på min optagelse eller på min feedback").check()
        page.get_by_label("En optagelse eller et klip deles med mig").uncheck()
        page.get_by_role("button", name="Gem mit valg").click()
        expect(page.get_by_role("status")).to_have_text("Dit valg er gemt.")
        expect(page.get_by_label("En optagelse eller et klip deles med mig")).not_to_be_checked()
        expect(
            page.get_by_label("Nogen svarer på min optagelse eller på min feedback")
        ).to_be_checked()
        page.screenshot(path=str(SHOTS / "account-mail-choice-da-1366x768.png"), full_page=True)
        assert axe_violations(page, axe_js) == [], "account page: serious or critical findings"


# Scores ---------------------------------------------------------------------------------------


def test_a_supervisors_published_scores_are_told_to_the_caseworker_in_the_app_and_by_mail(
    db: str, smtp: Inbox, client: TestClient, client_for: ClientFor
) -> None:
    first, second = scale_criteria(2)
    owner_id = user_id("caseworker")
    recording_id = bare_recording(owner_id, title=TITLE)
    share_with(recording_id, owner_id, user_id("supervisor"))
    supervisor = client_for("supervisor")
    page = f"/recordings/{recording_id}/scores"
    scored = lambda who: [n for n in notes(who) if n["reason"] == "scored"]  # noqa: E731

    draft = supervisor.post(page, data={f"level-{first}": "2"}, follow_redirects=False)
    assert draft.status_code == 303
    assert scored(client) == []  # a draft is the supervisor's alone: no one is told
    levels = {f"level-{first}": "3", f"level-{second}": "2", "publish": "1"}
    assert supervisor.post(page, data=levels, follow_redirects=False).status_code == 303

    [note] = scored(client)
    assert note["title"] == TITLE and note["actor_name"] == "Søren Supervisor"
    assert note["recording_id"] == recording_id and not note["read"]
    assert f"Scorer offentliggjort på din optagelse: {TITLE}" in client.get("/notifications").text
    english = client.get("/notifications", params={"lang": "en"}).text
    assert f"Scores published on your recording: {TITLE}" in english
    opened = client.get(f"/notifications/{note['id']}/open", follow_redirects=False)
    assert opened.headers["location"] == page

    [(to, message)] = [m for m in mails(smtp) if m[1]["Subject"] == "Nye scorer i Videosparring"]
    assert to == [BASE_USERS["caseworker"][0]]
    words = text_of(message)
    told = "Søren Supervisor har offentliggjort sine scorer på kriterierne for din optagelse."
    assert told in words
    no_case_material(message, recording_id)
    assert open_link(client, message) == page

    # The caseworker's own self-score tells no one: the supervisors see it on the page.
    client.post(page, data={f"level-{first}": "2", "publish": "1"})
    assert scored(supervisor) == []
