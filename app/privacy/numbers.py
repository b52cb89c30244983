"""CPR numbers, phone numbers and e-mail addresses, found by their form.

Each finder gives (start, end, confidence) character spans; app/privacy/redaction.py makes
them into `Found`s and settles overlaps.
"""

import re
from collections.abc import Iterator

Hit = tuple[int, int, str]  # start, end, "high" or "low"

# A run of digit groups joined by single spaces, dashes, dots or slashes, taken whole: a
# CPR or phone number is the whole run or nothing, so none is found inside an account
# number, a case reference (SAG-2026-001) or a journal number (27.24.00-G01-1-26).
DIGIT_RUN = re.compile(r"(?<![\w+\-/.])\+?\d++(?:[ \-./]\d++)*+(?![\w\-/.]\w|\w)")

CPR_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
# How a CPR number is written: 120314-2028, 1203142028, 120314 2028, 12.03.14-2028, and
# digit groups from speech recognition (12 03 14 20 28, 120314 20 28).
CPR_SHAPES = {
    ((10,), ()),
    ((6, 4), ("-",)),
    ((6, 4), (" ",)),
    ((6, 2, 2), (" ", " ")),
    ((2, 2, 2, 4), (" ", " ", "-")),
    ((2, 2, 2, 4), (" ", " ", " ")),
    ((2, 2, 2, 4), (".", ".", "-")),
    ((2, 2, 2, 2, 2), (" ", " ", " ", " ")),
}
PHONE_SHAPES = {((8,), ()), ((4, 4), (" ",)), ((2, 2, 2, 2), (" ", " ", " "))}
# Words just before a number that make it a reference, not a phone number.
REFERENCE_BEFORE = re.compile(
    r"\b(?:sags|journal|j\.|cvr|se-|p-|konto|reg|ordre|faktura|kunde|medlems|ref|id)"
    r"\S*\s*(?:nr\.?|nummer)?[.:]?\s*$",
    re.IGNORECASE,
)
AMOUNT_AFTER = re.compile(r" ?(?:kr\b|kroner|dkk|euro|%)", re.IGNORECASE)
PHONE_BEFORE = re.compile(r"\b(?:tlf|telefon|mobil|nummer|nr|ring|sms)", re.IGNORECASE)


def cpr_checksum_holds(digits: str) -> bool:
    """The modulus-11 rule (python-stdnum's `dk.cpr`): the digits, weighted 4 3 2 7 6 5 4 3
    2 1, sum to a multiple of 11. Numbers issued since 2007 need not satisfy it."""
    return sum(int(d) * w for d, w in zip(digits, CPR_WEIGHTS, strict=True)) % 11 == 0


def _shape(run: str) -> tuple[tuple[int, ...], tuple[str, ...]]:
    parts = re.split(r"([ \-./])", run)
    return tuple(len(p) for p in parts[::2]), tuple(parts[1::2])


def _is_cpr(run: str) -> bool:
    if _shape(run) not in CPR_SHAPES:
        return False
    digits = re.sub(r"\D", "", run)
    day, month = int(digits[:2]), int(digits[2:4])
    return 1 <= day <= 31 and 1 <= month <= 12


def _is_phone(run: str) -> bool:
    """A Danish phone number: eight digits, grouped or not, +45 or 0045 before them or not."""
    national = re.sub(r"^(?:\+45|0045)(?: |(?=\d{8}$))", "", run)
    if _shape(national) not in PHONE_SHAPES or national[0] in "01":
        return False  # eight-digit numbers start at 2; those at 1 are short numbers (112)
    halves = national.split(" ")
    return not (len(halves) == 2 and all(re.fullmatch(r"(?:19|20)\d\d", h) for h in halves))


def cprs_and_phones(text: str) -> Iterator[tuple[str, Hit]]:
    """("cpr" or "phone", hit) for each digit run that is one."""
    for run in DIGIT_RUN.finditer(text):
        start, end = run.span()
        if _is_cpr(run[0]):
            checked = cpr_checksum_holds(re.sub(r"\D", "", run[0]))
            yield "cpr", (start, end, "high" if checked else "low")
        elif (
            _is_phone(run[0])
            and not REFERENCE_BEFORE.search(text[max(0, start - 30) : start])
            and not AMOUNT_AFTER.match(text, end)
        ):
            before = text[max(0, start - 25) : start]
            sure = run[0].startswith(("+", "00")) or PHONE_BEFORE.search(before)
            yield "phone", (start, end, "high" if sure else "low")


EMAIL = re.compile(
    r"(?<![\w.+\-])[\w+\-]+(?:\.[\w+\-]+)*@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}(?!\w)"
)


def emails(text: str) -> Iterator[Hit]:
    for match in EMAIL.finditer(text):
        yield match.start(), match.end(), "high"
