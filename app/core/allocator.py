"""glibc malloc settings for a process that streams large request bodies.

The server reads an upload in chunks of up to 256 KiB, each a new `bytes` object that lives
until its block is hashed and written. With glibc's defaults such an allocation is served
by `mmap` (or lands at the top of the heap, which `free` hands back to the kernel at once),
so every chunk faults fresh pages in and the kernel zeroes them first: a bare uvicorn that
only discarded a 2 GiB body spent most of its time there (py-spy: 57 % in memcpy into new
pages), 2.0 s against 0.6 s with the limits below (bench/upload_speed.py, the floor).

Chunks stay on the heap (below `MMAP_THRESHOLD`) and up to `TRIM_THRESHOLD` of free memory
at its top is kept for the next ones instead of being returned: a few MiB of resident
memory, measured under 2 MB more than the defaults during an upload.
"""

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

# From glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 4 * 1024 * 1024  # above the largest chunk a server reads at once
TRIM_THRESHOLD = 16 * 1024 * 1024  # free memory kept at the heap's top

_tuned = False


def tune_for_streaming() -> bool:
    """Set the limits once per process; False where the C library is not glibc."""
    global _tuned
    if _tuned:
        return True
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        log.info("no mallopt in the C library (%s): allocator left as it is", name)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success.
    _tuned = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    return _tuned
