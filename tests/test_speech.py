"""The speech model comes from a setting and is never fetched from a hub by default."""

from pathlib import Path

import pytest

from app.core.config import Settings
from tests.support.media import speech_around_a_long_silence
from workers import segmenting, speech


def test_size_name_without_download_permission_fails_with_guidance(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, whisper_model="large-v3")
    engine = speech.FasterWhisperEngine(settings)
    with pytest.raises(speech.ModelUnavailable) as caught:
        engine.load()
    message = str(caught.value)
    assert "SPARRING_WHISPER_MODEL" in message and "SPARRING_WHISPER_ALLOW_DOWNLOAD" in message


def test_folder_without_model_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty-model").mkdir()
    settings = Settings(data_dir=tmp_path, whisper_model=str(tmp_path / "empty-model"))
    with pytest.raises(speech.ModelUnavailable, match="model.bin"):
        speech.resolve_model(settings)
    with pytest.raises(speech.ModelUnavailable, match="findes ikke"):
        speech.resolve_model(Settings(data_dir=tmp_path, whisper_model="/no/such/folder"))


def test_bundled_base_is_joined_once_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = tmp_path / "models"
    folder = speech.bundled_base_dir(models)
    assert {p.name for p in folder.iterdir()} >= {"model.bin", *speech.BASE_SIDE_FILES}
    stamp = (folder / "model.bin").stat().st_mtime_ns
    assert speech.bundled_base_dir(models) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == stamp  # not joined again

    # A join that does not match the known checksum is refused and leaves nothing.
    monkeypatch.setattr(speech, "BASE_SHA256", "0" * 64)
    other = tmp_path / "other"
    with pytest.raises(speech.ModelUnavailable, match="SHA-256"):
        speech.bundled_base_dir(other)
    assert [p.name for p in other.iterdir()] == [".whisper-base.lock"]  # no model, no temp


def test_transcribes_with_silence_guards(tmp_path: Path, media) -> None:  # type: ignore[no-untyped-def]
    """Speech, then 20 s of silence: no text is invented in the silence."""
    import subprocess

    padded = tmp_path / "padded.wav"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(media.speech()),
            "-af",
            "apad=pad_dur=20",
            "-ar",
            "16000",
            "-ac",
            "1",
            str(padded),
        ],
        check=True,
    )
    settings = Settings(data_dir=tmp_path, whisper_model="bundled-tiny.en", whisper_cpu_threads=2)
    engine = speech.FasterWhisperEngine(settings)
    progress: list[float] = []
    segments = list(engine.transcribe(padded, "en", progress.append))
    speech_end = 11.0
    assert segments and all(s.start < speech_end for s in segments)
    assert progress and progress == sorted(progress)
    assert all(w.start <= w.end for s in segments for w in s.words)
    engine.release()


@pytest.mark.parametrize("model", ["bundled-tiny.en", "bundled-base"])
def test_batched_by_default_places_no_text_in_a_long_silence(
    tmp_path: Path,
    media,
    model: str,  # type: ignore[no-untyped-def]
) -> None:
    """The default is batched; its lines are sentences, and none lies in the silence."""
    audio, said = speech_around_a_long_silence(media, tmp_path)
    settings = Settings(data_dir=tmp_path, whisper_model=model, whisper_cpu_threads=2)
    assert settings.whisper_batch_size > 0
    engine = speech.FasterWhisperEngine(settings)
    segments = list(engine.transcribe(audio, "en"))
    assert engine._batched is not None
    engine.release()

    # Beyond the VAD's own padding (speech_pad_ms) and the engine's tolerance, it is silence.
    margin = 0.4 + speech.SILENCE_TOLERANCE_S
    quiet = [(said + margin, said + 60 - margin), (2 * said + 60 + margin, 2 * said + 80)]
    times = [t for s in segments for t in (s.start, s.end)]
    times += [t for s in segments for w in s.words for t in (w.start, w.end)]
    assert not [t for t in times for a, b in quiet if a < t < b]
    assert not [s.text for s in segments if s.start < said and s.end > said + 60]
    # Both spoken parts are there, each in lines of about a sentence (three sentences each).
    before = [s for s in segments if s.end <= said + margin]
    after = [s for s in segments if s.start >= said + 60 - margin]
    assert len(before) + len(after) == len(segments)
    for part in (before, after):
        heard = " ".join(s.text for s in part).lower()
        assert "school" in heard and "horses" in heard, heard
        assert 2 <= len(part) <= 4, [s.text for s in part]
        assert all(s.end - s.start <= segmenting.DEFAULT_RULES.max_seconds for s in part)
        assert all(s.words and s.start == s.words[0].start for s in part)
