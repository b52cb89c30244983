"""Street addresses: a Danish street name and a house number, with floor and postcode.

A street is a word ending in one of the usual endings (Nørrebrogade, Hjortevænget,
Strandvejen) or such an ending as a word of its own after capitalised words (Søndre Allé,
H.C. Andersens Boulevard). Without a house number a street is not taken: "ned ad
Vestergade" names a street, not where someone lives.
"""

import re
from collections.abc import Iterator

from app.privacy.numbers import Hit

ENDINGS = (
    "vej", "vejen", "gade", "gaden", "allé", "alle", "stræde", "strædet", "plads", "pladsen",
    "boulevard", "boulevarden", "vænge", "vænget", "park", "parken", "torv", "torvet", "sti",
    "stien", "have", "haven", "gård", "gården", "bakke", "bakken", "toft", "toften", "løkke",
    "løkken", "eng", "engen", "lund", "lunden", "vang", "vangen", "høj", "højen", "krog",
    "krogen", "hegn", "hegnet", "dal", "dalen", "mark", "marken", "holm", "holmen", "kær",
    "kæret", "ager", "ageren", "gyde", "kaj", "brygge", "ring", "ringen", "skov", "skoven",
)  # fmt: skip
# Written in lower case (speech recognition writes streets so) only these endings count:
# "legepladsen 3 gange" and "børnehave 4 dage" are not addresses.
LOWER_CASE_ENDINGS = {"vej", "vejen", "gade", "gaden", "allé", "stræde", "vænge", "vænget"}
# A street ending standing alone after the capitalised words of the name.
ENDING_WORDS = {"Allé", "Alle", "Plads", "Boulevard", "Vej", "Gade", "Torv", "Stræde", "Park"}
# Words with a street ending that are not streets (with or without the definite "-en").
NOT_STREETS = {
    word + definite
    for word in (
        "børnehave", "køkkenhave", "baghave", "forhave", "nyttehave", "kolonihave",
        "legeplads", "arbejdsplads", "parkeringsplads", "boldplads", "markedsplads",
        "motorvej", "omvej", "genvej", "landevej", "hovedvej", "sidevej", "skolevej",
        "cykelsti", "gågade", "sidegade", "forlystelsespark", "dyrepark", "skatepark",
        "vandpark", "naturpark", "danmark",
    )
    for definite in ("", "en", "n")
}  # fmt: skip
STREET_WORD = re.compile(
    rf"(?<![\w-])([^\W\d_]+?)({'|'.join(sorted(ENDINGS, key=len, reverse=True))})(?![\w-])",
    re.IGNORECASE,
)
ENDING_WORD = re.compile(rf"(?<![\w-])(?:{'|'.join(ENDING_WORDS)})(?![\w-])")
# Capitalised words before the street word: Gl. Kongevej, H.C. Andersens Boulevard.
PREFIX_WORD = re.compile(r"(?<![\w.])(?:(?:[A-ZÆØÅ]\.){1,3}|[A-ZÆØÅ][^\W\d_]*\.?) $")
NOT_PREFIXES = {
    "i", "på", "til", "fra", "hos", "ved", "og", "men", "så", "han", "hun", "de", "vi", "jeg",
    "du", "mor", "far", "adresse", "adressen", "er", "bor", "mod", "over", "bag", "om",
}  # fmt: skip
HOUSE_NUMBER = re.compile(
    r" \d{1,4}(?:[A-Ha-h]| [A-H])?(?![\w,.]\d|\w)"
    r"(?! (?:gange?|timer?|minutter|min|sekunder|dage?|uger?|måneder|år|km|m|meter|kr|"
    r"procent|stk|personer|børn|point)\b|%)"
)
FLOOR = re.compile(r",? ?(?:st|kl|\d{1,2})\.(?:,? ?(?:tv|th|mf|sal|\d{1,3})\b\.?)?")
POSTCODE_TOWN = re.compile(
    r",? [1-9]\d{3} [A-ZÆØÅ][^\W\d_]+(?:[ -](?:[A-ZÆØÅ][^\W\d_]+|[NSØVKC]{1,2}\b)){0,2}"
)


def _with_prefixes(text: str, start: int, need: int) -> int | None:
    """Where the street's name starts when capitalised words come before it (at least
    `need` of them); None if fewer."""
    taken = 0
    while taken < 3:
        match = PREFIX_WORD.search(text, max(0, start - 30), start)
        if not match or match.end() != start:
            break
        if match[0].strip(" .").casefold() in NOT_PREFIXES:
            break
        start, taken = match.start(), taken + 1
    return start if taken >= need else None


def _street_starts(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each street name."""
    for match in STREET_WORD.finditer(text):
        word, ending = match[0], match[2].casefold()
        if word.casefold() in NOT_STREETS:
            continue
        if word[0].isupper():
            start = _with_prefixes(text, match.start(), 0)
            yield (match.start() if start is None else start), match.end()
        elif ending in LOWER_CASE_ENDINGS and word.islower():
            yield match.start(), match.end()
    for match in ENDING_WORD.finditer(text):
        start = _with_prefixes(text, match.start(), 1)
        if start is not None:
            yield start, match.end()


def addresses(text: str) -> Iterator[Hit]:
    for start, end in _street_starts(text):
        number = HOUSE_NUMBER.match(text, end)
        if not number:
            continue
        end = number.end()
        extra = False
        for part in (FLOOR, POSTCODE_TOWN):
            match = part.match(text, end)
            if match:
                end, extra = match.end(), True
        yield start, end, "high" if extra else "low"
