"""Transcript lines of about a sentence, cut from timed words, and words kept within speech.

The word timings come from a real transcription of espeak-ng speech (the tests' small
model); the pure functions are then checked on them and on their punctuation-less form.
"""

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pytest

from app.core.config import Settings
from workers import segmenting, speech
from workers.segmenting import Region, SpeechTimeline, SplitRules, split_words
from workers.speech import Word

RULES = segmenting.DEFAULT_RULES


@pytest.fixture(scope="module")
def heard(media, tmp_path_factory: pytest.TempPathFactory) -> list[Word]:  # type: ignore[no-untyped-def]
    """Real timed words: three spoken sentences (tests/support/media.py SPEECH_EN)."""
    folder = tmp_path_factory.mktemp("segmenting")
    settings = Settings(data_dir=folder, whisper_model="bundled-tiny.en", whisper_cpu_threads=2)
    engine = speech.FasterWhisperEngine(settings)
    words = [w for s in engine.transcribe(Path(media.speech()), "en") for w in s.words]
    engine.release()
    assert len(words) >= 25 and sum(w.text.strip().endswith(".") for w in words) == 3
    return words


def unpunctuated(words: Sequence[Word]) -> list[Word]:
    """The same words and timings as a model that writes no punctuation would give them."""
    return [dataclasses.replace(w, text=w.text.rstrip(".,?!")) for w in words]


def timed(*texts: str, step: float = 0.4) -> list[Word]:
    return [
        Word(start=i * step, end=i * step + step, text=f" {t}", probability=1.0)
        for i, t in enumerate(texts)
    ]


def assert_partition(words: Sequence[Word], lines: list[list[Word]]) -> None:
    """Every word in exactly one line, in order, the very same object (timings untouched)."""
    flat = [w for line in lines for w in line]
    assert len(flat) == len(words) and all(a is b for a, b in zip(flat, words, strict=True))
    assert all(line for line in lines)


def assert_within(lines: list[list[Word]], rules: SplitRules) -> None:
    for line in lines:
        assert line[-1].end - line[0].start <= rules.max_seconds or len(line) == 1
        assert len(segmenting.line_text(line)) <= rules.max_chars or len(line) == 1


def test_sentence_ends_make_the_lines(heard: list[Word]) -> None:
    lines = split_words(heard)
    assert_partition(heard, lines)
    assert len(lines) == 3
    assert all(line[-1].text.endswith(".") for line in lines)
    assert all(line[0].text.strip()[0].isupper() for line in lines)


def test_words_without_punctuation_split_at_pauses(heard: list[Word]) -> None:
    bare = unpunctuated(heard)
    # The real pauses between the spoken sentences are about half a second.
    gaps = [b.start - a.end for a, b in zip(bare, bare[1:], strict=False)]
    rules = SplitRules(pause_s=sorted(gaps)[-2] - 0.01)
    lines = split_words(bare, rules)
    assert_partition(bare, lines)
    assert [len(line) for line in lines] == [len(line) for line in split_words(heard)]
    # Without the pauses (and well under the length limits), nothing splits them.
    assert split_words(bare, SplitRules(max_seconds=60, max_chars=1000)) == [bare]


def test_long_monologue_without_sentence_ends(heard: list[Word]) -> None:
    """A minute and a half of speech with no sentence end and no long pause."""
    bare = unpunctuated(heard)
    span = bare[-1].end - bare[0].start + 0.5
    monologue = [
        dataclasses.replace(w, start=w.start + k * span, end=w.end + k * span)
        for k in range(9)
        for w in bare
    ]
    sentence_ends = {
        i * len(bare) + j for i in range(9) for j, w in enumerate(heard) if w.text.endswith(".")
    }
    lines = split_words(monologue)
    assert_partition(monologue, lines)
    assert_within(lines, RULES)
    assert len(lines) >= 90 / RULES.max_seconds
    # Each cut falls in the longest pause there is, i.e. where a sentence ended.
    ends = [monologue.index(line[-1]) for line in lines[:-1]]
    assert all(i in sentence_ends for i in ends), ends


def test_cuts_prefer_a_comma_and_never_leave_a_stub() -> None:
    clauses = [["we", "talked", "about", "school", "and", "friends,"]] * 20
    words = timed(*[w for clause in clauses for w in clause])
    lines = split_words(words)
    assert_partition(words, lines)
    assert_within(lines, RULES)
    assert all(line[-1].text.endswith(",") for line in lines[:-1])
    assert all(line[-1].end - line[0].start >= RULES.max_seconds / 3 for line in lines[:-1])


def test_evenly_spaced_words_with_nothing_to_go_by() -> None:
    words = timed(*(["word"] * 200), step=0.3)
    lines = split_words(words)
    assert_partition(words, lines)
    assert_within(lines, RULES)
    assert len(lines) <= 7  # each line close to the limit: 60 s in lines of up to 12 s


def test_what_ends_a_sentence() -> None:
    words = timed(
        "Dr.",
        "Hansen",
        "came",
        "f.eks.",
        "today.",
        "Den",
        "3.",
        "maj",
        "kom",
        "hun.",
        "really?",
        "yes!",
        "ok.",
        "and",
        "then",
        "e.g.",
        "this.",
    )
    lines = [segmenting.line_text(line) for line in split_words(words)]
    assert lines == [
        "Dr. Hansen came f.eks. today.",
        "Den 3. maj kom hun. really?",
        "yes!",
        "ok. and then e.g. this.",
    ]


def test_a_pause_ends_a_line_and_the_limit_in_characters_holds() -> None:
    words = timed("one", "two", "three", "four")
    words[2] = dataclasses.replace(words[2], start=5.0, end=5.4)
    words[3] = dataclasses.replace(words[3], start=5.4, end=5.8)
    assert [len(line) for line in split_words(words)] == [2, 2]
    long_words = timed(*(["extraordinarily"] * 30), step=0.2)
    lines = split_words(long_words)
    assert_within(lines, RULES)
    assert len(lines) >= 3


def test_speech_timeline_clips_and_maps_back() -> None:
    regions = [Region(1, 5), Region(20, 30), Region(31, 50), Region(100, 110)]
    timeline = SpeechTimeline(regions, max_clip_s=30)
    # Joined: r0 0-4, r1 4-14, r2 14-33, r3 33-43; whole regions, at most 30 s a clip.
    assert [(c.start, c.end, c.first, c.last) for c in timeline.clips] == [
        (0, 14, 0, 1),
        (14, 43, 2, 3),
    ]
    assert timeline.speech_seconds == 43
    assert timeline.clip_at(14.004) == 1 and timeline.clip_at(0.0) == 0
    assert timeline.to_recording(2.0, 2.5, 0, 0.1) == (3.0, 3.5)
    assert timeline.to_recording(5.0, 5.4, 0, 0.1) == pytest.approx((21.0, 21.4))
    assert timeline.to_recording(34.0, 35.0, 1, 0.1) == (101.0, 102.0)


def test_words_the_model_heard_in_silence_are_dropped_or_kept_at_the_edge() -> None:
    timeline = SpeechTimeline([Region(1, 5), Region(20, 30)], max_clip_s=30)
    # Past the clip's audio (Whisper's silent padding): no place in the recording.
    assert timeline.to_recording(14.5, 15.0, 0, 0.2) is None
    assert timeline.to_recording(20.0, 25.0, 0, 0.2) is None
    # Timed across two regions: kept, but not reaching into the silence between them.
    start, end = timeline.to_recording(3.7, 4.5, 0, 0.1)  # type: ignore[misc]
    assert (start, end) == pytest.approx((19.9, 20.5))
    placed = [(19.9, 20.5), (3.0, 3.5), (29.0, 30.1)]
    assert segmenting.outside_speech(placed, timeline.regions, 0.2) == []
    assert segmenting.outside_speech([(10.0, 10.4), (4.0, 6.0)], timeline.regions, 0.2) == [
        (10.0, 10.4),
        (4.0, 6.0),
    ]
