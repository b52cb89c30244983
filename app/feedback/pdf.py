"""The sparring PDF as a load: made in a bounded pool of processes, one at a time per
person, and kept until what is in it changes.

A 400-page PDF costs some 16 s of CPU in WeasyPrint. Made in the request's thread, four at
once took 99 s each and slowed every other page. Here it is made in one of
`settings.pdf_workers` processes while the request waits without holding a thread or the
event loop; the same document asked for again (by anyone who sees the same) comes from
memory, and one person's second PDF while their first is being made is refused (429): the
first still arrives, and no one can queue up renders for the others to wait behind.
"""

import asyncio
import hashlib
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool

from app.core.config import settings
from app.core.errors import TooManyAtOnce
from app.core.i18n import N_
from app.feedback.document import SparringDocument

PRINT_CSS = Path(__file__).resolve().parents[1] / "static" / "print.css"
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def to_pdf(html: str) -> bytes:
    """HTML to PDF with WeasyPrint (Pango, no browser); the stylesheet read from disk. Runs
    in the pool's process."""
    # Imported here: WeasyPrint loads Pango at import, needed only when a PDF is made.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):  # type: ignore[misc]
        """The document needs nothing from outside: a URL in it is never followed."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError("the sparring document fetches nothing")

    fetcher = NoFetching()
    stylesheet = CSS(filename=str(PRINT_CSS), url_fetcher=fetcher)
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])
    assert pdf is not None
    return bytes(pdf)


def _follow_parent(parent: int) -> None:
    """A PDF process ends with its server, even one killed without a chance to stop it."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def key_of(recording_id: str, lang: str, doc: SparringDocument) -> str:
    """What the PDF is made of: the recording, the language and the whole document (every
    item, its text, kind, criteria, edits, replies and transcript lines, the title, the
    counts), but not the moment it was made, so that an unchanged document is made once.
    The template and the stylesheet change only with a new release, which starts afresh."""
    made_of = repr((recording_id, lang, replace(doc, made_at=_EPOCH)))
    return hashlib.sha256(made_of.encode()).hexdigest()


class Renderer:
    """Makes PDFs in a pool, one at a time per person, and keeps them in memory (least
    recently used first out, up to `settings.pdf_cache_bytes`)."""

    def __init__(
        self, make: Callable[[str], bytes] = to_pdf, executor: Executor | None = None
    ) -> None:
        self.make = make
        self.renders = 0  # PDFs actually made: every other answer came from memory
        self._executor = executor
        self._lock = threading.RLock()  # a done callback may run inside it
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cached_bytes = 0
        self._running: dict[str, Future[bytes]] = {}
        self._busy: set[int] = set()

    def _pool(self) -> Executor:
        if self._executor is None:
            # Spawned, not forked: a fork of a threaded server may inherit a held lock.
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                settings.pdf_workers,
                mp_context=context,
                initializer=_follow_parent,
                initargs=(os.getpid(),),
            )
        return self._executor

    def close(self) -> None:
        """Stop the pool (at shutdown); it starts again when the next PDF is asked for."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    async def pdf(self, person: int, key: str, source: Callable[[], str]) -> bytes:
        """The PDF made of `key`: from memory, or made from `source()` (the HTML) for
        `person`, who may have one made at a time."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            if person in self._busy:
                raise TooManyAtOnce(
                    N_("Your PDF is still being made. It arrives soon; then try again."),
                    code="pdf.busy",
                )
            self._busy.add(person)
        try:
            future = self._running.get(key)
            if future is None:
                html = await run_in_threadpool(source)
                future = self._start(key, html)
        except BaseException:
            self._release(person)
            raise
        # The person's turn ends when the PDF is made, even if they stopped waiting.
        future.add_done_callback(lambda _: self._release(person))
        # Shielded: one who stops waiting does not cancel a PDF that others wait for.
        return await asyncio.shield(asyncio.wrap_future(future))

    def _start(self, key: str, html: str) -> "Future[bytes]":
        with self._lock:
            future = self._running.get(key)  # someone else started it meanwhile
            if future is None:
                future = self._pool().submit(self.make, html)
                self.renders += 1
                self._running[key] = future
                future.add_done_callback(lambda done: self._keep(key, done))
            return future

    def _keep(self, key: str, done: "Future[bytes]") -> None:
        with self._lock:
            self._running.pop(key, None)
            if done.cancelled() or done.exception() is not None:
                return
            body = done.result()
            if len(body) > settings.pdf_cache_bytes:
                return
            self._cache[key] = body
            self._cached_bytes += len(body)
            while self._cached_bytes > settings.pdf_cache_bytes:
                _, dropped = self._cache.popitem(last=False)
                self._cached_bytes -= len(dropped)

    def _release(self, person: int) -> None:
        with self._lock:
            self._busy.discard(person)


renderer = Renderer()
