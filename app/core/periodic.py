"""Work an app process repeats while it runs (the sweeps): begun with the app, ended with it."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def repeating(work: Callable[[], object], every: float, what: str) -> AsyncIterator[None]:
    """`work` in a thread every `every` seconds while the block runs; a failure is logged
    (as `what` failed) and the next round comes as planned."""

    async def rounds() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await asyncio.to_thread(work)
            except Exception:
                log.exception("%s failed", what)

    task = asyncio.create_task(rounds())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
