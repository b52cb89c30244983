"""A job kind that lives only in the tests: it measures a recording's length with ffprobe and
writes it next to the recording's files. It is registered by importing this module (the
tests do; a worker process does when `SPARRING_WORKER_KIND_MODULES` names it), and needs
nothing changed in the worker: the proof that a new kind is one module."""

from app.core.db import session_scope
from app.media.probe import probe
from app.recordings import service as recording_service
from app.recordings import storage
from workers import kinds
from workers.failures import PermanentFailure
from workers.pipeline import temporary_names
from workers.steps import Step, StepProgress, run_steps

MEASURE_LENGTH = "measure_length"
RESULT = "length.txt"


def result_of(recording_id: str) -> str | None:
    """What the kind wrote for the recording, if anything."""
    path = storage.file_path(recording_id, RESULT)
    return path.read_text() if path.exists() else None


def _run(work: kinds.Work) -> None:
    recording_id = work.claim.recording_id
    original = storage.file_path(recording_id, storage.ORIGINAL)
    if not original.exists():
        raise PermanentFailure("failure.deleted")
    seconds: list[float] = []

    def measure(_: object, progress: StepProgress) -> None:
        seconds.append(probe(original).duration)
        progress(1.0)

    def write(_: object, progress: StepProgress) -> None:
        target = storage.file_path(recording_id, RESULT)
        with temporary_names(work.claim.tag) as tmp:
            tmp(target).write_text(f"{seconds[0]:.1f}")
            with session_scope() as session:
                work.hold(session)  # only while the job is still ours
                tmp(target).replace(target)

    # Stage names with words in the catalogs already (`stage.<name>` in app/core/labels.py).
    steps: list[Step[None]] = [Step("probe", 3, measure), Step("poster", 1, write)]
    run_steps(steps, None, work.report)


# The recording is this kind's subject: its page shows the job as it does its own.
KIND = kinds.register(kinds.Kind(MEASURE_LENGTH, run=_run, follow=recording_service.follow_job))
