"""Where a recording's files live: one folder per recording, names the server chose.

Everything in the data folder is for the service's own user only: folders 0700, files 0600
(the umask, and explicit modes where this module creates them).

An upload streams into `uploads/<random>.part`, which its writer holds under an exclusive
`flock` until the file is stored or discarded. A `.part` file nobody holds locked is what a
crash left behind (the kernel drops the lock of a killed process), so the sweep at start and
every `upload_sweep_interval_seconds` deletes exactly those, however recent, and never one
that is being written.
"""

import asyncio
import errno
import fcntl
import hashlib
import logging
import os
import shutil
import stat
import uuid
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
# Bytes handed to the threads at once: few thread hops, one writev per block; two blocks at
# most are held per upload (one being written, one filling): 2 MiB.
WRITE_BLOCK = 1024 * 1024
DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
IOV_MAX = 512  # chunks per writev call (Linux allows 1024)
# Two jobs per upload at a time (hash, write); more uploads than this wait their turn.
_IO_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="upload-io")


def recording_dir(recording_id: str) -> Path:
    # Ids are hex from uuid4; checked so that no id can point outside the media folder.
    if not recording_id.isalnum():
        raise ValueError("bad recording id")
    return settings.media_dir / recording_id


def file_path(recording_id: str, name: str) -> Path:
    return recording_dir(recording_id) / name


def store_original(recording_id: str, uploaded: Path) -> Path:
    """Move the finished upload into the recording's folder (a rename, not a copy)."""
    target_dir = recording_dir(recording_id)
    target_dir.mkdir(mode=0o700, parents=True, exist_ok=False)
    target = target_dir / ORIGINAL
    uploaded.replace(target)
    return target


def remove_all(recording_id: str) -> None:
    shutil.rmtree(recording_dir(recording_id), ignore_errors=True)


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


class PartFile:
    """A new upload file, 0600 and locked while it lives; hashed and written off the loop.

    The event loop only collects the chunks it receives (`feed`, no copy); each block of
    `WRITE_BLOCK` bytes is hashed in one thread and written (`writev`) in another at the
    same time, while the loop receives the next block. Both release the GIL.
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
        self.path = path
        self._fd: int | None = fd
        self._hash = hashlib.sha256()
        self._chunks: list[bytes | memoryview] = []
        self._buffered = 0
        self._jobs: list[Future[None]] = []
        self.size = 0

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
        """Hand the collected block to the threads; wait for the one before (back-pressure)."""
        await self._wait()
        if self._chunks:
            block, self._chunks, self._buffered = self._chunks, [], 0
            self._jobs = [
                _IO_POOL.submit(self._hash_block, block),
                _IO_POOL.submit(self._write_block, block),
            ]
        if final:
            await self._wait()

    async def _wait(self) -> None:
        if self._jobs:
            await asyncio.gather(*(asyncio.wrap_future(job) for job in self._jobs))
            self._jobs = []

    def _hash_block(self, block: list[bytes | memoryview]) -> None:
        for chunk in block:
            self._hash.update(chunk)

    def _write_block(self, block: list[bytes | memoryview]) -> None:
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
        return self._hash.hexdigest()

    def release(self) -> None:
        """Close the file (and so its lock): call once it is stored or deleted."""
        if self._fd is None:
            return
        # A block still being written (the request was cancelled, or the other job failed):
        # closing now could let the write land in a file opened later under the same number.
        wait_futures(self._jobs)
        self._jobs = []
        os.close(self._fd)
        self._fd = None

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
