"""faster-whisper's BatchedInferencePipeline against the sequential WhisperModel.transcribe.

Same ~10-minute MP4 (bench/speech_audio.py), same model (SPARRING_WHISPER_MODEL=bundled-base,
resolved by workers.speech.resolve_model), same options (workers.speech.transcribe_options),
same device / compute type / threads (cpu, int8, cpu_threads=2), one WhisperModel shared by
both sides. Batched uses batch_size=8. Runs alternate (sequential, batched, ...), medians are
compared; speed as seconds and real-time factor (processing time / audio time), accuracy as
word error rate against the exact reference text.

In the app, SPARRING_WHISPER_BATCH_SIZE selects the pipeline: 0 (the default) is sequential,
N > 0 makes workers.speech.FasterWhisperEngine use BatchedInferencePipeline with batch_size=N.
A short smoke test at the end runs the engine that way to check the app's batched path works.

    .venv/bin/python bench/batched_vs_sequential.py [--reps 2] [--batch-size 8] [--lang en]
"""

from __future__ import annotations

import argparse
import datetime
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

from speech_audio import WORK, Clock, make_recording, save_result, wer  # noqa: E402

THREADS = 2


def log(msg: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=2, help="runs of each side (default 2)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--seconds", type=float, default=600.0)
    args = parser.parse_args()

    rec = make_recording(args.lang, args.seconds)
    log(f"recording: {rec.mp4.name}, {rec.duration:.1f} s, {rec.words} reference words")

    data_dir = WORK / f"batched-{datetime.datetime.now():%Y%m%d-%H%M%S}"
    data_dir.mkdir(parents=True)
    for key in ("SPARRING_DATABASE_URL", "SPARRING_QUEUE_URL"):
        os.environ.pop(key, None)
    os.environ.update(
        {
            "SPARRING_DATA_DIR": str(data_dir),
            "SPARRING_WHISPER_MODEL": "bundled-base",
            "SPARRING_WHISPER_DEVICE": "cpu",
            "SPARRING_WHISPER_COMPUTE_TYPE": "int8",
            "SPARRING_WHISPER_CPU_THREADS": str(THREADS),
            "SPARRING_WHISPER_BATCH_SIZE": "0",
        }
    )
    os.chdir(ROOT)
    try:
        result = run(args, rec)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print_and_save(result)


def run(args: argparse.Namespace, rec) -> dict:
    from faster_whisper import BatchedInferencePipeline, WhisperModel, decode_audio

    from app.core.config import Settings, settings
    from workers import speech

    model_ref = speech.resolve_model(settings)
    t0 = time.perf_counter()
    model = WhisperModel(
        model_ref,
        device=settings.whisper_device,
        compute_type=settings.whisper_compute_type,
        cpu_threads=settings.whisper_cpu_threads,
        local_files_only=True,
    )
    batched = BatchedInferencePipeline(model=model)
    log(f"model loaded in {time.perf_counter() - t0:.1f} s from {model_ref}")
    log(f"options: {speech.transcribe_options(settings, rec.language)}")

    clip = decode_audio(str(rec.wav), sampling_rate=16000)[: 20 * 16000]
    list(model.transcribe(clip, **speech.transcribe_options(settings, rec.language))[0])
    list(
        batched.transcribe(
            clip, batch_size=args.batch_size, **speech.transcribe_options(settings, rec.language)
        )[0]
    )
    log("warmed up both pipelines on a 20 s clip")

    def timed(kind: str) -> tuple[Clock, str, int]:
        options = speech.transcribe_options(settings, rec.language)  # fresh dict per call
        with Clock() as clock:
            if kind == "batched":
                segments, _ = batched.transcribe(
                    str(rec.mp4), batch_size=args.batch_size, **options
                )
            else:
                segments, _ = model.transcribe(str(rec.mp4), **options)
            texts = [s.text.strip() for s in segments]
        return clock, " ".join(texts), len(texts)

    times: dict[str, list[float]] = {"sequential": [], "batched": []}
    cpu: dict[str, list[float]] = {"sequential": [], "batched": []}
    loads = []
    wers: dict[str, list[float]] = {"sequential": [], "batched": []}
    nsegs: dict[str, int] = {}
    for _ in range(args.reps):
        for kind in ("sequential", "batched"):
            log(f"run {len(times['sequential']) + len(times['batched']) + 1}: {kind} ...")
            clock, text, n = timed(kind)
            t = clock.wall
            times[kind].append(t)
            cpu[kind].append(clock.cpu)
            loads.append((kind, *clock.load))
            wers[kind].append(wer(rec.reference, text))
            nsegs[kind] = n
            log(
                f"  {kind:10s} {t:7.2f} s  RTF {t / rec.duration:.3f}  CPU {clock.cpu:7.2f} s  "
                f"WER {wers[kind][-1]:.2%}  {n} segments  "
                f"load {clock.load[0]:.2f}->{clock.load[1]:.2f}"
            )

    # Smoke test of the app's own batched path (SPARRING_WHISPER_BATCH_SIZE > 0), on 60 s.
    smoke = {"ok": False}
    try:
        short = make_recording(rec.language, 60.0, quiet=True)
        app_settings = Settings(whisper_batch_size=args.batch_size)
        engine = speech.FasterWhisperEngine(app_settings)
        engine.load()
        t0 = time.perf_counter()
        segs = list(engine.transcribe(short.wav, rec.language))
        smoke = {
            "ok": True,
            "seconds": round(time.perf_counter() - t0, 2),
            "audio_seconds": round(short.duration, 1),
            "segments": len(segs),
            "wer": round(wer(short.reference, " ".join(s.text for s in segs)), 4),
            "words_with_timestamps": sum(len(s.words) for s in segs),
        }
        engine.release()
    except Exception as exc:  # report, do not hide: this is the app's code path
        smoke = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    log(f"app engine with whisper_batch_size={args.batch_size} on 60 s: {smoke}")

    seq_med = statistics.median(times["sequential"])
    bat_med = statistics.median(times["batched"])
    return {
        "audio_file": rec.mp4.name,
        "audio_seconds": round(rec.duration, 1),
        "language": rec.language,
        "reference_words": rec.words,
        "model": "bundled-base (multilingual Whisper base, CTranslate2)",
        "device": f"{settings.whisper_device}, {settings.whisper_compute_type}, "
        f"cpu_threads={settings.whisper_cpu_threads}",
        "batch_size": args.batch_size,
        "options": speech.transcribe_options(settings, rec.language),
        "sequential_seconds": [round(t, 2) for t in times["sequential"]],
        "batched_seconds": [round(t, 2) for t in times["batched"]],
        "sequential_median": round(seq_med, 2),
        "batched_median": round(bat_med, 2),
        "sequential_rtf": round(seq_med / rec.duration, 4),
        "batched_rtf": round(bat_med / rec.duration, 4),
        "speedup_sequential_over_batched": round(seq_med / bat_med, 3),
        "ratio_batched_over_sequential": round(bat_med / seq_med, 3),
        "sequential_cpu_seconds": [round(t, 2) for t in cpu["sequential"]],
        "batched_cpu_seconds": [round(t, 2) for t in cpu["batched"]],
        "load_average_1min_before_after": [(k, round(a, 2), round(b, 2)) for k, a, b in loads],
        "sequential_wer": [round(w, 4) for w in wers["sequential"]],
        "batched_wer": [round(w, 4) for w in wers["batched"]],
        "segments": nsegs,
        "app_batched_smoke_test": smoke,
    }


def _secs(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _pcts(values: list[float]) -> str:
    return ", ".join(f"{v:.2%}" for v in values)


def print_and_save(r: dict) -> None:
    dur, bs = r["audio_seconds"], r["batch_size"]
    smoke = r["app_batched_smoke_test"]
    if smoke.get("ok"):
        smoke_line = (
            f"worked: {smoke['segments']} segments, {smoke['words_with_timestamps']} timed "
            f"words, WER {smoke['wer']:.2%}, {smoke['seconds']} s for "
            f"{smoke['audio_seconds']} s of audio"
        )
    else:
        smoke_line = f"FAILED: {smoke.get('error')}"
    order = ", ".join(["sequential, batched"] * len(r["sequential_seconds"]))
    loads = ", ".join(f"{k} {a}->{b}" for k, a, b in r["load_average_1min_before_after"])
    rows = []
    for label, key in (
        ("sequential WhisperModel.transcribe", "sequential"),
        (f"BatchedInferencePipeline (batch_size={bs})", "batched"),
    ):
        rows.append(
            f"| {label} | {_secs(r[f'{key}_seconds'])} | {r[f'{key}_median']:.2f} "
            f"| {r[f'{key}_rtf']:.3f} | {_secs(r[f'{key}_cpu_seconds'])} "
            f"| {_pcts(r[f'{key}_wer'])} | {r['segments'].get(key)} |"
        )
    summary = "\n".join(
        [
            f"Audio: {r['audio_file']}, {dur} s ({dur / 60:.1f} min), language {r['language']}, "
            f"{r['reference_words']} reference words",
            f"Model: {r['model']}; {r['device']}; batched batch_size={bs}",
            f"Options (workers.speech.transcribe_options, both sides): {r['options']}",
            f"Order: {order}",
            "",
            "| pipeline | wall runs (s) | wall median (s) | real-time factor | CPU runs (s) | WER "
            "| segments |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            "**Batched / sequential time (wall medians): "
            f"{r['ratio_batched_over_sequential']:.3f}** (batched runs at "
            f"{r['speedup_sequential_over_batched']:.2f}x the speed of sequential)",
            "",
            f"1-minute load average before -> after each run: {loads}",
            "",
            "The app selects the batched pipeline with SPARRING_WHISPER_BATCH_SIZE=N (N > 0); "
            "0, the default, is sequential.",
            f"App engine smoke test with whisper_batch_size={bs} (60 s clip): {smoke_line}",
        ]
    )
    print("\n" + "=" * 78 + "\nbatched_vs_sequential summary\n" + "=" * 78)
    print(summary)
    save_result("batched_vs_sequential", r, summary)


if __name__ == "__main__":
    main()
