"""Media store: an S3 bucket (SeaweedFS) against the data folder, for a player's range reads
and for a whole worker run (issue 20).

One speech recording (an MP4 made by bench/speech_audio.py, ~90 s, H.264 + AAC, faststart:
it plays as it is, so the worker makes no rendition) is uploaded through the real API
(in-process TestClient) once per worker run, half into the data folder and half into a
fresh bucket `bench-media-<random>` on the S3 server the tests use (scripts/lib.sh
`ensure_s3`: SeaweedFS on 127.0.0.1:8333, the tests' keys), which is removed at the end.
Both sides share one migrated data folder (SQLite); only `SPARRING_STORAGE` differs.

1. Pipeline: `workers.tasks.run_job` in this process (as bench/pipeline_overhead.py), model
   bundled-tiny.en, cpu / int8 / 2 threads, the worker's default batch size; the model is
   loaded and warmed on 20 s before any timer, and each side has one untimed run first
   (its store's client, ffmpeg's first start). Then `--repeats` runs per side in turn
   (local s3, s3 local, ...): wall and CPU time, and the time inside the store's calls
   (`keep`: rename or upload; `local_copy`: nothing or a download) and inside the
   transcription, and the S3 server's CPU time meanwhile. Target: median s3 / median
   local <= 1.10; beside it the same ratio from the time outside the transcription (where
   the store's cost lies, with less of a shared machine's noise than the transcription's).
2. First byte of a range read: two uvicorn servers on that data folder, one with
   SPARRING_STORAGE=local, one with s3, each logged in as the owner; on each, the last
   recording its side's worker made ready. `--requests` requests per side, in turn (local
   s3, s3 local, ...), each side the same random `Range: bytes=a-b` (64 KiB to 1 MiB from a
   random start, like a player's seeks), with httpx streaming: the time from sending the
   request to the first body chunk; the rest of the body is read and its length checked.
   Untimed warm-up requests first (the viewing's audit, the connections). Target: p95 s3 /
   p95 local <= 2. Beside it, for where the time goes: the same ranges read from the store
   directly in this process (`store.read`, first chunk; for S3 also the CPU time of the
   signed GET), in turn too; and, with py-spy (`--py-spy`, found on PATH otherwise;
   skipped without it), both servers sampled during another, untimed pass of the same
   requests: milliseconds per request by what the stack is in (boto3, the database, ...).

    .venv/bin/python bench/media_store.py [--repeats 5] [--requests 300] [--seconds 90]
        [--py-spy PATH]
"""

from __future__ import annotations

import functools
import os
import random
import secrets
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness import ROOT, command_line, log, measure, parse, results, server
from pipeline_overhead import StageTimer
from speech_audio import SpeechRecording, make_recording

TARGET_FIRST_BYTE = 2.0
TARGET_PIPELINE = 1.10
THREADS = 2
SIDES = ("local", "s3")
WARMUP_REQUESTS = 10
KIB = 1024
# The tests' S3 server and keys (scripts/lib.sh, tests/support/s3.py; not imported from
# there: that module sets up a test process's environment when imported).
ENDPOINT = "http://127.0.0.1:8333"
ACCESS_KEY = "videosparring-test"
SECRET_KEY = "videosparring-test-secret-key"


def main() -> None:
    parser = command_line(__doc__, 5, "worker runs of each side (pipeline)", "--runs")
    parser.add_argument("--requests", type=int, default=300, help="range requests per side")
    parser.add_argument("--seconds", type=float, default=90.0, help="length of the recording")
    parser.add_argument("--seed", type=int, default=20, help="of the random ranges")
    parser.add_argument("--py-spy", default=shutil.which("py-spy"), help="py-spy, to profile")
    args = parse(parser, repeats=1, requests=40, seconds=30.0)
    ensure_s3()
    rec = make_recording("en", args.seconds)
    log(f"recording: {rec.mp4.name}, {rec.duration:.1f} s, {rec.mp4.stat().st_size:,} bytes")
    bucket = f"bench-media-{secrets.token_hex(4)}"
    s3 = {
        "SPARRING_S3_ENDPOINT": ENDPOINT,
        "SPARRING_S3_BUCKET": bucket,
        "SPARRING_S3_REGION": "us-east-1",
        "SPARRING_S3_ACCESS_KEY": ACCESS_KEY,
        "SPARRING_S3_SECRET_KEY": SECRET_KEY,
    }
    started = time.perf_counter()
    with server.data_folder("media-store", keep=args.keep) as data_dir:
        env = server.use_in_process(
            data_dir,
            "SPARRING_STORAGE",
            "SPARRING_S3_",
            SPARRING_STORAGE="local",
            SPARRING_WHISPER_MODEL="bundled-tiny.en",
            SPARRING_WHISPER_DEVICE="cpu",
            SPARRING_WHISPER_COMPUTE_TYPE="int8",
            SPARRING_WHISPER_CPU_THREADS=str(THREADS),
            **s3,
        )
        caseworker = server.prepare(env)["caseworker"]
        bucket_client().create_bucket(Bucket=bucket)
        log(f"bucket {bucket} made on {ENDPOINT}")
        try:
            result = run(args, rec, env, data_dir, caseworker)
        finally:
            drop_bucket(bucket)
            log(f"bucket {bucket} removed")
    result["run_minutes"] = round((time.perf_counter() - started) / 60, 1)
    results.report(args, "media_store", result, summary(result))


def ensure_s3() -> None:
    """SeaweedFS started as scripts/test starts it, unless it answers already."""
    subprocess.run(["bash", "-c", "source scripts/lib.sh && ensure_s3"], cwd=ROOT, check=True)


def s3_server_pid() -> int | None:
    """The S3 server's process (SeaweedFS's `weed mini`), to read its CPU time."""
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if entry.name.isdigit() and argv[0].endswith(b"weed") and b"mini" in argv:
            return int(entry.name)
    return None


def bucket_client() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}),
    )


def drop_bucket(bucket: str) -> None:
    s3 = bucket_client()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    s3.delete_bucket(Bucket=bucket)


def run(
    args: Any, rec: SpeechRecording, env: dict[str, str], data_dir: Path, caseworker: tuple
) -> dict[str, Any]:
    from app.core.config import settings

    with measure.Clock() as clock:
        pipeline = run_pipeline(args.repeats, rec, caseworker, settings)
    pipeline["section_minutes"] = round(clock.wall / 60, 1)
    with measure.Clock() as clock:
        reads = run_range_reads(args, env, data_dir, caseworker, pipeline.pop("ready"))
    reads["section_minutes"] = round(clock.wall / 60, 1)
    return {
        "audio_file": rec.mp4.name,
        "audio_seconds": round(rec.duration, 1),
        "file_bytes": rec.mp4.stat().st_size,
        "s3_server": f"SeaweedFS ({ENDPOINT}, same machine)",
        "first_byte": reads,
        "pipeline": pipeline,
    }


# 1. The worker's whole run ---------------------------------------------------------------


@contextmanager
def using(settings: Any, side: str) -> Iterator[None]:
    """This process keeps its media in `side`'s store for the block."""
    before = settings.storage
    settings.storage = side
    try:
        yield
    finally:
        settings.storage = before


def time_store(stages: StageTimer) -> None:
    """Time each store's `keep` and the making of its `local_copy` (the download, for S3)."""
    from app.media.store import LocalStore, S3Store

    for cls in (LocalStore, S3Store):
        stages.wrap(cls, "keep", "store keep")
        original = cls.local_copy

        @contextmanager
        @functools.wraps(original)
        def timed(self: Any, key: str, tag: str, _original: Any = original) -> Iterator[Path]:
            t0 = time.perf_counter()
            with _original(self, key, tag) as path:
                stages.add("store local_copy", time.perf_counter() - t0)
                yield path

        cls.local_copy = timed  # type: ignore[method-assign]


def run_pipeline(
    repeats: int, rec: SpeechRecording, caseworker: tuple, settings: Any
) -> dict[str, Any]:
    from fastapi.testclient import TestClient
    from faster_whisper import decode_audio
    from sqlmodel import select

    from app.core.db import session_scope
    from app.jobs.models import Job
    from app.main import app
    from app.recordings.models import Recording
    from workers import speech, tasks

    assert settings.whisper_model == "bundled-tiny.en"
    with measure.Clock() as clock:
        engine = speech.get_engine(settings)
        engine.load()
    clip = decode_audio(str(rec.wav), sampling_rate=16000)[: 20 * 16000]
    list(engine._model.transcribe(clip, **speech.transcribe_options(settings, rec.language))[0])
    log(f"engine {settings.whisper_model} loaded in {clock.wall:.1f} s and warmed on 20 s")

    # One upload per run and side through the API, into that side's store; the first of
    # each side is the untimed warm-up run.
    jobs: dict[str, list[tuple[int, str]]] = {side: [] for side in SIDES}
    with TestClient(app) as client:
        server.login(client, *caseworker)
        for side in SIDES:
            with using(settings, side):
                for i in range(repeats + 1):
                    title, case = f"Media store {side} {i}", f"BENCH-{side}-{i}"
                    up = server.upload(client, rec.mp4, title=title, case_reference=case)
                    assert up.status_code == 201, up.text
                    rid = up.json()["id"]
                    with session_scope() as session:
                        job = session.exec(select(Job).where(Job.recording_id == rid)).one()
                    jobs[side].append((job.id, rid))
    log(f"uploaded {repeats + 1} recording(s) per side")

    stages = StageTimer()
    time_store(stages)
    stages.wrap_generator(engine, "transcribe", "transcribe")

    weed = s3_server_pid()

    def one(side: str, n: int) -> dict[str, Any]:
        job_id, _ = jobs[side][n]
        stages.reset()
        weed0 = measure.cpu_seconds(weed) if weed else 0.0
        with using(settings, side), measure.Clock() as clock:
            status = tasks.run_job(job_id)
        assert status == "succeeded", f"{side}: run_job returned {status}"
        figures = {"wall": clock.wall, "cpu": clock.cpu, "load": clock.load}
        figures["s3 server cpu"] = measure.cpu_seconds(weed) - weed0 if weed else 0.0
        figures.update({k: v for k, v in stages.totals.items()})
        figures["outside transcribe"] = clock.wall - stages.totals.get("transcribe", 0.0)
        return figures

    for side in SIDES:
        warm = one(side, 0)
        log(f"  warm-up {side:<5} {warm['wall']:6.2f} s (untimed)")
    runs = measure.Runs()
    for n, side in measure.alternate(SIDES, repeats):
        f = runs.add(side, one(side, n + 1))
        log(f"  run {n + 1} {side:<5} {f['wall']:6.2f} s  CPU {f['cpu']:6.2f} s  transcribe "
            f"{f.get('transcribe', 0):5.2f} s  store keep {f.get('store keep', 0):.3f} s  "
            f"local_copy {f.get('store local_copy', 0):.3f} s  S3 server CPU "
            f"{f['s3 server cpu']:.2f} s  load "
            f"{f['load'][0]:.2f}->{f['load'][1]:.2f}")  # fmt: skip

    ready = {}
    with session_scope() as session:
        for side in SIDES:
            rid = jobs[side][-1][1]
            recording = session.get(Recording, rid)
            assert recording is not None and recording.playable_name, recording
            ready[side] = (rid, recording.playable_name)

    def each(side: str, key: str, digits: int = 3) -> list[float]:
        return [round(run.get(key, 0.0), digits) for run in runs[side]]

    def med(side: str, key: str) -> float:
        return round(measure.median(each(side, key, 6)), 3)

    ratio = runs.ratio("wall", "s3", "local")
    keys = ("wall", "cpu", "transcribe", "outside transcribe", "store keep", "store local_copy",
            "s3 server cpu")  # fmt: skip
    outside = med("s3", "outside transcribe") - med("local", "outside transcribe")
    return {
        "model": f"{settings.whisper_model}, {settings.whisper_device}, "
        f"{settings.whisper_compute_type}, cpu_threads={settings.whisper_cpu_threads}, "
        f"batch size {settings.whisper_batch_size}",
        "repeats": repeats,
        "order": ", ".join(side for _, side in measure.alternate(SIDES, repeats)),
        "runs": {side: {key: each(side, key) for key in keys} for side in SIDES},
        "medians": {side: {key: med(side, key) for key in keys} for side in SIDES},
        "loads": {side: [[round(x, 2) for x in r["load"]] for r in runs[side]] for side in SIDES},
        "ratio": round(ratio, 4),
        "cpu_ratio": round(runs.ratio("cpu", "s3", "local"), 4),
        # The store's cost is outside the transcription, whose minutes carry most of the
        # noise of a shared machine: the local median plus that difference, over it.
        "ratio_from_outside_transcribe": round(1 + outside / runs.median("local", "wall"), 4),
        "target": TARGET_PIPELINE,
        "target_met": ratio <= TARGET_PIPELINE,
        "ready": ready,
    }


# 2. First byte of a range read -----------------------------------------------------------


def ranges(size: int, count: int, seed: int) -> list[tuple[int, int]]:
    """`count` ranges a player might ask for: a random start, 64 KiB to 1 MiB."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        start = rng.randrange(0, size - 1)
        length = rng.randint(64 * KIB, 1024 * KIB)
        out.append((start, min(size - 1, start + length - 1)))
    return out


def first_byte(client: Any, url: str, start: int, end: int) -> tuple[float, float]:
    """Seconds to the first body chunk and to the whole body of one range request."""
    t0 = time.perf_counter()
    with client.stream("GET", url, headers={"Range": f"bytes={start}-{end}"}) as response:
        chunks = response.iter_raw()
        got = len(next(chunks))
        t1 = time.perf_counter()
        got += sum(len(chunk) for chunk in chunks)
    t2 = time.perf_counter()
    if response.status_code != 206 or got != end - start + 1:
        raise RuntimeError(f"{url} {start}-{end}: HTTP {response.status_code}, {got} bytes")
    return t1 - t0, t2 - t0


def store_first_byte(store: Any, key: str, start: int, end: int) -> tuple[float, float]:
    """Seconds to the first chunk of the store's own `read` (this process, no HTTP), and the
    CPU time of this process meanwhile (for S3: boto3's share of it)."""
    t0, c0 = time.perf_counter(), time.process_time()
    chunks = store.read(key, start, end)
    next(chunks)
    t1, c1 = time.perf_counter(), time.process_time()
    for _ in chunks:
        pass
    return t1 - t0, c1 - c0


# Where a server's time goes: a sample counts for the first of these whose marks its stack
# has (any frame for the first three, the top frame for the next two), else for the last.
CATEGORIES = (
    ("boto3 (botocore, urllib3, http.client)",
     ("botocore/", "boto3/", "urllib3/", "s3transfer/", "http/client.py")),
    ("database (SQLAlchemy, SQLite)", ("sqlalchemy/", "sqlmodel/", "sqlite3")),
    ("file reads (LocalStore)", ("app/media/store.py",)),
    ("thread hand-offs (anyio's worker threads)", ("threading.py", "queue.py", "WorkerThread")),
    ("event loop in C (uvloop, httptools)", ("Runner.run",)),
)  # fmt: skip
SAMPLE_RATE = 500
OTHER = "the rest (routes, auth, audit, FastAPI, Starlette, uvicorn)"


def sampled(py_spy: str, pid: int, out: Path, during: Callable[[], None]) -> dict[str, int]:
    """py-spy's samples of a process (threads it finds active, `SAMPLE_RATE` a second) while
    `during` runs, by category (`CATEGORIES`); the raw stacks in `out`."""
    command = [py_spy, "record", "--pid", str(pid), "--rate", str(SAMPLE_RATE), "--format", "raw",
               "--nonblocking", "--output", str(out)]  # fmt: skip
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # attached
    try:
        during()
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(30)
    return categorize(out)


def categorize(out: Path) -> dict[str, int]:
    """py-spy's raw stacks in `out`: the number of samples in each category."""
    counts: Counter[str] = Counter()
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        name = OTHER
        for i, (label, marks) in enumerate(CATEGORIES):
            if any(mark in frame for frame in (frames if i < 3 else frames[-1:]) for mark in marks):
                name = label
                break
        counts[name] += int(count)
    return {label: counts[label] for label in (*(label for label, _ in CATEGORIES), OTHER)}


def run_range_reads(
    args: Any, env: dict[str, str], data_dir: Path, caseworker: tuple, ready: dict
) -> dict[str, Any]:
    from app.media.store import object_key, open_store

    servers: dict[str, server.Server] = {}
    logs = {side: (data_dir / f"server-{side}.log").open("wb") for side in SIDES}
    try:
        for side in SIDES:
            servers[side] = server.Server({**env, "SPARRING_STORAGE": side}, output=logs[side])
            servers[side].login(*caseworker)
        urls = {side: f"/api/v1/recordings/{ready[side][0]}/media" for side in SIDES}
        keys = {side: object_key(*ready[side]) for side in SIDES}
        sizes = {}
        for side in SIDES:
            head = servers[side].client.get(urls[side], headers={"Range": "bytes=0-0"})
            assert head.status_code == 206, head.text
            sizes[side] = int(head.headers["content-range"].rsplit("/", 1)[1])
        assert sizes["local"] == sizes["s3"], sizes
        size = sizes["local"]
        wanted = ranges(size, args.requests, args.seed)
        for side in SIDES:
            for start, end in ranges(size, WARMUP_REQUESTS, args.seed + 1):
                first_byte(servers[side].client, urls[side], start, end)
        log(f"range reads: {args.requests} per side on {size:,} bytes (+{WARMUP_REQUESTS} "
            f"warm-up), in turn")  # fmt: skip

        first: dict[str, list[float]] = {side: [] for side in SIDES}
        whole: dict[str, list[float]] = {side: [] for side in SIDES}
        weed = s3_server_pid()
        weed0 = measure.cpu_seconds(weed) if weed else 0.0
        cpu0 = {side: servers[side].cpu() for side in SIDES}
        load0 = os.getloadavg()[0]
        for n, side in measure.alternate(SIDES, args.requests):
            t_first, t_whole = first_byte(servers[side].client, urls[side], *wanted[n])
            first[side].append(t_first)
            whole[side].append(t_whole)
        load1 = os.getloadavg()[0]
        cpu = {side: servers[side].cpu() - cpu0[side] for side in SIDES}
        weed_cpu = measure.cpu_seconds(weed) - weed0 if weed else None

        # The store alone, in this process: the same ranges, in turn.
        stores = {"local": open_store("local"), "s3": open_store("s3")}
        direct: dict[str, list[float]] = {side: [] for side in SIDES}
        direct_cpu: dict[str, list[float]] = {side: [] for side in SIDES}
        for start, end in ranges(size, WARMUP_REQUESTS, args.seed + 1):
            for side in SIDES:
                store_first_byte(stores[side], keys[side], start, end)
        for n, side in measure.alternate(SIDES, args.requests):
            wall, cpu_used = store_first_byte(stores[side], keys[side], *wanted[n])
            direct[side].append(wall)
            direct_cpu[side].append(cpu_used)

        # Untimed: the servers sampled by py-spy during the same requests again.
        # Each category's samples as milliseconds per request.
        profile: dict[str, dict[str, float]] = {}
        if args.py_spy:
            for side in SIDES:
                out = data_dir / f"py-spy-{side}.txt"
                counts = sampled(args.py_spy, servers[side].pid, out, lambda side=side: [
                    first_byte(servers[side].client, urls[side], *wanted[n])
                    for n in range(args.requests)])  # fmt: skip
                per_request = 1000 / SAMPLE_RATE / args.requests
                profile[side] = {k: round(v * per_request, 2) for k, v in counts.items()}
                profile[side]["all"] = round(sum(counts.values()) * per_request, 2)
                if args.keep:
                    log(f"py-spy's stacks of the {side} server: {out}")
            log(f"py-spy: {profile}")
    finally:
        for app_server in servers.values():
            app_server.stop()
        for fh in logs.values():
            fh.close()

    def ms(values: list[float], q: float | None = None) -> float:
        value = measure.median(values) if q is None else measure.nearest_rank(values, q)
        return round(value * 1000, 2)

    stats = {
        side: {
            "first_byte_p50_ms": ms(first[side]),
            "first_byte_p95_ms": ms(first[side], 0.95),
            "first_byte_max_ms": ms(first[side], 1.0),
            "whole_p50_ms": ms(whole[side]),
            "whole_p95_ms": ms(whole[side], 0.95),
            "store_alone_first_byte_p50_ms": ms(direct[side]),
            "store_alone_first_byte_p95_ms": ms(direct[side], 0.95),
            "store_alone_cpu_p50_ms": ms(direct_cpu[side]),
            "server_cpu_ms_per_request": round(cpu[side] * 1000 / args.requests, 2),
        }
        for side in SIDES
    }
    ratio = stats["s3"]["first_byte_p95_ms"] / stats["local"]["first_byte_p95_ms"]
    # The p95 ratio of the first, second and last third of the requests: how much it moves
    # within one run as the machine's other load comes and goes.
    cut = [args.requests * i // 3 for i in range(4)]
    thirds = [
        round(
            measure.nearest_rank(first["s3"][a:b], 0.95)
            / measure.nearest_rank(first["local"][a:b], 0.95),
            2,
        )
        for a, b in zip(cut, cut[1:], strict=False)
    ]
    return {
        "requests_per_side": args.requests,
        "warmup_requests_per_side": WARMUP_REQUESTS,
        "range_bytes": "random start, 64 KiB to 1 MiB (closed ranges), the same on both sides",
        "media_bytes": size,
        "sides": stats,
        "p95_ratio": round(ratio, 3),
        "p50_ratio": round(
            stats["s3"]["first_byte_p50_ms"] / stats["local"]["first_byte_p50_ms"], 3
        ),
        "target": TARGET_FIRST_BYTE,
        "target_met": ratio <= TARGET_FIRST_BYTE,
        "p95_ratio_of_each_third": thirds,
        "s3_server_cpu_ms_per_request": (
            None if weed_cpu is None else round(weed_cpu * 1000 / args.requests, 2)
        ),
        "load_average_1min_before_after": [round(load0, 2), round(load1, 2)],
        "server_cpu_samples": profile,
    }


# The summary -----------------------------------------------------------------------------


def summary(r: dict[str, Any]) -> str:
    fb, pl = r["first_byte"], r["pipeline"]
    rows = []
    for side in SIDES:
        s = fb["sides"][side]
        rows.append(
            f"| {side} | {s['first_byte_p50_ms']} | **{s['first_byte_p95_ms']}** | "
            f"{s['first_byte_max_ms']} | {s['whole_p50_ms']} / {s['whole_p95_ms']} | "
            f"{s['store_alone_first_byte_p50_ms']} / {s['store_alone_first_byte_p95_ms']} | "
            f"{s['store_alone_cpu_p50_ms']} | {s['server_cpu_ms_per_request']} |"
        )
    local, s3 = fb["sides"]["local"], fb["sides"]["s3"]
    thirds = fb["p95_ratio_of_each_third"]
    above = sum(v > fb["target"] for v in thirds)
    extra = s3["first_byte_p50_ms"] - local["first_byte_p50_ms"]
    alone = s3["store_alone_first_byte_p50_ms"] - local["store_alone_first_byte_p50_ms"]
    split = (
        f"Where S3's extra first-byte time goes, at the p50: {extra:.1f} ms more than local; "
        f"the store's read alone (the signed GET to SeaweedFS and its first bytes, in this "
        f"process) accounts for {alone:.1f} ms of it, of which "
        f"{s3['store_alone_cpu_p50_ms']:.1f} ms is this process's CPU time; the other "
        f"{extra - alone:.1f} ms is spent in the server around that call (its CPU per request: "
        f"{s3['server_cpu_ms_per_request'] - local['server_cpu_ms_per_request']:+.1f} ms)."
    )
    profile = fb["server_cpu_samples"]
    spy = []
    if profile:
        names = list(profile["local"])
        spy = [
            "Where each server's time went, in milliseconds per request, during another "
            "(untimed) pass of the same requests (py-spy `--nonblocking`, the threads it finds "
            "active, 500 samples a second, summed over threads; a sample counts for boto3 or "
            "the database if any frame in its stack is theirs):",
            "",
            "| store | " + " | ".join(names) + " |",
            "|---|" + "---|" * len(names),
            *(
                f"| {side} | " + " | ".join(str(profile[side][n]) for n in names) + " |"
                for side in SIDES
            ),
            "",
        ]
    prow = []
    for side in SIDES:
        m, runs = pl["medians"][side], pl["runs"][side]
        prow.append(
            f"| {side} | {', '.join(f'{v:.2f}' for v in runs['wall'])} | **{m['wall']:.2f}** | "
            f"{m['cpu']:.2f} | {m['transcribe']:.2f} | {m['outside transcribe']:.2f} | "
            f"{m['store keep']:.3f} | {m['store local_copy']:.3f} | {m['s3 server cpu']:.2f} |"
        )
    loads = "; ".join(
        f"{side} " + ", ".join(f"{a}->{b}" for a, b in pl["loads"][side]) for side in SIDES
    )
    medians = pl["medians"]
    outside = medians["s3"]["outside transcribe"] - medians["local"]["outside transcribe"]
    return "\n".join(
        [
            f"Recording: {r['audio_file']}, {r['audio_seconds']} s, {r['file_bytes']:,} bytes "
            f"(H.264 + AAC, plays as it is: no rendition). S3: {r['s3_server']}; a fresh bucket.",
            "",
            f"**First byte of a range read** (`GET /api/v1/recordings/{{id}}/media`, "
            f"`Range: bytes=a-b`, {fb['range_bytes']}; {fb['requests_per_side']} requests per "
            f"side in turn after {fb['warmup_requests_per_side']} warm-up; httpx streaming, "
            f"logged in as the owner; two uvicorn servers on one data folder):",
            "",
            "| store | first byte p50 (ms) | p95 (ms) | max (ms) | whole body p50 / p95 (ms) "
            "| store.read alone: first chunk p50 / p95 (ms) | its CPU p50 (ms) "
            "| server CPU per request (ms) |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"**p95 s3 / local: {fb['p95_ratio']:.2f}** (target <= {fb['target']:g}: "
            f"{results.verdict(fb['target_met']).upper()}); p50 ratio {fb['p50_ratio']:.2f}; "
            f"p95 ratio in the first, second and last third of the requests: "
            f"{', '.join(f'{v:.2f}' for v in thirds)} ({above} of 3 above the target). "
            "Load average "
            f"{fb['load_average_1min_before_after'][0]} -> "
            f"{fb['load_average_1min_before_after'][1]}. The S3 server's CPU time meanwhile "
            f"(shared: whatever else uses it counts too): {fb['s3_server_cpu_ms_per_request']} "
            "ms per S3 request.",
            "",
            split,
            "",
            *spy,
            f"**Whole worker run** (`workers.tasks.run_job` in-process, {pl['model']}; one "
            f"untimed run per side first, then {pl['repeats']} per side in turn):",
            "",
            "| store | wall runs (s) | wall median (s) | CPU median (s) | transcribe (s) "
            "| outside transcribe (s) | store keep (s) | store local_copy (s) "
            "| S3 server's CPU meanwhile (s) |",
            "|---|---|---|---|---|---|---|---|---|",
            *prow,
            "",
            f"**Median s3 / local: {pl['ratio']:.3f}** (target <= {pl['target']:.2f}: "
            f"{results.verdict(pl['target_met']).upper()}); CPU ratio {pl['cpu_ratio']:.3f}; "
            f"S3's extra time outside the transcription (difference of medians): "
            f"{outside:+.2f} s, i.e. a ratio of {pl['ratio_from_outside_transcribe']:.3f} "
            f"without the transcription's noise. Load average before -> after each run: "
            f"{loads}.",
            "",
            f"Run took {r.get('run_minutes', '?')} min (pipeline {pl['section_minutes']} min, "
            f"range reads {fb['section_minutes']} min) on a shared 2-core machine.",
        ]
    )


if __name__ == "__main__":
    main()
