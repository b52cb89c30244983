"""Redaction: how well app/privacy finds what identifies a person in the Danish test set.

tests/data/redaction_da.jsonl, written before the detector: sentences as a caseworker and
a child would say them or a supervisor's feedback would write them, each with the names the
caseworker listed and what should be hidden. A find is right when its kind matches and its
span equals or covers an expected stretch. Per kind: precision, recall and the misses; the
names' recall split into listed names and names from the lists of common names. Targets:
recall >= 98 % for CPR numbers and for listed names. Stored in bench/results/redaction.md.

    .venv/bin/python bench/redaction.py [--no-save]

No models, no server: well under a second.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness import ROOT, command_line, parse, results

from app.privacy.names import listed_parts
from app.privacy.redaction import Found, Kind, find

SET = ROOT / "tests" / "data" / "redaction_da.jsonl"
TARGET = 0.98
LISTED, COMMON = "name (listed)", "name (common names)"


@dataclass
class Expected:
    kind: Kind
    start: int
    end: int
    text: str
    listed: bool = False


@dataclass
class Item:
    text: str
    names: list[str]
    expected: list[Expected] = field(default_factory=list)


def read_set(path: Path = SET) -> list[Item]:
    """The set's items, each expected stretch placed in its text (the n-th of equal ones
    is the n-th whole-word occurrence)."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        item, seen = Item(raw["text"], raw["names"]), {}
        parts = listed_parts(raw["names"])
        for entry in raw["expected"]:
            key = (entry["kind"], entry["text"])
            nth = seen[key] = seen.get(key, -1) + 1
            pattern = r"(?<!\w)" + re.escape(entry["text"]) + r"(?!\w)"
            match = list(re.finditer(pattern, item.text))[nth]
            words = re.findall(r"[^\W\d_]+", entry["text"].casefold())
            listed = any(w in parts or (w.endswith("s") and w[:-1] in parts) for w in words)
            item.expected.append(
                Expected(Kind(entry["kind"]), *match.span(), entry["text"], listed)
            )
        items.append(item)
    return items


def covers(found: Found, expected: Expected) -> bool:
    return (
        found.kind == expected.kind and found.start <= expected.start and found.end >= expected.end
    )


def group(expected: Expected) -> str:
    if expected.kind == Kind.name:
        return LISTED if expected.listed else COMMON
    return str(expected.kind)


@dataclass
class Tally:
    right: int = 0  # finds that cover an expected stretch
    found: int = 0
    covered: int = 0  # expected stretches covered
    expected: int = 0
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.covered / self.expected if self.expected else 1.0


def evaluate(items: list[Item]) -> dict[str, Tally]:
    """Per kind (and per group of names for recall) the counts, misses and wrong finds."""
    tallies = {str(kind): Tally() for kind in Kind} | {LISTED: Tally(), COMMON: Tally()}
    for item in items:
        found = find(item.text, names=item.names)
        for f in found:
            tally = tallies[str(f.kind)]
            tally.found += 1
            if any(covers(f, e) for e in item.expected):
                tally.right += 1
            else:
                tally.wrong.append(f'"{f.text}" in "{item.text}"')
        for e in item.expected:
            hit = any(covers(f, e) for f in found)
            for key in {str(e.kind), group(e)}:
                tallies[key].expected += 1
                tallies[key].covered += hit
                if not hit and key == group(e):
                    near = [
                        f"{f.kind} {f.text!r}" for f in found if f.start < e.end and f.end > e.start
                    ]
                    got = f" (found: {', '.join(near)})" if near else ""
                    tallies[key].misses.append(f'"{e.text}" in "{item.text}"{got}')
    return tallies


def report(items: list[Item], tallies: dict[str, Tally], seconds: float) -> str:
    cpr, listed = tallies[str(Kind.cpr)].recall, tallies[LISTED].recall
    verdict = "met" if min(cpr, listed) >= TARGET else "NOT met"
    lines = [
        "## Redaction: names and numbers found in the Danish test set",
        "",
        f"`tests/data/redaction_da.jsonl`: {len(items)} sentences, "
        f"{sum(len(i.expected) for i in items)} stretches to hide, "
        f"{sum(not i.expected for i in items)} sentences with none. Recall of CPR numbers "
        f"**{cpr:.1%}**, of listed names **{listed:.1%}** (target >= {TARGET:.0%}: {verdict}). "
        f"The set was written before the detector and committed on its own, but by the same "
        f"author: expect lower on text written by others and on real transcripts. Evaluated "
        f"in {seconds:.2f} s.",
        "",
        "A find is right when its kind matches and it equals or covers the expected "
        "stretch. Precision is per kind of find (names together); recall per kind, names "
        "split into those the caseworker listed and those from the lists of common names "
        "(found only when capitalised).",
        "",
        "| kind | precision | recall | finds | expected |",
        "|---|---|---|---|---|",
    ]
    for key, t in tallies.items():
        precision = f"{t.precision:.3f}" if key not in (LISTED, COMMON) else ""
        found = str(t.found) if key not in (LISTED, COMMON) else ""
        lines.append(f"| {key} | {precision} | {t.recall:.3f} | {found} | {t.expected} |")
    for key, t in tallies.items():
        if t.misses:
            lines += ["", f"Missed, {key}:", "", *(f"- {m}" for m in t.misses)]
    for key, t in tallies.items():
        if t.wrong:
            lines += ["", f"Found but not expected, {key}:", "", *(f"- {w}" for w in t.wrong)]
    return "\n".join(lines)


def main() -> None:
    args = parse(command_line(__doc__))
    started = time.perf_counter()
    items = read_set()
    tallies = evaluate(items)
    summary = report(items, tallies, time.perf_counter() - started)
    print(summary)
    results.store_markdown(args, "redaction", summary)


if __name__ == "__main__":
    main()
