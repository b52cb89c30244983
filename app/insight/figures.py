"""A conversation's figures from who speaks when: talk-time shares, turns, the child's
longest stretch, the wait after the adult's questions, and the times the adult came in over
the child. Pure: the service hands it the speech and the questions of a recording or clip."""

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

from app.insight.models import VoiceRole

# The child's stretch goes on across a pause this short when no adult speaks in it: a
# child thinking in the middle of telling is still telling.
STRETCH_PAUSE_S = 5.0
# An adult who starts within this of the child's last word came in over the child.
OVER_THE_CHILD_S = 0.1
# Under this, the child had no time to think before the next words (the issue: "under 1 s").
SHORT_WAIT_S = 1.0


@dataclass(frozen=True)
class Speech:
    start: float
    end: float
    role: VoiceRole


@dataclass(frozen=True)
class Question:
    start: float
    end: float
    type: str


@dataclass(frozen=True)
class Wait:
    question: Question
    seconds: float | None  # None: nobody spoke after it before the end


@dataclass(frozen=True)
class Figures:
    start: float
    end: float
    adult_seconds: float
    child_seconds: float
    turns: int
    child_longest_seconds: float
    child_longest_at: float | None
    waits: list[Wait] = field(default_factory=list)
    over_the_child: int = 0

    @property
    def duration(self) -> float:
        return max(self.end - self.start, 0.0)

    @property
    def silence_seconds(self) -> float:
        return max(self.duration - self.adult_seconds - self.child_seconds, 0.0)

    def share(self, part: str) -> float:
        seconds = {"adult": self.adult_seconds, "child": self.child_seconds}.get(part)
        value = self.silence_seconds if seconds is None else seconds
        return value / self.duration if self.duration else 0.0

    @property
    def measured_waits(self) -> list[float]:
        return [w.seconds for w in self.waits if w.seconds is not None]

    @property
    def median_wait(self) -> float | None:
        measured = self.measured_waits
        return median(measured) if measured else None

    @property
    def short_waits(self) -> int:
        return sum(1 for seconds in self.measured_waits if seconds < SHORT_WAIT_S)


def clipped(speech: Sequence[Speech], start: float, end: float) -> list[Speech]:
    """The speech inside [start, end], cut at its edges, in order."""
    inside = [
        Speech(max(s.start, start), min(s.end, end), s.role)
        for s in speech
        if s.end > start and s.start < end
    ]
    return sorted(inside, key=lambda s: (s.start, s.end))


def _seconds(speech: Sequence[Speech], role: VoiceRole) -> float:
    """Time `role` speaks: overlapping stretches of one role count once."""
    total, reach = 0.0, float("-inf")
    for s in speech:
        if s.role != role:
            continue
        begin = max(s.start, reach)
        if s.end > begin:
            total += s.end - begin
        reach = max(reach, s.end)
    return total


def _runs(speech: Sequence[Speech]) -> list[Speech]:
    """Consecutive speech of one role as one run: a turn."""
    runs: list[Speech] = []
    for s in speech:
        if runs and runs[-1].role == s.role:
            runs[-1] = Speech(runs[-1].start, max(runs[-1].end, s.end), s.role)
        else:
            runs.append(s)
    return runs


def _child_longest(speech: Sequence[Speech]) -> tuple[float, float | None]:
    """The child's longest stretch: child speech with no adult speech between, across
    pauses shorter than STRETCH_PAUSE_S; its length and start."""
    best, at = 0.0, None
    begin: float | None = None  # the start of the stretch under way, if one is
    last_end = 0.0
    for s in speech:
        if s.role != VoiceRole.child:
            begin = None
            continue
        if begin is None or s.start - last_end > STRETCH_PAUSE_S:
            begin, last_end = s.start, s.end
        last_end = max(last_end, s.end)
        if last_end - begin > best:
            best, at = last_end - begin, begin
    return best, at


def _waits(speech: Sequence[Speech], questions: Sequence[Question]) -> list[Wait]:
    """After each question, the time until anyone speaks again (0 where someone was already
    speaking as it ended: an overlap)."""
    starts = [s.start for s in speech]
    waits = []
    for question in questions:
        # The child already speaking as the question ended (begun after it did).
        begun = speech[bisect_left(starts, question.start) : bisect_left(starts, question.end)]
        under_way = any(
            s.role == VoiceRole.child and s.start > question.start and s.end > question.end
            for s in begun
        )
        after = bisect_left(starts, question.end - OVER_THE_CHILD_S)
        if under_way:
            waits.append(Wait(question, 0.0))
        elif after < len(speech):
            waits.append(Wait(question, max(speech[after].start - question.end, 0.0)))
        else:
            waits.append(Wait(question, None))
    return waits


def _over_the_child(speech: Sequence[Speech]) -> int:
    """Adult speech that began while the child was speaking, or at once as they stopped."""
    count, child_reach = 0, float("-inf")
    child_from = float("inf")
    for s in speech:
        if s.role == VoiceRole.child:
            child_from, child_reach = s.start, max(child_reach, s.end)
        elif child_from < s.start < child_reach + OVER_THE_CHILD_S:
            count += 1
    return count


def compute(
    speech: Sequence[Speech], questions: Sequence[Question], *, start: float, end: float
) -> Figures:
    """The figures of [start, end] (a recording whole, or a clip's stretch of it)."""
    inside = clipped(speech, start, end)
    asked = sorted((q for q in questions if start <= q.start < end), key=lambda q: q.start)
    longest, at = _child_longest(inside)
    return Figures(
        start=start,
        end=end,
        adult_seconds=_seconds(inside, VoiceRole.adult),
        child_seconds=_seconds(inside, VoiceRole.child),
        turns=len(_runs(inside)),
        child_longest_seconds=longest,
        child_longest_at=at,
        waits=_waits(inside, asked),
        over_the_child=_over_the_child(inside),
    )
