"""Children's ratings for tests: recordings written straight into the table (the leader's
figures need many caseworkers' recordings, not their media), rated at a given moment."""

from datetime import date, datetime

from app.accounts.models import Role
from app.childvoice.models import ChildRating
from app.core.db import session_scope
from app.recordings.models import Recording
from tests.support.accounts import make_team, make_user


def recording_of(owner_id: int, n: int) -> str:
    """A bare recording row of the person's (no file, no job); its id."""
    with session_scope() as session:
        recording = Recording(
            title=f"Samtale {n}", case_reference=f"SAG-{n}", owner_id=owner_id,
            delete_after=date(2027, 6, 1), original_filename="a.mp4", stored_name="a",
            size_bytes=1, sha256="0", duration_seconds=60, container="mp4", has_video=True,
        )  # fmt: skip
        session.add(recording)
        session.flush()
        return recording.id


def rated(owner_id: int, at: datetime, talk: int, heard: int | None = None) -> None:
    """A rating of a new recording of the person's, made at `at`."""
    recording_id = recording_of(owner_id, int(at.timestamp()) + owner_id)
    with session_scope() as session:
        session.add(ChildRating(recording_id=recording_id, talk=talk, heard=heard, created_at=at))


def team_of(name: str, size: int) -> list[int]:
    """A team of `size` new caseworkers; their ids."""
    slug = "".join(c for c in name.lower() if c.isascii() and c.isalnum())
    people = [make_user(f"{slug}{i}@kommune.test", Role.caseworker) for i in range(size)]
    make_team(name, people)
    return people
