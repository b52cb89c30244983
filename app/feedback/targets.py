"""Where feedback is read and given: a *target*.

The recording itself (individual sparring: its caseworker and whoever the whole recording is
shared with), or a window onto it with a place of its own: a clip, or a team session on the
whole recording. Times going in and out of a target are the target's own (a clip starts at
0); the items are stored at recording times. The routes resolve a target through
`app.access.policy` before anything here runs, so a target in hand is one the reader may see.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.accounts.subject import Subject
from app.core.errors import BadInput
from app.core.i18n import N_, Tenths
from app.feedback.models import Place
from app.recordings.models import Recording


@dataclass(frozen=True)
class Target:
    recording: Recording
    place: Place = Place.recording
    place_id: int | None = None  # the clip's or the session's id
    start: float = 0.0  # the window, in recording time
    end: float | None = None  # None: the recording's end
    page: str = ""  # its page: /recordings/{id}, /clips/{id} or /sessions/{id}
    audit_kind: str = "feedback"  # the viewing kind its reads count as (app.audit.viewing)
    audit_prefix: str = ""  # what its audit entries name ("clip 7 ")
    # How its texts are shown to this reader: names and numbers hidden where the reader gets
    # a clip's protected variant (a team); None: as written.
    redact: Callable[[str], str] | None = None

    def shown(self, text: str) -> str:
        return self.redact(text) if self.redact is not None and text else text

    @classmethod
    def of_recording(cls, recording: Recording, *, page: str = "") -> "Target":
        return cls(recording=recording, page=page or f"/recordings/{recording.id}")

    @property
    def pages(self) -> str:
        """Where its forms post and its fragments come from."""
        return f"{self.page}/feedback"

    @property
    def api(self) -> str:
        return f"/api/v1{self.page}/feedback"

    @property
    def window_end(self) -> float:
        return float(self.recording.duration_seconds) if self.end is None else self.end

    @property
    def length(self) -> float:
        return round(self.window_end - self.start, 3)

    @property
    def is_window(self) -> bool:
        return self.place != Place.recording

    @property
    def clip_id(self) -> int | None:
        return self.place_id if self.place == Place.clip else None

    @property
    def session_id(self) -> int | None:
        return self.place_id if self.place == Place.session else None

    def to_recording(self, start: float, end: float | None) -> tuple[float, float | None]:
        """The target's times as recording times; a time outside it is refused."""
        length = self.length
        for t in (start, end):
            if t is not None and not 0 <= round(t, 3) <= length:
                if self.clip_id is not None:
                    raise BadInput(
                        N_("The time lies outside the clip, which lasts %(duration)s seconds."),
                        code="clip.feedback_outside",
                        duration=Tenths(length),
                    )
                raise BadInput(
                    N_("The time lies outside the recording, which lasts %(duration)s seconds."),
                    code="feedback.outside_recording",
                    duration=Tenths(length),
                )
        return self.start + start, None if end is None else self.start + end

    def from_recording(self, seconds: float | None) -> float | None:
        """A recording time as a time in the target, kept inside it."""
        if seconds is None or not self.is_window:
            return seconds
        return round(min(max(seconds - self.start, 0.0), self.length), 3)

    def overlaps(self, start: float | None, end: float | None) -> bool:
        """A point or range that touches the window."""
        start = start or 0.0
        end = end if end is not None else start
        return start <= self.window_end and end >= self.start

    def given_here(self, row: Any) -> bool:
        """Whether an item (a row with place, clip_id, session_id) was given in this target."""
        if self.place == Place.recording:
            return str(row.place) == Place.recording
        column = row.clip_id if self.place == Place.clip else row.session_id
        return str(row.place) == self.place and column == self.place_id

    def detail(self, words: str) -> str:
        """An audit entry's detail, naming the clip or session it went through."""
        return f"{self.audit_prefix}{words}"


@dataclass(frozen=True)
class Here:
    """Feedback in one target, for one person, in one transaction: what every reading and
    every action of feedback takes (the routes resolve it with the target)."""

    session: Session
    subject: Subject
    target: Target

    @property
    def recording(self) -> Recording:
        return self.target.recording

    @property
    def caseworker(self) -> bool:
        """The reader is the recording's caseworker."""
        return self.subject.id == self.target.recording.owner_id
