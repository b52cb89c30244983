"""Worker overhead: one recording's whole worker run against a bare faster-whisper transcribe.

Both sides use the same file (a ~10-minute MP4 made by bench/speech_audio.py), the same model
(SPARRING_WHISPER_MODEL=bundled-base, resolved by workers.speech.resolve_model), the same
options (workers.speech.transcribe_options, the sequential pipeline) and the same device /
compute type / threads (cpu, int8, cpu_threads=2). Both models are loaded, and warmed on a
20 s clip, before any timer starts.

  bare   : WhisperModel(...).transcribe(mp4, **options), segment generator fully consumed
  worker : workers.tasks.run_job(job_id) for a recording uploaded through the real API
           (probe, audio extraction, transcription with progress writes, transcript rows,
           poster, job bookkeeping), in this process, on a fresh migrated data folder

The runs alternate (bare, worker, bare, worker, ...); the medians are compared, with the
CPU time, the WER of both transcripts and where the worker's time went.
Target: worker / bare <= 1.10.

    .venv/bin/python bench/pipeline_overhead.py [--repeats 2] [--lang en] [--seconds 600]
"""

from __future__ import annotations

import functools
import time
from typing import Any

from harness import command_line, log, measure, parse, results, server
from speech_audio import SpeechRecording, make_recording, wer

TARGET = 1.10
THREADS = 2
SIDES = ("bare", "worker")


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
        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - t0)

        setattr(module, attr, timed)

    def wrap_generator(self, obj: object, attr: str, name: str) -> None:
        """Time a generator method over its whole consumption (what list() pays)."""
        original = getattr(obj, attr)

        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            try:
                yield from original(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - t0)

        setattr(obj, attr, timed)


def main() -> None:
    parser = command_line(__doc__, 2, "runs of each side", "--reps")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--seconds", type=float, default=600.0, help="length of the recording")
    args = parse(parser, repeats=1, seconds=60.0)
    rec = make_recording(args.lang, args.seconds)
    log(f"recording: {rec.mp4.name}, {rec.duration:.1f} s, {rec.words} reference words")
    with server.data_folder("pipeline", keep=args.keep) as data_dir:
        env = server.use_in_process(
            data_dir,
            SPARRING_WHISPER_MODEL="bundled-base",
            SPARRING_WHISPER_DEVICE="cpu",
            SPARRING_WHISPER_COMPUTE_TYPE="int8",
            SPARRING_WHISPER_CPU_THREADS=str(THREADS),
            SPARRING_WHISPER_BATCH_SIZE="0",
        )
        result = run(args.repeats, rec, server.prepare(env)["caseworker"])
    results.report(args, "pipeline_overhead", result, summary(result))


def run(repeats: int, rec: SpeechRecording, caseworker: tuple[str, str]) -> dict[str, Any]:
    from fastapi.testclient import TestClient
    from faster_whisper import WhisperModel, decode_audio
    from sqlmodel import select

    from app.core.config import settings
    from app.core.db import session_scope
    from app.jobs import service as job_service
    from app.jobs.models import Job
    from app.main import app
    from app.transcripts import service as transcript_service
    from workers import media, pipeline, speech, tasks

    assert settings.whisper_model == "bundled-base" and settings.whisper_batch_size == 0
    options = speech.transcribe_options(settings, rec.language)
    log(f"options: {options}")

    # Worker side: the process-wide engine, loaded as `python -m workers` does at start.
    with measure.Clock() as clock:
        engine = speech.get_engine(settings)
        engine.load()
    log(f"worker engine loaded in {clock.wall:.1f} s")
    # Bare side: its own WhisperModel, same settings, built before its timer.
    model_ref = speech.resolve_model(settings)
    bare_model = WhisperModel(
        model_ref,
        device=settings.whisper_device,
        compute_type=settings.whisper_compute_type,
        cpu_threads=settings.whisper_cpu_threads,
        local_files_only=True,
    )
    # Warm both models (and the shared Silero VAD model, loaded on first use) on 20 s of the
    # recording, so that neither timed side pays a first-call cost the other does not.
    clip = decode_audio(str(rec.wav), sampling_rate=16000)[: 20 * 16000]
    for model in (bare_model, engine._model):
        list(model.transcribe(clip, **options)[0])
    log(f"both models ({model_ref}) warmed up on a 20 s clip")

    # Upload one recording per worker run through the API (untimed).
    jobs = []
    with TestClient(app) as client:
        server.login(client, *caseworker)
        for i in range(repeats):
            up = server.upload(client, rec.mp4, title=f"Benchmark {i + 1}",
                               case_reference=f"BENCH-{i + 1}", language=rec.language)  # fmt: skip
            assert up.status_code == 201, up.text
            rid = up.json()["id"]
            with session_scope() as session:
                job = session.exec(select(Job).where(Job.recording_id == rid)).one()
                jobs.append((job.id, rid))
    log(f"uploaded {len(jobs)} recording(s); jobs {[j for j, _ in jobs]}")

    # Instrument the worker's steps (negligible cost) to explain any overhead.
    stages = StageTimer()
    stages.wrap(pipeline, "probe", "probe")
    stages.wrap(media, "extract_audio", "extract audio")
    stages.wrap(media, "make_rendition", "rendition")
    stages.wrap(media, "make_poster", "poster")
    # Rows are written as the lines come, so inside the transcription's time too.
    stages.wrap(transcript_service, "append", "write transcript rows")
    stages.wrap(job_service, "report_progress", "progress writes")
    stages.wrap_generator(engine, "transcribe", "transcribe (incl. progress)")

    def transcript_lines(recording_id: str) -> list[str]:
        """The worker's transcript, read back from the database."""
        with session_scope() as session:
            transcript = transcript_service.get(session=session, recording_id=recording_id)
            assert transcript is not None
            segs = transcript_service.segments(session=session, transcript=transcript)
            return [s.machine_text for s in segs]

    runs = measure.Runs()
    loads, breakdowns, segments = [], [], {}
    for n, side in measure.alternate(SIDES, repeats, swap=False):
        log(f"run {2 * n + SIDES.index(side) + 1}: {side} ...")
        stages.reset()
        with measure.Clock() as clock:
            if side == "bare":
                lines = [s.text.strip() for s in bare_model.transcribe(str(rec.mp4), **options)[0]]
            else:
                status = tasks.run_job(jobs[n][0])
        if side == "worker":
            assert status == "succeeded", f"run_job returned {status}"
            lines = transcript_lines(jobs[n][1])
        segments[side] = len(lines)
        figures = {"wall": clock.wall, "cpu": clock.cpu, "wer": wer(rec.reference, " ".join(lines))}
        runs.add(side, figures)
        loads.append((side, round(clock.load[0], 2), round(clock.load[1], 2)))
        log(f"  {side:<6} {clock.wall:7.2f} s  RTF {clock.wall / rec.duration:.3f}  CPU "
            f"{clock.cpu:7.2f} s  WER {figures['wer']:.2%}  {len(lines)} segments  "
            f"load {clock.load[0]:.2f}->{clock.load[1]:.2f}")  # fmt: skip
        if side == "worker":
            breakdowns.append({k: round(v, 3) for k, v in stages.totals.items()})
            breakdowns[-1]["progress writes (count)"] = stages.counts.get("progress writes", 0)
            log(f"  worker steps: {breakdowns[-1]}")

    def each(side: str, key: str, digits: int = 2) -> list[float]:
        return [round(v, digits) for v in runs.values(side, key)]

    ratio = runs.ratio("wall", "worker", "bare")
    return {
        "audio_file": rec.mp4.name,
        "audio_seconds": round(rec.duration, 1),
        "language": rec.language,
        "reference_words": rec.words,
        "model": "bundled-base (multilingual Whisper base, CTranslate2)",
        "device": f"{settings.whisper_device}, {settings.whisper_compute_type}, "
        f"cpu_threads={settings.whisper_cpu_threads}",
        "options": options,
        "order": "bare, worker, " * repeats,
        "bare_seconds": each("bare", "wall"),
        "worker_seconds": each("worker", "wall"),
        "bare_median": round(runs.median("bare", "wall"), 2),
        "worker_median": round(runs.median("worker", "wall"), 2),
        "ratio": round(ratio, 4),
        "target": TARGET,
        "target_met": ratio <= TARGET,
        "bare_cpu_seconds": each("bare", "cpu"),
        "worker_cpu_seconds": each("worker", "cpu"),
        "cpu_ratio": round(runs.ratio("cpu", "worker", "bare"), 4),
        "load_average_1min_before_after": loads,
        "bare_wer": each("bare", "wer", 4),
        "worker_wer": each("worker", "wer", 4),
        "segments": segments,
        "worker_breakdown": breakdowns,
        # Worker wall time not spent inside engine.transcribe: the pipeline's own cost,
        # much less exposed to noise from other load than the difference of two long runs.
        "worker_outside_transcribe_seconds": [
            round(t - b["transcribe (incl. progress)"], 2)
            for t, b in zip(runs.values("worker", "wall"), breakdowns, strict=True)
        ],
    }


def summary(r: dict[str, Any]) -> str:
    def secs(values: list[float]) -> str:
        return ", ".join(f"{v:.2f}" for v in values)

    dur = r["audio_seconds"]
    outside = measure.median(r["worker_outside_transcribe_seconds"])
    steps = ", ".join(
        f"{k} {v}" + ("" if "count" in k else " s") for k, v in r["worker_breakdown"][-1].items()
    )
    loads = ", ".join(f"{k} {a}->{b}" for k, a, b in r["load_average_1min_before_after"])
    rows = []
    for label, key in (
        ("bare WhisperModel.transcribe(mp4)", "bare"),
        ("worker run_job (whole pipeline)", "worker"),
    ):
        med = r[f"{key}_median"]
        wers = ", ".join(f"{v:.2%}" for v in r[f"{key}_wer"])
        rows.append(
            f"| {label} | {secs(r[f'{key}_seconds'])} | {med:.2f} | {med / dur:.3f} "
            f"| {secs(r[f'{key}_cpu_seconds'])} | {wers} |"
        )
    return "\n".join(
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
            f"(target <= {r['target']:.2f}: {results.verdict(r['target_met']).upper()})",
            "",
            f"Ratio of CPU-time medians (this process + ffmpeg children; less sensitive to other "
            f"load on the shared machine): {r['cpu_ratio']:.3f}",
            "",
            "Worker time outside engine.transcribe (probe, audio extraction, transcript rows, "
            f"poster, job bookkeeping): {secs(r['worker_outside_transcribe_seconds'])} s, "
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


if __name__ == "__main__":
    main()
