"""The recording page's feedback as the server renders it, and its forms without JavaScript:
every item a marker, the first threads with the page and the rest as a fragment, filters,
drafts, replies, edits and deletes by form post, bad input refused with nothing stored.
(tests/test_feedback_browser.py drives the same page in Chromium.)"""

import json
import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from app.core.db import session_scope
from app.feedback.models import Feedback
from app.feedback.view import FIRST_THREADS
from tests.support.accounts import ClientFor, user_id
from tests.support.factories import ready_recording
from tests.support.feedback import criterion_ids
from tests.support.media import MediaSet
from tests.support.recordings import share


@dataclass
class Scene:
    rid: str
    owner: TestClient
    supervisor: TestClient
    other: TestClient  # another caseworker: sees nothing of it
    criteria: list[int]


@pytest.fixture
def scene(sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet) -> Scene:
    """A ready recording of the caseworker's, shared with the supervisor."""
    rid = ready_recording(client, media, seconds=60)
    share(client, rid, user_id=user_id("supervisor"))
    others = client_for("supervisor"), client_for("caseworker2")
    return Scene(rid, client, *others, criterion_ids(client))


def add(client: TestClient, rid: str, criteria: list[int], **fields: object) -> dict:
    body = {"kind": "strength", "start_seconds": 5.0, "criterion_ids": criteria[:1]}
    body |= {"text": "God kontakt.", "publish": True} | fields
    response = client.post(f"/api/v1/recordings/{rid}/feedback", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def markers(html: str) -> list[dict]:
    found = re.search(r'<script id="markers" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the page carries no markers"
    data = json.loads(found[1])
    assert all(str(c) in data["names"] for m in data["items"] for c in m["criteria"])
    return data["items"]


def articles(html: str) -> list[str]:
    return re.findall(r'<article class="fb[^"]*"\s+id="fb-(\d+)"', html)


def count_feedback() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Feedback)).one()


def test_every_item_is_a_marker_and_the_first_threads_come_with_the_page(scene: Scene) -> None:
    rid, supervisor, crit = scene.rid, scene.supervisor, scene.criteria
    made = [
        add(supervisor, rid, crit, start_seconds=float(i), text=f"Punkt {i}") for i in range(40)
    ]
    ranged = add(supervisor, rid, crit, start_seconds=10.0, end_seconds=20.0, kind="question")
    page = supervisor.get(f"/recordings/{rid}")
    assert page.status_code == 200
    drawn = {m["id"]: m for m in markers(page.text)}
    assert set(drawn) == {m["id"] for m in made} | {ranged["id"]}
    assert (drawn[ranged["id"]]["start"], drawn[ranged["id"]]["end"]) == (10.0, 20.0)
    assert drawn[ranged["id"]]["kind"] == "question"
    shown = articles(page.text)
    assert len(shown) == FIRST_THREADS
    # The rest is one fragment away, in time order, and ?all=1 renders everything at once.
    rest = supervisor.get(f"/recordings/{rid}/feedback/threads?offset={FIRST_THREADS}")
    assert rest.status_code == 200
    assert len(articles(rest.text)) == 41 - FIRST_THREADS
    assert "<html" not in rest.text
    assert len(articles(supervisor.get(f"/recordings/{rid}?all=1").text)) == 41


def test_filters_narrow_the_list_on_the_server(scene: Scene) -> None:
    rid, supervisor, owner, crit = scene.rid, scene.supervisor, scene.owner, scene.criteria
    strength = add(supervisor, rid, crit, kind="strength", criterion_ids=[crit[0]])
    question = add(supervisor, rid, crit, kind="question", criterion_ids=[crit[1]])
    own = add(owner, rid, crit, kind="development_point", text="Jeg var usikker her.")
    draft = add(supervisor, rid, crit, publish=False, text="Supervisorens kladde XQ")

    def shown(query: str, client: TestClient = supervisor) -> set[int]:
        html = client.get(f"/recordings/{rid}?{query}").text
        return {int(i) for i in articles(html)}

    assert shown("kind=question") == {question["id"]}
    assert shown(f"criterion={crit[1]}") == {question["id"]}
    assert shown(f"author={user_id('caseworker')}") == {own["id"]}
    assert shown("state=draft") == {draft["id"]}
    assert shown("") == {strength["id"], question["id"], own["id"], draft["id"]}
    assert shown("kind=nonsense&criterion=abc") == shown("")  # an unknown value is ignored
    # The supervisor's draft is theirs alone: not on the caseworker's page, not a marker.
    owner_page = owner.get(f"/recordings/{rid}").text
    assert draft["id"] not in {m["id"] for m in markers(owner_page)}
    assert "Supervisorens kladde XQ" not in owner_page


def test_feedback_by_form_post_without_javascript(scene: Scene) -> None:
    rid, supervisor, crit = scene.rid, scene.supervisor, scene.criteria
    page = supervisor.get(f"/recordings/{rid}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    form = {
        "csrf_token": csrf[1],
        "start": "0:12.5",
        "end": "0:20",
        "kind": "development_point",
        "criterion_ids": [str(crit[0]), str(crit[2])],
        "text": "Her kunne et åbent spørgsmål <script>alert(1)</script> hjælpe.",
    }
    sent = supervisor.post(f"/recordings/{rid}/feedback", data=form, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    item = supervisor.get(f"/api/v1/recordings/{rid}/feedback").json()["items"][0]
    assert (
        sent.headers["location"] == f"/recordings/{rid}?t=12.500&item={item['id']}#fb-{item['id']}"
    )
    assert (item["start_seconds"], item["end_seconds"], item["draft"]) == (12.5, 20.0, True)
    assert [c["id"] for c in item["criteria"]] == [crit[0], crit[2]]
    html = supervisor.get(f"/recordings/{rid}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html

    publish = {"csrf_token": csrf[1]}
    assert supervisor.post(f"/recordings/{rid}/feedback/publish", data=publish).status_code == 200
    owner = scene.owner
    owner_csrf = re.search(
        r'name="csrf_token" value="([^"]+)"', owner.get(f"/recordings/{rid}").text
    )
    assert owner_csrf
    reply = owner.post(
        f"/recordings/{rid}/feedback/{item['id']}/replies",
        data={"csrf_token": owner_csrf[1], "text": "Tak, det prøver jeg."},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    edited = supervisor.post(
        f"/recordings/{rid}/feedback/{item['id']}/edit",
        data={"csrf_token": csrf[1], "text": "Et åbent spørgsmål kunne hjælpe."},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    thread = supervisor.get(f"/recordings/{rid}/feedback/threads/{item['id']}").text
    assert "Et åbent spørgsmål kunne hjælpe." in thread and "Tak, det prøver jeg." in thread
    assert 'class="edited"' in thread
    # Deleting the first item keeps the reply readable.
    gone = supervisor.post(
        f"/recordings/{rid}/feedback/{item['id']}/delete",
        data={"csrf_token": csrf[1]},
        follow_redirects=False,
    )
    assert gone.status_code == 303
    thread = owner.get(f"/recordings/{rid}/feedback/threads/{item['id']}").text
    assert "Tak, det prøver jeg." in thread and "Et åbent spørgsmål" not in thread


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"start": "ti sekunder"}, 422, "minutter:sekunder"),
        ({"start": "5:00"}, 422, "uden for optagelsen"),
        ({"start": "0:30", "end": "0:10"}, 422, "før starten"),
        ({"kind": ""}, 422, "Vælg typen"),
        ({"criterion_ids": []}, 422, "mindst ét kriteri"),
        ({"text": "   "}, 422, "Skriv en tekst"),
    ],
)
def test_bad_form_input_is_refused_in_danish_and_stores_nothing(
    scene: Scene, fields: dict, status: int, words: str
) -> None:
    rid, supervisor, crit = scene.rid, scene.supervisor, scene.criteria
    csrf = re.search(
        r'name="csrf_token" value="([^"]+)"', supervisor.get(f"/recordings/{rid}").text
    )
    assert csrf
    form = {
        "csrf_token": csrf[1],
        "start": "0:05",
        "kind": "strength",
        "criterion_ids": [str(crit[0])],
        "text": "Godt.",
    } | fields
    sent = supervisor.post(
        f"/recordings/{rid}/feedback", data=form, headers={"Accept": "text/html"}
    )
    assert sent.status_code == status, sent.text
    assert words.lower() in sent.text.lower(), sent.text[:2000]
    assert count_feedback() == 0


def test_fragments_follow_the_access_rules(scene: Scene) -> None:
    rid, supervisor, other, crit = scene.rid, scene.supervisor, scene.other, scene.criteria
    item = add(supervisor, rid, crit)
    draft = add(supervisor, rid, crit, publish=False)
    assert other.get(f"/recordings/{rid}/feedback/threads").status_code == 404
    assert other.get(f"/recordings/{rid}/feedback/threads/{item['id']}").status_code == 404
    # Someone else's draft does not exist for the caseworker.
    assert scene.owner.get(f"/recordings/{rid}/feedback/threads/{draft['id']}").status_code == 404


def test_a_long_transcript_comes_with_its_first_screen_and_the_rest_in_pages(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    """The page renders the transcript's first lines; the rest come as fragments in order
    (the page's script adds them), and ?all=1 renders every line for a browser without
    JavaScript. Someone the recording is not shared with gets nothing."""
    from app.player.view import FIRST_LINES
    from tests.support.factories import Line

    lines = [Line(i * 0.4, i * 0.4 + 0.3, f"Linje nummer {i}.") for i in range(FIRST_LINES + 25)]
    rid = ready_recording(client, media, seconds=60, lines=lines)
    share(client, rid, user_id=user_id("supervisor"))
    supervisor = client_for("supervisor")

    def numbers(html: str) -> list[int]:
        return [int(n) for n in re.findall(r'<span class="text">Linje nummer (\d+)\.</span>', html)]

    page = supervisor.get(f"/recordings/{rid}").text
    assert numbers(page) == list(range(FIRST_LINES))
    assert f'id="more-segments" data-offset="{FIRST_LINES}" data-total="{len(lines)}"' in page
    assert "all=1#transcript" in page
    rest = supervisor.get(f"/recordings/{rid}/transcript/lines?offset={FIRST_LINES}&limit=10")
    assert rest.status_code == 200 and numbers(rest.text) == list(
        range(FIRST_LINES, FIRST_LINES + 10)
    )
    assert 'class="segment-form"' not in rest.text  # only the caseworker corrects lines
    own = client.get(f"/recordings/{rid}/transcript/lines?offset={len(lines) - 1}")
    assert numbers(own.text) == [len(lines) - 1] and 'class="segment-form"' in own.text
    everything = supervisor.get(f"/recordings/{rid}?all=1").text
    assert numbers(everything) == list(range(len(lines))) and "more-segments" not in everything
    assert client_for("caseworker2").get(f"/recordings/{rid}/transcript/lines").status_code == 404
    assert supervisor.get(f"/recordings/{rid}/transcript/lines?limit=0").status_code == 422
