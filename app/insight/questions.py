"""The adult's utterances sorted into the NICHD protocol's question types, by rules over
words, in Danish and English.

Transparent on purpose: a supervisor who disagrees with a label can see which rule gave it
and correct it. The rules read one utterance (and, where known, the child's turn just
before it), looking first at the sentence that asks, in this order:

1. only small confirmations ("mm", "okay", "jeg forstår")         -> facilitator
2. a signal of the expected answer: a tag ("..., ikke?"), a negated
   yes/no question ("Var det ikke ..."), a presumption ("må have")  -> suggestive
3. an open prompt ("fortæl", "hvad skete der så", "og så?")         -> invitation, or
   cued_invitation where it reuses the child's words or says so ("du sagde ...")
4. a wh-word first ("hvem", "hvor", "hvornår", ...)                 -> directive
5. verb first ("Var du bange?") or either/or with a question mark  -> option_posing
6. a statement asked as a question ("Så du var ked af det?")        -> suggestive
7. the child's words said back, or a short reflection               -> facilitator
8. anything else (greetings, framing, instructions)                 -> none

Speech recognition often drops punctuation and capitals, so every rule also works on bare
lower-case words; a question mark, where there is one, only adds certainty.
"""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from app.insight.question_words import DANISH, ENGLISH, Words


class QuestionType(StrEnum):
    invitation = "invitation"
    cued_invitation = "cued_invitation"
    directive = "directive"
    option_posing = "option_posing"
    suggestive = "suggestive"
    facilitator = "facilitator"
    none = "none"


RULES: dict[str, Words] = {"da": DANISH, "en": ENGLISH}
LANGUAGES = tuple(RULES)

# A word: letters and digits, with inner apostrophes and hyphens ("didn't", "mm-hm").
WORD = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*")


@dataclass(frozen=True)
class Sentence:
    words: tuple[str, ...]
    asks: bool  # ended with a question mark
    last_clause: tuple[str, ...]  # the words after the last comma: where tags sit


@dataclass(frozen=True)
class Utterance:
    sentences: tuple[Sentence, ...]
    text: str  # all words, lower-case, one space apart
    child: tuple[str, ...]  # the child's preceding turn, as words

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.text.split())


def words_of(text: str) -> tuple[str, ...]:
    text = text.lower().replace("’", "'").replace("`", "'")
    return tuple(WORD.findall(text))


def parse(utterance: str, child_before: str | None) -> Utterance:
    """Sentences split at . ? ! (one sentence where speech recognition left none)."""
    sentences = []
    for match in re.finditer(r"[^.?!…]+[.?!…]*", utterance):
        chunk = match.group()
        words = words_of(chunk)
        if words:
            last_clause = words_of(chunk.rsplit(",", 1)[-1]) if "," in chunk else words
            sentences.append(Sentence(words, "?" in chunk, last_clause))
    text = " ".join(word for sentence in sentences for word in sentence.words)
    return Utterance(tuple(sentences), text, words_of(child_before or ""))


def asking_sentence(utterance: Utterance, rules: Words) -> Sentence:
    """The sentence that asks: the last with a question mark, else the last that is more
    than small confirmations ("Hun lukkede døren. Mm." asks nothing; its first part counts)."""
    sentences = utterance.sentences
    for sentence in reversed(sentences):
        if sentence.asks:
            return sentence
    for sentence in reversed(sentences):
        if not only_confirmations(sentence.words, rules):
            return sentence
    return sentences[-1]


def without_lead_in(words: tuple[str, ...], rules: Words) -> tuple[str, ...]:
    """The words after a leading "og", "okay", "men", ...: "Okay, hvem var der?" asks who."""
    start = 0
    while start < len(words) - 1 and words[start] in rules.lead_ins:
        start += 1
    return words[start:]


def only_confirmations(words: tuple[str, ...], rules: Words) -> bool:
    text = " ".join(words)
    for phrase in rules.confirmation_phrases:
        text = re.sub(rf"\b{phrase}\b", " ", text)
    return all(word in rules.confirmations for word in text.split())


def stem_match(a: str, b: str) -> bool:
    """The same word, or one inflected from the other ("mand"/"manden", "krisecenter"/
    "krisecentret"): a long shared beginning. Short words must match exactly."""
    if a == b:
        return True
    shortest = min(len(a), len(b))
    if shortest < 4:
        return False
    shared = 0
    while shared < shortest and a[shared] == b[shared]:
        shared += 1
    return shared >= max(4, shortest - 2)


def content_words(words: Iterable[str], rules: Words) -> list[str]:
    return [w for w in words if w not in rules.stopwords and len(w) > 1 and not w.isdigit()]


def reused_words(words: Iterable[str], child: Iterable[str], rules: Words) -> list[str]:
    """The adult's content words that the child said just before."""
    theirs = content_words(child, rules)
    return [w for w in content_words(words, rules) if any(stem_match(w, c) for c in theirs)]


def is_verb_first(words: tuple[str, ...], rules: Words) -> bool:
    """A yes/no question's shape: a finite verb, then its subject ("Var du", "Skete det")."""
    if len(words) < 2 or words[0] in rules.not_verbs:
        return False
    if words[0] in rules.question_verbs:
        return True
    return words[1] in rules.subjects and looks_finite(words[0], rules)


def looks_finite(word: str, rules: Words) -> bool:
    return word in rules.question_verbs or looks_past(word, rules)


def subject_length(words: tuple[str, ...], rules: Words) -> int:
    """How many words the subject at the start takes: "han" 1, "din mor" 2, else 0."""
    if words and words[0] in rules.possessives and len(words) > 1:
        return 2
    if words and words[0] in rules.subjects:
        return 1
    return 0


def is_suggestive(utterance: Utterance, sentence: Sentence, rules: Words) -> bool:
    """A tag, a negated yes/no question, or a presumption signals the answer wanted."""
    words = without_lead_in(sentence.words, rules)
    if any(re.search(pattern, utterance.text) for pattern in rules.presumptions):
        return True
    if has_tag(words, sentence, rules):
        return True
    # "Var det ikke din onkel?", "Didn't he touch you?": the question leans on the yes.
    if words and words[0] in rules.negated_question_starts:
        return True
    if is_verb_first(words, rules) and rules.negation in words[1:4]:
        return True
    return is_presuming_so(words, rules)


def has_tag(words: tuple[str, ...], sentence: Sentence, rules: Words) -> bool:
    """ "..., ikke?", "..., gjorde han ikke?", "you were scared weren't you"."""
    if len(words) < 3 or is_verb_first(words, rules):
        return False
    after_comma = sentence.last_clause != sentence.words
    last = words[-1]
    if last in rules.clipped_tags or (
        after_comma and len(sentence.last_clause) == 1 and last in rules.tag_words
    ):
        return True
    # A bare "ikke" at the end is a tag after a complement ("du blev bange ikke"), a
    # negation after a pronoun or a verb ("jeg ved det ikke").
    if last in rules.tag_words and words[-2] not in rules.tag_blockers:
        return True
    if " ".join(words[-2:]) in rules.tag_phrases:
        return True
    # A tag clause: an auxiliary and a pronoun ("har du?", "er det ikke", "weren't you");
    # without a comma before it only a negated one, as a statement can end "... har du".
    negated = last == rules.negation
    clause = words[-3:-1] if negated else words[-2:]
    negated = negated or clause[0].endswith("n't")
    return (
        clause[0] in rules.tag_verbs
        and clause[1] in rules.tag_pronouns
        and (negated or (after_comma and len(sentence.last_clause) == 2))
    )


def is_invitation(words: tuple[str, ...], rules: Words) -> bool:
    """An open prompt in the sentence that asks ("Du sagde X. Fortæl mere." invites)."""
    text = " ".join(words)
    return any(re.search(pattern, text) for pattern in rules.invitations)


def is_cued(utterance: Utterance, rules: Words) -> bool:
    """Says it takes up the child's words ("du sagde ..."), or reuses them."""
    if any(re.search(pattern, utterance.text) for pattern in rules.cues):
        return True
    if not utterance.child:
        # Without the child's turn: "mere om hunden" names something already said, and
        # "Han kom hjem sent. Fortæl mere." says the child's words back before inviting.
        told = any(
            retells(without_lead_in(s.words, rules), rules) for s in utterance.sentences[:-1]
        )
        return told or bool(re.search(rules.more_about, utterance.text))
    return bool(reused_words(utterance.words, utterance.child, rules))


def is_directive(words: tuple[str, ...], sentence: Sentence, rules: Words) -> bool:
    """A wh-word first, or first in the clause that asks ("Og din lærer, hvad sagde hun?")."""
    if words and words[0] in rules.wh_words:
        return True
    if len(words) > 1 and words[0] in rules.so_words and words[1] in rules.wh_words:
        return True  # "så hvor var du?"
    if is_verb_first(words, rules):
        return False  # "Kan du huske, hvem der var der?" asks yes or no
    clause = without_lead_in(sentence.last_clause, rules)
    return sentence.asks and bool(clause) and clause[0] in rules.wh_words


def is_option_posing(words: tuple[str, ...], sentence: Sentence, rules: Words) -> bool:
    if is_verb_first(words, rules):
        return True
    # "Det var din mor eller din far?": a choice offered is a closed question too.
    return sentence.asks and rules.either_or in words


def is_declarative_question(words: tuple[str, ...], sentence: Sentence, rules: Words) -> bool:
    """A statement with a question mark ("Du blev slået?") presumes its content."""
    if words and words[0] in rules.so_words:
        words = words[1:]
    return sentence.asks and subject_length(words, rules) > 0 and len(words) > 2


def is_presuming_so(words: tuple[str, ...], rules: Words) -> bool:
    """ "Så han truede dig?": "so" + subject + verb states the answer for the child."""
    if not words or words[0] not in rules.so_words:
        return False
    rest = words[1:]
    length = subject_length(rest, rules)
    return length > 0 and len(rest) > length and looks_finite(rest[length], rules)


def is_reflection(utterance: Utterance, sentence: Sentence, rules: Words) -> bool:
    """The child's words said back: all the adult's content words came from the child; with
    no child turn known, a short phrase or a past-tense statement about the child's story."""
    if utterance.child:
        own = content_words(utterance.words, rules)
        return bool(own) and len(reused_words(utterance.words, utterance.child, rules)) == len(own)
    words = without_lead_in(sentence.words, rules)
    if words[0] in rules.prepositions and len(words) <= 4:
        return True  # "i svømmehallen", "to the park"
    return retells(words, rules)


def retells(words: tuple[str, ...], rules: Words) -> bool:
    """A past-tense statement about someone in the story, not the adult's own framing: "Du
    var ked af det", "Mor råbte", "Så gik I i seng"."""
    if any(word in rules.framing_words for word in words) or rules.negation in words:
        return False
    if len(words) > 2 and words[0] in rules.so_words and looks_past(words[1], rules):
        return subject_length(words[2:], rules) > 0  # "så gik I i seng"
    length = subject_length(words, rules)
    return 0 < length < len(words) and looks_past(words[length], rules)


def looks_past(word: str, rules: Words) -> bool:
    return word in rules.past_verbs or bool(rules.past_ending.fullmatch(word))


def classify(utterance: str, *, lang: str, child_before: str | None = None) -> QuestionType:
    """The question type of one adult utterance; child_before is the child's turn before."""
    if lang not in RULES:
        raise ValueError(f"unsupported language {lang!r}: use one of {', '.join(RULES)}")
    rules = RULES[lang]
    parsed = parse(utterance, child_before)
    if not parsed.sentences:
        return QuestionType.none
    if only_confirmations(parsed.words, rules):
        return QuestionType.facilitator
    sentence = asking_sentence(parsed, rules)
    words = without_lead_in(sentence.words, rules)
    if is_suggestive(parsed, sentence, rules):
        return QuestionType.suggestive
    if is_invitation(words, rules):
        return QuestionType.cued_invitation if is_cued(parsed, rules) else QuestionType.invitation
    if is_directive(words, sentence, rules):
        return QuestionType.directive
    if is_option_posing(words, sentence, rules):
        return QuestionType.option_posing
    if is_declarative_question(words, sentence, rules):
        return QuestionType.suggestive
    if is_reflection(parsed, sentence, rules):
        return QuestionType.facilitator
    return QuestionType.none


def classify_many(utterances: Iterable[tuple[str | None, str]], *, lang: str) -> list[QuestionType]:
    """classify() for (child_before, utterance) pairs, in order."""
    return [classify(text, lang=lang, child_before=child) for child, text in utterances]


@dataclass(frozen=True)
class Labelled:
    label: QuestionType
    child_before: str | None
    utterance: str


def read_labelled(path: Path) -> list[Labelled]:
    """A labelled set: tab-separated `label`, `child_before` (may be empty), `utterance`."""
    with path.open(encoding="utf-8", newline="") as file:
        rows = csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Labelled(QuestionType(row["label"]), row["child_before"] or None, row["utterance"])
            for row in rows
        ]
