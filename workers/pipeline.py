"""One recording's path through the worker (`process_recording` jobs): the steps probe,
audio, transcribe, rendition and poster, in order, each with its share of the progress bar.

Each step writes its file under a temporary name of its own claim and renames it when
done, and every database write of results happens inside a transaction that first makes
sure the claim is still held (`hold`), so a worker that lost its job changes nothing and a
run that is repeated leaves one result.
"""

import errno
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from app.core.config import settings
from app.core.db import session_scope
from app.jobs.models import PROCESS_RECORDING
from app.media.probe import MediaError, MediaInfo, probe
from app.recordings import service as recording_service
from app.recordings import storage
from app.recordings.models import Recording
from app.transcripts import service as transcript_service
from app.transcripts.models import Transcript
from workers import kinds, media, speech
from workers.failures import NoSpace, PermanentFailure, media_failure
from workers.kinds import Hold, Progress, Work
from workers.media import RenditionPlan
from workers.steps import Step, StepProgress, run_steps

log = logging.getLogger(__name__)


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
    progress: StepProgress,
    what: str,
) -> str | None:
    """Make `poster`: its file name, or None where none could be made (a missing poster does
    not stop anyone watching; the player shows no still). A full disk is `NoSpace`."""
    try:
        media.make_poster(source, tmp(poster), info, lambda: progress(0.0))
        tmp(poster).replace(poster)
    except MediaError as exc:
        if exc.kind == "no_space":
            raise NoSpace() from exc
        log.warning("no poster for %s", what)
        return None
    return poster.name


def process(*, recording_id: str, report: Progress, hold: Hold = _no_hold, tag: str = "") -> None:
    """Run every step for one recording; `report(stage, fraction)` records progress and
    `hold(session)` raises if the job is no longer ours."""
    with session_scope() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise PermanentFailure("failure.deleted")
        language = recording.language
    with _temporary_files(storage.recording_dir(recording_id), tag) as tmp:
        run = RecordingRun(recording_id=recording_id, language=language, hold=hold, tmp=tmp)
        run_steps(STEPS, run, report)
        _keep_media(run)


@dataclass
class RecordingRun:
    """One run of the pipeline: what it works on, and what its steps found so far."""

    recording_id: str
    language: str
    hold: Hold
    tmp: Callable[[Path], Path]
    info: MediaInfo | None = None  # from the probe on
    plan: RenditionPlan | None = None
    mime: str = ""
    poster_name: str | None = None

    def file(self, name: str) -> Path:
        return storage.file_path(self.recording_id, name)

    @property
    def needs_rendition(self) -> bool:
        return self.plan is None or self.plan.needs_work  # before the probe: as if it did

    @property
    def reencodes_video(self) -> bool:
        """Transcoding video is costly: it takes a bigger share of the bar."""
        info, plan = self.info, self.plan
        return bool(info and plan and plan.needs_work and info.has_video and not plan.copy_video)

    def media_info(self) -> MediaInfo:
        assert self.info is not None, "the probe runs first"
        return self.info

    def rendition_plan(self) -> RenditionPlan:
        assert self.plan is not None, "the probe runs first"
        return self.plan


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


def _probe(run: RecordingRun, progress: StepProgress) -> None:
    original = run.file(storage.ORIGINAL)
    try:
        run.info = probe(original)
    except MediaError as exc:
        raise media_failure(exc, "probe") from exc
    run.plan, run.mime = media.plan_rendition(original, run.info)


def _audio(run: RecordingRun, progress: StepProgress) -> None:
    audio = run.file(storage.AUDIO)
    try:
        media.extract_audio(
            run.file(storage.ORIGINAL), run.tmp(audio), run.media_info().duration, progress
        )
    except MediaError as exc:
        raise media_failure(exc, "audio") from exc
    run.tmp(audio).replace(audio)
    if not run.rendition_plan().needs_work:
        # The original plays as it is: a reader can watch while the words are still coming.
        with session_scope() as session:
            run.hold(session)
            recording_service.set_media(
                session=session,
                recording_id=run.recording_id,
                playable_name=storage.ORIGINAL,
                playable_mime=run.mime,
                poster_name=None,
            )


def _transcribe(run: RecordingRun, progress: StepProgress) -> None:
    engine = speech.get_engine(settings)

    def transcript_of(session: Session) -> Transcript:
        """The transcript being written: an earlier attempt's, or a new one."""
        return transcript_service.begin(
            session=session,
            recording_id=run.recording_id,
            language=run.language,
            model_name=engine.name,
        )

    with session_scope() as session:
        run.hold(session)
        transcript = transcript_of(session)
        # A job taken over from another worker carries on after its last stored segment;
        # one run again after its transcript was finished hears nothing again.
        heard_all = transcript.complete
        resume_at = transcript_service.heard_until(session=session, transcript=transcript)
    if heard_all:
        return
    heard = engine.transcribe(run.file(storage.AUDIO), run.language, progress, start_at=resume_at)
    for batch in _as_they_come(heard):
        with session_scope() as session:
            run.hold(session)
            transcript_service.append(
                session=session, transcript=transcript_of(session), segments=batch
            )
    with session_scope() as session:
        run.hold(session)
        transcript_service.finish(session=session, recording_id=run.recording_id)


def _rendition(run: RecordingRun, progress: StepProgress) -> None:
    rendition = run.file(storage.RENDITION)
    try:
        media.make_rendition(
            run.file(storage.ORIGINAL),
            run.tmp(rendition),
            run.media_info(),
            run.rendition_plan(),
            progress,
        )
    except MediaError as exc:
        raise media_failure(
            exc, "rendition", None if exc.kind == "timeout" else "failure.rendition"
        ) from exc
    run.tmp(rendition).replace(rendition)


def _poster(run: RecordingRun, progress: StepProgress) -> None:
    run.poster_name = poster_or_none(
        run.file(storage.ORIGINAL),
        run.file(storage.POSTER),
        run.media_info(),
        run.tmp,
        progress=progress,
        what=run.recording_id,
    )


def _keep_media(run: RecordingRun) -> None:
    """The files a person plays, once every step is done."""
    with session_scope() as session:
        run.hold(session)
        if session.get(Recording, run.recording_id) is None:
            raise PermanentFailure("failure.deleted")
        recording_service.set_media(
            session=session,
            recording_id=run.recording_id,
            playable_name=storage.RENDITION
            if run.rendition_plan().needs_work
            else storage.ORIGINAL,
            playable_mime=run.mime,
            poster_name=run.poster_name,
        )


# Shares of the bar: transcription dominates; transcoding video is costly too. A rendition's
# weight is read after the probe; the original that plays as it is needs none.
STEPS: list[Step[RecordingRun]] = [
    Step("probe", 1, _probe),
    Step("audio", 4, _audio),
    Step("transcribe", lambda run: 65 if run.reencodes_video else 87, _transcribe),
    Step(
        "rendition",
        lambda run: (28 if run.reencodes_video else 6) if run.needs_rendition else 0,
        _rendition,
    ),
    Step("poster", 2, _poster),
]


def _run_job(work: Work) -> None:
    # `process` is looked up when the job runs (tests wrap it).
    process(
        recording_id=work.claim.recording_id,
        report=work.report,
        hold=work.hold,
        tag=work.claim.tag,
    )


kinds.register(kinds.Kind(PROCESS_RECORDING, run=_run_job, follow=recording_service.follow_job))
