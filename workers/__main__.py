"""`python -m workers`: one worker process (Huey consumer plus the lease reaper)."""

import logging
import threading

from app.core.config import settings
from app.retention.service import purge_expired
from workers import speech
from workers.queue import huey
from workers.tasks import recover

log = logging.getLogger("workers")


def _reaper(stop: threading.Event) -> None:
    """Expired leases back to the queue; recordings past their deletion date deleted."""
    while not stop.wait(settings.reaper_interval_seconds):
        try:
            requeued = recover()
            if requeued:
                log.info("reaper sent jobs %s to the queue again", requeued)
            deleted = purge_expired()
            if deleted:
                log.info("retention deleted recordings %s", deleted)
        except Exception:
            log.exception("reaper pass failed")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        speech.get_engine(settings).load()
    except speech.ModelUnavailable as exc:
        # Jobs will fail with this reason and the operator sees it on the recording page.
        log.error("%s", exc)
    log.info("recovered jobs at start: %s", recover())
    stop = threading.Event()
    threading.Thread(target=_reaper, args=(stop,), daemon=True, name="reaper").start()
    consumer = huey.create_consumer(workers=settings.worker_threads, worker_type="thread")
    try:
        consumer.run()
    finally:
        stop.set()


if __name__ == "__main__":
    main()
