"""The upload writer: every byte and the right SHA-256, past the page cache or through it.

`PartFile` copies the chunks into a page-aligned buffer and writes whole blocks with O_DIRECT
where the file system takes it, the last partial block buffered; these drive it with chunk
sizes that cross every boundary (the 4 KiB block, the staging buffer, the hand-over block) and
read the file back. Last, the allocator settings that keep the body's chunks on the heap.
"""

import asyncio
import errno
import fcntl
import hashlib
import json
import mmap
import os
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import wait as wait_futures
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.core.config import settings
from app.recordings import storage
from app.recordings.storage import DIRECT_ALIGN, STAGE_BYTES, WRITE_BLOCK, PartFile
from tests.support.servers import small_tmpfs


def takes_direct_io(folder: Path) -> bool:
    """Whether this folder's file system accepts an O_DIRECT write (probed on its own)."""
    probe = folder / "probe"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o600)
    except OSError:
        return False
    try:
        os.write(fd, mmap.mmap(-1, DIRECT_ALIGN))
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
        probe.unlink()


async def stream(part: PartFile, chunks: list[bytes | memoryview]) -> None:
    """What the upload code does with a request body: feed, drain whole blocks, finish."""
    for chunk in chunks:
        part.feed(chunk)
        if part.block_ready:
            await part.drain()
    await part.drain(final=True)


def chunked(data: bytes, sizes: list[int], *, views: bool) -> list[bytes | memoryview]:
    out: list[bytes | memoryview] = []
    at = 0
    whole = memoryview(data)
    for size in sizes:
        piece = whole[at : at + size]
        out.append(piece if views else bytes(piece))  # multipart feeds views, raw feeds bytes
        at += size
    assert at == len(data)
    return out


def random_sizes(total: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    sizes = []
    while total:
        size = min(total, rng.choice([1, 17, 4095, 4096, 4097, 65_536, 262_144, 300_001]))
        sizes.append(size)
        total -= size
    return sizes


TOTALS = [
    0,
    1,
    DIRECT_ALIGN - 1,
    DIRECT_ALIGN,
    DIRECT_ALIGN + 1,
    STAGE_BYTES,
    STAGE_BYTES + 1,
    2 * STAGE_BYTES + 3 * WRITE_BLOCK + 4097,
]


@pytest.mark.parametrize("direct", [True, False], ids=["direct-io", "buffered"])
@pytest.mark.parametrize("total", TOTALS)
def test_every_byte_arrives_with_its_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct: bool, total: int
) -> None:
    monkeypatch.setattr(settings, "upload_direct_io", direct)
    data = random.Random(total).randbytes(total)
    for views in (False, True):
        part = PartFile(tmp_path)
        try:
            # Direct I/O is used exactly where it is on and the file system takes it.
            assert part.direct == (direct and takes_direct_io(tmp_path))
            asyncio.run(stream(part, chunked(data, random_sizes(total, total), views=views)))
            assert part.size == total
            assert part.sha256 == hashlib.sha256(data).hexdigest()
            assert part.path.read_bytes() == data
            assert os.stat(part.path).st_size == total
        finally:
            part.discard()
        assert not part.path.exists()


def test_a_slow_disk_stops_the_reading_after_a_few_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the writer is held, the loop takes PIPELINE_DEPTH + 1 blocks and then waits
    (and so stops reading the socket): an upload's memory is bounded however slow the disk."""
    disk = threading.Event()
    real_write = PartFile._write_block

    def held_write(self: PartFile, block: list[bytes | memoryview]) -> None:
        disk.wait(60)
        real_write(self, block)

    monkeypatch.setattr(PartFile, "_write_block", held_write)
    piece = 256 * 1024
    data = os.urandom(12 * WRITE_BLOCK)
    chunks = chunked(data, [piece] * (len(data) // piece), views=False)
    fed = 0

    async def run() -> None:
        nonlocal fed
        part = PartFile(tmp_path)

        async def body() -> None:
            nonlocal fed
            for chunk in chunks:
                part.feed(chunk)
                fed += 1
                if part.block_ready:
                    await part.drain()
            await part.drain(final=True)

        try:
            task = asyncio.create_task(body())
            while not (len(part._pending) > storage.PIPELINE_DEPTH and fed):
                await asyncio.sleep(0.005)
            held = fed
            for _ in range(50):  # the loop runs on; the body does not
                await asyncio.sleep(0)
            assert fed == held == (storage.PIPELINE_DEPTH + 1) * WRITE_BLOCK // piece
            disk.set()
            await task
            assert part.path.read_bytes() == data
        finally:
            disk.set()
            part.discard()

    asyncio.run(run())


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with small_tmpfs(tmp_path / "small", "4m") as mount:
        yield mount


@pytest.mark.parametrize("direct", [True, False], ids=["direct-io", "buffered"])
def test_a_full_disk_is_raised_and_the_file_can_still_be_discarded(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch, direct: bool
) -> None:
    """ENOSPC in the writer thread reaches the request; the buffer and the file go cleanly."""
    monkeypatch.setattr(settings, "upload_direct_io", direct)
    part = PartFile(small_disk)
    data = os.urandom(8 * 1024 * 1024)  # twice the disk

    async def upload() -> None:
        try:
            await stream(part, chunked(data, random_sizes(len(data), 3), views=False))
        finally:
            part.discard()  # in the loop, right after the error, as receive_upload does

    with pytest.raises(OSError) as raised:
        asyncio.run(asyncio.wait_for(upload(), 60))
    assert storage.is_disk_full(raised.value)
    assert list(small_disk.iterdir()) == []


def test_a_file_system_that_refuses_a_direct_write_gets_buffered_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some file systems take O_DIRECT at open and refuse the write (EINVAL): the upload
    goes on with buffered writes instead of failing."""
    monkeypatch.setattr(settings, "upload_direct_io", True)
    refused = []

    def write(fd: int, data: memoryview) -> int:
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT:
            refused.append(len(data))
            raise OSError(errno.EINVAL, "Invalid argument")
        return os.write(fd, data)

    # Only this module's view of `os` changes, not the test process's.
    monkeypatch.setattr(storage, "os", SimpleNamespace(**{**vars(os), "write": write}))
    part = PartFile(tmp_path)
    try:
        if not part.direct:
            assert not takes_direct_io(tmp_path)  # nothing to refuse on this file system
        data = os.urandom(3 * STAGE_BYTES + 5)
        asyncio.run(stream(part, chunked(data, random_sizes(len(data), 5), views=True)))
        assert part.path.read_bytes() == data
        assert part.sha256 == hashlib.sha256(data).hexdigest()
        assert len(refused) == (1 if part.direct else 0)
    finally:
        part.discard()


ALLOCATOR_PROBE = """
import ctypes, json
from app.core.allocator import tune_for_streaming

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2

def mapped_while_holding_a_chunk():
    before = libc.mallinfo2().hblks
    chunk = bytes(bytearray(512 * 1024))  # a body chunk as the server gets one
    during = libc.mallinfo2().hblks
    del chunk
    return during - before

untuned = mapped_while_holding_a_chunk()
tuned_ok = tune_for_streaming()
print(json.dumps({"untuned": untuned, "tuned_ok": tuned_ok,
                  "tuned": mapped_while_holding_a_chunk()}))
"""


def test_the_allocator_keeps_body_chunks_on_the_heap() -> None:
    """A fresh process maps a 512 KiB chunk with mmap (and unmaps it on free, so the next
    one faults its pages in again); after the app's settings it comes from the heap."""
    done = subprocess.run(
        [sys.executable, "-c", ALLOCATOR_PROBE],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    probe = json.loads(done.stdout)
    assert probe == {"untuned": 1, "tuned_ok": True, "tuned": 0}


def test_a_lane_runs_its_jobs_in_order_and_a_cancelled_one_never() -> None:
    """The shared pool has eight threads; one upload's blocks still go one after another."""
    lane = storage.Lane()
    gate = threading.Event()
    ran: list[int] = []
    overlapping = []
    running = threading.Lock()

    def job(n: int) -> None:
        if not running.acquire(blocking=False):
            overlapping.append(n)
            return
        try:
            if n == 0:
                gate.wait(30)
            ran.append(n)
        finally:
            running.release()

    jobs = [lane.submit(job, n) for n in range(20)]
    assert jobs[19].cancel()  # not started: the first one is still waiting on the gate
    gate.set()
    # The cancelled job counts as done for wait() too (what PartFile.release relies on).
    done, not_done = wait_futures(jobs, timeout=30)
    assert not_done == set()
    assert jobs[19].cancelled()
    assert ran == list(range(19)) and overlapping == []


def test_more_uploads_at_once_than_the_pool_has_threads_each_get_their_own_bytes(
    tmp_path: Path,
) -> None:
    """Six uploads share the pool's eight threads (two lanes each): none waits forever, and
    no block lands in another's file or hash."""
    bodies = [random.Random(n).randbytes(3 * WRITE_BLOCK + 1000 * n) for n in range(6)]

    async def run() -> list[PartFile]:
        parts = [PartFile(tmp_path) for _ in bodies]
        feeds = [
            stream(part, chunked(body, random_sizes(len(body), n), views=n % 2 == 1))
            for n, (part, body) in enumerate(zip(parts, bodies, strict=True))
        ]
        await asyncio.wait_for(asyncio.gather(*feeds), 60)
        return parts

    parts = asyncio.run(run())
    try:
        for part, body in zip(parts, bodies, strict=True):
            assert part.path.read_bytes() == body
            assert part.sha256 == hashlib.sha256(body).hexdigest()
    finally:
        for part in parts:
            part.discard()
