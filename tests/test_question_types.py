"""Question types of the adult's utterances (app/insight/questions.py), their agreement
figures (app/insight/agreement.py) and `videosparring questions classify`.

The labelled sets live in tests/data/; the held-out Danish set was committed before the
rules were written and is never tuned on (bench/question_types.py reports on all of them).
"""

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from app.insight.agreement import (
    cohens_kappa,
    confusion_matrix,
    macro_f1,
    precision_recall_f1,
)
from app.insight.questions import QuestionType, classify, classify_many, read_labelled

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
HELD_OUT = DATA / "questions_da_heldout.tsv"


def scored(path: Path, lang: str, *, with_child: bool = True) -> float:
    examples = read_labelled(path)
    predicted = [
        classify(e.utterance, lang=lang, child_before=e.child_before if with_child else None)
        for e in examples
    ]
    return macro_f1([e.label for e in examples], predicted, list(QuestionType))


def test_the_held_out_danish_set_reaches_the_target() -> None:
    assert scored(HELD_OUT, "da") >= 0.80


def test_the_held_out_danish_set_as_single_utterances_reaches_the_target() -> None:
    """Without the child's turn (as a set of single utterances comes): target 0.75."""
    assert scored(HELD_OUT, "da", with_child=False) >= 0.75


def test_a_second_authors_single_utterances_reach_the_target() -> None:
    """46 single utterances written by someone else, after the rules were done: the closest
    we have here to the unseen set the issue names (target 0.75)."""
    assert scored(DATA / "questions_da_second_author.tsv", "da", with_child=False) >= 0.75


def test_the_tuning_and_english_sets_score() -> None:
    assert scored(DATA / "questions_da.tsv", "da") >= 0.80
    assert scored(DATA / "questions_en.tsv", "en") >= 0.80


@pytest.mark.parametrize(
    ("name", "at_least"),
    [("questions_da_heldout.tsv", 70), ("questions_da.tsv", 150), ("questions_en.tsv", 60)],
)
def test_each_set_has_every_type(name: str, at_least: int) -> None:
    examples = read_labelled(DATA / name)
    counts = Counter(e.label for e in examples)
    assert len(examples) >= at_least
    assert set(counts) == set(QuestionType)
    assert min(counts.values()) >= 8, counts


@pytest.mark.parametrize(
    ("utterance", "expected"),
    [
        ("Fortæl mig om din weekend.", "invitation"),
        ("og hvad skete der så", "invitation"),
        ("Kan du prøve at fortælle mig om det?", "invitation"),
        ("Du nævnte din lærer. Fortæl mig mere om hende.", "cued_invitation"),
        ("hvornår kom han hjem", "directive"),
        ("Okay, og hvor var din mor?", "directive"),
        ("Rørte han ved dig?", "option_posing"),
        ("var det en dreng eller en pige", "option_posing"),
        ("Kan du huske, hvad han sagde?", "option_posing"),
        ("Du savner din mor, gør du ikke?", "suggestive"),
        ("det gjorde ondt ikke", "suggestive"),
        ("Var du ikke bange?", "suggestive"),
        ("Så han slog dig?", "suggestive"),
        ("Det må have været svært.", "suggestive"),
        ("mhm ja", "facilitator"),
        ("Jeg forstår godt.", "facilitator"),
        ("På dit værelse.", "facilitator"),
        ("Vi holder en pause nu.", "none"),
        ("Du må gerne tegne mens vi snakker", "none"),
        ("", "none"),
        ("  ... ", "none"),
    ],
)
def test_danish_examples(utterance: str, expected: str) -> None:
    assert classify(utterance, lang="da") == expected


@pytest.mark.parametrize(
    ("utterance", "expected"),
    [
        ("Tell me about your weekend.", "invitation"),
        ("and then what", "invitation"),
        ("You said your mom got mad. Tell me more about that.", "cued_invitation"),
        ("so where were you", "directive"),
        ("Did he hit you?", "option_posing"),
        ("Was it a boy or a girl?", "option_posing"),
        ("You miss your mom, don't you?", "suggestive"),
        ("it hurt didn't it", "suggestive"),
        ("I bet you were scared.", "suggestive"),
        ("uh huh", "facilitator"),
        ("In your room.", "facilitator"),
        ("We'll take a break now.", "none"),
    ],
)
def test_english_examples(utterance: str, expected: str) -> None:
    assert classify(utterance, lang="en") == expected


def test_a_cued_invitation_is_known_by_the_childs_words_before_it() -> None:
    prompt = "Fortæl mig alt om sommerhuset"
    assert classify(prompt, lang="da", child_before="vi boede i et sommerhus") == "cued_invitation"
    assert classify(prompt, lang="da", child_before="jeg kan godt lide is") == "invitation"
    assert classify(prompt, lang="da") == "invitation"
    english = "Tell me everything about the lake."
    assert classify(english, lang="en", child_before="we swam in the lake") == "cued_invitation"
    assert classify(english, lang="en") == "invitation"


def test_saying_the_childs_words_back_is_a_facilitator() -> None:
    echo = "Du bor hos din far i weekenderne."
    assert classify(echo, lang="da", child_before="jeg bor hos min far i weekenderne") == (
        "facilitator"
    )
    assert classify(echo, lang="da", child_before="jeg kan godt lide fodbold") == "none"


def test_classify_many_keeps_the_order() -> None:
    pairs = [(None, "mm"), ("han råbte", "Var du bange?"), (None, "hvem var der")]
    assert classify_many(pairs, lang="da") == ["facilitator", "option_posing", "directive"]


def test_an_unsupported_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language 'sv'"):
        classify("Hur mår du?", lang="sv")


# Agreement ------------------------------------------------------------------------------


def test_cohens_kappa_against_a_hand_computed_example() -> None:
    """50 items: both yes 20, a yes b no 5, a no b yes 10, both no 15. Observed 35/50 = 0.7;
    a says yes 25/50, b 30/50: chance 0.5 * 0.6 + 0.5 * 0.4 = 0.5; (0.7 - 0.5) / 0.5 = 0.4."""
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohens_kappa(a, b) == pytest.approx(0.4)
    assert cohens_kappa(b, a) == pytest.approx(0.4)


def test_cohens_kappa_of_three_question_types() -> None:
    """Machine vs supervisor on 6 items: 3 agree (observed 1/2); the machine gave
    invitation 3, directive 2, option_posing 1, the supervisor 2, 2, 2: chance
    (3*2 + 2*2 + 1*2) / 36 = 1/3; kappa = (1/2 - 1/3) / (2/3) = 0.25."""
    machine = ["invitation", "invitation", "invitation", "directive", "directive", "option_posing"]
    supervisor = [
        "invitation",
        "invitation",
        "option_posing",
        "directive",
        "option_posing",
        "directive",
    ]
    assert sum(m == s for m, s in zip(machine, supervisor, strict=True)) == 3
    assert cohens_kappa(machine, supervisor) == pytest.approx(0.25)


def test_cohens_kappa_edges() -> None:
    assert cohens_kappa(["a", "b", "a"], ["a", "b", "a"]) == pytest.approx(1.0)
    assert cohens_kappa(["a", "a"], ["a", "a"]) == 1.0  # chance agreement certain: full
    assert cohens_kappa(["a", "b"], ["b", "a"]) == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        cohens_kappa([], [])
    with pytest.raises(ValueError):
        cohens_kappa(["a"], ["a", "b"])


def test_precision_recall_f1_and_the_confusion_matrix() -> None:
    truth = ["inv", "inv", "dir", "dir", "opt"]
    predicted = ["inv", "dir", "dir", "dir", "inv"]
    scores = precision_recall_f1(truth, predicted, ["inv", "dir", "opt"])
    assert (scores["inv"].precision, scores["inv"].recall) == (0.5, 0.5)
    assert scores["dir"].precision == pytest.approx(2 / 3)
    assert scores["dir"].recall == 1.0
    assert scores["dir"].f1 == pytest.approx(0.8)
    assert (scores["opt"].precision, scores["opt"].recall, scores["opt"].f1) == (0.0, 0.0, 0.0)
    assert scores["opt"].support == 1
    assert macro_f1(truth, predicted, ["inv", "dir", "opt"]) == pytest.approx((0.5 + 0.8) / 3)
    assert confusion_matrix(truth, predicted, ["inv", "dir", "opt"]) == [
        [1, 1, 0],
        [0, 2, 0],
        [1, 0, 0],
    ]


# The command ----------------------------------------------------------------------------


def run_cli(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "questions", "classify", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def test_the_command_labels_each_line_in_order() -> None:
    lines = [
        "Fortæl mig om din skole",
        "",
        "vi var i sommerhuset\tFortæl mig alt om sommerhuset",
        "Var du bange?",
        "   ",
        "mm",
        "hvem var der",
    ]
    done = run_cli("--lang", "da", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "invitation",
        "none",
        "cued_invitation",
        "option_posing",
        "none",
        "facilitator",
        "directive",
    ]


def test_the_command_in_english_and_without_a_last_newline() -> None:
    done = run_cli("--lang", "en", stdin="Did it hurt?\nYou said a dog. Tell me more")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["option_posing", "cued_invitation"]


def test_the_command_refuses_an_unsupported_language() -> None:
    done = run_cli("--lang", "sv", stdin="Hur mår du?\n")
    assert done.returncode != 0
    assert done.stdout == ""
    assert "--lang" in done.stderr and "invalid choice: 'sv'" in done.stderr
    assert "'da', 'en'" in done.stderr
