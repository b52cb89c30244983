"""Deletion dates, the expiry sweep, and withdrawing consent."""

import logging
from datetime import date, timedelta

from sqlmodel import Session

from app.core.errors import BadInput
from app.core.i18n import N_
from app.core.timeutil import local_today, utcnow
from app.retention.models import RetentionPolicy

log = logging.getLogger(__name__)


def policy(*, session: Session) -> RetentionPolicy:
    """The administrator's retention policy (created with defaults on first use)."""
    row = session.get(RetentionPolicy, 1)
    if row is None:
        row = RetentionPolicy(id=1)
        session.add(row)
        session.flush()
    return row


def update_policy(*, session: Session, default_days: int, max_days: int, warn_days: int) -> None:
    if not 1 <= default_days <= max_days <= 3650:
        raise BadInput(
            N_(
                "The default period must be at least 1 day and at most the "
                "maximum; warning 0-90 days."
            ),
            code="retention.bad_policy",
        )
    if not 0 <= warn_days <= 90:
        raise BadInput(
            N_(
                "The default period must be at least 1 day and at most the "
                "maximum; warning 0-90 days."
            ),
            code="retention.bad_policy",
        )
    row = policy(session=session)
    row.default_days, row.max_days, row.warn_days = default_days, max_days, warn_days
    row.updated_at = utcnow()
    session.add(row)


def today() -> date:
    """The municipality's date (the `time_zone` setting), not UTC's."""
    return local_today()


def default_delete_after(*, session: Session) -> date:
    return today() + timedelta(days=policy(session=session).default_days)


def check_delete_after(*, session: Session, value: str | None) -> date:
    """The caseworker's deletion date: tomorrow at the earliest, the maximum at the latest."""
    if not value:
        return default_delete_after(session=session)
    try:
        chosen = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise BadInput(
            N_("The deletion date must be a date (YYYY-MM-DD)."), code="retention.bad_date"
        ) from exc
    latest = today() + timedelta(days=policy(session=session).max_days)
    if not today() < chosen <= latest:
        raise BadInput(
            N_("The deletion date must be after today and no later than %(latest)s."),
            code="retention.out_of_range",
            latest=latest.isoformat(),
        )
    return chosen


def days_left(delete_after: date) -> int:
    """Days until a recording with this deletion date is deleted."""
    return (delete_after - today()).days
