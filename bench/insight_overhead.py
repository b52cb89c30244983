"""Analysis overhead: the conversation's analysis added to one recording's worker run.

One ~10-minute MP4 (bench/speech_audio.py: two espeak-ng voices taking turns) is uploaded
through the real API (in-process TestClient) into a fresh migrated data folder, once per
run and one more for the warm-up. Two sides, each on its own fresh upload, in this process:

  pipeline : workers.tasks.run_job(the upload's process_recording job)
  analysed : the same, then run_job(the analyse_conversation job it queued): who speaks
             when from the audio (workers.voices), then each line's voice and the adult's
             question types (app.insight.service.label)

Model bundled-base, cpu / int8 / 2 threads, the worker's default batch size (`--batch-size`
to change it), loaded and warmed on a 20 s clip before any timer; then one untimed run of
the analysed side (ffmpeg's first start, the VAD, the voice features and the question
rules imported). Then `--repeats` runs of each side in turn (pipeline analysed, analysed
pipeline, ...): wall and CPU time (this process and its ffmpeg children), the medians and
their ratio, the analysis's own time split into voices (decoding, VAD, features,
clustering, resegmentation) and labelling, and a second estimate of the ratio from the
pipeline median and the analysis median alone (less exposed to the machine's noise than
the difference of two long runs). Target: analysed / pipeline <= 1.15.

    .venv/bin/python bench/insight_overhead.py [--repeats 2] [--seconds 600] [--batch-size N]
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from harness import command_line, log, measure, parse, results, server
from pipeline_overhead import StageTimer
from speech_audio import SpeechRecording, make_recording

TARGET = 1.15
THREADS = 2
SIDES = ("pipeline", "analysed")
# The analysis's steps, timed where the worker calls them (module attributes).
VOICES, LABELLING = "voices (separate_file)", "labelling (label)"
VOICE_STEPS = ("decode audio", "VAD", "frame features", "clustering", "resegmentation")
STEP_OF = dict(zip(("detect_speech", "frame_features", "cluster_windows", "resegment"),
                   VOICE_STEPS[1:], strict=True))  # fmt: skip


def main() -> None:
    parser = command_line(__doc__, 2, "runs of each side")
    parser.add_argument("--seconds", type=float, default=600.0, help="length of the recording")
    parser.add_argument("--batch-size", type=int, default=None, help="default: the setting's")
    args = parse(parser, repeats=1, seconds=60.0)
    rec = make_recording("en", args.seconds)
    log(f"recording: {rec.mp4.name}, {rec.duration:.1f} s, {rec.words} reference words")
    batch = {} if args.batch_size is None else {"SPARRING_WHISPER_BATCH_SIZE": str(args.batch_size)}
    with server.data_folder("insight", keep=args.keep) as data_dir:
        env = server.use_in_process(
            data_dir,
            "SPARRING_WHISPER_",
            SPARRING_WHISPER_MODEL="bundled-base",
            SPARRING_WHISPER_DEVICE="cpu",
            SPARRING_WHISPER_COMPUTE_TYPE="int8",
            SPARRING_WHISPER_CPU_THREADS=str(THREADS),
            **batch,
        )
        result = run(args.repeats, rec, server.prepare(env)["caseworker"])
    results.report(args, "insight_overhead", result, summary(result))


def instrument() -> StageTimer:
    """Time the analysis's steps (negligible cost) to say where its time goes."""
    import faster_whisper

    from app.insight import service as insight_service
    from workers import voices

    stages = StageTimer()
    stages.wrap(voices, "separate_file", VOICES)
    stages.wrap(faster_whisper, "decode_audio", "decode audio")  # imported when called
    for attr, name in STEP_OF.items():
        stages.wrap(voices, attr, name)
    stages.wrap(insight_service, "label", LABELLING)
    return stages


def run(repeats: int, rec: SpeechRecording, caseworker: tuple[str, str]) -> dict[str, Any]:
    from fastapi.testclient import TestClient
    from faster_whisper import decode_audio
    from sqlmodel import select

    from app.core.config import settings
    from app.core.db import session_scope
    from app.insight import service as insight_service
    from app.jobs.models import Job, JobStatus
    from app.main import app
    from app.transcripts import service as transcript_service
    from workers import speech, tasks

    assert settings.whisper_model == "bundled-base"
    with measure.Clock() as clock:
        engine = speech.get_engine(settings)
        engine.load()
    clip = decode_audio(str(rec.wav), sampling_rate=16000)[: 20 * 16000]
    list(engine._model.transcribe(clip, **speech.transcribe_options(settings, rec.language))[0])
    log(f"engine loaded in {clock.wall:.1f} s and warmed on 20 s; batch size "
        f"{settings.whisper_batch_size}")  # fmt: skip

    # One upload per timed run and side, and one for the warm-up (untimed).
    uploads: list[tuple[int, str]] = []
    with TestClient(app) as client:
        server.login(client, *caseworker)
        for i in range(2 * repeats + 1):
            up = server.upload(client, rec.mp4, title=f"Insight {i}", case_reference=f"BENCH-{i}",
                               language=rec.language)  # fmt: skip
            assert up.status_code == 201, up.text
            rid = up.json()["id"]
            with session_scope() as session:
                job = session.exec(select(Job).where(Job.recording_id == rid)).one()
            assert job.id is not None
            uploads.append((job.id, rid))
    log(f"uploaded {len(uploads)} recording(s)")
    stages = instrument()

    def analysis_job(recording_id: str) -> int:
        """The analyse_conversation job the transcription queued."""
        with session_scope() as session:
            job = insight_service.latest_job(session=session, recording_id=recording_id)
            assert job is not None and job.id is not None, "no analysis queued"
            assert job.status == JobStatus.queued, job.status
            return job.id

    def labelled(recording_id: str) -> dict[str, Any]:
        """What the analysis wrote: voices, lines with a voice, question types."""
        with session_scope() as session:
            transcript = transcript_service.get(session=session, recording_id=recording_id)
            assert transcript is not None
            lines = transcript_service.segments(session=session, transcript=transcript)
            found = insight_service.voices_of(session=session, recording_id=recording_id)
            return {
                "voices": {v.number: f"{v.role.value} {v.pitch_hz or 0:.0f} Hz" for v in found},
                "lines": len(lines),
                "lines with a voice": sum(s.voice is not None for s in lines),
                "question types": dict(Counter(s.question_type for s in lines if s.question_type)),
            }

    def one(side: str, job_id: int, recording_id: str) -> dict[str, Any]:
        with measure.Clock() as whole:
            with measure.Clock() as pipeline:
                assert tasks.run_job(job_id) == "succeeded"
            if side == "analysed":
                follow_up = analysis_job(recording_id)
                stages.reset()
                with measure.Clock() as analysis:
                    assert tasks.run_job(follow_up) == "succeeded"
        figures: dict[str, Any] = {"wall": whole.wall, "cpu": whole.cpu, "load": whole.load}
        if side == "analysed":
            figures.update(pipeline_wall=pipeline.wall, analysis_wall=analysis.wall,
                           analysis_cpu=analysis.cpu, steps=dict(stages.totals))  # fmt: skip
            figures["written"] = labelled(recording_id)
            assert figures["written"]["lines with a voice"] > 0, figures["written"]
        return figures

    warm = one("analysed", *uploads[0])
    log(f"warm-up (analysed, untimed): {warm['wall']:.2f} s, analysis "
        f"{warm['analysis_wall']:.2f} s; {warm['written']}")  # fmt: skip
    runs = measure.Runs()
    order = list(measure.alternate(SIDES, repeats))
    for i, (_, side) in enumerate(order):
        log(f"run {i + 1}/{len(order)}: {side} ...")
        f = runs.add(side, one(side, *uploads[i + 1]))
        extra = ""
        if side == "analysed":
            extra = (f"  (pipeline {f['pipeline_wall']:.2f} s + analysis {f['analysis_wall']:.2f} "
                     f"s: voices {f['steps'].get(VOICES, 0):.2f} s, labelling "
                     f"{f['steps'].get(LABELLING, 0):.2f} s)")  # fmt: skip
        log(f"  {side:<8} {f['wall']:7.2f} s  CPU {f['cpu']:7.2f} s  load "
            f"{f['load'][0]:.2f}->{f['load'][1]:.2f}{extra}")  # fmt: skip

    def each(side: str, key: str) -> list[float]:
        return [round(v, 2) for v in runs.values(side, key)]

    def step_median(name: str) -> float:
        return round(measure.median(r["steps"].get(name, 0.0) for r in runs["analysed"]), 3)

    ratio = runs.ratio("wall", "analysed", "pipeline")
    pipeline_median = runs.median("pipeline", "wall")
    analysis_median = runs.median("analysed", "analysis_wall")
    return {
        "audio_file": rec.mp4.name,
        "audio_seconds": round(rec.duration, 1),
        "language": rec.language,
        "model": f"{settings.whisper_model}, {settings.whisper_device}, "
        f"{settings.whisper_compute_type}, cpu_threads={settings.whisper_cpu_threads}, "
        f"batch size {settings.whisper_batch_size}",
        "repeats": repeats,
        "order": ", ".join(side for _, side in order),
        "wall_seconds": {side: each(side, "wall") for side in SIDES},
        "cpu_seconds": {side: each(side, "cpu") for side in SIDES},
        "wall_median": {side: round(runs.median(side, "wall"), 2) for side in SIDES},
        "cpu_median": {side: round(runs.median(side, "cpu"), 2) for side in SIDES},
        "ratio": round(ratio, 4),
        "cpu_ratio": round(runs.ratio("cpu", "analysed", "pipeline"), 4),
        # Each side's slowest run over its fastest: other people's load on the shared cores
        # moves the wall times by this much, so a wall ratio is worth no more than it.
        "wall_spread": {
            side: round(max(each(side, "wall")) / min(each(side, "wall")), 3) for side in SIDES
        },  # fmt: skip
        "target": TARGET,
        "target_met": ratio <= TARGET,
        "analysed_pipeline_seconds": each("analysed", "pipeline_wall"),
        "analysis_seconds": each("analysed", "analysis_wall"),
        "analysis_cpu_seconds": each("analysed", "analysis_cpu"),
        "analysis_median": round(analysis_median, 2),
        "analysis_cpu_median": round(runs.median("analysed", "analysis_cpu"), 2),
        # The analysis timed on its own, over the pipeline side's median: the same question
        # without the noise of comparing two long runs on a shared machine.
        "ratio_from_analysis": round(1 + analysis_median / pipeline_median, 4),
        "analysis_steps_median": {
            name: step_median(name) for name in (VOICES, *VOICE_STEPS, LABELLING)
        },
        "loads": {side: [[round(x, 2) for x in r["load"]] for r in runs[side]] for side in SIDES},
        "written": runs["analysed"][-1]["written"],
    }


def summary(r: dict[str, Any]) -> str:
    def secs(values: list[float]) -> str:
        return ", ".join(f"{v:.2f}" for v in values)

    dur, steps = r["audio_seconds"], r["analysis_steps_median"]
    voices, labelling = steps[VOICES], steps[LABELLING]
    rest = r["analysis_median"] - voices - labelling
    inside = ", ".join(f"{name} {steps[name]:.2f} s" for name in VOICE_STEPS)
    loads = "; ".join(
        f"{side} " + ", ".join(f"{a}->{b}" for a, b in r["loads"][side]) for side in SIDES
    )
    rows = [
        f"| {label} | {secs(r['wall_seconds'][side])} | {r['wall_median'][side]:.2f} "
        f"| {r['wall_median'][side] / dur:.3f} | {secs(r['cpu_seconds'][side])} "
        f"| {r['cpu_median'][side]:.2f} |"
        for label, side in (
            ("pipeline: run_job(process_recording)", "pipeline"),
            ("pipeline + analysis: then run_job(analyse_conversation)", "analysed"),
        )
    ]
    return "\n".join(
        [
            f"Audio: {r['audio_file']}, {dur} s ({dur / 60:.1f} min), language {r['language']}",
            f"Model: {r['model']}",
            f"Order: warm-up (analysed, untimed), {r['order']}",
            "",
            "| side | wall runs (s) | wall median (s) | real-time factor | CPU runs (s) "
            "| CPU median (s) |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            f"**Ratio pipeline + analysis / pipeline (wall-time medians): {r['ratio']:.3f}** "
            f"(target <= {r['target']:.2f}: {results.verdict(r['target_met']).upper()})",
            "",
            f"Ratio of CPU-time medians: {r['cpu_ratio']:.3f}; from the analysis timed on its "
            f"own over the pipeline median: {r['ratio_from_analysis']:.3f}",
            "",
            "Each side's slowest wall run over its fastest (the machine's noise, against which "
            "the wall ratio is read): "
            + ", ".join(f"{side} {v:.2f}" for side, v in r["wall_spread"].items()),
            "",
            f"The analysis job: {secs(r['analysis_seconds'])} s wall (median "
            f"{r['analysis_median']:.2f} s, CPU {r['analysis_cpu_median']:.2f} s); the pipeline "
            f"before it in the same runs: {secs(r['analysed_pipeline_seconds'])} s. Medians: "
            f"voices {voices:.2f} s ({inside}), labelling {labelling:.2f} s, the job's own "
            f"bookkeeping and the voices' rows {rest:.2f} s",
            "",
            f"1-minute load average before -> after each run: {loads}",
            "",
            f"Written by the last analysis: {r['written']}",
        ]
    )


if __name__ == "__main__":
    main()
