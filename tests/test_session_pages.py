"""The session pages without JavaScript: plan, the page each participant sees, the round,
the close, learning points over time; and what a participant without the share never gets."""

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.core.db import session_scope
from app.core.timeutil import to_local, utcnow
from app.sessions.models import SparringSession
from tests.support.accounts import ClientFor, user_id
from tests.support.audit import entries
from tests.support.factories import ready_recording
from tests.support.media import MediaSet
from tests.support.recordings import share
from tests.support.sessions import make_clip, plan, share_clip


def form(client: TestClient, **fields: object) -> dict[str, object]:
    return {"csrf_token": client.cookies.get("vs_csrf")} | fields


def local(hours: float) -> str:
    return to_local(utcnow() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def rid(sqlite_db: str, client: TestClient, media: MediaSet) -> str:
    return ready_recording(client, media, title="Samtale om skolen XQ9", seconds=20)


def test_plan_from_the_form_then_the_page_waits_for_the_share(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    page = client.get("/sessions/new")
    assert page.status_code == 200 and f'value="{rid}"' in page.text
    sent = client.post(
        "/sessions/new",
        data=form(
            client,
            media=rid,
            kind="individual",
            user_id=[str(user_id("supervisor"))],
            starts_at=local(3),
            question="Hvordan åbner jeg samtalen?",
        ),
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    url = sent.headers["location"]
    own = client.get(url)
    assert own.status_code == 200
    assert f"/api/v1/recordings/{rid}/media" in own.text and 'id="present"' in own.text
    assert "Hvordan åbner jeg samtalen?" in own.text
    supervisor = client_for("supervisor")
    waiting = supervisor.get(url)
    assert waiting.status_code == 200 and 'id="waiting"' in waiting.text
    # Nothing of the recording: no media, no title, no transcript.
    assert "/media" not in waiting.text and "XQ9" not in waiting.text
    assert "Hej, jeg hedder Mette" not in waiting.text
    share(client, rid, user_id=user_id("supervisor"))
    shown = supervisor.get(url)
    assert f"/api/v1/recordings/{rid}/media" in shown.text and "Hej, jeg hedder Mette" in shown.text
    assert client_for("caseworker2").get(url).status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"user_id": []}, "besides the caseworker"),
        ({"starts_at": "yesterday"}, "The time has passed"),
        ({"starts_at": ""}, "Choose a date and time"),
        ({"starts_at": "9999-12-31T23:59"}, "The time is too far ahead"),  # issue 18
        ({"media": ""}, "Choose the recording or clip"),
        ({"user_id": ["abc"]}, "does not exist or cannot take part"),
        ({"question": "x" * 5000}, "too long"),
    ],
)
def test_a_refused_plan_shows_the_form_again_with_the_message(
    rid: str, client: TestClient, fields: dict, message: str
) -> None:
    client.cookies.set("vs_lang", "en")
    data = {
        "media": rid,
        "kind": "team",
        "user_id": [str(user_id("supervisor"))],
        "starts_at": local(3),
        "question": "Mit spørgsmål",
    } | fields
    if data["starts_at"] == "yesterday":
        data["starts_at"] = local(-24)
    answer = client.post(
        "/sessions/new", data=form(client, **data), headers={"Accept-Language": "en"}
    )
    assert answer.status_code == 422, answer.text
    assert message in answer.text and 'id="plan-error"' in answer.text
    assert re.search(r'value="team"\s+checked', answer.text)  # what was typed stays
    with session_scope() as session:
        assert session.exec(select(SparringSession)).first() is None


def test_a_clip_session_shows_the_clip_alone(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    clip_id = make_clip(rid, user_id("caseworker"), start=6.5, end=14.0)
    share(client, rid, user_id=user_id("supervisor"))  # the whole recording: not the clip
    planned = plan(client, rid, [user_id("supervisor")], clip_id=clip_id, kind="team")
    supervisor = client_for("supervisor")
    url = f"/sessions/{planned['id']}"
    assert 'id="waiting"' in supervisor.get(url).text
    assert f'value="{rid}:{clip_id}"' in client.get("/sessions/new").text
    assert f'value="{rid}:{clip_id}"' not in supervisor.get("/sessions/new").text
    share_clip(clip_id, user_id("supervisor"), by=user_id("caseworker"))
    assert f'value="{rid}:{clip_id}"' in supervisor.get("/sessions/new").text
    shown = supervisor.get(url).text
    assert f"/api/v1/clips/{clip_id}/media" in shown
    assert f"/api/v1/recordings/{rid}/media" not in shown
    assert "I dag skal vi tale om" in shown  # the clip's own transcript
    assert "Kan du fortælle mig" not in shown  # after the clip


def test_round_summary_close_and_learning_points_over_time(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    planned = plan(client, rid, [user_id("supervisor")])
    base = f"/sessions/{planned['id']}"
    moved = client.post(f"{base}/round", data=form(client, action="next"), follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"].endswith("#round")
    page = client.get(base).text
    assert 'aria-current="step"' in page and "Søren Supervisor" in page
    supervisor = client_for("supervisor")
    refused = supervisor.post(f"{base}/round", data=form(supervisor, action="next"))
    assert refused.status_code == 403
    points = "Vent på barnets svar."
    saved = client.post(
        f"{base}/summary",
        data=form(client, summary="Godt møde", learning_points=points),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    # What is said in the session follows the recording: shown once it is shared with them.
    assert points not in supervisor.get(base).text
    share(client, rid, user_id=user_id("supervisor"))
    assert points in supervisor.get(base).text
    assert (
        client.post(f"{base}/close", data=form(client), follow_redirects=False).status_code == 303
    )
    listing = client.get("/sessions").text
    assert 'id="learning"' in listing and points in listing and 'id="past"' in listing
    # The next plan starts from the last learning points.
    assert points in client.get("/sessions/new").text
    # Removing a participant from the page: out at once.
    second = plan(client, rid, [user_id("supervisor"), user_id("caseworker2")])
    remove = f"/sessions/{second['id']}/participants/{user_id('caseworker2')}/remove"
    assert client.post(remove, data=form(client), follow_redirects=False).status_code == 303
    other = client_for("caseworker2")
    assert other.get(f"/sessions/{second['id']}").status_code == 404
    assert f'value="user:{user_id("caseworker2")}"' in client.get(f"/sessions/{second['id']}").text
    target = f"user:{user_id('caseworker2')}"
    add = f"/sessions/{second['id']}/participants"
    assert (
        client.post(add, data=form(client, target=target), follow_redirects=False).status_code
        == 303
    )
    assert other.get(f"/sessions/{second['id']}").status_code == 200
    unknown = client.post(add, data=form(client, target="user:abc"))
    assert unknown.status_code == 422 and "findes ikke eller kan ikke deltage" in unknown.text


def test_each_participant_joining_is_audited_once(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    planned = plan(client, rid, [user_id("supervisor")])
    supervisor = client_for("supervisor")
    for _ in range(3):
        assert supervisor.get(f"/sessions/{planned['id']}").status_code == 200
        assert supervisor.get(f"/api/v1/sessions/{planned['id']}").status_code == 200
    joined = entries(actor_id=user_id("supervisor"), detail=f"session {planned['id']}")
    assert len(joined) == 1


def test_leaders_and_administrators_plan_nothing(sqlite_db: str, client_for: ClientFor) -> None:
    assert client_for("leader").get("/sessions").status_code == 403
    assert client_for("leader").get("/sessions/new").status_code == 403
    assert client_for("administrator").get("/sessions/new").status_code == 403
    assert client_for("administrator").get("/sessions").status_code == 200
