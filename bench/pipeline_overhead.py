"""Worker overhead: one recording's whole worker run against a bare faster-whisper transcribe.

Both sides use the same file (a ~10-minute MP4 made by bench/speech_audio.py), the same model
(SPARRING_WHISPER_MODEL=bundled-base, resolved by workers.speech.resolve_model), the same
options (workers.speech.transcribe_options) and the same device / compute type / threads
(cpu, int8, cpu_threads=2). Both models are loaded before any timer starts.

  bare   : WhisperModel(...).transcribe(mp4, **options), segment generator fully consumed
  worker : workers.tasks.run_job(job_id) for a recording uploaded through the real API
           (probe, audio extraction, transcription with progress writes, transcript rows,
           poster, job bookkeeping)

The runs alternate (bare, worker, bare, worker, ...); the medians are compared.
Target: worker / bare <= 1.10.

    .venv/bin/python bench/pipeline_overhead.py [--reps 2] [--lang en] [--seconds 600] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from app_session import app_env, login, prepare_data_dir, upload_fields  # noqa: E402
from speech_audio import WORK, Clock, make_recording, report, wer  # noqa: E402

TARGET = 1.10
THREADS = 2


def log(msg: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", flush=True)


class StageTimer:
    """Wraps module functions the pipeline calls, to say where the worker's time goes."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def reset(self) -> None:
        self.totals.clear()
        self.counts.clear()

    def add(self, name: str, seconds: float) -> None:
        self.totals[name] = self.totals.get(name, 0.0) + seconds
        self.counts[name] = self.counts.get(name, 0) + 1

    def wrap(self, module: object, attr: str, name: str) -> None:
        original = getattr(module, attr)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - t0)

        setattr(module, attr, timed)

    def wrap_generator(self, obj: object, attr: str, name: str) -> None:
        """Time a generator method over its whole consumption (what list() pays)."""
        original = getattr(obj, attr)
        timer = self

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                yield from original(*args, **kwargs)
            finally:
                timer.add(name, time.perf_counter() - t0)

        setattr(obj, attr, timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=2, help="runs of each side (default 2)")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--keep", action="store_true", help="keep the data folder afterwards")
    args = parser.parse_args()

    rec = make_recording(args.lang, args.seconds)
    log(f"recording: {rec.mp4.name}, {rec.duration:.1f} s, {rec.words} reference words")

    # A fresh data folder, set before any app module reads its settings.
    data_dir = WORK / f"pipeline-{datetime.datetime.now():%Y%m%d-%H%M%S}"
    data_dir.mkdir(parents=True)
    env = app_env(
        data_dir,
        SPARRING_WHISPER_MODEL="bundled-base",
        SPARRING_WHISPER_DEVICE="cpu",
        SPARRING_WHISPER_COMPUTE_TYPE="int8",
        SPARRING_WHISPER_CPU_THREADS=str(THREADS),
        SPARRING_WHISPER_BATCH_SIZE="0",
    )
    os.environ.clear()
    os.environ.update(env)
    os.chdir(ROOT)

    try:
        # Migrations and a caseworker account, with the app's own CLI.
        login_as = prepare_data_dir(env)
        result = run(args, rec, login_as)
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    print_and_save(result)


def run(args: argparse.Namespace, rec, login_as: tuple[str, str]) -> dict:
    from fastapi.testclient import TestClient
    from faster_whisper import WhisperModel
    from sqlmodel import select

    from app.core.config import settings
    from app.core.db import session_scope
    from app.jobs import service as job_service
    from app.jobs.models import Job
    from app.main import app
    from app.transcripts import service as transcript_service
    from workers import media, speech, tasks

    assert settings.whisper_model == "bundled-base" and settings.whisper_batch_size == 0
    options = speech.transcribe_options(settings, rec.language)
    log(f"options: {options}")

    # Worker side: the process-wide engine, loaded as `python -m workers` does at start.
    t0 = time.perf_counter()
    engine = speech.get_engine(settings)
    engine.load()
    log(f"worker engine loaded in {time.perf_counter() - t0:.1f} s (joins bundled base once)")
    model_ref = speech.resolve_model(settings)

    # Bare side: its own WhisperModel, same settings, built before its timer.
    t0 = time.perf_counter()
    bare_model = WhisperModel(
        model_ref,
        device=settings.whisper_device,
        compute_type=settings.whisper_compute_type,
        cpu_threads=settings.whisper_cpu_threads,
        local_files_only=True,
    )
    log(f"bare model loaded in {time.perf_counter() - t0:.1f} s from {model_ref}")

    # Warm both models (and the shared Silero VAD model, loaded on first use) on 20 s of the
    # recording, so that neither timed side pays a first-call cost the other does not.
    from faster_whisper import decode_audio

    clip = decode_audio(str(rec.wav), sampling_rate=16000)[: 20 * 16000]
    for model in (bare_model, engine._model):
        list(model.transcribe(clip, **speech.transcribe_options(settings, rec.language))[0])
    log("both models warmed up on a 20 s clip")

    # Upload one recording per worker run through the API (untimed).
    job_ids = []
    with TestClient(app) as client:
        login(client, *login_as)
        for i in range(args.reps):
            with rec.mp4.open("rb") as fh:
                resp = client.post(
                    "/api/v1/recordings",
                    data=upload_fields(f"Benchmark {i + 1}", f"BENCH-{i + 1}", rec.language),
                    files={"file": (rec.mp4.name, fh, "video/mp4")},
                )
            assert resp.status_code == 201, resp.text
            recording_id = resp.json()["id"]
            with session_scope() as session:
                job = session.exec(select(Job).where(Job.recording_id == recording_id)).one()
                job_ids.append((job.id, recording_id))
    log(f"uploaded {len(job_ids)} recording(s); jobs {[j for j, _ in job_ids]}")

    # Instrument the worker's steps (negligible cost) to explain any overhead.
    stages = StageTimer()
    stages.wrap(media, "probe", "probe")
    stages.wrap(media, "extract_audio", "extract audio")
    stages.wrap(media, "make_rendition", "rendition")
    stages.wrap(media, "make_poster", "poster")
    stages.wrap(transcript_service, "replace", "write transcript rows")
    stages.wrap(job_service, "report_progress", "progress writes")
    stages.wrap_generator(engine, "transcribe", "transcribe (incl. progress)")

    def bare_run() -> tuple[Clock, str, int]:
        with Clock() as clock:
            segments, _info = bare_model.transcribe(
                str(rec.mp4), **speech.transcribe_options(settings, rec.language)
            )
            texts = [s.text.strip() for s in segments]
        return clock, " ".join(texts), len(texts)

    def worker_run(job_id: int, recording_id: str) -> tuple[Clock, str, int, dict]:
        stages.reset()
        with Clock() as clock:
            status = tasks.run_job(job_id)
        assert status == "succeeded", f"run_job returned {status}"
        with session_scope() as session:
            transcript = transcript_service.get(session=session, recording_id=recording_id)
            assert transcript is not None
            segs = transcript_service.segments(session=session, transcript=transcript)
            text = " ".join(s.machine_text for s in segs)
        breakdown = {k: round(v, 3) for k, v in stages.totals.items()}
        breakdown["progress writes (count)"] = stages.counts.get("progress writes", 0)
        return clock, text, len(segs), breakdown

    times: dict[str, list[float]] = {"bare": [], "worker": []}
    cpus: dict[str, list[float]] = {"bare": [], "worker": []}
    wers: dict[str, list[float]] = {"bare": [], "worker": []}
    loads: list[tuple] = []
    breakdowns = []
    seg_counts = {}

    def note(side: str, clock: Clock, text: str, n: int) -> None:
        """Keep one run's figures and log them."""
        times[side].append(clock.wall)
        cpus[side].append(clock.cpu)
        loads.append((side, *clock.load))
        wers[side].append(wer(rec.reference, text))
        seg_counts[side] = n
        log(
            f"  {side:<6} {clock.wall:7.2f} s  RTF {clock.wall / rec.duration:.3f}  "
            f"CPU {clock.cpu:7.2f} s  WER {wers[side][-1]:.2%}  {n} segments  "
            f"load {clock.load[0]:.2f}->{clock.load[1]:.2f}"
        )

    for i in range(args.reps):
        log(f"run {2 * i + 1}: bare transcribe ...")
        note("bare", *bare_run())
        job_id, recording_id = job_ids[i]
        log(f"run {2 * i + 2}: worker run_job({job_id}) ...")
        clock, text, n, breakdown = worker_run(job_id, recording_id)
        note("worker", clock, text, n)
        breakdowns.append(breakdown)
        log(f"  worker steps: {breakdown}")
    bare_times, worker_times = times["bare"], times["worker"]
    bare_cpu, worker_cpu = cpus["bare"], cpus["worker"]
    bare_wers, worker_wers = wers["bare"], wers["worker"]

    bare_med, worker_med = statistics.median(bare_times), statistics.median(worker_times)
    return {
        "audio_file": rec.mp4.name,
        "audio_seconds": round(rec.duration, 1),
        "language": rec.language,
        "reference_words": rec.words,
        "model": "bundled-base (multilingual Whisper base, CTranslate2)",
        "device": f"{settings.whisper_device}, {settings.whisper_compute_type}, "
        f"cpu_threads={settings.whisper_cpu_threads}",
        "options": {k: v for k, v in speech.transcribe_options(settings, rec.language).items()},
        "order": "bare, worker, " * args.reps,
        "bare_seconds": [round(t, 2) for t in bare_times],
        "worker_seconds": [round(t, 2) for t in worker_times],
        "bare_median": round(bare_med, 2),
        "worker_median": round(worker_med, 2),
        "ratio": round(worker_med / bare_med, 4),
        "target": TARGET,
        "target_met": worker_med / bare_med <= TARGET,
        "bare_cpu_seconds": [round(t, 2) for t in bare_cpu],
        "worker_cpu_seconds": [round(t, 2) for t in worker_cpu],
        "cpu_ratio": round(statistics.median(worker_cpu) / statistics.median(bare_cpu), 4),
        "load_average_1min_before_after": [(k, round(a, 2), round(b, 2)) for k, a, b in loads],
        "bare_wer": [round(w, 4) for w in bare_wers],
        "worker_wer": [round(w, 4) for w in worker_wers],
        "segments": seg_counts,
        "worker_breakdown": breakdowns,
        # Worker wall time not spent inside engine.transcribe: the pipeline's own cost,
        # much less exposed to noise from other load than the difference of two long runs.
        "worker_outside_transcribe_seconds": [
            round(t - b["transcribe (incl. progress)"], 2)
            for t, b in zip(worker_times, breakdowns, strict=True)
        ],
    }


def _secs(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _pcts(values: list[float]) -> str:
    return ", ".join(f"{v:.2%}" for v in values)


def print_and_save(r: dict) -> None:
    dur = r["audio_seconds"]
    bd = r["worker_breakdown"][-1]
    outside = statistics.median(r["worker_outside_transcribe_seconds"])
    steps = ", ".join(f"{k} {v}" + ("" if "count" in k else " s") for k, v in bd.items())
    loads = ", ".join(f"{k} {a}->{b}" for k, a, b in r["load_average_1min_before_after"])
    verdict = "MET" if r["target_met"] else "NOT MET"
    rows = []
    for label, key in (
        ("bare WhisperModel.transcribe(mp4)", "bare"),
        ("worker run_job (whole pipeline)", "worker"),
    ):
        med = r[f"{key}_median"]
        rows.append(
            f"| {label} | {_secs(r[f'{key}_seconds'])} | {med:.2f} | {med / dur:.3f} "
            f"| {_secs(r[f'{key}_cpu_seconds'])} | {_pcts(r[f'{key}_wer'])} |"
        )
    summary = "\n".join(
        [
            f"Audio: {r['audio_file']}, {dur} s ({dur / 60:.1f} min), language {r['language']}, "
            f"{r['reference_words']} reference words",
            f"Model: {r['model']}; {r['device']}",
            f"Options (workers.speech.transcribe_options, both sides): {r['options']}",
            f"Order: {r['order'].rstrip(', ')}",
            "",
            "| side | wall runs (s) | wall median (s) | real-time factor | CPU runs (s) | WER |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            f"**Ratio worker / bare (wall-time medians): {r['ratio']:.3f}** "
            f"(target <= {r['target']:.2f}: {verdict})",
            "",
            f"Ratio of CPU-time medians (this process + ffmpeg children; less sensitive to other "
            f"load on the shared machine): {r['cpu_ratio']:.3f}",
            "",
            "Worker time outside engine.transcribe (probe, audio extraction, transcript rows, "
            f"poster, job bookkeeping): {_secs(r['worker_outside_transcribe_seconds'])} s, "
            f"i.e. {outside / r['bare_median']:.1%} of the bare median "
            f"(ratio estimate from it: {(r['bare_median'] + outside) / r['bare_median']:.3f})",
            "",
            f"1-minute load average before -> after each run: {loads}",
            "",
            f"Worker steps in the last worker run: {steps}",
            "",
            f"Segments: {r['segments']}",
        ]
    )
    report("pipeline_overhead", r, summary)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
