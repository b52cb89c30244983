"""A clip's own media, cut by the real worker job with ffmpeg, and what it shows: the file
and its ranges (nothing outside the clip), the transcript cut at word times, the feedback
that overlaps it; its job beside the recording's."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.clips.models import Clip
from app.core.db import session_scope
from app.jobs.models import Job
from app.media.models import MediaObject
from app.media.probe import MediaInfo, probe
from app.recordings import storage
from tests.support import stored
from tests.support.accounts import ClientFor, user_id
from tests.support.clips import cut_clips, make_clip, share_clip
from tests.support.factories import Line, Word, make_ready, ready_recording
from tests.support.feedback import criterion_ids
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import share, upload
from tests.support.sessions import plan
from workers.media import is_faststart


def the_clip(clip_id: int) -> Clip:
    with session_scope() as session:
        clip = session.get(Clip, clip_id)
        assert clip is not None and clip.media_name is not None
        return clip


def clip_info(clip: Clip) -> MediaInfo:
    """What ffprobe finds in the clip's own object, wherever the store keeps it."""
    with stored.local_file(clip.recording_id, clip.media_name or "") as path:
        return probe(path)


def test_the_job_cuts_the_clip_into_a_file_of_its_own(
    store_db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media)
    clip_id = make_clip(client, recording_id, 12.5, 22.5)
    assert cut_clips() == ["succeeded"]
    answer = client.get(f"/api/v1/clips/{clip_id}").json()
    assert (answer["status"], answer["progress"], answer["duration_seconds"]) == (
        "ready",
        1.0,
        10.0,
    )
    clip = the_clip(clip_id)
    info = clip_info(clip)
    # A WebM stays WebM (VP8/Opus), as long as the clip, not the recording.
    assert clip.media_mime == "video/webm" and info.video_codec == "vp8"
    assert info.audio_codec == "opus" and info.duration == pytest.approx(10.0, abs=0.15)
    # The recording's own job and state are untouched by the clip's.
    status = client.get(f"/api/v1/recordings/{recording_id}").json()
    assert (status["status"], status["stage"]) == ("ready", None)
    poster = client.get(f"/api/v1/clips/{clip_id}/poster")
    assert poster.headers["content-type"] == "image/png" and poster.content[:4] == b"\x89PNG"

    share_clip(client, clip_id, user_id=user_id("supervisor"))
    viewer = client_for("supervisor")
    whole = viewer.get(f"/api/v1/clips/{clip_id}/media")
    size = len(whole.content)
    assert whole.content == stored.read(recording_id, clip.media_name or "")  # byte for byte
    assert whole.headers["cache-control"] == "private, no-store"
    # Every range lies inside the clip's file: past its end there is nothing to give.
    part = viewer.get(f"/api/v1/clips/{clip_id}/media", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{size}"
    tail = viewer.get(f"/api/v1/clips/{clip_id}/media", headers={"Range": f"bytes={size - 10}-"})
    assert tail.status_code == 206 and tail.content == whole.content[-10:]
    recording_size = len(stored.read(recording_id, storage.ORIGINAL))
    assert size < recording_size
    for beyond in (f"bytes={size}-", f"bytes={size}-{recording_size}", "bytes=-0"):
        refused = viewer.get(f"/api/v1/clips/{clip_id}/media", headers={"Range": beyond})
        assert refused.status_code == 416, beyond
    # The recording's file stays closed to them, whatever the Range.
    for headers in ({}, {"Range": "bytes=0-"}, {"Range": f"bytes={size}-"}):
        assert (
            viewer.get(f"/api/v1/recordings/{recording_id}/media", headers=headers).status_code
            == 404
        )


@pytest.mark.parametrize(
    ("fmt", "mime", "video"), [(0, "video/mp4", "h264"), (5, "audio/mp4", None)]
)
def test_other_sources_become_h264_aac_mp4_with_faststart(
    sqlite_db: str, client: TestClient, media: MediaSet, fmt: int, mime: str, video: str | None
) -> None:
    response = upload(client, media.encoded(FORMATS[fmt]))
    recording_id = response.json()["id"]
    make_ready(recording_id, [], playable_mime=mime)
    clip_id = make_clip(client, recording_id, 1.0, 3.0)
    assert cut_clips() == ["succeeded"]
    clip = the_clip(clip_id)
    info = clip_info(clip)
    assert (clip.media_mime, info.video_codec, info.audio_codec) == (mime, video, "aac")
    assert info.duration == pytest.approx(2.0, abs=0.15)
    with stored.local_file(recording_id, clip.media_name or "") as path:
        assert is_faststart(path)


WORDS = (
    Line(8.0, 13.0, "Fortæl om skolen. Hvad sker der?", words=(
        Word(8.0, 9.0, "Fortæl"), Word(9.0, 9.5, "om"), Word(9.5, 10.4, "skolen."),
        Word(11.0, 11.6, "Hvad"), Word(11.6, 12.0, "sker"), Word(12.0, 13.0, "der?"),
    )),
    Line(13.5, 18.0, "Jeg tegner heste.", words=(
        Word(13.5, 14.5, "Jeg"), Word(14.5, 15.5, "tegner"), Word(15.5, 18.0, "heste."),
    )),
    Line(19.0, 24.0, "Med min veninde i frikvarteret.", words=(
        Word(19.0, 19.8, "Med"), Word(19.8, 20.4, "min"), Word(20.4, 21.4, "veninde"),
        Word(21.5, 22.0, "i"), Word(22.0, 24.0, "frikvarteret."),
    )),
    Line(30.0, 35.0, "Uden for klippet.", words=(Word(30.0, 35.0, "Uden"),)),
)  # fmt: skip


def test_transcript_is_cut_at_word_times_and_feedback_shifted(
    db: str, client: TestClient, client_for: ClientFor, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media, lines=WORDS)
    clip_id = make_clip(client, recording_id, 10.5, 21.0)
    transcript = client.get(f"/api/v1/clips/{clip_id}/transcript").json()
    lines = [(s["start"], s["end"], s["text"]) for s in transcript["segments"]]
    assert lines == [
        (0.5, 2.5, "Hvad sker der?"),  # "skolen." ends at 10.4: before the clip
        (3.0, 7.5, "Jeg tegner heste."),  # wholly inside: its own text
        (8.5, 10.5, "Med min veninde"),  # "i" (21.5-22.0) lies after the clip
    ]
    feedback = f"/api/v1/recordings/{recording_id}/feedback"
    through_clip = f"/api/v1/clips/{clip_id}/feedback"
    supervisor = client_for("supervisor")
    share(client, recording_id, user_id=user_id("supervisor"))
    criteria = criterion_ids(client)[:1]

    def add(
        who: TestClient, url: str, text: str, start: float, end: float | None, publish: bool
    ) -> int:
        item = {"kind": "strength", "start_seconds": start, "end_seconds": end, "text": text}
        item["criterion_ids"] = criteria
        response = who.post(url, json=item | {"publish": publish})
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    ids = {
        text: add(supervisor, feedback, text, start, end, True)
        for text, start, end in (
            ("Før klippet", 5.0, None),
            ("Midt i", 15.0, None),
            ("Hen over starten", 8.0, 11.5),
            ("Efter", 21.5, 30.0),
        )
    }
    # Given on the whole recording: individual, not shown through the clip until brought.
    assert client.get(through_clip).json()["items"] == []
    for text in ("Før klippet", "Efter"):
        outside = client.post(f"{through_clip}/{ids[text]}/bring")
        assert (outside.status_code, outside.json()["code"]) == (422, "feedback.bring_outside")
    for text in ("Midt i", "Hen over starten"):
        assert client.post(f"{through_clip}/{ids[text]}/bring").status_code == 200
    add(client, through_clip, "Egen kladde", 6.5, None, False)
    shown = client.get(through_clip).json()["items"]
    # Times from the clip's start, kept inside it; the reader's own draft among them.
    assert [(f["text"], f["start_seconds"], f["end_seconds"], f["draft"]) for f in shown] == [
        ("Hen over starten", 0.0, 1.0, False),
        ("Midt i", 4.5, None, False),
        ("Egen kladde", 6.5, None, True),
    ]
    assert all("recording_id" not in f for f in shown)
    share_clip(client, clip_id, user_id=user_id("caseworker2"))
    colleague = client_for("caseworker2")
    add(colleague, through_clip, "Kladde", 5.5, None, False)
    seen = colleague.get(through_clip).json()["items"]
    assert [f["text"] for f in seen] == ["Hen over starten", "Midt i", "Kladde"]
    assert "Kladde" not in [f["text"] for f in client.get(through_clip).json()["items"]]


def test_new_times_cut_again_and_a_deleted_clip_keeps_no_file(
    store_db: str, client: TestClient, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media)
    clip_id = make_clip(client, recording_id, 10.0, 20.0)
    assert cut_clips() == ["succeeded"]
    old_name = the_clip(clip_id).media_name or ""
    changed = client.patch(f"/api/v1/clips/{clip_id}", json={"end_seconds": 14.0})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["status"], changed.json()["duration_seconds"]) == ("queued", 4.0)
    assert client.get(f"/api/v1/clips/{clip_id}/media").json()["code"] == "clip.not_ready"
    assert cut_clips() == ["succeeded"]
    clip = the_clip(clip_id)
    assert clip.media_name != old_name and not stored.exists(recording_id, old_name)
    assert clip_info(clip).duration == pytest.approx(4.0, abs=0.15)
    # Only the words: no new cut.
    assert (
        client.patch(f"/api/v1/clips/{clip_id}", json={"title": "Nyt navn"}).json()["status"]
        == "ready"
    )
    doomed = make_clip(client, recording_id, 30.0, 35.0)
    assert client.delete(f"/api/v1/clips/{doomed}").status_code == 204
    assert cut_clips() == ["failed"]  # its job finds no clip, and leaves nothing behind
    assert stored.names(recording_id) == sorted(
        [storage.ORIGINAL, clip.media_name, clip.poster_name]
    )
    with session_scope() as session:  # each object has its row, and only those
        rows = session.exec(select(MediaObject.key).where(MediaObject.recording_id == recording_id))
        assert sorted(rows.all()) == stored.keys(recording_id)
    with session_scope() as session:
        kinds = session.exec(select(Job.kind).where(Job.recording_id == recording_id)).all()
    # Each kept cut queued its protected variant (issue 24); none ran here.
    assert sorted(kinds) == ["cut_clip"] * 3 + ["process_recording"] + ["protect_clip"] * 2


NAMED = (
    Line(8.0, 13.0, "Hej Mette. Hvad sker der?", words=(
        Word(8.0, 9.0, "Hej"), Word(9.0, 10.0, "Mette."),
        Word(11.0, 11.6, "Hvad"), Word(11.6, 12.0, "sker"), Word(12.0, 13.0, "der?"),
    )),
    Line(13.5, 18.0, "Jeg tegner heste.", words=(
        Word(13.5, 14.5, "Jeg"), Word(14.5, 15.5, "tegner"), Word(15.5, 18.0, "heste."),
    )),
    Line(19.0, 24.0, "Med Sofie i frikvarteret.", words=(
        Word(19.0, 19.8, "Med"), Word(19.8, 20.6, "Sofie"),
        Word(21.5, 22.0, "i"), Word(22.0, 24.0, "frikvarteret."),
    )),
)  # fmt: skip


def test_a_correction_wins_in_a_clip_cut_through_its_line(
    db: str, client: TestClient, media: MediaSet
) -> None:
    """Issue 18: a line cut by the clip's edge was rebuilt from the machine's words, so the
    names the caseworker replaced came back in the clip. The corrected line stays whole."""
    recording_id = ready_recording(client, media, lines=NAMED)
    api = f"/api/v1/recordings/{recording_id}/transcript"
    segments = client.get(api).json()["segments"]
    for at, text in ((0, "Hej [NAME]. Hvad sker der?"), (2, "Med [NAME].")):
        corrected = client.patch(f"{api}/segments/{segments[at]['id']}", json={"text": text})
        assert corrected.status_code == 200, corrected.text
    clip_id = make_clip(client, recording_id, 9.0, 21.0)  # both names' words lie inside it
    lines = client.get(f"/api/v1/clips/{clip_id}/transcript").json()["segments"]
    assert [(s["start"], s["end"], s["text"]) for s in lines] == [
        (0.0, 4.0, "Hej [NAME]. Hvad sker der?"),  # from 8.0: kept inside the clip
        (4.5, 9.0, "Jeg tegner heste."),
        (10.0, 12.0, "Med [NAME]."),  # to 24.0: kept inside the clip
    ]
    # The clip's page, and a session's page on the clip, show the same lines.
    session_id = plan(client, recording_id, [user_id("supervisor")], clip_id=clip_id)["id"]
    for page in (f"/clips/{clip_id}", f"/sessions/{session_id}"):
        html = client.get(page).text
        assert "Hej [NAME]. Hvad sker der?" in html and "Med [NAME]." in html, page
        assert "Mette" not in html and "Sofie" not in html, page
