"""The speech model comes from a setting and is never fetched from a hub by default."""

from pathlib import Path

import pytest

from app.core.config import Settings
from workers import speech


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
