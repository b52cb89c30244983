"""Batched by default against the old sequential default, through the app's own speech engine.

Both sides are `workers.speech.FasterWhisperEngine` with the same model (bundled-base, int8,
cpu_threads=2) and options; only `whisper_batch_size` differs: the default (batched, VAD
clips, sentence-sized lines, words outside speech dropped) against 0 (the sequential
pipeline, the default until now). Two recordings: the ~10-minute conversation, and a
~5-minute one with long gaps (15 s silence, 60 s silence, 60 s quiet noise, 40 s silence at
the end). Each pair runs both sides, the order alternating from pair to pair; medians of
wall time, CPU time (this process, all threads), time to the first line, word error rate,
line count and length, and words placed in silence: outside the VAD's speech regions
(+ the engine's tolerance), and, on the gappy recording, inside a known gap by more than the
VAD padding. `--tune` times other batch sizes on the 10-minute recording.

    .venv/bin/python bench/batched_vs_sequential.py [--repeats 5] [--tune 4,8,16] [--tune-runs 2]
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from harness import command_line, ffmpeg, log, measure, parse, results, server
from speech_audio import SpeechRecording, make_gappy_recording, make_recording, wer

THREADS = 2
VAD_PAD_S = 0.4  # faster-whisper's VadOptions.speech_pad_ms
SIDES = ("sequential", "batched")


def main() -> None:
    parser = command_line(__doc__, 5, "pairs on each recording", "--pairs")
    parser.add_argument("--batch-size", type=int, default=None, help="default: the setting's")
    parser.add_argument("--tune", default="4,8,16", help="batch sizes to time ('' skips)")
    parser.add_argument("--tune-runs", type=int, default=2)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--seconds", type=float, default=600.0, help="the long recording's")
    args = parse(parser, repeats=1, seconds=60.0, tune="8", tune_runs=1)
    long_rec = make_recording(args.lang, args.seconds)
    gappy = make_gappy_recording(args.lang)
    with server.data_folder("batched", keep=args.keep) as data_dir:
        server.use_in_process(
            data_dir,
            "SPARRING_WHISPER_BATCH_SIZE",
            SPARRING_WHISPER_MODEL="bundled-base",
            SPARRING_WHISPER_DEVICE="cpu",
            SPARRING_WHISPER_COMPUTE_TYPE="int8",
            SPARRING_WHISPER_CPU_THREADS=str(THREADS),
        )
        result = run(args, long_rec, gappy, data_dir)
    results.report(args, "batched_vs_sequential", result, summary(result))


class Subject:
    """A recording with the VAD's speech regions and, if known, its true gaps."""

    def __init__(self, name: str, rec: SpeechRecording, gaps: list[tuple[float, float, str]]):
        from faster_whisper import decode_audio

        from workers import segmenting, speech

        self.name, self.rec, self.gaps = name, rec, gaps
        samples = decode_audio(str(rec.mp4), sampling_rate=speech.SAMPLE_RATE)
        found = speech.speech_regions(samples, speech.BATCHED_VAD)
        self.regions = [
            segmenting.Region(a / speech.SAMPLE_RATE, b / speech.SAMPLE_RATE) for a, b in found
        ]


def transcribe(engine: Any, subject: Subject) -> dict[str, Any]:
    from workers import segmenting, speech

    rec = subject.rec
    first = None
    with measure.Clock() as clock:
        t0 = time.perf_counter()
        segments = []
        for seg in engine.transcribe(rec.mp4, rec.language):
            if first is None:
                first = time.perf_counter() - t0
            segments.append(seg)
    words = [w for s in segments for w in s.words]
    outside = segmenting.outside_speech(
        [(w.start, w.end) for w in words], subject.regions, speech.SILENCE_TOLERANCE_S
    )
    margin = VAD_PAD_S + speech.SILENCE_TOLERANCE_S
    in_gaps = [
        f"{w.start:.2f}-{w.end:.2f}{w.text}"
        for w in words
        for a, b, _ in subject.gaps
        if w.end > a + margin and w.start < b - margin
    ]
    lengths = [s.end - s.start for s in segments] or [0.0]
    return {
        "wall": clock.wall,
        "cpu": clock.cpu,
        "first": first if first is not None else clock.wall,
        "load": clock.load,
        "wer": wer(rec.reference, " ".join(s.text for s in segments)),
        "segments": len(segments),
        "median_seconds": measure.median(lengths),
        "max_seconds": max(lengths),
        "median_chars": measure.median([len(s.text) for s in segments] or [0]),
        "outside_vad": len(outside),
        "in_gaps": len(in_gaps),
        "in_gap_examples": in_gaps[:5],
    }


def run(args: Any, long_rec: SpeechRecording, gappy: Any, data_dir: Path) -> dict[str, Any]:
    from app.core.config import Settings
    from workers import speech

    default_bs = Settings().whisper_batch_size
    bs = args.batch_size if args.batch_size is not None else default_bs
    engines = {
        "sequential": speech.FasterWhisperEngine(Settings(whisper_batch_size=0)),
        "batched": speech.FasterWhisperEngine(Settings(whisper_batch_size=bs)),
    }
    clip = data_dir / "warm.wav"
    ffmpeg("-i", long_rec.wav, "-t", "20", clip)
    for engine in engines.values():
        engine.load()
        list(engine.transcribe(clip, long_rec.language))
    log(f"both engines loaded and warmed on 20 s (batched: batch_size={bs})")

    subjects = [
        Subject(f"{long_rec.duration / 60:.0f}-minute conversation", long_rec, []),
        Subject("long gaps", gappy, gappy.gaps),
    ]
    runs: dict[str, measure.Runs] = {}
    for subject in subjects:
        log(f"{subject.name}: {subject.rec.mp4.name}, {subject.rec.duration:.1f} s")
        runs[subject.name] = measure.Runs()
        for pair, kind in measure.alternate(SIDES, args.repeats):
            m = runs[subject.name].add(kind, transcribe(engines[kind], subject))
            log(
                f"  pair {pair + 1} {kind:10s} wall {m['wall']:6.1f} s  cpu {m['cpu']:6.1f} s"
                f"  first {m['first']:5.1f} s  WER {m['wer']:.2%}  {m['segments']} lines"
                f"  median {m['median_seconds']:.1f} s  outside VAD {m['outside_vad']}"
                f"  in gaps {m['in_gaps']}  load {m['load'][0]:.1f}->{m['load'][1]:.1f}"
            )

    tuning = measure.Runs()
    sizes = [int(x) for x in args.tune.split(",") if x.strip()]
    tuners = {n: speech.FasterWhisperEngine(Settings(whisper_batch_size=n)) for n in sizes}
    for engine in tuners.values():
        engine.load()
        list(engine.transcribe(clip, long_rec.language))
    for _, n in measure.alternate(sizes, args.tune_runs):
        m = tuning.add(n, transcribe(tuners[n], subjects[0]))
        log(
            f"  tune batch_size={n:2d} wall {m['wall']:6.1f} s  cpu {m['cpu']:6.1f} s"
            f"  first {m['first']:5.1f} s  WER {m['wer']:.2%}"
        )
    return summarise(runs, tuning, bs, default_bs, subjects)


def summarise(
    runs: dict[str, measure.Runs], tuning: measure.Runs, bs: int, default_bs: int, subjects: list
) -> dict[str, Any]:
    from app.core.config import settings
    from workers import segmenting, speech

    out: dict[str, Any] = {
        "model": "bundled-base (multilingual Whisper base, CTranslate2)",
        "device": f"cpu, int8, cpu_threads={THREADS}",
        "batch_size": bs,
        "default_batch_size": default_bs,
        "options": speech.transcribe_options(settings, subjects[0].rec.language),
        "batched_beam_size": settings.whisper_batched_beam_size,
        "batched_vad": speech.BATCHED_VAD,
        "split_rules": vars(segmenting.DEFAULT_RULES),
        "silence_tolerance_s": speech.SILENCE_TOLERANCE_S,
        "recordings": {},
    }
    for subject in subjects:
        r = runs[subject.name]
        entry = {
            "file": subject.rec.mp4.name,
            "seconds": round(subject.rec.duration, 1),
            "reference_words": subject.rec.words,
            "vad_speech_seconds": round(sum(x.end - x.start for x in subject.regions), 1),
            "gaps": subject.gaps,
            "runs": r.sides,
        }
        for kind in SIDES:
            for key in ("wall", "cpu", "first", "wer", "median_seconds", "median_chars"):
                entry[f"{kind}_{key}"] = round(r.median(kind, key), 4)
            entry[f"{kind}_segments"] = r[kind][-1]["segments"]
            entry[f"{kind}_max_seconds"] = round(max(r.values(kind, "max_seconds")), 2)
            entry[f"{kind}_outside_vad"] = max(r.values(kind, "outside_vad"))
            entry[f"{kind}_in_gaps"] = max(r.values(kind, "in_gaps"))
        entry["speedup_wall"] = round(r.ratio("wall", "sequential", "batched"), 3)
        entry["speedup_cpu"] = round(r.ratio("cpu", "sequential", "batched"), 3)
        out["recordings"][subject.name] = entry
    out["tuning"] = {
        str(n): {
            **{k: round(tuning.median(n, k), 2) for k in ("wall", "cpu", "first")},
            "wer": round(tuning.median(n, "wer"), 4),
            "runs": tuning[n],
        }
        for n in sorted(tuning.sides)
    }
    main_rec = out["recordings"][subjects[0].name]
    out["speedup_wall"] = main_rec["speedup_wall"]
    out["speedup_cpu"] = main_rec["speedup_cpu"]
    out["target_met"] = bool(
        main_rec["speedup_wall"] >= 1.8
        and all(e["batched_wer"] <= e["sequential_wer"] for e in out["recordings"].values())
        and all(
            e["batched_in_gaps"] == 0 and e["batched_outside_vad"] == 0
            for e in out["recordings"].values()
        )
    )
    return out


def summary(r: dict[str, Any]) -> str:
    bs = r["batch_size"]
    lines = [
        f"Model: {r['model']}; {r['device']}. Both sides: workers.speech.FasterWhisperEngine, "
        f"options {r['options']}; batched: beam_size {r.get('batched_beam_size')} "
        f"(whisper_batched_beam_size), whisper_batch_size={bs} (the setting's default is "
        f"{r['default_batch_size']}), its VAD {r['batched_vad']}, lines split by "
        f"{r['split_rules']}, words kept within "
        f"the VAD regions + {r['silence_tolerance_s']} s. Sequential: whisper_batch_size=0 "
        "(the default until now; beam_size as in the options). "
        "Pairs alternate which side runs first; figures are medians.",
        "",
        "| recording | pipeline | wall (s) | CPU (s) | first line (s) | WER | lines | median "
        "line (s / chars) | longest line (s) | words outside VAD | words in a known gap |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, e in r["recordings"].items():
        for kind, label in (("sequential", "sequential (old default)"), ("batched", "batched")):
            gaps = e[f"{kind}_in_gaps"] if e["gaps"] else "-"
            lines.append(
                f"| {name} ({e['seconds'] / 60:.1f} min) | {label} | {e[f'{kind}_wall']:.1f} "
                f"| {e[f'{kind}_cpu']:.1f} | {e[f'{kind}_first']:.1f} | {e[f'{kind}_wer']:.2%} "
                f"| {e[f'{kind}_segments']} | {e[f'{kind}_median_seconds']:.1f} / "
                f"{e[f'{kind}_median_chars']:.0f} | {e[f'{kind}_max_seconds']:.1f} "
                f"| {e[f'{kind}_outside_vad']} | {gaps} |"
            )
    lines.append("")
    for name, e in r["recordings"].items():
        walls = {k: ", ".join(f"{x['wall']:.1f}" for x in e["runs"][k]) for k in e["runs"]}
        lines.append(
            f"- {name}: **batched is {e['speedup_wall']:.2f}x as fast (wall), "
            f"{e['speedup_cpu']:.2f}x (CPU time)**; wall runs sequential {walls['sequential']}"
            f"; batched {walls['batched']}. VAD heard {e['vad_speech_seconds']} s of speech."
        )
        if e["gaps"]:
            lines.append(f"  Gaps (start, end, kind): {e['gaps']}")
    if r["tuning"]:
        lines += [
            "",
            "Batch size on the 10-minute recording (medians):",
            "",
            "| batch_size | wall (s) | CPU (s) | first line (s) | WER |",
            "|---|---|---|---|---|",
        ]
        for n, t in r["tuning"].items():
            lines.append(
                f"| {n} | {t['wall']:.1f} | {t['cpu']:.1f} | {t['first']:.1f} | {t['wer']:.2%} |"
            )
    lines += [
        "",
        f"Target (>= 1.8x as fast on the 10-minute recording, WER no worse, nothing in silence): "
        f"{'MET' if r['target_met'] else 'NOT met'}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
