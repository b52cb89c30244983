"""Rounds, their statements, answering once, and the shares agreeing over time.

Who answers: caseworkers. VIVE asked caseworkers, and the curve is read beside VIVE's
62 % -> 92 %; supervisors (often the team's professional leader) would change what the share
means. A caseworker in several teams counts once in each team and once in the municipality
(the municipality's own tally, so nobody counts twice there); one in no team counts in the
municipality only.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.accounts.models import Role, Team, TeamMember
from app.accounts.subject import Subject
from app.core.errors import BadInput, Conflict, NotFound, NotPermitted
from app.core.i18n import N_, translate
from app.core.text import refuse_unstorable
from app.core.timeutil import local_today
from app.criteria import service as criteria
from app.selfassessment.models import (
    RoundCreate,
    SelfAssessmentAnswered,
    SelfAssessmentRound,
    SelfAssessmentStatement,
    SelfAssessmentTally,
)

ANSWERING_ROLES = (Role.caseworker,)
VALUES = (1, 2, 3, 4, 5)
AGREE = 4  # "agree" and "strongly agree" count as agreeing (VIVE's share)
SCALE = (
    (1, N_("Strongly disagree")),
    (2, N_("Disagree")),
    (3, N_("Neither agree nor disagree")),
    (4, N_("Agree")),
    (5, N_("Strongly agree")),
)
VIVE_KEY = "vive"
VIVE_STATEMENT = N_("I know how to ensure good child participation in my cases")
AREA_STATEMENT = N_("I know how to work with “%(area)s” in my conversations with children")


@dataclass(frozen=True)
class Statement:
    key: str
    text_da: str
    text_en: str

    def text(self, lang: str) -> str:
        return self.text_da if lang == "da" else self.text_en


def current_statements(*, session: Session) -> list[Statement]:
    """VIVE's statement, then one per criterion area: a group of the rubric, or, for the
    criteria in no group (the default rubric has none), each criterion in use."""
    out = [Statement(VIVE_KEY, translate(VIVE_STATEMENT, "da"), translate(VIVE_STATEMENT, "en"))]

    def area(key: str, name_da: str, name_en: str) -> Statement:
        da = translate(AREA_STATEMENT, "da", area=name_da)
        return Statement(key, da, translate(AREA_STATEMENT, "en", area=name_en))

    for group, members in criteria.sections(session=session):
        in_use = [c for c in members if not c.retired]
        if group is not None and in_use:
            out.append(area(f"area:{group.id}", group.name_da, group.name_en))
        elif group is None:
            out += [area(f"criterion:{c.id}", c.name_da, c.name_en) for c in in_use]
    return out


# Scheduling ---------------------------------------------------------------------------


def rounds(*, session: Session) -> list[SelfAssessmentRound]:
    """Every round, oldest first."""
    query = select(SelfAssessmentRound).order_by(
        col(SelfAssessmentRound.opens_on), col(SelfAssessmentRound.id)
    )
    return list(session.exec(query).all())


def statements(*, session: Session, round_id: int) -> list[Statement]:
    query = (
        select(SelfAssessmentStatement)
        .where(SelfAssessmentStatement.round_id == round_id)
        .order_by(col(SelfAssessmentStatement.position))
    )
    return [Statement(s.key, s.text_da, s.text_en) for s in session.exec(query).all()]


def _make_tally(session: Session, round_id: int, team_id: int | None, count: int) -> None:
    """Every (statement, value) row of a round for one team at 0, in a fixed order, so that
    no row's making says anything about an answer."""
    for position in range(count):
        for value in VALUES:
            session.add(
                SelfAssessmentTally(
                    round_id=round_id, team_id=team_id, position=position, value=value
                )
            )


def _checked(
    session: Session, body: RoundCreate, other_than: int | None = None
) -> tuple[str, date, date]:
    """A round's name and days as they may be stored: a name, the days in order, and no
    other round (but `other_than`, the one changed) overlapping them."""
    label = " ".join(body.label.split())
    refuse_unstorable(label, field="label", code="self_assessment.bad_chars")
    if not label:
        raise BadInput(N_("Give the round a name."), code="self_assessment.no_label")
    if body.closes_on < body.opens_on:
        raise BadInput(
            N_("The round must close on or after the day it opens."),
            code="self_assessment.bad_dates",
        )
    query = select(SelfAssessmentRound).where(
        col(SelfAssessmentRound.opens_on) <= body.closes_on,
        col(SelfAssessmentRound.closes_on) >= body.opens_on,
    )
    if other_than is not None:
        query = query.where(col(SelfAssessmentRound.id) != other_than)
    overlapping = session.exec(query).first()
    if overlapping is not None:
        raise Conflict(
            N_("The round overlaps %(label)s: only one round can be open at a time."),
            code="self_assessment.overlap",
            label=overlapping.label,
        )
    return label, body.opens_on, body.closes_on


def schedule(*, session: Session, body: RoundCreate) -> SelfAssessmentRound:
    """A new round with the statements as the rubric words them today."""
    label, opens_on, closes_on = _checked(session, body)
    found = current_statements(session=session)
    made = SelfAssessmentRound(label=label, opens_on=opens_on, closes_on=closes_on)
    session.add(made)
    session.flush()
    assert made.id is not None
    for position, statement in enumerate(found):
        session.add(
            SelfAssessmentStatement(
                round_id=made.id,
                position=position,
                key=statement.key,
                text_da=statement.text_da,
                text_en=statement.text_en,
            )
        )
    for team_id in [None, *session.exec(select(Team.id).order_by(col(Team.id))).all()]:
        _make_tally(session, made.id, team_id, len(found))
    session.flush()
    return made


def _round(session: Session, round_id: int) -> SelfAssessmentRound:
    found = session.get(SelfAssessmentRound, round_id)
    if found is None:
        raise NotFound(N_("The round was not found."), code="self_assessment.no_round")
    return found


def _answered(session: Session, round_id: int) -> bool:
    query = select(SelfAssessmentAnswered).where(SelfAssessmentAnswered.round_id == round_id)
    return session.exec(query.limit(1)).first() is not None


def change(*, session: Session, round_id: int, body: RoundCreate) -> SelfAssessmentRound:
    """A round's name and days changed (a wrong date, a longer round). Once someone has
    answered, its first day stays: the answers were given in the round as it opened."""
    found = _round(session, round_id)
    label, opens_on, closes_on = _checked(session, body, other_than=round_id)
    if opens_on != found.opens_on and _answered(session, round_id):
        raise Conflict(
            N_(
                "People have answered this round: its first day stays. Its name and last day "
                "can change."
            ),
            code="self_assessment.answered",
            field="opens_on",
        )
    found.label, found.opens_on, found.closes_on = label, opens_on, closes_on
    session.add(found)
    session.flush()
    return found


def cancel(*, session: Session, round_id: int) -> SelfAssessmentRound:
    """A round scheduled by mistake, deleted with its statements and empty tallies; one that
    someone has answered stays (its answers are the caseworkers', not the administrator's)."""
    found = _round(session, round_id)
    if _answered(session, round_id):
        raise Conflict(
            N_("People have answered this round: it cannot be deleted. Close it early instead."),
            code="self_assessment.answered",
        )
    for table in (SelfAssessmentTally, SelfAssessmentStatement):
        session.execute(delete(table).where(col(table.round_id) == round_id))
    session.delete(found)
    session.flush()
    return found


# Answering ----------------------------------------------------------------------------


def open_round(*, session: Session, today: date | None = None) -> SelfAssessmentRound | None:
    """The round open on the municipality's today, if any (rounds never overlap)."""
    day = today or local_today()
    return session.exec(
        select(SelfAssessmentRound).where(
            col(SelfAssessmentRound.opens_on) <= day, col(SelfAssessmentRound.closes_on) >= day
        )
    ).first()


def has_answered(*, session: Session, round_id: int, user_id: int) -> bool:
    return session.get(SelfAssessmentAnswered, (round_id, user_id)) is not None


def waiting_round(*, session: Session, subject: Subject) -> SelfAssessmentRound | None:
    """The open round a caseworker has not answered yet (for the notice on their start page)."""
    if subject.role not in ANSWERING_ROLES:
        return None
    found = open_round(session=session)
    if found is None or has_answered(session=session, round_id=found.id, user_id=subject.id):  # type: ignore[arg-type]
        return None
    return found


def _count(session: Session, round_id: int, team_id: int | None, position: int, value: int) -> None:
    """One more for (team, statement, value): the oldest matching row takes it, so that two
    rows made at once by two first answers still add up."""
    row_id = session.exec(
        select(func.min(SelfAssessmentTally.id)).where(
            SelfAssessmentTally.round_id == round_id,
            col(SelfAssessmentTally.team_id).is_(None)
            if team_id is None
            else SelfAssessmentTally.team_id == team_id,
            SelfAssessmentTally.position == position,
            SelfAssessmentTally.value == value,
        )
    ).one()
    session.execute(
        update(SelfAssessmentTally)
        .where(col(SelfAssessmentTally.id) == row_id)
        .values(count=SelfAssessmentTally.count + 1)
    )


def answer(*, session: Session, subject: Subject, round_id: int, values: list[int]) -> None:
    """Count a caseworker's answers, once per round: in the municipality and in each of
    their teams, and note that they answered (nothing that ties the two together)."""
    if subject.role not in ANSWERING_ROLES:
        raise NotPermitted(
            N_("Only caseworkers answer the self-assessment."), code="self_assessment.role"
        )
    found = open_round(session=session)
    if found is None or found.id != round_id:
        raise NotFound(
            N_("This self-assessment round is not open."), code="self_assessment.not_open"
        )
    wanted = len(statements(session=session, round_id=round_id))
    if len(values) != wanted or any(v not in VALUES for v in values):
        raise BadInput(
            N_("Choose an answer to every statement."), code="self_assessment.incomplete"
        )
    if has_answered(session=session, round_id=round_id, user_id=subject.id):
        raise Conflict(N_("You have already answered this round."), code="self_assessment.answered")
    try:  # a second answer racing this one fails here, on the primary key
        with session.begin_nested():
            session.add(SelfAssessmentAnswered(round_id=round_id, user_id=subject.id))
    except IntegrityError as exc:
        raise Conflict(
            N_("You have already answered this round."), code="self_assessment.answered"
        ) from exc
    teams = session.exec(select(TeamMember.team_id).where(TeamMember.user_id == subject.id)).all()
    made = set(
        session.exec(
            select(SelfAssessmentTally.team_id)
            .where(SelfAssessmentTally.round_id == round_id)
            .distinct()
        ).all()
    )
    for team_id in [None, *sorted(teams)]:
        if team_id not in made:  # a team made after the round was scheduled
            _make_tally(session, round_id, team_id, wanted)
            session.flush()
        for position, value in enumerate(values):
            _count(session, round_id, team_id, position, value)
    session.flush()


# The change over time -----------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """The share agreeing with one statement, in one team (None: the municipality) and round."""

    round_id: int
    team_id: int | None
    position: int
    agreeing: int
    respondents: int

    @property
    def value(self) -> float:
        return self.agreeing / self.respondents


def shares(*, session: Session, min_group: int) -> list[Share]:
    """Per round, team and statement; groups of fewer than `min_group` respondents left out."""
    sums: dict[tuple[int, int | None, int], list[int]] = defaultdict(lambda: [0, 0])
    for tally in session.exec(select(SelfAssessmentTally)).all():
        found = sums[(tally.round_id, tally.team_id, tally.position)]
        found[0] += tally.count if tally.value >= AGREE else 0
        found[1] += tally.count
    return [
        Share(round_id, team_id, position, agreeing, respondents)
        for (round_id, team_id, position), (agreeing, respondents) in sums.items()
        if respondents >= min_group
    ]


def leader_table(session: Session, min_group: int) -> list[dict[str, object]]:
    """The shares as rows for a table or a CSV file: team ("" for the whole municipality),
    period (the round's label), measure (the statement's key), value (the share agreeing,
    0..1, two decimals), group_size (respondents); only groups of `min_group` or more."""
    found = rounds(session=session)
    order = {r.id: i for i, r in enumerate(found)}
    labels = {r.id: r.label for r in found}
    team_names = dict(session.exec(select(Team.id, Team.name)).all())
    keys = {(s.round_id, s.position): s.key for s in session.exec(select(SelfAssessmentStatement))}
    rows = sorted(
        shares(session=session, min_group=min_group),
        key=lambda s: (
            order[s.round_id],
            s.team_id is not None,
            team_names.get(s.team_id, "") if s.team_id else "",
            s.position,
        ),
    )
    return [
        {
            "team": team_names.get(s.team_id, "") if s.team_id is not None else "",
            "period": labels[s.round_id],
            "measure": keys[(s.round_id, s.position)],
            "value": round(s.value, 2),
            "group_size": s.respondents,
        }
        for s in rows
    ]


def respondents(*, session: Session) -> dict[int, int]:
    """How many have answered each round (that they answered is known; what, is not)."""
    query = select(SelfAssessmentAnswered.round_id, func.count()).group_by(
        col(SelfAssessmentAnswered.round_id)
    )
    return {round_id: int(n) for round_id, n in session.exec(query).all()}
