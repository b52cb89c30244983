"""Which workers live and which speech models they offer: a row per worker process,
written by the worker (`announce` at start and every reaper pass, `leave` on a clean exit)
and read by the web app (a recording waiting for a model no one has says so) and by the
workers' recovery loop (a job whose model no one has may fall back)."""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.core.config import settings
from app.core.timeutil import utcnow
from app.jobs.models import WorkerPresence


@dataclass(frozen=True)
class Offer:
    """What one worker process says it has."""

    worker: str  # host:pid
    models: tuple[str, ...]
    device: str
    compute_type: str


def announce(*, session: Session, offer: Offer) -> None:
    """Say (again) that this worker lives and what it offers; forget workers long gone."""
    now = utcnow()
    models = json.dumps(list(offer.models), ensure_ascii=False)
    values = {"models": models, "device": offer.device, "compute_type": offer.compute_type}
    seen = update(WorkerPresence).where(col(WorkerPresence.id) == offer.worker)
    if session.execute(seen.values(seen_at=now, **values)).rowcount == 0:  # type: ignore[attr-defined]
        session.add(WorkerPresence(id=offer.worker, started_at=now, seen_at=now, **values))
    session.execute(delete(WorkerPresence).where(col(WorkerPresence.seen_at) < _gone_before(now)))


def leave(*, session: Session, worker: str) -> None:
    """This worker stops: it offers nothing any more."""
    session.execute(delete(WorkerPresence).where(col(WorkerPresence.id) == worker))


def _gone_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.worker_presence_seconds)


def live(*, session: Session) -> list[Offer]:
    """The workers heard from recently enough to count as running."""
    rows = session.exec(
        select(WorkerPresence).where(col(WorkerPresence.seen_at) >= _gone_before(utcnow()))
    ).all()
    return [
        Offer(row.id, tuple(json.loads(row.models)), row.device, row.compute_type) for row in rows
    ]


def live_models(*, session: Session) -> set[str] | None:
    """Every model some live worker offers; None when no worker is heard from at all (then
    nothing can be said about models: the workers are down, or older than this release)."""
    offers = live(session=session)
    if not offers:
        return None
    return {model for offer in offers for model in offer.models}
