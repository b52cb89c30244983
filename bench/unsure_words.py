"""Unsure words: where to put the threshold below which a word's probability marks it.

faster-whisper gives each word a probability; the recording page marks the words below
`SPARRING_UNSURE_WORD_PROBABILITY` (app/transcripts/unsure.py). This script hears our test
speech with the product's engine (`workers.speech.FasterWhisperEngine`, the product's
settings: batched pipeline, int8 on the CPU) and aligns each heard word with the reference
text (jiwer, after speech_audio's normalisation): a word is wrong when the alignment
substitutes it or inserts it. Then, for each threshold, per model and language:

    marked     the share of heard words below the threshold (what the page marks)
    recall     the share of the wrong words that are marked (how many errors a mark points to)
    precision  the share of the marked words that are wrong (how often a mark is right)

Speech: the tests' two sentences (tests/support/media.py SPEECH_DA / SPEECH_EN, espeak-ng)
and speech_audio's conversation (`--seconds` of it) in each language. Models: bundled-base
on Danish and English, bundled-tiny.en on English.

    .venv/bin/python bench/unsure_words.py [--seconds 300] [--quick]
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from harness import WORK, command_line, log, parse, results, server
from speech_audio import make_recording, normalise

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
RUNS = (("bundled-base", "da"), ("bundled-base", "en"), ("bundled-tiny.en", "en"))


def test_speech(lang: str) -> tuple[Path, str]:
    """The tests' short sentences (tests/support/media.py), spoken as the tests speak them."""
    from tests.support.media import SPEECH_DA, SPEECH_EN

    voice, text = ("en-us", SPEECH_EN) if lang == "en" else ("da", SPEECH_DA)
    path = WORK / f"unsure-speech-{lang}.wav"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", "150", "-w", str(path), text],
            check=True,
            capture_output=True,
        )
    return path, text


def heard_words(engine: Any, audio: Path, lang: str) -> list[tuple[str, float]]:
    """Every word the engine heard, with its probability, in order."""
    return [(w.text, w.probability) for seg in engine.transcribe(audio, lang) for w in seg.words]


def judged(reference: str, words: list[tuple[str, float]]) -> list[tuple[float, bool]]:
    """(probability, wrong) for each heard word: wrong where the alignment with the reference
    substitutes or inserts any part of it."""
    import jiwer

    tokens: list[int] = []  # for each normalised hypothesis token, its heard word
    for i, (text, _) in enumerate(words):
        tokens += [i] * len(normalise(text).split())
    hypothesis = " ".join(normalise(text) for text, _ in words).split()
    wrong = [False] * len(words)
    if hypothesis:
        out = jiwer.process_words(normalise(reference), " ".join(hypothesis))
        for chunk in out.alignments[0]:
            if chunk.type in ("substitute", "insert"):
                for h in range(chunk.hyp_start_idx, chunk.hyp_end_idx):
                    wrong[tokens[h]] = True
    # A word that normalises to nothing (a lone dash) is neither right nor wrong: left out.
    counted = {tokens[h] for h in range(len(tokens))}
    return [(p, wrong[i]) for i, (_, p) in enumerate(words) if i in counted]


def scores(words: list[tuple[float, bool]]) -> dict[str, Any]:
    """Marked share, recall and precision per threshold, and the probability medians."""
    import statistics

    wrong = [p for p, w in words if w]
    right = [p for p, w in words if not w]
    out: dict[str, Any] = {
        "words": len(words),
        "wrong": len(wrong),
        "median_right": round(statistics.median(right), 3) if right else None,
        "median_wrong": round(statistics.median(wrong), 3) if wrong else None,
        "thresholds": {},
    }
    for t in THRESHOLDS:
        marked = [w for p, w in words if p < t]
        hits = sum(marked)
        out["thresholds"][str(t)] = {
            "marked": round(len(marked) / len(words), 4) if words else 0.0,
            "recall": round(hits / len(wrong), 4) if wrong else None,
            "precision": round(hits / len(marked), 4) if marked else None,
        }
    return out


def pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.0%}"


def table(rows: dict[str, dict[str, Any]], chosen: float) -> str:
    head = "| speech, model | words | wrong | median p right / wrong |"
    head += "".join(f" p < {t}: marked / recall / precision |" for t in THRESHOLDS)
    lines = [head, "|" + "---|" * (4 + len(THRESHOLDS))]
    for name, r in rows.items():
        cells = [
            name,
            str(r["words"]),
            f"{r['wrong']} ({pct(r['wrong'] / r['words'] if r['words'] else None)})",
            f"{r['median_right']} / {r['median_wrong']}",
        ]
        for t in THRESHOLDS:
            s = r["thresholds"][str(t)]
            cell = f"{pct(s['marked'])} / {pct(s['recall'])} / {pct(s['precision'])}"
            cells.append(f"**{cell}**" if t == chosen else cell)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--seconds", type=float, default=300.0, help="conversation per language")
    args = parse(parser, seconds=60.0)
    data = WORK / "unsure-data"  # the joined bundled base model stays here between runs
    data.mkdir(parents=True, exist_ok=True)
    server.use_in_process(data, "SPARRING_WHISPER")

    from app.core.config import Settings
    from workers import speech

    settings = Settings()
    chosen = settings.unsure_word_probability
    speech_by_lang = {}
    for lang in ("da", "en"):
        conversation = make_recording(lang, args.seconds, quiet=True)
        speech_by_lang[lang] = [
            ("test sentences", *test_speech(lang)),
            (
                f"conversation {conversation.duration:.0f} s",
                conversation.wav,
                conversation.reference,
            ),
        ]
    rows: dict[str, dict[str, Any]] = {}
    for model, lang in RUNS:
        engine = speech.FasterWhisperEngine(settings, model)
        everything: list[tuple[float, bool]] = []
        for what, audio, reference in speech_by_lang[lang]:
            log(f"{model} on {lang} {what} ...")
            words = judged(reference, heard_words(engine, audio, lang))
            rows[f"{lang} {what}, {model}"] = scores(words)
            everything += words
        rows[f"{lang} all, {model}"] = scores(everything)
        engine.release()
    at = {name: r["thresholds"][str(chosen)] for name, r in rows.items()}
    summary = (
        f"Engine: workers.speech.FasterWhisperEngine, the product's settings "
        f"({settings.whisper_device}, {settings.whisper_compute_type}, batch size "
        f"{settings.whisper_batch_size}); speech: espeak-ng (tests' sentences and "
        f"speech_audio's conversation). A word is wrong where the alignment with the reference "
        f"substitutes or inserts it. Cells: marked share of the heard words / recall (wrong "
        f"words marked) / precision (marked words wrong); the setting's threshold "
        f"(SPARRING_UNSURE_WORD_PROBABILITY = {chosen}) in bold.\n\n" + table(rows, chosen)
    )
    results.report(
        args,
        "unsure_words",
        {"threshold": chosen, "seconds": args.seconds, "rows": rows, "at_threshold": at},
        summary,
    )


if __name__ == "__main__":
    main()
