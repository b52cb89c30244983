"""An upload on its way in, the names of a recording's objects, and the data folder's modes.

A recording's media are objects in the media store (`app.media.store`) under
`<recording id>/<name>`, with these names.

Everything in the data folder is for the service's own user only: folders 0700, files 0600
(the umask, and explicit modes where this module creates them).

An upload streams into `uploads/<random>.part`, which its writer holds under an exclusive
`flock` until the file is stored or discarded. A `.part` file nobody holds locked is what a
crash left behind (the kernel drops the lock of a killed process), so the sweep at start and
every `upload_sweep_interval_seconds` deletes exactly those, however recent, and never one
that is being written.
"""

import asyncio
import contextlib
import errno
import fcntl
import hashlib
import logging
import mmap
import os
import stat
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from pathlib import Path

from app.core.config import settings

log = logging.getLogger(__name__)

ORIGINAL = "original"
AUDIO = "audio.wav"
RENDITION = "playable.mp4"
POSTER = "poster.png"
PART_SUFFIX = ".part"
PRIVATE_UMASK = 0o077
# Bytes handed to the threads at once: few thread hops, one writev per block.
WRITE_BLOCK = 1024 * 1024
# Blocks handed over and not yet hashed and written, at most, before the loop waits (and so
# stops reading the socket). An upload holds at most (PIPELINE_DEPTH + 1) x WRITE_BLOCK plus
# the staging buffer: 3 MiB. Deeper queues and larger blocks (3 x 2 MiB) measured no faster
# once the writes bypass the page cache: the SHA-256 sets the pace (bench/upload_speed.py).
PIPELINE_DEPTH = 1
DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
IOV_MAX = 512  # chunks per writev call (Linux allows 1024)
# Threads for every upload's hashing and writing: two at a time per upload (its two lanes),
# so this many serve four uploads at once and more wait their turn.
_IO_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="upload-io")
# O_DIRECT wants the memory, the length and the file offset in whole blocks: the chunks are
# copied into a page-aligned staging buffer and written from there, whole blocks at a time.
DIRECT_ALIGN = 4096
STAGE_BYTES = 1024 * 1024


class Lane:
    """Jobs that run one after another, in the order they were given, on the shared pool.

    A job is handed to the pool only when the one before it has finished, so a lane holds
    no thread while it waits. A job not yet started can be cancelled; it then never runs.
    """

    def __init__(self) -> None:
        self._last: Future[None] | None = None

    def submit(self, fn: Callable[..., None], *args: object) -> Future[None]:
        job: Future[None] = Future()

        def run() -> None:
            # A cancelled job ends here too: `wait()` counts it done only once notified.
            if not job.set_running_or_notify_cancel():
                return
            try:
                fn(*args)
            except BaseException as exc:  # handed to whoever waits on the job
                job.set_exception(exc)
            else:
                job.set_result(None)

        def start(_: object = None) -> None:
            _IO_POOL.submit(run)

        last, self._last = self._last, job
        if last is None:
            start()
        else:
            last.add_done_callback(start)  # at once if it is already done
        return job


def _set_direct(fd: int, on: bool) -> bool:
    """Set or clear O_DIRECT on an open file; False if it already was so."""
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    wanted = flags | os.O_DIRECT if on else flags & ~os.O_DIRECT
    if wanted == flags:
        return False
    fcntl.fcntl(fd, fcntl.F_SETFL, wanted)
    return True


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


class PartFile:
    """A new upload file, 0600 and locked while it lives; hashed and written off the loop.

    The event loop only collects the chunks it receives (`feed`, no copy); each block of
    `WRITE_BLOCK` bytes goes to two lanes of the shared threads, one hashing and one writing
    the blocks in order, both releasing the GIL, while the loop receives the next ones; up
    to `PIPELINE_DEPTH` blocks wait for them.

    Where the file system takes O_DIRECT (and `upload_direct_io` is on), the writer copies
    the chunks into a page-aligned buffer and writes it past the page cache, the last
    partial block with O_DIRECT cleared; elsewhere it `writev`s the chunks as they are.
    """

    def __init__(self, folder: Path) -> None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        while True:
            path = folder / f"{uuid.uuid4().hex}{PART_SUFFIX}"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            # A sweep may have taken the file in the instant before the lock: start again.
            try:
                if os.stat(path).st_ino == os.fstat(fd).st_ino:
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
        self._start(path, fd, hashlib.sha256(), 0)

    @classmethod
    def reopen(cls, path: Path, offset: int, digest: "hashlib._Hash | None") -> "PartFile":
        """A resumable upload's file, to be written on from `offset` (anything past it was
        never confirmed, and goes); `digest` holds the SHA-256 of the bytes before it, or
        None where this process does not have it (the hash is then read back at the end).
        Raises BlockingIOError while another request holds it."""
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.ftruncate(fd, offset)
            os.lseek(fd, offset, os.SEEK_SET)
        except BaseException:
            os.close(fd)
            raise
        part = cls.__new__(cls)
        # O_DIRECT writes whole blocks at block offsets: an odd offset (after a cut) goes
        # through the page cache.
        part._start(path, fd, digest, offset, direct=offset % DIRECT_ALIGN == 0)
        return part

    def _start(
        self, path: Path, fd: int, digest: "hashlib._Hash | None", offset: int, direct: bool = True
    ) -> None:
        self.path = path
        self._fd: int | None = fd
        self._hash = digest
        self._chunks: list[bytes | memoryview] = []
        self._buffered = 0
        # Blocks are hashed, and written, in the order they came: one lane each.
        self._hasher = Lane()
        self._writer = Lane()
        # Per block handed over: its hash and write jobs, oldest first.
        self._pending: deque[list[Future[None]]] = deque()
        self.size = offset
        self._stage: mmap.mmap | None = None
        self._staged = 0
        if settings.upload_direct_io and direct:
            try:
                _set_direct(fd, True)
                self._stage = mmap.mmap(-1, STAGE_BYTES)  # anonymous maps are page-aligned
            except OSError:  # a file system without O_DIRECT: buffered writes
                pass

    @property
    def direct(self) -> bool:
        return self._stage is not None

    def feed(self, chunk: bytes | memoryview) -> None:
        """Keep a reference to the chunk (bytes, or a view of the bytes the server read)."""
        if chunk:
            self._chunks.append(chunk)
            self._buffered += len(chunk)
            self.size += len(chunk)

    @property
    def block_ready(self) -> bool:
        return self._buffered >= WRITE_BLOCK

    async def drain(self, *, final: bool = False) -> None:
        """Hand the collected block to the threads; wait while too many are queued."""
        if self._chunks:
            block, self._chunks, self._buffered = self._chunks, [], 0
            jobs = [self._writer.submit(self._write_block, block)]
            if self._hash is not None:
                jobs.append(self._hasher.submit(self._hash_block, block))
            self._pending.append(jobs)
        if final and self.direct:
            self._pending.append([self._writer.submit(self._write_tail)])
        while self._pending and (final or len(self._pending) > PIPELINE_DEPTH):
            await asyncio.gather(*(asyncio.wrap_future(job) for job in self._pending[0]))
            self._pending.popleft()

    def _hash_block(self, block: list[bytes | memoryview]) -> None:
        assert self._hash is not None
        for chunk in block:
            self._hash.update(chunk)

    def _write_block(self, block: list[bytes | memoryview]) -> None:
        if self._stage is None:
            self._writev(block)
            return
        # Views of the buffer are released on the way out, even on an error: the map
        # cannot be closed while one is alive.
        with memoryview(self._stage) as stage:
            for chunk in block:
                with memoryview(chunk) as whole:
                    view = whole.cast("B")
                    while view:
                        n = min(len(view), STAGE_BYTES - self._staged)
                        stage[self._staged : self._staged + n] = view[:n]
                        self._staged += n
                        view = view[n:]
                        if self._staged == STAGE_BYTES:
                            self._write_staged(STAGE_BYTES)
        # Whole blocks go now; the rest (under DIRECT_ALIGN) waits at the front.
        aligned = self._staged - self._staged % DIRECT_ALIGN
        if aligned:
            self._write_staged(aligned)

    def _write_staged(self, length: int) -> None:
        assert self._fd is not None and self._stage is not None
        with memoryview(self._stage) as stage:
            done = 0
            while done < length:
                try:
                    done += os.write(self._fd, stage[done:length])
                except OSError as exc:
                    # A file system that took the flag but not this write: go on buffered.
                    if exc.errno != errno.EINVAL or not _set_direct(self._fd, False):
                        raise
            rest = self._staged - length
            stage[:rest] = stage[length : self._staged]
            self._staged = rest

    def _write_tail(self) -> None:
        """The last partial block: O_DIRECT cannot write it, a buffered write can."""
        assert self._fd is not None and self._stage is not None
        if self._staged:
            _set_direct(self._fd, False)
            with memoryview(self._stage) as stage:
                self._writev([stage[: self._staged]])
            self._staged = 0

    def _writev(self, block: list[bytes | memoryview]) -> None:
        assert self._fd is not None
        views = [memoryview(chunk) for chunk in block]
        while views:
            written = os.writev(self._fd, views[:IOV_MAX])
            # Drop what went out; a short write leaves the rest of a chunk.
            while views and written >= len(views[0]):
                written -= len(views[0])
                views.pop(0)
            if written:
                views[0] = views[0][written:]

    @property
    def sha256(self) -> str:
        assert self._hash is not None
        return self._hash.hexdigest()

    @property
    def digest(self) -> "hashlib._Hash | None":
        """The running hash of every byte so far (None: not known in this process)."""
        return self._hash

    def sync(self) -> None:
        """After `drain(final=True)`: the bytes are on the disk, not only in its cache."""
        assert self._fd is not None
        os.fdatasync(self._fd)

    def release(self) -> None:
        """Close the file (and so its lock): call once it is stored or deleted."""
        if self._fd is None:
            return
        # Blocks still being written (the request was cancelled, or a write failed): closing
        # now could let a write land in a file opened later under the same number. Those
        # not started yet never will be.
        jobs = [job for block in self._pending for job in block]
        for job in jobs:
            job.cancel()
        wait_futures(jobs)
        self._pending.clear()
        os.close(self._fd)
        self._fd = None
        if self._stage is not None:
            with contextlib.suppress(BufferError):  # a view still held: the GC unmaps it
                self._stage.close()
            self._stage = None

    def discard(self) -> None:
        # Unlink while still locked, so that no sweep sees it half gone.
        self.path.unlink(missing_ok=True)
        self.release()


def sweep_partial_uploads(folder: Path | None = None) -> int:
    """Delete `.part` files that no process holds locked (left by a crash); return how many."""
    folder = folder or settings.upload_tmp_dir
    removed = 0
    try:
        candidates = [p for p in folder.iterdir() if p.name.endswith(PART_SUFFIX)]
    except FileNotFoundError:
        return 0
    for path in candidates:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            continue  # gone meanwhile, or not a plain file we may read
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue  # an upload in progress
        try:
            path.unlink(missing_ok=True)
            removed += 1
        finally:
            os.close(fd)
    if removed:
        log.warning("removed %d partial upload(s) left by an interrupted upload", removed)
    return removed


def secure_data_dir() -> int:
    """At process start: private umask, private modes on the data folder, no crash debris.

    Returns the number of partial uploads removed.
    """
    os.umask(PRIVATE_UMASK)
    root = settings.resolved_data_dir
    for folder in (root, settings.media_dir, settings.upload_tmp_dir, settings.models_dir):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Files made before this release (or by a tool run with another umask) get fixed too.
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            _restrict(Path(dirpath) / name, 0o700)
        for name in filenames:
            _restrict(Path(dirpath) / name, 0o600)
    _restrict(root, 0o700)
    return sweep_partial_uploads()


def _restrict(path: Path, mode: int) -> None:
    try:
        st = path.lstat()
        if not stat.S_ISLNK(st.st_mode) and stat.S_IMODE(st.st_mode) & ~mode:
            path.chmod(stat.S_IMODE(st.st_mode) & mode)
    except OSError as exc:  # another user's file on shared storage: say so, go on
        log.warning("could not restrict the mode of %s: %s", path, exc)
