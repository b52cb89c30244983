"""WebVTT, SRT and plain text from the corrected transcript."""

from collections.abc import Sequence

from app.core.i18n import N_, translate
from app.transcripts.models import Segment

SPEAKER_LABELS = {
    "caseworker": N_("Caseworker"),
    "child": N_("Child"),
    "other": N_("Other"),
}


def _stamp(seconds: float, sep: str) -> str:
    millis = max(int(round(seconds * 1000)), 0)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{ms:03d}"


def _speaker(segment: Segment, lang: str) -> str | None:
    return translate(SPEAKER_LABELS[segment.speaker], lang) if segment.speaker else None


def _cue_text(text: str) -> str:
    # A blank line or "-->" inside a cue would end or break it.
    return " ".join(text.split()).replace("-->", "->")


def to_webvtt(segments: Sequence[Segment], lang: str = "da") -> str:
    lines = ["WEBVTT", ""]
    for seg in segments:
        text = _cue_text(seg.text).replace("&", "&amp;").replace("<", "&lt;")
        speaker = _speaker(seg, lang)
        if speaker:
            text = f"<v {speaker}>{text}"
        lines += [f"seg-{seg.position + 1}", f"{_stamp(seg.start, '.')} --> {_stamp(seg.end, '.')}"]
        lines += [text, ""]
    return "\n".join(lines)


def to_srt(segments: Sequence[Segment], lang: str = "da") -> str:
    blocks = []
    for number, seg in enumerate(segments, start=1):
        speaker = _speaker(seg, lang)
        text = _cue_text(seg.text)
        if speaker:
            text = f"{speaker}: {text}"
        blocks.append(f"{number}\n{_stamp(seg.start, ',')} --> {_stamp(seg.end, ',')}\n{text}\n")
    return "\n".join(blocks)


def to_text(segments: Sequence[Segment], lang: str = "da") -> str:
    lines = []
    for seg in segments:
        speaker = _speaker(seg, lang)
        stamp = _stamp(seg.start, ".")[:8]
        lines.append(f"[{stamp}] {speaker + ': ' if speaker else ''}{_cue_text(seg.text)}")
    return "\n".join(lines) + "\n"
