"""Every device format goes from upload to a ready recording with the spoken words."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.core.db import session_scope
from app.media.probe import probe
from app.recordings import storage
from app.transcripts.models import Segment, Word
from tests.support import stored
from tests.support.jobs import process_queued_jobs
from tests.support.media import FORMATS, SPEECH_EN, Format, MediaSet
from tests.support.recordings import upload
from tests.support.speech import word_error_rate
from workers import media as media_tools

# tiny.en on espeak-ng English measured about 0.2 here; 0.45 leaves room for lossy codecs
# while still failing if audio is lost, truncated or transcribed as another language.
MAX_WER = 0.45


# Every format with the media in the data folder and SQLite; with the media in the S3
# bucket and PostgreSQL, the two paths of the pipeline: a rendition made (an MP4 whose index
# is at the end) and the original played as it is (a WebM).
CASES = [(fmt, "local-sqlite") for fmt in FORMATS] + [
    (FORMATS[0], "s3-postgres"),
    (FORMATS[3], "s3-postgres"),
]


@pytest.mark.parametrize(
    ("fmt", "store_db"), CASES, indirect=["store_db"], ids=[f"{f.name}-{s}" for f, s in CASES]
)
def test_format_becomes_ready_with_transcript(
    fmt: Format, store_db: str, client: TestClient, media: MediaSet, tmp_path: Path
) -> None:
    source = media.encoded(fmt)
    response = upload(client, source)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "queued"
    assert created["has_video"] is fmt.video
    assert created["size_bytes"] == source.stat().st_size
    kinds = [(s["codec_type"], s["codec_name"]) for s in created["streams"]]
    assert ("audio", {"mp3": "mp3", "wav": "pcm_s16le"}.get(fmt.name, kinds[-1][1])) in kinds
    assert any(kind == "video" for kind, _ in kinds) is fmt.video
    assert len(created["sha256"]) == 64

    assert process_queued_jobs() == ["succeeded"]

    recording = client.get(f"/api/v1/recordings/{created['id']}").json()
    assert recording["status"] == "ready", recording
    transcript = client.get(f"/api/v1/recordings/{created['id']}/transcript").json()
    heard = " ".join(s["text"] for s in transcript["segments"])
    assert word_error_rate(SPEECH_EN, heard) < MAX_WER, heard

    # The playable file is H.264/AAC (or a format every browser plays) with faststart.
    playable = client.get(f"/api/v1/recordings/{created['id']}/media")
    assert playable.status_code == 200
    mime = playable.headers["content-type"]
    assert playable.content in (
        stored.read(created["id"], name)
        for name in (storage.RENDITION, storage.ORIGINAL)
        if stored.exists(created["id"], name)
    )
    playable_path = tmp_path / "playable"
    playable_path.write_bytes(playable.content)
    info = probe(playable_path)
    if fmt.video:
        assert mime == "video/mp4"
        assert info.video_codec == "h264" and info.audio_codec == "aac"
        assert media_tools.is_faststart(playable_path)
    else:
        assert mime in {"audio/mp4", "audio/mpeg"}
        assert info.audio_codec in {"aac", "mp3"}
    assert (
        client.get(f"/api/v1/recordings/{created['id']}/poster").headers["content-type"]
        == "image/png"
    )


def test_words_have_timestamps_inside_their_segment(
    db: str, client: TestClient, media: MediaSet
) -> None:
    """Runs on SQLite and PostgreSQL: segments and words stored in order, with times."""
    response = upload(client, media.encoded(FORMATS[0]))
    assert response.status_code == 201
    assert process_queued_jobs() == ["succeeded"]
    with session_scope() as session:
        segments = session.exec(select(Segment).order_by(Segment.position)).all()
        assert len(segments) >= 2
        for seg in segments:
            words = session.exec(
                select(Word).where(Word.segment_id == seg.id).order_by(Word.position)
            ).all()
            assert words, seg.machine_text
            assert all(seg.start - 0.5 <= w.start <= w.end <= seg.end + 0.5 for w in words)
        assert [s.start for s in segments] == sorted(s.start for s in segments)


def test_range_request_returns_only_the_asked_bytes(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    created = upload(client, media.encoded(FORMATS[0])).json()
    process_queued_jobs()
    full = client.get(f"/api/v1/recordings/{created['id']}/media").content
    part = client.get(
        f"/api/v1/recordings/{created['id']}/media", headers={"Range": "bytes=1000-1999"}
    )
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(full)}"
    assert part.content == full[1000:2000]
    assert part.headers["accept-ranges"] == "bytes"


def test_danish_speech_with_the_default_multilingual_model(
    sqlite_db: str, client: TestClient, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded default (multilingual base, joined from two PyPI packages) on Danish.

    Whisper base is weak on Danish and espeak-ng's Danish voice is synthetic: the bound
    shows the path works and the language is Danish, not that the text is usable.
    """
    from app.core.config import settings
    from workers import speech

    monkeypatch.setattr(settings, "whisper_model", "bundled-base")
    created = upload(client, media.encoded(FORMATS[5], lang="da"), language="da").json()
    assert process_queued_jobs() == ["succeeded"]
    transcript = client.get(f"/api/v1/recordings/{created['id']}/transcript").json()
    assert transcript["language"] == "da" and transcript["model_name"] == "bundled-base"
    heard = " ".join(s["text"] for s in transcript["segments"]).lower()
    from tests.support.media import SPEECH_DA

    assert word_error_rate(SPEECH_DA, heard) < 0.9, heard
    assert any(w in heard for w in ("dag", "skole", "hej", "rådgiver", "jeg")), heard
    assert (settings.models_dir / "whisper-base" / ".verified").read_text() == speech.BASE_SHA256
