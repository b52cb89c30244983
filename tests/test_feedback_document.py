"""The sparring document: what it holds (pure), the page and the PDF (WeasyPrint, read back
with poppler's pdftoppm and pdftotext), access, audit, and the page in Chromium."""

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.db import session_scope
from app.feedback import document
from app.feedback.models import (
    CriterionGroupPublic,
    CriterionRef,
    FeedbackGrouped,
    FeedbackKind,
    FeedbackPublic,
    KindCounts,
)
from app.recordings.models import Recording
from app.transcripts import service as transcripts
from app.transcripts.models import Segment
from app.transcripts.placing import lines_for
from tests.support.accounts import ClientFor, live_client, user_id
from tests.support.audit import entries
from tests.support.browser import log_in
from tests.support.factories import Line, ready_recording
from tests.support.feedback import criterion_ids, new_recording
from tests.support.media import MediaSet
from tests.support.recordings import share

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "sparring"
SCRIPT = '<script>alert("x")</script> og <b>fed</b>'
LINES = [
    "Hvordan har du det i skolen?",
    "Det er fint, men frikvarteret er svært.",
    "Fortæl mere om frikvarteret.",
]


# What the document holds: pure ------------------------------------------------------------


def seg(start: float, end: float, text: str = "") -> Segment:
    return Segment(transcript_id=1, position=0, start=start, end=end, machine_text=text)


def test_a_range_goes_with_the_segments_it_overlaps_and_a_point_with_the_one_it_is_in() -> None:
    segments = [seg(0, 2, "a"), seg(2, 4, "b"), seg(5, 7, "c")]
    texts = lambda found: [s.text for s in found]  # noqa: E731
    assert texts(lines_for(segments, 1.0, 3.0)) == ["a", "b"]
    assert texts(lines_for(segments, 2.0, 4.0)) == ["b"]  # touching is not covering
    assert texts(lines_for(segments, 3.5, 6.0)) == ["b", "c"]
    assert texts(lines_for(segments, 2.0, None)) == ["b"]  # a boundary: the next one
    assert texts(lines_for(segments, 7.0, None)) == ["c"]  # the very end
    assert texts(lines_for(segments, 4.5, None)) == ["b"]  # a gap: the line it follows
    assert document.when(65.4, None) == "1:05"
    assert document.when(5, 3725) == "0:05–1:02:05"


def ref(cid: int, da: str, en: str) -> CriterionRef:
    return CriterionRef(id=cid, version=1, name_da=da, name_en=en, retired=False)


def public(fid: int, kind: FeedbackKind | None, text: str, **fields: Any) -> FeedbackPublic:
    values: dict[str, Any] = {
        "id": fid,
        "recording_id": "r1",
        "parent_id": None,
        "author_id": 2,
        "author_name": "Sofie Supervisor",
        "own": False,
        "self_reflection": False,
        "kind": kind,
        "start_seconds": 1.0,
        "end_seconds": None,
        "criteria": [],
        "text": text,
        "draft": False,
        "created_at": datetime(2026, 11, 30, 12, tzinfo=UTC),
        "published_at": None,
        "edited": False,
        "edited_at": None,
        "deleted": False,
        "place": "recording",
        "brought": False,
    }
    return FeedbackPublic(**(values | fields))


def test_build_leaves_drafts_out_and_speaks_the_readers_language() -> None:
    open_q, contact = ref(1, "Åbne spørgsmål", "Open questions"), ref(2, "Kontakt", "Rapport")
    reply = public(4, None, "Tak!", parent_id=1, author_name=None, start_seconds=None)
    strength = public(
        1, FeedbackKind.strength, "God start", criteria=[contact, open_q], replies=[reply]
    )
    question = public(
        2, FeedbackKind.question, "Hvorfor her?", start_seconds=3.0, end_seconds=6.0,
        criteria=[open_q],
    )  # fmt: skip
    draft = public(3, FeedbackKind.development_point, "Kladde", criteria=[open_q], draft=True)
    # A deleted item whose replies stay: shown as deleted, with its replies, counted nowhere.
    kept = public(6, None, "Stadig her", parent_id=5, start_seconds=None)
    gone = public(5, FeedbackKind.strength, "", start_seconds=8.0, deleted=True, replies=[kept])
    grouped = FeedbackGrouped(
        groups=[
            CriterionGroupPublic(
                criterion=contact, counts=KindCounts(strength=1), items=[strength]
            ),
            CriterionGroupPublic(
                criterion=open_q,
                counts=KindCounts(strength=1, development_point=1, question=1),
                items=[strength, draft, question],
            ),
        ],
        counts=KindCounts(strength=1, development_point=1, question=1),
    )
    recording = Recording(
        id="r1", title="Samtale", case_reference="SAG-1", owner_id=1, delete_after="2027-01-01",
        original_filename="a.mp4", stored_name="a", size_bytes=1, sha256="0",
        duration_seconds=10, container="mp4", has_video=True,
    )  # fmt: skip
    segments = [seg(0, 2, "Hej"), seg(2, 5, "Hvordan går det?"), seg(5, 9, "Godt.")]

    def build(lang: str) -> document.SparringDocument:
        return document.build(
            recording=recording,
            caseworker="Karen Sagsbehandler",
            threads=[strength, question, draft, gone],
            grouped=grouped,
            segments=segments,
            lang=lang,
        )

    da, en = build("da"), build("en")
    assert [e.id for e in da.entries] == [1, 2, 5]  # the draft is not handed over
    first, second, deleted = da.entries
    assert deleted.deleted and [r.text for r in deleted.replies] == ["Stadig her"]
    assert (first.when, first.kind_label) == ("0:01", "Styrke")
    assert first.criteria == ["Kontakt", "Åbne spørgsmål"]
    assert [line.text for line in first.lines] == ["Hej"]
    assert (second.when, second.kind_label) == ("0:03–0:06", "Spørgsmål")
    assert [line.text for line in second.lines] == ["Hvordan går det?", "Godt."]
    assert [(r.author, r.text) for r in first.replies] == [("Tidligere bruger", "Tak!")]
    assert [g.name for g in da.groups] == ["Kontakt", "Åbne spørgsmål"]
    assert [(c.label, c.count) for c in da.groups[1].counts] == [
        ("Styrker", 1), ("Udviklingspunkter", 0), ("Spørgsmål", 1),
    ]  # fmt: skip
    assert [e.id for e in da.groups[1].entries] == [1, 2]  # strengths first, no draft
    assert [c.count for c in da.counts] == [1, 0, 1]
    assert en.entries[0].kind_label == "Strength"
    assert en.entries[0].criteria == ["Rapport", "Open questions"]
    assert [g.name for g in en.groups] == ["Rapport", "Open questions"]
    assert en.entries[0].replies[0].author == "A former user"


# The page and the PDF, on SQLite and PostgreSQL --------------------------------------------


@dataclass
class Scene:
    rid: str
    owner: TestClient
    supervisor: TestClient
    texts: dict[str, str] = field(default_factory=dict)


def add_transcript(recording_id: str, duration: float) -> None:
    """A transcript of three lines spread over the recording, as the worker would store."""

    @dataclass
    class Heard:
        start: float
        end: float
        text: str
        words: list[Any] = field(default_factory=list)

    third = duration / 3
    heard = [Heard(i * third, (i + 1) * third, text) for i, text in enumerate(LINES)]
    with session_scope() as session:
        transcripts.replace(
            session=session,
            recording_id=recording_id,
            language="da",
            model_name="test",
            segments=heard,
        )


@pytest.fixture
def scene(db: str, client: TestClient, client_for: ClientFor, media: MediaSet) -> Scene:
    rid, duration = new_recording(client, media)
    add_transcript(rid, duration)
    share(client, rid, user_id=user_id("supervisor"))
    supervisor = client_for("supervisor")
    criteria = criterion_ids(client)
    base = f"/api/v1/recordings/{rid}/feedback"

    def add(who: TestClient, **body: Any) -> int:
        response = who.post(base, json={"publish": True, "criterion_ids": criteria[:1]} | body)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    third = duration / 3
    strength = add(
        supervisor, kind="strength", start_seconds=third * 0.5, end_seconds=third * 1.5,
        criterion_ids=criteria[2:4], text="Du venter roligt på barnets svar.",
    )  # fmt: skip
    add(supervisor, kind="question", start_seconds=third * 2.5, text=SCRIPT)
    add(supervisor, kind="development_point", start_seconds=third * 2.2, text="Kladden her",
        publish=False)  # fmt: skip
    reply = client.post(f"{base}/{strength}/replies", json={"text": "Tak, det prøver jeg igen."})
    assert reply.status_code == 201, reply.text
    return Scene(rid=rid, owner=client, supervisor=supervisor)


def pdf_text(tmp_path: Path, body: bytes, name: str) -> tuple[str, list[Path]]:
    """The PDF's text (pdftotext) and its pages as PNG (pdftoppm): it opens and renders."""
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(body)
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(tmp_path / name)], check=True)
    pages = sorted(tmp_path.glob(f"{name}-*.png"))
    assert pages, "pdftoppm rendered no page"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for page in pages:
        shutil.copy(page, ARTIFACTS / page.name)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return " ".join(text.split()), pages


def test_the_pdf_holds_feedback_criteria_kinds_and_transcript_lines(
    scene: Scene, db: str, tmp_path: Path
) -> None:
    url = f"/recordings/{scene.rid}/sparring.pdf"
    response = scene.owner.get(url, params={"lang": "da"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "no-store" in response.headers["cache-control"]
    assert response.headers["content-disposition"].endswith('-sparring.pdf"')
    assert response.content.startswith(b"%PDF")
    text, _ = pdf_text(tmp_path, response.content, f"da-{db}")
    for expected in (
        "Samtale om skolen", "SAG-2026-001", "Du venter roligt på barnets svar.",
        "Fri fortælling", "Åbne spørgsmål", "Styrke", "Spørgsmål", "Styrker",
        "Udviklingspunkter", *LINES, "Tak, det prøver jeg igen.", SCRIPT,
    ):  # fmt: skip
        assert expected in text, f"{expected!r} not in the PDF: {text}"
    assert "Kladden her" not in text  # drafts are not handed over
    assert [e.detail for e in entries(action="download", recording_id=scene.rid)] == [
        "sparring.pdf"
    ]

    english = scene.supervisor.get(url, params={"lang": "en"})
    assert english.status_code == 200
    text, _ = pdf_text(tmp_path, english.content, f"en-{db}")
    for expected in (
        "Free narrative", "Open questioning", "Strength", "Question", "Development points",
        "Feedback in time order", "Feedback by criterion", *LINES, SCRIPT,
    ):  # fmt: skip
        assert expected in text, f"{expected!r} not in the English PDF: {text}"


def test_the_page_escapes_feedback_and_links_its_pdf(scene: Scene, db: str) -> None:
    page = scene.owner.get(f"/recordings/{scene.rid}/sparring", params={"lang": "da"})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; og &lt;b&gt;fed&lt;/b&gt;" in html
    assert "<script" not in html and "<b>fed" not in html
    assert f'href="/recordings/{scene.rid}/sparring.pdf?lang=da"' in html
    assert "Hent PDF" in html and "Du venter roligt" in html and LINES[2] in html
    assert "Kladden her" not in html
    assert [
        e.detail for e in entries(action="view", recording_id=scene.rid) if e.detail == "sparring"
    ]
    english = scene.owner.get(f"/recordings/{scene.rid}/sparring", params={"lang": "en"})
    assert "Download PDF" in english.text and "Feedback in time order" in english.text


def test_someone_who_may_not_see_the_recording_gets_404(
    scene: Scene, db: str, client_for: ClientFor
) -> None:
    other = client_for("caseworker2")
    for suffix in ("sparring", "sparring.pdf"):
        response = other.get(f"/recordings/{scene.rid}/{suffix}")
        assert response.status_code == 404
        assert "Du venter roligt" not in response.text
    assert not entries(action="download", recording_id=scene.rid)


def test_items_between_lines_appear_with_the_line_they_follow(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    """Issue 19: supervisors press F just after they hear something. A strength a moment
    before a line starts and a question in a one-second pause are shown with the line they
    follow, not left without their excerpt."""
    said = [
        Line(0.5, 6.0, "Hej, jeg hedder Mette."),
        Line(6.5, 14.0, "I dag skal vi tale om skolen."),
        Line(15.0, 20.0, "Hvordan har du det i frikvarteret?"),
    ]
    rid = ready_recording(client, media, seconds=30, lines=said)
    share(client, rid, user_id=user_id("supervisor"))
    supervisor = client_for("supervisor")
    criteria = criterion_ids(client)

    def add(**body: Any) -> int:
        response = supervisor.post(
            f"/api/v1/recordings/{rid}/feedback",
            json={"publish": True, "criterion_ids": criteria[:1]} | body,
        )
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    early = add(kind="strength", start_seconds=6.47, text="Godt at du præsenterer dig.")
    pause = add(kind="question", start_seconds=14.5, text="Hvorfor pausen her?")
    inside = add(kind="development_point", start_seconds=16.0, text="Spørg mere åbent.")
    html = client.get(f"/recordings/{rid}/sparring", params={"lang": "da"}).text

    def excerpt(item: int) -> list[str]:
        found = re.search(rf'id="item-{item}".*?</article>', html, re.S)
        assert found, f"item {item} is not in the document"
        return [
            " ".join(text.split())
            for text in re.findall(r'<p class="line">.*?</span>\s*(.*?)</p>', found[0], re.S)
        ]

    assert excerpt(early) == [said[0].text]
    assert excerpt(pause) == [said[1].text]
    assert excerpt(inside) == [said[2].text]


# The page in Chromium ------------------------------------------------------------------------


@pytest.fixture
def live_scene(shared_db: str, media: MediaSet) -> Iterator[tuple[str, str]]:
    owner = live_client(shared_db)
    rid, duration = new_recording(owner, media)  # type: ignore[arg-type]
    add_transcript(rid, duration)
    criteria = [c["id"] for c in owner.get("/api/v1/criteria").json()["criteria"]]
    for kind, at, text in (
        ("strength", 0.2, "Du spejler barnets ord, og barnet fortsætter."),
        ("development_point", 0.45, "Her kunne et åbent spørgsmål give barnet mere plads."),
        ("question", 0.8, SCRIPT),
    ):
        body = {"kind": kind, "start_seconds": duration * at, "criterion_ids": criteria[3:5],
                "text": text, "publish": True}  # fmt: skip
        assert owner.post(f"/api/v1/recordings/{rid}/feedback", json=body).status_code == 201
    yield shared_db, rid
    owner.close()


@pytest.mark.browser
def test_printable_page_in_chromium(browser: Any, live_scene: tuple[str, str]) -> None:
    base, rid = live_scene
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="da-DK")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, base, "caseworker")
    page.goto(f"{base}/recordings/{rid}/sparring")
    assert page.locator(".item").count() == 3
    assert page.locator(".item-text").last.inner_text() == SCRIPT  # shown, never run
    assert page.locator("#download-pdf").is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-1366.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.locator("#download-pdf").is_visible()  # the print leaves the toolbar out
    page.screenshot(path=str(ARTIFACTS / "page-print.png"), full_page=True)
    assert errors == []
    context.close()
