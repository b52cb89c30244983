"""Who speaks: accuracy and speed of workers.voices on the test dialogues.

For each dialogue in tests/data/dialogues: the share of speech time labelled with the right
speaker, voices found against the true number, roles right, seconds taken and the real-time
factor. Then a 10-minute recording (the dialogues looped) for the analysis time of 10
minutes of audio: with the VAD, and with the speech intervals given (as the transcription
pipeline, which runs its own VAD, would pass them). Writes bench/results/voices.md.

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

from tests.support.speaker_scoring import DIALOGUES, NAMES, score, truth_of  # noqa: E402
from workers import voices  # noqa: E402
from workers.voice_features import SAMPLE_RATE  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "voices.md"


def timed(audio: np.ndarray, **options: object) -> tuple[voices.Voices, float, float]:
    """(result, wall seconds, CPU seconds of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = voices.separate(audio, **options)  # type: ignore[arg-type]
    return result, time.perf_counter() - wall, time.process_time() - cpu


def looped(name: str, seconds: float) -> tuple[np.ndarray, dict]:
    """A dialogue repeated to `seconds`, with its ground truth repeated alike."""
    audio = decode_audio(str(DIALOGUES / f"{name}.opus"), sampling_rate=SAMPLE_RATE)
    truth = truth_of(name)
    length = len(audio) / SAMPLE_RATE
    times = int(np.ceil(seconds / length))
    speech = [
        {**s, "start": s["start"] + i * length, "end": s["end"] + i * length}
        for i in range(times)
        for s in truth["speech"]
        if s["end"] + i * length <= seconds
    ]
    whole = np.tile(audio, times)[: int(seconds * SAMPLE_RATE)]
    return whole, {**truth, "seconds": seconds, "speech": speech}


def main() -> None:
    lines = [
        "# Who speaks (workers.voices)",
        "",
        f"Machine: {os.cpu_count()} cores, CPU only; load average {os.getloadavg()[0]:.1f}.",
        "",
        "| dialogue | accuracy | voices found / true | roles right | seconds | real-time factor |",
        "|---|---|---|---|---|---|",
    ]
    for name in NAMES:
        audio = decode_audio(str(DIALOGUES / f"{name}.opus"), sampling_rate=SAMPLE_RATE)
        result, wall, _ = timed(audio)
        found = score(truth_of(name), result)
        length = len(audio) / SAMPLE_RATE
        lines.append(
            f"| {name} | {found.accuracy:.3f} | {found.voices_found} / {found.speakers} "
            f"| {found.roles_right} / {found.speakers} | {wall:.2f} | {wall / length:.4f} |"
        )
    ten, truth = looped("two_adults_similar_pitch", 600.0)
    speech = voices.detect_speech(ten)
    lines += [
        "",
        "10 minutes of audio (two_adults_similar_pitch looped: 3 speakers, scored):",
        "",
        "| run | wall seconds | CPU seconds | accuracy | voices found / true |",
        "|---|---|---|---|---|",
    ]
    for label, options in (("with the VAD", {}), ("speech intervals given", {"speech": speech})):
        result, wall, cpu = timed(ten, **options)
        found = score(truth, result)
        lines.append(
            f"| {label} | {wall:.2f} | {cpu:.2f} | {found.accuracy:.3f} "
            f"| {found.voices_found} / {found.speakers} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
