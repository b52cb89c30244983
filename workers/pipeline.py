"""One recording's path through the worker: probe, audio, transcript, rendition, poster.

Each step writes its file under a temporary name of its own claim and renames it when
done, and every database write of results happens inside a transaction that first makes
sure the claim is still held (`hold`), so a worker that lost its job changes nothing and a
run that is repeated leaves one result.
"""

import errno
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlmodel import Session

from app.core.config import settings
from app.core.db import session_scope
from app.jobs import reasons
from app.media.probe import MediaError, MediaInfo, probe
from app.recordings import service as recording_service
from app.recordings import storage
from app.recordings.models import Recording
from app.transcripts import service as transcript_service
from app.transcripts.models import Transcript
from workers import media, speech

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
Hold = Callable[[Session], None]

NO_SPACE = reasons.encode("failure.no_space")
UNEXPECTED = reasons.encode("failure.unexpected")


class PermanentFailure(Exception):
    """Trying again cannot help (the file itself is broken): fail the job now. `reason` is the
    stored message key; the exception's text is the technical detail, for the log only."""

    def __init__(self, key: str, detail: str = "", **params: str | int | float) -> None:
        super().__init__(f"{key}: {detail}" if detail else key)
        self.reason = reasons.encode(key, **params)


class NoSpace(Exception):
    """The disk is full: the attempt fails with a reason a person can act on; it is retried."""

    def __init__(self) -> None:
        super().__init__("no space left on the device")


def is_disk_full(exc: BaseException) -> bool:
    """A write failed because the disk (or quota) is full: a file, SQLite or PostgreSQL."""
    for cause in (exc, exc.__cause__, getattr(exc, "orig", None)):
        if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if isinstance(cause, sqlite3.OperationalError) and "disk is full" in str(cause):
            return True
        if getattr(cause, "sqlstate", None) == "53100":  # PostgreSQL disk_full
            return True
    return isinstance(exc, NoSpace)


def _no_hold(session: Session) -> None:
    pass


@contextmanager
def temporary_names(tag: str) -> Iterator[Callable[[Path], Path]]:
    """This claim's own temporary name for each file (`.audio.wav.<tag>.tmp`), removed when
    the run ends, whatever became of it; a full disk fails the attempt as `NoSpace`."""
    made: list[Path] = []

    def tmp(path: Path) -> Path:
        name = path.with_name(f".{path.name}.{tag}.tmp" if tag else f".{path.name}.tmp")
        made.append(name)
        return name

    try:
        yield tmp
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise NoSpace() from exc
        raise
    finally:
        for path in made:
            path.unlink(missing_ok=True)


@contextmanager
def _temporary_files(folder: Path, tag: str) -> Iterator[Callable[[Path], Path]]:
    """`temporary_names`, after removing what is left of earlier claims whose worker died."""
    for stale in folder.glob(".*.tmp"):
        if not stale.name.endswith(f".{tag}.tmp"):
            stale.unlink(missing_ok=True)
    with temporary_names(tag) as tmp:
        yield tmp


def poster_or_none(
    source: Path,
    poster: Path,
    info: MediaInfo,
    tmp: Callable[[Path], Path],
    *,
    at: float,
    report: Progress,
    what: str,
) -> str | None:
    """Report the poster step and make `poster`: its file name, or None where none could be
    made (a missing poster does not stop anyone watching; the player shows no still). A full
    disk is `NoSpace`."""
    report("poster", at)
    try:
        media.make_poster(source, tmp(poster), info, lambda: report("poster", at))
        tmp(poster).replace(poster)
    except MediaError as exc:
        if exc.kind == "no_space":
            raise NoSpace() from exc
        log.warning("no poster for %s", what)
        return None
    return poster.name


# The reader's message for each kind of media error; the step is named in the log only.
_MEDIA_KEYS = {
    "timeout": "failure.timeout",
    "no_audio": "failure.no_audio",
    "not_media": "failure.not_media",
    "corrupt": "failure.corrupt",
}


def _media_failure(exc: MediaError, step: str, key: str | None = None) -> Exception:
    if exc.kind == "no_space":
        return NoSpace()
    log.warning("%s failed (%s): %s", step, exc.kind, exc.detail)
    return PermanentFailure(key or _MEDIA_KEYS.get(exc.kind, "failure.corrupt"), exc.detail)


def process(*, recording_id: str, report: Progress, hold: Hold = _no_hold, tag: str = "") -> None:
    """Run every step for one recording; `report(stage, fraction)` records progress and
    `hold(session)` raises if the job is no longer ours."""
    with session_scope() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise PermanentFailure("failure.deleted")
        language = recording.language
    with _temporary_files(storage.recording_dir(recording_id), tag) as tmp:
        _steps(recording_id, language, report, hold, tmp)


def _as_they_come(segments: Iterable[Any], every_s: float = 1.0) -> Iterator[list[Any]]:
    """Segments in small batches: the first at once, then at most one write a second (the
    batched pipeline yields a whole batch of lines at a time)."""
    batch: list[Any] = []
    last = 0.0
    for segment in segments:
        batch.append(segment)
        if time.monotonic() - last >= every_s:
            yield batch
            batch, last = [], time.monotonic()
    if batch:
        yield batch


def _steps(
    recording_id: str, language: str, report: Progress, hold: Hold, tmp: Callable[[Path], Path]
) -> None:
    original = storage.file_path(recording_id, storage.ORIGINAL)
    report("probe", 0.0)
    try:
        info = probe(original)
    except MediaError as exc:
        raise _media_failure(exc, "probe") from exc
    plan, mime = media.plan_rendition(original, info)
    # Share of the bar per step: transcription dominates; transcoding video is costly too.
    transcribe_end = 0.70 if plan.needs_work and info.has_video and not plan.copy_video else 0.92

    audio = storage.file_path(recording_id, storage.AUDIO)
    report("audio", 0.01)
    try:
        media.extract_audio(
            original, tmp(audio), info.duration, lambda f: report("audio", 0.01 + 0.04 * f)
        )
    except MediaError as exc:
        raise _media_failure(exc, "audio") from exc
    tmp(audio).replace(audio)

    if not plan.needs_work:
        # The original plays as it is: a reader can watch while the words are still coming.
        with session_scope() as session:
            hold(session)
            recording_service.set_media(
                session=session,
                recording_id=recording_id,
                playable_name=storage.ORIGINAL,
                playable_mime=mime,
                poster_name=None,
            )

    report("transcribe", 0.05)
    engine = speech.get_engine(settings)
    span = transcribe_end - 0.05

    def transcript_of(session: Session) -> Transcript:
        """The transcript being written: an earlier attempt's, or a new one."""
        return transcript_service.begin(
            session=session, recording_id=recording_id, language=language, model_name=engine.name
        )

    with session_scope() as session:
        hold(session)
        transcript = transcript_of(session)
        # A job taken over from another worker carries on after its last stored segment;
        # one run again after its transcript was finished hears nothing again.
        heard_all = transcript.complete
        resume_at = transcript_service.heard_until(session=session, transcript=transcript)
    if not heard_all:
        heard = engine.transcribe(
            audio, language, lambda f: report("transcribe", 0.05 + span * f), start_at=resume_at
        )
        for batch in _as_they_come(heard):
            with session_scope() as session:
                hold(session)
                transcript_service.append(
                    session=session, transcript=transcript_of(session), segments=batch
                )
        with session_scope() as session:
            hold(session)
            transcript_service.finish(session=session, recording_id=recording_id)

    if plan.needs_work:
        rendition = storage.file_path(recording_id, storage.RENDITION)
        report("rendition", transcribe_end)
        try:
            media.make_rendition(
                original,
                tmp(rendition),
                info,
                plan,
                lambda f: report("rendition", transcribe_end + (0.98 - transcribe_end) * f),
            )
        except MediaError as exc:
            raise _media_failure(
                exc, "rendition", None if exc.kind == "timeout" else "failure.rendition"
            ) from exc
        tmp(rendition).replace(rendition)

    poster = storage.file_path(recording_id, storage.POSTER)
    poster_name = poster_or_none(
        original, poster, info, tmp, at=0.98, report=report, what=recording_id
    )

    with session_scope() as session:
        hold(session)
        if session.get(Recording, recording_id) is None:
            raise PermanentFailure("failure.deleted")
        recording_service.set_media(
            session=session,
            recording_id=recording_id,
            playable_name=storage.RENDITION if plan.needs_work else storage.ORIGINAL,
            playable_mime=mime,
            poster_name=poster_name,
        )
