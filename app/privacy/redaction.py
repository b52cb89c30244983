"""Names and numbers hidden in what a team reads: find them, replace them, mute them.

`find` gives the CPR numbers, phone numbers, e-mail addresses, street addresses and
person names in a text as character spans; `redact` replaces them with a placeholder in
the reader's language; `mute_spans` gives the time spans of a line's words to silence in
its audio. Found by form and word lists, not by a model: a CPR number's modulus-11 check
raises confidence but never rejects one (numbers issued since 2007 need not satisfy it).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple, Protocol

from app.privacy import addresses, numbers
from app.privacy.names import person_names

PAD_S = 0.15  # seconds muted before and after a hidden word: speech spills over its times


class Kind(StrEnum):
    cpr = "cpr"
    phone = "phone"
    email = "email"
    address = "address"
    name = "name"


@dataclass(frozen=True)
class Found:
    """A stretch of text that identifies someone: text[start:end]."""

    start: int
    end: int
    kind: Kind
    text: str
    confidence: str  # "high" or "low"


PLACEHOLDERS = {
    "da": {
        Kind.cpr: "[CPR-nr.]",
        Kind.phone: "[telefonnr.]",
        Kind.email: "[e-mail]",
        Kind.address: "[adresse]",
        Kind.name: "[navn]",
    },
    "en": {
        Kind.cpr: "[CPR no.]",
        Kind.phone: "[phone]",
        Kind.email: "[e-mail]",
        Kind.address: "[address]",
        Kind.name: "[name]",
    },
}


def find(text: str, *, names: Iterable[str] = (), lang: str = "da") -> list[Found]:
    """What identifies someone in `text`, in order and without overlaps (the longer of two
    overlapping finds wins: an e-mail address over the name in it). `names` are the names
    the caseworker listed, full names or single names; `lang` the text's language ("da",
    "en"), which decides which names are also words at a sentence's start."""
    hits: list[tuple[Kind, numbers.Hit]] = [
        (Kind(kind), hit) for kind, hit in numbers.cprs_and_phones(text)
    ]
    hits += [(Kind.email, hit) for hit in numbers.emails(text)]
    hits += [(Kind.address, hit) for hit in addresses.addresses(text)]
    hits += [(Kind.name, hit) for hit in person_names(text, names, lang)]
    # Longest first; at equal length the earlier kind above (CPR before phone before ...).
    order = list(Kind)
    hits.sort(key=lambda h: (h[1][0] - h[1][1], order.index(h[0]), h[1][0]))
    taken: list[Found] = []
    for kind, (start, end, confidence) in hits:
        if all(end <= t.start or start >= t.end for t in taken):
            taken.append(Found(start, end, kind, text[start:end], confidence))
    return sorted(taken, key=lambda f: f.start)


def redact(text: str, found: Sequence[Found], *, lang: str = "da") -> str:
    """`text` with each found stretch replaced by its kind's placeholder ("[navn]")."""
    placeholders = PLACEHOLDERS.get(lang, PLACEHOLDERS["da"])
    pieces, at = [], 0
    for item in sorted(found, key=lambda f: f.start):
        if item.start < at:
            continue  # overlaps one already replaced
        pieces += [text[at : item.start], placeholders[item.kind]]
        at = item.end
    return "".join([*pieces, text[at:]])


class Timed(Protocol):
    """A word with its times, as the speech model gives it: a transcript's `Word` row,
    or a `TimedWord`. Its text starts with a space where a new word starts (" hej")."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def text(self) -> str: ...


class TimedWord(NamedTuple):
    start: float
    end: float
    text: str


def mute_spans(
    words: Sequence[Timed],
    *,
    names: Iterable[str] = (),
    lang: str = "da",
    pad: float = PAD_S,
    finder: Callable[[str], list[Found]] | None = None,
) -> list[tuple[float, float]]:
    """The (start, end) seconds to mute so that what `find` hides in a line is not heard:
    the times of every word a find touches, `pad` wider on both sides, merged where they
    meet. The words are joined as the speech model wrote them (a word without a leading
    space continues the one before). `finder` replaces `find` (a caseworker's review)."""
    text, places = "", []
    for word in words:
        lead = len(word.text) - len(word.text.lstrip())
        places.append((len(text) + lead, len(text) + len(word.text)))
        text += word.text
    spans: list[tuple[float, float]] = []
    found = finder(text) if finder is not None else find(text, names=names, lang=lang)
    for item in found:
        touched = [
            w for w, (a, b) in zip(words, places, strict=True) if a < item.end and b > item.start
        ]
        if touched:
            spans.append((max(0.0, touched[0].start - pad), touched[-1].end + pad))
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
