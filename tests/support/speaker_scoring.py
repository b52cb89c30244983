"""Scoring who-speaks results against a test dialogue's ground truth (tests/data/dialogues)."""

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workers.voices import Voices

DIALOGUES = Path(__file__).resolve().parents[1] / "data" / "dialogues"
NAMES = (
    "caseworker_child",
    "two_adults_similar_pitch",
    "three_speakers",
    "overlapping_speech",
    "background_noise",
)
# Made alike but never tuned on: they check that what was tuned on the five above holds.
VALIDATION = ("mother_and_caseworker_long", "siblings_long", "high_voiced_adult")
STEP = 0.01  # scored in 10 ms steps


@dataclass(frozen=True)
class Score:
    accuracy: float  # share of true speech time labelled with the right speaker
    voices_found: int
    speakers: int
    roles_right: int  # true speakers whose matched voice has their role
    found_for: dict[str, int | None]  # true speaker -> the voice matched to them


def truth_of(name: str) -> dict:
    return json.loads((DIALOGUES / f"{name}.json").read_text())


def looped(audio: np.ndarray, truth: dict, seconds: float, rate: int) -> tuple[np.ndarray, dict]:
    """A dialogue repeated to `seconds` (a long recording), its ground truth repeated alike."""
    length = len(audio) / rate
    times = int(np.ceil(seconds / length))
    speech = [
        {**s, "start": s["start"] + i * length, "end": s["end"] + i * length}
        for i in range(times)
        for s in truth["speech"]
        if s["end"] + i * length <= seconds
    ]
    whole = np.tile(audio, times)[: int(seconds * rate)]
    return whole, {**truth, "seconds": seconds, "speech": speech}


def score(truth: dict, result: Voices) -> Score:
    """Voices matched to true speakers one-to-one by the most shared time; a stretch where two
    people speak at once counts as right when labelled with either of them."""
    steps = int(truth["seconds"] / STEP) + 2
    speakers = sorted(truth["speakers"])
    said = np.zeros((len(speakers), steps), dtype=bool)
    for stretch in truth["speech"]:
        row = speakers.index(stretch["speaker"])
        said[row, round(stretch["start"] / STEP) : round(stretch["end"] / STEP)] = True
    heard = np.zeros(steps, dtype=np.int64)
    for turn in result.turns:
        heard[round(turn.start / STEP) : round(turn.end / STEP)] = turn.voice
    numbers = [v.number for v in result.voices]
    shared = np.array(
        [[np.sum(said[i] & (heard == n)) for n in numbers] for i in range(len(speakers))]
    )
    slots = list(range(len(numbers))) + [None] * len(speakers)
    best: tuple[int, tuple] = (-1, ())
    for match in itertools.permutations(slots, len(speakers)):
        total = sum(shared[i, m] for i, m in enumerate(match) if m is not None)
        if total > best[0]:
            best = (total, match)
    right = np.zeros(steps, dtype=bool)
    roles_right = 0
    found_for: dict[str, int | None] = {}
    for i, m in enumerate(best[1]):
        found_for[speakers[i]] = numbers[m] if m is not None else None
        if m is not None:
            right |= said[i] & (heard == numbers[m])
            roles_right += result.voices[m].role == truth["speakers"][speakers[i]]["role"]
    spoken = said.any(axis=0)
    return Score(
        accuracy=float(right[spoken].mean()) if spoken.any() else 1.0,
        voices_found=len(result.voices),
        speakers=len(speakers),
        roles_right=roles_right,
        found_for=found_for,
    )
