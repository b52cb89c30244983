"""Finding recordings on the list (issue 19, point 11): search over title and case reference
(any case, Danish letters too), filters by status, caseworker and upload date, sorting and
pages, all done in SQL on SQLite and PostgreSQL on top of the access rule, so a list never
shows a recording its reader may not see. Values that cannot be used are said, never a 500.
Empty lists say what to do first."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col

from app.core.config import settings
from app.core.db import session_scope
from app.recordings.models import Recording
from tests.support.accounts import ClientFor, user_id
from tests.support.factories import ready_recording
from tests.support.jobs import process_queued_jobs
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import share, upload

ROW = re.compile(r'<tr data-id="(\w+)"')


def rows(client: TestClient, query: str = "") -> list[str]:
    """The ids the list shows, in its order."""
    response = client.get("/recordings" + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.text[:500]
    return ROW.findall(response.text)


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=UTC)


@dataclass(frozen=True)
class Library:
    school: str  # Sara's, ready, 5 s, shared with the supervisor
    aero: str  # Sara's, ready, 8 s, Danish letters
    broken: str  # Sara's, failed
    home: str  # Sara's, queued (no worker here)
    followup: str  # Sara's, ready, 3 s
    carls: str  # Carl's, ready, shared with Sara
    secret: str  # Carl's, ready, shared with nobody: never on Sara's or Søren's list


def uploaded_on(recording_id: str, day: str) -> None:
    """The recording as if uploaded on that day (the consent check uses the real today)."""
    with session_scope() as session:
        session.exec(
            update(Recording).where(col(Recording.id) == recording_id).values(created_at=at(day))
        )


def build(client: TestClient, carl: TestClient, media: MediaSet) -> Library:
    """Sara's recordings on different days, one of Carl's shared with her, one not."""
    # First: its job fails at once, before any other job is queued.
    broken = str(upload(client, media.encoded(FORMATS[0]), title="Hjemmebesøg",
                        case_reference="sag-200").json()["id"])  # fmt: skip
    (settings.media_dir / broken / "original").write_bytes(b"\0" * 2000)
    assert process_queued_jobs() == ["failed"]
    uploaded_on(broken, "2026-11-20")
    made = {}
    for key, who, title, case, day, seconds in (
        ("school", client, "Samtale om skolen", "SAG-100", "2026-11-02", 5),
        ("carls", carl, "Carls skolesamtale", "SAG-100-C", "2026-11-05", 4),
        ("secret", carl, "Carls hemmelige samtale", "SAG-SKJULT", "2026-11-06", 6),
        ("aero", client, "Ærø-besøg med Åse", "SAG-ØST-7", "2026-11-10", 8),
        ("followup", client, "Opfølgning", "SAG-400", "2026-11-25", 3),
    ):
        made[key] = ready_recording(who, media, title=title, case_reference=case,
                                    seconds=seconds)  # fmt: skip
        uploaded_on(made[key], day)
    home = str(upload(client, media.conversation(4), title="Samtale i hjemmet",
                      case_reference="SAG-300", language="da").json()["id"])  # fmt: skip
    uploaded_on(home, "2026-12-01")
    share(carl, made["carls"], user_id=user_id("caseworker"))
    share(client, made["school"], user_id=user_id("supervisor"))
    return Library(broken=broken, home=home, **made)


def test_search_filters_sort_and_pages_show_exactly_what_the_reader_may_see(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    lib = build(client, client_for("caseworker2"), media)
    everything = [lib.home, lib.followup, lib.broken, lib.aero, lib.carls, lib.school]
    assert rows(client) == everything  # newest first
    page = client.get("/recordings").text
    assert "6 optagelser" in page and 'aria-sort="descending"' in page

    # Search: title or case reference, any case, Danish letters too; words narrow it down.
    assert rows(client, "q=samtale") == [lib.home, lib.carls, lib.school]
    assert rows(client, "q=SAMTALE+skolen") == [lib.school]
    assert rows(client, "q=ærø") == rows(client, "q=ÆRØ") == [lib.aero]
    assert rows(client, "q=åse") == rows(client, "q=%C3%85SE") == [lib.aero]
    assert rows(client, "q=sag-øst") == [lib.aero]
    assert rows(client, "q=SAG-200") == [lib.broken]
    assert rows(client, "q=%25") == rows(client, "q=_") == []  # wildcards are letters here
    assert rows(client, "q=hemmelige") == rows(client, "q=SKJULT") == []
    found = client.get("/recordings?q=samtale").text
    assert "3 optagelser fundet" in found and 'id="find-clear"' in found
    assert "1 optagelse fundet" in client.get("/recordings?q=ærø").text
    assert "1 recording found" in client.get("/recordings?q=ærø&lang=en").text

    # Filters: status, caseworker, upload dates (the municipality's days, both ends in).
    assert rows(client, "status=ready") == [lib.followup, lib.aero, lib.carls, lib.school]
    assert rows(client, "status=busy") == [lib.home]
    assert rows(client, "status=failed") == [lib.broken]
    carl = user_id("caseworker2")
    assert rows(client, f"person={carl}") == [lib.carls]
    assert rows(client, f"person={user_id('caseworker')}&q=samtale") == [lib.home, lib.school]
    assert rows(client, "from=2026-11-05&to=2026-11-20") == [lib.broken, lib.aero, lib.carls]
    assert rows(client, "from=2026-11-21") == [lib.home, lib.followup]
    assert rows(client, "to=2026-11-02") == [lib.school]
    choices = client.get("/recordings").text
    assert "Carl Sagsbehandler" in choices and "Sara Sagsbehandler" in choices

    # Sort: title (any case), case reference, duration; each both ways.
    assert rows(client, "sort=title") == [
        lib.carls, lib.broken, lib.followup, lib.home, lib.school, lib.aero
    ]  # fmt: skip
    assert rows(client, "sort=title&order=desc")[0] == lib.aero
    assert rows(client, "sort=case") == [
        lib.school, lib.carls, lib.broken, lib.home, lib.followup, lib.aero
    ]  # fmt: skip
    assert rows(client, "sort=duration&status=ready") == [
        lib.aero, lib.school, lib.carls, lib.followup
    ]  # fmt: skip
    assert rows(client, "sort=duration&order=asc&status=ready")[0] == lib.followup
    sorted_page = client.get("/recordings?sort=title").text
    assert re.search(r'data-sort="title" aria-sort="ascending"', sorted_page)
    assert 'href="/recordings?sort=title&amp;order=desc"' in sorted_page

    # Pages: five a page, the filters kept in the links; a page past the last is the last.
    first = client.get("/recordings?per=5").text
    assert rows(client, "per=5") == everything[:5]
    assert "Side 1 af 2" in first and 'href="/recordings?per=5&amp;page=2"' in first
    second = client.get("/recordings?per=5&page=2").text
    assert ROW.findall(second) == everything[5:] and 'rel="prev"' in second
    assert "Side 2 af 2" in second and 'rel="next"' not in second
    assert rows(client, "per=5&page=99") == everything[5:]
    assert rows(client, "per=5&page=0") == everything[:5]
    kept = client.get("/recordings?q=sag&per=5&sort=title").text
    assert 'href="/recordings?q=sag&amp;sort=title&amp;per=5&amp;page=2"' in kept

    # The supervisor: only what was shared with him, whatever he asks for.
    soren = client_for("supervisor")
    assert rows(soren) == [lib.school]
    assert rows(soren, "q=samtale") == [lib.school]
    assert rows(soren, f"person={carl}") == []
    assert "Carl Sagsbehandler" not in soren.get("/recordings").text
    # Carl never sees Sara's, Sara never Carl's unshared one, in any view.
    carl_client = client_for("caseworker2")
    assert rows(carl_client, "per=100") == [lib.secret, lib.carls]
    for query in ("", "q=samtale", f"person={carl}", "status=ready", "sort=title", "per=5&page=2"):
        assert lib.secret not in client.get(f"/recordings?{query}").text
        assert lib.secret not in soren.get(f"/recordings?{query}").text


def test_values_that_cannot_be_used_are_said_never_a_failure(
    db: str, client: TestClient, media: MediaSet
) -> None:
    rid = ready_recording(client, media, title="Samtale om skolen", seconds=3)
    for query, said in (
        ("status=deleted", "Listen kender ikke den valgte status"),
        ("from=2026-13-45", "“2026-13-45” er ikke en dato"),
        ("to=igår", "“igår” er ikke en dato"),
        ("q=" + "x" * 5000, "Søgeteksten blev forkortet til de første 200 tegn"),
        ("from=2026-12-31&to=2026-01-01", "Datoerne stod i omvendt rækkefølge"),
    ):
        response = client.get(f"/recordings?{query}")
        assert response.status_code == 200, (query, response.status_code)
        assert 'id="find-ignored"' in response.text and said in response.text, query
    for query in (
        "page=0", "page=-3", "page=99999999999999999999", "page=" + "9" * 5000, "page=abc",
        "per=7", "per=1000000", "sort=owner_id;drop", "order=sideways", "person=abc",
        "person=99999999999999999999", "q=%00%01", "q=%ED%A0%80", "q='%20OR%201=1--",
        "status=" + "x" * 5000, "from=" + "9" * 5000,
    ):  # fmt: skip
        response = client.get(f"/recordings?{query}")
        assert response.status_code == 200, (query, response.status_code)
    assert rows(client, "page=99999999999999999999") == [rid]
    assert rows(client, "sort=owner_id;drop&order=sideways") == [rid]


def test_empty_lists_say_what_to_do_first(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    empty = client.get("/recordings").text
    assert 'id="list-empty"' in empty and "Upload din første optagelse" in empty
    assert 'href="/recordings/new"' in empty and 'id="find"' not in empty
    assert "Upload your first recording" in client.get("/recordings?lang=en").text
    supervisor = client_for("supervisor")
    soren = supervisor.get("/recordings").text
    assert "Optagelser vises her, når en sagsbehandler deler en med dig" in soren
    sessions = client.get("/sessions").text
    assert 'id="sessions-empty"' in sessions and "Planlæg din første session" in sessions
    supervisor_sessions = supervisor.get("/sessions?lang=en").text
    assert "A session appears here when a caseworker invites you" in supervisor_sessions

    rid = ready_recording(client, media, title="Samtale om skolen", seconds=3)
    clips = client.get(f"/recordings/{rid}").text
    assert 'id="clips-empty"' in clips and "Ingen klip endnu" in clips
    none_found = client.get("/recordings?q=findesikke&status=ready&per=5").text
    assert 'id="find-empty"' in none_found and "Ingen optagelser passer til søgningen" in none_found
    assert "0 optagelser fundet" in none_found and 'href="/recordings?per=5"' in none_found
    assert 'id="list-empty"' not in none_found
