"""`python -m workers`: one worker process (Huey consumer plus the lease reaper), which says
while it runs which speech models it offers (`app.jobs.presence`)."""

import logging
import threading

from app.core import logs
from app.core.config import settings
from app.core.db import session_scope
from app.jobs import presence, queue
from app.media import store as media_store
from app.recordings import storage
from app.recordings.housekeeping import purge_expired
from app.sessions import retention as session_retention
from workers import kinds, speech
from workers.tasks import offer, recover

log = logging.getLogger("workers")


def _reaper(stop: threading.Event) -> None:
    """Expired leases back to the queue; recordings past their deletion date deleted."""
    while not stop.wait(settings.reaper_interval_seconds):
        try:
            _announce()
            requeued = recover()
            if requeued:
                log.info("reaper sent jobs %s to the queue again", requeued)
            deleted = purge_expired()
            if deleted:
                log.info("retention deleted recordings %s", deleted)
            reflections = session_retention.purge_expired()
            if reflections:
                log.info("retention deleted reflections %s", reflections)
        except Exception:
            log.exception("reaper pass failed")


def _announce() -> None:
    """This worker lives, with these models (a pass the database missed: the next one)."""
    try:
        with session_scope() as session:
            presence.announce(session=session, offer=offer())
    except Exception:
        log.exception("could not say that this worker lives")


def _leave() -> None:
    try:
        with session_scope() as session:
            presence.leave(session=session, worker=offer().worker)
    except Exception:
        log.exception("could not say that this worker stops")


def main() -> None:
    logs.configure()
    # umask 077, private modes, `.part` files a crashed upload left (helper E, issue 6 #12).
    log.info("partial uploads removed at start: %s", storage.secure_data_dir())
    media_store.current().prepare()
    media_store.clear_stale_scratch()  # what claims of a worker that died left in work/
    models = settings.offered_models()
    try:
        speech.get_engine(settings, model=models[0]).load()
    except speech.ModelUnavailable as exc:
        # Jobs will fail with this reason and the operator sees it on the recording page.
        log.error("%s", exc)
    kinds.load(settings.worker_kind_modules.split(","))
    log.info("job kinds: %s", ", ".join(sorted(kinds.known())))
    log.info(
        "speech models offered: %s (%s, %s)",
        ", ".join(models),
        settings.whisper_device,
        settings.whisper_compute_type,
    )
    _announce()
    log.info("recovered jobs at start: %s", recover())
    stop = threading.Event()
    reaper = threading.Thread(target=_reaper, args=(stop,), daemon=True, name="reaper")
    reaper.start()
    # An idle consumer polls its queues at most queue_poll_seconds apart (Huey's default is
    # 10 s): part of the 30 s in which a dead worker's job must run again.
    consumer = queue.consumer(
        models,
        workers=settings.worker_threads,
        worker_type="thread",
        max_delay=settings.queue_poll_seconds,
        check_worker_health=True,
        health_check_interval=max(settings.queue_poll_seconds, 1.0),
    )
    try:
        consumer.run()
    finally:
        stop.set()
        # A pass under way would say this worker lives again after it said it stops.
        reaper.join(timeout=30)
        _leave()


if __name__ == "__main__":
    main()
