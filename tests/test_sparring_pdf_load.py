"""The sparring PDF as a load: made in a bounded pool, kept until what is in it changes, one
at a time per person, and the other pages answer while one is being made."""

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from anyio import to_thread
from fastapi.testclient import TestClient

from app.feedback import pdf
from app.feedback.document import Count, Entry, Line, Reply, SparringDocument
from tests.support.accounts import ClientFor, user_id
from tests.support.feedback import criterion_ids, new_recording
from tests.support.media import MediaSet
from tests.support.recordings import share

WAIT = 120  # seconds: only a guard, so that a server that hangs fails instead


def doc() -> SparringDocument:
    when = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    line = Line(start=3.0, speaker="SPEAKER_00", text="Hvordan går det?")
    reply = Reply(author="Carl", text="Tak", edited=False, created_at=when)
    entry = Entry(
        id=7, when="0:03", kind="strength", kind_label="Styrke", criteria=["Rapport"],
        author="Sofie", self_reflection=False, text="Godt spørgsmål", edited=False,
        deleted=False, replies=[reply], lines=[line],
    )  # fmt: skip
    counts = [Count(kind="strength", label="Styrker", count=1)]
    return SparringDocument(
        "Samtale", "SAG-1", when, "Carl", [entry], [], counts, has_transcript=True, made_at=when
    )


def test_the_key_names_everything_in_the_pdf_but_when_it_was_made() -> None:
    base = doc()
    key = pdf.key_of("r1", "da", base)
    assert pdf.key_of("r1", "da", replace(base, made_at=datetime.now(UTC))) == key
    entry = base.entries[0]
    changed = [
        replace(base, entries=[replace(entry, text="Godt spørgsmål!")]),
        replace(base, entries=[replace(entry, edited=True)]),
        replace(base, entries=[replace(entry, deleted=True)]),
        replace(base, entries=[replace(entry, kind="question")]),
        replace(base, entries=[replace(entry, criteria=["Afslutning"])]),
        replace(base, entries=[replace(entry, replies=[])]),
        replace(base, entries=[replace(entry, lines=[replace(entry.lines[0], text="[NAVN]")])]),
        replace(base, entries=[entry, replace(entry, id=8)]),
        replace(base, title="Samtale 2"),
        replace(base, caseworker="Carla"),
    ]
    keys = {pdf.key_of("r1", "da", d) for d in changed}
    keys |= {pdf.key_of("r2", "da", base), pdf.key_of("r1", "en", base)}
    assert key not in keys and len(keys) == len(changed) + 2


@pytest.fixture
def recording(db: str, client: TestClient, media: MediaSet) -> str:
    rid, _ = new_recording(client, media)
    share(client, rid, user_id=user_id("supervisor"))
    return rid


def give(who: TestClient, rid: str, text: str, **body: Any) -> int:
    criteria = criterion_ids(who)
    item = {"kind": "strength", "start_seconds": 1.0, "criterion_ids": criteria[:1], "text": text}
    response = who.post(f"/api/v1/recordings/{rid}/feedback", json=item | {"publish": True} | body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_an_unchanged_pdf_is_made_once_and_any_change_makes_it_anew(
    recording: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the real pool: a process of its own, WeasyPrint in it."""
    renderer = pdf.Renderer()
    monkeypatch.setattr(pdf, "renderer", renderer)
    rid, url = recording, f"/recordings/{recording}/sparring.pdf"
    api = f"/api/v1/recordings/{recording}/feedback"
    item = give(client, rid, "Du venter roligt.")
    draft = give(client, rid, "Kladde", publish=False)

    def fetch(lang: str = "da") -> bytes:
        response = client.get(url, params={"lang": lang})
        assert response.status_code == 200, response.text
        assert response.content.startswith(b"%PDF")
        return response.content

    try:
        first = fetch()
        assert fetch() == first and renderer.renders == 1  # from memory, not made again
        changes = [
            lambda: client.patch(f"{api}/{item}", json={"text": "Du venter meget roligt."}),
            lambda: client.post(f"{api}/{item}/replies", json={"text": "Et svar"}),
            lambda: give(client, rid, "Et nyt punkt"),
            lambda: client.post(f"{api}/{draft}/publish"),
            lambda: client.delete(f"{api}/{item}"),
        ]
        seen = {first}
        for n, change in enumerate(changes, start=2):
            change()
            made = fetch()
            assert renderer.renders == n and made not in seen, n
            seen.add(made)
        english = fetch("en")  # the language is in it too
        assert renderer.renders == len(changes) + 2 and english not in seen
        assert fetch("en") == english and renderer.renders == len(changes) + 2
    finally:
        renderer.close()


class Held:
    """A renderer whose PDFs are made only when the test lets them."""

    def __init__(self) -> None:
        self.started, self.go = threading.Event(), threading.Event()

    def __call__(self, html: str) -> bytes:
        self.started.set()
        assert self.go.wait(WAIT)
        return b"%PDF-1.7 " + hashlib.sha256(html.encode()).hexdigest().encode()


def test_one_pdf_at_a_time_per_person_while_the_other_pages_answer(
    recording: str,
    client: TestClient,
    client_for: ClientFor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    held = Held()
    renderer = pdf.Renderer(held, ThreadPoolExecutor(2))
    monkeypatch.setattr(pdf, "renderer", renderer)
    give(client, recording, "Du venter roligt.")
    supervisor = client_for("supervisor")
    url = f"/recordings/{recording}/sparring.pdf"

    async def one_request_thread() -> None:
        to_thread.current_default_thread_limiter().total_tokens = 1

    # The caseworker's browser is served with one request thread in all: a PDF being made
    # in it would hold every other request up.
    client.portal.call(one_request_thread)  # type: ignore[union-attr]
    with ThreadPoolExecutor(4) as browsers:
        try:
            first = browsers.submit(client.get, url, params={"lang": "da"})
            assert held.started.wait(WAIT)
            # The same person again, for the same PDF or another: refused, in words.
            for lang, words in (("da", "ved at blive lavet"), ("en", "still being made")):
                again = browsers.submit(client.get, url, params={"lang": lang}).result(WAIT)
                assert again.status_code == 429, again.text
                assert words in again.text
            # Meanwhile the other pages answer, on the one request thread there is.
            page = browsers.submit(client.get, f"/recordings/{recording}").result(WAIT)
            assert page.status_code == 200
            # Someone else asking for the same document waits for the same PDF.
            theirs = browsers.submit(supervisor.get, url, params={"lang": "da"})
        finally:
            held.go.set()
        made = first.result(WAIT)
        assert made.status_code == 200 and made.content.startswith(b"%PDF")
        assert theirs.result(WAIT).content == made.content
    assert renderer.renders == 1
    # Made: the person may ask again, and gets it from memory.
    assert client.get(url, params={"lang": "da"}).content == made.content
    assert renderer.renders == 1
    renderer.close()
