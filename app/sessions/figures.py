"""The leader's figures on sparring sessions: how many were held per team and month, how
many of a team's caseworkers had a sparring lately, and which criteria the learning points
were about. Counts only: never a case, a recording, a child or a caseworker's name, and a
group smaller than `min_group` is left out, so no one is singled out.

A session's team is the team it was held with, else each team its caseworker (the
recording's owner, a reflection's presenter) is in (as app.insight.progress does).
"""

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.accounts.models import Role, Team, TeamMember, User
from app.core.timeutil import to_local, utcnow
from app.criteria.models import Criterion, CriterionVersion
from app.sessions.models import SessionCriterion, SessionParticipant, SessionState, SparringSession

QUARTER_DAYS = 91  # "the last quarter": a rolling 13 weeks


def _quarter(at: datetime) -> str:
    local = to_local(at)
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def _closed(session: Session) -> list[SparringSession]:
    query = select(SparringSession).where(
        SparringSession.state == SessionState.closed, col(SparringSession.closed_at).is_not(None)
    )
    return list(session.exec(query).all())


def _teams(session: Session) -> tuple[dict[int, str], dict[int, list[int]]]:
    """Team names by id, and each person's teams."""
    names = {t.id: t.name for t in session.exec(select(Team)).all() if t.id is not None}
    teams_of: dict[int, list[int]] = defaultdict(list)
    for team_id, user_id in session.exec(select(TeamMember.team_id, TeamMember.user_id)).all():
        teams_of[user_id].append(team_id)
    return names, teams_of


def _teams_of_session(sparring: SparringSession, teams_of: dict[int, list[int]]) -> list[int]:
    if sparring.team_id is not None:
        return [sparring.team_id]
    return teams_of.get(sparring.caseworker_id, [])


def _held(
    closed: list[SparringSession], names: dict[int, str], teams_of: dict[int, list[int]], least: int
) -> list[dict[str, Any]]:
    """Sessions closed per team and month; shown with `least` sessions of `least` caseworkers."""
    groups: dict[tuple[int, str], list[SparringSession]] = defaultdict(list)
    for sparring in closed:
        assert sparring.closed_at is not None
        month = to_local(sparring.closed_at).strftime("%Y-%m")
        for team_id in _teams_of_session(sparring, teams_of):
            groups[(team_id, month)].append(sparring)
    rows = []
    for (team_id, month), items in groups.items():
        if len(items) < least or len({s.caseworker_id for s in items}) < least:
            continue
        rows.append(_row(names[team_id], month, "sessions_held", len(items), len(items)))
    return rows


def _last_quarter(
    session: Session, closed: list[SparringSession], names: dict[int, str], least: int
) -> list[dict[str, Any]]:
    """The share of a team's caseworkers who took part in a session closed in the last
    quarter, in any role (their own session, or another's); teams of fewer than `least`
    caseworkers left out."""
    since = utcnow() - timedelta(days=QUARTER_DAYS)
    recent = [s.id for s in closed if s.closed_at is not None and _aware(s.closed_at) >= since]
    took_part = set(
        session.exec(
            select(SessionParticipant.user_id).where(col(SessionParticipant.session_id).in_(recent))
        ).all()
    )
    members: dict[int, set[int]] = defaultdict(set)
    query = (
        select(TeamMember.team_id, TeamMember.user_id)
        .join(User, col(User.id) == TeamMember.user_id)
        .where(User.role == Role.caseworker, col(User.active).is_(True))
    )
    for team_id, user_id in session.exec(query).all():
        members[team_id].add(user_id)
    rows = []
    for team_id, people in members.items():
        if len(people) < least:
            continue
        share = round(len(people & took_part) / len(people), 2)
        rows.append(
            _row(names[team_id], "last quarter", "sparring_last_quarter", share, len(people))
        )
    return rows


def _themes(
    session: Session,
    closed: list[SparringSession],
    names: dict[int, str],
    teams_of: dict[int, list[int]],
    least: int,
) -> list[dict[str, Any]]:
    """Per team, quarter and criterion: the sessions whose learning points are tagged with
    it; shown with `least` sessions of `least` caseworkers."""
    by_id = {s.id: s for s in closed}
    links = session.exec(
        select(SessionCriterion.session_id, SessionCriterion.criterion_id).where(
            col(SessionCriterion.session_id).in_(list(by_id))
        )
    ).all()
    groups: dict[tuple[int, str, int], list[SparringSession]] = defaultdict(list)
    for session_id, criterion_id in links:
        sparring = by_id[session_id]
        assert sparring.closed_at is not None
        for team_id in _teams_of_session(sparring, teams_of):
            groups[(team_id, _quarter(sparring.closed_at), criterion_id)].append(sparring)
    wording = {
        c.id: v
        for c, v in session.exec(
            select(Criterion, CriterionVersion).join(
                CriterionVersion,
                (col(CriterionVersion.criterion_id) == Criterion.id)
                & (col(CriterionVersion.version) == Criterion.version),
            )
        ).all()
    }
    rows = []
    for (team_id, quarter, criterion_id), items in groups.items():
        if len(items) < least or len({s.caseworker_id for s in items}) < least:
            continue
        row = _row(
            names[team_id], quarter, f"learning_theme:{criterion_id}", len(items), len(items)
        )
        version = wording.get(criterion_id)
        row["name_da"] = version.name_da if version else ""
        row["name_en"] = version.name_en if version else ""
        rows.append(row)
    return rows


def _aware(at: datetime) -> datetime:
    return to_local(at)  # SQLite gives naive UTC times: compared in one zone


def _row(team: str, period: str, measure: str, value: float, size: int) -> dict[str, Any]:
    return {"team": team, "period": period, "measure": measure, "value": value, "group_size": size}


def leader_table(session: Session, min_group: int) -> list[dict[str, Any]]:
    """Every figure, one row each (team, period, measure, value, group_size; a learning
    theme also names its criterion: name_da, name_en), newest period first."""
    names, teams_of = _teams(session)
    closed = _closed(session)
    rows = [
        *_held(closed, names, teams_of, min_group),
        *_last_quarter(session, closed, names, min_group),
        *_themes(session, closed, names, teams_of, min_group),
    ]
    rows.sort(key=lambda r: r["team"])
    rows.sort(key=lambda r: r["period"], reverse=True)
    rows.sort(key=lambda r: r["measure"].partition(":")[0])
    return rows
