"""One recording's path through the worker: probe, audio, transcript, rendition, poster.

Each step writes its file under a temporary name and renames it when done, and the
transcript is replaced in one transaction, so a run that is repeated leaves one result.
"""

import logging
from collections.abc import Callable
from pathlib import Path

from app.core.config import settings
from app.core.db import session_scope
from app.recordings import storage
from app.recordings.models import Recording
from app.transcripts import service as transcript_service
from workers import media, speech

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]


class PermanentFailure(Exception):
    """Trying again cannot help (the file itself is broken): fail the job now."""


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


def process(*, recording_id: str, report: Progress) -> None:
    """Run every step for one recording; `report(stage, fraction)` records progress."""
    with session_scope() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise PermanentFailure("Optagelsen er slettet.")
        language = recording.language
    original = storage.file_path(recording_id, storage.ORIGINAL)

    report("probe", 0.0)
    try:
        info = media.probe(original)
    except media.MediaError as exc:
        raise PermanentFailure(f"Optagelsen kunne ikke læses ({exc.detail}).") from exc
    plan, mime = media.plan_rendition(original, info)
    # Share of the bar per step: transcription dominates; transcoding video is costly too.
    transcribe_end = 0.70 if plan.needs_work and info.has_video and not plan.copy_video else 0.92

    audio = storage.file_path(recording_id, storage.AUDIO)
    report("audio", 0.01)
    try:
        media.extract_audio(
            original, _tmp(audio), info.duration, lambda f: report("audio", 0.01 + 0.04 * f)
        )
    except media.MediaError as exc:
        _tmp(audio).unlink(missing_ok=True)
        raise PermanentFailure(f"Lyden kunne ikke hentes ud ({exc.detail}).") from exc
    _tmp(audio).replace(audio)

    report("transcribe", 0.05)
    engine = speech.get_engine(settings)
    span = transcribe_end - 0.05
    segments = list(
        engine.transcribe(audio, language, lambda f: report("transcribe", 0.05 + span * f))
    )
    with session_scope() as session:
        transcript_service.replace(
            session=session,
            recording_id=recording_id,
            language=language,
            model_name=engine.name,
            segments=segments,
        )

    playable_name = storage.ORIGINAL
    if plan.needs_work:
        rendition = storage.file_path(recording_id, storage.RENDITION)
        report("rendition", transcribe_end)
        try:
            media.make_rendition(
                original,
                _tmp(rendition),
                info,
                plan,
                lambda f: report("rendition", transcribe_end + (0.98 - transcribe_end) * f),
            )
        except media.MediaError as exc:
            _tmp(rendition).unlink(missing_ok=True)
            raise PermanentFailure(
                f"Der kunne ikke laves en afspilbar udgave ({exc.detail})."
            ) from exc
        _tmp(rendition).replace(rendition)
        playable_name = storage.RENDITION

    report("poster", 0.98)
    poster = storage.file_path(recording_id, storage.POSTER)
    try:
        media.make_poster(original, _tmp(poster), info)
        _tmp(poster).replace(poster)
        poster_name: str | None = storage.POSTER
    except media.MediaError:
        # A missing poster does not stop anyone watching; the player shows no still.
        log.warning("no poster for %s", recording_id)
        _tmp(poster).unlink(missing_ok=True)
        poster_name = None

    with session_scope() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise PermanentFailure("Optagelsen er slettet.")
        recording.playable_name = playable_name
        recording.playable_mime = mime
        recording.poster_name = poster_name
