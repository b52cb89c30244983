"""Server memory and time while a 2 GiB recording is uploaded, against a plain file copy.

Starts the real app under uvicorn as a subprocess (fresh SPARRING_DATA_DIR under bench/work,
SPARRING_WHISPER_MODEL=bundled-tiny.en, migrated first), makes a valid ~2 GiB WAV with ffmpeg
(48 kHz stereo 16-bit sine), and streams it to POST /api/v1/recordings as a hand-built
multipart body in 1 MiB chunks with a Content-Length (the client never holds the file).
A thread samples the server's VmRSS / VmHWM from /proc every 50 ms.

Reported: server RSS before (baseline), peak during the upload, growth (target < 100 MB),
upload wall time (request start to the 201 answer, which includes the server's probe and
test decode), and the time to copy the same file on the same disk with shutil.copyfile
(once before and once after the upload), with the ratio upload / copy.
Every file over 100 MB is deleted at the end.

    .venv/bin/python bench/upload_memory.py [--gib 2] [--repeats 2] [--keep-source]
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from harness import WORK, command_line, log, parse, results, server, sine_wav
from harness.measure import MB, cpu_seconds, median, memory

TARGET_GROWTH_MB = 100.0
CHUNK = 1024 * 1024


def multipart_upload(client: Any, path: Path, fields: dict[str, str]) -> dict[str, Any]:
    """Stream `path` as a multipart form in 1 MiB chunks; return timings and the answer."""
    boundary = f"bench{uuid.uuid4().hex}"
    pre = b""
    for name, value in fields.items():
        pre += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    pre += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{path.name}"\r\nContent-Type: audio/wav\r\n\r\n'
    ).encode()
    post = f"\r\n--{boundary}--\r\n".encode()
    size = path.stat().st_size
    marks: dict[str, float] = {}

    def body():  # type: ignore[no-untyped-def]
        yield pre
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
        marks["last_byte"] = time.perf_counter()
        yield post

    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(pre) + size + len(post)),
    }
    t0 = time.perf_counter()
    resp = client.post("/api/v1/recordings", content=body(), headers=headers)
    t1 = time.perf_counter()
    return {
        "start": t0,
        "end": t1,
        "last_byte": marks.get("last_byte", t1),
        "status": resp.status_code,
        "json": resp.json() if resp.content else None,
        "text": resp.text[:500],
    }


def settle() -> None:
    """Write back dirty pages first, so no timed step pays for the one before it."""
    os.sync()
    time.sleep(1.0)


def timed_copy(src: Path, dst: Path, command: list[str] | None = None) -> tuple[float, float]:
    """Seconds to copy, and seconds until the copy is on disk (copy + sync)."""
    settle()
    t0 = time.perf_counter()
    if command:
        subprocess.run([*command, str(src), str(dst)], check=True)
    else:
        shutil.copyfile(src, dst)
    t1 = time.perf_counter()
    os.sync()
    t2 = time.perf_counter()
    dst.unlink()
    return t1 - t0, t2 - t0


def main() -> None:
    parser = command_line(__doc__, 2, "uploads of the file", "--uploads")
    parser.add_argument("--gib", type=float, default=2.0, help="size of the upload (GiB)")
    parser.add_argument(
        "--keep-source", action="store_true", help="keep the WAV for a next run (> 100 MB)"
    )
    args = parse(parser, repeats=1, gib=0.1)
    source = WORK / f"upload-source-{args.gib:g}GiB.wav"
    try:
        with server.data_folder("upload", keep=args.keep) as data_dir:
            result = run(args, source, data_dir)
    finally:
        if not args.keep_source:
            source.unlink(missing_ok=True)
        leftovers = [p for p in WORK.rglob("*") if p.is_file() and p.stat().st_size > 100 * MB]
        if leftovers:
            log(f"files over 100 MB left in bench/work: {leftovers}")
    results.report(args, "upload_memory", result, summary(result))


def run(args: Any, source: Path, data_dir: Path) -> dict[str, Any]:
    if not source.exists():
        log(f"making a {args.gib:g} GiB WAV with ffmpeg ...")
        t0 = time.perf_counter()
        sine_wav(source, args.gib * 1024**3 / 192000)
        log(f"  {source.stat().st_size:,} bytes in {time.perf_counter() - t0:.1f} s")
    small = data_dir / "warmup.wav"
    sine_wav(small, 3.0)
    size = source.stat().st_size
    env = server.app_env(data_dir, SPARRING_WHISPER_MODEL="bundled-tiny.en")
    caseworker = server.prepare(env)["caseworker"]
    app = server.Server(env)
    try:
        return uploads(args, app, caseworker, source, small, data_dir, size)
    finally:
        app.stop()


def uploads(
    args: Any, app: server.Server, caseworker: tuple[str, str], source: Path, small: Path,
    data_dir: Path, size: int,
) -> dict[str, Any]:  # fmt: skip
    log(f"server pid {app.pid} on {app.base}")
    sampler = app.sample_memory()
    time.sleep(0.5)
    t_s = time.perf_counter()
    started = sampler.peak(t_s - 0.5, t_s)
    # Uploading needs a logged-in caseworker: log in first (argon2id verification takes
    # 64 MiB for a moment), and take the baseline after that.
    client = app.login(*caseworker, timeout=600.0)
    time.sleep(1.0)
    t_a = time.perf_counter()
    login_peak = sampler.peak(t_s, t_a)
    baseline0 = sampler.peak(t_a - 0.5, t_a)
    hwm0 = memory(app.pid)["VmHWM"]
    log(
        f"RSS: started {started / MB:.1f} MB, peak while logging in {login_peak / MB:.1f} MB, "
        f"baseline (logged in, before any upload) {baseline0 / MB:.1f} MB"
    )

    fields = server.upload_fields("Upload benchmark", "BENCH-UPLOAD", "da")
    warm = multipart_upload(client, small, fields)
    assert warm["status"] == 201, warm["text"]
    time.sleep(1.0)
    t_b = time.perf_counter()
    baseline1 = sampler.peak(t_b - 0.5, t_b)
    log(f"RSS after a 3 s warm-up upload: {baseline1 / MB:.1f} MB")

    # Alternate: copy, upload, copy, upload, ..., copy; every step after a sync.
    copies: list[tuple[float, float]] = []
    cps: list[tuple[float, float]] = []
    ups: list[dict] = []

    def copy_round() -> None:
        log(f"copy {len(copies) + 1} (shutil.copyfile, same disk) ...")
        copies.append(timed_copy(source, data_dir / "copy.wav"))
        log(f"  {copies[-1][0]:.2f} s ({copies[-1][1]:.2f} s with sync)")
        log(f"cp {len(cps) + 1} (coreutils cp, same disk) ...")
        cps.append(timed_copy(source, data_dir / "cp.wav", ["cp"]))
        log(f"  {cps[-1][0]:.2f} s ({cps[-1][1]:.2f} s with sync)")

    copy_round()
    for n in range(args.repeats):
        log(f"upload {n + 1}: {size / MB:,.0f} MiB ...")
        settle()
        cpu0 = cpu_seconds(app.pid)
        up = multipart_upload(client, source, fields)
        cpu1 = cpu_seconds(app.pid)
        os.sync()
        up["synced"] = time.perf_counter() - up["start"]
        up["cpu"] = cpu1 - cpu0
        if up["status"] != 201:
            raise RuntimeError(f"server answered {up['status']}: {up['text']}")
        up["samples"] = len(sampler.between(up["start"], up["end"]))
        up["peak"] = sampler.peak(up["start"], up["end"])
        up["peak_anon"] = sampler.peak(up["start"], up["end"], "RssAnon")
        ups.append(up)
        log(
            f"  201 in {up['end'] - up['start']:.2f} s (last byte sent at "
            f"{up['last_byte'] - up['start']:.2f} s, {up['synced']:.2f} s with sync); "
            f"peak RSS {up['peak'] / MB:.1f} MB over {up['samples']} samples"
        )
        copy_round()
    time.sleep(0.5)
    sampler.stop()
    hwm1 = memory(app.pid)["VmHWM"]

    log("checking the stored files' size and SHA-256 ...")
    with source.open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    intact = sha_ok = True
    for up in ups:
        rec = up["json"]
        stored = data_dir / "media" / rec["id"] / "original"
        intact &= rec.get("size_bytes") == size and stored.stat().st_size == size
        sha_ok &= rec.get("sha256", digest) == digest
    peak = max(up["peak"] for up in ups)
    peak_anon = max(up["peak_anon"] for up in ups)
    upload_times = [up["end"] - up["start"] for up in ups]
    upload_s = median(upload_times)
    upload_synced_s = median(up["synced"] for up in ups)
    send_s = median(up["last_byte"] - up["start"] for up in ups)
    tail_s = median(up["end"] - up["last_byte"] for up in ups)
    copy_med = median(c for c, _ in copies)
    copy_synced_med = median(c for _, c in copies)
    growth = peak - baseline0
    return {
        "file_bytes": size,
        "file": f"WAV pcm_s16le 48 kHz stereo, {size / 192000:.0f} s",
        "server": "uvicorn app.main:app (one process), SPARRING_WHISPER_MODEL=bundled-tiny.en",
        "status": [up["status"] for up in ups],
        "stored_size_ok": intact,
        "sha256_ok": sha_ok,
        "rss_started_mb": round(started / MB, 1),
        "rss_peak_while_logging_in_mb": round(login_peak / MB, 1),
        "baseline_rss_mb": round(baseline0 / MB, 1),
        "rss_after_warmup_upload_mb": round(baseline1 / MB, 1),
        "peak_rss_during_upload_mb": round(peak / MB, 1),
        "peak_rss_anon_during_upload_mb": round(peak_anon / MB, 1),
        "growth_mb": round(growth / MB, 1),
        "growth_over_warm_baseline_mb": round((peak - baseline1) / MB, 1),
        "vmhwm_before_mb": round(hwm0 / MB, 1),
        "vmhwm_after_mb": round(hwm1 / MB, 1),
        "samples_during_uploads": [up["samples"] for up in ups],
        "peak_rss_per_upload_mb": [round(up["peak"] / MB, 1) for up in ups],
        "target_growth_mb": TARGET_GROWTH_MB,
        "target_met": growth / MB < TARGET_GROWTH_MB,
        "upload_seconds_each": [round(t, 2) for t in upload_times],
        "upload_seconds": round(upload_s, 2),
        "upload_send_seconds": round(send_s, 2),
        "server_tail_after_last_byte_seconds": round(tail_s, 2),
        "upload_mib_per_s": round(size / MB / upload_s, 1),
        "server_cpu_seconds_during_upload": round(median(up["cpu"] for up in ups), 2),
        "upload_plus_sync_seconds_each": [round(up["synced"], 2) for up in ups],
        "upload_plus_sync_seconds": round(upload_synced_s, 2),
        "copyfile_seconds": [round(c, 2) for c, _ in copies],
        "copyfile_median": round(copy_med, 2),
        "copyfile_plus_sync_seconds": [round(c, 2) for _, c in copies],
        "copyfile_plus_sync_median": round(copy_synced_med, 2),
        "cp_seconds": [round(c, 2) for c, _ in cps],
        "cp_median": round(median(c for c, _ in cps), 2),
        "cp_plus_sync_seconds": [round(c, 2) for _, c in cps],
        "cp_plus_sync_median": round(median(c for _, c in cps), 2),
        "ratio_upload_over_cp": round(upload_s / median(c for c, _ in cps), 2),
        "ratio_upload_over_cp_with_sync": round(upload_synced_s / median(c for _, c in cps), 2),
        "ratio_upload_over_copy": round(upload_s / copy_med, 2),
        "ratio_upload_over_copy_with_sync": round(upload_synced_s / copy_synced_med, 2),
    }


def summary(r: dict[str, Any]) -> str:
    met = "MET" if r["target_met"] else "NOT MET"
    copies = ", ".join(map(str, r["copyfile_seconds"]))
    synced = ", ".join(map(str, r["copyfile_plus_sync_seconds"]))
    uploads = ", ".join(map(str, r["upload_seconds_each"]))
    cp_each = ", ".join(map(str, r["cp_seconds"]))
    cp_synced = ", ".join(map(str, r["cp_plus_sync_seconds"]))
    uploads_synced = ", ".join(map(str, r["upload_plus_sync_seconds_each"]))
    per_upload = ", ".join(f"{v} MB" for v in r["peak_rss_per_upload_mb"])
    summary = "\n".join(
        [
            f"File: {r['file_bytes']:,} bytes ({r['file_bytes'] / 1024**3:.2f} GiB), {r['file']}",
            f"Server: {r['server']}; client streams a hand-built multipart body in 1 MiB chunks "
            "with Content-Length (httpx); RSS sampled every 50 ms from /proc/<pid>/status",
            "Order: copyfile + cp, then (upload, copyfile + cp) x "
            f"{len(r['upload_seconds_each'])}; medians compared",
            f"Answers: HTTP {', '.join(map(str, r['status']))}; "
            f"stored sizes match: {r['stored_size_ok']}; "
            f"SHA-256 matches: {r['sha256_ok']}",
            "",
            "| measure | value |",
            "|---|---|",
            f"| server RSS after start (/healthz answered) | {r['rss_started_mb']} MB |",
            "| server RSS peak while logging in (argon2id) "
            f"| {r['rss_peak_while_logging_in_mb']} MB |",
            "| **server RSS baseline (logged in, before any upload)** "
            f"| {r['baseline_rss_mb']} MB |",
            f"| server RSS after a 3 s warm-up upload | {r['rss_after_warmup_upload_mb']} MB |",
            f"| server peak RSS during the {r['file_bytes'] / 1024**3:.2f} GiB uploads "
            f"| {r['peak_rss_during_upload_mb']} MB (each: {per_upload}) "
            f"(anonymous part {r['peak_rss_anon_during_upload_mb']} MB) |",
            f"| **growth (peak - baseline)** | **{r['growth_mb']} MB** "
            f"(over the warm baseline: {r['growth_over_warm_baseline_mb']} MB) |",
            f"| VmHWM before / after | {r['vmhwm_before_mb']} / {r['vmhwm_after_mb']} MB |",
            f"| upload wall time (request start to 201) | {uploads} s "
            f"(median {r['upload_seconds']} s, {r['upload_mib_per_s']} MiB/s) |",
            f"| of which (medians): sending the body / after the last byte (probe etc.) | "
            f"{r['upload_send_seconds']} s / {r['server_tail_after_last_byte_seconds']} s |",
            "| server CPU time during an upload (median) "
            f"| {r['server_cpu_seconds_during_upload']} s |",
            f"| shutil.copyfile same file, same disk (each) | {copies} s "
            f"(median {r['copyfile_median']} s) |",
            f"| cp (coreutils) same file, same disk (each) | {cp_each} s "
            f"(median {r['cp_median']} s) |",
            f"| **ratio upload / copyfile** | **{r['ratio_upload_over_copy']}** |",
            f"| **ratio upload / cp** | **{r['ratio_upload_over_cp']}** |",
            f"| upload + sync (until on disk) | {uploads_synced} s "
            f"(median {r['upload_plus_sync_seconds']} s) |",
            f"| copyfile + sync (each) | {synced} s (median {r['copyfile_plus_sync_median']} s) |",
            f"| cp + sync (each) | {cp_synced} s (median {r['cp_plus_sync_median']} s) |",
            "| ratio upload / copyfile, upload / cp, all until on disk "
            f"| {r['ratio_upload_over_copy_with_sync']}, {r['ratio_upload_over_cp_with_sync']} |",
            "",
            "Each timed step starts after os.sync() and a 1 s pause, so none pays for the "
            "write-back of the one before; the plain times leave the copies' data in the page "
            "cache, the `+ sync` times include writing it to disk (the server writes past the "
            "page cache with O_DIRECT where it can: its upload is on disk at the 201). A "
            "copy's time swings with the machine's memory state; upload_speed runs both sides "
            "from the same state: its ratios are the ones to read.",
            "",
            f"Target: server RSS grows by under {r['target_growth_mb']:.0f} MB: {met} "
            f"({r['growth_mb']} MB).",
        ]
    )
    return summary


if __name__ == "__main__":
    main()
