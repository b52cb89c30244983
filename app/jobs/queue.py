"""The queue carries job ids: Huey on SQLite embedded, on Redis when SPARRING_QUEUE_URL says so.

A job that needs a speech model travels in that model's own queue ("videosparring-m-" and a
short hash of the model's name), everything else in the default one ("videosparring"); a
worker consumes the default queue and those of the models it offers (`consumer`), so a
message never reaches a worker that would have to put it back.

The web app only sends ids; the worker process says what runs them (`set_runner`), so this
package needs nothing from the pipeline above it.
"""

import hashlib
import threading
import time
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from huey.consumer import Consumer, Scheduler, Worker
from huey.storage import RedisStorage, SqliteStorage

from app.core.config import settings
from app.core.db import session_scope
from app.core.timeutil import utcnow
from app.jobs import service

# The task's name in queued messages: kept from before the queue moved here, so messages
# already waiting in a queue are still understood after an upgrade.
TASK_NAME = "workers.tasks.process_recording"
DEFAULT_QUEUE = "videosparring"

Runner = Callable[[int], str]
_runner: list[Runner] = []


def make_huey(name: str = DEFAULT_QUEUE) -> Huey:
    url = settings.queue_url
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url)
    if url and not url.startswith("sqlite:///"):
        raise ValueError("SPARRING_QUEUE_URL must be redis://… or sqlite:///…")
    path = url.removeprefix("sqlite:///") if url else str(settings.resolved_data_dir / "queue.db")
    return SqliteHuey(name, filename=path)


huey = make_huey()


def set_runner(runner: Runner) -> None:
    """The worker's job runner: what a queued job id is handed to."""
    _runner[:] = [runner]


def _run(job_id: int) -> str:
    if not _runner:
        raise RuntimeError("no job runner in this process: start it with `python -m workers`")
    return _runner[0](job_id)


process_job = huey.task(name=TASK_NAME)(_run)


def queue_name(model: str | None) -> str:
    """The queue of jobs that need `model` (None: the default queue). A hash: a model's name
    may be a server path, and a queue's name must be short and plain."""
    if model is None:
        return DEFAULT_QUEUE
    return f"{DEFAULT_QUEUE}-m-{hashlib.sha256(model.encode()).hexdigest()[:12]}"


# Model queues on the default queue's store, by (name, store): a test may swap the store.
_model_tasks: dict[tuple[str, int], TaskWrapper] = {}
_lock = threading.Lock()


def _task_for(model: str | None) -> TaskWrapper:
    """The task that sends a job id to the queue of `model`."""
    if model is None:
        return process_job
    name, storage = queue_name(model), huey.storage
    with _lock:
        key = (name, id(storage))
        if key not in _model_tasks:
            made: Huey
            if isinstance(storage, RedisStorage):
                made = RedisHuey(name, connection_pool=storage.pool)
            elif isinstance(storage, SqliteStorage):
                made = SqliteHuey(name, filename=storage.filename)
            else:  # pragma: no cover - make_huey makes only these two
                raise TypeError(f"no model queues on {type(storage).__name__}")
            _model_tasks[key] = made.task(name=TASK_NAME)(_run)
        return _model_tasks[key]


def huey_for(model: str | None) -> Huey:
    """The Huey of `model`'s queue (None: the default queue)."""
    return _task_for(model).huey


def enqueue(job_id: int, delay: float = 0) -> None:
    """Send the job's id to its model's queue, then note that it was sent; raises if the
    queue is unreachable (the job stays unsent and the worker's recovery loop sends it later)."""
    with session_scope() as session:
        model = service.model_of(session=session, job_id=job_id)
    task = _task_for(model)
    if delay > 0:
        task.schedule((job_id,), delay=delay)
    else:
        task(job_id)
    with session_scope() as session:
        service.mark_enqueued(
            session=session, job_id=job_id, at=utcnow() + timedelta(seconds=delay)
        )


class _Worker(Worker):
    """A consumer thread that takes the next message from any of its queues, in turn."""

    def __init__(self, hueys: list[Huey], **options: Any) -> None:
        super().__init__(hueys[0], **options)
        self.hueys = hueys
        self._first = 0

    def loop(self, now: datetime | None = None) -> None:
        count = len(self.hueys)
        for step in range(count):
            queue = self.hueys[(self._first + step) % count]
            try:
                task = queue.dequeue()
            except Exception:
                self._logger.exception("Error reading from queue %s", queue.name)
                continue
            if task is None:
                continue
            # The next turn starts after this queue: a busy one does not starve the others.
            self._first = (self._first + step + 1) % count
            self.delay = self.default_delay
            try:
                queue.execute(task, now)
            except Exception:
                self._logger.exception("Unhandled error during execution of task %s.", task.id)
            return
        self.sleep()


class _Scheduler(Scheduler):
    """Moves each queue's delayed messages (retries) into it when their time comes."""

    _next_loop: float

    def __init__(self, hueys: list[Huey], **options: Any) -> None:
        super().__init__(hueys[0], **options)
        self.hueys = hueys

    def loop(self, now: datetime | None = None) -> None:
        current = self._next_loop
        self._next_loop += self.interval
        if self._next_loop < time.monotonic():
            self._next_loop = time.monotonic()
            return
        for queue in self.hueys:
            try:
                for task in queue.read_schedule(now):
                    queue.enqueue(task)
            except Exception:
                self._logger.exception("Error moving the schedule of queue %s", queue.name)
        self.sleep_for_interval(current, self.interval)


class _Consumer(Consumer):
    """Huey's consumer (threads, health checks, signals, a graceful stop) over several queues."""

    def __init__(self, hueys: list[Huey], **options: Any) -> None:
        self.hueys = hueys  # read while the base class makes its threads
        super().__init__(hueys[0], periodic=False, **options)
        for queue in hueys:
            queue._timeout_handler = self.environment.timeout

    def _create_worker(self) -> Worker:
        return _Worker(
            self.hueys,
            stop_flag=self.stop_flag,
            default_delay=self.default_delay,
            max_delay=self.max_delay,
            backoff=self.backoff,
            max_tasks=self.max_tasks,
        )

    def _create_scheduler(self) -> Scheduler:
        return _Scheduler(
            self.hueys, stop_flag=self.stop_flag, interval=self.scheduler_interval, periodic=False
        )


def consumer(models: Collection[str], **options: Any) -> Consumer:
    """A consumer of the default queue and the queues of `models`. It polls each in turn
    (`queue_poll_seconds` apart at most when all are empty) rather than blocking on one."""
    hueys = [huey, *(huey_for(model) for model in dict.fromkeys(models))]
    for queue in hueys:
        queue.storage.blocking = False  # a Redis queue would block a second on each
    return _Consumer(hueys, **options)
