"""How far two supervisors agree when they score the same recordings, as material for their
own calibration meeting: per criterion over a period, Cohen's kappa with quadratic weights
(a near miss counts as partly agreeing), and the places where they differed most.

Only recordings both have published scores on, and that the reader may still see: a
colleague's scores are never shown before the reader's own are published.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from app.access import policy
from app.accounts.models import User
from app.accounts.subject import Subject
from app.criteria.models import Criterion, CriterionVersion
from app.insight.agreement import weighted_kappa
from app.recordings.models import Recording
from app.scores.models import ScoreLevel, Scoring

DIFFERENCES_SHOWN = 10


@dataclass(frozen=True)
class CriterionAgreement:
    criterion_id: int
    name_da: str
    name_en: str
    pairs: int
    exact: float  # the share scored the same level
    kappa: float | None  # quadratic weights; None where undefined (see weighted_kappa)


@dataclass(frozen=True)
class Difference:
    recording: Recording
    criterion: str  # its name in the reader's language
    mine: int
    theirs: int

    @property
    def gap(self) -> int:
        return abs(self.mine - self.theirs)


@dataclass
class Colleague:
    user_id: int
    name: str
    recordings: int
    criteria: list[CriterionAgreement] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)


def _published(session: Session, since: datetime, until: datetime) -> list[Scoring]:
    query = select(Scoring).where(
        col(Scoring.own).is_(False),
        col(Scoring.published_at).is_not(None),
        col(Scoring.published_at) >= since,
        col(Scoring.published_at) < until,
    )
    return list(session.exec(query).all())


def agreement(
    session: Session, subject: Subject, *, since: datetime, until: datetime, lang: str
) -> list[Colleague]:
    """The reader's agreement with each colleague who scored the same recordings (both
    published within the period), per criterion."""
    scorings = _published(session, since, until)
    mine = {s.recording_id: s for s in scorings if s.scorer_id == subject.id}
    if not mine:
        return []
    recordings = {
        r.id: r
        for r in session.exec(select(Recording).where(col(Recording.id).in_(list(mine))))
        if policy.reads_recording(session, subject, r)
    }
    theirs = [s for s in scorings if s.scorer_id != subject.id and s.recording_id in recordings]
    if not theirs:
        return []
    ids = [s.id for s in theirs] + [mine[r].id for r in recordings]
    levels: dict[int, dict[int, int]] = defaultdict(dict)
    for row in session.exec(select(ScoreLevel).where(col(ScoreLevel.scoring_id).in_(ids))):
        levels[row.scoring_id][row.criterion_id] = row.level
    names = _criteria(session)
    people = {
        u.id: u.name
        for u in session.exec(select(User).where(col(User.id).in_({s.scorer_id for s in theirs})))
    }
    out = []
    by_colleague: dict[int, list[Scoring]] = defaultdict(list)
    for scoring in theirs:
        by_colleague[scoring.scorer_id].append(scoring)
    for colleague_id, shared in sorted(by_colleague.items(), key=lambda x: people.get(x[0], "")):
        pairs: dict[int, list[tuple[int, int]]] = defaultdict(list)
        differences = []
        for other in shared:
            own_levels = levels[mine[other.recording_id].id]  # type: ignore[index]
            for criterion_id, level in levels[other.id].items():  # type: ignore[index]
                if criterion_id not in own_levels:
                    continue
                pairs[criterion_id].append((own_levels[criterion_id], level))
                if own_levels[criterion_id] != level:
                    name_da, name_en, _ = names[criterion_id]
                    differences.append(
                        Difference(
                            recordings[other.recording_id],
                            name_da if lang == "da" else name_en,
                            own_levels[criterion_id],
                            level,
                        )
                    )
        colleague = Colleague(colleague_id, people.get(colleague_id, "?"), len(shared))
        for criterion_id in sorted(pairs, key=lambda c: names[c][2]):
            got = pairs[criterion_id]
            name_da, name_en, _ = names[criterion_id]
            top = max(max(a, b) for a, b in got)
            kappa = weighted_kappa(
                [a for a, _ in got], [b for _, b in got], list(range(1, max(top, 2) + 1))
            )
            exact = sum(a == b for a, b in got) / len(got)
            colleague.criteria.append(
                CriterionAgreement(criterion_id, name_da, name_en, len(got), exact, kappa)
            )
        differences.sort(key=lambda d: (-d.gap, d.recording.created_at))
        colleague.differences = differences[:DIFFERENCES_SHOWN]
        out.append(colleague)
    return out


def _criteria(session: Session) -> dict[int, tuple[str, str, int]]:
    """Each criterion's current name in both languages, and its place in the rubric."""
    query = select(Criterion, CriterionVersion).join(
        CriterionVersion,
        (col(CriterionVersion.criterion_id) == Criterion.id)
        & (col(CriterionVersion.version) == Criterion.version),
    )
    return {
        c.id: (v.name_da, v.name_en, c.position)  # type: ignore[misc]
        for c, v in session.exec(query)
    }
