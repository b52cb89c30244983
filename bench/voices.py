"""Who speaks: accuracy and speed of workers.voices on the test dialogues.

For each dialogue in tests/data/dialogues: the share of speech time labelled with the right
speaker, voices found against the true number, roles right, seconds taken and the real-time
factor; the validation dialogues (never tuned on) alike. Then 10-minute recordings (two
dialogues looped) for accuracy and the analysis time of 10 minutes of audio: with the
VAD, and with the speech intervals given (as the transcription pipeline, which runs its own
VAD, would pass them). Writes bench/results/voices.md.

    PYTHONPATH=. .venv/bin/python bench/voices.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faster_whisper import decode_audio  # noqa: E402

from tests.support.speaker_scoring import (  # noqa: E402
    DIALOGUES,
    NAMES,
    VALIDATION,
    looped,
    score,
    truth_of,
)
from workers import voices  # noqa: E402
from workers.voice_features import SAMPLE_RATE  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "voices.md"
LOOPED = (
    "two_adults_similar_pitch",
    "caseworker_child",
    "background_noise",
    "three_speakers",
    "overlapping_speech",
    "mother_and_caseworker_long",
)
TIMED_WITH_VAD = ("two_adults_similar_pitch", "mother_and_caseworker_long")


def timed(audio: np.ndarray, **options: object) -> tuple[voices.Voices, float, float]:
    """(result, wall seconds, CPU seconds of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = voices.separate(audio, **options)  # type: ignore[arg-type]
    return result, time.perf_counter() - wall, time.process_time() - cpu


def ten_minutes(name: str) -> tuple[np.ndarray, dict]:
    audio = decode_audio(str(DIALOGUES / f"{name}.opus"), sampling_rate=SAMPLE_RATE)
    return looped(audio, truth_of(name), 600.0, SAMPLE_RATE)


def main() -> None:
    lines = [
        "# Who speaks (workers.voices)",
        "",
        f"Machine: {os.cpu_count()} cores, CPU only; load average {os.getloadavg()[0]:.1f}.",
        "",
        "| dialogue | accuracy | voices found / true | roles right | seconds | real-time factor |",
        "|---|---|---|---|---|---|",
    ]
    for name in NAMES + VALIDATION:
        audio = decode_audio(str(DIALOGUES / f"{name}.opus"), sampling_rate=SAMPLE_RATE)
        result, wall, _ = timed(audio)
        found = score(truth_of(name), result)
        length = len(audio) / SAMPLE_RATE
        kind = " (validation)" if name in VALIDATION else ""
        lines.append(
            f"| {name}{kind} | {found.accuracy:.3f} | {found.voices_found} / {found.speakers} "
            f"| {found.roles_right} / {found.speakers} | {wall:.2f} | {wall / length:.4f} |"
        )
    lines += [
        "",
        "10 minutes of audio (a dialogue looped; the last is a validation dialogue):",
        "",
        "| dialogue looped | run | wall seconds | CPU seconds | accuracy | voices found / true "
        "| roles right |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in LOOPED:
        ten, truth = ten_minutes(name)
        speech = voices.detect_speech(ten)
        runs: tuple[tuple[str, dict], ...] = (("speech intervals given", {"speech": speech}),)
        if name in TIMED_WITH_VAD:
            runs = (("with the VAD", {}), *runs)
        for label, options in runs:
            result, wall, cpu = timed(ten, **options)
            found = score(truth, result)
            lines.append(
                f"| {name} | {label} | {wall:.2f} | {cpu:.2f} | {found.accuracy:.3f} "
                f"| {found.voices_found} / {found.speakers} "
                f"| {found.roles_right} / {found.speakers} |"
            )
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
