"""Who scores a recording, who sees which scores, and the sheet the scores page shows.

The rule, in one place: the recording's caseworker scores themselves; a supervisor who may
see the whole recording (a personal share: teams get clips only) scores it. The caseworker
sees the supervisors' published scores (once they have reflected, where the administrator
requires it); a supervisor sees the caseworker's published self-score, and a colleague's
published scores only once their own are published (blind until then). Nobody else sees a
score; a leader sees aggregates (app.scores.figures).
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from app.access import policy
from app.accounts.models import Role, User
from app.accounts.subject import Subject
from app.core.errors import BadInput, Conflict, NotPermitted
from app.core.i18n import N_
from app.core.timeutil import utcnow
from app.criteria import service as criteria
from app.criteria.models import Criterion, CriterionVersion, level_lines
from app.recordings.models import Recording
from app.scores.models import ScoreLevel, Scoring


@dataclass(frozen=True)
class Scale:
    """A criterion one can score now: its current wording and levels."""

    criterion_id: int
    version_id: int
    number: int  # as the rubric numbers it
    name_da: str
    name_en: str
    levels_da: list[str]
    levels_en: list[str]

    def name(self, lang: str) -> str:
        return self.name_da if lang == "da" else self.name_en

    def levels(self, lang: str) -> list[str]:
        return self.levels_da if lang == "da" else self.levels_en


@dataclass
class Sheet:
    """One scorer's levels: criterion id -> level."""

    scoring: Scoring
    scorer: str  # the name shown
    levels: dict[int, int]

    @property
    def published(self) -> bool:
        return self.scoring.published_at is not None


@dataclass
class ScoresView:
    """What the scores page shows one reader of one recording."""

    recording: Recording
    as_caseworker: bool
    scales: list[Scale]
    mine: Sheet | None
    own: Sheet | None  # the caseworker's self-score, where the reader may see it
    supervisors: list[Sheet]  # published supervisors' scores the reader may see
    blind: int  # colleagues' published scores hidden until the reader publishes theirs
    waiting: bool  # the caseworker must reflect before they see the supervisors' scores
    # A supervisor's own published feedback items per criterion, beside the score.
    items: dict[int, list[Any]] = field(default_factory=dict)

    @property
    def compared(self) -> bool:
        return self.own is not None or bool(self.supervisors)


def scales(session: Session) -> list[Scale]:
    """The criteria that carry a scale and can be chosen now, in rubric order."""
    out = []
    for public in criteria.to_public(criteria.catalogue(session=session)):
        if public.retired or not public.levels_da:
            continue
        version = session.exec(
            select(CriterionVersion.id).where(
                CriterionVersion.criterion_id == public.id,
                CriterionVersion.version == public.version,
            )
        ).one()
        out.append(
            Scale(
                public.id,
                version,  # type: ignore[arg-type]
                public.number,
                public.name_da,
                public.name_en,
                public.levels_da,
                public.levels_en,
            )
        )
    return out


# Who -------------------------------------------------------------------------------------


def scoring_recording(session: Session, subject: Subject, recording_id: str) -> Recording:
    """The recording if the person may score it and see scores on it: its caseworker, or a
    supervisor who may see the whole recording. 404 if they may not see it; 403 otherwise."""
    recording = policy.recording(session, subject, recording_id)
    if recording.owner_id != subject.id and subject.role != Role.supervisor:
        raise NotPermitted(
            N_("Scores are seen by the caseworker and the supervisors of the recording only."),
            code="scores.not_for_you",
        )
    return recording


def sees_scores(session: Session, subject: Subject, recording: Recording) -> bool:
    """Whether the scores' page and figures are the person's to see (for links)."""
    if recording.owner_id == subject.id:
        return True
    return subject.role == Role.supervisor and policy.reads_recording(session, subject, recording)


def self_scored(session: Session, recording: Recording) -> bool:
    """The caseworker has published their self-score (a reflection: app.feedback.reflection)."""
    own = select(Scoring.id).where(
        Scoring.recording_id == recording.id,
        Scoring.scorer_id == recording.owner_id,
        col(Scoring.published_at).is_not(None),
    )
    return session.exec(own.limit(1)).first() is not None


# Reading ---------------------------------------------------------------------------------


def _sheets(session: Session, recording: Recording) -> list[Sheet]:
    rows = session.exec(
        select(Scoring, User.name)
        .join(User, col(User.id) == Scoring.scorer_id)
        .where(Scoring.recording_id == recording.id)
        .order_by(col(Scoring.published_at), col(Scoring.id))
    ).all()
    levels: dict[int, dict[int, int]] = defaultdict(dict)
    ids = [s.id for s, _ in rows]
    if ids:
        query = select(ScoreLevel).where(col(ScoreLevel.scoring_id).in_(ids))
        for level in session.exec(query):
            levels[level.scoring_id][level.criterion_id] = level.level
    return [Sheet(s, name, levels[s.id]) for s, name in rows]  # type: ignore[index]


def view(
    session: Session,
    subject: Subject,
    recording: Recording,
    *,
    waiting: bool,
    items: dict[int, list[Any]],
) -> ScoresView:
    """The page for one reader (checked by `scoring_recording`): `waiting`, the caseworker
    has yet to reflect; `items`, a supervisor's own feedback items per criterion."""
    sheets = _sheets(session, recording)
    mine = next((s for s in sheets if s.scoring.scorer_id == subject.id), None)
    as_caseworker = recording.owner_id == subject.id
    published = [s for s in sheets if s.published and s.scoring.scorer_id != subject.id]
    if as_caseworker:
        own, supervisors, blind = None, [] if waiting else published, 0
    else:
        own = next((s for s in published if s.scoring.own), None)
        colleagues = [s for s in published if not s.scoring.own]
        opened = mine is not None and mine.published
        supervisors = colleagues if opened else []
        blind = 0 if opened else len(colleagues)
    return ScoresView(
        recording=recording,
        as_caseworker=as_caseworker,
        scales=scales(session),
        mine=mine,
        own=own,
        supervisors=supervisors,
        blind=blind,
        waiting=waiting,
        items={} if as_caseworker else items,
    )


# Changing --------------------------------------------------------------------------------


def save(
    session: Session,
    subject: Subject,
    recording_id: str,
    levels: Mapping[int, int],
    *,
    publish: bool,
) -> Scoring:
    """The person's levels saved as their draft, or published (final). A level outside the
    criterion's scale, a criterion without one, or a retired one is refused; nothing stored."""
    recording = scoring_recording(session, subject, recording_id)
    scoring = session.exec(
        select(Scoring).where(Scoring.recording_id == recording.id, Scoring.scorer_id == subject.id)
    ).first()
    if scoring is not None and scoring.published_at is not None:
        raise Conflict(
            N_("Your scores are published and can no longer be changed."),
            code="scores.published",
        )
    current = {s.criterion_id: s for s in scales(session)}
    for criterion_id, level in levels.items():
        scale = current.get(criterion_id)
        if scale is None:
            raise BadInput(
                N_("The criterion %(id)s has no scale to score on. Choose one from the list."),
                code="scores.unknown_criterion",
                id=criterion_id,
            )
        if not 1 <= level <= len(scale.levels_da):
            raise BadInput(
                N_("Choose one of the criterion's levels (from 1 to %(num)d)."),
                code="scores.bad_level",
                num=len(scale.levels_da),
            )
    if publish and not levels:
        raise BadInput(N_("Score at least one criterion before you publish."), code="scores.empty")
    if scoring is None:
        scoring = Scoring(
            recording_id=recording.id, scorer_id=subject.id, own=recording.owner_id == subject.id
        )
        session.add(scoring)
        session.flush()
    for old in session.exec(select(ScoreLevel).where(ScoreLevel.scoring_id == scoring.id)):
        session.delete(old)
    session.flush()
    for criterion_id, level in levels.items():
        session.add(
            ScoreLevel(
                scoring_id=scoring.id,  # type: ignore[arg-type]
                criterion_id=criterion_id,
                criterion_version_id=current[criterion_id].version_id,
                level=level,
            )
        )
    scoring.updated_at = utcnow()
    if publish:
        scoring.published_at = scoring.updated_at
    session.add(scoring)
    session.flush()
    return scoring


# For the sparring document ---------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRow:
    """A criterion's line in the sparring document: the self-score beside the supervisors'."""

    name: str
    levels: list[str]
    own: int | None
    supervisors: list[int]


def document_rows(
    session: Session, subject: Subject, recording: Recording, lang: str, *, waiting: bool
) -> list[ScoreRow]:
    """The published scores the reader may see, per criterion; empty for anyone else (a
    team reading a clip's document never gets here) and while the caseworker is `waiting`
    to reflect."""
    if waiting or not sees_scores(session, subject, recording):
        return []
    sheets = [s for s in _sheets(session, recording) if s.published]
    mine = next((s for s in sheets if s.scoring.scorer_id == subject.id), None)
    if subject.id != recording.owner_id and mine is None:
        sheets = [s for s in sheets if s.scoring.own]  # colleagues' stay blind
    used = {cid for s in sheets for cid in s.levels}
    if not used:
        return []
    names = _names(session, sheets)
    rows = []
    for criterion_id in sorted(used, key=lambda c: names[c][0]):
        _, version = names[criterion_id]
        own = next((s.levels.get(criterion_id) for s in sheets if s.scoring.own), None)
        others = [
            s.levels[criterion_id] for s in sheets if not s.scoring.own and criterion_id in s.levels
        ]
        rows.append(
            ScoreRow(
                name=version.name_da if lang == "da" else version.name_en,
                levels=level_lines(version.levels_da if lang == "da" else version.levels_en),
                own=own,
                supervisors=others,
            )
        )
    return rows


def _names(session: Session, sheets: list[Sheet]) -> dict[int, tuple[int, CriterionVersion]]:
    """Each scored criterion's rubric position and the wording it was last scored under."""
    ids = [s.scoring.id for s in sheets]
    query = (
        select(ScoreLevel.criterion_id, Criterion.position, CriterionVersion)
        .join(Criterion, col(Criterion.id) == ScoreLevel.criterion_id)
        .join(CriterionVersion, col(CriterionVersion.id) == ScoreLevel.criterion_version_id)
        .where(col(ScoreLevel.scoring_id).in_(ids))
        .order_by(col(CriterionVersion.version))
    )
    out: dict[int, tuple[int, CriterionVersion]] = {}
    for criterion_id, position, version in session.exec(query):
        out[criterion_id] = (position, version)
    return out


def as_levels(form: Mapping[str, Any]) -> dict[int, int]:
    """The page's fields `level-<criterion id>` (empty: not scored) as criterion -> level."""
    out = {}
    for name, value in form.items():
        if not name.startswith("level-") or value in ("", None):
            continue
        key, text = name.removeprefix("level-"), str(value)
        if not (key.isdigit() and text.isdigit()) or len(key) > 12 or len(text) > 3:
            raise BadInput(N_("Choose one of the criterion's levels."), code="scores.bad_level")
        out[int(key)] = int(text)
    return out
