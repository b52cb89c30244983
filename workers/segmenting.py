"""Sentence-sized transcript lines from timed words, and words kept where speech was heard.

The batched pipeline gives one block of text per ~30 s of speech. A person correcting a
transcript needs about a sentence per line, so the words are regrouped here: after a
sentence end, at a pause, and before a line grows too long. The regrouping never changes
a word's timing; every word lands in exactly one line, in order.

Voice-activity detection (VAD) decides what the model hears: only the speech regions,
laid end to end (`SpeechTimeline`). Word times come back on that joined timeline and are
mapped to the recording's own; a word the model placed where no speech was fed to it (the
silent padding of a chunk) has no place in the recording and is dropped.
"""

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar


class TimedWord(Protocol):
    start: float
    end: float
    text: str


W = TypeVar("W", bound=TimedWord)


@dataclass(frozen=True)
class SplitRules:
    # A pause this long between two words ends a line, punctuation or not.
    pause_s: float = 1.0
    # A line never grows past either limit; it is cut at its best inner break instead.
    max_seconds: float = 12.0
    max_chars: int = 160


DEFAULT_RULES = SplitRules()

# Words ending in "." that do not end a sentence (English and Danish; lower case).
ABBREVIATIONS = frozenset(
    ("mr.", "mrs.", "ms.", "dr.", "prof.", "st.", "vs.", "etc.", "e.g.", "i.e.", "ca.")
    + ("nr.", "hr.", "fr.", "fru.", "jf.", "pga.", "mht.", "vedr.", "evt.", "osv.", "inkl.")
    + ("ekskl.", "bl.a.", "f.eks.", "dvs.", "mv.", "m.v.", "kl.", "tlf.", "ang.")
)
_CLOSING = "\"'”’)]}»"
_OPENING = "\"'“‘([{«¿¡-"
_SENTENCE_END = re.compile(r"[.?!…。？！]$")
_SOFT_BREAK = re.compile(r"[,;:–—]$")


def _bare(word: TimedWord) -> str:
    return word.text.strip().rstrip(_CLOSING)


def ends_sentence(word: TimedWord, following: TimedWord | None) -> bool:
    """True when `word` closes a sentence (a full stop needs a capital or nothing after it)."""
    bare = _bare(word)
    if not _SENTENCE_END.search(bare):
        return False
    if not bare.endswith("."):
        return True
    if bare.lower() in ABBREVIATIONS or re.fullmatch(r"\d+\.", bare):
        return False  # "Dr. Hansen", "f.eks. i dag", Danish ordinals such as "3. maj"
    if following is None:
        return True
    first = following.text.strip().lstrip(_OPENING)[:1]
    return not first.isalpha() or first.isupper()


def line_text(words: Sequence[TimedWord]) -> str:
    return "".join(w.text for w in words).strip()


def _too_long(words: Sequence[TimedWord], rules: SplitRules) -> bool:
    too_many_seconds = words[-1].end - words[0].start > rules.max_seconds
    return too_many_seconds or len(line_text(words)) > rules.max_chars


def _best_break(words: Sequence[TimedWord]) -> int:
    """Where to cut an over-long line: the index of the first word of the second part."""
    # Not in the first third, so neither part is a stub.
    candidates = range(max(1, len(words) // 3), len(words))
    soft = [i for i in candidates if _SOFT_BREAK.search(_bare(words[i - 1]))]
    if soft:
        return soft[-1]
    # No comma to go by: the longest pause between two words, the later one on a tie.
    return max(candidates, key=lambda i: (words[i].start - words[i - 1].end, i))


def split_words(words: Sequence[W], rules: SplitRules = DEFAULT_RULES) -> list[list[W]]:
    """Group timed words into lines of about a sentence; each word in one line, in order."""
    lines: list[list[W]] = []
    current: list[W] = []
    for i, word in enumerate(words):
        if current and word.start - current[-1].end >= rules.pause_s:
            lines.append(current)
            current = []
        current.append(word)
        while len(current) > 1 and _too_long(current, rules):
            cut = _best_break(current)
            lines.append(current[:cut])
            current = current[cut:]
        following = words[i + 1] if i + 1 < len(words) else None
        if ends_sentence(word, following):
            lines.append(current)
            current = []
    if current:
        lines.append(current)
    return lines


@dataclass(frozen=True)
class Region:
    """A stretch of the recording, in seconds."""

    start: float
    end: float


@dataclass(frozen=True)
class Clip:
    """One piece the model hears: whole speech regions, on the joined timeline."""

    start: float
    end: float
    first: int  # index of its first region
    last: int  # index of its last region


class SpeechTimeline:
    """The speech regions of a recording laid end to end, cut into clips of whole regions."""

    def __init__(self, regions: Sequence[Region], max_clip_s: float) -> None:
        self.regions = sorted(regions, key=lambda r: r.start)
        self.joined_starts: list[float] = []
        position = 0.0
        for region in self.regions:
            self.joined_starts.append(position)
            position += region.end - region.start
        self.speech_seconds = position
        self.clips: list[Clip] = []
        for i, region in enumerate(self.regions):
            start, length = self.joined_starts[i], region.end - region.start
            last = self.clips[-1] if self.clips else None
            if last is not None and start + length - last.start <= max_clip_s:
                self.clips[-1] = Clip(last.start, start + length, last.first, i)
            else:
                self.clips.append(Clip(start, start + length, i, i))

    def clip_at(self, offset: float) -> int:
        """Index of the clip that starts at `offset` (to the nearest; offsets are rounded)."""
        starts = [c.start for c in self.clips]
        i = bisect.bisect_left(starts, offset)
        near = [j for j in (i - 1, i) if 0 <= j < len(starts)]
        return min(near, key=lambda j: abs(starts[j] - offset))

    def to_recording(
        self, start: float, end: float, clip_index: int, tolerance: float
    ) -> tuple[float, float] | None:
        """A word's joined-timeline times in recording time, or None if no speech holds it.

        The word belongs to the region that holds its middle, within its own clip (as
        faster-whisper maps it). A middle beyond the clip's audio means the model heard the
        silent padding: None. A word reaching past its region's edge (timed across two
        regions) ends at the edge, widened by `tolerance`, so it never lies in silence.
        """
        clip = self.clips[clip_index]
        middle = (start + end) / 2
        if not clip.start - tolerance <= middle <= clip.end + tolerance:
            return None
        i = bisect.bisect_right(self.joined_starts, middle, clip.first, clip.last + 1) - 1
        i = max(i, clip.first)
        region = self.regions[i]
        shift = region.start - self.joined_starts[i]
        low, high = region.start - tolerance, region.end + tolerance
        if not low <= middle + shift <= high:
            return None
        return max(start + shift, low), min(end + shift, high)


def outside_speech(
    spans: Sequence[tuple[float, float]], regions: Sequence[Region], tolerance: float
) -> list[tuple[float, float]]:
    """The spans that reach outside every speech region widened by `tolerance`."""
    widened: list[list[float]] = []
    for r in sorted(regions, key=lambda r: r.start):
        if widened and r.start - tolerance <= widened[-1][1]:
            widened[-1][1] = max(widened[-1][1], r.end + tolerance)
        else:
            widened.append([r.start - tolerance, r.end + tolerance])
    return [
        (start, end)
        for start, end in spans
        if not any(low <= start and end <= high for low, high in widened)
    ]
