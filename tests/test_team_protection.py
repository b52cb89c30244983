"""Issue 24: what a team sees protects the child. A team member only ever gets a clip's
protected variant: its blurred file and poster, its transcript, the feedback read through it,
its sparring document and a team session on it with names and numbers hidden; never the clip
itself nor the recording, whatever route or parameter they try. The caseworker reviews the
hidden words (shows one, hides more) and approves the variant before a team gets it; a person
named in a share gets the clip itself unless the share says otherwise; the log says which
variant was seen."""

import hashlib
import json

from fastapi.testclient import TestClient
from sqlmodel import select

from app.clips.models import Clip
from app.core.db import session_scope
from app.jobs.models import PROTECT_CLIP, Job, JobStatus
from app.main import app
from tests.support.accounts import ClientFor, make_team, user_id
from tests.support.audit import entries
from tests.support.clips import cut_clip, cut_clips, make_clip, share_clip
from tests.support.factories import ready_recording
from tests.support.feedback import criterion_ids, give
from tests.support.live import Scene, joined
from tests.support.media import MediaSet
from tests.support.protection import approve_protected
from tests.support.sessions import plan

CPR = "070512-1234"


def form(client: TestClient, **fields: object) -> dict[str, object]:
    return {"csrf_token": client.cookies.get("vs_csrf")} | fields


def clip_row(clip_id: int) -> Clip:
    with session_scope() as session:
        clip = session.get(Clip, clip_id)
        assert clip is not None
        session.expunge(clip)
        return clip


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def shared_with_team(client: TestClient, media: MediaSet) -> tuple[str, int, int]:
    """The caseworker's clip (0:05-0:30: "Mette", "skolen", "veninde") with the father
    named on the recording, feedback through the clip naming the child and a CPR number,
    approved and shared with a team holding the supervisor; (recording, clip, team)."""
    recording_id = ready_recording(client, media)
    clip_id = make_clip(client, recording_id, 0.0, 30.0)
    assert cut_clips() == ["succeeded"]
    names = {"names": "Lise Hansen\nSkolen ved Søen", "clip_id": clip_id}
    answer = client.post(
        f"/recordings/{recording_id}/person-names",
        data=form(client, **names),
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    criterion = criterion_ids(client)[0]
    give(
        client, f"/api/v1/clips/{clip_id}/feedback", criterion, 1.0, f"Lise ({CPR}) fortæller frit."
    )
    team = make_team("Team Øst", [user_id("supervisor")])
    share_clip(client, clip_id, team_id=team)
    return recording_id, clip_id, team


def test_a_team_member_gets_only_the_protected_variant_on_every_route(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id, clip_id, _ = shared_with_team(client, media)
    clip = clip_row(clip_id)
    member = client_for("supervisor")
    base = f"/api/v1/clips/{clip_id}"

    own = client.get(f"{base}/media").content
    team_file = member.get(f"{base}/media")
    assert team_file.status_code == 200
    assert team_file.headers["content-type"] == "video/mp4"
    assert team_file.headers["content-disposition"] == "inline"
    # Not the clip itself, whatever they ask for: the caseworker's preview is the same file.
    assert sha(team_file.content) != sha(own)
    for asked in ("?variant=original", "?variant=team", "?variant="):
        assert sha(member.get(f"{base}/media{asked}").content) == sha(team_file.content)
    assert sha(client.get(f"{base}/media?variant=team").content) == sha(team_file.content)
    ranged = member.get(f"{base}/media", headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and ranged.content == team_file.content[:100]
    poster = member.get(f"{base}/poster")
    assert poster.status_code == 200
    assert sha(poster.content) != sha(client.get(f"{base}/poster").content)
    assert clip.protected_poster_name and clip.protected_poster_name.startswith("team-")

    # The recording is not theirs, by any route.
    for route in ("", "/media", "/poster", "/transcript", "/feedback", "/clips"):
        assert member.get(f"/api/v1/recordings/{recording_id}{route}").status_code == 404
    assert member.get(f"/recordings/{recording_id}").status_code == 404
    assert member.get(f"/recordings/{recording_id}/sparring").status_code == 404

    # What they read: names and numbers hidden.
    lines = member.get(f"{base}/transcript").json()["segments"]
    text = " ".join(line["text"] for line in lines)
    own_text = " ".join(
        line["text"] for line in client.get(f"{base}/transcript").json()["segments"]
    )
    assert "Mette" in own_text and "Mette" not in text and "[navn]" in text
    items = member.get(f"{base}/feedback").json()["items"]
    said = " ".join(i["text"] for i in items)
    assert CPR not in said and "Lise" not in said and "[CPR-nr.]" in said and "[navn]" in said
    own_items = " ".join(i["text"] for i in client.get(f"{base}/feedback").json()["items"])
    assert CPR in own_items

    page = member.get(f"/clips/{clip_id}").text
    assert CPR not in page and "Lise" not in page and "Mette" not in page
    assert 'controlslist="nodownload"' in page and 'id="clip-protected"' in page
    document = member.get(f"/clips/{clip_id}/sparring")
    assert document.status_code == 200
    assert CPR not in document.text and "Lise" not in document.text
    assert "SAG-2026-001" not in document.text  # the case reference
    assert 'id="download-pdf"' not in document.text and 'id="show-pdf"' in document.text
    as_pdf = member.get(f"/clips/{clip_id}/sparring.pdf")
    assert as_pdf.status_code == 200
    assert as_pdf.headers["content-disposition"].startswith("inline")
    assert (
        client.get(f"/clips/{clip_id}/sparring.pdf")
        .headers["content-disposition"]
        .startswith("attachment")
    )

    # The log says which variant each of them played.
    played = entries(action="playback", recording_id=recording_id)
    by_member = [e.detail for e in played if e.actor_id == user_id("supervisor")]
    assert by_member and all(d.endswith("protected") for d in by_member)
    assert any(not e.detail.endswith("protected") for e in played if e not in by_member)


def test_a_team_session_on_the_clip_shows_the_protected_variant(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id, clip_id, team = shared_with_team(client, media)
    planned = plan(client, recording_id, [], kind="team", team_id=team, clip_id=clip_id)
    member = client_for("supervisor")
    page = member.get(f"/sessions/{planned['id']}")
    assert page.status_code == 200, page.text
    assert CPR not in page.text and "Lise" not in page.text and "Mette" not in page.text
    assert f"/api/v1/clips/{clip_id}/media" in page.text
    assert 'controlslist="nodownload"' in page.text
    items = member.get(f"/api/v1/sessions/{planned['id']}/feedback").json()["items"]
    assert items and all(CPR not in i["text"] for i in items)
    # The caseworker in the same session reads what was written.
    own = client.get(f"/api/v1/sessions/{planned['id']}/feedback").json()["items"]
    assert any(CPR in i["text"] for i in own)


def test_a_person_gets_the_clip_itself_unless_the_share_protects_it(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    _, clip_id = cut_clip(client, media)
    approve_protected(clip_id)
    own = sha(client.get(f"/api/v1/clips/{clip_id}/media").content)
    share_clip(client, clip_id, user_id=user_id("supervisor"))
    assert sha(client_for("supervisor").get(f"/api/v1/clips/{clip_id}/media").content) == own
    answer = client.post(
        f"/api/v1/clips/{clip_id}/shares",
        json={"user_id": user_id("caseworker2"), "protected": True},
    )
    assert answer.status_code == 201 and answer.json()["protected"] is True
    colleague = client_for("caseworker2").get(f"/api/v1/clips/{clip_id}/media")
    assert colleague.status_code == 200 and sha(colleague.content) != own


def test_a_team_gets_a_clip_only_once_its_caseworker_approved_it(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id, clip_id = cut_clip(client, media)
    team = make_team("Team Vest", [user_id("supervisor")])
    refused = client.post(f"/api/v1/clips/{clip_id}/shares", json={"team_id": team})
    assert refused.status_code == 409
    assert refused.json()["code"] == "share.protected_not_approved"
    whole = client.post(f"/api/v1/recordings/{recording_id}/shares", json={"team_id": team})
    assert whole.status_code == 422 and whole.json()["code"] == "share.team_needs_clip"
    # Approving before the variant is made is refused too.
    early = client.post(
        f"/clips/{clip_id}/protection/approve", data=form(client), follow_redirects=False
    )
    assert early.status_code == 409
    approve_protected(clip_id)
    assert client.post(f"/api/v1/clips/{clip_id}/shares", json={"team_id": team}).status_code == 201
    # The recording page offers no team; the clip's share form does.
    page = client.get(f"/recordings/{recording_id}").text
    assert f'value="team:{team}"' in page  # the clip's form
    assert page.count(f'value="team:{team}"') == 1


def test_the_review_shows_and_hides_words_and_makes_the_variant_again(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id, clip_id, _ = shared_with_team(client, media)
    member = client_for("supervisor")
    review = client.get(f"/clips/{clip_id}/protection")
    assert review.status_code == 200
    assert '<mark class="redacted kind-name"' in review.text and "Mette" in review.text
    assert 'id="approved"' in review.text
    # Only the caseworker reviews.
    assert member.get(f"/clips/{clip_id}/protection").status_code == 403

    # "Mette" is the caseworker's own name: shown to the team after all.
    shown = client.post(
        f"/clips/{clip_id}/protection/show", data=form(client, text="Mette"), follow_redirects=False
    )
    assert shown.status_code == 303
    text = " ".join(
        s["text"] for s in member.get(f"/api/v1/clips/{clip_id}/transcript").json()["segments"]
    )
    assert "Mette" in text
    # The sound changed with it: the old variant is gone until the worker makes the new one.
    clip = clip_row(clip_id)
    assert clip.protected_status == "queued" and clip.protected_media_name is None
    assert clip.protected_approved_at is not None  # the caseworker's own change
    waiting = member.get(f"/api/v1/clips/{clip_id}/media")
    assert waiting.status_code == 404 and waiting.json()["code"] == "clip.protected_not_ready"
    with session_scope() as session:
        jobs = session.exec(
            select(Job).where(Job.clip_id == clip_id, Job.kind == PROTECT_CLIP)
        ).all()
        assert [j.status for j in jobs][-1] == JobStatus.queued

    # A word the machine does not know as a name: hidden too, everywhere in the clip.
    hidden = client.post(
        f"/clips/{clip_id}/protection/hide", data=form(client, text="heste"), follow_redirects=False
    )
    assert hidden.status_code == 303
    text = " ".join(
        s["text"] for s in member.get(f"/api/v1/clips/{clip_id}/transcript").json()["segments"]
    )
    assert "heste" not in text
    assert json.loads(clip_row(clip_id).redactions_added) == ["heste"]
    # Undone again: hidden as before.
    client.post(
        f"/clips/{clip_id}/protection/unshow",
        data=form(client, text="Mette"),
        follow_redirects=False,
    )
    text = " ".join(
        s["text"] for s in member.get(f"/api/v1/clips/{clip_id}/transcript").json()["segments"]
    )
    assert "Mette" not in text

    # Bad input is refused and changes nothing.
    before = clip_row(clip_id)
    empty = client.post(
        f"/clips/{clip_id}/protection/hide", data=form(client, text="   "), follow_redirects=False
    )
    assert empty.status_code == 422
    outside = client.post(
        f"/clips/{clip_id}/protection/missed",
        data=form(client, start="0:05", end="9:00"),
        follow_redirects=False,
    )
    assert outside.status_code == 422
    after = clip_row(clip_id)
    assert (after.redactions_added, after.missed_spans) == (
        before.redactions_added,
        before.missed_spans,
    )
    marked = client.post(
        f"/clips/{clip_id}/protection/missed",
        data=form(client, start="0:01", end="0:03"),
        follow_redirects=False,
    )
    assert marked.status_code == 303
    assert json.loads(clip_row(clip_id).missed_spans) == [[1.0, 3.0]]
    # None of the hidden words is written to the log.
    logged = " ".join(e.detail for e in entries(recording_id=recording_id))
    assert "heste" not in logged and "Mette" not in logged


def test_the_live_channel_of_a_team_session_brings_the_member_only_hidden_words(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id, clip_id, team = shared_with_team(client, media)
    planned = plan(client, recording_id, [], kind="team", team_id=team, clip_id=clip_id)
    clients = {"caseworker": client, "supervisor": client_for("supervisor")}
    ids = {who: user_id(who) for who in clients}
    scene = Scene(planned["id"], recording_id, clients, ids)
    api = f"/api/v1/sessions/{planned['id']}/feedback"
    item = give(client, api, criterion_ids(client)[0], 2.0, f"Spørg Lise om {CPR}.")
    with joined(app, scene, "caseworker") as presenter, joined(app, scene, "supervisor") as member:
        presenter.send("feedback", feedback_id=item)
        event = member.next("feedback")
        assert event["feedback_id"] == item
        heard = json.dumps(member.seen, ensure_ascii=False)
        assert CPR not in heard and "Lise" not in heard and "Mette" not in heard
    # What the member's page fetches for the relayed item: names and numbers hidden.
    thread = clients["supervisor"].get(f"/sessions/{planned['id']}/feedback/threads/{item}")
    assert thread.status_code == 200
    assert CPR not in thread.text and "Lise" not in thread.text and "[CPR-nr.]" in thread.text
    assert CPR in client.get(f"/sessions/{planned['id']}/feedback/threads/{item}").text


def test_names_listed_at_upload_are_kept_and_bad_ones_change_nothing(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    from app.recordings.models import Recording
    from tests.support.recordings import upload

    before = len(client.get("/api/v1/recordings").json()["data"])
    too_long = upload(client, media.conversation(), extra={"person_names": "x" * 81})
    assert too_long.status_code == 422 and too_long.json()["code"] == "protection.too_long"
    assert len(client.get("/api/v1/recordings").json()["data"]) == before
    made = upload(
        client, media.conversation(), extra={"person_names": "Lise Hansen\n  \nlise hansen, Ib"}
    )
    assert made.status_code == 201, made.text
    with session_scope() as session:
        recording = session.get(Recording, made.json()["id"])
        assert recording is not None
        assert json.loads(recording.person_names) == ["Lise Hansen", "Ib"]
    page = client.get(f"/recordings/{made.json()['id']}").text
    assert 'id="person-names"' in page and "Lise Hansen\nIb</textarea>" in page
