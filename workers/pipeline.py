"""One recording's path through the worker (`process_recording` jobs): the steps probe,
audio, transcribe, rendition and poster, in order, each with its share of the progress bar.

Each step makes its file at a scratch path of its own claim and keeps it in the media store
when done (a rename in the data folder, an upload to a bucket: `MediaWork`), and every
database write of results happens inside a transaction that first makes sure the claim is
still held (`hold`), so a worker that lost its job changes nothing and a run that is
repeated leaves one result. A worker needs no folder shared with the web app: with a
bucket, what it reads and makes lives in its own `work/` folder while it works.
"""

import errno
import logging
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlmodel import Session

from app.core.config import settings
from app.core.db import session_scope
from app.insight import service as insight
from app.jobs import service as job_service
from app.jobs.models import PROCESS_RECORDING, TRANSCRIBE_AGAIN
from app.jobs.service import Claim
from app.media import objects as media_objects
from app.media import store as media_store
from app.media.models import Variant
from app.media.probe import MediaError, MediaInfo, probe
from app.media.store import LocalStore, MediaStore, Stored, object_key
from app.recordings import service as recording_service
from app.recordings.models import Recording
from app.recordings.storage import AUDIO, ORIGINAL, POSTER, RENDITION
from app.transcripts import actions as transcript_actions
from app.transcripts import again
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
def _no_space_is_permanent() -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise NoSpace() from exc
        raise


class MediaWork:
    """The media one claim works with, wherever the store keeps them: each object it reads
    as a local file (the store's own file, or a copy in the worker's `work/` folder, made
    once per run), and each object it makes at a scratch path of its own until kept.

    Everything local it made is removed when the run ends, whatever became of it; so is what
    earlier claims of the same recording left in its folder (a worker that died)."""

    def __init__(self, store: MediaStore, recording_id: str, tag: str, stack: ExitStack) -> None:
        self.store, self.recording_id, self.tag = store, recording_id, tag
        self._stack = stack
        self._local: dict[str, Path] = {}
        self._scratch: list[Path] = []

    @classmethod
    @contextmanager
    def of(cls, recording_id: str, tag: str, *, clean_stale: bool = True) -> Iterator["MediaWork"]:
        store = media_store.current()
        with ExitStack() as stack, _no_space_is_permanent():
            work = cls(store, recording_id, tag, stack)
            if clean_stale and isinstance(store, LocalStore):
                folder = store.path(object_key(recording_id, ORIGINAL)).parent
                for stale in folder.glob(".*.tmp"):
                    if not stale.name.endswith(f".{tag}.tmp"):
                        stale.unlink(missing_ok=True)
            try:
                yield work
            finally:
                for path in work._scratch:
                    path.unlink(missing_ok=True)
                media_store.clear_scratch(tag)

    def key(self, name: str) -> str:
        return object_key(self.recording_id, name)

    def input(self, name: str) -> Path:
        """The object `name` as a local file, for the rest of the run."""
        if name not in self._local:
            self._local[name] = self._stack.enter_context(
                self.store.local_copy(self.key(name), self.tag)
            )
        return self._local[name]

    def scratch(self, name: str) -> Path:
        """Where this run makes the new content of `name`."""
        path = self.store.scratch(self.key(name), self.tag)
        self._scratch.append(path)
        return path

    def keep(self, name: str, content_type: str) -> Stored:
        """Keep what was made at `scratch(name)` under its key (replacing what was there).
        Where the store is a bucket, the run keeps a local link to what it made, so a later
        step (transcription reads the audio) does not download it again."""
        made = self.scratch(name)
        if not isinstance(self.store, LocalStore):
            kept = made.with_name(f"{made.name}.kept")
            kept.unlink(missing_ok=True)
            os.link(made, kept)
            self._scratch.append(kept)
            self._local[name] = kept
        return self.store.keep(self.key(name), made, content_type=content_type)


def poster_or_none(
    source: Path, poster: Path, info: MediaInfo, *, progress: StepProgress, what: str
) -> bool:
    """Make a still at `poster`: False where none could be made (a missing poster does not
    stop anyone watching; the player shows no still). A full disk is `NoSpace`."""
    try:
        media.make_poster(source, poster, info, lambda: progress(0.0))
    except MediaError as exc:
        if exc.kind == "no_space":
            raise NoSpace() from exc
        log.warning("no poster for %s", what)
        return False
    return True


def process(
    *,
    recording_id: str,
    report: Progress,
    hold: Hold = _no_hold,
    tag: str = "",
    model: str | None = None,
    fallback_from: str | None = None,
) -> None:
    """Run every step for one recording with the speech `model` its job names (None: its
    language's in these settings); `report(stage, fraction)` records progress and
    `hold(session)` raises if the job is no longer ours."""
    with session_scope() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise PermanentFailure("failure.deleted")
        language = recording.language
    with MediaWork.of(recording_id, tag) as files:
        run = RecordingRun(
            recording_id=recording_id,
            language=language,
            hold=hold,
            files=files,
            model=model or settings.whisper_model_for(language),
            fallback_from=fallback_from,
        )
        try:
            run.original()
        except FileNotFoundError as exc:
            raise PermanentFailure("failure.deleted") from exc
        run_steps(STEPS, run, report)
        _keep_media(run)


@dataclass
class RecordingRun:
    """One run of the pipeline: what it works on, and what its steps found so far."""

    recording_id: str
    language: str
    hold: Hold
    files: MediaWork
    model: str = ""  # the speech model to transcribe with, as the settings name it
    fallback_from: str | None = None  # the model the job wanted, where no worker had it
    info: MediaInfo | None = None  # from the probe on
    plan: RenditionPlan | None = None
    mime: str = ""
    poster_name: str | None = None

    def original(self) -> Path:
        return self.files.input(ORIGINAL)

    def keep(self, name: str, variant: Variant, content_type: str) -> None:
        """Keep a file this run made, and its row, while the job is still ours."""
        stored = self.files.keep(name, content_type)
        with session_scope() as session:
            self.hold(session)
            if session.get(Recording, self.recording_id) is None:
                self.files.store.delete(stored.key)
                raise PermanentFailure("failure.deleted")
            media_objects.record(
                session=session,
                recording_id=self.recording_id,
                variant=variant,
                stored=stored,
                content_type=content_type,
            )

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
    original = run.original()
    try:
        run.info = probe(original)
    except MediaError as exc:
        raise media_failure(exc, "probe") from exc
    run.plan, run.mime = media.plan_rendition(original, run.info)


def _audio(run: RecordingRun, progress: StepProgress) -> None:
    try:
        media.extract_audio(
            run.original(), run.files.scratch(AUDIO), run.media_info().duration, progress
        )
    except MediaError as exc:
        raise media_failure(exc, "audio") from exc
    run.keep(AUDIO, Variant.audio, "audio/wav")
    if not run.rendition_plan().needs_work:
        # The original plays as it is: a reader can watch while the words are still coming.
        with session_scope() as session:
            run.hold(session)
            recording_service.set_media(
                session=session,
                recording_id=run.recording_id,
                playable_name=ORIGINAL,
                playable_mime=run.mime,
                poster_name=None,
            )


def _transcribe(run: RecordingRun, progress: StepProgress) -> None:
    """The recording heard into the first version of its transcript."""
    transcribe_version(run, progress, job_id=None)


def transcribe_version(run: RecordingRun, progress: StepProgress, job_id: int | None) -> None:
    """Hear the recording into a version of its transcript: the first (the upload's job,
    `job_id` None) or a new one of a "transcribe again" job, which takes over once whole."""
    engine = speech.get_engine(settings, run.language, model=run.model)
    heard = replace(engine.heard(), fallback_from=run.fallback_from)

    def transcript_of(session: Session) -> Transcript:
        """The version being written: an earlier attempt's, or a new one."""
        return transcript_service.begin(
            session=session,
            recording_id=run.recording_id,
            language=run.language,
            heard=heard,
            job_id=job_id,
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
    audio = run.files.input(AUDIO)
    lines = engine.transcribe(audio, run.language, progress, start_at=resume_at)
    for batch in _as_they_come(lines):
        with session_scope() as session:
            run.hold(session)
            transcript_service.append(
                session=session, transcript=transcript_of(session), segments=batch
            )
    with session_scope() as session:
        run.hold(session)
        transcript = transcript_of(session)
        earlier = transcript_service.finish(session=session, transcript=transcript)
        if earlier is not None:
            transcript_actions.audit_new_version(session, earlier, transcript)
        # Who speaks and how the questions are asked, as a job of its own after this one.
        insight.request(session=session, recording_id=run.recording_id)


def _rendition(run: RecordingRun, progress: StepProgress) -> None:
    try:
        media.make_rendition(
            run.original(),
            run.files.scratch(RENDITION),
            run.media_info(),
            run.rendition_plan(),
            progress,
        )
    except MediaError as exc:
        raise media_failure(
            exc, "rendition", None if exc.kind == "timeout" else "failure.rendition"
        ) from exc
    run.keep(RENDITION, Variant.playable, run.mime)


def _poster(run: RecordingRun, progress: StepProgress) -> None:
    made = poster_or_none(
        run.original(),
        run.files.scratch(POSTER),
        run.media_info(),
        progress=progress,
        what=run.recording_id,
    )
    if made:
        run.keep(POSTER, Variant.poster, "image/png")
        run.poster_name = POSTER


def _keep_media(run: RecordingRun) -> None:
    """The files a person plays, once every step is done."""
    with session_scope() as session:
        run.hold(session)
        if session.get(Recording, run.recording_id) is None:
            raise PermanentFailure("failure.deleted")
        recording_service.set_media(
            session=session,
            recording_id=run.recording_id,
            playable_name=RENDITION if run.rendition_plan().needs_work else ORIGINAL,
            playable_mime=run.mime,
            poster_name=run.poster_name,
        )


@dataclass(frozen=True)
class MediaMade:
    playable_name: str
    playable_mime: str
    poster_name: str | None


def make_media_now(*, session: Session, recording_id: str, tag: str) -> MediaMade:
    """The media the steps make (audio, a rendition where the original does not play as it
    is, a poster) made at once and recorded in the caller's transaction, with no job and no
    transcription: for the demo content and the tests' ready recordings."""
    with MediaWork.of(recording_id, tag, clean_stale=False) as files:
        original = files.input(ORIGINAL)
        info = probe(original)
        plan, mime = media.plan_rendition(original, info)
        made = [(AUDIO, Variant.audio, "audio/wav"), (POSTER, Variant.poster, "image/png")]
        media.extract_audio(original, files.scratch(AUDIO), info.duration)
        playable = ORIGINAL
        if plan.needs_work:
            playable = RENDITION
            media.make_rendition(original, files.scratch(RENDITION), info, plan)
            made.append((RENDITION, Variant.playable, mime))
        media.make_poster(original, files.scratch(POSTER), info)
        for name, variant, content_type in made:
            media_objects.record(
                session=session,
                recording_id=recording_id,
                variant=variant,
                stored=files.keep(name, content_type),
                content_type=content_type,
            )
    return MediaMade(playable, mime, POSTER)


def finish_now(*, session: Session, recording_id: str, made: MediaMade, claim: Claim) -> None:
    """Record the media and end the claimed job as `process` does, in the caller's
    transaction: the demo content's and the tests' ready recordings."""
    recording_service.set_media(
        session=session,
        recording_id=recording_id,
        playable_name=made.playable_name,
        playable_mime=made.playable_mime,
        poster_name=made.poster_name,
    )
    state = job_service.succeed(session=session, claim=claim)
    assert state is not None, "the claim was this caller's"
    recording_service.follow_job(session=session, state=state)


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
        model=work.claim.model,
        fallback_from=work.claim.fallback_from,
    )


kinds.register(kinds.Kind(PROCESS_RECORDING, run=_run_job, follow=recording_service.follow_job))


def _transcribe_again(work: Work) -> None:
    """A ready recording's audio heard again into a new version of its transcript."""
    claim = work.claim
    with session_scope() as session:
        recording = session.get(Recording, claim.recording_id)
        if recording is None:
            raise PermanentFailure("failure.deleted")
        language = recording.language
    with MediaWork.of(claim.recording_id, claim.tag, clean_stale=False) as files:
        run = RecordingRun(
            recording_id=claim.recording_id,
            language=language,
            hold=work.hold,
            files=files,
            model=claim.model or settings.whisper_model_for(language),
            fallback_from=claim.fallback_from,
        )

        def hear(run: RecordingRun, progress: StepProgress) -> None:
            try:
                transcribe_version(run, progress, job_id=claim.job_id)
            except FileNotFoundError as exc:  # the recording went while it was heard
                raise PermanentFailure("failure.deleted") from exc

        run_steps([Step("transcribe", 1, hear)], run, work.report)


kinds.register(kinds.Kind(TRANSCRIBE_AGAIN, run=_transcribe_again, follow=again.follow))
