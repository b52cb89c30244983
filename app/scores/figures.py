"""Scores over time: a caseworker's own, criterion by criterion over their recordings (a
small chart each, the numbers in a table beside), and a leader's per team and quarter, where
a group of fewer than `min_group` caseworkers or recordings is left out."""

from collections import defaultdict
from dataclasses import dataclass, field
from statistics import mean

from sqlmodel import Session, col, select

from app.accounts.models import Team, TeamMember
from app.accounts.subject import Subject
from app.core.timeutil import to_local
from app.criteria.models import Criterion, CriterionVersion
from app.recordings.models import Recording
from app.scores.models import ScoreLevel, Scoring

OWN_RECORDINGS = 24  # the newest scored recordings on a caseworker's own page


def quarter(moment: object) -> str:
    local = to_local(moment)  # type: ignore[arg-type]
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class TrendPoint:
    recording: Recording
    supervisors: float | None  # the mean of the supervisors' published levels
    own: int | None  # the caseworker's published self-score
    x: float = 0.0
    y_supervisors: float | None = None
    y_own: float | None = None


@dataclass
class Trend:
    """One criterion over the caseworker's scored recordings, as a small chart."""

    criterion_id: int
    name_da: str
    name_en: str
    scale: int  # the most levels it has had
    points: list[TrendPoint] = field(default_factory=list)
    width: int = 320
    height: int = 130

    def name(self, lang: str) -> str:
        return self.name_da if lang == "da" else self.name_en

    def y(self, level: float) -> float:
        top, bottom = 10, 26
        span = max(self.scale - 1, 1)
        return top + (self.scale - level) / span * (self.height - top - bottom)

    def placed(self) -> list[TrendPoint]:
        left, right = 28, 22  # room for the last date's label
        step = (self.width - left - right) / max(len(self.points) - 1, 1)
        out = []
        for i, p in enumerate(self.points):
            out.append(
                TrendPoint(
                    p.recording,
                    p.supervisors,
                    p.own,
                    left + i * step,
                    None if p.supervisors is None else self.y(p.supervisors),
                    None if p.own is None else self.y(p.own),
                )
            )
        return out

    @staticmethod
    def polyline(points: list[tuple[float, float]]) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _levels(session: Session, scorings: list[Scoring]) -> dict[int, dict[int, int]]:
    out: dict[int, dict[int, int]] = defaultdict(dict)
    ids = [s.id for s in scorings]
    if ids:
        for row in session.exec(select(ScoreLevel).where(col(ScoreLevel.scoring_id).in_(ids))):
            out[row.scoring_id][row.criterion_id] = row.level
    return out


def _criteria(session: Session) -> dict[int, tuple[str, str, int, int]]:
    """Each criterion's current names, its place in the rubric and its largest scale."""
    rows = session.exec(
        select(Criterion, CriterionVersion).join(
            CriterionVersion, col(CriterionVersion.criterion_id) == Criterion.id
        )
    ).all()
    out: dict[int, tuple[str, str, int, int]] = {}
    for criterion, version in rows:
        known = out.get(criterion.id)  # type: ignore[arg-type]
        scale = max(version.scale, known[3] if known else 0)
        if version.version == criterion.version or known is None:
            out[criterion.id] = (version.name_da, version.name_en, criterion.position, scale)  # type: ignore[index]
        else:
            out[criterion.id] = (*known[:3], scale)  # type: ignore[index]
    return out


def own_trends(session: Session, subject: Subject) -> list[Trend]:
    """The caseworker's published scores per criterion over their newest scored recordings."""
    recordings = {
        r.id: r for r in session.exec(select(Recording).where(Recording.owner_id == subject.id))
    }
    if not recordings:
        return []
    scorings = list(
        session.exec(
            select(Scoring).where(
                col(Scoring.recording_id).in_(list(recordings)),
                col(Scoring.published_at).is_not(None),
            )
        ).all()
    )
    levels = _levels(session, scorings)
    by_recording: dict[str, list[Scoring]] = defaultdict(list)
    for scoring in scorings:
        by_recording[scoring.recording_id].append(scoring)
    scored = sorted(by_recording, key=lambda rid: recordings[rid].created_at)[-OWN_RECORDINGS:]
    names = _criteria(session)
    trends: dict[int, Trend] = {}
    for rid in scored:
        per: dict[int, tuple[list[int], int | None]] = defaultdict(lambda: ([], None))
        for scoring in by_recording[rid]:
            for criterion_id, level in levels[scoring.id].items():  # type: ignore[index]
                theirs, own = per[criterion_id]
                if scoring.own:
                    per[criterion_id] = (theirs, level)
                else:
                    per[criterion_id] = ([*theirs, level], own)
        for criterion_id, (theirs, own) in per.items():
            if criterion_id not in trends:
                name_da, name_en, _, scale = names[criterion_id]
                trends[criterion_id] = Trend(criterion_id, name_da, name_en, max(scale, 2))
            trends[criterion_id].points.append(
                TrendPoint(recordings[rid], mean(theirs) if theirs else None, own)
            )
    return sorted(trends.values(), key=lambda t: names[t.criterion_id][2])


def leader_table(session: Session, min_group: int) -> list[dict[str, object]]:
    """Per team, quarter and criterion: the mean of the supervisors' published scores
    (`score`) and of the caseworkers' self-scores (`self_score`), over the recordings of the
    team's members; a group with fewer than `min_group` caseworkers or recordings is left
    out. Never a recording, never a person."""
    teams_of: dict[int, list[str]] = defaultdict(list)
    for name, user_id in session.exec(
        select(Team.name, TeamMember.user_id).join(TeamMember, col(TeamMember.team_id) == Team.id)
    ):
        teams_of[user_id].append(name)
    rows = session.exec(
        select(Scoring, Recording.owner_id, Recording.created_at)
        .join(Recording, col(Recording.id) == Scoring.recording_id)
        .where(col(Scoring.published_at).is_not(None))
    ).all()
    levels = _levels(session, [s for s, _, _ in rows])
    names = _criteria(session)
    # (team, quarter, measure, criterion) -> recording -> levels; and who owns each recording
    groups: dict[tuple[str, str, str, int], dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(list)
    )
    owners: dict[str, int] = {}
    for scoring, owner_id, created_at in rows:
        owners[scoring.recording_id] = owner_id
        measure = "self_score" if scoring.own else "score"
        for criterion_id, level in levels[scoring.id].items():  # type: ignore[index]
            for team in teams_of.get(owner_id, []):
                key = (team, quarter(created_at), measure, criterion_id)
                groups[key][scoring.recording_id].append(level)
    out: list[dict[str, object]] = []
    for (team, period, measure, criterion_id), by_recording in sorted(groups.items()):
        people = {owners[rid] for rid in by_recording}
        if len(people) < min_group or len(by_recording) < min_group:
            continue
        name_da, name_en, _, _ = names[criterion_id]
        out.append(
            {
                "team": team,
                "period": period,
                "measure": f"{measure}:{criterion_id}",
                "label_da": name_da,
                "label_en": name_en,
                "value": round(float(mean(mean(v) for v in by_recording.values())), 1),
                "group_size": len(by_recording),
            }
        )
    return out
