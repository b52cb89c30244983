"""What a person does with scores: read them (a viewing in the audit log), save a draft,
publish. The pages call these and nothing else."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.accounts.subject import Subject
from app.audit.service import Action, audit_on_commit, audit_viewing
from app.audit.viewing import Kind
from app.recordings.models import Recording
from app.scores import calibration, service
from app.scores.service import ScoresView


def viewed(
    session: Session,
    subject: Subject,
    recording: Recording,
    *,
    waiting: bool,
    items: dict[int, list[Any]],
) -> ScoresView:
    """The scores page as the reader may see it (`scoring_recording` checked who they are):
    a viewing in the audit log."""
    shown = service.view(session, subject, recording, waiting=waiting, items=items)
    audit_viewing(session, subject, Action.view, recording.id, Kind.scores, "scores")
    return shown


def save(
    session: Session, subject: Subject, recording_id: str, levels: Mapping[int, int], publish: bool
) -> None:
    scoring = service.save(session, subject, recording_id, levels, publish=publish)
    what = f"{'self-score, ' if scoring.own else ''}{len(levels)} criteria"
    action = Action.scores_published if publish else Action.scores_saved
    audit_on_commit(session, subject, action, scoring.recording_id, what)


def agreement(
    session: Session, subject: Subject, since: datetime, until: datetime, lang: str
) -> list[calibration.Colleague]:
    """A colleague's levels on recordings the reader sees, and their titles: a viewing of
    each recording's scores named there, in the audit log."""
    colleagues = calibration.agreement(session, subject, since=since, until=until, lang=lang)
    named = {d.recording.id for c in colleagues for d in c.differences}
    for recording_id in sorted(named):
        audit_viewing(session, subject, Action.view, recording_id, Kind.scores, "calibration")
    return colleagues
