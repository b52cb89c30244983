"""Time to the first visible line after an upload: batched default against sequential.

Starts the app as the README's `scripts/start` does, on a fresh migrated data folder under
/tmp (embedded SQLite and queue): `python -m app.cli serve` (uvicorn, one process) and
`python -m app.cli worker` (the supervisor and its one worker process), with the speech
model bundled-base on the CPU and otherwise the product's settings. Then, `--pairs` times,
once with the batched default (`SPARRING_WHISPER_BATCH_SIZE` unset) and once with the
sequential pipeline (`SPARRING_WHISPER_BATCH_SIZE=0`), which side comes first alternating
from pair to pair (A B, B A, ...):

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

    .venv/bin/python bench/first_line.py [--pairs 2] [--seconds 600] [--lang en]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from app_session import (  # noqa: E402
    app_env,
    free_port,
    login,
    prepare_data_dir,
    start_server,
    stop,
    upload_fields,
    wait_until,
)
from speech_audio import ffmpeg, make_recording, report, wer  # noqa: E402
from upload_memory import log, proc_cpu_seconds  # noqa: E402

POLL_EVERY = 0.1  # seconds between transcript requests
WARM_CLIP_S = 20.0
BATCHED, SEQUENTIAL = "batched", "sequential"


def cpu_with_children(pid: int) -> float:
    """CPU time of a process and of the children it has waited for (the worker's ffmpeg)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


class Worker:
    """`python -m app.cli worker` (as scripts/start runs it) with one pipeline setting."""

    def __init__(self, env: dict[str, str], pipeline: str, logs: Path) -> None:
        env = dict(env)
        if pipeline == SEQUENTIAL:
            env["SPARRING_WHISPER_BATCH_SIZE"] = "0"
        self.pipeline = pipeline
        self.log_path = logs / f"worker-{pipeline}-{time.time_ns()}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        # Ready once the model is loaded and Huey's consumer waits on the queue.
        wait_until(
            lambda: self.proc.poll() is not None or b"consumer started" in self.log_bytes(),
            180, f"the {pipeline} worker to start",
        )  # fmt: skip
        if self.proc.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{self.log_path.read_text()[-2000:]}")
        self.pid = wait_until(lambda: children_of(self.proc.pid), 10, "the worker process")[0]

    def log_bytes(self) -> bytes:
        return self.log_path.read_bytes()

    def cpu(self) -> float:
        return cpu_with_children(self.pid)

    def stop(self) -> None:
        stop(self.proc, sig=signal.SIGTERM)
        self._log.close()


class App:
    """The web app (`python -m app.cli serve`) on a fresh data folder, logged in."""

    def __init__(self, data_dir: Path, language: str) -> None:
        import httpx

        self.env = app_env(data_dir)
        for key in [k for k in self.env if k.startswith("SPARRING_WHISPER_")]:
            del self.env[key]
        self.env["SPARRING_WHISPER_MODEL"] = "bundled-base"
        self.env["SPARRING_WHISPER_DEVICE"] = "cpu"
        login_as = prepare_data_dir(self.env)
        port = free_port()
        self.env.update({"SPARRING_HOST": "127.0.0.1", "SPARRING_PORT": str(port)})
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.proc, self.base = start_server(
            self.env, port=port, command=[sys.executable, "-m", "app.cli", "serve"], **quiet
        )
        self.client = httpx.Client(
            base_url=self.base,
            timeout=httpx.Timeout(60.0),
            headers={"Accept": "application/json", "Accept-Language": "en"},
        )
        try:
            login(self.client, *login_as)
        except BaseException:
            stop(self.proc)
            raise
        self.auth = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.client.cookies.items()),
            "X-CSRF-Token": self.client.headers["X-CSRF-Token"],
        }
        self.language = language

    def cpu(self) -> float:
        return proc_cpu_seconds(self.proc.pid)

    def upload(self, source: Path) -> dict:
        """curl -T: the file is the body, the fields in X-Upload-Fields (the page's fast path)."""
        fields = upload_fields("First line", "BENCH-FIRST-LINE", self.language)
        header = urlencode({**fields, "filename": source.name})
        command = ["curl", "-sS", "-w", "\n%{http_code}", "-X", "POST", "-T", str(source),
                   "-H", "Content-Type: application/octet-stream",
                   "-H", f"X-Upload-Fields: {header}"]  # fmt: skip
        for name, value in self.auth.items():
            command += ["-H", f"{name}: {value}"]
        t0 = time.perf_counter()
        done = subprocess.run([*command, f"{self.base}/api/v1/recordings"], capture_output=True,
                              text=True)  # fmt: skip
        t1 = time.perf_counter()
        body, _, code = done.stdout.rpartition("\n")
        if done.returncode != 0 or code != "201":
            raise RuntimeError(f"upload failed: {code} {done.stderr} {body[:500]}")
        return {"start": t0, "end": t1, "json": json.loads(body)}

    def failed(self, recording_id: str) -> str | None:
        """The failure label if the recording's job failed, else None."""
        state = self.client.get(f"/api/v1/recordings/{recording_id}/status").json()
        return f"{state['label']}: {state.get('reason')}" if state["status"] == "failed" else None

    def delete(self, recording_id: str) -> None:
        self.client.delete(f"/api/v1/recordings/{recording_id}").raise_for_status()


def one_run(app: App, worker: Worker, source: Path, reference: str, timeout: float) -> dict:
    """Upload, then poll the transcript as the page does until its first line and its end."""
    os.sync()
    time.sleep(1.0)
    server0, worker0 = app.cpu(), worker.cpu()
    load0 = os.getloadavg()[0]
    up = upload_checked(app, source)
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
        elif response.status_code == 404 and (reason := app.failed(rid)):
            raise RuntimeError(f"the job failed: {reason}")
        tick += POLL_EVERY
        time.sleep(max(0.0, tick - time.perf_counter()))
    server_end, worker_end = app.cpu(), worker.cpu()
    app.delete(rid)
    text = " ".join(s["text"] for s in body["segments"])
    assert first is not None and started is not None
    return {
        "pipeline": worker.pipeline,
        "upload": t201 - t0,
        "to_start_from_201": started - t201,
        "first_from_start": first - t0,
        "first_from_201": first - t201,
        "whole_from_start": done - t0,
        "whole_from_201": done - t201,
        "first_line": first_line[:80],
        "lines": len(body["segments"]),
        "wer": wer(reference, text),
        "server_cpu_upload": server201 - server0,
        "server_cpu_after": server_end - server201,
        "worker_cpu": worker_end - worker0,
        "polls": len(latencies),
        "poll_median_ms": statistics.median(latencies) * 1000,
        "poll_max_ms": max(latencies) * 1000,
        "load": (load0, os.getloadavg()[0]),
    }


def upload_checked(app: App, source: Path) -> dict:
    up = app.upload(source)
    if up["json"]["size_bytes"] != source.stat().st_size:
        raise RuntimeError(f"stored size {up['json']['size_bytes']} != {source.stat().st_size}")
    return up


def warm_up(app: App, clip: Path) -> None:
    """One short job on a new worker, so the timed run does not pay first-use costs."""
    rid = upload_checked(app, clip)["json"]["id"]

    def ready() -> bool:
        response = app.client.get(f"/api/v1/recordings/{rid}/transcript")
        if response.status_code == 404 and (reason := app.failed(rid)):
            raise RuntimeError(f"the warm-up job failed: {reason}")
        return response.status_code == 200 and response.json()["complete"]

    wait_until(ready, 300, "the warm-up job", every=0.2)
    app.delete(rid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=600.0, help="length of the recording")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    args = parser.parse_args()

    from app.core.config import Settings

    default_batch = Settings.model_fields["whisper_batch_size"].default
    rec = make_recording(args.lang, args.seconds)
    stamp = f"{datetime.datetime.now():%Y%m%d-%H%M%S}"
    data_dir = Path(tempfile.gettempdir()) / f"vs-bench-first-line-{stamp}"
    data_dir.mkdir(mode=0o700)
    clip = data_dir / "warm-up.mp4"
    ffmpeg("-i", rec.mp4, "-t", str(WARM_CLIP_S), "-c", "copy", clip)
    timeout = max(300.0, 3 * rec.duration)
    app: App | None = None
    worker: Worker | None = None
    runs: list[dict] = []
    try:
        app = App(data_dir, rec.language)
        log(f"app on {app.base}; {rec.mp4.name}: {rec.duration:.0f} s, "
            f"{rec.mp4.stat().st_size / 1e6:.1f} MB")  # fmt: skip
        for pair in range(args.pairs):
            order = (BATCHED, SEQUENTIAL) if pair % 2 == 0 else (SEQUENTIAL, BATCHED)
            for pipeline in order:
                if worker is None or worker.pipeline != pipeline:
                    if worker is not None:
                        worker.stop()
                    worker = Worker(app.env, pipeline, data_dir)
                    warm_up(app, clip)
                run = one_run(app, worker, rec.mp4, rec.reference, timeout)
                run["pair"] = pair + 1
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
        if app is not None:
            stop(app.proc)
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    print_and_save(summarise(runs, rec, default_batch))


def summarise(runs: list[dict], rec, default_batch: int) -> dict:  # type: ignore[no-untyped-def]
    def med(pipeline: str, key: str) -> float:
        return statistics.median(r[key] for r in runs if r["pipeline"] == pipeline)

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


def print_and_save(r: dict) -> None:
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
    report("first_line", r, "\n".join(lines))


if __name__ == "__main__":
    main()
