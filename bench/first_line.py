"""Time to the first visible line after an upload: batched default against sequential.

Starts the app as the README's `scripts/start` does, on a fresh migrated data folder under
/tmp (embedded SQLite and queue): `python -m app.cli serve` (uvicorn, one process) and
`python -m app.cli worker` (the supervisor and its one worker process), with the speech
model bundled-base on the CPU and otherwise the product's settings. Then, in each pair,
once with the batched default (`SPARRING_WHISPER_BATCH_SIZE` unset) and once with the
sequential pipeline (`SPARRING_WHISPER_BATCH_SIZE=0`), which side comes first alternating
from pair to pair (A B, B A, ...; `--repeats` pairs):

    upload:  curl -T recording.mp4 -X POST /api/v1/recordings (the raw-body fast path the
             page's JavaScript uses, fields in X-Upload-Fields), until the 201 answer
    poll:    GET /api/v1/recordings/{id}/transcript every 100 ms (what the recording page's
             growing.js asks for, every 2 s there) until it holds a segment: the first
             visible line; then until it says `complete` (the recording is ready)

The worker is started again with the other setting whenever the setting changes, and each
new worker first hears a 20 s clip of the same recording (untimed, deleted), so every timed
run meets a warm worker that waits on the queue, as a running installation's would. Per run:
the upload time, the time from the upload's start and from its 201 to the job's start (the
transcript answers 200), to the first line and to the whole transcript, the server's CPU
time (all threads; during the upload and after it) and the worker's (its process and the
ffmpeg runs it waited for), the line count and the word error rate of the finished
transcript. Each recording is deleted through the API after its run; the data folder at
the end (`--keep` keeps it).

    .venv/bin/python bench/first_line.py [--repeats 2] [--seconds 600] [--lang en]
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

from harness import command_line, ffmpeg, log, measure, parse, results, server
from speech_audio import SpeechRecording, make_recording, wer

POLL_EVERY = 0.1  # seconds between transcript requests
WARM_CLIP_S = 20.0
BATCHED, SEQUENTIAL = "batched", "sequential"


def start_worker(env: dict[str, str], pipeline: str, folder: Path) -> server.Worker:
    """`python -m app.cli worker` (as scripts/start runs it) with one pipeline setting."""
    if pipeline == SEQUENTIAL:
        env = {**env, "SPARRING_WHISPER_BATCH_SIZE": "0"}
    return server.Worker(env, folder / f"worker-{pipeline}-{time.time_ns()}.log", pipeline)


def failed(app: server.Server, recording_id: str) -> str | None:
    """The failure label if the recording's job failed, else None."""
    state = app.client.get(f"/api/v1/recordings/{recording_id}/status").json()
    return f"{state['label']}: {state.get('reason')}" if state["status"] == "failed" else None


def upload_checked(app: server.Server, source: Path, language: str) -> dict[str, Any]:
    """curl -T: the file is the body, the fields in X-Upload-Fields (the page's fast path)."""
    up = app.curl_upload(source, server.upload_fields("First line", "BENCH-FIRST-LINE", language))
    if up["json"]["size_bytes"] != source.stat().st_size:
        raise RuntimeError(f"stored size {up['json']['size_bytes']} != {source.stat().st_size}")
    return up


def one_run(
    app: server.Server, worker: server.Worker, rec: SpeechRecording, timeout: float
) -> dict[str, Any]:
    """Upload, then poll the transcript as the page does until its first line and its end."""
    os.sync()
    time.sleep(1.0)
    server0, worker0 = app.cpu(), worker.cpu()
    load0 = os.getloadavg()[0]
    up = upload_checked(app, rec.mp4, rec.language)
    t0, t201, rid = up["start"], up["end"], up["json"]["id"]
    server201 = app.cpu()
    started = first = done = None
    first_line = ""
    body: dict = {}
    latencies: list[float] = []
    tick = t201
    while done is None:
        if time.perf_counter() - t201 > timeout:
            raise RuntimeError(f"no complete transcript after {timeout:.0f} s")
        sent = time.perf_counter()
        response = app.client.get(f"/api/v1/recordings/{rid}/transcript")
        now = time.perf_counter()
        latencies.append(now - sent)
        if response.status_code == 200:
            body = response.json()
            started = started or now
            if body["segments"] and first is None:
                first, first_line = now, body["segments"][0]["text"].strip()
            if body["complete"]:
                done = now
        elif response.status_code == 404 and (reason := failed(app, rid)):
            raise RuntimeError(f"the job failed: {reason}")
        tick += POLL_EVERY
        time.sleep(max(0.0, tick - time.perf_counter()))
    server_end, worker_end = app.cpu(), worker.cpu()
    app.delete(rid)
    text = " ".join(s["text"] for s in body["segments"])
    assert first is not None and started is not None
    return {
        "pipeline": worker.label,
        "upload": t201 - t0,
        "to_start_from_201": started - t201,
        "first_from_start": first - t0,
        "first_from_201": first - t201,
        "whole_from_start": done - t0,
        "whole_from_201": done - t201,
        "first_line": first_line[:80],
        "lines": len(body["segments"]),
        "wer": wer(rec.reference, text),
        "server_cpu_upload": server201 - server0,
        "server_cpu_after": server_end - server201,
        "worker_cpu": worker_end - worker0,
        "polls": len(latencies),
        "poll_median_ms": measure.median(latencies) * 1000,
        "poll_max_ms": max(latencies) * 1000,
        "load": (load0, os.getloadavg()[0]),
    }


def warm_up(app: server.Server, clip: Path, language: str) -> None:
    """One short job on a new worker, so the timed run does not pay first-use costs."""
    rid = upload_checked(app, clip, language)["json"]["id"]

    def ready() -> bool:
        response = app.client.get(f"/api/v1/recordings/{rid}/transcript")
        if response.status_code == 404 and (reason := failed(app, rid)):
            raise RuntimeError(f"the warm-up job failed: {reason}")
        return response.status_code == 200 and response.json()["complete"]

    server.wait_until(ready, 300, "the warm-up job", every=0.2)
    app.delete(rid)


def main() -> None:
    parser = command_line(__doc__, 2, "pairs", "--pairs")
    parser.add_argument("--seconds", type=float, default=600.0, help="length of the recording")
    parser.add_argument("--lang", default="en")
    args = parse(parser, repeats=1, seconds=60.0)

    from app.core.config import Settings

    default_batch = Settings.model_fields["whisper_batch_size"].default
    rec = make_recording(args.lang, args.seconds)
    timeout = max(300.0, 3 * rec.duration)
    runs: list[dict[str, Any]] = []
    with server.data_folder("first-line", server.TMP, args.keep) as data_dir:
        clip = data_dir / "warm-up.mp4"
        ffmpeg("-i", rec.mp4, "-t", str(WARM_CLIP_S), "-c", "copy", clip)
        env = server.app_env(data_dir, "SPARRING_WHISPER_", SPARRING_WHISPER_MODEL="bundled-base",
                             SPARRING_WHISPER_DEVICE="cpu")  # fmt: skip
        caseworker = server.prepare(env)["caseworker"]
        app = server.Server(env, cli=True, output=subprocess.DEVNULL)
        worker = None
        try:
            app.login(*caseworker, headers={"Accept": "application/json", "Accept-Language": "en"})
            log(f"app on {app.base}; {rec.mp4.name}: {rec.duration:.0f} s, "
                f"{rec.mp4.stat().st_size / 1e6:.1f} MB")  # fmt: skip
            for pair, pipeline in measure.alternate((BATCHED, SEQUENTIAL), args.repeats):
                if worker is None or worker.label != pipeline:
                    if worker is not None:
                        worker.stop()
                    worker = start_worker(env, pipeline, data_dir)
                    warm_up(app, clip, rec.language)
                run = {**one_run(app, worker, rec, timeout), "pair": pair + 1}
                runs.append(run)
                log(
                    f"pair {pair + 1} {pipeline:>10}: upload {run['upload']:.2f} s, first line "
                    f"{run['first_from_start']:.1f} s after the upload's start "
                    f"({run['first_from_201']:.1f} s after its 201), whole "
                    f"{run['whole_from_start']:.1f} s; {run['lines']} lines, WER "
                    f"{run['wer']:.2%}; CPU server {run['server_cpu_upload']:.2f} + "
                    f"{run['server_cpu_after']:.2f} s, worker {run['worker_cpu']:.1f} s; "
                    f"load {run['load'][0]:.1f}->{run['load'][1]:.1f}"
                )
        finally:
            if worker is not None:
                worker.stop()
            app.stop()
    result = summarise(runs, rec, default_batch)
    results.report(args, "first_line", result, summary(result))


def summarise(runs: list[dict], rec: SpeechRecording, default_batch: int) -> dict[str, Any]:
    def med(pipeline: str, key: str) -> float:
        return measure.median(r[key] for r in runs if r["pipeline"] == pipeline)

    keys = ["upload", "to_start_from_201", "first_from_start", "first_from_201",
            "whole_from_start", "whole_from_201", "lines", "wer", "server_cpu_upload",
            "server_cpu_after", "worker_cpu", "poll_median_ms"]  # fmt: skip
    medians = {p: {k: round(med(p, k), 4) for k in keys} for p in (BATCHED, SEQUENTIAL)}
    return {
        "recording": rec.mp4.name,
        "recording_seconds": round(rec.duration, 1),
        "recording_bytes": rec.mp4.stat().st_size,
        "batch_size_default": default_batch,
        "pairs": len(runs) // 2,
        "poll_every_s": POLL_EVERY,
        "runs": [
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in runs
        ],
        "medians": medians,
        "first_line_ratio": round(
            medians[SEQUENTIAL]["first_from_start"] / medians[BATCHED]["first_from_start"], 3
        ),
        "whole_ratio": round(
            medians[SEQUENTIAL]["whole_from_start"] / medians[BATCHED]["whole_from_start"], 3
        ),
        "worker_cpu_ratio": round(
            medians[SEQUENTIAL]["worker_cpu"] / medians[BATCHED]["worker_cpu"], 3
        ),
        "load_average": os.getloadavg(),
    }


def summary(r: dict[str, Any]) -> str:
    b, s = r["medians"][BATCHED], r["medians"][SEQUENTIAL]

    def row(label: str, key: str, fmt: str = "{:.1f}") -> str:
        return f"| {label} | {fmt.format(b[key])} | {fmt.format(s[key])} |"

    lines = [
        f"Recording: {r['recording']} ({r['recording_seconds'] / 60:.1f} min, "
        f"{r['recording_bytes'] / 1e6:.1f} MB MP4, H.264/AAC). App: `python -m app.cli serve` "
        "+ `python -m app.cli worker` (one worker process) on a fresh data folder (embedded "
        "SQLite and queue), bundled-base on the CPU, the product's other settings. Upload: "
        "curl -T (raw body) to the 201; then GET /api/v1/recordings/{id}/transcript every "
        f"{r['poll_every_s'] * 1000:.0f} ms until it holds a line, then until `complete`. "
        f"Batched: SPARRING_WHISPER_BATCH_SIZE unset (default {r['batch_size_default']}); "
        f"sequential: 0. {r['pairs']} pairs, order alternating (A B, B A, ...); the worker is "
        "restarted when the setting changes and warmed on a 20 s clip. Medians:",
        "",
        "| measure | batched (default) | sequential |",
        "|---|---|---|",
        row("upload, curl -T, to the 201 (s)", "upload", "{:.2f}"),
        row("201 -> the job has started (s)", "to_start_from_201"),
        row("**upload start -> first visible line (s)**", "first_from_start"),
        row("201 -> first visible line (s)", "first_from_201"),
        row("**upload start -> whole transcript (s)**", "whole_from_start"),
        row("201 -> whole transcript (s)", "whole_from_201"),
        row("lines", "lines", "{:.0f}"),
        row("WER of the finished transcript", "wer", "{:.2%}"),
        row("server CPU during the upload (s)", "server_cpu_upload", "{:.2f}"),
        row("server CPU after it, polls included (s)", "server_cpu_after", "{:.2f}"),
        row("worker CPU, with its ffmpeg runs (s)", "worker_cpu"),
        row("transcript request, median (ms)", "poll_median_ms", "{:.0f}"),
        "",
        f"- Sequential / batched: first line **{r['first_line_ratio']:.2f}x**, whole "
        f"transcript **{r['whole_ratio']:.2f}x**, worker CPU {r['worker_cpu_ratio']:.2f}x.",
        "- Runs (pair, pipeline: upload s; first line from the upload's start / its 201 s; "
        "whole s; server CPU upload + after s; worker CPU s; load 1 min before -> after):",
    ]
    for run in r["runs"]:
        lines.append(
            f"  {run['pair']} {run['pipeline']}: {run['upload']:.2f}; {run['first_from_start']:.1f}"
            f" / {run['first_from_201']:.1f}; {run['whole_from_start']:.1f}; "
            f"{run['server_cpu_upload']:.2f} + {run['server_cpu_after']:.2f}; "
            f"{run['worker_cpu']:.1f}; {run['load'][0]:.1f} -> {run['load'][1]:.1f}"
        )
    lines.append(
        "- Load average at the end (1, 5, 15 min): "
        + ", ".join(f"{x:.2f}" for x in r["load_average"])
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
