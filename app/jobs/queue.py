"""The queue carries job ids: Huey on SQLite embedded, on Redis when SPARRING_QUEUE_URL says so.

The web app only sends ids; the worker process says what runs them (`set_runner`), so this
package needs nothing from the pipeline above it.
"""

from collections.abc import Callable
from datetime import timedelta

from huey import Huey, RedisHuey, SqliteHuey

from app.core.config import settings
from app.core.db import session_scope
from app.core.timeutil import utcnow
from app.jobs import service

# The task's name in queued messages: kept from before the queue moved here, so messages
# already waiting in a queue are still understood after an upgrade.
TASK_NAME = "workers.tasks.process_recording"

Runner = Callable[[int], str]
_runner: list[Runner] = []


def make_huey() -> Huey:
    url = settings.queue_url
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("videosparring", url=url)
    if url and not url.startswith("sqlite:///"):
        raise ValueError("SPARRING_QUEUE_URL must be redis://… or sqlite:///…")
    path = url.removeprefix("sqlite:///") if url else str(settings.resolved_data_dir / "queue.db")
    return SqliteHuey("videosparring", filename=path)


huey = make_huey()


def set_runner(runner: Runner) -> None:
    """The worker's job runner: what a queued job id is handed to."""
    _runner[:] = [runner]


@huey.task(name=TASK_NAME)
def process_job(job_id: int) -> str:
    if not _runner:
        raise RuntimeError("no job runner in this process: start it with `python -m workers`")
    return _runner[0](job_id)


def enqueue(job_id: int, delay: float = 0) -> None:
    """Send the job's id to the queue, then note that it was sent; raises if the queue is
    unreachable (the job stays unsent and the worker's recovery loop sends it later)."""
    if delay > 0:
        process_job.schedule((job_id,), delay=delay)
    else:
        process_job(job_id)
    with session_scope() as session:
        service.mark_enqueued(
            session=session, job_id=job_id, at=utcnow() + timedelta(seconds=delay)
        )
