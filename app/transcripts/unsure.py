"""Unsure words: the machine's words heard with a probability below the setting
`unsure_word_probability`, so that a transcript says where to look.

Only a line no person has touched shows them: a correction replaces the machine's words,
and a checked line has been heard and read by a person, who vouches for it. The share in the
transcript's header counts the unsure words still shown against all the machine's words.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from babel.numbers import format_percent
from sqlalchemy import case, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.core.config import settings
from app.core.i18n import babel_locale
from app.transcripts.models import (
    Segment,
    SegmentPublic,
    Transcript,
    TranscriptPublic,
    UnsureWord,
    Word,
)

CHUNK = 500  # segment ids in one query (LINES_PAGE's size): well inside every database's limit
# Punctuation Whisper glues to a word: shown, but outside its mark.
GLUED = ".,!?;:…\"'»«”“)("


@dataclass(frozen=True)
class Piece:
    """A stretch of a line's text: an unsure word (with its time) or the text between."""

    text: str
    unsure: bool = False
    start: float | None = None


@dataclass(frozen=True)
class Share:
    """How many of a transcript's machine words are still unsure."""

    unsure: int
    words: int

    @property
    def percent(self) -> int:
        """Whole percent, never 0 while a word is unsure (the browser rounds the same way)."""
        if not self.words or not self.unsure:
            return 0
        return max(int(self.unsure * 100 / self.words + 0.5), 1)

    def shown(self, lang: str) -> str:
        """The percent as the reader writes it: "14 %" in Danish, "14%" in English."""
        return format_percent(self.percent / 100, locale=babel_locale(lang))


def threshold() -> float:
    return settings.unsure_word_probability


def is_open(segment: Segment) -> bool:
    """No person has corrected or checked the line, and no earlier words of theirs stand
    for it (after "transcribe again"): its machine words stand as heard."""
    return not segment.persons_words and segment.checked_at is None


def unsure_by_line(*, session: Session, ids: Sequence[int]) -> dict[int, list[Word]]:
    """The unsure words of the lines `ids` (open ones: see `is_open`), in order; a query per
    500 lines."""
    return _words(session, ids, only_unsure=True)


def words_by_line(*, session: Session, ids: Sequence[int]) -> dict[int, list[Word]]:
    """All the words of each line among `ids` that has an unsure one, in order: what its
    marks are cut from. A query per 500 lines, whatever their number."""
    return _words(session, ids, only_unsure=False)


def open_ids(lines: Iterable[Segment]) -> list[int]:
    return [s.id for s in lines if s.id is not None and is_open(s)]


def _words(session: Session, ids: Sequence[int], *, only_unsure: bool) -> dict[int, list[Word]]:
    below = threshold()
    heard = aliased(Word)
    found: dict[int, list[Word]] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        query = select(Word).order_by(col(Word.segment_id), col(Word.position))
        if only_unsure:
            query = query.where(col(Word.segment_id).in_(chunk), col(Word.probability) < below)
        else:
            with_unsure = select(heard.segment_id).where(
                col(heard.segment_id).in_(chunk), col(heard.probability) < below
            )
            query = query.where(col(Word.segment_id).in_(with_unsure))
        for w in session.exec(query).all():
            found.setdefault(w.segment_id, []).append(w)
    return found


def pieces(text: str, words: Sequence[Word], below: float) -> list[Piece] | None:
    """The line's `text` cut at its unsure words (each found after the one before it, so a
    word said twice is marked where it was heard); None when none of them is unsure."""
    out: list[Piece] = []
    done = at = 0
    marked = False
    for w in words:
        token = w.text.strip().strip(GLUED)
        i = text.find(token, at) if token else -1
        if i < 0:
            continue
        if w.probability < below:
            if i > done:
                out.append(Piece(text[done:i]))
            out.append(Piece(token, unsure=True, start=w.start))
            done, marked = i + len(token), True
        at = i + len(token)
    if not marked:
        return None
    if done < len(text):
        out.append(Piece(text[done:]))
    return out


@dataclass(frozen=True)
class Marks:
    """A shown line's unsure words: how many, and its text cut at them (None where none of
    them could be found in the text)."""

    count: int
    pieces: list[Piece] | None


def marks(*, session: Session, lines: Sequence[Segment]) -> dict[int, Marks]:
    """The shown lines' marks, for the open lines that have unsure words."""
    below = threshold()
    words = words_by_line(session=session, ids=open_ids(lines))
    out: dict[int, Marks] = {}
    for s in lines:
        if s.id is not None and s.id in words:
            heard = words[s.id]
            count = sum(1 for w in heard if w.probability < below)
            out[s.id] = Marks(count, pieces(s.machine_text, heard, below))
    return out


def fill(*, session: Session, transcript: Transcript, public: TranscriptPublic) -> None:
    """The API's transcript with its unsure words and their share."""
    ids = [s.id for s in public.segments if not s.corrected and not s.checked]
    found = unsure_by_line(session=session, ids=ids)
    for s in public.segments:
        s.unsure_words = as_public(found.get(s.id, []))
    counted = share(session=session, transcript=transcript)
    public.unsure_share = round(counted.unsure / counted.words, 4) if counted.words else 0.0


def fill_segment(*, session: Session, segment: Segment, public: SegmentPublic) -> None:
    """A line the API returns on its own (after a correction) with its unsure words."""
    found = unsure_by_line(session=session, ids=open_ids([segment]))
    public.unsure_words = as_public(found.get(segment.id, [])) if segment.id else []


def as_public(words: Sequence[Word]) -> list[UnsureWord]:
    return [
        UnsureWord(
            position=w.position,
            text=w.text.strip(),
            start=w.start,
            end=w.end,
            probability=round(w.probability, 3),
        )
        for w in words
    ]


def share(*, session: Session, transcript: Transcript) -> Share:
    """The transcript's machine words, and how many of them open lines still show unsure."""
    still = (col(Word.probability) < threshold()) & col(Segment.corrected_text).is_(None)
    still = still & col(Segment.offered_text).is_(None) & col(Segment.checked_at).is_(None)
    # (`is_open` in SQL)
    words, unsure = session.exec(
        select(func.count(col(Word.id)), func.coalesce(func.sum(case((still, 1), else_=0)), 0))
        .join(Segment, col(Segment.id) == col(Word.segment_id))
        .where(Segment.transcript_id == transcript.id)
    ).one()
    return Share(unsure=int(unsure), words=int(words))
