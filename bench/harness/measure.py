"""Measuring: the sides of a comparison in turn, their medians, CPU time and memory.

The machines the figures come from are shared (2 cores that others use too), so a
comparison is made inside one run: its sides take turns (`alternate`), and what is
compared is the ratio of their medians (`Runs.ratio`). Wall time is read next to the CPU
time spent and the load average (`Clock`), so that a slow run can be told from a busy
machine.
"""

from __future__ import annotations

import contextlib
import math
import os
import resource
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
MB = 1024 * 1024
TICK = os.sysconf("SC_CLK_TCK")


def turn(sides: Sequence[T], repeat: int) -> Sequence[T]:
    """The sides in the order they run in this repeat: reversed every other repeat."""
    return sides if repeat % 2 == 0 else sides[::-1]


def alternate(sides: Sequence[T], repeats: int, swap: bool = True) -> Iterator[tuple[int, T]]:
    """(repeat, side) for each side once per repeat, the order reversed every other repeat
    (A B, B A, A B, ...) so that no side always runs first; `swap=False`: always in order."""
    for n in range(repeats):
        for side in turn(sides, n) if swap else sides:
            yield n, side


def median(values: Iterable[float]) -> float:
    return statistics.median(values)


def nearest_rank(values: Iterable[float], q: float) -> float:
    """The q-quantile by nearest rank (q=0.95: the p95): a value that was measured."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def median_max(values: list[float]) -> dict[str, Any]:
    """Median and maximum (rounded to 0.1) and how many values; None for none."""
    if not values:
        return {"median": None, "max": None, "n": 0}
    return {"median": round(median(values), 1), "max": round(max(values), 1), "n": len(values)}


class Runs:
    """Each side's runs of a comparison, one dict of figures per run, in the order run."""

    def __init__(self) -> None:
        self.sides: dict[Any, list[dict[str, Any]]] = {}

    def add(self, side: Any, run: dict[str, Any]) -> dict[str, Any]:
        self.sides.setdefault(side, []).append(run)
        return run

    def __getitem__(self, side: Any) -> list[dict[str, Any]]:
        return self.sides.get(side, [])

    def values(self, side: Any, key: str) -> list[Any]:
        return [run[key] for run in self[side]]

    def median(self, side: Any, key: str) -> float:
        return median(self.values(side, key))

    def ratio(self, key: str, side: Any, other: Any) -> float:
        """The median of `side` over the median of `other`, both measured in this run."""
        return self.median(side, key) / self.median(other, key)


class Clock:
    """Wall time, the CPU time of this process and of the children it has waited for (the
    ffmpeg runs), and the 1-minute load average before and after, of a `with` block."""

    def __enter__(self) -> Clock:
        self._t = time.perf_counter()
        self._load = os.getloadavg()[0]
        self._cpu = _own_cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._t
        self.cpu = _own_cpu() - self._cpu
        self.load = (self._load, os.getloadavg()[0])


def _own_cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


# Another process, from /proc -------------------------------------------------------------


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int, waited_children: bool = False) -> float:
    """A process's CPU time (user + system, all threads); with `waited_children`, with that
    of the children it has waited for (a worker's ffmpeg runs)."""
    return sum(int(f) for f in _stat(pid)[11 : 15 if waited_children else 13]) / TICK


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def memory(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM, RssAnon and RssFile of a process, in bytes."""
    out = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0]) * 1024
    return out


class Sampler(threading.Thread):
    """A process's `memory` every `every` seconds (perf_counter times), until `stop`."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, dict[str, int]]] = []
        self._done = threading.Event()
        self.start()

    def run(self) -> None:
        while True:
            with contextlib.suppress(OSError, ValueError):  # the process has ended
                self.samples.append((time.perf_counter(), memory(self.pid)))
            if self._done.wait(self.every):
                return

    def between(self, t0: float, t1: float) -> list[dict[str, int]]:
        return [s for t, s in self.samples if t0 <= t <= t1]

    def peak(self, t0: float, t1: float, key: str = "VmRSS") -> int:
        return max(s.get(key, 0) for s in self.between(t0, t1))

    def stop(self) -> None:
        self._done.set()
        self.join()


def watch(pid: int, during: Callable[[], T]) -> tuple[T, dict[str, float]]:
    """`during()`, and what the process spent meanwhile: wall and CPU time, its share of one
    core, and its RSS before, at the peak (sampled every 100 ms) and after."""
    rss_before, cpu_before, t0 = memory(pid)["VmRSS"], cpu_seconds(pid), time.monotonic()
    sampler = Sampler(pid, every=0.1)
    try:
        result = during()
    finally:
        sampler.stop()
    wall, cpu = time.monotonic() - t0, cpu_seconds(pid) - cpu_before
    peak = max([rss_before, *(s["VmRSS"] for _, s in sampler.samples)])
    return result, {
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 2),
        "cpu_share_of_one_core": round(cpu / wall, 3),
        "rss_before_mb": round(rss_before / MB, 1),
        "rss_peak_mb": round(peak / MB, 1),
        "rss_after_mb": round(memory(pid)["VmRSS"] / MB, 1),
    }
