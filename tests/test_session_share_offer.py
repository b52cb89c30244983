"""Issue 19, point 7: team sessions need one place. The caseworker who plans a session on a
clip or recording not yet shared with the participants is offered the share on the plan
form (saying what they will see), and on the session page a "share with them" for those
still waiting; a supervisor who plans is offered nothing and cannot share through it.

The same rules as the recording page's share form: each share is audited and told to the
people it reaches; a team session's team gets a team share."""

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlmodel import select

from app.access.models import Share
from app.core.db import session_scope
from app.core.timeutil import to_local, utcnow
from app.feedback.models import Notification
from app.sessions.models import SparringSession
from tests.support import clips
from tests.support.accounts import ClientFor, make_team, user_id
from tests.support.audit import entries
from tests.support.factories import ready_recording
from tests.support.media import MediaSet
from tests.support.protection import approve_protected
from tests.support.sessions import make_clip, plan


def form(client: TestClient, **fields: object) -> dict[str, object]:
    return {"csrf_token": client.cookies.get("vs_csrf")} | fields


def local(hours: float) -> str:
    return to_local(utcnow() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def shares_of(recording_id: str) -> list[tuple[int | None, int | None, int | None]]:
    """(clip, person, team) of each share of the recording."""
    with session_scope() as session:
        rows = session.exec(select(Share).where(Share.recording_id == recording_id)).all()
        return sorted(
            ((r.clip_id, r.user_id, r.team_id) for r in rows), key=lambda t: tuple(map(str, t))
        )


def sessions_count() -> int:
    with session_scope() as session:
        return len(session.exec(select(SparringSession)).all())


@pytest.fixture
def rid(sqlite_db: str, client: TestClient, media: MediaSet) -> str:
    return ready_recording(client, media, title="Samtale om skolen XQ7", seconds=20)


def test_the_plan_form_offers_the_share_and_says_what_they_will_see(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    clip = make_clip(rid, user_id("caseworker"), start=2.0, end=8.0)
    page = client.get("/sessions/new")
    assert page.status_code == 200
    assert 'id="share-offer"' in page.text and 'name="share"' in page.text
    assert "aldrig resten af optagelsen" in page.text  # what a clip share shows
    assert "hele videoen og udskriften" in page.text  # what a recording share shows
    assert re.search(rf'value="{rid}:{clip}" data-media="clip"', page.text)
    # A supervisor does not own what they plan on: no offer.
    assert 'id="share-offer"' not in client_for("supervisor").get("/sessions/new").text


def test_a_team_session_on_an_unshared_clip_shared_in_the_same_step(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    # Cut for real: the team's members are given its protected variant, made from the cut.
    clip = clips.make_clip(client, rid, start=2.0, end=8.0)
    assert clips.cut_clips() == ["succeeded"]
    team = make_team("Team Syd", [user_id("supervisor"), user_id("caseworker2")])
    since = entries()[-1].seq
    fields = {
        "media": f"{rid}:{clip}",
        "kind": "team",
        "team_id": str(team),
        "starts_at": local(3),
        "question": "Hvordan åbner jeg?",
        "share": "1",
    }
    # A team gets the clip's protected variant only once the caseworker has approved it:
    # until then the plan with the share is refused with that message, and nothing is made.
    before = sessions_count()
    body = {
        "kind": "team",
        "recording_id": rid,
        "clip_id": clip,
        "team_id": team,
        "starts_at": (utcnow() + timedelta(hours=3)).isoformat(),
        "share": True,
    }
    early = client.post("/api/v1/sessions", json=body)
    assert (early.status_code, early.json()["code"]) == (409, "share.protected_not_approved")
    refused = client.post("/sessions/new", data=form(client, **fields), follow_redirects=False)
    assert refused.status_code == 409, refused.text
    assert str(escape(early.json()["detail"])) in refused.text
    assert sessions_count() == before
    assert shares_of(rid) == []
    assert entries(since, action="share") == []

    approve_protected(clip)
    sent = client.post("/sessions/new", data=form(client, **fields), follow_redirects=False)
    assert sent.status_code == 303, sent.text
    url = sent.headers["location"]
    # One team share of the clip, nothing of the recording itself.
    assert shares_of(rid) == [(clip, None, team)]
    for member in ("supervisor", "caseworker2"):
        seen = client_for(member).get(url)
        assert seen.status_code == 200 and f"/api/v1/clips/{clip}/media" in seen.text, member
        assert 'id="waiting"' not in seen.text
        played = client_for(member).get(f"/api/v1/clips/{clip}/media")
        assert played.status_code == 200, member
        # The protected variant, never the clip as cut.
        assert played.content != client.get(f"/api/v1/clips/{clip}/media").content, member
    # The caseworker's page has no one left waiting.
    assert 'id="share-waiting"' not in client.get(url).text
    shared = entries(since, action="share")
    assert [e.detail for e in shared] == [f"clip {clip} team {team} protected"]
    with session_scope() as session:
        told = session.exec(
            select(Notification).where(Notification.user_id == user_id("caseworker2"))
        ).all()
    assert told, "the share is told to the member it reached"


def test_without_the_share_they_wait_until_the_session_page_shares_it(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    session_id = plan(client, rid, [user_id("supervisor"), user_id("caseworker2")])["id"]
    url = f"/sessions/{session_id}"
    supervisor = client_for("supervisor")
    assert 'id="waiting"' in supervisor.get(url).text
    own = client.get(url).text
    assert 'id="share-waiting"' in own
    assert "2 deltagere venter på, at du deler optagelsen." in own
    # Only the caseworker shares: the supervisor (a participant) is refused, nothing changes.
    refused = supervisor.post(f"{url}/share", data=form(supervisor), follow_redirects=False)
    assert refused.status_code == 403
    assert shares_of(rid) == []
    done = client.post(f"{url}/share", data=form(client), follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"].endswith("?saved=shared#participants")
    assert sorted(shares_of(rid)) == sorted(
        [(None, user_id("supervisor"), None), (None, user_id("caseworker2"), None)]
    )
    assert 'id="share-done"' in client.get(done.headers["location"]).text
    assert f"/api/v1/recordings/{rid}/media" in supervisor.get(url).text
    # Nothing left to share: the form is gone, and posting again shares nothing twice.
    assert 'id="share-waiting"' not in client.get(url).text
    again = client.post(f"{url}/share", data=form(client), follow_redirects=False)
    assert again.status_code == 303 and len(shares_of(rid)) == 2


def test_a_supervisor_planning_with_share_is_refused_and_nothing_is_made(
    rid: str, client: TestClient, client_for: ClientFor
) -> None:
    supervisor = client_for("supervisor")
    # The supervisor sees the recording (shared with them) and may plan on it.
    assert client.post(
        f"/api/v1/recordings/{rid}/shares", json={"user_id": user_id("supervisor")}
    ).is_success
    before = sessions_count()
    answer = supervisor.post(
        "/api/v1/sessions",
        json={
            "kind": "individual",
            "recording_id": rid,
            "user_ids": [user_id("caseworker2")],
            "starts_at": (utcnow() + timedelta(hours=2)).isoformat(),
            "share": True,
        },
    )
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "session.share_not_caseworker"
    assert sessions_count() == before
    assert shares_of(rid) == [(None, user_id("supervisor"), None)]
