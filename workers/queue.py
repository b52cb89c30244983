"""Huey carries job ids; SQLite storage embedded, Redis when SPARRING_QUEUE_URL says so."""

from datetime import timedelta

from huey import Huey, RedisHuey, SqliteHuey

from app.core.config import settings


def make_huey() -> Huey:
    url = settings.queue_url
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("videosparring", url=url)
    if url and not url.startswith("sqlite:///"):
        raise ValueError("SPARRING_QUEUE_URL must be redis://… or sqlite:///…")
    path = url.removeprefix("sqlite:///") if url else str(settings.resolved_data_dir / "queue.db")
    return SqliteHuey("videosparring", filename=path)


huey = make_huey()


def enqueue_processing(job_id: int, delay: float = 0) -> None:
    """Send the job's id to the queue, then note that it was sent; raises if the queue is
    unreachable (the job stays unsent and the worker's recovery loop sends it later)."""
    from app.core.db import session_scope
    from app.core.timeutil import utcnow
    from app.jobs import service as job_service
    from workers.tasks import process_recording

    if delay > 0:
        process_recording.schedule((job_id,), delay=delay)
    else:
        process_recording(job_id)
    with session_scope() as session:
        job_service.mark_enqueued(
            session=session, job_id=job_id, at=utcnow() + timedelta(seconds=delay)
        )
