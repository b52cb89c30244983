"""The web app's share of keeping the data folder clean: private modes, no crash debris."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from app.core.config import settings
from app.recordings import storage

log = logging.getLogger(__name__)


async def _sweep_every(seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(storage.sweep_partial_uploads)
        except Exception:
            log.exception("sweeping partial uploads failed")


@contextlib.asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """At start: umask 077, modes fixed, `.part` files left by a crash removed; then a sweep
    every `upload_sweep_interval_seconds` (only files no live upload holds locked)."""
    await asyncio.to_thread(storage.secure_data_dir)
    task = asyncio.create_task(_sweep_every(settings.upload_sweep_interval_seconds))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
