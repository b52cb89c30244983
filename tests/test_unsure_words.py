"""Unsure words (issue 22): the machine's words below SPARRING_UNSURE_WORD_PROBABILITY are
marked on the lines no person has corrected or checked, in the page, its fragments and the
API, and the transcript says how much of it is unsure; exports and the sparring document
carry no marks. The recordings come from the factory, with words of set probabilities."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.core.config import settings
from app.core.db import get_engine, session_scope
from app.transcripts import unsure
from app.transcripts.models import Segment, Word
from tests.support.accounts import ClientFor, user_id
from tests.support.factories import CONVERSATION, Line, heard, ready_recording
from tests.support.feedback import criterion_ids
from tests.support.media import MediaSet
from tests.support.recordings import share

# Three lines, 31 words; "hedder" and "Mette," (line 1) and "skolen?" (line 3) unsure.
LINES = (heard(CONVERSATION[0], (2, 3)), heard(CONVERSATION[1]), heard(CONVERSATION[2], (9,)))
WORDS = 31
HINT_DA, HINT_EN = "(usikkert ord)", "(unsure word)"


def word(position: int, text: str, probability: float) -> Word:
    return Word(segment_id=1, position=position, start=position, end=position + 1, text=text,
                probability=probability)  # fmt: skip


# The pure part ----------------------------------------------------------------------------


def test_a_line_is_cut_at_its_unsure_words() -> None:
    words = [word(0, " jeg", 0.9), word(1, " så", 0.3), word(2, " jeg,", 0.2), word(3, " ja.", 0.9)]
    cut = unsure.pieces("jeg så jeg, ja.", words, 0.5)
    assert cut is not None
    assert [(p.text, p.unsure) for p in cut] == [
        ("jeg ", False),
        ("så", True),
        (" ", False),
        ("jeg", True),  # the second "jeg", where it was heard; its comma outside the mark
        (", ja.", False),
    ]
    assert "".join(p.text for p in cut) == "jeg så jeg, ja."
    assert unsure.pieces("jeg så jeg, ja.", words, 0.2) is None  # none below 0.2
    assert unsure.pieces("noget andet", words, 0.5) is None  # words not in the text: no marks


def test_the_share_rounds_as_the_page_does() -> None:
    assert unsure.Share(0, 31).percent == 0
    assert unsure.Share(3, 31).percent == 10
    assert unsure.Share(1, 1000).percent == 1  # never 0 % while a word is unsure
    assert unsure.Share(3, 31).shown("da") == "10\xa0%"
    assert unsure.Share(3, 31).shown("en") == "10%"


# The API, the page and its fragments ------------------------------------------------------


@pytest.fixture
def rid(db: str, client: TestClient, media: MediaSet) -> str:
    return ready_recording(client, media, seconds=22, lines=LINES)


def transcript(client: TestClient, rid: str) -> dict:
    response = client.get(f"/api/v1/recordings/{rid}/transcript")
    assert response.status_code == 200, response.text
    return response.json()


def marked(html: str) -> list[str]:
    return re.findall(r'<span class="unsure" data-t="[0-9.]+">([^<]*)</span>', html)


def share_text(html: str) -> str | None:
    found = re.search(r'id="unsure-share"[^>]*>([^<]*)</p>', html, re.S)
    return found.group(1) if found else None


def test_the_api_says_which_words_are_unsure(rid: str, client: TestClient) -> None:
    body = transcript(client, rid)
    assert body["unsure_share"] == round(3 / WORDS, 4)
    first, second, third = body["segments"]
    assert [(w["position"], w["text"]) for w in first["unsure_words"]] == [
        (2, "hedder"),
        (3, "Mette,"),
    ]
    assert first["unsure_words"][0]["probability"] == 0.2
    assert first["unsure_words"][0]["start"] < first["unsure_words"][0]["end"]
    assert second["unsure_words"] == []
    assert [w["text"] for w in third["unsure_words"]] == ["skolen?"]
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "unsure_words" in schema["SegmentPublic"]["properties"]
    assert "unsure_share" in schema["TranscriptPublic"]["properties"]

    # Corrected: the person's words replace the machine's, and their marks go.
    base = f"/api/v1/recordings/{rid}/transcript/segments/"
    saved = client.patch(base + str(first["id"]), json={"text": "Hej, jeg hedder Mette."})
    assert saved.status_code == 200, saved.text
    assert saved.json()["unsure_words"] == []
    assert transcript(client, rid)["unsure_share"] == round(1 / WORDS, 4)
    # Checked: a person heard and read it, and vouches for it; unchecked: the marks are back.
    checked = client.patch(base + str(third["id"]), json={"checked": True})
    assert checked.status_code == 200, checked.text
    assert checked.json()["unsure_words"] == []
    assert transcript(client, rid)["unsure_share"] == 0
    unchecked = client.patch(base + str(third["id"]), json={"checked": False}).json()
    assert [w["text"] for w in unchecked["unsure_words"]] == ["skolen?"]


def test_the_page_marks_the_words_and_says_the_share(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    html = client.get(f"/recordings/{rid}", params={"lang": "da"}).text
    assert marked(html) == ["hedder", "Mette", "skolen"]
    assert html.count(HINT_DA) == 3
    assert share_text(html) == "10\xa0% af ordene er usikre (prikket understregning)"
    assert 'data-words="31" data-unsure="3"' in html
    assert "<kbd>U</kbd>" in html  # correction mode's key, listed with its keys
    english = client.get(f"/recordings/{rid}", params={"lang": "en"}).text
    assert share_text(english) == "10% of the words are unsure (dotted underline)"
    assert english.count(HINT_EN) == 3
    # The form's text is the line's own: no marks in what the caseworker edits.
    assert "Hej, jeg hedder Mette, og jeg er din rådgiver.</textarea>" in html

    # The fragment of the lines after the first screen marks them the same way.
    fragment = client.get(f"/recordings/{rid}/transcript/lines", params={"offset": 2}).text
    assert marked(fragment) == ["skolen"]

    # A supervisor it is shared with sees the marks too (no correction keys).
    share(client, rid, user_id=user_id("supervisor"))
    supervisor = client_for("supervisor").get(f"/recordings/{rid}").text
    assert marked(supervisor) == ["hedder", "Mette", "skolen"]
    assert "<kbd>U</kbd>" not in supervisor

    # Corrected and checked lines show none; all gone: "no unsure words".
    segments = transcript(client, rid)["segments"]
    base = f"/api/v1/recordings/{rid}/transcript/segments/"
    client.patch(base + str(segments[0]["id"]), json={"text": "Hej, jeg hedder Mette."})
    html = client.get(f"/recordings/{rid}").text
    assert marked(html) == ["skolen"]
    assert share_text(html) == "3\xa0% af ordene er usikre (prikket understregning)"
    client.patch(base + str(segments[2]["id"]), json={"checked": True})
    html = client.get(f"/recordings/{rid}").text
    assert marked(html) == [] and HINT_DA not in html
    assert share_text(html) == "Ingen usikre ord"


def test_the_threshold_is_the_setting(
    rid: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "unsure_word_probability", 0.0)
    html = client.get(f"/recordings/{rid}").text
    assert marked(html) == [] and share_text(html) == "Ingen usikre ord"
    assert transcript(client, rid)["unsure_share"] == 0
    monkeypatch.setattr(settings, "unsure_word_probability", 1.0)  # every word
    assert transcript(client, rid)["unsure_share"] == 1.0


def test_a_transcript_without_words_says_nothing(
    db: str, client: TestClient, media: MediaSet
) -> None:
    rid = ready_recording(client, media, seconds=22)  # the factory's lines have no words
    html = client.get(f"/recordings/{rid}").text
    assert 'id="unsure-share"' not in html and "<kbd>U</kbd>" not in html
    assert transcript(client, rid)["unsure_share"] == 0


def test_exports_and_the_sparring_document_carry_no_marks(rid: str, client: TestClient) -> None:
    for fmt in ("vtt", "srt", "txt"):
        body = client.get(f"/api/v1/recordings/{rid}/transcript/export.{fmt}").text
        assert "Hej, jeg hedder Mette, og jeg er din rådgiver." in body
        assert "unsure" not in body and "usikkert" not in body and "<span" not in body
    item = client.post(
        f"/api/v1/recordings/{rid}/feedback",
        json={
            "publish": True,
            "kind": "question",
            "start_seconds": 1.0,
            "text": "Hvorfor her?",
            "criterion_ids": criterion_ids(client)[:1],
        },  # fmt: skip
    )
    assert item.status_code == 201, item.text
    document = client.get(f"/recordings/{rid}/sparring", params={"lang": "da"}).text
    assert "Hej, jeg hedder Mette, og jeg er din rådgiver." in document
    assert "unsure" not in document and HINT_DA not in document


# One query for the shown lines, however many there are -------------------------------------


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def test_the_lines_words_come_in_one_query(db: str, client: TestClient, media: MediaSet) -> None:
    many = [
        heard(Line(i * 0.5, i * 0.5 + 0.4, f"Linje nummer {i} her."), (1,) if i % 2 else ())
        for i in range(120)
    ]
    rid = ready_recording(client, media, seconds=60, lines=many)
    with counted_statements() as statements:
        fragment = client.get(f"/recordings/{rid}/transcript/lines", params={"offset": 0}).text
    assert len(marked(fragment)) == 60  # every other line of 120
    words = [s for s in statements if re.search(r"FROM word\b", s)]
    assert len(words) == 1, words
    with session_scope() as session:
        lines = list(session.query(Segment).order_by(Segment.id).all())[-120:]
        assert len(unsure.marks(session=session, lines=lines)) == 60
