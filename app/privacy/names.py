"""Person names: the names the caseworker listed, and common Danish names in the text.

A listed name is found in any case (speech recognition often writes in lower case), as a
whole word, with the genitive ("Emmas", "Jonas'"), and each part of a listed full name
alone. A name from the lists of common names (data/first_names_da.txt, surnames_da.txt)
counts only when capitalised: in lower case "sofie" could be a name, but "bo", "liv" and
"hans" are words far more often, so precision would suffer for little recall. At the start
of a sentence a capitalised name that is also a word ("Hans mor ...", "Storm og regn")
counts only when another name follows it ("Hans Christian", "Per Mortensen").
"""

import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

from app.privacy.numbers import Hit

DATA = Path(__file__).resolve().parent / "data"
WORD = re.compile(r"[^\W\d_]+")
# Names in the lists that are also words of the text's language, likely at a sentence's
# start ("Hans mor" is "his mother"; in English "Hans" is a name and "Frank" may be a word).
AMBIGUOUS = {
    "da": {
        "hans", "per", "bo", "tom", "mark", "max", "sol", "storm", "lykke", "liv", "august",
        "frost", "rask", "bang", "vilde", "line", "gry", "kaj", "ravn", "due", "dam", "lund",
        "holm", "skov", "munk", "bonde", "fisker", "møller", "krog", "lind", "aske", "rene",
        "kamp", "hvid", "toft", "saga", "ane", "helle", "mai", "rosa", "else", "juul",
    },
    "en": {
        "frank", "mark", "max", "august", "storm", "frost", "bang", "dam", "else", "line",
        "per", "sol",
    },
}  # fmt: skip
SENTENCE_END = re.compile(r"(?:^|[.!?:;…\n])[\s\"'“”„«»(\[–—-]*$")
# A name in a fixed phrase that is no person: Sankt Hans (midsummer's eve).
NOT_A_PERSON = re.compile(r"(?:Sankt|Skt\.|Sct\.) $")
APOSTROPHE_GENITIVE = re.compile(r"['’](?:s)?(?![^\W\d_])")


def _listed_in(filename: str) -> frozenset[str]:
    lines = (DATA / filename).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip()[:1] not in ("", "#"))


@cache
def common_names() -> frozenset[str]:
    """First names and surnames from the lists, case-folded."""
    return _listed_in("first_names_da.txt") | _listed_in("surnames_da.txt")


def listed_parts(names: Iterable[str]) -> frozenset[str]:
    """Each part of each listed name (split at spaces and hyphens), case-folded: words are
    matched one by one and adjacent ones joined, so "Emma Nielsen" is found whole too."""
    parts: set[str] = set()
    for name in names:
        folded = name.casefold()
        parts.update(p for p in re.split(r"[\s-]+", folded) if len(p) > 1)
    return frozenset(parts)


def _base(word: str, known: frozenset[str]) -> str | None:
    """The name a word is, itself or in the genitive ("Emmas"), if it is in `known`."""
    folded = word.casefold()
    if folded in known:
        return folded
    if folded.endswith("s") and folded[:-1] in known:
        return folded[:-1]
    return None


def _sentence_initial(text: str, start: int) -> bool:
    return SENTENCE_END.search(text, max(0, start - 6), start) is not None


def person_names(text: str, listed: Iterable[str] = (), lang: str = "da") -> Iterator[Hit]:
    """Spans of names; adjacent names ("Emma Louise Jensen", "Anne-Sofie") make one span."""
    listed_set, common = listed_parts(listed), common_names()
    ambiguous = AMBIGUOUS.get(lang, AMBIGUOUS["da"])
    words = list(WORD.finditer(text))
    kinds: list[str | None] = []  # per word: "listed", "common", "maybe" or None
    for word in words:
        if _base(word[0], listed_set):
            kinds.append("listed")
            continue
        base = _base(word[0], common)
        capitalised = word[0][0].isupper() and word[0][1:].islower()
        if (
            not base
            or not capitalised
            or NOT_A_PERSON.search(text, max(0, word.start() - 7), word.start())
        ):
            kinds.append(None)
        elif base in ambiguous and _sentence_initial(text, word.start()):
            kinds.append("maybe")
        else:
            kinds.append("common")
    # A name that is also a word, first in its sentence, is a name if a name follows it.
    for i, kind in enumerate(kinds):
        if kind == "maybe":
            follows = i + 1 < len(kinds) and kinds[i + 1] in ("listed", "common")
            joined = follows and text[words[i].end() : words[i + 1].start()] in (" ", "-")
            kinds[i] = "common" if joined else None
    yield from _joined(text, words, kinds, ambiguous)


def _joined(
    text: str, words: list[re.Match[str]], kinds: list[str | None], ambiguous: set[str]
) -> Iterator[Hit]:
    i = 0
    while i < len(words):
        if kinds[i] is None:
            i += 1
            continue
        first = i
        while (
            i + 1 < len(words)
            and kinds[i + 1]
            and text[words[i].end() : words[i + 1].start()] in (" ", "-")
        ):
            i += 1
        end = words[i].end()
        genitive = APOSTROPHE_GENITIVE.match(text, end)
        if genitive and (words[i][0][-1] in "sxzSXZ" or genitive[0][1:] == "s"):
            end = genitive.end()
        in_span = kinds[first : i + 1]
        sure = "listed" in in_span or len(in_span) > 1
        if all(k == "listed" for k in in_span) and all(
            w[0].islower() and w[0].casefold() in ambiguous for w in words[first : i + 1]
        ):
            sure = False  # "bo", "liv" in lower case: listed, but likely the word
        yield words[first].start(), end, "high" if sure else "low"
        i += 1
