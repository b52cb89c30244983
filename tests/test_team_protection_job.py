"""Issue 24, end to end through the real worker: a recording of spoken words over a picture
with faces is transcribed by the real speech model; its caseworker names the child on the
recording; a clip of it is cut, and the `protect_clip` job makes what a team gets. The team
member's file has no face an independent detector can find (it finds them in the clip
itself), its poster neither, and transcribing the team's file with the same model does not
hear the name (it does in the clip itself: the positive control); each muted window reaches
at least 150 ms beyond the word."""

import json
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.clips import protection
from app.clips.models import Clip
from app.core.config import settings
from app.core.db import session_scope
from app.jobs.models import PROCESS_RECORDING
from app.transcripts import service as transcript_service
from app.transcripts.models import Word
from tests.support.accounts import ClientFor, make_team, user_id
from tests.support.audit import entries
from tests.support.clips import cut_clips, make_clip
from tests.support.face_video import cascade_finds, decoded_frames, frames_of, make_video
from tests.support.factories import SPOKEN_EN, make_ready
from tests.support.jobs import process_queued_jobs
from tests.support.media import MediaSet, ffmpeg, run
from tests.support.recordings import upload
from workers.speech import get_engine

SPOKEN = (
    "Hello, my name is Peter. I would like to talk about school today. "
    "Peter likes to draw horses with his friends."
)
SIZE = (640, 360)


def form(client: TestClient, **fields: object) -> dict[str, object]:
    return {"csrf_token": client.cookies.get("vs_csrf")} | fields


def speaking_faces(media: MediaSet) -> Path:
    """Two faces moving on a wall (tests/support/face_video.py) while someone says a name."""
    speech = media.made(
        "speech-name.wav",
        lambda path: run("espeak-ng", "-v", "en-us", "-s", "150", "-w", str(path), SPOKEN),
    )

    def make(path: Path) -> None:
        picture = make_video(path.with_suffix(".faces.mp4"), "two_faces", seconds=9.0, size=SIZE)
        ffmpeg("-i", picture.path, "-i", speech, "-map", "0:v", "-map", "1:a", "-c:v", "copy",
               "-c:a", "aac", "-shortest", path)  # fmt: skip

    return media.made("speaking-faces.mp4", make)


def heard(path: Path, folder: Path) -> str:
    """What the tests' speech model hears in a file's sound."""
    sound = folder / f"{path.stem}.wav"
    ffmpeg("-i", path, "-vn", "-ac", "1", "-ar", "16000", sound)
    engine = get_engine(settings, "en")
    return " ".join(s.text for s in engine.transcribe(sound, "en")).lower()


def truth() -> list[list[tuple[float, float, float, float]]]:
    """Where the faces are in each frame of `speaking_faces` (the scene is drawn the same
    way every time)."""
    return [boxes for _, boxes in frames_of("two_faces", *SIZE, round(9.0 * 25), 25)]


def faces_found(path: Path, where: list[list[tuple[float, float, float, float]]]) -> int:
    """Frames (every 10th) in which the LBP cascade finds one of the true faces."""
    found = 0
    for index, frame in enumerate(decoded_frames(path, SIZE)):
        if index % 10 == 0 and any(cascade_finds(frame, box) for box in where[index]):
            found += 1
    return found


def test_the_team_gets_no_face_and_does_not_hear_the_name(
    sqlite_db: str, client: TestClient, client_for: ClientFor, media: MediaSet, tmp_path: Path
) -> None:
    created = upload(client, speaking_faces(media), language="en")
    assert created.status_code == 201, created.text
    recording_id = created.json()["id"]
    assert process_queued_jobs(PROCESS_RECORDING) == ["succeeded"]
    named = client.post(
        f"/recordings/{recording_id}/person-names",
        data=form(client, names="Peter"),
        follow_redirects=False,
    )
    assert named.status_code == 303
    duration = client.get(f"/api/v1/recordings/{recording_id}").json()["duration_seconds"]
    clip_id = make_clip(client, recording_id, 0.0, float(duration))
    assert cut_clips() == ["succeeded"]
    assert process_queued_jobs("protect_clip") == ["succeeded"]

    # The caseworker watches it, approves it and shares it with a team.
    review = client.get(f"/clips/{clip_id}/protection")
    assert 'id="protected-player"' in review.text and 'id="approve"' in review.text
    assert (
        client.post(
            f"/clips/{clip_id}/protection/approve", data=form(client), follow_redirects=False
        ).status_code
        == 303
    )
    team = make_team("Team Nord", [user_id("supervisor")])
    assert client.post(f"/api/v1/clips/{clip_id}/shares", json={"team_id": team}).status_code == 201
    member = client_for("supervisor")

    team_file, own_file = tmp_path / "team.mp4", tmp_path / "own.mp4"
    team_file.write_bytes(member.get(f"/api/v1/clips/{clip_id}/media").content)
    own_file.write_bytes(client.get(f"/api/v1/clips/{clip_id}/media").content)

    # No face: the independent detector finds them in the clip itself, never in the team's.
    faces = truth()
    assert faces_found(own_file, faces) >= 3
    assert faces_found(team_file, faces) == 0
    poster = tmp_path / "poster.png"
    poster.write_bytes(member.get(f"/api/v1/clips/{clip_id}/poster").content)
    still = tmp_path / "still.rgb"
    ffmpeg("-i", poster, "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{SIZE[0]}x{SIZE[1]}", still)
    frame = np.frombuffer(still.read_bytes(), np.uint8).reshape(SIZE[1], SIZE[0], 3)
    assert not any(cascade_finds(frame, box) for boxes in faces[:50] for box in boxes)

    # The name: heard in the clip itself, not in the team's.
    assert "peter" in heard(own_file, tmp_path)
    team_words = heard(team_file, tmp_path)
    assert "peter" not in team_words and "school" in team_words

    # Each muted window reaches at least 150 ms beyond the name's words.
    with session_scope() as session:
        clip = session.get(Clip, clip_id)
        assert clip is not None
        spans = protection.mute_spans(session, clip, protection.redactions_of(session, clip))
        transcript = transcript_service.get(session=session, recording_id=recording_id)
        assert transcript is not None
        names = [
            w
            for s in transcript_service.segments(session=session, transcript=transcript)
            for w in session.exec(
                select(Word).where(Word.segment_id == s.id).order_by(col(Word.position))
            ).all()
            if "peter" in w.text.lower()
        ]
    assert len(names) == 2 and len(spans) == 2
    for word, (start, end) in zip(names, spans, strict=True):
        assert start <= word.start - 0.15 and end >= word.end + 0.15

    # The log says which variant each of them played.
    played = {e.actor_id: e.detail for e in entries(action="playback", recording_id=recording_id)}
    assert played[user_id("supervisor")] == f"clip {clip_id} protected"
    assert played[user_id("caseworker")] == f"clip {clip_id}"
    assert json.loads(clip_row_missed(clip_id)) == []


def clip_row_missed(clip_id: int) -> str:
    with session_scope() as session:
        clip = session.get(Clip, clip_id)
        assert clip is not None
        return clip.missed_spans


def detail(frame: np.ndarray) -> float:
    """How much fine detail a picture has: the mean step between neighbouring pixels."""
    grey = frame.astype(float).mean(axis=2)
    return float(np.abs(np.diff(grey, axis=1)).mean() + np.abs(np.diff(grey, axis=0)).mean())


def test_a_missed_span_blurs_the_whole_picture(
    sqlite_db: str, client: TestClient, media: MediaSet, tmp_path: Path
) -> None:
    """Where the caseworker marks a missed face, nothing of the picture is left."""
    created = upload(client, speaking_faces(media), language="en")
    recording_id = created.json()["id"]
    make_ready(recording_id, SPOKEN_EN, playable_mime="video/mp4")
    clip_id = make_clip(client, recording_id, 0.0, 4.0)
    assert cut_clips() == ["succeeded"]
    marked = client.post(
        f"/clips/{clip_id}/protection/missed",
        data=form(client, start="0:01", end="0:02"),
        follow_redirects=False,
    )
    assert marked.status_code == 303
    assert process_queued_jobs("protect_clip")[-1] == "succeeded"
    made = tmp_path / "team.mp4"
    made.write_bytes(client.get(f"/api/v1/clips/{clip_id}/media?variant=team").content)
    frames = list(decoded_frames(made, SIZE))
    inside, outside = frames[37], frames[75]  # 1.5 s and 3.0 s at 25 fps
    assert detail(inside) < 0.25 * detail(outside)
