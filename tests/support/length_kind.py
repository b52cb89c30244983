"""A job kind that lives only in the tests: it measures a recording's length with ffprobe
and keeps it in the media store beside the recording's objects. It is registered by
importing this module (the tests do; a worker process does when
`SPARRING_WORKER_KIND_MODULES` names it), and needs nothing changed in the worker: the
proof that a new kind is one module."""

from app.core.db import session_scope
from app.media.probe import probe
from app.media.store import current, object_key
from app.recordings import service as recording_service
from app.recordings import storage
from workers import kinds
from workers.failures import PermanentFailure
from workers.pipeline import MediaWork
from workers.steps import Step, StepProgress, run_steps

MEASURE_LENGTH = "measure_length"
RESULT = "length.txt"


def result_of(recording_id: str) -> str | None:
    """What the kind wrote for the recording, if anything."""
    try:
        return b"".join(current().read(object_key(recording_id, RESULT))).decode()
    except FileNotFoundError:
        return None


def _run(work: kinds.Work) -> None:
    recording_id = work.claim.recording_id
    seconds: list[float] = []
    with MediaWork.of(recording_id, work.claim.tag, clean_stale=False) as files:
        try:
            original = files.input(storage.ORIGINAL)
        except FileNotFoundError as exc:
            raise PermanentFailure("failure.deleted") from exc

        def measure(_: object, progress: StepProgress) -> None:
            seconds.append(probe(original).duration)
            progress(1.0)

        def write(_: object, progress: StepProgress) -> None:
            files.scratch(RESULT).write_text(f"{seconds[0]:.1f}")
            with session_scope() as session:
                work.hold(session)  # only while the job is still ours
                files.keep(RESULT, "text/plain")

        # Stage names with words in the catalogs already (`stage.<name>` in app/core/labels.py).
        steps: list[Step[None]] = [Step("probe", 3, measure), Step("poster", 1, write)]
        run_steps(steps, None, work.report)


# The recording is this kind's subject: its page shows the job as it does its own.
KIND = kinds.register(kinds.Kind(MEASURE_LENGTH, run=_run, follow=recording_service.follow_job))
