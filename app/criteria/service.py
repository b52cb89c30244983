"""The rubric: criteria in order, their wordings, groups, and whether feedback must name one."""

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.core.errors import BadInput, found
from app.core.i18n import N_, N_plural
from app.core.text import refuse_unstorable
from app.core.timeutil import utcnow
from app.criteria.models import (
    LEVEL_MAX,
    LEVELS_MOST,
    CriteriaOrder,
    Criterion,
    CriterionCreate,
    CriterionGroup,
    CriterionPublic,
    CriterionUpdate,
    CriterionVersion,
    GroupCreate,
    GroupPublic,
    GroupUpdate,
    RubricSettings,
    level_lines,
)

WORDING = ("name_da", "name_en", "description_da", "description_en")
SCALE = ("levels_da", "levels_en")


def _clean(value: str, *, required: bool) -> str:
    """One line of text without control characters; required names may not be blank."""
    text = " ".join(value.split())
    if required and not text:
        raise BadInput(
            N_("The name is required in Danish and English."), code="criterion.name_required"
        )
    refuse_unstorable(value, field=None, code="criterion.bad_chars")
    return text


def _scale(levels_da: str, levels_en: str) -> dict[str, str]:
    """A scale's levels, one per line in each language: none, or LEVELS_MOST at most and as
    many in Danish as in English; each line as one line of text."""
    lines = {"levels_da": level_lines(levels_da), "levels_en": level_lines(levels_en)}
    for field, got in lines.items():
        for line in got:
            refuse_unstorable(line, field=field, code="criterion.bad_chars")
            if len(" ".join(line.split())) > LEVEL_MAX:
                raise BadInput(
                    N_plural(
                        "A level can be at most %(num)d character long.",
                        "A level can be at most %(num)d characters long.",
                    ),
                    code="criterion.level_too_long",
                    num=LEVEL_MAX,
                    field=field,
                )
    count = len(lines["levels_da"])
    if count != len(lines["levels_en"]):
        raise BadInput(
            N_("The scale needs as many levels in Danish as in English, one per line."),
            code="criterion.levels_differ",
            field="levels_en",
        )
    if count == 1 or count > LEVELS_MOST:
        raise BadInput(
            N_plural(
                "A scale has from 2 to %(num)d level, one per line (or none).",
                "A scale has from 2 to %(num)d levels, one per line (or none).",
            ),
            code="criterion.bad_scale",
            num=LEVELS_MOST,
            field="levels_da",
        )
    return {field: "\n".join(" ".join(x.split()) for x in got) for field, got in lines.items()}


def rubric_settings(*, session: Session) -> RubricSettings:
    """The administrator's rubric settings (defaults until first saved)."""
    return session.get(RubricSettings, 1) or RubricSettings(id=1)


def set_rubric_settings(
    *, session: Session, criteria_required: bool, reflection_required: bool | None = None
) -> RubricSettings:
    """Left as None, the reflection setting stays as it was."""
    row = session.get(RubricSettings, 1) or RubricSettings(id=1)
    row.criteria_required = criteria_required
    if reflection_required is not None:
        row.reflection_required = reflection_required
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def catalogue(*, session: Session) -> list[tuple[Criterion, CriterionVersion]]:
    """Every criterion, retired ones included, in rubric order, with its current wording."""
    query = (
        select(Criterion, CriterionVersion)
        .join(
            CriterionVersion,
            (col(CriterionVersion.criterion_id) == Criterion.id)
            & (col(CriterionVersion.version) == Criterion.version),
        )
        .order_by(col(Criterion.position), col(Criterion.id))
    )
    return [(c, v) for c, v in session.exec(query).all()]


def to_public(rows: Sequence[tuple[Criterion, CriterionVersion]]) -> list[CriterionPublic]:
    """The catalogue as the API gives it; `number` counts the criteria one can choose."""
    out, number = [], 0
    for criterion, version in rows:
        retired = criterion.retired_at is not None
        number = number if retired else number + 1
        fields = criterion.model_dump(include={"id", "position", "group_id", "version"})
        fields |= version.model_dump(include=set(WORDING))
        fields |= {f: level_lines(getattr(version, f)) for f in SCALE}
        fields |= {"number": 0 if retired else number, "retired": retired}
        out.append(CriterionPublic.model_validate(fields))
    return out


Section = tuple[GroupPublic | None, list[CriterionPublic]]


def sections(*, session: Session) -> list[Section]:
    """The rubric as the criteria page shows it: those in no group (the defaults), then each
    group. The number keys follow this order too (`keep_display_order`)."""
    in_groups = groups(session=session)
    criteria = to_public(catalogue(session=session))
    known = {g.id for g in in_groups}
    loose = [c for c in criteria if c.group_id not in known]
    out: list[Section] = [(g, [c for c in criteria if c.group_id == g.id]) for g in in_groups]
    return [(None, loose), *out] if loose or not in_groups else out


def _display_order(session: Session) -> list[CriterionPublic]:
    return [c for _, members in sections(session=session) for c in members]


def keep_display_order(*, session: Session) -> None:
    """After a criterion changes group, its number follows where the page shows it."""
    order = [c.id for c in _display_order(session)]
    if order != [c.id for c, _ in catalogue(session=session)]:
        reorder(session=session, body=CriteriaOrder(criterion_ids=order))  # type: ignore[arg-type]


def get(*, session: Session, criterion_id: int) -> Criterion:
    criterion = session.get(Criterion, criterion_id)
    return found(criterion, N_("The criterion does not exist."), code="criterion.not_found")


def public_one(*, session: Session, criterion_id: int) -> CriterionPublic:
    rows = catalogue(session=session)
    return next(p for p in to_public(rows) if p.id == criterion_id)


def _check_group(session: Session, group_id: int | None) -> None:
    if group_id is not None and session.get(CriterionGroup, group_id) is None:
        raise BadInput(
            N_("The group does not exist. Choose an existing group."),
            code="criterion.unknown_group",
        )


def create(*, session: Session, body: CriterionCreate) -> Criterion:
    """A new criterion at the end of the rubric."""
    wording = {
        field: _clean(getattr(body, field), required=field.startswith("name")) for field in WORDING
    }
    wording |= _scale(body.levels_da, body.levels_en)
    _check_group(session, body.group_id)
    last = session.exec(select(func.max(Criterion.position))).one()
    criterion = Criterion(position=(last or 0) + 1, group_id=body.group_id)
    session.add(criterion)
    session.flush()
    session.add(CriterionVersion(criterion_id=criterion.id, version=1, **wording))  # type: ignore[arg-type]
    session.flush()
    return criterion


def update(*, session: Session, criterion_id: int, body: CriterionUpdate) -> Criterion:
    """A changed wording or scale becomes a new version; feedback and scores keep the version
    they were given under."""
    criterion = get(session=session, criterion_id=criterion_id)
    current = session.exec(
        select(CriterionVersion).where(
            CriterionVersion.criterion_id == criterion_id,
            CriterionVersion.version == criterion.version,
        )
    ).one()
    wording = {field: getattr(current, field) for field in (*WORDING, *SCALE)}
    for field in WORDING:
        value = getattr(body, field)
        if value is not None:
            wording[field] = _clean(value, required=field.startswith("name"))
    if body.levels_da is not None or body.levels_en is not None:
        wording |= _scale(
            current.levels_da if body.levels_da is None else body.levels_da,
            current.levels_en if body.levels_en is None else body.levels_en,
        )
    if wording != {field: getattr(current, field) for field in (*WORDING, *SCALE)}:
        criterion.version += 1
        session.add(
            CriterionVersion(criterion_id=criterion_id, version=criterion.version, **wording)
        )
    if body.clear_group:
        criterion.group_id = None
    elif body.group_id is not None:
        _check_group(session, body.group_id)
        criterion.group_id = body.group_id
    session.add(criterion)
    session.flush()
    return criterion


def set_retired(*, session: Session, criterion_id: int, retired: bool) -> Criterion:
    """A retired criterion stays on old feedback and cannot be chosen for new."""
    criterion = get(session=session, criterion_id=criterion_id)
    if retired and criterion.retired_at is None:
        criterion.retired_at = utcnow()
    elif not retired:
        criterion.retired_at = None
    session.add(criterion)
    session.flush()
    return criterion


def reorder(*, session: Session, body: CriteriaOrder) -> None:
    """Every criterion's id in the new order: a list that misses or repeats one is refused."""
    existing = {c.id: c for c in session.exec(select(Criterion)).all()}
    if len(body.criterion_ids) != len(existing) or set(body.criterion_ids) != set(existing):
        raise BadInput(
            N_("The order must name every criterion exactly once."), code="criterion.bad_order"
        )
    for position, criterion_id in enumerate(body.criterion_ids, start=1):
        existing[criterion_id].position = position
        session.add(existing[criterion_id])
    session.flush()


def move(*, session: Session, criterion_id: int, up: bool) -> bool:
    """One place up or down among the criteria of its group, in display order; False when
    it is first or last already (nothing changes)."""
    mine = get(session=session, criterion_id=criterion_id)  # 404 if unknown
    order = _display_order(session)
    same = [c.id for c in order if c.group_id == mine.group_id]
    other = same.index(criterion_id) + (-1 if up else 1)
    if not 0 <= other < len(same):
        return False
    ids = [c.id for c in order]
    i, j = ids.index(criterion_id), ids.index(same[other])
    ids[i], ids[j] = ids[j], ids[i]
    reorder(session=session, body=CriteriaOrder(criterion_ids=ids))  # type: ignore[arg-type]
    return True


def groups(*, session: Session) -> list[GroupPublic]:
    rows = session.exec(
        select(CriterionGroup).order_by(col(CriterionGroup.position), col(CriterionGroup.id))
    ).all()
    return [GroupPublic.model_validate(g, from_attributes=True) for g in rows]


def create_group(*, session: Session, body: GroupCreate) -> CriterionGroup:
    last = session.exec(select(func.max(CriterionGroup.position))).one()
    group = CriterionGroup(
        name_da=_clean(body.name_da, required=True),
        name_en=_clean(body.name_en, required=True),
        position=(last or 0) + 1,
    )
    session.add(group)
    session.flush()
    return group


def update_group(*, session: Session, group_id: int, body: GroupUpdate) -> CriterionGroup:
    group = found(
        session.get(CriterionGroup, group_id),
        N_("The group of criteria does not exist."),
        code="criterion.group_not_found",
    )
    if body.name_da is not None:
        group.name_da = _clean(body.name_da, required=True)
    if body.name_en is not None:
        group.name_en = _clean(body.name_en, required=True)
    if body.position is not None:
        group.position = body.position
    session.add(group)
    session.flush()
    return group


# For feedback ----------------------------------------------------------------------------


def choose(*, session: Session, criterion_ids: Sequence[int]) -> list[CriterionVersion]:
    """The current wordings of criteria chosen for new feedback: unknown or retired refused."""
    if len(set(criterion_ids)) != len(criterion_ids):
        raise BadInput(N_("The same criterion is chosen twice."), code="feedback.criterion_twice")
    chosen = []
    for criterion_id in criterion_ids:
        criterion = session.get(Criterion, criterion_id)
        if criterion is None:
            raise BadInput(
                N_("The criterion %(id)s does not exist. Choose a criterion from the list."),
                code="feedback.unknown_criterion",
                id=criterion_id,
            )
        if criterion.retired_at is not None:
            raise BadInput(
                N_("The criterion %(id)s is retired and cannot be chosen for new feedback."),
                code="feedback.retired_criterion",
                id=criterion_id,
            )
        chosen.append(
            session.exec(
                select(CriterionVersion).where(
                    CriterionVersion.criterion_id == criterion_id,
                    CriterionVersion.version == criterion.version,
                )
            ).one()
        )
    return chosen


def versions(*, session: Session, version_ids: Sequence[int]) -> dict[int, CriterionVersion]:
    """Wordings by id (what feedback was given under)."""
    if not version_ids:
        return {}
    query = select(CriterionVersion).where(col(CriterionVersion.id).in_(set(version_ids)))
    return {v.id: v for v in session.exec(query).all()}  # type: ignore[misc]


def retired_ids(*, session: Session) -> set[int]:
    query = select(Criterion.id).where(col(Criterion.retired_at).is_not(None))
    return {i for i in session.exec(query).all() if i is not None}
