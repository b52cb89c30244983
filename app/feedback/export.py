"""Feedback as a spreadsheet: one row per item and reply, in the reader's language."""

import csv
import io
from collections.abc import Iterator

from app.feedback.models import FeedbackKind, FeedbackPublic

CSV_COLUMNS = {
    "da": [
        "tid",
        "slut",
        "type",
        "kriterier",
        "forfatter",
        "status",
        "tekst",
        "svar_på",
        "oprettet",
        "redigeret",
    ],
    "en": [
        "time",
        "end",
        "kind",
        "criteria",
        "author",
        "status",
        "text",
        "reply_to",
        "created",
        "edited",
    ],
}
KIND_NAMES = {
    "da": {
        FeedbackKind.strength: "styrke",
        FeedbackKind.development_point: "udviklingspunkt",
        FeedbackKind.question: "spørgsmål",
    },
    "en": {
        FeedbackKind.strength: "strength",
        FeedbackKind.development_point: "development point",
        FeedbackKind.question: "question",
    },
}


def clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def _cell(value: str) -> str:
    """A cell starting with = + - @ would run as a formula in a spreadsheet."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(threads: list[FeedbackPublic], lang: str) -> Iterator[str]:
    """One row per item and reply, in time order; the criteria as the item was given them."""
    lang = lang if lang in CSV_COLUMNS else "da"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS[lang])
    status = {True: "kladde" if lang == "da" else "draft", False: ""}
    for thread in threads:
        for item in [thread, *thread.replies]:
            if item.deleted:
                continue
            names = "; ".join(c.name_da if lang == "da" else c.name_en for c in item.criteria)
            writer.writerow(
                [
                    clock(item.start_seconds if item.parent_id is None else thread.start_seconds),
                    clock(item.end_seconds),
                    KIND_NAMES[lang].get(item.kind, "") if item.kind else "",
                    _cell(names),
                    _cell(item.author_name or ""),
                    status[item.draft],
                    _cell(item.text),
                    str(item.parent_id or ""),
                    item.created_at.isoformat(timespec="seconds"),
                    item.edited_at.isoformat(timespec="seconds") if item.edited_at else "",
                ]
            )
    yield buffer.getvalue()
