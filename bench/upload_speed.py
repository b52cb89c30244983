"""Upload speed with an ordinary client (curl) against a plain file copy, alternating.

Starts the app as the README does (`python -m app.cli serve`, one process, a fresh migrated
data folder under /tmp), makes a WAV of `--gib` GiB in /tmp with ffmpeg, logs in as the
demo caseworker, then, `--repeats` times (at least 5), in each memory state, alternating
which goes first:

    copy:    shutil.copyfile(source, <data folder>/copy)   (same file system)
    upload:  curl -T source -X POST /api/v1/recordings     (the fast path: the file is the
             body, the fields in X-Upload-Fields), until the 201 answer
    floor:   curl -T source to uvicorn running an ASGI app that only discards the body,
             with the app's allocator settings (app/core/allocator.py)

Memory states. Writing 2 GiB costs what the kernel pays to get 2 GiB of page cache, and on a
virtual machine whose host takes back free memory that can depend on what happened just
before: in one run a copy right after 2 GiB was freed took 0.5 s, the same copy after 10 s
of quiet 3 s (an hour later the quiet ones took 0.6 s too). Every step starts from the same
state, and each pair runs in both:

    idle: os.sync(), then 12 s (`--idle-seconds`) without work (freed memory may have gone
          back to the host, as on a server that was quiet before the upload came);
    hot:  a copy of the file made, deleted and synced just before (its pages are at hand:
          the copy then moves page cache to page cache at 3-4 GiB/s, faster than SHA-256
          runs here, so no upload that hashes can keep within 1.3x of it).

The SHA-256 of the file alone (hashlib.file_digest, from the page cache) is timed in each
state too: the least any server that stores the file's hash spends, whatever it writes.

For each upload it records the server's CPU time (/proc/<pid>/stat, all threads) and samples
its RSS every 50 ms. It also times a Python copy that hashes as it streams (SHA-256, 4 MiB
blocks: what the server must do at least) and, `--multipart-reps` times, the no-JavaScript
multipart path (`curl -F`, idle state). Each uploaded recording is deleted through the API
afterwards; the data folder and the source file are deleted at the end (`--keep-source`
keeps the source).

    .venv/bin/python bench/upload_speed.py [--gib 2] [--repeats 5] [--multipart-reps 2]
        [--nice -15] [--old-root DIR] [--keep-source]
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from harness import command_line, log, parse, results, server, sine_wav
from harness.measure import MB, cpu_seconds, median, memory, turn

TARGET_RATIO = 1.3
GIB = 1024**3
HASH_BLOCK = 4 * 1024 * 1024
STATES = ("idle", "hot")
STATE_TEXT = {
    "idle": "after os.sync() and {idle:g} s without work",
    "hot": "right after a copy of the file was made, deleted and synced",
}
# The floor: uvicorn (as the app runs it, allocator settings included) with an ASGI app that
# only reads the body and throws it away. No framework, no hash, no file.
DISCARD_APP = """
from app.core.allocator import tune_for_streaming

tune_for_streaming()


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 201,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b"{}"})
"""


def copy_with_hash(src: Path, dst: Path) -> str:
    digest = hashlib.sha256()
    with src.open("rb") as fin, dst.open("wb") as fout:
        while block := fin.read(HASH_BLOCK):
            digest.update(block)
            fout.write(block)
    return digest.hexdigest()


class Bench:
    """The source file, the servers and the memory state every timed step starts from."""

    def __init__(self, args: Any, source: Path, data_dir: Path) -> None:
        self.args, self.source, self.data_dir = args, source, data_dir
        self.fields = server.upload_fields("Upload speed", "BENCH-SPEED", "da")
        self.size = source.stat().st_size

    def prepare(self, state: str) -> None:
        """Bring the machine to the same memory state before every timed step (see the top)."""
        os.sync()
        if state == "idle":
            time.sleep(self.args.idle_seconds)
            return
        scratch = self.source.with_name(self.source.name + ".scratch")
        shutil.copyfile(self.source, scratch)  # 2 GiB of page cache, freed again just before
        scratch.unlink()
        os.sync()

    def timed(self, step: Any, state: str) -> tuple[float, float]:
        """Seconds for the step, and seconds until its data is on disk (step + sync)."""
        self.prepare(state)
        t0 = time.perf_counter()
        step()
        t1 = time.perf_counter()
        os.sync()
        return t1 - t0, time.perf_counter() - t0

    def upload(self, app: server.Server, state: str, multipart: bool) -> dict[str, Any]:
        """One upload from `state` with curl; the server's CPU time and peak RSS meanwhile."""
        self.prepare(state)
        cpu0 = cpu_seconds(app.pid)
        up = app.curl_upload(self.source, self.fields, multipart)
        up["cpu"] = cpu_seconds(app.pid) - cpu0
        os.sync()
        up["synced"] = time.perf_counter() - up["start"]
        up["peak"] = app.sampler.peak(up["start"], up["end"])
        rec = up.pop("json")
        up["size_ok"] = rec["size_bytes"] == self.size
        up["sha256"] = rec["sha256"]
        app.delete(rec["id"])
        return up

    def discard(self, port: int, state: str) -> float:
        """curl -T to the floor (the server that discards the body), from `state`."""
        self.prepare(state)
        t0 = time.perf_counter()
        subprocess.run(
            ["curl", "-sS", "-o", "/dev/null", "-X", "POST", "-T", str(self.source),
             "-H", "Content-Type: application/octet-stream", f"http://127.0.0.1:{port}/"],
            check=True,
        )  # fmt: skip
        return time.perf_counter() - t0


def main() -> None:
    parser = command_line(__doc__, 5, "copy/upload pairs in each memory state (>= 5)", "--reps")
    parser.add_argument("--gib", type=float, default=2.0, help="size of the file (GiB)")
    parser.add_argument("--multipart-reps", type=int, default=2, help="multipart uploads")
    parser.add_argument("--idle-seconds", type=float, default=12.0, help="the idle state's")
    parser.add_argument("--keep-source", action="store_true", help="keep the source WAV")
    parser.add_argument(
        "--old-root",
        type=Path,
        help="a copy of the tree with the code to compare against (its server runs beside "
        "this one on the same data folder; each pair gets an upload to it too)",
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="run the bench, the server and curl at this nice value (e.g. -15 as root on a "
        "machine others are using: both sides of the comparison get the CPU they ask for)",
    )
    args = parse(parser, repeats=1, gib=0.1, multipart_reps=1, idle_seconds=1.0)
    if args.nice:
        os.nice(args.nice)
    source = server.TMP / f"vs-upload-source-{args.gib:g}GiB.wav"
    try:
        if not source.exists():
            log(f"making a {args.gib:g} GiB WAV in {server.TMP} with ffmpeg ...")
            sine_wav(source, args.gib * GIB / 192000)
        with server.data_folder("upload", server.TMP, args.keep) as data_dir:
            result = run(Bench(args, source, data_dir))
    finally:
        if not args.keep_source:
            source.unlink(missing_ok=True)
    results.report(args, "upload_speed", result, summary(result))


def run(bench: Bench) -> dict[str, Any]:
    args, data_dir = bench.args, bench.data_dir
    env = server.app_env(data_dir, SPARRING_WHISPER_MODEL="bundled-tiny.en")
    caseworker = server.prepare(env)["caseworker"]
    servers: list[server.Server] = []
    discard: subprocess.Popen[bytes] | None = None
    try:
        # As the README serves it: `videosparring serve`; and, beside it, the old code from a
        # copy of the tree, with h11 as it had.
        servers.append(server.Server(env, cli=True, output=subprocess.DEVNULL))
        if args.old_root:
            servers.append(server.Server(env, options=("--http", "h11"), cwd=args.old_root,
                                         output=subprocess.DEVNULL))  # fmt: skip
        for app in servers:
            app.login(*caseworker, timeout=600.0)
            app.sample_memory()
        (data_dir / "discard_app.py").write_text(DISCARD_APP)
        discard_port = server.free_port()
        discard = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "discard_app:app", "--port", str(discard_port),
             "--log-level", "warning"],
            cwd=data_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(server.ROOT)},
        )  # fmt: skip
        return pairs(bench, servers, discard_port)
    finally:
        for app in servers:
            app.stop()
        if discard is not None:
            server.stop(discard)


def pairs(bench: Bench, servers: list[server.Server], discard_port: int) -> dict[str, Any]:
    args, source, size, dst = bench.args, bench.source, bench.size, bench.data_dir / "copy"
    new = servers[0]
    gib = size / GIB
    log(f"server pid {new.pid} on {new.base}; file {size:,} bytes")
    # Warm-up: one small upload, so that first-use costs are not in the first pair.
    small = bench.data_dir / "warmup.wav"
    sine_wav(small, 3.0)
    new.delete(new.curl_upload(small, bench.fields)["json"]["id"])
    small.unlink()
    time.sleep(1.0)
    now = time.perf_counter()
    baseline = new.sampler.peak(now - 0.5, now)

    steps = ("copy", "copy_synced", "upload", "discard", "hashed", "sha_only")
    runs: dict[str, dict[str, list]] = {state: {k: [] for k in steps} for state in STATES}
    multiparts: list[dict] = []
    olds: list[dict] = []

    def copy(state: str) -> None:
        copy_s, copy_synced = bench.timed(lambda: shutil.copyfile(source, dst), state)
        runs[state]["copy"].append(copy_s)
        runs[state]["copy_synced"].append(copy_synced)
        dst.unlink()

    for n in range(args.repeats):
        for state in STATES:
            got = runs[state]
            # Alternate which goes first, so neither always follows the other.
            for step in turn(("copy", "upload"), n):
                if step == "copy":
                    copy(state)
                else:
                    got["upload"].append(bench.upload(new, state, multipart=False))
            got["discard"].append(bench.discard(discard_port, state))
            if args.old_root:
                olds.append(bench.upload(servers[1], state, multipart=True))
                log(f"  old code (multipart, h11): {olds[-1]['seconds']:.2f} s")
            up = got["upload"][-1]
            log(
                f"pair {n + 1} {state}: copyfile {got['copy'][-1]:.2f} s, upload "
                f"{up['seconds']:.2f} s (ratio {up['seconds'] / got['copy'][-1]:.2f}), "
                f"floor {got['discard'][-1]:.2f} s, server CPU {up['cpu']:.2f} s, "
                f"peak RSS {up['peak'] / MB:.1f} MB"
            )
    expected_sha = ""
    for state in STATES:
        for _ in range(2):
            bench.prepare(state)
            t0 = time.perf_counter()
            expected_sha = copy_with_hash(source, dst)
            runs[state]["hashed"].append(time.perf_counter() - t0)
            dst.unlink()
            bench.prepare(state)
            t0 = time.perf_counter()
            with source.open("rb") as f:
                hashlib.file_digest(f, "sha256")
            runs[state]["sha_only"].append(time.perf_counter() - t0)
    for n in range(args.multipart_reps):
        multiparts.append(bench.upload(new, "idle", multipart=True))
        log(f"multipart {n + 1}: {multiparts[-1]['seconds']:.2f} s")
    hwm = memory(new.pid)["VmHWM"]
    per_state = {}
    for state, got in runs.items():
        ups = got["upload"]
        up_med = median([u["seconds"] for u in ups])
        copy_med = median(got["copy"])
        per_state[state] = {
            "prepared": STATE_TEXT[state].format(idle=args.idle_seconds),
            "copyfile_seconds": [round(c, 2) for c in got["copy"]],
            "upload_seconds": [round(u["seconds"], 2) for u in ups],
            "pair_ratios": [
                round(u["seconds"] / c, 2) for u, c in zip(ups, got["copy"], strict=True)
            ],
            "copyfile_median": round(copy_med, 2),
            "upload_median": round(up_med, 2),
            "ratio": round(up_med / copy_med, 3),
            "target_met": up_med / copy_med <= TARGET_RATIO,
            "copyfile_plus_sync_seconds": [round(c, 2) for c in got["copy_synced"]],
            "upload_plus_sync_seconds": [round(u["synced"], 2) for u in ups],
            "ratio_until_on_disk": round(
                median([u["synced"] for u in ups]) / median(got["copy_synced"]), 3
            ),
            "server_cpu_seconds": [round(u["cpu"], 2) for u in ups],
            "server_cpu_per_gib": round(median([u["cpu"] for u in ups]) / gib, 2),
            "discard_seconds": [round(d, 2) for d in got["discard"]],
            "discard_ratio": round(median(got["discard"]) / copy_med, 3),
            "copy_with_hash_seconds": [round(h, 2) for h in got["hashed"]],
            "ratio_over_copy_with_hash": round(up_med / median(got["hashed"]), 3),
            "sha256_only_seconds": [round(h, 2) for h in got["sha_only"]],
            "sha256_only_ratio": round(median(got["sha_only"]) / copy_med, 3),
        }
    every = [u for got in runs.values() for u in got["upload"]] + multiparts
    peak = max(u["peak"] for u in every)
    return {
        "file_bytes": size,
        "client": "curl -T (raw body) / curl -F (multipart)",
        "server": "python -m app.cli serve (uvicorn, one process)",
        "reps": args.repeats,
        "target": TARGET_RATIO,
        "states": per_state,
        "nice": os.nice(0),
        "multipart_seconds": [round(u["seconds"], 2) for u in multiparts],
        "multipart_ratio": (
            round(median([u["seconds"] for u in multiparts])
                  / per_state["idle"]["copyfile_median"], 3)
            if multiparts
            else None
        ),
        "multipart_cpu_per_gib": (
            round(median([u["cpu"] for u in multiparts]) / gib, 2) if multiparts else None
        ),
        "old_code_multipart_seconds": [round(u["seconds"], 2) for u in olds],
        "old_code_cpu_per_gib": (
            round(median([u["cpu"] for u in olds]) / gib, 2) if olds else None
        ),
        "old_code_peak_rss_mb": round(max(u["peak"] for u in olds) / MB, 1) if olds else None,
        "baseline_rss_mb": round(baseline / MB, 1),
        "peak_rss_mb": round(peak / MB, 1),
        "rss_growth_mb": round((peak - baseline) / MB, 1),
        "vmhwm_mb": round(hwm / MB, 1),
        "stored_ok": all(u["size_ok"] and u["sha256"] == expected_sha for u in every),
        "load_average": os.getloadavg(),
    }  # fmt: skip


def summary(r: dict[str, Any]) -> str:
    gib = r["file_bytes"] / GIB
    lines = [
        f"File: {r['file_bytes']:,} bytes ({gib:.2f} GiB) WAV in /tmp; data folder on the "
        "same file system. Server: " + r["server"] + "; client: " + r["client"] + ".",
        f"Order: {r['reps']} pairs; in each, per memory state, shutil.copyfile and the raw "
        "upload (the first of them alternating), then the floor; then a Python copy that "
        "hashes as it streams x 2 per state, then multipart uploads x "
        f"{len(r['multipart_seconds'])} (idle). Every step starts from its state: "
        + "; ".join(f"{k}: {v['prepared']}" for k, v in r["states"].items())
        + ".",
        f"Stored size and SHA-256 right for every upload: {r['stored_ok']}. "
        f"Nice value of the bench, the server and curl: {r['nice']}.",
        "",
        "| measure | " + " | ".join(r["states"]) + " |",
        "|---|" + "---|" * len(r["states"]),
    ]

    def row(label: str, cell: Any) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(v) for v in r["states"].values()) + " |")

    def each(values: list[float]) -> str:
        return ", ".join(map(str, values))

    row(
        "shutil.copyfile (each)",
        lambda v: f"{each(v['copyfile_seconds'])} s (median {v['copyfile_median']} s)",
    )
    row(
        "raw upload, curl -T, to the 201 (each)",
        lambda v: (
            f"{each(v['upload_seconds'])} s "
            f"(median {v['upload_median']} s, "
            f"{r['file_bytes'] / MB / v['upload_median']:.0f} MiB/s)"
        ),
    )
    row("ratio per pair", lambda v: each(v["pair_ratios"]))
    row(
        "**ratio upload / copyfile (medians)**",
        lambda v: (
            f"**{v['ratio']}** (target <= {r['target']}: {'MET' if v['target_met'] else 'NOT MET'})"
        ),
    )
    row(
        "**server CPU per GiB (raw upload)**",
        lambda v: (
            f"**{v['server_cpu_per_gib']} s** (each upload: {each(v['server_cpu_seconds'])} s)"
        ),
    )
    row(
        "floor: uvicorn with an ASGI app that reads the body and discards it",
        lambda v: f"{each(v['discard_seconds'])} s; ratio to copyfile {v['discard_ratio']}",
    )
    row(
        "Python copy hashing as it streams (SHA-256)",
        lambda v: (
            f"{each(v['copy_with_hash_seconds'])} s; upload / it: {v['ratio_over_copy_with_hash']}"
        ),
    )
    row(
        "SHA-256 of the file alone (hashlib, from the page cache)",
        lambda v: (
            f"{each(v['sha256_only_seconds'])} s; **ratio to copyfile {v['sha256_only_ratio']}**"
        ),
    )
    row(
        "until on disk (step + os.sync()): copyfile",
        lambda v: f"{each(v['copyfile_plus_sync_seconds'])} s",
    )
    row(
        "until on disk: upload",
        lambda v: (
            f"{each(v['upload_plus_sync_seconds'])} s; "
            f"**ratio of medians {v['ratio_until_on_disk']}**"
        ),
    )
    lines += [
        f"| multipart upload, curl -F (no-JavaScript path), idle | "
        f"{each(r['multipart_seconds'])} s; ratio to copyfile {r['multipart_ratio']}; server "
        f"CPU per GiB {r['multipart_cpu_per_gib']} s | |",
        f"| server RSS: baseline after a warm-up upload / peak during uploads | "
        f"{r['baseline_rss_mb']} / {r['peak_rss_mb']} MB (**growth {r['rss_growth_mb']} MB**);"
        f" VmHWM {r['vmhwm_mb']} MB | |",
        "| load average at the end (1, 5, 15 min) | "
        + ", ".join(f"{x:.2f}" for x in r["load_average"])
        + " | |",
    ]
    if r.get("old_code_multipart_seconds"):
        lines.append(
            f"| the code before this change (multipart, h11), in the same pairs | "
            f"{each(r['old_code_multipart_seconds'])} s; server CPU per GiB "
            f"**{r['old_code_cpu_per_gib']} s**; peak RSS {r['old_code_peak_rss_mb']} MB | |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
