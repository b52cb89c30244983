"""Where a recording's files live: one folder per recording, names the server chose."""

import shutil
from pathlib import Path

from app.core.config import settings

ORIGINAL = "original"
AUDIO = "audio.wav"
RENDITION = "playable.mp4"
POSTER = "poster.png"


def recording_dir(recording_id: str) -> Path:
    # Ids are hex from uuid4; checked so that no id can point outside the media folder.
    if not recording_id.isalnum():
        raise ValueError("bad recording id")
    return settings.media_dir / recording_id


def file_path(recording_id: str, name: str) -> Path:
    return recording_dir(recording_id) / name


def store_original(recording_id: str, uploaded: Path) -> Path:
    """Move the finished upload into the recording's folder (a rename, not a copy)."""
    target_dir = recording_dir(recording_id)
    target_dir.mkdir(parents=True, exist_ok=False)
    target = target_dir / ORIGINAL
    uploaded.replace(target)
    return target


def remove_all(recording_id: str) -> None:
    shutil.rmtree(recording_dir(recording_id), ignore_errors=True)
