"""Where a resumable upload's bytes wait between requests, and how a request adds to them.

- Data folder (`SPARRING_STORAGE=local`): one file, `uploads/resumable/<upload id>`, written
  on at the confirmed offset (what lies past it was never confirmed, and goes), synced
  before the offset moves. When it is complete it is renamed into the media folder.
- Bucket (`SPARRING_STORAGE=s3`): the parts of a multipart upload under the recording's own
  key, `upload_part_bytes` each, which the bucket joins into the original when the last byte
  is in (no copy, no download); a remainder smaller than a part, left when a request ends,
  waits as an object `uploads/<upload id>/<offset>` and opens the next part.

Either way the offset moves only by the request holding the upload's lease (`Lease`), and
only over bytes that are durable. The SHA-256 is carried over from request to request in
the process (a request that lands on another process leaves it to be read back at the end).
"""

import asyncio
import contextlib
import hashlib
import json
import logging
import os
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.core.config import settings
from app.media import store as media_store
from app.media.store import S3Store, Stored
from app.recordings.storage import Lane, PartFile

log = logging.getLogger(__name__)

UPLOADS_PREFIX = "uploads/"  # a bucket's keys of remainders; never a recording's (hex ids)
_PARTS_POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="upload-parts")
PARTS_IN_FLIGHT = 4  # parts of one upload on their way to the bucket at once
# Running SHA-256 per upload, with the offset it has reached: the common case (the next
# request comes to the same process) needs no reading back. Small: a few hundred bytes each.
_DIGESTS: "OrderedDict[str, tuple[int, hashlib._Hash]]" = OrderedDict()
_DIGESTS_KEPT = 512

Commit = Callable[[int, str], Awaitable[None]]


def digest_at(upload_id: str, offset: int) -> "hashlib._Hash | None":
    """The running hash of an upload's first `offset` bytes, if this process has it."""
    if offset == 0:
        return hashlib.sha256()
    kept = _DIGESTS.pop(upload_id, None)
    return kept[1] if kept is not None and kept[0] == offset else None


def keep_digest(upload_id: str, offset: int, digest: "hashlib._Hash | None") -> None:
    if digest is None:
        return
    _DIGESTS[upload_id] = (offset, digest)
    while len(_DIGESTS) > _DIGESTS_KEPT:
        _DIGESTS.popitem(last=False)


def forget_digest(upload_id: str) -> None:
    _DIGESTS.pop(upload_id, None)


def local_path(upload_id: str) -> Path:
    return settings.upload_tmp_dir / "resumable" / upload_id


def segment_key(upload_id: str, offset: int) -> str:
    return f"{UPLOADS_PREFIX}{upload_id}/{offset:016d}"


@dataclass
class BucketState:
    """What the bucket holds of an upload: the multipart upload and its parts, and the
    remainders (offset, length) after them."""

    multipart: str | None = None
    etags: list[str] = field(default_factory=list)
    part_sizes: list[int] = field(default_factory=list)
    segments: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def load(cls, text: str) -> "BucketState":
        data = json.loads(text or "{}")
        return cls(
            multipart=data.get("multipart"),
            etags=list(data.get("etags", [])),
            part_sizes=list(data.get("part_sizes", [])),
            segments=[(int(o), int(n)) for o, n in data.get("segments", [])],
        )

    def dump(self) -> str:
        return json.dumps(
            {
                "multipart": self.multipart,
                "etags": self.etags,
                "part_sizes": self.part_sizes,
                "segments": self.segments,
            }
        )

    @property
    def parts_end(self) -> int:
        return sum(self.part_sizes)


class Writer(Protocol):
    """One request's writing: bytes in, then either `settle` (durable, offset committed)
    or `complete` (the last byte: the original is in the store)."""

    async def feed(self, chunk: bytes) -> None: ...

    async def settle(self) -> int: ...

    async def complete(self, key: str, content_type: str) -> Stored: ...

    async def abandon(self) -> None: ...


class LocalWriter:
    def __init__(self, upload_id: str, offset: int, commit: Commit) -> None:
        self.upload_id = upload_id
        self.offset = offset
        self._commit = commit
        self.part = PartFile.reopen(local_path(upload_id), offset, digest_at(upload_id, offset))

    async def feed(self, chunk: bytes) -> None:
        self.part.feed(chunk)
        if self.part.block_ready:
            await self.part.drain()

    async def _sync(self) -> None:
        await self.part.drain(final=True)
        await asyncio.to_thread(self.part.sync)

    async def settle(self) -> int:
        await self._sync()
        await self._commit(self.part.size, "{}")
        self.offset = self.part.size
        keep_digest(self.upload_id, self.offset, self.part.digest)
        self.part.release()
        return self.offset

    async def complete(self, key: str, content_type: str) -> Stored:
        """The file is whole (still at `local_path`: it is moved once it has been checked)."""
        await self._sync()
        path, size, digest = self.part.path, self.part.size, self.part.digest
        self.part.release()
        self.offset = size
        sha256 = digest.hexdigest() if digest is not None else ""
        if not sha256:
            sha256 = await asyncio.to_thread(media_store.file_sha256, path)
        return Stored(key, size, sha256)

    async def abandon(self) -> None:
        """Back to the confirmed offset: the bytes past it were never confirmed."""
        forget_digest(self.upload_id)
        await asyncio.to_thread(self.part.release)  # writes not started never will be
        with contextlib.suppress(FileNotFoundError):
            os.truncate(self.part.path, self.offset)


class BucketWriter:
    """Parts of `upload_part_bytes`, uploaded while the next arrive (`PARTS_IN_FLIGHT` at
    once, as boto3's own transfers do), hashed in order on a lane of their own; the offset
    moves once per request, over the parts that are in and the remainder kept."""

    def __init__(
        self,
        store: S3Store,
        upload_id: str,
        key: str,
        offset: int,
        state_text: str,
        content_type: str,
        commit: Commit,
    ) -> None:
        self.store = store
        self.upload_id = upload_id
        self.key = key
        self.content_type = content_type
        self.state = BucketState.load(state_text)
        self.offset = offset  # durable: parts and remainders, as the row has it
        self.base = self.state.parts_end  # where the next part starts
        self.hashed = offset  # the digest covers the bytes below this
        self.digest = digest_at(upload_id, offset)
        self.buffer = bytearray()  # the bytes from `buffer_start` on, not yet in a part
        self.buffer_start = offset  # the remainders before it stay in the bucket till needed
        self._commit = commit
        self._hasher = Lane()
        self._hashing: Future[None] | None = None
        self._in_flight: deque[Future[tuple[int, str, int]]] = deque()
        self._consumed: list[tuple[int, int]] = []  # remainders a new part took in
        # A multipart upload this request began, until its commit names it in the row:
        # aborted if the request fails before (or, where the store is down just then, when
        # the upload ends). Nobody else knows its id.
        self._begun: str | None = None
        self.part_bytes = settings.upload_part_bytes

    async def open(self) -> None:
        """The remainders must add up to the offset (they are read only when a part or the
        end needs them: a recording sends a few hundred kB at a time)."""
        if self.base + sum(size for _, size in self.state.segments) != self.offset:
            raise media_store.StoreError(f"upload {self.upload_id}: remainders do not add up")

    async def _load_remainders(self) -> None:
        """The remainders in front of the buffer: they open the next part."""
        if self.buffer_start == self.base:
            return

        def fetch() -> bytes:
            return b"".join(
                self.store.get_bytes(segment_key(self.upload_id, at))
                for at, _ in self.state.segments
            )

        data = await asyncio.to_thread(fetch)
        if len(data) != self.buffer_start - self.base:
            raise media_store.StoreError(f"upload {self.upload_id}: a remainder is missing")
        self.buffer[:0] = data
        self.buffer_start = self.base

    def _hash(self, data: bytes | bytearray, data_start: int) -> None:
        """Hash the bytes of `data` (which starts at `data_start`) not hashed yet, after
        everything handed over before (one lane: in order)."""
        if self.digest is None or data_start + len(data) <= self.hashed:
            return
        skip = self.hashed - data_start
        self.hashed = data_start + len(data)
        digest = self.digest
        view = memoryview(bytes(data) if isinstance(data, bytearray) else data)[skip:]
        self._hashing = self._hasher.submit(digest.update, view)

    def _upload(self, number: int, data: bytes) -> tuple[int, str, int]:
        assert self.state.multipart is not None
        return number, self.store.put_part(self.key, self.state.multipart, number, data), len(data)

    async def _collect(self, keep: int) -> None:
        """Wait until at most `keep` parts are in flight; the finished ones are recorded."""
        while len(self._in_flight) > keep:
            number, etag, size = await asyncio.wrap_future(self._in_flight.popleft())
            assert number == len(self.state.etags) + 1
            self.state.etags.append(etag)
            self.state.part_sizes.append(size)

    async def feed(self, chunk: bytes) -> None:
        self.buffer += chunk
        while self.buffer_start + len(self.buffer) - self.base >= self.part_bytes:
            await self._load_remainders()
            data = bytes(self.buffer[: self.part_bytes])
            del self.buffer[: self.part_bytes]
            self._hash(data, self.base)
            self.base += len(data)
            self.buffer_start = self.base
            self._consumed += [s for s in self.state.segments if s[0] < self.base]
            self.state.segments = [s for s in self.state.segments if s[0] >= self.base]
            if self.state.multipart is None:
                self.state.multipart = self._begun = await asyncio.to_thread(
                    self.store.start_parts, self.key, content_type=self.content_type
                )
            number = len(self.state.etags) + len(self._in_flight) + 1
            self._in_flight.append(_PARTS_POOL.submit(self._upload, number, data))
            await self._collect(PARTS_IN_FLIGHT - 1)

    async def _hashed(self) -> None:
        if self._hashing is not None:
            await asyncio.wrap_future(self._hashing)

    async def settle(self) -> int:
        """Every part in; what is left over waits as a remainder; then the offset moves."""
        await self._collect(0)
        new_start = max(self.offset, self.buffer_start)  # the bytes below this are kept
        new = bytes(self.buffer[new_start - self.buffer_start :])
        if new:
            self._hash(self.buffer, self.buffer_start)
            await asyncio.to_thread(
                self.store.put_bytes,
                segment_key(self.upload_id, new_start),
                new,
                content_type="application/octet-stream",
            )
            self.state.segments.append((new_start, len(new)))
        self.offset = self.buffer_start + len(self.buffer)
        await self._hashed()
        await self._commit(self.offset, self.state.dump())
        self._begun = None
        await self._drop_consumed()
        keep_digest(self.upload_id, self.offset, self.digest)
        return self.offset

    async def _drop_consumed(self) -> None:
        if self._consumed:
            keys = [segment_key(self.upload_id, at) for at, _ in self._consumed]
            self._consumed = []
            await asyncio.to_thread(self.store.delete, *keys)

    async def complete(self, key: str, content_type: str) -> Stored:
        """The last byte is in: the last part, then the bucket joins them into `key`."""
        await self._load_remainders()
        rest = bytes(self.buffer)
        self._hash(rest, self.base)
        size = self.base + len(rest)
        if self.state.multipart is None:  # smaller than one part: one object
            await asyncio.to_thread(self.store.put_bytes, key, rest, content_type=content_type)
        else:
            if rest:
                number = len(self.state.etags) + len(self._in_flight) + 1
                self._in_flight.append(_PARTS_POOL.submit(self._upload, number, rest))
            await self._collect(0)
            await asyncio.to_thread(
                self.store.join_parts, key, self.state.multipart, self.state.etags
            )
        self._begun = None
        self.base, self.buffer, self.offset = size, bytearray(), size
        self.buffer_start = size
        await self._hashed()
        self.state.segments = []
        # The original is whole: every other byte the upload left goes (its remainders, and
        # parts of a request the store cut off), or waits for the sweep if the store fails.
        try:
            await asyncio.to_thread(clear_leftovers, self.store, self.upload_id, key)
        except media_store.StoreError as exc:
            log.warning("upload %s: what it left waits for the sweep: %s", self.upload_id, exc)
        forget_digest(self.upload_id)
        sha256 = self.digest.hexdigest() if self.digest is not None else ""
        if not sha256:
            sha256 = await asyncio.to_thread(_object_sha256, self.store, key)
        return Stored(key, size, sha256)

    async def abandon(self) -> None:
        """Parts uploaded but not committed are uploaded again (same numbers) by the next
        request, remainders not committed go with the upload; a multipart upload this
        request began goes now (where the store answers; else when the upload ends)."""
        forget_digest(self.upload_id)
        for job in self._in_flight:
            job.cancel()
        for job in list(self._in_flight):
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wrap_future(job)
        self._in_flight.clear()
        begun, self._begun = self._begun, None
        if begun is not None:
            with contextlib.suppress(media_store.StoreError):
                await asyncio.to_thread(self.store.abort_parts, self.key, begun)


def clear_leftovers(store: S3Store, upload_id: str, key: str) -> None:
    """The upload's remainders, and every multipart upload under the recording's `key`
    left unjoined (a request that failed before its commit began one the row never named)."""
    store.delete(*(item.key for item in store.list(f"{UPLOADS_PREFIX}{upload_id}/")))
    for found, multipart, _ in list(store.unjoined_parts(key)):
        if found == key:
            store.abort_parts(key, multipart)


def _object_sha256(store: S3Store, key: str) -> str:
    digest = hashlib.sha256()
    for chunk in store.read(key):
        digest.update(chunk)
    return digest.hexdigest()


def discard(*, upload_id: str, recording_id: str, state_text: str) -> None:
    """Every byte an unfinished upload left in the store (its row goes with it)."""
    forget_digest(upload_id)
    store = media_store.current()
    if isinstance(store, S3Store):
        key = media_store.object_key(recording_id, "original")
        state = BucketState.load(state_text)
        if state.multipart:
            store.abort_parts(key, state.multipart)
        clear_leftovers(store, upload_id, key)  # a failed request's parts too
    else:
        local_path(upload_id).unlink(missing_ok=True)


def strays(live: set[str], recordings: set[str], min_age_seconds: float) -> list[str]:
    """Bytes of uploads with no row (a crash between a write and its row's removal), older
    than `min_age_seconds`: removed; returns what went."""
    from datetime import UTC, datetime, timedelta

    cutoff = datetime.now(UTC) - timedelta(seconds=min_age_seconds)
    removed: list[str] = []
    store = media_store.current()
    if isinstance(store, S3Store):
        stale = [
            item.key
            for item in store.list(UPLOADS_PREFIX)
            if item.modified < cutoff and item.key.split("/")[1] not in live
        ]
        if stale:
            store.delete(*stale)
            removed += stale
        for key, multipart, started in store.unjoined_parts():
            if started < cutoff and key.partition("/")[0] not in recordings:
                store.abort_parts(key, multipart)
                removed.append(f"{key} (parts)")
        return removed
    folder = local_path("x").parent
    if not folder.exists():
        return removed
    for path in folder.iterdir():
        try:
            old = path.stat().st_mtime < cutoff.timestamp()
        except FileNotFoundError:
            continue
        if old and path.name not in live:
            path.unlink(missing_ok=True)
            removed.append(str(path.name))
    return removed


def writer_for(
    *,
    upload_id: str,
    recording_id: str,
    offset: int,
    state_text: str,
    content_type: str,
    commit: Commit,
) -> "LocalWriter | BucketWriter":
    store = media_store.current()
    if isinstance(store, S3Store):
        key = media_store.object_key(recording_id, "original")
        return BucketWriter(store, upload_id, key, offset, state_text, content_type, commit)
    return LocalWriter(upload_id, offset, commit)
