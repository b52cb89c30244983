"""Huey carries job ids; SQLite storage embedded, Redis when SPARRING_QUEUE_URL says so."""

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
    from workers.tasks import process_recording

    if delay > 0:
        process_recording.schedule((job_id,), delay=delay)
    else:
        process_recording(job_id)
