"""The figures over time: a caseworker's own over their recordings (a chart made on the
server), a leader's per team and month (groups too small to hide a person are left out, and
never one recording), and an administrator's agreement between the machine's question types
and people's corrections (Cohen's kappa, by month)."""

from collections import defaultdict
from dataclasses import dataclass
from statistics import mean
from typing import Any

from sqlmodel import Session, col, select

from app.accounts.models import Team, TeamMember
from app.accounts.subject import Subject
from app.core.timeutil import to_local
from app.insight import service
from app.insight.figures import Figures
from app.insight.models import ConversationAnalysis
from app.recordings.models import Recording, RecordingStatus
from app.transcripts import service as transcripts
from app.transcripts.models import Segment

OWN_RECORDINGS = 24  # the chart's newest recordings: enough to see a direction


@dataclass(frozen=True)
class RecordingFigures:
    recording: Recording
    figures: Figures
    questions: int
    invitations: int  # invitations and cued invitations: the open kind

    @property
    def invitation_share(self) -> float | None:
        return self.invitations / self.questions if self.questions else None


def _figures(session: Session, recording: Recording) -> RecordingFigures | None:
    transcript = transcripts.get(session=session, recording_id=recording.id)
    found = service.insight(
        session=session,
        recording_id=recording.id,
        transcript=transcript,
        end=recording.duration_seconds,
    )
    if found.figures is None:
        return None
    kinds = [w.question.type for w in found.figures.waits]
    return RecordingFigures(
        recording=recording,
        figures=found.figures,
        questions=len(kinds),
        invitations=sum(1 for k in kinds if k in ("invitation", "cued_invitation")),
    )


def _analysed(session: Session, *where: Any) -> list[Recording]:
    return list(
        session.exec(
            select(Recording)
            .join(ConversationAnalysis, col(ConversationAnalysis.recording_id) == Recording.id)
            .where(Recording.status == RecordingStatus.ready, *where)
            .order_by(col(Recording.created_at))
        ).all()
    )


def own(*, session: Session, subject: Subject) -> list[RecordingFigures]:
    """The person's own analysed recordings, oldest first (their newest few)."""
    mine = _analysed(session, Recording.owner_id == subject.id)[-OWN_RECORDINGS:]
    return [f for r in mine if (f := _figures(session, r)) is not None]


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    child: list[Point]  # the child's share of the talk time
    invitations: list[Point]  # invitations among the adult's questions
    labels: list[tuple[float, str]]  # x and the recording's date

    @staticmethod
    def polyline(points: list[Point]) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points)


def chart(series: list[RecordingFigures], width: int = 640, height: int = 200) -> Chart:
    """Two lines in per cent over the recordings, as SVG coordinates (0 % at the bottom)."""
    left, right, top, bottom = 40, 10, 10, 30
    step = (width - left - right) / max(len(series) - 1, 1)

    def y(share: float) -> float:
        return top + (1 - share) * (height - top - bottom)

    child, invitations, labels = [], [], []
    for i, item in enumerate(series):
        x = left + i * step
        share = item.figures.share("child")
        child.append(Point(x, y(share), share))
        if item.invitation_share is not None:
            invitations.append(Point(x, y(item.invitation_share), item.invitation_share))
        labels.append((x, to_local(item.recording.created_at).strftime("%d/%m")))
    return Chart(width, height, child, invitations, labels)


@dataclass(frozen=True)
class TeamMonth:
    team: str
    month: str
    recordings: int
    caseworkers: int
    child_share: float
    median_wait: float | None
    invitation_share: float | None


def team_months(*, session: Session, min_group: int) -> list[TeamMonth]:
    """Per team and month: the mean of its members' recordings' figures; a group of fewer
    than `min_group` caseworkers (or recordings) is left out, so no one is singled out."""
    members = session.exec(
        select(Team.name, TeamMember.user_id).join(TeamMember, col(TeamMember.team_id) == Team.id)
    ).all()
    teams_of: dict[int, list[str]] = defaultdict(list)
    for name, user_id in members:
        teams_of[user_id].append(name)
    groups: dict[tuple[str, str], list[RecordingFigures]] = defaultdict(list)
    for recording in _analysed(session, col(Recording.owner_id).in_(list(teams_of))):
        found = _figures(session, recording)
        if found is None:
            continue
        month = to_local(recording.created_at).strftime("%Y-%m")
        for team in teams_of[recording.owner_id]:
            groups[(team, month)].append(found)
    rows = []
    for (team, month), items in sorted(
        groups.items(), key=lambda g: (g[0][1], g[0][0]), reverse=True
    ):
        people = {i.recording.owner_id for i in items}
        if len(people) < min_group or len(items) < min_group:
            continue
        waits = [w for i in items if (w := i.figures.median_wait) is not None]
        shares = [s for i in items if (s := i.invitation_share) is not None]
        rows.append(
            TeamMonth(
                team=team,
                month=month,
                recordings=len(items),
                caseworkers=len(people),
                child_share=mean(i.figures.share("child") for i in items),
                median_wait=mean(waits) if waits else None,
                invitation_share=mean(shares) if shares else None,
            )
        )
    return rows


@dataclass(frozen=True)
class Agreement:
    month: str
    lines: int  # lines a person labelled where the machine had one
    changed: int  # of them, those the person labelled otherwise
    kappa: float | None


def agreement_by_month(*, session: Session) -> list[Agreement]:
    """How far people's labels agree with the machine's, month by month (newest first):
    Cohen's kappa over every line a person labelled (a label kept counts as agreeing)."""
    from app.insight.agreement import cohens_kappa

    pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for machine, person, at in session.exec(
        select(
            Segment.question_type, Segment.question_type_by_person, Segment.question_type_at
        ).where(
            col(Segment.question_type).is_not(None),
            col(Segment.question_type_by_person).is_not(None),
            col(Segment.question_type_at).is_not(None),
        )
    ):
        if machine is not None and person is not None and at is not None:
            pairs[to_local(at).strftime("%Y-%m")].append((machine, person))
    return [
        Agreement(
            month=month,
            lines=len(found),
            changed=sum(1 for a, b in found if a != b),
            kappa=cohens_kappa([a for a, _ in found], [b for _, b in found]),
        )
        for month, found in sorted(pairs.items(), reverse=True)
    ]
