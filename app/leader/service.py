"""How the practice develops, in aggregate: figures a leader may see, never one recording."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.access.models import Share
from app.core.timeutil import to_local
from app.recordings.models import Recording, RecordingStatus

# Groups smaller than this are not shown: a count of one could point at one case.
MIN_GROUP = 3

# (session, min_group) -> rows of team, period, measure, value, group_size: figures of a
# feature above this package (the sparring sessions'), registered at start by app.main.
Table = Callable[[Session, int], list[dict[str, Any]]]
_tables: dict[str, Table] = {}


def add_table(name: str, table: Table) -> None:
    _tables[name] = table


def tables(*, session: Session) -> dict[str, list[dict[str, Any]]]:
    return {name: table(session, MIN_GROUP) for name, table in _tables.items()}


def monthly_figures(*, session: Session) -> list[dict[str, object]]:
    """Recordings per month: how many, total hours, how many were shared for feedback."""
    rows: dict[str, dict[str, float]] = {}
    whole = select(Share.recording_id).where(col(Share.clip_id).is_(None))
    shared_ids = set(session.exec(whole).all())
    for created_at, duration, rid, status in session.exec(
        select(Recording.created_at, Recording.duration_seconds, Recording.id, Recording.status)
    ):
        month = to_local(created_at).strftime("%Y-%m")  # the municipality's month
        row = rows.setdefault(month, {"recordings": 0, "hours": 0.0, "shared": 0, "ready": 0})
        row["recordings"] += 1
        row["hours"] += duration / 3600
        row["shared"] += rid in shared_ids
        row["ready"] += status == RecordingStatus.ready
    return [
        {"month": month, **{k: (round(v, 1) if k == "hours" else int(v)) for k, v in r.items()}}
        for month, r in sorted(rows.items(), reverse=True)
        if r["recordings"] >= MIN_GROUP
    ]


def total_recordings(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(Recording)).one()


def practice_tables(*, session: Session) -> dict[str, list[dict[str, object]]]:
    """Each area's figures per team and period, groups under MIN_GROUP left out."""
    from app.childvoice import service as child_voice
    from app.scores import figures as scores
    from app.selfassessment import service as self_assessment

    return {
        "scores": scores.leader_table(session, MIN_GROUP),
        "self_assessment": self_assessment.leader_table(session, MIN_GROUP),
        "child_voice": child_voice.leader_table(session, MIN_GROUP),
        **tables(session=session),  # the sessions', registered by app.main
    }


def score_rows(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """The scores' rows as the page shows them: one line per team, quarter and criterion,
    the supervisors' mean beside the self-scores' mean."""
    lines: dict[tuple[object, object, str], dict[str, object]] = {}
    for row in rows:
        kind, criterion = str(row["measure"]).split(":")
        key = (row["team"], row["period"], criterion)
        line = lines.setdefault(
            key,
            {
                "team": row["team"],
                "period": row["period"],
                "label_da": row["label_da"],
                "label_en": row["label_en"],
                "score": None,
                "self_score": None,
                "recordings": 0,
            },
        )
        line[kind] = row["value"]
        line["recordings"] = max(int(line["recordings"]), int(row["group_size"]))  # type: ignore[call-overload]
    return sorted(lines.values(), key=lambda r: (str(r["period"]), str(r["team"])), reverse=True)
